"""Working on a task: claiming it from a group, handing it back, completing it.

Who may work on a task is :func:`engine.assignment.may_work_on` (the assignee, or a member
of its candidate group); handing it to someone else is :mod:`engine.delegation`.
"""
from __future__ import annotations

from typing import Any

from .access import active_user
from .actors import Actor, Operator
from .assignment import may_work_on
from .errors import Conflict, Forbidden, NotFound
from .forms import validate_form_data
from .instance_run import InstanceRun
from .kinerja import Kinerja
from .models import HumanTask, ProcessInstance, User
from .step import finish_step
from .step_failures import records_step_failure
from .unit_of_work import UnitOfWork


def claim_task(kinerja: Kinerja, actor: Actor, task_id: int) -> None:
    """Take a group's task, so the others in the group see it is being worked on."""
    with kinerja.unit_of_work() as uow:
        task, user = open_task_for(uow, actor, task_id)
        if task.assignee_user_id is None:
            task.claimed_by_user_id = user.id
        uow.record(user.username, "task.claimed", {"task_key": task.task_key},
                   instance_id=task.instance_id, task_id=task.id)
        uow.commit()


def unclaim_task(kinerja: Kinerja, actor: Actor, task_id: int) -> None:
    """Give a claimed task back to its group."""
    with kinerja.unit_of_work() as uow:
        task, user = open_task_for(uow, actor, task_id)
        task.claimed_by_user_id = None
        uow.record(user.username, "task.unclaimed", {"task_key": task.task_key},
                   instance_id=task.instance_id, task_id=task.id)
        uow.commit()


@records_step_failure
def complete_task(kinerja: Kinerja, actor: Actor, task_id: int, data: dict[str, Any]) -> None:
    """Validate ``data`` against the task's form, complete it and run the process on."""
    with kinerja.unit_of_work() as uow:
        task, user = open_task_for(uow, actor, task_id)
        instance = uow.session.get(ProcessInstance, task.instance_id)
        assert instance is not None  # foreign key
        definitions = kinerja.definitions.of(uow.session, instance.deployment_id)
        if task.form_key is not None:
            validate_form_data(task.form_key, definitions.forms[task.form_key], data)
        run = InstanceRun.load(definitions, instance.process_key, instance.state)
        changed = run.complete_user_task(task.spiff_task_id, data, f"task {task_id} is no longer waiting for input")
        task.status, task.completed_at, task.completed_by_user_id = "completed", uow.clock.now(), user.id
        task.claimed_by_user_id = task.claimed_by_user_id or user.id
        uow.record(user.username, "task.completed", {
            "task_key": task.task_key, "name": task.name, "lane": task.lane, "form_key": task.form_key,
            "submitted": data, "changed": changed,
        }, instance_id=instance.id, task_id=task.id)
        finish_step(kinerja, uow, user.username, instance, run)
        uow.commit()


def open_task_for(uow: UnitOfWork, actor: Actor, task_id: int) -> tuple[HumanTask, User]:
    """The open task ``actor`` may work on, with their user row: 404 for a task that does not
    exist (or a user who does not), 403 for someone else's, 409 for one already done."""
    if isinstance(actor, Operator):
        raise Forbidden("tasks are worked on by signed-in people, not by operators")
    task = uow.session.get(HumanTask, task_id)
    user = active_user(uow.session, actor)
    if task is None or user is None:
        raise NotFound(f"task {task_id} does not exist")
    if not may_work_on(task, user):
        raise Forbidden(f"task {task_id} is not assigned to {user.username} or their groups")
    if task.status != "open":
        raise Conflict(f"task {task_id} is already {task.status}")
    return task, user
