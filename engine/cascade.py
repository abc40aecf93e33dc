"""The cascade of a unit ("Matriks peran hasil", PermenPANRB 6/2022): which RHK of whose
agreed SKP each staff RHK intervenes, from the organisation's goals (or the RHK of the
head's supervisor outside the unit) down to the last employee, and who has no agreed SKP
yet.

Read from the SKP tables only (:mod:`engine.skp_tables`), in a fixed number of queries
whatever the unit's size: the unit's employees, their SKP versions, the agreed versions'
RHK, the RHK that intervene them, and the texts of what the unit's RHK intervene.

Who reads it: HR, PPK and auditors of the organisation (the cycle readers,
:data:`engine.permissions.READ_CYCLES`), and the unit's own employees (a supervisor reads
the matrix of their unit; a nurse sees where her RHK sit). Another organisation's unit does
not exist for the caller (404); an employee of another unit of the same organisation is
refused (403: units are public, their matrix is not).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .access import authorise, is_auditor, note_auditor_read
from .actors import Actor
from .errors import Forbidden, NotFound
from .kinerja import Kinerja
from .models import Cycle, Employee, Organisation, Unit, User
from .permissions import READ_CYCLES
from .skp_tables import OrganisationGoal, Rhk, Skp
from .vocabulary import DEFAULT_PROCESS

MAX_UNIT_CODE = 64  # units.code
MAX_ID = 2**31 - 1  # ids are 32-bit integers in every supported database


@dataclass(frozen=True)
class CascadeRhk:
    """An RHK of an agreed SKP with the staff RHK that intervene it."""

    id: int
    kind: str  # utama | tambahan
    text: str
    employee: str
    nip: str
    unit: str  # the employee's unit (a sub-unit's head intervenes from another unit)
    children: list["CascadeRhk"] = field(default_factory=list)


@dataclass(frozen=True)
class CascadeTop:
    """What the unit head's RHK intervene: an organisation goal (``kind`` "goal"), an RHK of
    the head's supervisor outside the unit ("rhk", ``owner`` names them), or nothing
    ("none": an RHK tambahan)."""

    kind: str
    text: Optional[str]
    owner: Optional[str]
    rhk: list[CascadeRhk]


@dataclass(frozen=True)
class LooseRhk:
    """An RHK of the unit that hangs nowhere in the tree: it intervenes an RHK of an earlier
    version of the supervisor's SKP (revised since), or nothing (an RHK tambahan)."""

    rhk: CascadeRhk
    intervenes: Optional[str]


@dataclass(frozen=True)
class CascadeMember:
    """An employee of the unit, in hierarchy order, with where their SKP stands."""

    name: str
    nip: str
    position: str
    supervisor: Optional[str]
    head: bool
    status: str  # agreed | none | draft | submitted | returned (of the newest version)
    version: Optional[int]  # of the agreed SKP in force


@dataclass(frozen=True)
class CascadeView:
    unit_code: str
    unit_name: str
    organisation: str
    cycle_id: int
    year: int
    goals: list[str]  # all the organisation's goals of the cycle, in order
    tops: list[CascadeTop]
    loose: list[LooseRhk]
    members: list[CascadeMember]

    @property
    def missing(self) -> list[CascadeMember]:
        """The unit's employees without an agreed SKP yet."""
        return [member for member in self.members if member.status != "agreed"]


@dataclass(frozen=True)
class CascadeUnit:
    code: str
    name: str
    employees: int


def unit_cascade(kinerja: Kinerja, actor: Actor, unit_code: str, cycle_id: Optional[int] = None,
                 organisation_code: Optional[str] = None) -> CascadeView:
    """The cascade of a unit in a cycle (by default the organisation's newest cycle of the
    yearly process). ``organisation_code`` names the organisation for an operator; a user
    reads their own."""
    with kinerja.reading() as uow:
        user = authorise(uow.session, actor)
        unit = _unit(uow.session, user, unit_code, organisation_code)
        _may_read(user, unit)
        cycle = _cycle(uow.session, unit, cycle_id)
        view = _Builder(uow.session, unit, cycle).view()
        auditor = user is not None and is_auditor(user)
    if auditor:  # an auditor's read of the unit's SKPs is logged (read first: a reader never waits on a writer)
        with kinerja.unit_of_work() as uow:
            note_auditor_read(uow, authorise(uow.session, actor), "cascade", unit=unit_code,
                              cycle_id=view.cycle_id)
    return view


