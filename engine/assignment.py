"""Lanes map to roles: who gets a user task, resolved per instance through the org model.

A lane name resolves against the instance's subject employee:

==============  =========================================================================
Pegawai         the employee's own user
Atasan          the direct supervisor's user (pejabat penilai kinerja)
Atasan Atasan   the supervisor's supervisor's user (decides escalations and objections)
PPK             candidate group of the organisation's officials (``ppk@<org id>``)
HR              candidate group of the organisation's HR staff (``hr@<org id>``)
Rekan Kerja     candidate group of the employee's peers (``team@<supervisor id>``)
Kepala Unit     the user of the head of the employee's unit (see :func:`unit_heads`)
==============  =========================================================================

When the person a lane points at has no active account but an acting official today
(:func:`stand_ins`: a Plt for a vacant position), the task goes to the acting official.
When the person does not exist (no supervisor, no user account, no peer), it goes to the
organisation's HR group, which can reassign it, rather than
to nobody.

An acting official (Plt/Plh, :mod:`engine.acting`) may also work on the tasks assigned to
the employee they act for, on the days of their appointment (by the engine's clock, dates
in WIB), except tasks about themselves: :func:`acting_principals`, used by
:func:`is_meant_for` and the inbox's :func:`assigned_to`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, aliased, object_session

from .errors import NotFound
from .models import Employee, HumanTask, Unit, User, UserRole
from .org_moves_tables import ActingAppointment
from .vocabulary import (
    EMPLOYEE_LANE,
    HR_LANE,
    PEER_LANE,
    PPK_LANE,
    SECOND_SUPERVISOR_LANE,
    SUPERVISOR_LANE,
    UNIT_HEAD_LANE,
)

ROLE_HR = "hr"
ROLE_PPK = "ppk"
ROLE_AUDITOR = "auditor"
LOCAL_ZONE = ZoneInfo("Asia/Jakarta")  # an appointment's days are days in WIB


@dataclass(frozen=True)
class Assignment:
    assignee_user_id: Optional[int] = None
    candidate_group: Optional[str] = None


def hr_group(organisation_id: int) -> str:
    return f"hr@{organisation_id}"


def ppk_group(organisation_id: int) -> str:
    return f"ppk@{organisation_id}"


def team_group(supervisor_employee_id: int) -> str:
    return f"team@{supervisor_employee_id}"


@dataclass(frozen=True)
class Subject:
    """What a process instance needs to know about its employee: start data and lane targets."""

    id: int
    nip: str
    name: str
    position: str
    unit_name: str
    organisation_id: int
    active: bool
    supervisor_id: Optional[int]
    unit_id: int

    def start_data(self) -> dict[str, str]:
        return {"nip": self.nip, "name": self.name, "position": self.position, "unit": self.unit_name}


class LaneDirectory:
    """The org-model facts lanes resolve against, for a set of subject employees.

    Loaded with four queries whatever the number of subjects, so opening a cycle resolves
    a whole batch's lanes at once instead of querying per task.
    """

    def __init__(self, session: Session, subject_ids: Iterable[int]) -> None:
        ids = set(subject_ids)
        self._session = session
        self._heads: Optional[dict[int, int]] = None  # unit → head, loaded when a lane asks
        self.subjects = {row.id: Subject(row.id, row.nip, row.name, row.position, row.unit_name,
                                         row.organisation_id, row.active, row.supervisor_id, row.unit_id)
                         for row in session.execute(
                             select(Employee.id, Employee.nip, Employee.name, Employee.position,
                                    Unit.name.label("unit_name"), Employee.organisation_id, Employee.active,
                                    Employee.supervisor_id, Employee.unit_id)
                             .join(Unit, Unit.id == Employee.unit_id).where(Employee.id.in_(ids)))}
        supervisor_ids = {s.supervisor_id for s in self.subjects.values() if s.supervisor_id is not None}
        self._second: dict[int, Optional[int]] = dict(session.execute(
            select(Employee.id, Employee.supervisor_id).where(Employee.id.in_(supervisor_ids))).all())
        people = ids | supervisor_ids | {i for i in self._second.values() if i is not None}
        self._users: dict[int, int] = dict(session.execute(
            select(User.employee_id, User.id).where(User.employee_id.in_(people), User.active.is_(True))).all())
        self._stand_ins = stand_ins(session, people - set(self._users))  # Plt/Plh of those without an account
        # Active staff with an active account under each supervisor: the candidates for peer input.
        self._staff_with_account: dict[int, int] = dict(session.execute(
            select(Employee.supervisor_id, func.count()).join(User, User.employee_id == Employee.id)
            .where(Employee.supervisor_id.in_(supervisor_ids), Employee.active.is_(True), User.active.is_(True))
            .group_by(Employee.supervisor_id)).all())

    def subject(self, employee_id: int) -> Subject:
        try:
            return self.subjects[employee_id]
        except KeyError:
            raise NotFound(f"employee {employee_id} does not exist") from None

    def resolve(self, lane: Optional[str], subject: Subject) -> Assignment:
        fallback = Assignment(candidate_group=hr_group(subject.organisation_id))
        supervisor = subject.supervisor_id
        if lane == EMPLOYEE_LANE:  # the employee's own step: never their stand-in's
            return self._user_of(subject.id, stand_in=False) or fallback
        if lane == SUPERVISOR_LANE:
            return self._user_of(supervisor) or fallback
        if lane == SECOND_SUPERVISOR_LANE:
            return self._user_of(self._second.get(supervisor) if supervisor else None) or fallback
        if lane == PPK_LANE:
            return Assignment(candidate_group=ppk_group(subject.organisation_id))
        if lane == HR_LANE:
            return fallback
        if lane == UNIT_HEAD_LANE:
            return self._user_of(self._head_of(subject.unit_id)) or fallback
        if lane == PEER_LANE:
            if supervisor is not None and self._has_peers(subject):
                return Assignment(candidate_group=team_group(supervisor))
            return self._user_of(supervisor) or fallback
        return fallback

    def resolve_employee(self, employee_id: int, lane: Optional[str], subject: Subject) -> Assignment:
        """The task of one named employee (a 360 rater): their user, else the lane's person."""
        if employee_id not in self._users:
            user_id = self._session.scalar(select(User.id).where(User.employee_id == employee_id,
                                                                 User.active.is_(True)))
            if user_id is not None:
                self._users[employee_id] = user_id
        return self._user_of(employee_id, stand_in=False) or self.resolve(lane, subject)

    def _user_of(self, employee_id: Optional[int], stand_in: bool = True) -> Optional[Assignment]:
        """The employee's active account; without one, with ``stand_in``, their acting official's."""
        if employee_id is None:
            return None
        user_id = self._users.get(employee_id) or (self._stand_ins.get(employee_id) if stand_in else None)
        return Assignment(assignee_user_id=user_id) if user_id is not None else None

    def _head_of(self, unit_id: int) -> Optional[int]:
        if self._heads is None:  # two queries, only for processes that have this lane
            self._heads = unit_heads(self._session, {subject.unit_id for subject in self.subjects.values()})
            self._users.update(self._session.execute(select(User.employee_id, User.id).where(
                User.employee_id.in_(set(self._heads.values())), User.active.is_(True))).all())
            self._stand_ins.update(stand_ins(self._session, set(self._heads.values()) - set(self._users)))
        return self._heads.get(unit_id)

    def _has_peers(self, subject: Subject) -> bool:
        assert subject.supervisor_id is not None
        counted_self = subject.active and subject.id in self._users
        return self._staff_with_account.get(subject.supervisor_id, 0) - counted_self > 0


