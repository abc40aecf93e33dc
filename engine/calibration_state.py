"""Where each unit of a cycle stands in the annual evaluation's last step: its result, the
pattern the deployed table gives for it, each employee's proposed (or final) predikat, the
shares, the violations and the calibrations so far, and so its status.

Read in a few queries for a whole organisation (the cycle page lists every unit; the
distribution report covers them all), or for one unit (its calibration page). The caller
has authorised; :mod:`engine.calibration` and :mod:`engine.reports` are the use cases.

An employee counts in a unit when their annual evaluation names it (``Evaluation.unit_id``)
or, before they have one, when they have an instance in the cycle that was not cancelled
(someone transferred out mid-year) and work in the unit.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .calibration_tables import Calibration
from .definition_cache import newest_deployment
from .distribution import (
    DISTRIBUTION_DECISION,
    PREDIKAT_LABELS,
    UNIT_RESULT_LABELS,
    Constraint,
    Violation,
    check_distribution,
    pattern_of,
    pattern_words,
    shares,
)
from .errors import NotFound
from .evaluation_tables import ANNUAL, PREDIKATS, Evaluation, UnitResult
from .kinerja import Kinerja
from .models import Cycle, Employee, ProcessInstance, Unit

# A unit's status on the cycle page, in the order the work goes.
STATUSES = ("no_result", "incomplete", "breaks_pattern", "ready", "final")
STATUS_LABELS = {"no_result": "belum ada hasil unit", "incomplete": "belum lengkap",
                 "breaks_pattern": "melanggar pola", "ready": "siap", "final": "final"}


@dataclass
class EmployeePredikat:
    employee_id: int
    nip: str
    name: str
    position: str
    evaluation_id: Optional[int] = None
    predikat: Optional[str] = None
    status: Optional[str] = None  # the evaluation's: proposed | final
    calibrations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def predikat_label(self) -> str:
        return PREDIKAT_LABELS.get(self.predikat or "", "")


@dataclass
class UnitState:
    unit_id: int
    unit_code: str
    unit_name: str
    result: Optional[str] = None
    basis: Optional[str] = None
    constraints: list[Constraint] = field(default_factory=list)
    employees: list[EmployeePredikat] = field(default_factory=list)
    table: Optional[dict[str, Any]] = None  # the DMN file version the pattern came from
    counts: dict[str, int] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    @property
    def result_label(self) -> str:
        return UNIT_RESULT_LABELS.get(self.result or "", "")

    @property
    def pattern(self) -> str:
        return pattern_words(self.constraints) if self.result else ""

    @property
    def shares(self) -> dict[str, float]:
        return shares(self.counts)

    @property
    def rated(self) -> int:
        return sum(self.counts.values())

    @property
    def missing(self) -> list[EmployeePredikat]:
        """Employees without a proposed predikat yet."""
        return [e for e in self.employees if e.predikat is None]

    @property
    def calibration_count(self) -> int:
        return sum(len(e.calibrations) for e in self.employees)

    @property
    def status(self) -> str:
        """Final once everyone's predikat is; an employee whose year reaches the unit after it
        was made final (rated late) opens it again for the rest."""
        if self.employees and all(e.status == "final" for e in self.employees):
            return "final"
        if self.result is None:
            return "no_result"
        if self.missing or not self.employees:
            return "incomplete"
        return "breaks_pattern" if self.violations else "ready"

    def as_row(self) -> dict[str, Any]:
        """The report's row of the unit (JSON)."""
        return {"unit_code": self.unit_code, "unit_name": self.unit_name, "unit_result": self.result,
                "unit_result_label": self.result_label, "pattern": self.pattern,
                "constraints": [c.as_dict() for c in self.constraints], "employees": len(self.employees),
                "rated": self.rated, "counts": {p: self.counts.get(p, 0) for p in PREDIKATS},
                "shares": self.shares, "violations": [v.message for v in self.violations],
                "calibrations": [{"employee": e.name, **c} for e in self.employees for c in e.calibrations],
                "status": self.status}


