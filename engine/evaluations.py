"""Reading an employee's evaluations in a cycle: per period of the cycle's plan, the
supervisor's feedback per RHK and per BerAKHLAK value, both ratings and the period's
predikat ("Siklus saya" and ``GET /api/v1/evaluations``).

Whoever may see the employee may read them (:func:`engine.access.may_view_employee`: the
employee, their supervisors up the line, HR, the PPK and auditors of the organisation, an
auditor's read logged); for anyone else the employee's evaluations do not exist (404).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
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
from .periods import plan_of
from .skp_tables import BERAKHLAK, Rhk


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
    """One period of the plan: its dates and, once the supervisor has rated it, the ratings,
    the predikat and the feedback (``status`` None while the period is not evaluated)."""

    period: int
    name: str
    start: str
    end: str
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
        user = authorise(uow.session, actor)
        employee_id = _employee_id(uow.session, user, nip)
        cycle = uow.session.get(Cycle, cycle_id)
        if cycle is None or (user is not None and cycle.organisation_id != user.organisation_id):
            raise NotFound(f"cycle {cycle_id} does not exist")
        if user is not None:
            note_auditor_read(uow, user, "evaluations", employee_id=employee_id, cycle_id=cycle_id)
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
        result = []
        for number, period in enumerate(plan_of(cycle.settings, cycle.year), start=1):
            evaluation = rated.get(number)
            values = sorted(on_value.get(number, []), key=lambda item: BERAKHLAK.index(item.value))
            result.append(PeriodEvaluation(
                number, period["name"], period["start"], period["end"],
                evaluation.status if evaluation else None, evaluation.rating_hasil_kerja if evaluation else None,
                evaluation.rating_perilaku_kerja if evaluation else None, evaluation.predikat if evaluation else None,
                evaluation.rated_at if evaluation else None, on_rhk.get(number, []), values,
                evaluation.id if evaluation else None))
        return result


def annual_evaluation_of(kinerja: Kinerja, actor: Actor, cycle_id: int, nip: Optional[str] = None
                         ) -> Optional[PeriodEvaluation]:
    """The annual evaluation (the year's ratings, predikat and status) of the employee with
    ``nip`` (default: the caller's own), or None before the Pejabat Penilai rated the year;
    the same readers as :func:`list_evaluations`."""
    with kinerja.unit_of_work() as uow:
        user = authorise(uow.session, actor)
        employee_id = _employee_id(uow.session, user, nip)
        cycle = uow.session.get(Cycle, cycle_id)
        if cycle is None or (user is not None and cycle.organisation_id != user.organisation_id):
            raise NotFound(f"cycle {cycle_id} does not exist")
        if user is not None:
            note_auditor_read(uow, user, "annual_evaluation", employee_id=employee_id, cycle_id=cycle_id)
        row = uow.session.scalar(select(Evaluation).where(
            Evaluation.employee_id == employee_id, Evaluation.cycle_id == cycle_id, Evaluation.period == ANNUAL))
        if row is None:
            return None
        return PeriodEvaluation(ANNUAL, row.period_name, f"{cycle.year}-01-01", f"{cycle.year}-12-31", row.status,
                                row.rating_hasil_kerja, row.rating_perilaku_kerja, row.predikat, row.rated_at,
                                evaluation_id=row.id)


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
