"""Inbox queries: read the human-task projection only, never a workflow state."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Optional

from sqlalchemy import case, or_, select

from .assignment import groups_of
from .errors import NotFound
from .models import Employee, HumanTask, User
from .services import Kinerja

Scope = Literal["mine", "group"]


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
    overdue: bool


def list_tasks(kinerja: Kinerja, username: str, scope: Scope = "mine", limit: int = 200) -> list[TaskView]:
    """Open tasks for the user, overdue first, then by due date (undated last).

    ``mine``: assigned to or claimed by the user. ``group``: waiting in one of the user's
    candidate groups and not yet claimed (never the user's own peer review).
    """
    now = kinerja.clock.now()
    with kinerja.unit_of_work() as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"user '{username}' does not exist")
        query = (select(HumanTask, Employee.nip, Employee.name)
                 .outerjoin(Employee, Employee.id == HumanTask.subject_employee_id)
                 .where(HumanTask.status == "open"))
        if scope == "mine":
            query = query.where(or_(HumanTask.assignee_user_id == user.id, HumanTask.claimed_by_user_id == user.id))
        else:
            query = query.where(HumanTask.candidate_group.in_(groups_of(user)),
                                HumanTask.claimed_by_user_id.is_(None))
            if user.employee_id is not None:
                query = query.where(HumanTask.subject_employee_id != user.employee_id)
        undated_last = case((HumanTask.due_at.is_(None), 1), else_=0)
        query = query.order_by(undated_last, HumanTask.due_at, HumanTask.id).limit(limit)
        return [TaskView(id=t.id, instance_id=t.instance_id, task_key=t.task_key, name=t.name,
                         process_key=t.process_key, lane=t.lane, form_key=t.form_key, subject_nip=nip,
                         subject_name=name, assignee_user_id=t.assignee_user_id,
                         candidate_group=t.candidate_group, claimed_by_user_id=t.claimed_by_user_id,
                         status=t.status, created_at=t.created_at, due_at=t.due_at,
                         overdue=t.due_at is not None and t.due_at < now)
                for t, nip, name in uow.session.execute(query)]
