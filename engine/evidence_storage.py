"""Where evidence files (bukti dukung) are kept, and what is accepted into it.

**Storage.** :class:`EvidenceStorage` is the one interface the use cases see: ``put`` bytes
and get a key, ``open`` a key, ask whether a key ``exists``. Keys are content addresses
(the SHA-256 of the bytes in hex), so the same file uploaded twice is stored once, a stored
file cannot change under its key, and the hash in the audit trail names the very bytes a
download returns. :class:`FilesystemStorage` keeps them under ``KINERJA_EVIDENCE_DIR``
(default ``var/evidence``, beside the default SQLite database in ``var/``), fanned out by
the first two pairs of hex digits. An object-storage implementation (S3, MinIO) implements
the same three methods with the key as object name and is passed to
:class:`engine.kinerja.Kinerja` as ``evidence_storage``; nothing else changes.

Files are written before the database transaction that records them: a failed transaction
leaves at worst an unreferenced file (harmless, content-addressed), never a row without its
file. Rows are not deleted with their file either: others may share the same content.

**What is accepted** (:func:`check_upload`): at most ``KINERJA_EVIDENCE_MAX_BYTES`` (10 MB
by default; more is :class:`~engine.errors.TooLarge`, 413); a type recognised from the
content itself by the ``filetype`` package, one of :data:`ACCEPTED` (PDF, PNG, JPEG, DOCX,
XLSX, PPTX, ODT, ODS), and the declared file name and content type must agree with it (an
HTML page or a program renamed ``.pdf`` is refused, 422); and, when
``KINERJA_EVIDENCE_SCAN_COMMAND`` is set (e.g. ``clamdscan --no-summary -``), the virus
scanner's consent: the command gets the file on stdin and must exit 0 within
``KINERJA_EVIDENCE_SCAN_TIMEOUT`` seconds (60).
"""
from __future__ import annotations

import hashlib
import os
import re
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Protocol

import filetype

from .errors import TooLarge, Unavailable, ValidationFailed

DIR_ENV, MAX_BYTES_ENV = "KINERJA_EVIDENCE_DIR", "KINERJA_EVIDENCE_MAX_BYTES"
SCAN_ENV, SCAN_TIMEOUT_ENV = "KINERJA_EVIDENCE_SCAN_COMMAND", "KINERJA_EVIDENCE_SCAN_TIMEOUT"
DEFAULT_DIR = Path("var") / "evidence"  # beside engine.database.DEFAULT_DATABASE_URL's var/
DOCUMENTS_DIR_ENV, DEFAULT_DOCUMENTS_DIR = "KINERJA_DOCUMENTS_DIR", Path("var") / "documents"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_SCAN_TIMEOUT = 60
GENERIC_TYPES = ("", "application/octet-stream", "binary/octet-stream", "application/zip")
KEY = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Accepted:
    label: str
    mime: str
    extensions: tuple[str, ...]


