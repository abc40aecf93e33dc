"""Reading an employee file (CSV or XLSX, as SIASN and e-Kinerja export them) into rows, and
the rules a row must keep before it may change the organisation.

Columns are found by their header, case and punctuation ignored, under the names the
exports and BKPSDM spreadsheets use (``NIP Baru``, ``Pangkat/Golongan``, ``Unor Nama``...;
:data:`HEADERS`). Nothing here touches the database: :mod:`engine.org_import` asks these
rules with what the organisation already holds.

A NIP (Peraturan BKN) is 18 digits: the birth date (YYYYMMDD), the TMT of the first
appointment (YYYYMM), the gender (1 man, 2 woman) and a 3-digit sequence number.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Iterable, Iterator, Optional

from .errors import TooLarge, ValidationFailed

MAX_IMPORT_BYTES = 10 * 1024 * 1024  # a 50,000-row SIASN export is about 8 MB as XLSX
MAX_IMPORT_ROWS = 50_000  # a provincial government's whole staff
MAX_TEXT = 200  # names, jabatan, unit names: the columns' length

FIELDS = ("nip", "name", "pangkat", "position", "jenis_jabatan", "unit_code", "unit_name", "supervisor_nip", "email")
REQUIRED = ("nip", "name", "position", "unit_code")
# Header spellings, compared without case, spaces or punctuation ("Pangkat/Golongan" = "pangkat golongan").
HEADERS = {
    "nip": ("nip", "nip baru", "nip pegawai", "nip asn"),
    "name": ("nama", "nama pegawai", "nama lengkap", "nama asn"),
    "pangkat": ("pangkat/golongan", "pangkat", "golongan", "pangkat gol", "gol/ruang", "golongan/ruang",
                "pangkat golongan ruang"),
    "position": ("jabatan", "nama jabatan", "jabatan nama"),
    "jenis_jabatan": ("jenis jabatan", "jenis jabatan nama", "jenis"),
    "unit_code": ("kode unit", "kode unit kerja", "unit kerja id", "unor id", "kode unor", "id unor"),
    "unit_name": ("unit kerja", "nama unit", "nama unit kerja", "unit kerja nama", "unor nama", "nama unor", "unor"),
    "supervisor_nip": ("nip atasan", "atasan nip", "nip atasan langsung", "nip pejabat penilai"),
    "email": ("email", "e-mail", "surel", "email kantor", "email gov"),
}
JENIS_JABATAN = ("jpt", "administrator", "pengawas", "pelaksana", "fungsional")
_JENIS_SPELLINGS = {
    "jpt": "jpt", "jabatan pimpinan tinggi": "jpt", "pimpinan tinggi": "jpt", "jpt pratama": "jpt",
    "jpt madya": "jpt", "jpt utama": "jpt", "administrator": "administrator", "jabatan administrator": "administrator",
    "pengawas": "pengawas", "jabatan pengawas": "pengawas", "pelaksana": "pelaksana", "jabatan pelaksana": "pelaksana",
    "jfu": "pelaksana", "fungsional umum": "pelaksana", "fungsional": "fungsional", "jabatan fungsional": "fungsional",
    "jft": "fungsional", "fungsional tertentu": "fungsional",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class ImportRow:
    """One employee as the file states them; ``line``: the file's line (the header is 1)."""

    line: int
    nip: str
    name: str
    position: str
    unit_code: str
    pangkat: Optional[str] = None
    jenis_jabatan: Optional[str] = None
    unit_name: Optional[str] = None
    supervisor_nip: Optional[str] = None
    email: Optional[str] = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Refusal:
    """Why a row is not imported: ``code`` a stable name (the pages translate it), ``detail``
    the specifics (the other line, the unknown unit, the supervisor's NIP)."""

    code: str
    detail: str


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


_COLUMN_OF = {_key(spelling): field for field, spellings in HEADERS.items() for spelling in spellings}


