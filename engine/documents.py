"""Use cases of the printed documents: the SKP and the Dokumen Evaluasi Kinerja Pegawai as
PDF, each carrying a verification code (DESIGN §1.6).

Whoever may read the SKP or the evaluation may download its document, and nobody else
(404, as for reading them: :func:`engine.access.may_view_employee`; an auditor's download of
an evaluation is logged like their read of it). The first download of a content issues the
document: an :class:`~engine.document_tables.IssuedDocument` row with a new code and the
hashes, and a ``document.issued`` audit event; later downloads of the same content get the
same code and the same bytes (rendering is deterministic). When the record changes (a
rating calibrated, a revision agreed) the next download is a new document with a new code,
and the old code's page says that the record no longer reads as printed.

``wet``: the variant with empty signature blocks for wet signatures (its own code).

``store``: a content-addressed storage (the bulk download's, :mod:`engine.document_bundles`)
that keeps every PDF rendered under its SHA-256; a document already issued for the same
content whose bytes are there is read back instead of rendered again (the bytes are the ones
its recorded hash names, so nothing about the code changes, only the time).
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import select

from .access import authorise, may_view_employee, note_auditor_read
from .actors import Actor, actor_name
from .document_content import content_hash, skp_content
from .document_render import render_pdf
from .document_tables import CODE_LENGTH, IssuedDocument
from .errors import NotFound
from .evidence_storage import EvidenceStorage
from .evaluation_document import evaluation_content
from .evaluation_tables import ANNUAL, Evaluation
from .kinerja import Kinerja
from .models import User
from .skp_tables import Skp
from .unit_of_work import UnitOfWork

ISSUED = "document.issued"


@dataclass(frozen=True)
class DocumentFile:
    """A rendered document: its file name, bytes and verification code; ``reused`` when the
    bytes came from the store rather than from rendering."""

    filename: str
    content: bytes
    code: str
    reused: bool = False


def skp_pdf(kinerja: Kinerja, actor: Actor, skp_id: int, verify_base: str, wet: bool = False,
            store: Optional[EvidenceStorage] = None) -> DocumentFile:
    """The SKP version as PDF, for whoever may read it (404 otherwise)."""
    with kinerja.unit_of_work() as uow:
        user = authorise(uow.session, actor)
        skp = uow.session.get(Skp, skp_id)
        if skp is None or not _may_read(uow, user, skp.employee_id):
            raise NotFound(f"SKP {skp_id} does not exist")
        content = skp_content(uow.session, skp)
        issued = _issue(uow, actor, content, verify_base, wet, store, subject=f"skp:{skp.id}", employee_id=skp.employee_id,
                        cycle_id=skp.cycle_id, skp_id=skp.id, skp_version=skp.version,
                        period_name=str(content["year"]))
        return DocumentFile(f"SKP-{content['employee']['nip']}-{content['year']}-v{skp.version}.pdf", *issued)


def evaluation_pdf(kinerja: Kinerja, actor: Actor, evaluation_id: int, verify_base: str,
                   wet: bool = False, store: Optional[EvidenceStorage] = None) -> DocumentFile:
    """The evaluation document of a period or the year, for whoever may read the employee's
    evaluations (404 otherwise; an auditor's download is logged)."""
    with kinerja.unit_of_work() as uow:
        user = authorise(uow.session, actor)
        evaluation = uow.session.get(Evaluation, evaluation_id)
        if evaluation is None or not _may_read(uow, user, evaluation.employee_id):
            raise NotFound(f"evaluation {evaluation_id} does not exist")
        if user is not None:
            note_auditor_read(uow, user, "evaluation_document", employee_id=evaluation.employee_id,
                              evaluation_id=evaluation.id)
        content = evaluation_content(kinerja, uow.session, evaluation)
        period = "Tahunan" if evaluation.period == ANNUAL else content["period_name"]
        issued = _issue(uow, actor, content, verify_base, wet, store, subject=f"evaluation:{evaluation.id}",
                        employee_id=evaluation.employee_id, cycle_id=evaluation.cycle_id, evaluation_id=evaluation.id,
                        skp_id=evaluation.skp_id, skp_version=content["skp_version"],
                        period_name=f"{period} {content['year']}")
        slug = "tahunan" if evaluation.period == ANNUAL else f"periode-{evaluation.period}"
        return DocumentFile(f"Evaluasi-{content['employee']['nip']}-{content['year']}-{slug}.pdf", *issued)


def current_content(kinerja: Kinerja, uow: UnitOfWork, document: IssuedDocument) -> Optional[dict[str, Any]]:
    """The content of the document's subject as the tables hold it now (None when it is gone)."""
    if document.kind == "skp":
        skp = uow.session.get(Skp, document.skp_id) if document.skp_id else None
        return skp_content(uow.session, skp) if skp is not None else None
    evaluation = uow.session.get(Evaluation, document.evaluation_id) if document.evaluation_id else None
    return evaluation_content(kinerja, uow.session, evaluation) if evaluation is not None else None


def verify_url(verify_base: str, code: str) -> str:
    return f"{verify_base.rstrip('/')}/verify/{code}"


def _may_read(uow: UnitOfWork, user: Optional[User], employee_id: int) -> bool:
    return user is None or may_view_employee(uow.session, user, employee_id)


def _issue(uow: UnitOfWork, actor: Actor, content: dict[str, Any], verify_base: str, wet: bool,
           store: Optional[EvidenceStorage], *, subject: str, **facts: Any) -> tuple[bytes, str, bool]:
    """The PDF of ``content``, its code and whether it came from ``store``: the document
    already issued for this content and variant when the store holds its bytes or they
    render the same again, else a new one (row and audit event)."""
    variant = "basah" if wet else "elektronik"
    digest = content_hash(content)
    for document in uow.session.scalars(select(IssuedDocument).where(
            IssuedDocument.subject == subject, IssuedDocument.variant == variant,
            IssuedDocument.content_hash == digest).order_by(IssuedDocument.id.desc())):
        if store is not None and store.exists(document.pdf_hash):
            kept = store.open(document.pdf_hash)
            if _sha256(kept) == document.pdf_hash:
                return kept, document.code, True
        pdf = render_pdf(content, document.code, verify_url(verify_base, document.code), wet)
        if _sha256(pdf) == document.pdf_hash:
            if store is not None:
                store.put(pdf)
            return pdf, document.code, False
    code = _new_code()
    pdf = render_pdf(content, code, verify_url(verify_base, code), wet)
    if store is not None:
        store.put(pdf)  # before the row: a failed commit leaves at worst an unreferenced file
    approvals = content["approvals"]
    document = IssuedDocument(code=code, kind=content["kind"], subject=subject, variant=variant,
                              content_hash=digest, pdf_hash=_sha256(pdf), approvals=approvals,
                              issued_at=uow.clock.now(), issued_by=actor_name(actor), **facts)
    uow.session.add(document)
    uow.record(actor_name(actor), ISSUED, {"code": code, "kind": document.kind, "subject": subject,
                                           "variant": variant, "content_hash": digest, "pdf_hash": document.pdf_hash,
                                           "approvals": [item["seq"] for item in approvals]})
    uow.commit()
    return pdf, code, False


def _new_code() -> str:
    """Ten base32 characters from the system's randomness (50 bits): unguessable, easy to type."""
    return base64.b32encode(secrets.token_bytes(8)).decode("ascii")[:CODE_LENGTH]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
