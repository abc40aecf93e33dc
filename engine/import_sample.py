"""A generated employee file shaped like a SIASN export, for the tests, the benchmark and a
demo of the import: a kepala (JPT) over units of about fifty, each with an administrator
head, pengawas over groups of ten and pelaksana/fungsional staff, every NIP well formed.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Optional, Sequence

# The headers as SIASN's "Data Utama PNS" export spells them (matched by engine.org_import_rows).
SIASN_HEADERS = ("NIP Baru", "Nama", "Pangkat/Golongan", "Jabatan Nama", "Jenis Jabatan", "Unor ID", "Unor Nama",
                 "NIP Atasan", "Email")
PANGKAT = ("Penata Muda (III/a)", "Penata Muda Tingkat I (III/b)", "Penata (III/c)", "Penata Tingkat I (III/d)",
           "Pembina (IV/a)", "Pengatur (II/c)")
UNIT_SIZE = 50
GROUP_SIZE = 10


def sample_nip(index: int) -> str:
    """A well-formed NIP, distinct for every ``index`` below 999,000."""
    birth_year, day = 1965 + index % 35, 1 + index % 28
    month = 1 + (index // 28) % 12
    sequence = 1 + (index // 336) % 999
    tmt_year = birth_year + 22 + index % 5
    return f"{birth_year}{month:02d}{day:02d}{tmt_year}{1 + index % 12:02d}{1 + index % 2}{sequence:03d}"


def sample_rows(count: int, domain: str = "contoh.go.id") -> list[dict[str, Optional[str]]]:
    """``count`` employees as rows keyed by :data:`SIASN_HEADERS`; the first is the kepala."""
    nips: list[str] = []
    seen: set[str] = set()
    index = 0
    while len(nips) < count:
        nip = sample_nip(index)
        index += 1
        if nip not in seen:
            seen.add(nip)
            nips.append(nip)
    rows = []
    for number, nip in enumerate(nips):
        unit = (number - 1) // UNIT_SIZE if number else 0
        within = (number - 1) % UNIT_SIZE if number else -1
        if number == 0:
            jabatan, jenis, boss = "Kepala Badan", "JPT Pratama", None
        elif within == 0:
            jabatan, jenis, boss = f"Kepala Bidang {unit + 1}", "Administrator", nips[0]
        elif within % GROUP_SIZE == 1:
            jabatan, jenis, boss = f"Kepala Subbidang {unit + 1}.{within // GROUP_SIZE + 1}", "Pengawas", \
                nips[1 + unit * UNIT_SIZE]
        else:
            group_head = 1 + unit * UNIT_SIZE + (within - 1) // GROUP_SIZE * GROUP_SIZE + 1
            jabatan, jenis = ("Analis Kepegawaian", "Fungsional") if number % 3 == 0 else ("Pengadministrasi Umum",
                                                                                          "Pelaksana")
            boss = nips[group_head] if group_head < number else nips[1 + unit * UNIT_SIZE]
        rows.append(dict(zip(SIASN_HEADERS, (nip, f"Pegawai {number + 1:05d}", PANGKAT[number % len(PANGKAT)],
                                             jabatan, jenis, f"U{unit + 1:03d}", f"Bidang {unit + 1}", boss,
                                             f"pegawai{number + 1}@{domain}"))))
    return rows


def as_csv(rows: Sequence[dict[str, Any]], headers: Sequence[str] = SIASN_HEADERS, delimiter: str = ";") -> bytes:
    """The rows as a CSV file (semicolons, as Excel writes it in an Indonesian locale)."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows([[row.get(header) or "" for header in headers] for row in rows])
    return text.getvalue().encode("utf-8")


def as_xlsx(rows: Sequence[dict[str, Any]], headers: Sequence[str] = SIASN_HEADERS) -> bytes:
    """The rows as an XLSX workbook (NIPs as text, as SIASN writes them)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Data Pegawai")
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