# What filetype names a sniffed type (its extension) → what we accept of it.
ACCEPTED: dict[str, Accepted] = {
    "pdf": Accepted("PDF", "application/pdf", ("pdf",)),
    "png": Accepted("PNG", "image/png", ("png",)),
    "jpg": Accepted("JPEG", "image/jpeg", ("jpg", "jpeg")),
    "docx": Accepted("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)),
    "xlsx": Accepted("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
    "pptx": Accepted("PPTX", "application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",)),
    "odt": Accepted("ODT", "application/vnd.oasis.opendocument.text", ("odt",)),
    "ods": Accepted("ODS", "application/vnd.oasis.opendocument.spreadsheet", ("ods",)),
}
ACCEPTED_LABELS = ", ".join(kind.label for kind in ACCEPTED.values())


class EvidenceStorage(Protocol):
    """Content-addressed bytes: the key of ``put(content)`` is the SHA-256 of ``content`` in hex."""

    def put(self, content: bytes) -> str: ...

    def open(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...


class FilesystemStorage:
    """Files under ``root``: ``<root>/<ab>/<cd>/<sha256>``, written atomically (a temporary
    file renamed into place), so a reader never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, content: bytes) -> str:
        key = hashlib.sha256(content).hexdigest()
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as temporary:
            temporary.write(content)
        os.replace(temporary.name, path)
        return key

    def open(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def _path(self, key: str) -> Path:
        if not KEY.fullmatch(key):  # keys are hashes; anything else must not become a path
            raise ValueError(f"not an evidence key: {key!r}")
        return self.root / key[:2] / key[2:4] / key


def storage_from_environment() -> FilesystemStorage:
    """The storage ``KINERJA_EVIDENCE_DIR`` names (default ``var/evidence``)."""
    return FilesystemStorage(Path(os.environ.get(DIR_ENV) or DEFAULT_DIR))


def documents_storage_from_environment() -> FilesystemStorage:
    """Where the printed documents' PDFs and the bulk ZIPs are kept (the same interface,
    content-addressed too): ``KINERJA_DOCUMENTS_DIR`` (default ``var/documents``)."""
    return FilesystemStorage(Path(os.environ.get(DOCUMENTS_DIR_ENV) or DEFAULT_DOCUMENTS_DIR))


def max_bytes() -> int:
    """``KINERJA_EVIDENCE_MAX_BYTES``: the largest evidence file accepted (default 10 MB)."""
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_BYTES


def describe_size(size: int) -> str:
    """A byte count as people read a limit: ``10 MB``, ``512 KB``, ``300 byte``."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} byte"


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed :func:`check_upload`: its sniffed type and hash."""

    filename: str
    content_type: str
    size: int
    sha256: str


def check_upload(filename: str, declared_type: Optional[str], content: bytes) -> CheckedFile:
    """Refuse an upload past the size limit (413), of a type not accepted or not the one it
    claims (422), or that the virus scanner refuses (422); see the module's docstring."""
    limit = max_bytes()
    if len(content) > limit:
        raise TooLarge(f"berkas bukti dukung paling besar {describe_size(limit)}",
                       details=[{"field": "file", "message": f"paling besar {describe_size(limit)}",
                                 "limit": limit}])
    name = os.path.basename((filename or "").replace("\\", "/")).strip()[:255]
    if not name or not content:
        raise _refused("berkas bukti dukung kosong atau tanpa nama")
    sniffed = filetype.guess_extension(content)
    kind = ACCEPTED.get(sniffed or "")
    if kind is None:
        raise _refused(f"jenis berkas tidak diterima; yang diterima: {ACCEPTED_LABELS}")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    declared = (declared_type or "").split(";")[0].strip().lower()
    if extension not in kind.extensions or declared not in (kind.mime, *GENERIC_TYPES):
        raise _refused(f"isi berkas adalah {kind.label}, tidak sesuai dengan nama atau jenis yang disebut "
                       f"({name}, {declared or '-'}); yang diterima: {ACCEPTED_LABELS}")
    _scan(content)
    return CheckedFile(name, kind.mime, len(content), hashlib.sha256(content).hexdigest())


def _scan(content: bytes) -> None:
    command = os.environ.get(SCAN_ENV, "").strip()
    if not command:
        return
    raw = os.environ.get(SCAN_TIMEOUT_ENV, "").strip()
    timeout = int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_SCAN_TIMEOUT
    try:
        finished = subprocess.run(shlex.split(command), input=content, capture_output=True, timeout=timeout,
                                  check=False)
    except (OSError, subprocess.TimeoutExpired) as failure:
        raise Unavailable("pemindai virus tidak dapat dijalankan atau tidak menjawab; tidak ada yang tersimpan",
                          details={"reason": "virus_scanner_unavailable"}, retry_after=60) from failure
    if finished.returncode != 0:
        raise _refused("berkas ditolak oleh pemindai virus")


def _refused(message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": "file", "message": message,
                                                "accepted": [kind.label for kind in ACCEPTED.values()]}])
