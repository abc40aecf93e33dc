"""Reading an employee's evaluations in a cycle: per period of the cycle's plan, the
supervisor's feedback per RHK and per BerAKHLAK value, both ratings and the period's
predikat ("Siklus saya" and ``GET /api/v1/evaluations``).

Each period also says where it stands (:func:`period_state`), so a page need not guess
from dates: not begun, running (with its report deadline from the plan,
:func:`engine.periods.with_deadlines`), reported and waiting for the supervisor's rating,
not reported by the deadline, or rated.

Whoever may see the employee may read them (:func:`engine.access.may_view_employee`: the
employee, their supervisors up the line, HR, the PPK and auditors of the organisation, an
auditor's read logged); for anyone else the employee's evaluations do not exist (404).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import authorise, may_view_employee, note_auditor_read
from .actors import Actor
from .errors import NotFound
from .evaluation_tables import ANNUAL, Evaluation
from .feedback_tables import UmpanBalik
from .kinerja import Kinerja
from .models import Cycle, Employee, User
from .periods import plan_of, with_deadlines
from .realisation_tables import Realisasi
from .skp_tables import BERAKHLAK, Rhk
from .task_properties import LOCAL_ZONE, calendar_moment
from .unit_of_work import UnitOfWork

# Where a period stands for the employee (PeriodEvaluation.state).
UPCOMING, RUNNING, REPORTED, NOT_REPORTED, RATED = "upcoming", "running", "reported", "not_reported", "rated"
PERIOD_STATES = (UPCOMING, RUNNING, REPORTED, NOT_REPORTED, RATED)


@dataclass(frozen=True)
class RhkFeedback:
    rhk_id: int
    rhk: str  # the RHK's text
    text: str
    given_at: datetime


@dataclass(frozen=True)
class ValueFeedback:
    value: str  # one of BERAKHLAK
    text: str
    given_at: datetime


@dataclass(frozen=True)
class PeriodEvaluation:
    """One period of the plan: its dates, where it stands and, once the supervisor has rated
    it, the ratings, the predikat and the feedback (``status`` None while it is not evaluated)."""

    period: int
    name: str
    start: str
    end: str
    state: str  # one of PERIOD_STATES
    report_due: str  # the last day to report the period's realisation (ISO date, Asia/Jakarta)
    status: Optional[str] = None
    rating_hasil_kerja: Optional[str] = None
    rating_perilaku_kerja: Optional[str] = None
    predikat: Optional[str] = None
    rated_at: Optional[datetime] = None
    rhk_feedback: list[RhkFeedback] = field(default_factory=list)
    value_feedback: list[ValueFeedback] = field(default_factory=list)
    evaluation_id: Optional[int] = None  # its printed document: GET /evaluations/<id>/document.pdf


def list_evaluations(kinerja: Kinerja, actor: Actor, cycle_id: int,
                     nip: Optional[str] = None) -> list[PeriodEvaluation]:
    """The evaluation of the employee with ``nip`` (default: the caller's own) in each period
    of the cycle's plan, in order."""
    with kinerja.unit_of_work() as uow:
        employee_id, cycle = _read_scope(uow, actor, cycle_id, nip, "evaluations")
        rated = {row.period: row for row in uow.session.scalars(select(Evaluation).where(
            Evaluation.employee_id == employee_id, Evaluation.cycle_id == cycle_id, Evaluation.period > 0))}
        rows = uow.session.execute(
            select(UmpanBalik, Rhk.text).outerjoin(Rhk, Rhk.id == UmpanBalik.rhk_id)
            .where(UmpanBalik.employee_id == employee_id, UmpanBalik.cycle_id == cycle_id)
            .order_by(UmpanBalik.period, Rhk.position, UmpanBalik.id)).all()
        on_rhk: dict[int, list[RhkFeedback]] = {}
        on_value: dict[int, list[ValueFeedback]] = {}
        for row, rhk_text in rows:
            if row.rhk_id is not None:
                on_rhk.setdefault(row.period, []).append(RhkFeedback(row.rhk_id, rhk_text, row.text, row.given_at))
            elif row.value_key is not None:
                on_value.setdefault(row.period, []).append(ValueFeedback(row.value_key, row.text, row.given_at))
        reported = set(uow.session.scalars(select(Realisasi.period).distinct().where(
            Realisasi.employee_id == employee_id, Realisasi.cycle_id == cycle_id)))
        now = uow.clock.now()
        result = []
        for number, period in enumerate(with_deadlines(plan_of(cycle.settings, cycle.year)), start=1):
            evaluation = rated.get(number)
            values = sorted(on_value.get(number, []), key=lambda item: BERAKHLAK.index(item.value))
            due = calendar_moment(period["realisation_due"])
            assert due is not None  # with_deadlines wrote it
            result.append(PeriodEvaluation(
                number, period["name"], period["start"], period["end"],
                period_state(now, period["start"], due, number in reported,
                             evaluation is not None and evaluation.status is not None),
                due.astimezone(LOCAL_ZONE).date().isoformat(),
                evaluation.status if evaluation else None, evaluation.rating_hasil_kerja if evaluation else None,
                evaluation.rating_perilaku_kerja if evaluation else None, evaluation.predikat if evaluation else None,
                evaluation.rated_at if evaluation else None, on_rhk.get(number, []), values,
                evaluation.id if evaluation else None))
        return result


def period_state(now: datetime, start: str, report_due: datetime, reported: bool, rated: bool) -> str:
    """Where a period stands at ``now``: rated; else reported (the supervisor's rating awaited);
    else not begun (before its first day in Asia/Jakarta), running until its report deadline,
    and not reported after it."""
    if rated:
        return RATED
    if reported:
        return REPORTED
    if now.astimezone(LOCAL_ZONE).date() < date.fromisoformat(start):
        return UPCOMING
    return RUNNING if now <= report_due else NOT_REPORTED


def annual_evaluation_of(kinerja: Kinerja, actor: Actor, cycle_id: int, nip: Optional[str] = None
                         ) -> Optional[PeriodEvaluation]:
    """The annual evaluation (the year's ratings, predikat and status) of the employee with
    ``nip`` (default: the caller's own), or None before the Pejabat Penilai rated the year;
    the same readers as :func:`list_evaluations`."""
    with kinerja.unit_of_work() as uow:
        employee_id, cycle = _read_scope(uow, actor, cycle_id, nip, "annual_evaluation")
        row = uow.session.scalar(select(Evaluation).where(
            Evaluation.employee_id == employee_id, Evaluation.cycle_id == cycle_id, Evaluation.period == ANNUAL))
        if row is None:
            return None
        end = f"{cycle.year}-12-31"
        return PeriodEvaluation(ANNUAL, row.period_name, f"{cycle.year}-01-01", end, RATED, end, row.status,
                                row.rating_hasil_kerja, row.rating_perilaku_kerja, row.predikat, row.rated_at,
                                evaluation_id=row.id)


def _read_scope(uow: UnitOfWork, actor: Actor, cycle_id: int, nip: Optional[str], view: str) -> tuple[int, Cycle]:
    """The employee (by ``nip``, default the caller) and the cycle a reader may read the
    evaluations of (404 for another organisation's cycle); an auditor's read is logged."""
    user = authorise(uow.session, actor)
    employee_id = _employee_id(uow.session, user, nip)
    cycle = uow.session.get(Cycle, cycle_id)
    if cycle is None or (user is not None and cycle.organisation_id != user.organisation_id):
        raise NotFound(f"cycle {cycle_id} does not exist")
    if user is not None:
        note_auditor_read(uow, user, view, employee_id=employee_id, cycle_id=cycle_id)
    return employee_id, cycle


def _employee_id(session: Session, user: Optional[User], nip: Optional[str]) -> int:
    """The employee asked about, if the caller may see them (404 otherwise: not theirs to learn)."""
    if nip is None:
        if user is None or user.employee_id is None:
            raise NotFound("this account is no employee's: name the employee by NIP")
        return user.employee_id
    employee_id = session.scalar(select(Employee.id).where(Employee.nip == nip))
    if employee_id is None or (user is not None and not may_view_employee(session, user, employee_id)):
        raise NotFound(f"employee {nip} does not exist")
    return employee_id
