"""The evaluation as tables: each period's and the year's ratings and predikat, and the
organisation's result per unit that fixes the distribution pattern.

PermenPANRB 6/2022 and SE MenPANRB 3/2023 shape them (docs/ARCHITECTURE.md's glossary
explains the terms): an employee is evaluated per period of the cycle's period plan
(Triwulan I–IV by default) and for the year; each evaluation holds the Rating Hasil Kerja
and the Rating Perilaku Kerja and the predikat the DMN table made of them. The annual one
keeps what kinerja proposed next to what the Pejabat Penilai decided, with the reason when
they differ; it is ``proposed`` until the unit's calibration (or the objection) makes it
``final``. The steps of the evaluation processes write these rows in their own transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UtcDateTime

RATINGS = ("DIATAS_EKSPEKTASI", "SESUAI_EKSPEKTASI", "DIBAWAH_EKSPEKTASI")
PREDIKATS = ("SANGAT_BAIK", "BAIK", "BUTUH_PERBAIKAN", "KURANG", "SANGAT_KURANG")
UNIT_RESULTS = ("ISTIMEWA", "BAIK", "BUTUH_PERBAIKAN", "KURANG", "SANGAT_KURANG")
ANNUAL = 0  # the period number of the annual evaluation; periods of the plan count from 1
EVALUATION_STATUSES = ("proposed", "final")
MAX_REASON = 2000


class Evaluation(Base):
    """One evaluation of one employee: of a period (``period`` ≥ 1) or of the year (``ANNUAL``)."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("employee_id", "cycle_id", "period"),
        Index("ix_evaluations_cycle_period", "cycle_id", "period", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    period: Mapped[int] = mapped_column(Integer)
    period_name: Mapped[str] = mapped_column(String(64))  # "Triwulan II", "Tahunan"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # the unit whose distribution it counts in
    skp_id: Mapped[Optional[int]] = mapped_column(ForeignKey("skp.id"))  # the SKP version evaluated
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instances.id"))
    status: Mapped[str] = mapped_column(String(16), default="proposed")  # one of EVALUATION_STATUSES
    proposed_hasil_kerja: Mapped[Optional[str]] = mapped_column(String(24))  # what kinerja derived
    rating_hasil_kerja: Mapped[Optional[str]] = mapped_column(String(24))
    hasil_kerja_reason: Mapped[Optional[str]] = mapped_column(String(MAX_REASON))  # why it differs
    proposed_perilaku_kerja: Mapped[Optional[str]] = mapped_column(String(24))
    rating_perilaku_kerja: Mapped[Optional[str]] = mapped_column(String(24))
    perilaku_kerja_reason: Mapped[Optional[str]] = mapped_column(String(MAX_REASON))
    predikat: Mapped[Optional[str]] = mapped_column(String(24))
    rated_by_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    rated_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    finalised_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)


class UnitResult(Base):
    """The organisation's result for one unit in one cycle (capaian kinerja organisasi), set by
    the PPK or HR from the unit's own evaluation: it fixes the unit's distribution pattern."""

    __tablename__ = "unit_results"
    __table_args__ = (UniqueConstraint("cycle_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    result: Mapped[str] = mapped_column(String(24))  # one of UNIT_RESULTS
    basis: Mapped[str] = mapped_column(String(MAX_REASON))  # what the result rests on
    set_by_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)