def groups_of(user: User) -> set[str]:
    """Candidate groups the user belongs to, derived from roles and the org model."""
    groups = set()
    if ROLE_HR in user.role_names:
        groups.add(hr_group(user.organisation_id))
    if ROLE_PPK in user.role_names:
        groups.add(ppk_group(user.organisation_id))
    if user.employee is not None and user.employee.supervisor_id is not None:
        groups.add(team_group(user.employee.supervisor_id))
    return groups


def is_unit_head(employee: Employee) -> bool:
    """A unit's head is an active employee of it whose supervisor works elsewhere (or who has none)."""
    return employee.active and (employee.supervisor is None or employee.supervisor.unit_id != employee.unit_id)


def unit_heads(session: Session, unit_ids: Iterable[int]) -> dict[int, int]:
    """The head of each unit (by :func:`is_unit_head`): when a unit has several (a vacancy
    filled twice, an acting head), the one with the lowest employee id, i.e. the longest on
    record, so the choice is stable between calls."""
    supervisor = aliased(Employee)
    rows = session.execute(
        select(Employee.unit_id, func.min(Employee.id))
        .outerjoin(supervisor, supervisor.id == Employee.supervisor_id)
        .where(Employee.unit_id.in_(set(unit_ids)), Employee.active.is_(True),
               (supervisor.id.is_(None)) | (supervisor.unit_id != Employee.unit_id))
        .group_by(Employee.unit_id)).all()
    return {unit_id: head_id for unit_id, head_id in rows}