def unit_states(kinerja: Kinerja, session: Session, cycle: Cycle,
                unit_id: Optional[int] = None) -> list[UnitState]:
    """Every unit of the cycle's organisation (or the one ``unit_id``, 404 when it is not
    the organisation's), in code order."""
    query = select(Unit).where(Unit.organisation_id == cycle.organisation_id)
    units = session.scalars(query.where(Unit.id == unit_id) if unit_id is not None else query.order_by(Unit.code)).all()
    if unit_id is not None and not units:
        raise NotFound(f"unit {unit_id} does not exist")
    states = {unit.id: UnitState(unit.id, unit.code, unit.name) for unit in units}
    for row in session.scalars(select(UnitResult).where(UnitResult.cycle_id == cycle.id,
                                                        UnitResult.unit_id.in_(states))):
        states[row.unit_id].result, states[row.unit_id].basis = row.result, row.basis
    _add_employees(session, cycle, states)
    _add_patterns(kinerja, session, states.values())
    return list(states.values())


def _add_employees(session: Session, cycle: Cycle, states: dict[int, UnitState]) -> None:
    evaluations = session.execute(
        select(Evaluation, Employee).join(Employee, Employee.id == Evaluation.employee_id)
        .where(Evaluation.cycle_id == cycle.id, Evaluation.period == ANNUAL, Evaluation.unit_id.in_(states))).all()
    seen: set[int] = set()
    by_evaluation: dict[int, EmployeePredikat] = {}
    for evaluation, employee in evaluations:
        row = EmployeePredikat(employee.id, employee.nip, employee.name, employee.position, evaluation.id,
                               evaluation.predikat, evaluation.status)
        states[evaluation.unit_id].employees.append(row)
        by_evaluation[evaluation.id] = row
        seen.add(employee.id)
    in_cycle = select(ProcessInstance.subject_employee_id).where(  # a cancelled process (a transfer) leaves the set
        ProcessInstance.cycle_id == cycle.id, ProcessInstance.status != "cancelled")
    for employee_id, nip, name, position, unit in session.execute(  # columns only: the cycle page reads every unit
            select(Employee.id, Employee.nip, Employee.name, Employee.position, Employee.unit_id)
            .where(Employee.id.in_(in_cycle), Employee.unit_id.in_(states), Employee.active.is_(True))):
        if employee_id not in seen:
            states[unit].employees.append(EmployeePredikat(employee_id, nip, name, position))
    for calibration in session.scalars(select(Calibration).where(Calibration.evaluation_id.in_(by_evaluation))
                                       .order_by(Calibration.id)):
        by_evaluation[calibration.evaluation_id].calibrations.append(
            {"from": calibration.from_predikat, "to": calibration.to_predikat, "reason": calibration.reason,
             "at": calibration.at.isoformat()})
    for state in states.values():
        state.employees.sort(key=lambda e: (e.name, e.employee_id))
        state.counts = dict(Counter(e.predikat for e in state.employees if e.predikat in PREDIKATS))


def _add_patterns(kinerja: Kinerja, session: Session, states: Iterable[UnitState]) -> None:
    """Each unit's pattern from the newest deployment's table (one evaluation per result)."""
    wanted = [state for state in states if state.result is not None]
    if not wanted:
        return
    deployment = newest_deployment(session)
    if deployment is None:
        raise NotFound("nothing is deployed yet; run `kinerja deploy` first")
    definitions = kinerja.definitions.of(session, deployment.id)
    table = kinerja.definitions.decision_source(session, deployment.id, DISTRIBUTION_DECISION)
    patterns: dict[str, list[Constraint]] = {}
    for state in wanted:
        assert state.result is not None
        if state.result not in patterns:
            patterns[state.result] = pattern_of(definitions, state.result)
        state.constraints, state.table = patterns[state.result], table
        state.violations = check_distribution(state.constraints, state.counts)