def read_rows(filename: str, content: bytes) -> list[ImportRow]:
    """The rows of an uploaded file, by its extension (``.csv`` or ``.xlsx``).

    Raises :class:`TooLarge` (413) past :data:`MAX_IMPORT_BYTES` or :data:`MAX_IMPORT_ROWS`,
    and ``ValidationFailed`` (422, ``file``) for another format, a file that cannot be read
    or a header without the required columns (each missing one named)."""
    if len(content) > MAX_IMPORT_BYTES:
        raise TooLarge(f"the file has {len(content)} bytes; the limit is {MAX_IMPORT_BYTES}",
                       {"limit": MAX_IMPORT_BYTES, "size": len(content)})
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "csv":
        table = _csv_table(content)
    elif extension == "xlsx":
        table = _xlsx_table(content)
    else:
        raise ValidationFailed("the file must be .csv or .xlsx",
                               [{"location": "file", "message": f"'{filename}' is neither .csv nor .xlsx"}])
    return rows_of(table)


def rows_of(table: Iterable[list[Any]]) -> list[ImportRow]:
    """Rows from a table whose first non-empty row is the header; empty rows are skipped."""
    lines = iter(enumerate(table, start=1))
    header = next(((n, cells) for n, cells in lines if any(_text(c) for c in cells)), None)
    if header is None:
        raise ValidationFailed("the file is empty", [{"location": "file", "message": "no header row"}])
    columns = {index: _COLUMN_OF[_key(_text(cell) or "")] for index, cell in enumerate(header[1])
               if _key(_text(cell) or "") in _COLUMN_OF}
    missing = [field for field in REQUIRED if field not in columns.values()]
    if missing:
        spelled = "; ".join(f"{field}: {' / '.join(HEADERS[field][:3])}" for field in missing)
        raise ValidationFailed(f"the header lacks required columns ({spelled})",
                               [{"location": f"file.{field}", "message": f"no column {' / '.join(HEADERS[field][:3])}"}
                                for field in missing])
    rows = []
    for number, cells in lines:
        values = {columns[i]: _text(cell) for i, cell in enumerate(cells) if i in columns}
        if not any(values.values()):
            continue
        if len(rows) >= MAX_IMPORT_ROWS:
            raise TooLarge(f"the file has more than {MAX_IMPORT_ROWS} rows", {"limit_rows": MAX_IMPORT_ROWS})
        rows.append(ImportRow(line=number, nip=(values.get("nip") or "").replace(" ", ""),
                              name=values.get("name") or "", position=values.get("position") or "",
                              unit_code=values.get("unit_code") or "", pangkat=values.get("pangkat"),
                              jenis_jabatan=values.get("jenis_jabatan"), unit_name=values.get("unit_name"),
                              supervisor_nip=(values.get("supervisor_nip") or "").replace(" ", "") or None,
                              email=values.get("email")))
    return rows


def _text(cell: Any) -> Optional[str]:
    """A cell as text: integers as their digits (an XLSX NIP typed as a number), None when empty."""
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2 ** 53:
        cell = int(cell)
    text = str(cell).strip()
    return text or None