def group_members(session: Session, groups: Iterable[str]) -> dict[str, set[int]]:
    """Active user ids in each candidate group: the inverse of :func:`groups_of`, one query per
    group (notifications tell a whole group about its task)."""
    members: dict[str, set[int]] = {}
    for group in set(groups):
        kind, _, owner = group.partition("@")
        if not owner.isdigit():
            continue
        if kind in (ROLE_HR, ROLE_PPK):
            query = (select(User.id).join(UserRole, UserRole.user_id == User.id)
                     .where(User.organisation_id == int(owner), UserRole.role == kind))
        elif kind == "team":
            query = (select(User.id).join(Employee, Employee.id == User.employee_id)
                     .where(Employee.supervisor_id == int(owner), Employee.active.is_(True)))
        else:
            continue
        members[group] = set(session.scalars(query.where(User.active.is_(True))))
    return members


def may_work_on(task: HumanTask, user: User) -> bool:
    """Whether ``user`` may claim or complete ``task``: it is meant for them, and nobody
    else of its group has claimed it."""
    if not is_meant_for(task, user):
        return False
    return task.assignee_user_id is not None or task.claimed_by_user_id in (None, user.id)


def is_meant_for(task: HumanTask, user: User) -> bool:
    """Whether ``task`` is for ``user``, whoever holds it now: its assignee, or a member of
    its candidate group. A peer task goes to the whole team, but nobody gives peer input on
    themselves."""
    if task.assignee_user_id is not None:
        return task.assignee_user_id == user.id or (
            task.assignee_user_id in acting_principals(user) and task.subject_employee_id != user.employee_id)
    if task.candidate_group not in groups_of(user):
        return False
    return not (user.employee_id is not None and task.subject_employee_id == user.employee_id)


def acting_principals(user: User) -> dict[int, str]:
    """The users (id → username) ``user`` acts for today as Plt/Plh, by the clock of the
    unit of work ``user`` was loaded in (none outside one). Asked once per user and day
    within a unit of work."""
    session = object_session(user)
    today = _today(session) if session is not None else None
    if session is None or today is None or user.employee_id is None:
        return {}
    key = ("acting_principals", user.id, today)
    if key not in session.info:
        session.info[key] = dict(session.execute(
            select(User.id, User.username).join(ActingAppointment, ActingAppointment.for_employee_id == User.employee_id)
            .where(ActingAppointment.acting_employee_id == user.employee_id, ActingAppointment.starts_on <= today,
                   ActingAppointment.ends_on >= today, User.active.is_(True))).all())
    found: dict[int, str] = session.info[key]
    return found


def stand_ins(session: Session, employee_ids: Iterable[int]) -> dict[int, int]:
    """For employees without an active account (left, vacant): the user who acts for each
    today (Plt/Plh; the latest appointment), so a lane that points at them reaches their
    stand-in rather than the HR group."""
    return dict(_acting_today(session, employee_ids))


def acting_for_employees(session: Session, employee_ids: Iterable[int]) -> set[int]:
    """The users who act today (Plt/Plh) for any of ``employee_ids``: delegation offers them
    with the officials they stand in for."""
    return {user_id for _employee, user_id in _acting_today(session, employee_ids)}


def _acting_today(session: Session, employee_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(employee, acting user) of today's appointments for ``employee_ids``, oldest first;
    none outside a unit of work (no clock)."""
    today, ids = _today(session), set(employee_ids)
    if today is None or not ids:
        return []
    return [(employee_id, user_id) for employee_id, user_id in session.execute(
        select(ActingAppointment.for_employee_id, User.id)
        .join(User, User.employee_id == ActingAppointment.acting_employee_id)
        .where(ActingAppointment.for_employee_id.in_(ids), ActingAppointment.starts_on <= today,
               ActingAppointment.ends_on >= today, User.active.is_(True)).order_by(ActingAppointment.id))]


def _today(session: Session) -> Optional[date]:
    """Today in WIB by the clock of the unit of work that opened ``session``."""
    clock = session.info.get("clock")
    return clock.now().astimezone(LOCAL_ZONE).date() if clock is not None else None


def assigned_to(user: User) -> ColumnElement[bool]:
    """The inbox's condition for a task assigned to ``user``: to them, or to someone they
    act for today and not about themselves (:func:`is_meant_for` in SQL)."""
    acting_for = list(acting_principals(user))
    if not acting_for:
        return HumanTask.assignee_user_id == user.id
    return or_(HumanTask.assignee_user_id == user.id,
               and_(HumanTask.assignee_user_id.in_(acting_for), HumanTask.subject_employee_id != user.employee_id))


def acting_note(task: HumanTask, user: User) -> dict[str, Any]:
    """What a completion event adds when ``user`` completes a task as acting official:
    ``{"acting_for": username}`` of the person the task was assigned to; nothing otherwise."""
    if task.assignee_user_id is None or task.assignee_user_id == user.id:
        return {}
    username = acting_principals(user).get(task.assignee_user_id)
    return {"acting_for": username} if username else {}
