"""The documents kinerja has issued as PDF: what a printed SKP or evaluation document's
verification code stands for.

A row is written the first time a document is downloaded with a given content (and kept
for every later download of the same content): the short unguessable code printed on it,
what it is about (the SKP version or the evaluation), the SHA-256 of the canonical content
the PDF shows and of the PDF's bytes, and the audit events of the approvals it rests on
(with their hashes at issue time). ``/verify/<code>`` reads it back; nothing in it is
personal beyond the ids. Issuing also appends ``document.issued`` to the audit chain with
the same hashes, so a row edited afterwards no longer matches its event.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UtcDateTime

DOCUMENT_KINDS = ("skp", "evaluasi")
VARIANTS = ("elektronik", "basah")  # electronic approvals printed, or empty blocks for wet signatures
CODE_LENGTH = 10


class IssuedDocument(Base):
    """One issued document: a content (by hash) of one subject in one variant, rendered to
    the PDF bytes whose hash is kept."""

    __tablename__ = "issued_documents"
    __table_args__ = (
        UniqueConstraint("subject", "variant", "content_hash", "pdf_hash"),
        Index("ix_issued_documents_subject", "subject", "variant", "content_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # one of DOCUMENT_KINDS
    subject: Mapped[str] = mapped_column(String(64))  # "skp:<id>" or "evaluation:<id>"
    variant: Mapped[str] = mapped_column(String(16))  # one of VARIANTS
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    skp_id: Mapped[Optional[int]] = mapped_column(ForeignKey("skp.id"))
    skp_version: Mapped[Optional[int]] = mapped_column(Integer)
    evaluation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("evaluations.id"))
    period_name: Mapped[str] = mapped_column(String(64))  # "2026", "Triwulan II 2026", "Tahunan 2026"
    content_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical content
    pdf_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the PDF's bytes
    # [{"seq", "hash", "action", "role", "name", "nip", "at"}]: the approvals it rests on.
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    issued_by: Mapped[str] = mapped_column(String(64))