def cascade_units(kinerja: Kinerja, actor: Actor) -> list[CascadeUnit]:
    """The units whose cascade the caller reads: every unit of the organisation for HR, PPK
    and auditors, their own unit for an employee (403 for anyone else)."""
    with kinerja.reading() as uow:
        user = authorise(uow.session, actor)
        if user is None:
            raise Forbidden("an operator names the unit (kinerja command line)")
        query = (select(Unit.code, Unit.name, func.count(Employee.id))
                 .outerjoin(Employee, (Employee.unit_id == Unit.id) & Employee.active.is_(True))
                 .where(Unit.organisation_id == user.organisation_id))
        if not READ_CYCLES.roles & user.role_names:
            if user.employee is None:
                READ_CYCLES.check(user.role_names)
            query = query.where(Unit.id == user.employee.unit_id)
        rows = uow.session.execute(query.group_by(Unit.id, Unit.code, Unit.name).order_by(Unit.name)).all()
        return [CascadeUnit(code, name, count) for code, name, count in rows]


def _unit(session: Session, user: Optional[User], unit_code: str, organisation_code: Optional[str]) -> Unit:
    if not unit_code or len(unit_code) > MAX_UNIT_CODE or "\x00" in unit_code:
        raise NotFound(f"unit '{unit_code[:MAX_UNIT_CODE]}' does not exist")
    query = select(Unit).where(Unit.code == unit_code)
    if user is not None:
        query = query.where(Unit.organisation_id == user.organisation_id)
    else:
        query = query.join(Organisation, Organisation.id == Unit.organisation_id).where(
            Organisation.code == (organisation_code or ""))
    unit = session.scalar(query)
    if unit is None:
        raise NotFound(f"unit '{unit_code}' does not exist")
    return unit


def _may_read(user: Optional[User], unit: Unit) -> None:
    if user is None or READ_CYCLES.roles & user.role_names:
        return
    if user.employee is None or user.employee.unit_id != unit.id:
        raise Forbidden(f"reading the cascade of unit '{unit.code}' needs one of the roles: "
                        f"{', '.join(sorted(READ_CYCLES.roles))}, or a place in the unit",
                        details={"reason": "not_unit_member", "roles": sorted(READ_CYCLES.roles)})


def _cycle(session: Session, unit: Unit, cycle_id: Optional[int]) -> Cycle:
    if cycle_id is None:
        cycle = session.scalar(select(Cycle).where(Cycle.organisation_id == unit.organisation_id,
                                                   Cycle.process_key == DEFAULT_PROCESS)
                               .order_by(Cycle.year.desc(), Cycle.id.desc()).limit(1))
        if cycle is None:
            raise NotFound("the organisation has no cycle yet")
        return cycle
    cycle = session.get(Cycle, cycle_id) if 0 < cycle_id <= MAX_ID else None
    if cycle is None or cycle.organisation_id != unit.organisation_id:  # the unit is the caller's organisation's
        raise NotFound(f"cycle {cycle_id} does not exist")
    return cycle


