"""Tables of the changes HR records in the organisation during the year
(:mod:`engine.org_moves`, :mod:`engine.acting`): transfers (mutasi), leavings and acting
officials (Plt/Plh).

Each row is the record of one HR decision with its date and reason; the employee rows
(unit, supervisor, active) hold the current state, these tables the history beside the
audit trail, so a page lists them without reading the event log.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UtcDateTime

MAX_REASON = 500
LEAVING_KINDS = ("pensiun", "berhenti", "meninggal", "pindah_instansi")
ACTING_KINDS = ("plt", "plh")  # Pelaksana Tugas (a vacant position), Pelaksana Harian (a temporary absence)


class EmployeeMove(Base):
    """A transfer (mutasi): from which unit and supervisor to which, effective when, why."""

    __tablename__ = "employee_moves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    from_supervisor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employees.id"))
    to_supervisor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employees.id"))
    effective_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(MAX_REASON))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EmployeeLeaving(Base):
    """An employee leaving the organisation (one of :data:`LEAVING_KINDS`)."""

    __tablename__ = "employee_leavings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), unique=True)
    effective_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(MAX_REASON))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ActingAppointment(Base):
    """An acting official (Plt/Plh): ``acting_employee_id`` takes the tasks meant for
    ``for_employee_id`` from ``starts_on`` to ``ends_on`` (both included, dates in WIB)."""

    __tablename__ = "acting_appointments"
    __table_args__ = (Index("ix_acting_appointments_acting", "acting_employee_id", "starts_on", "ends_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    acting_employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    for_employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(MAX_REASON))
    appointed_by: Mapped[str] = mapped_column(String(64))
    appointed_at: Mapped[datetime] = mapped_column(UtcDateTime)
