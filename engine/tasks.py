"""Working on a task: claiming it from a group, handing it back, completing it.

Who may work on a task is :func:`engine.assignment.may_work_on` (the assignee, or a member
of its candidate group); handing it to someone else is :mod:`engine.delegation`.

Completing is idempotent per request: the completer may send a key (the API's
``Idempotency-Key`` header, the task page's hidden field) that is stored with the completion
in the same transaction. The same user repeating the request with that key, e.g. because
the answer was lost when a worker died after the commit, gets the original success and
nothing runs again; anyone else, or a request without that key, is told who completed the
task and when.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from .access import active_user
from .actors import Actor, Operator
from .assignment import acting_note, is_meant_for, may_work_on
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .form_step_modules import form_step
from .form_steps import StepContext
from .forms import validate_form_data
from .instance_run import InstanceRun
from .kinerja import Kinerja
from .models import MAX_COMPLETION_KEY, HumanTask, ProcessInstance, User
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


@dataclass(frozen=True)
class Completion:
    """A completed task as its completer is answered; ``replayed`` when the answer repeats
    the one to an earlier request with the same key (nothing ran this time)."""

    task_id: int
    instance_id: int
    task_key: str
    name: str
    replayed: bool = False


@records_step_failure
def complete_task(kinerja: Kinerja, actor: Actor, task_id: int, data: dict[str, Any],
                  idempotency_key: Optional[str] = None) -> Completion:
    """Validate ``data`` against the task's form, complete it and run the process on.

    With ``idempotency_key``, a task this user already completed with the same key answers
    as the completion did (see the module's docstring)."""
    key = checked_key(idempotency_key)
    with kinerja.unit_of_work() as uow:
        task, user = open_task_for(uow, actor, task_id, key)
        if task.status != "open":  # the same user's repeat with the same key
            return _completion(task, replayed=True)
        instance = uow.session.get(ProcessInstance, task.instance_id)
        assert instance is not None  # foreign key
        definitions = kinerja.definitions.of(uow.session, instance.deployment_id)
        form = definitions.forms[task.form_key] if task.form_key is not None else None
        if form is not None:
            validate_form_data(task.form_key, form, data)
        step = form_step(task.form_key)
        run = InstanceRun.load(definitions, instance.process_key, instance.state)
        waiting_data = dict(run.task_data(task.spiff_task_id))  # a copy: completing merges the answer in
        context = StepContext(uow, user, task, instance, form, waiting_data, definitions.decision_engine, kinerja)
        step_input = step.before(context, data)
        changed = run.complete_user_task(task.spiff_task_id, step_input.data,
                                         f"task {task_id} is no longer waiting for input")
        if step.after is not None:
            step_input.drafts.extend(step.after(context, run))
        task.status, task.completed_at, task.completed_by_user_id = "completed", uow.clock.now(), user.id
        task.claimed_by_user_id = task.claimed_by_user_id or user.id
        task.completion_key = key
        uow.record(user.username, "task.completed", {
            "task_key": task.task_key, "name": task.name, "lane": task.lane, "form_key": task.form_key,
            "submitted": data, "changed": changed, **acting_note(task, user),
        }, instance_id=instance.id, task_id=task.id)
        finish_step(kinerja, uow, user.username, instance, run, drafts=step_input.drafts,
                    known_skp=step_input.known_skp)
        uow.commit()
        return _completion(task)


def repeat_completion(kinerja: Kinerja, actor: Actor, task_id: int, idempotency_key: Optional[str]) -> Completion:
    """The answer to completing a task that is no longer open, without reading any data: the
    original success to its completer repeating the request with the key it was completed
    with; otherwise the refusal of :func:`open_task_for` (409 naming who completed it)."""
    key = checked_key(idempotency_key)
    with kinerja.reading() as uow:
        task, _user = open_task_for(uow, actor, task_id, key)
        if task.status == "open":  # reopened meanwhile cannot happen; refuse rather than answer success
            raise Conflict(f"task {task_id} is waiting for input; submit its form")
        return _completion(task, replayed=True)


def checked_key(key: Optional[str]) -> Optional[str]:
    """An idempotency key as stored: 1 to :data:`MAX_COMPLETION_KEY` visible ASCII characters, or None."""
    if key is None:
        return None
    if not (0 < len(key) <= MAX_COMPLETION_KEY and key.isascii() and key.isprintable() and key.strip() == key):
        message = f"Idempotency-Key must be 1 to {MAX_COMPLETION_KEY} visible ASCII characters"
        raise ValidationFailed(message, details=[{"field": "Idempotency-Key", "message": message}])
    return key


def _completion(task: HumanTask, replayed: bool = False) -> Completion:
    return Completion(task.id, task.instance_id, task.task_key, task.name, replayed)


def open_task_for(uow: UnitOfWork, actor: Actor, task_id: int,
                  replay_key: Optional[str] = None) -> tuple[HumanTask, User]:
    """The open task ``actor`` may work on, with their user row: 404 for a task that does not
    exist (or a user who does not), 403 for someone else's, 409 for one already done (naming
    who completed it and when, to those it was meant for).

    A completed task is returned, not refused, to its completer repeating the request with
    the key it was completed with (``replay_key``)."""
    if isinstance(actor, Operator):
        raise Forbidden("tasks are worked on by signed-in people, not by operators")
    task = uow.session.get(HumanTask, task_id)
    user = active_user(uow.session, actor)
    if task is None or user is None:
        raise NotFound(f"task {task_id} does not exist")
    if task.status != "open" and (task.completed_by_user_id == user.id or is_meant_for(task, user)):
        if task.status != "completed":
            raise Conflict(f"task {task_id} is already {task.status}", details={"reason": "task_done"})
        if replay_key is not None and task.completion_key == replay_key and task.completed_by_user_id == user.id:
            return task, user
        raise _completed_by(uow, task)
    if not may_work_on(task, user):  # an open task someone else holds, or any task not meant for the user
        raise Forbidden(f"task {task_id} is not assigned to {user.username} or their groups",
                        details={"reason": "not_holder"})
    return task, user


def _completed_by(uow: UnitOfWork, task: HumanTask) -> Conflict:
    """The refusal of a task someone completed: who (name and username) and when (ISO 8601, UTC).

    ``details.reason`` is the refusal pages know; the other details let a page say it in full."""
    completer = uow.session.get(User, task.completed_by_user_id) if task.completed_by_user_id else None
    name, username = (completer.display_name, completer.username) if completer else ("unknown", "")
    at = task.completed_at.isoformat() if task.completed_at else ""
    return Conflict(f"task {task.id} was already completed by {name} ({username}) at {at}",
                    details={"reason": "task_done", "completed_by": username, "completed_by_name": name,
                             "completed_at": at})