class _Builder:
    """The unit's cascade in one cycle, loaded in a fixed number of queries."""

    def __init__(self, session: Session, unit: Unit, cycle: Cycle) -> None:
        self.session, self.unit, self.cycle = session, unit, cycle
        self.employees = list(session.scalars(select(Employee).where(
            Employee.unit_id == unit.id, Employee.active.is_(True)).order_by(Employee.id)))
        ids = [employee.id for employee in self.employees]
        self.versions = session.execute(select(Skp.employee_id, Skp.id, Skp.version, Skp.status).where(
            Skp.cycle_id == cycle.id, Skp.employee_id.in_(ids)).order_by(Skp.version)).all()
        agreed = self._agreed()
        self.own = list(session.scalars(select(Rhk).where(Rhk.skp_id.in_(list(agreed.values())))
                                        .order_by(Rhk.skp_id, Rhk.position)))
        owner_of_skp = {skp_id: employee_id for employee_id, skp_id in agreed.items()}
        by_id = {employee.id: employee for employee in self.employees}
        self.node = {row.id: self._node(row, by_id[owner_of_skp[row.skp_id]], unit.name) for row in self.own}
        self.children: dict[int, list[CascadeRhk]] = {}
        for row, employee_name, nip, unit_name in session.execute(
                select(Rhk, Employee.name, Employee.nip, Unit.name)
                .join(Skp, Skp.id == Rhk.skp_id).join(Employee, Employee.id == Skp.employee_id)
                .join(Unit, Unit.id == Employee.unit_id)
                .where(Rhk.parent_rhk_id.in_(list(self.node)), Skp.status == "agreed")
                .order_by(Employee.id, Rhk.position)).all():
            child = self.node.get(row.id) or CascadeRhk(row.id, row.kind, row.text, employee_name, nip, unit_name)
            self.children.setdefault(row.parent_rhk_id, []).append(child)
        for node in self.node.values():
            node.children.extend(self.children.get(node.id, []))

    def view(self) -> CascadeView:
        organisation = self.session.get(Organisation, self.unit.organisation_id)
        goals = self.session.scalars(select(OrganisationGoal).where(OrganisationGoal.cycle_id == self.cycle.id)
                                     .order_by(OrganisationGoal.position)).all()
        goal_texts = {goal.id: goal.text for goal in goals}
        heads = {e.id for e in self.employees if e.supervisor is None or e.supervisor.unit_id != self.unit.id}
        head_skps = {skp_id for employee_id, skp_id in self._agreed().items() if employee_id in heads}
        outside = self._outside_texts()
        placed = {child.id for siblings in self.children.values() for child in siblings}
        tops: dict[tuple[int, int], CascadeTop] = {}  # goals (in order), then outside RHK, then nothing
        loose: list[LooseRhk] = []
        for row in self.own:
            if row.skp_id in head_skps:
                if row.goal_id in goal_texts:
                    key, top = (0, list(goal_texts).index(row.goal_id)), ("goal", goal_texts[row.goal_id], None)
                elif row.parent_rhk_id in outside:
                    key, top = (1, row.parent_rhk_id), ("rhk", *outside[row.parent_rhk_id])
                else:
                    key, top = (2, 0), ("none", None, None)
                tops.setdefault(key, CascadeTop(*top, rhk=[])).rhk.append(self.node[row.id])
            elif row.id not in placed:
                intervenes = outside.get(row.parent_rhk_id) if row.parent_rhk_id else None
                loose.append(LooseRhk(self.node[row.id], intervenes[0] if intervenes else None))
        return CascadeView(self.unit.code, self.unit.name, organisation.name if organisation else "",
                           self.cycle.id, self.cycle.year, list(goal_texts.values()),
                           [tops[key] for key in sorted(tops)], loose, self._members(heads))

    def _agreed(self) -> dict[int, int]:
        """The SKP in force of each employee who has one: the newest agreed version's id."""
        return {employee_id: skp_id for employee_id, skp_id, _version, status in self.versions if status == "agreed"}

    def _outside_texts(self) -> dict[int, tuple[str, str]]:
        """(text, owner's name) of every RHK the unit's RHK intervene that is not in the tree."""
        wanted = {row.parent_rhk_id for row in self.own if row.parent_rhk_id and row.parent_rhk_id not in self.node}
        rows = self.session.execute(select(Rhk.id, Rhk.text, Employee.name).join(Skp, Skp.id == Rhk.skp_id)
                                    .join(Employee, Employee.id == Skp.employee_id)
                                    .where(Rhk.id.in_(list(wanted)))).all()
        return {rhk_id: (text, name) for rhk_id, text, name in rows}

    def _members(self, heads: set[int]) -> list[CascadeMember]:
        """The unit's employees, heads first, then each one's staff below them (breadth first)."""
        status: dict[int, tuple[str, Optional[int]]] = {}
        for employee_id, _skp_id, version, state in self.versions:  # oldest version first
            if state == "agreed":
                status[employee_id] = ("agreed", version)
            elif state != "revised" and status.get(employee_id, ("",))[0] != "agreed":
                status[employee_id] = (state, None)
        staff: dict[Optional[int], list[Employee]] = {}
        for employee in self.employees:
            staff.setdefault(employee.supervisor_id, []).append(employee)
        queue = [e for e in self.employees if e.id in heads]
        ordered: list[Employee] = []
        seen: set[int] = set()
        while queue:
            employee = queue.pop(0)
            if employee.id not in seen:
                seen.add(employee.id)
                ordered.append(employee)
                queue.extend(staff.get(employee.id, []))
        ordered.extend(e for e in self.employees if e.id not in seen)  # a loop in the hierarchy: listed last
        return [CascadeMember(e.name, e.nip, e.position, e.supervisor.name if e.supervisor else None, e.id in heads,
                              *status.get(e.id, ("none", None))) for e in ordered]

    @staticmethod
    def _node(row: Rhk, employee: Employee, unit_name: str) -> CascadeRhk:
        return CascadeRhk(row.id, row.kind, row.text, employee.name, employee.nip, unit_name)