def _csv_table(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return csv.reader(io.StringIO(text), dialect)


def _xlsx_table(content: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook  # imported when a spreadsheet arrives

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise ValidationFailed("the file is not a readable .xlsx workbook",
                               [{"location": "file", "message": f"{type(error).__name__}: {error}"[:300]}]) from error
    sheet = workbook.worksheets[0]
    return (list(row) for row in sheet.iter_rows(values_only=True))


# -- the rules of one row -------------------------------------------------------------------


def nip_problem(nip: str) -> Optional[Refusal]:
    """What is wrong with a NIP, or None: 18 digits, a real birth date, a TMT month after it,
    gender 1 or 2, and a sequence number from 001."""
    if not (len(nip) == 18 and nip.isascii() and nip.isdigit()):
        return Refusal("nip_format", f"'{nip}' is not 18 digits")
    try:
        born = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return Refusal("nip_birth_date", f"{nip[0:8]} is not a date (YYYYMMDD)")
    tmt_year, tmt_month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= tmt_month <= 12 or (tmt_year, tmt_month) <= (born.year, born.month) or tmt_year > 2100:
        return Refusal("nip_tmt", f"{nip[8:14]} is not a TMT month (YYYYMM) after the birth date")
    if nip[14] not in "12":
        return Refusal("nip_gender", f"digit 15 is {nip[14]}, not 1 or 2")
    if nip[15:] == "000":
        return Refusal("nip_sequence", "the sequence number is 000")
    return None


def row_problem(row: ImportRow) -> Optional[Refusal]:
    """The first rule a row breaks by itself (without looking at other rows or the database)."""
    empty = [field for field in REQUIRED if not getattr(row, field)]
    if empty:
        return Refusal("missing_field", ", ".join(empty))
    problem = nip_problem(row.nip)
    if problem is not None:
        return problem
    long = [field for field in FIELDS if len(getattr(row, field) or "") > MAX_TEXT]
    if long:
        return Refusal("too_long", f"{', '.join(long)}: more than {MAX_TEXT} characters")
    if row.supervisor_nip is not None and nip_problem(row.supervisor_nip) is not None:
        return Refusal("supervisor_nip_format", f"'{row.supervisor_nip}' is not a NIP")
    if row.jenis_jabatan is not None and jenis_jabatan_of(row.jenis_jabatan) is None:
        return Refusal("jenis_jabatan", f"'{row.jenis_jabatan}' is not one of {', '.join(JENIS_JABATAN)}")
    if row.email is not None and (len(row.email) > 254 or not _EMAIL.match(row.email)):
        return Refusal("email", f"'{row.email}' is not an email address")
    return None


def jenis_jabatan_of(text: Optional[str]) -> Optional[str]:
    """The jenis jabatan a cell names (``JPT Pratama`` → ``jpt``), or None."""
    return _JENIS_SPELLINGS.get(" ".join((text or "").lower().split()))


def supervisor_refusals(supervisors: dict[str, Optional[str]], in_file: set[str]) -> dict[str, Refusal]:
    """Which of the file's employees cannot be placed because of their chain of supervisors.

    ``supervisors``: NIP → supervisor NIP for the file's valid rows and for the employees the
    organisation already has (the file's wins); ``in_file``: the NIPs the file imports.
    Refused: an employee whose chain loops (``supervisor_cycle``), whose supervisor is
    neither in the file nor in the organisation (``supervisor_not_found``), or whose chain
    passes through such an employee (``supervisor_refused``)."""
    state: dict[str, Optional[Refusal]] = {}
    for start in sorted(in_file):
        path: list[str] = []
        position: dict[str, int] = {}
        current: Optional[str] = start
        verdict: Optional[Refusal] = None  # of the employee the path ends under
        while current is not None:
            if current in state:
                verdict = state[current]
                break
            if current not in supervisors:
                verdict = _MISSING
                break
            if current in position:  # a loop: everyone on it is refused, those below it follow
                loop = path[position[current]:]
                verdict = Refusal("supervisor_cycle", " → ".join([*loop, current]))
                state.update({nip: verdict for nip in loop})
                del path[position[current]:]
                break
            position[current] = len(path)
            path.append(current)
            current = supervisors[current]
        for nip in reversed(path):
            boss = supervisors[nip]
            if verdict is _MISSING:
                verdict = Refusal("supervisor_not_found", f"no employee {boss} in the file or the organisation")
            elif verdict is not None:
                verdict = Refusal("supervisor_refused", f"supervisor {boss} is refused ({verdict.code})")
            state[nip] = verdict
    return {nip: refusal for nip, refusal in state.items() if refusal is not None and nip in in_file}


_MISSING = Refusal("supervisor_not_found", "")


def supervisors_first(rows: list[ImportRow]) -> list[ImportRow]:
    """The rows ordered so each supervisor in the file comes before their staff (rows whose
    chains were checked by :func:`supervisor_refusals`: no loops)."""
    by_nip = {row.nip: row for row in rows}
    depth: dict[str, int] = {}

    def depth_of(start: str) -> int:
        chain, nip = [], start
        while nip in by_nip and nip not in depth:
            chain.append(nip)
            nip = by_nip[nip].supervisor_nip or ""
        base = depth.get(nip, -1)
        for member in reversed(chain):
            base += 1
            depth[member] = base
        return depth[start]

    return sorted(rows, key=lambda row: (depth_of(row.nip), row.line))
