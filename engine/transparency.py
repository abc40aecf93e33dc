"""Public transparency figures: per organisation, cycle and unit, aggregates only.

No names, NIPs or per-person values leave this module; groups with fewer than
:data:`MIN_GROUP` employees are suppressed (their figures are None) so nobody can be
singled out. Citizen satisfaction is an aggregate of anonymous ratings and is always shown.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import select

from .errors import NotFound
from .feedback import satisfaction
from .models import Cycle, Employee, HumanTask, Organisation, ProcessInstance, Unit
from .services import Kinerja

MIN_GROUP = 5


@dataclass
class GroupFigures:
    """One unit's (or the whole organisation's) figures in one cycle; None when suppressed."""

    name: str
    employees: int
    suppressed: bool
    skp_on_time: Optional[float] = None  # share 0..1 of SKP approved by their due date
    reviews_done: Optional[float] = None  # share 0..1 with the supervisor's final rating given
    predikat: dict[str, int] = field(default_factory=dict)
    satisfaction: Optional[float] = None  # average citizen rating 1..5 in the cycle's year
    ratings: int = 0


@dataclass(frozen=True)
class CycleFigures:
    year: int
    total: GroupFigures
    units: list[GroupFigures]


@dataclass(frozen=True)
class Transparency:
    organisation_name: str
    cycles: list[CycleFigures]


def transparency(kinerja: Kinerja, organisation_code: str) -> Transparency:
    """Every evaluation cycle of the organisation, newest first, with per-unit figures."""
    with kinerja.unit_of_work() as uow:
        session = uow.session
        organisation = session.scalar(select(Organisation).where(Organisation.code == organisation_code))
        if organisation is None:
            raise NotFound(f"organisation '{organisation_code}' does not exist")
        units = session.scalars(select(Unit).where(Unit.organisation_id == organisation.id).order_by(Unit.name)).all()
        cycles = session.scalars(select(Cycle).where(Cycle.organisation_id == organisation.id)
                                 .order_by(Cycle.year.desc(), Cycle.id)).all()
        result = []
        for cycle in cycles:
            rows = session.execute(select(ProcessInstance, Employee.unit_id)
                                   .join(Employee, Employee.id == ProcessInstance.subject_employee_id)
                                   .where(ProcessInstance.cycle_id == cycle.id)).all()
            tasks = session.scalars(select(HumanTask).where(
                HumanTask.instance_id.in_([instance.id for instance, _ in rows]),
                HumanTask.status == "completed",
                HumanTask.task_key.in_(("approve_skp", "rate_performance")))).all() if rows else []
            on_time = {t.instance_id for t in tasks if t.task_key == "approve_skp"
                       and (t.due_at is None or t.completed_at <= t.due_at)}
            reviewed = {t.instance_id for t in tasks if t.task_key == "rate_performance"}

            def figures(name: str, unit_ids: set[int]) -> GroupFigures:
                members = [instance for instance, unit_id in rows if unit_id in unit_ids]
                rated = satisfaction(session, unit_ids, cycle.year)
                group = GroupFigures(name, len(members), len(members) < MIN_GROUP,
                                     satisfaction=rated[0] if rated else None, ratings=rated[1] if rated else 0)
                if not group.suppressed:
                    group.skp_on_time = sum(m.id in on_time for m in members) / len(members)
                    group.reviews_done = sum(m.id in reviewed for m in members) / len(members)
                    group.predikat = dict(Counter(str((m.summary or {}).get("predikat_label")
                                                      or (m.summary or {}).get("predikat"))
                                                  for m in members if (m.summary or {}).get("predikat")))
                return group

            result.append(CycleFigures(cycle.year, figures(organisation.name, {u.id for u in units}),
                                       [figures(u.name, {u.id}) for u in units]))
        return Transparency(organisation.name, result)
