"""Public transparency figures: per organisation, cycle and unit, aggregates only.

No names, NIPs or per-person values leave this module, and no figure describes fewer than
:data:`MIN_GROUP` people (:mod:`engine.small_cells`): a unit with fewer employees shows no
figures at all; in the others, every figure is a cell of a table (the shares of SKP
approved on time and of finished reviews with their complements, the count of each
predikat and of those without one yet, the citizens' average rating) and a cell about 1 to
4 people is hidden, with as many others as it takes so that it cannot be worked out by
subtraction from the unit's headcount or from the organisation's figure. Headcounts are
shown for units of five or more: they are the public organisation chart, not a result
about anyone. A citizens' average describes both its raters and the unit's staff, so it
needs five of each.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Hashable, Optional

from sqlalchemy import select

from .errors import NotFound
from .feedback import satisfaction
from .kinerja import Kinerja
from .models import Cycle, Employee, HumanTask, Organisation, ProcessInstance, Unit
from .small_cells import MIN_PEOPLE, Equation, suppress

MIN_GROUP = MIN_PEOPLE
TOTAL = "total"  # the organisation's row, beside the units' ids


@dataclass
class GroupFigures:
    """One unit's (or the whole organisation's) figures in one cycle; None where hidden."""

    name: str
    employees: int
    suppressed: bool  # fewer than MIN_GROUP employees: no figures at all
    skp_on_time: Optional[float] = None  # share 0..1 of SKP approved by their due date
    reviews_done: Optional[float] = None  # share 0..1 with the supervisor's final rating given
    predikat: dict[str, Optional[int]] = field(default_factory=dict)  # label → employees (None: hidden)
    satisfaction: Optional[float] = None  # average citizen rating 1..5 in the cycle's year
    ratings: Optional[int] = None  # how many ratings the average rests on
    satisfaction_hidden: bool = False  # there are ratings, but too few (or too few staff) to show
    hidden: int = 0  # SKP, review and predikat figures hidden so that nobody can be singled out


@dataclass(frozen=True)
class CycleFigures:
    year: int
    total: GroupFigures
    units: list[GroupFigures]


@dataclass(frozen=True)
class Transparency:
    organisation_name: str
    cycles: list[CycleFigures]


@dataclass(frozen=True)
class _Counts:
    """One group's true figures, before suppression."""

    name: str
    employees: int
    on_time: int
    reviewed: int
    predikat: Counter[str]
    satisfaction: Optional[float]
    ratings: int


def transparency(kinerja: Kinerja, organisation_code: str) -> Transparency:
    """Every evaluation cycle of the organisation, newest first, with per-unit figures."""
    with kinerja.reading() as uow:
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

            def counts(name: str, unit_ids: set[int]) -> _Counts:
                members = [instance for instance, unit_id in rows if unit_id in unit_ids]
                rated = satisfaction(session, unit_ids, cycle.year)
                return _Counts(name, len(members), sum(m.id in on_time for m in members),
                               sum(m.id in reviewed for m in members),
                               Counter(str((m.summary or {}).get("predikat_label") or (m.summary or {}).get("predikat"))
                                       for m in members if (m.summary or {}).get("predikat")),
                               rated[0] if rated else None, rated[1] if rated else 0)

            groups: dict[Hashable, _Counts] = {TOTAL: counts(organisation.name, {u.id for u in units})}
            groups.update({u.id: counts(u.name, {u.id}) for u in units})
            published = _published(groups)
            result.append(CycleFigures(cycle.year, published[TOTAL], [published[u.id] for u in units]))
        return Transparency(organisation.name, result)


def _published(groups: dict[Hashable, _Counts]) -> dict[Hashable, GroupFigures]:
    """Each group's figures with the cells :func:`engine.small_cells.suppress` hides left out.

    Tables: ``skp`` (on time / not), ``reviews`` (done / not), ``predikat`` (each label, and
    None: no predikat yet) and ``satisfaction``; rows: the organisation and its units."""
    labels = sorted(set().union(*(group.predikat for group in groups.values())))
    cells: dict[Hashable, tuple[int, ...]] = {}
    equations: list[Equation] = []
    primary: set[Hashable] = set()
    for key, group in groups.items():
        tables: dict[str, dict[Optional[str], int]] = {
            "skp": {"yes": group.on_time, "no": group.employees - group.on_time},
            "reviews": {"yes": group.reviewed, "no": group.employees - group.reviewed},
            "predikat": {**{label: group.predikat[label] for label in labels},
                         None: group.employees - sum(group.predikat.values())}}
        for table, row in tables.items():
            cells.update({(table, key, category): (count,) for category, count in row.items()})
            equations.append(Equation(tuple((table, key, category) for category in row)))
        cells[("satisfaction", key, None)] = (group.ratings, group.employees)
        if group.employees < MIN_GROUP:
            primary |= {cell for cell in cells if cell[1] == key}
    units = [key for key in groups if key != TOTAL]
    for table, key, category in [cell for cell in cells if cell[1] == TOTAL]:
        equations.append(Equation(tuple((table, unit, category) for unit in units), (table, TOTAL, category)))
    hidden = suppress(cells, equations, primary)
    return {key: _figures(key, group, labels, hidden) for key, group in groups.items()}


def _figures(key: Hashable, group: _Counts, labels: list[str], hidden: set[Hashable]) -> GroupFigures:
    figures = GroupFigures(group.name, group.employees, group.employees < MIN_GROUP)
    if figures.suppressed:
        return figures
    rated = ("satisfaction", key, None)
    shown = [("skp", key, "yes"), ("reviews", key, "yes"), *[("predikat", key, label) for label in labels]]
    figures.hidden = sum(cell in hidden for cell in shown)
    if shown[0] not in hidden:
        figures.skp_on_time = group.on_time / group.employees
    if shown[1] not in hidden:
        figures.reviews_done = group.reviewed / group.employees
    figures.predikat = {label: None if ("predikat", key, label) in hidden else group.predikat[label]
                        for label in labels}
    figures.satisfaction_hidden = group.ratings > 0 and rated in hidden
    if group.ratings and not figures.satisfaction_hidden:
        figures.satisfaction, figures.ratings = group.satisfaction, group.ratings
    return figures
