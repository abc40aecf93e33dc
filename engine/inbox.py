"""Inbox queries: read the human-task projection only, never a workflow state."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Optional

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import aliased

from .access import load_user
from .assignment import assigned_to, groups_of
from .bulk_tasks import bulk_action
from .errors import ValidationFailed
from .kinerja import Kinerja
from .models import Employee, HumanTask, ProcessInstance, Unit, User

Scope = Literal["mine", "group"]
# The inbox's sort keys: by due date (overdue first, then soonest; undated last), by the
# employee's name, by the task's name; each then by due date.
SORTS = ("due", "name", "task")


@dataclass(frozen=True)
class TaskView:
    id: int
    instance_id: int
    task_key: str
    name: str
    process_key: str
    lane: Optional[str]
    form_key: Optional[str]
    subject_nip: Optional[str]
    subject_name: Optional[str]
    assignee_user_id: Optional[int]
    candidate_group: Optional[str]
    claimed_by_user_id: Optional[int]
    status: str
    created_at: datetime
    due_at: Optional[datetime]
    completed_at: Optional[datetime]
    overdue: bool
    bulk: bool = False  # its form lets it be completed together with others (engine.bulk_tasks)


@dataclass(frozen=True)
class InboxFilter:
    """Optional narrowing of an inbox list; every field is ANDed."""

    unit_code: Optional[str] = None
    cycle_id: Optional[int] = None
    task_key: Optional[str] = None
    search: Optional[str] = None  # part of the employee's name, or their NIP


def task_view(row: HumanTask, subject: Optional[Employee], now: datetime, bulk: bool = False) -> TaskView:
    return TaskView(id=row.id, instance_id=row.instance_id, task_key=row.task_key, name=row.name,
                    process_key=row.process_key, lane=row.lane, form_key=row.form_key,
                    subject_nip=subject.nip if subject else None, subject_name=subject.name if subject else None,
                    assignee_user_id=row.assignee_user_id, candidate_group=row.candidate_group,
                    claimed_by_user_id=row.claimed_by_user_id, status=row.status, created_at=row.created_at,
                    due_at=row.due_at, completed_at=row.completed_at,
                    overdue=row.status == "open" and row.due_at is not None and row.due_at < now, bulk=bulk)


def _scoped(user: User, scope: Scope, query: Select[Any]) -> Select[Any]:
    """``mine``: assigned to or claimed by the user. ``group``: in one of the user's candidate
    groups, unclaimed, and never the user's own peer review."""
    query = query.where(HumanTask.status == "open")
    if scope == "mine":
        return query.where(or_(assigned_to(user), HumanTask.claimed_by_user_id == user.id))
    query = query.where(HumanTask.candidate_group.in_(groups_of(user)), HumanTask.claimed_by_user_id.is_(None))
    if user.employee_id is not None:
        query = query.where(HumanTask.subject_employee_id != user.employee_id)
    return query


def checked_sort(sort: Optional[str]) -> str:
    """The inbox's sort key: one of :data:`SORTS` (``due`` when none is given); 422 naming
    ``sort`` for another."""
    if not sort:
        return "due"
    if sort not in SORTS:
        raise ValidationFailed(f"unknown sort '{sort[:40]}'; one of {', '.join(SORTS)}",
                               details=[{"field": "sort", "message": f"one of {', '.join(SORTS)}"}])
    return sort


def list_tasks(kinerja: Kinerja, username: str, scope: Scope = "mine", filters: InboxFilter = InboxFilter(),
               limit: int = 200, offset: int = 0, sort: Optional[str] = None) -> list[TaskView]:
    """Open tasks for the user in the order ``sort`` names (:data:`SORTS`; by default
    overdue first, then by due date, undated last), each marked when its form allows
    completing it together with others."""
    sort = checked_sort(sort)
    now = kinerja.clock.now()
    with kinerja.reading() as uow:
        user = load_user(uow.session, username)
        subject = aliased(Employee)
        query = _scoped(user, scope, select(HumanTask, subject, ProcessInstance.deployment_id).join(
            ProcessInstance, ProcessInstance.id == HumanTask.instance_id).outerjoin(
            subject, subject.id == HumanTask.subject_employee_id))
        if filters.unit_code:
            query = query.join(Unit, Unit.id == subject.unit_id).where(Unit.code == filters.unit_code)
        if filters.cycle_id is not None:
            query = query.where(ProcessInstance.cycle_id == filters.cycle_id)
        if filters.task_key:
            query = query.where(HumanTask.task_key == filters.task_key)
        if filters.search:
            pattern = f"%{filters.search.strip().lower()}%"
            query = query.where(or_(func.lower(subject.name).like(pattern), subject.nip.like(pattern)))
        undated_last = case((HumanTask.due_at.is_(None), 1), else_=0)
        by_due = (undated_last, HumanTask.due_at)
        first = {"due": (), "name": (case((subject.name.is_(None), 1), else_=0), subject.name),
                 "task": (HumanTask.name,)}[sort]
        query = query.order_by(*first, *by_due, HumanTask.id).limit(limit).offset(offset)
        rows = uow.session.execute(query).all()
        bulk = {(deployment_id, row.form_key): bulk_action(
                    kinerja.definitions.of(uow.session, deployment_id).forms.get(row.form_key)) is not None
                for row, _employee, deployment_id in rows if row.form_key}
        return [task_view(row, employee, now, bulk.get((deployment_id, row.form_key), False))
                for row, employee, deployment_id in rows]


@dataclass(frozen=True)
class InboxCounts:
    mine: int
    group: int
    overdue: int  # of mine


def task_counts(kinerja: Kinerja, username: str) -> InboxCounts:
    now = kinerja.clock.now()
    with kinerja.reading() as uow:
        user = load_user(uow.session, username)
        count = select(func.count()).select_from(HumanTask)
        mine = uow.session.scalar(_scoped(user, "mine", count)) or 0
        group = uow.session.scalar(_scoped(user, "group", count)) or 0
        overdue = uow.session.scalar(_scoped(user, "mine", count).where(HumanTask.due_at < now)) or 0
        return InboxCounts(mine, group, overdue)
