"""The realisation as tables: what an employee reports per indicator and period, and the
evidence (bukti dukung) behind it.

PermenPANRB 6/2022: each period the employee reports the realisation of every indicator of
the agreed SKP version (a number against a numeric target, a description against a
described one) with the evidence that supports it; the Pejabat Penilai rates the period
against it. A :class:`Realisasi` row is one indicator in one period (reporting the period
again replaces it); its ``capaian`` is the realisation as a percentage of a numeric target.
A :class:`BuktiDukung` row is an uploaded file (its bytes live in the evidence storage,
:mod:`engine.evidence_storage`, under their SHA-256) or a link; it is uploaded to the open
realisation task first and linked to its realisation row when the task is completed.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UtcDateTime
from .skp_tables import MAX_TEXT

EVIDENCE_KINDS = ("file", "link")
MAX_FILENAME = 255
MAX_URL = 2000


class Realisasi(Base):
    """The realisation of one indicator of an agreed SKP version in one period (1 = the first)."""

    __tablename__ = "realisasi"
    __table_args__ = (
        UniqueConstraint("indikator_id", "period"),
        Index("ix_realisasi_employee_cycle_period", "employee_id", "cycle_id", "period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    skp_id: Mapped[int] = mapped_column(ForeignKey("skp.id"), index=True)
    indikator_id: Mapped[int] = mapped_column(ForeignKey("indikator.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    period: Mapped[int] = mapped_column(Integer)
    value: Mapped[Optional[Decimal]] = mapped_column(Numeric(18, 4))  # against a numeric target
    description: Mapped[Optional[str]] = mapped_column(String(MAX_TEXT))  # against a described target
    capaian: Mapped[Optional[Decimal]] = mapped_column(Numeric(24, 2))  # value / target × 100
    reported_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"))


class BuktiDukung(Base):
    """One piece of evidence: a stored file (``kind`` file) or a link (``kind`` link)."""

    __tablename__ = "bukti_dukung"
    __table_args__ = (Index("ix_bukti_dukung_employee_cycle_period", "employee_id", "cycle_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    period: Mapped[Optional[int]] = mapped_column(Integer)  # set when the realisation is reported
    indikator_id: Mapped[Optional[int]] = mapped_column(ForeignKey("indikator.id"))
    realisasi_id: Mapped[Optional[int]] = mapped_column(ForeignKey("realisasi.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # one of EVIDENCE_KINDS
    filename: Mapped[Optional[str]] = mapped_column(String(MAX_FILENAME))  # as uploaded
    content_type: Mapped[Optional[str]] = mapped_column(String(100))  # as sniffed from the content
    size: Mapped[Optional[int]] = mapped_column(Integer)
    sha256: Mapped[Optional[str]] = mapped_column(String(64))
    storage_key: Mapped[Optional[str]] = mapped_column(String(200))
    url: Mapped[Optional[str]] = mapped_column(String(MAX_URL))
    uploaded_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), index=True)
