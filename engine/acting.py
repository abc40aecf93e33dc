"""Acting officials (Plt/Plh): HR appoints an employee to act for another for a date range.

During the appointment (days in WIB, both ends included) the acting official may also
work on the tasks assigned to the employee they act for (:func:`engine.assignment.acting_principals`:
their inbox lists them, and a completion records ``acting_for``); before and after, not.
Tasks about the acting official themselves stay with the person they were meant for.
A Plt (Pelaksana Tugas) stands in for a vacant or long-absent position, a Plh (Pelaksana
Harian) for a short absence; the engine treats both alike and keeps the kind on the record.

:func:`staffing_records` lists the organisation's transfers, leavings and appointments for
the HR page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from .access import authorise, require_own_organisation
from .actors import Actor, actor_name
from .errors import NotFound, ValidationFailed
from .kinerja import Kinerja
from .models import Employee, Organisation, Unit
from .org_moves import checked_reason, staff_member
from .org_moves_tables import ACTING_KINDS, ActingAppointment, EmployeeLeaving, EmployeeMove
from .permissions import MANAGE_STAFFING

MAX_DAYS = 366  # an appointment longer than a year is a new position, not an acting one


def appoint_acting(kinerja: Kinerja, actor: Actor, acting_nip: str, for_nip: str, kind: str,
                   starts_on: date, ends_on: date, reason: str) -> int:
    """Appoint ``acting_nip`` as Plt/Plh for ``for_nip`` from ``starts_on`` to ``ends_on``."""
    reason = checked_reason(reason)
    if kind not in ACTING_KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(ACTING_KINDS)}",
                               details=[{"field": "kind", "message": "pilih Plt atau Plh"}])
    if not 0 <= (ends_on - starts_on).days < MAX_DAYS:
        raise ValidationFailed(f"the appointment ends on or after its first day, within {MAX_DAYS} days",
                               details=[{"field": "ends_on", "message": "tanggal selesai tidak sah"}])
    with kinerja.unit_of_work() as uow:
        user = authorise(uow.session, actor, MANAGE_STAFFING)
        acting, principal = staff_member(uow, user, acting_nip), staff_member(uow, user, for_nip)
        if acting.id == principal.id or acting.organisation_id != principal.organisation_id:
            raise ValidationFailed("the acting official is another employee of the same organisation",
                                   details=[{"field": "acting", "message": "pejabat Plt/Plh tidak sah"}])
        appointment = ActingAppointment(
            organisation_id=principal.organisation_id, acting_employee_id=acting.id, for_employee_id=principal.id,
            kind=kind, starts_on=starts_on, ends_on=ends_on, reason=reason, appointed_by=actor_name(actor),
            appointed_at=uow.clock.now())
        uow.session.add(appointment)
        uow.flush()
        uow.record(actor_name(actor), "acting.appointed", {
            "appointment_id": appointment.id, "kind": kind, "acting": acting.nip, "for": principal.nip,
            "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "reason": reason})
        uow.commit()
        return appointment.id


@dataclass(frozen=True)
class StaffingRecord:
    """One line of the HR page: a transfer, a leaving or an acting appointment."""

    kind: str  # mutasi | berhenti | plt | plh
    nip: str
    name: str
    effective: date
    until: Optional[date]
    detail: str  # to which unit and supervisor; the leaving's kind; for whom
    reason: str
    recorded_by: str


def staffing_records(kinerja: Kinerja, actor: Actor, organisation_code: str) -> list[StaffingRecord]:
    """The organisation's transfers, leavings and acting appointments, newest first."""
    with kinerja.reading() as uow:
        organisation_id = _staffing_organisation(uow.session, actor, organisation_code)
        other, session = aliased(Employee), uow.session
        records = [StaffingRecord("mutasi", e.nip, e.name, m.effective_date, None,
                                  f"{unit} / {boss or '-'}", m.reason, m.recorded_by)
                   for m, e, unit, boss in session.execute(
                       select(EmployeeMove, Employee, Unit.name, other.name)
                       .join(Employee, Employee.id == EmployeeMove.employee_id)
                       .join(Unit, Unit.id == EmployeeMove.to_unit_id)
                       .outerjoin(other, other.id == EmployeeMove.to_supervisor_id)
                       .where(Employee.organisation_id == organisation_id))]
        records += [StaffingRecord("berhenti", e.nip, e.name, row.effective_date, None, row.kind, row.reason,
                                   row.recorded_by)
                    for row, e in session.execute(select(EmployeeLeaving, Employee)
                                                  .join(Employee, Employee.id == EmployeeLeaving.employee_id)
                                                  .where(Employee.organisation_id == organisation_id))]
        records += [StaffingRecord(a.kind, e.nip, e.name, a.starts_on, a.ends_on, f"{principal} ({nip})", a.reason,
                                   a.appointed_by)
                    for a, e, principal, nip in session.execute(
                        select(ActingAppointment, Employee, other.name, other.nip)
                        .join(Employee, Employee.id == ActingAppointment.acting_employee_id)
                        .join(other, other.id == ActingAppointment.for_employee_id)
                        .where(ActingAppointment.organisation_id == organisation_id))]
        return sorted(records, key=lambda record: record.effective, reverse=True)


def check_staffing_organisation(kinerja: Kinerja, actor: Actor, organisation_code: str) -> None:
    """Refuse a caller who may not record staffing changes in ``organisation_code`` (403
    without the role, 404 for another organisation), before a door reads the request."""
    with kinerja.reading() as uow:
        _staffing_organisation(uow.session, actor, organisation_code)


def _staffing_organisation(session: Session, actor: Actor, organisation_code: str) -> int:
    user = authorise(session, actor, MANAGE_STAFFING)
    organisation_id = session.scalar(select(Organisation.id).where(Organisation.code == organisation_code))
    if organisation_id is None:
        raise NotFound(f"organisation '{organisation_code}' does not exist")
    require_own_organisation(user, organisation_id, f"organisation '{organisation_code}'")
    return organisation_id
