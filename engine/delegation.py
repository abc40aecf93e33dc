"""Handing a task on (delegation): who may receive it, and the hand-over with its reason.

A task goes only to someone allowed to hold it. :func:`delegates_for` lists them (the
pages fill their choice list from it, the API serves it) and :func:`delegate_task` checks
the chosen person against the same list, so both doors answer alike.

The rules (one place: :func:`_eligible`):

- Only the task's holder hands it on: its assignee, or whoever claimed a group task.
- An employee's own step (a task assigned to the employee it is about) is theirs to do.
- A **personal task** (assigned to one official: lanes Atasan, Atasan Atasan, Kepala
  Unit, a supervisor giving peer input when the team has no peers) goes to an *official of
  the holder's unit*: an active employee of the same unit, with an active account, who
  supervises at least one active employee or heads the unit
  (:func:`engine.assignment.is_unit_head`), and whoever acts today (Plt/Plh) for one of
  those officials (:func:`engine.assignment.acting_for_employees`).
- A **group task** (HR, PPK, peers: a candidate group) goes to another member of the same
  group who could have claimed it; the claim passes to them, so the task stays out of the
  others' group inbox.
- Never to the employee the task is about, nor to anyone below them in the hierarchy (a
  subordinate does not rate their superior), nor to the holder, nor to a user with the
  auditor role (read-only), nor to an inactive user or one of another organisation.
- A reason is required (1 to :data:`MAX_REASON` characters) and recorded in the
  ``task.delegated`` audit event with who handed the task to whom.

Refusals: the caller does not hold the task, or it is their own step → ``Forbidden``
(403); the target is not on the list or the reason is missing → ``ValidationFailed``
(422) whose details name the field (``to``, ``reason``) and a stable ``code``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import active_user, load_user
from .assignment import ROLE_AUDITOR, acting_for_employees, group_members, may_work_on, unit_heads
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .kinerja import Kinerja
from .models import Employee, HumanTask, User

MAX_REASON = 500


@dataclass(frozen=True)
class Delegate:
    """Someone who may receive the task: shown by name and position, chosen by username."""

    username: str
    name: str
    position: Optional[str]


def delegates_for(kinerja: Kinerja, username: str, task_id: int) -> list[Delegate]:
    """Who the holder of ``task_id`` may hand it to, by name (``Forbidden`` if they may not
    hand it on at all)."""
    with kinerja.reading() as uow:
        task, holder = _held_task(uow.session, task_id, username)
        return [_as_delegate(user) for user in _eligible(uow.session, task, holder)]


def delegate_task(kinerja: Kinerja, username: str, task_id: int, to_username: str, reason: str) -> None:
    """Hand the task to ``to_username``, one of :func:`delegates_for`, recording ``reason``."""
    reason = reason.strip()
    with kinerja.unit_of_work() as uow:
        task, holder = _held_task(uow.session, task_id, username)
        problems = []
        if not reason or len(reason) > MAX_REASON:
            problems.append({"location": "reason", "code": "reason_too_long" if reason else "reason_missing",
                             "message": f"give a reason of 1 to {MAX_REASON} characters"})
        target = next((user for user in _eligible(uow.session, task, holder) if user.username == to_username), None)
        if target is None:
            problems.append({"location": "to", **_refusal(uow.session, task, holder, to_username)})
        if problems:
            raise ValidationFailed(f"the task cannot be handed on: {problems[0]['message']}", problems)
        assert target is not None
        if task.candidate_group is not None and task.assignee_user_id is None:
            task.claimed_by_user_id = target.id  # the claim passes on; the task stays the group's
        else:
            task.assignee_user_id, task.claimed_by_user_id = target.id, None
        uow.record(username, "task.delegated", {"task_key": task.task_key, "from": username, "to": target.username,
                                                "reason": reason}, instance_id=task.instance_id, task_id=task.id)
        uow.commit()


def _held_task(session: Session, task_id: int, username: str) -> tuple[HumanTask, User]:
    holder = load_user(session, username)
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(f"task {task_id} does not exist")
    if not may_work_on(task, holder):
        raise Forbidden(f"task {task_id} is not assigned to {username} or their groups", {"code": "not_holder"})
    if task.status != "open":
        raise Conflict(f"task {task_id} is already {task.status}")
    if holder.id not in (task.assignee_user_id, task.claimed_by_user_id):
        raise Forbidden(f"claim task {task_id} before handing it on", {"code": "not_claimed"})
    if holder.employee_id is not None and holder.employee_id == task.subject_employee_id:
        raise Forbidden("an employee's own step cannot be handed on", {"code": "own_step"})
    return task, holder


def _eligible(session: Session, task: HumanTask, holder: User) -> list[User]:
    """The users who may receive ``task`` from ``holder``, by name."""
    if task.candidate_group is not None:
        member_ids = group_members(session, [task.candidate_group]).get(task.candidate_group, set())
        candidates = session.scalars(select(User).where(User.id.in_(member_ids))).all()
    elif holder.employee is not None:
        candidates = _officials_of_unit(session, holder.employee.unit_id)
    else:
        candidates = []
    below = _subordinates(session, task.subject_employee_id)
    eligible = [user for user in candidates
                if user.id != holder.id and user.organisation_id == holder.organisation_id
                and ROLE_AUDITOR not in user.role_names
                and (user.employee_id is None or user.employee_id not in below)]
    return sorted(eligible, key=lambda user: (_as_delegate(user).name, user.username))


def _officials_of_unit(session: Session, unit_id: int) -> list[User]:
    """Active accounts of the unit's active employees who supervise someone active or head
    the unit, and of whoever acts for one of them today (Plt/Plh)."""
    supervisors = select(Employee.supervisor_id).where(Employee.active.is_(True), Employee.supervisor_id.is_not(None))
    head = unit_heads(session, {unit_id}).get(unit_id)
    officials = list(session.scalars(
        select(User).join(Employee, Employee.id == User.employee_id)
        .where(User.active.is_(True), Employee.active.is_(True), Employee.unit_id == unit_id,
               Employee.id.in_(supervisors) | (Employee.id == head))))
    acting = acting_for_employees(session, {user.employee_id for user in officials if user.employee_id}) - {
        user.id for user in officials}
    return officials + list(session.scalars(select(User).where(User.id.in_(acting)))) if acting else officials


def _subordinates(session: Session, employee_id: Optional[int]) -> set[int]:
    """The employee and everyone below them in the hierarchy (one query per level)."""
    if employee_id is None:
        return set()
    found, level = {employee_id}, {employee_id}
    while level:
        level = set(session.scalars(select(Employee.id).where(Employee.supervisor_id.in_(level)))) - found
        found |= level
    return found


def _refusal(session: Session, task: HumanTask, holder: User, to_username: str) -> dict[str, str]:
    """Why ``to_username`` may not receive the task: a code and a message. Users of other
    organisations get the same answer as unknown ones, so usernames cannot be probed."""
    target = active_user(session, to_username)
    if target is None or target.organisation_id != holder.organisation_id:
        return {"code": "unknown", "message": f"'{to_username}' is not a user of this organisation"}
    if target.employee_id is not None and target.employee_id == task.subject_employee_id:
        return {"code": "subject", "message": "a task cannot be handed to the employee it is about"}
    if ROLE_AUDITOR in target.role_names:
        return {"code": "auditor", "message": "auditors are read-only and hold no tasks"}
    if target.id == holder.id:
        return {"code": "self", "message": "the task is already yours"}
    return {"code": "not_eligible", "message": f"'{to_username}' may not hold this task: choose one of its delegates"}


def _as_delegate(user: User) -> Delegate:
    employee = user.employee
    return Delegate(user.username, employee.name if employee else user.display_name,
                    employee.position if employee else None)
