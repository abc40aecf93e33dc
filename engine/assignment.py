"""Lanes map to roles: who gets a user task, resolved per instance through the org model.

A lane name resolves against the instance's subject employee:

==============  =========================================================================
Pegawai         the employee's own user
Atasan          the direct supervisor's user (pejabat penilai kinerja)
Atasan Atasan   the supervisor's supervisor's user (decides escalations and objections)
PPK             candidate group of the organisation's officials (``ppk@<org id>``)
HR              candidate group of the organisation's HR staff (``hr@<org id>``)
Rekan Kerja     candidate group of the employee's peers (``team@<supervisor id>``)
==============  =========================================================================

When the person a lane points at does not exist (no supervisor, no user account, no
peer), the task goes to the organisation's HR group, which can reassign it, rather than
to nobody.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Employee, HumanTask, User

KNOWN_LANES = ("Pegawai", "Atasan", "Atasan Atasan", "PPK", "HR", "Rekan Kerja")

ROLE_HR = "hr"
ROLE_PPK = "ppk"
ROLE_AUDITOR = "auditor"


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


def resolve_lane(session: Session, lane: Optional[str], subject: Employee) -> Assignment:
    fallback = Assignment(candidate_group=hr_group(subject.organisation_id))
    if lane == "Pegawai":
        return _user_of(session, subject) or fallback
    if lane == "Atasan":
        return _user_of(session, subject.supervisor) or fallback
    if lane == "Atasan Atasan":
        second = subject.supervisor.supervisor if subject.supervisor else None
        return _user_of(session, second) or fallback
    if lane == "PPK":
        return Assignment(candidate_group=ppk_group(subject.organisation_id))
    if lane == "HR":
        return fallback
    if lane == "Rekan Kerja":
        if subject.supervisor_id is not None and _has_peers(session, subject):
            return Assignment(candidate_group=team_group(subject.supervisor_id))
        return _user_of(session, subject.supervisor) or fallback
    return fallback


def _user_of(session: Session, employee: Optional[Employee]) -> Optional[Assignment]:
    if employee is None:
        return None
    user_id = session.scalar(select(User.id).where(User.employee_id == employee.id, User.active.is_(True)))
    return Assignment(assignee_user_id=user_id) if user_id is not None else None


def _has_peers(session: Session, subject: Employee) -> bool:
    peers = session.scalar(
        select(func.count()).select_from(Employee).join(User, User.employee_id == Employee.id)
        .where(Employee.supervisor_id == subject.supervisor_id, Employee.id != subject.id,
               Employee.active.is_(True), User.active.is_(True)))
    return bool(peers)


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


def may_work_on(task: HumanTask, user: User) -> bool:
    """Whether ``user`` may claim or complete ``task``.

    A peer task goes to the whole team, but nobody gives peer input on themselves.
    """
    if task.assignee_user_id is not None:
        return task.assignee_user_id == user.id
    if task.candidate_group not in groups_of(user):
        return False
    if task.claimed_by_user_id is not None and task.claimed_by_user_id != user.id:
        return False
    return not (user.employee_id is not None and task.subject_employee_id == user.employee_id)
