"""Checking a printed document by its verification code: public, no login (DESIGN §1.6).

Anyone holding the paper (an auditor, BKN, a court) opens ``/verify/<code>`` and learns
which document it is (type, the employee's name and NIP masked to a few digits, period,
version), who approved it electronically and when, and whether the record still matches:

- the audit chain verifies from its start up to the events the document rests on (its
  approvals and its own ``document.issued``), with the checkpoints inside that prefix
  (:func:`engine.audit.verify_chain`), and each approval event still has the hash recorded
  when the document was issued;
- the issued row agrees with its ``document.issued`` event (code, hashes), so a row edited
  afterwards is noticed;
- the content rebuilt from the tables now has the hash recorded at issue: a record changed
  since (a calibrated predikat, an edited row) no longer matches.

Uploading the PDF compares its bytes' SHA-256 with the recorded one: a forged or altered
file does not match. Nothing else about the employee is shown.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from sqlalchemy import select

from .audit import verify_chain
from .document_content import content_hash
from .document_tables import IssuedDocument
from .documents import ISSUED, current_content
from .errors import NotFound
from .kinerja import Kinerja
from .models import AuditEvent, Employee
from .unit_of_work import UnitOfWork

CODE = re.compile(r"^[A-Z2-7]{10}$")
TITLES = {"skp": "Sasaran Kinerja Pegawai (SKP)", "evaluasi": "Dokumen Evaluasi Kinerja Pegawai"}
MASK = "\u2022"


@dataclass(frozen=True)
class ApprovalSeen:
    role: str
    name: str
    nip: Optional[str]  # masked
    at: datetime
    seq: int


@dataclass(frozen=True)
class Verification:
    """What the public verification page says about a code."""

    code: str
    kind: str  # skp | evaluasi
    title: str
    variant: str  # elektronik | basah
    employee_name: str
    employee_nip: str  # masked
    period: str
    version: Optional[int]  # the SKP version
    issued_at: datetime
    approvals: list[ApprovalSeen]
    chain_ok: bool
    record_ok: bool
    problems: list[str] = field(default_factory=list)  # in Indonesian, for the reader

    @property
    def matches(self) -> bool:
        return self.chain_ok and self.record_ok


def mask_nip(nip: Optional[str]) -> Optional[str]:
    """A NIP with all but its first and last four digits hidden: "1990••••••••••1003"."""
    if not nip:
        return nip
    if len(nip) <= 8:
        return nip[:2] + MASK * (len(nip) - 2)
    return nip[:4] + MASK * (len(nip) - 8) + nip[-4:]


def verify_document(kinerja: Kinerja, code: str) -> Verification:
    """The verification of a code (public; 404 for a code that was never issued)."""
    with kinerja.reading() as uow:
        document = _document(uow, code)
        employee = uow.session.get(Employee, document.employee_id)
        assert employee is not None  # foreign key
        problems: list[str] = []
        chain_ok = _chain_holds(kinerja, uow, document, problems)
        record_ok = _record_holds(kinerja, uow, document, problems)
        approvals = [ApprovalSeen(item["role"], item["name"], mask_nip(item.get("nip")),
                                  datetime.fromisoformat(item["at"]), item["seq"]) for item in document.approvals]
        return Verification(document.code, document.kind, TITLES[document.kind], document.variant, employee.name,
                            mask_nip(employee.nip) or "", document.period_name, document.skp_version,
                            document.issued_at, approvals, chain_ok, record_ok, problems)


def pdf_matches(kinerja: Kinerja, code: str, pdf: bytes) -> bool:
    """Whether ``pdf`` is byte for byte the document issued under ``code`` (public; 404 for
    an unknown code)."""
    with kinerja.reading() as uow:
        return hashlib.sha256(pdf).hexdigest() == _document(uow, code).pdf_hash


def _document(uow: UnitOfWork, code: str) -> IssuedDocument:
    wanted = (code or "").strip().upper()
    document = uow.session.scalar(select(IssuedDocument).where(IssuedDocument.code == wanted)) \
        if CODE.match(wanted) else None
    if document is None:
        raise NotFound(f"no document was issued with code {code!r}")
    return document


def _chain_holds(kinerja: Kinerja, uow: UnitOfWork, document: IssuedDocument, problems: list[str]) -> bool:
    """The chain up to the document's events, and those events as recorded at issue."""
    issued = _issued_event(uow, document.code)
    if issued is None:
        problems.append("Catatan penerbitan dokumen ini tidak ada di jejak audit.")
        return False
    if {key: issued.data.get(key) for key in ("content_hash", "pdf_hash", "subject", "variant")} != {
            "content_hash": document.content_hash, "pdf_hash": document.pdf_hash, "subject": document.subject,
            "variant": document.variant}:
        problems.append("Data penerbitan dokumen telah diubah: tidak sama dengan yang tercatat di jejak audit.")
        return False
    through = max([issued.seq, *(item["seq"] for item in document.approvals)])
    result = verify_chain(uow.session, key=kinerja.audit_key, through=through)
    if not result.ok:
        problems.append(f"Jejak audit tidak utuh sampai persetujuan dokumen ini: peristiwa no. "
                        f"{result.first_bad_seq} telah diubah, dihapus atau disisipkan.")
        return False
    stored = dict(uow.session.execute(select(AuditEvent.seq, AuditEvent.hash).where(
        AuditEvent.seq.in_([item["seq"] for item in document.approvals]))).all())
    changed = [item for item in document.approvals if stored.get(item["seq"]) != item["hash"]]
    for item in changed:
        problems.append(f"Persetujuan {item['role']} (peristiwa no. {item['seq']}) tidak sama dengan yang "
                        "tercatat saat dokumen diterbitkan.")
    return not changed


def _record_holds(kinerja: Kinerja, uow: UnitOfWork, document: IssuedDocument, problems: list[str]) -> bool:
    content = current_content(kinerja, uow, document)
    if content is None:
        problems.append("Catatan yang menjadi dasar dokumen ini sudah tidak ada.")
        return False
    if content_hash(content) != document.content_hash:
        problems.append("Isi catatan kinerja telah berubah sejak dokumen ini diterbitkan; dokumen ini tidak "
                        "lagi sesuai dengan catatan.")
        return False
    return True


def _issued_event(uow: UnitOfWork, code: str) -> Optional[AuditEvent]:
    return uow.session.scalars(select(AuditEvent).where(AuditEvent.action == ISSUED,
                                                        AuditEvent.data["code"].as_string() == code)
                               .order_by(AuditEvent.seq).limit(1)).first()


