"""Completing several tasks with one decision: a supervisor agreeing six SKPs at once.

Which tasks may be completed together is the form's to say, never a page's: a form declares
``"x-bulk": {"answers": {...}, "comment": "<field>"}``, the fixed answers every selected task
gets and the optional field the one comment goes into (``bpmn/forms/skp_approval.json``
agrees the SKP: ``{"skp_decision": "approve"}`` and ``skp_comment``). A decision that needs
per-task reasons (returning an SKP) is therefore never a bulk action.

Each task is completed through :func:`engine.tasks.complete_task`, the one door: its own
unit of work, its own ``task.completed`` event and notifications. A refusal of one task is
reported with its subject's name and the others still complete.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from sqlalchemy.orm import Session

from .actors import Actor
from .errors import Conflict, KinerjaError, ValidationFailed
from .kinerja import Kinerja
from .models import Employee, HumanTask, ProcessInstance
from .tasks import complete_task, open_task_for

BULK_KEY = "x-bulk"
MAX_BULK = 100  # tasks one request may complete; the inbox shows at most 100 rows
MAX_COMMENT = 2000


@dataclass(frozen=True)
class BulkAction:
    """What completing a task of this form together with others answers."""

    answers: dict[str, Any]
    comment_field: Optional[str]


def bulk_action(form: Optional[dict[str, Any]]) -> Optional[BulkAction]:
    """The form's bulk declaration, or None when its tasks are completed one by one."""
    declared = (form or {}).get(BULK_KEY)
    if not isinstance(declared, dict) or not isinstance(declared.get("answers"), dict):
        return None
    comment = declared.get("comment")
    return BulkAction(dict(declared["answers"]), comment if isinstance(comment, str) else None)


@dataclass(frozen=True)
class BulkOutcome:
    """One selected task after the bulk action: completed, or refused with the reason."""

    task_id: int
    task_name: Optional[str]  # None when the task is not the caller's to know
    subject_name: Optional[str]
    completed: bool
    refusal: Optional[KinerjaError] = None  # why it was not completed (its code, message and details)


def complete_many(kinerja: Kinerja, actor: Actor, task_ids: Sequence[int],
                  comment: Optional[str] = None) -> list[BulkOutcome]:
    """Complete each task with its form's bulk answers (and ``comment``, when given, in the
    form's comment field), one unit of work each; outcomes in the order asked."""
    ids = list(dict.fromkeys(task_ids))
    comment = (comment or "").strip() or None
    problems = []
    if not ids:
        problems.append({"field": "task_ids", "message": "choose at least one task"})
    if len(ids) > MAX_BULK:
        problems.append({"field": "task_ids", "message": f"at most {MAX_BULK} tasks at once"})
    if comment is not None and len(comment) > MAX_COMMENT:
        problems.append({"field": "comment", "message": f"at most {MAX_COMMENT} characters"})
    if problems:
        raise ValidationFailed("the tasks cannot be completed together", details=problems)
    return [_complete_one(kinerja, actor, task_id, comment) for task_id in ids]


def _complete_one(kinerja: Kinerja, actor: Actor, task_id: int, comment: Optional[str]) -> BulkOutcome:
    try:
        name, subject, answer = _bulk_answer(kinerja, actor, task_id, comment)
    except KinerjaError as refused:  # not the caller's task: nothing of it is told
        return BulkOutcome(task_id, None, None, False, refused)
    if isinstance(answer, KinerjaError):
        return BulkOutcome(task_id, name, subject, False, answer)
    try:
        complete_task(kinerja, actor, task_id, answer)
    except KinerjaError as refused:
        return BulkOutcome(task_id, name, subject, False, refused)
    return BulkOutcome(task_id, name, subject, True)


def _bulk_answer(kinerja: Kinerja, actor: Actor, task_id: int,
                 comment: Optional[str]) -> tuple[str, Optional[str], dict[str, Any] | KinerjaError]:
    """The task's name, its subject's name and the data completing it answers, or why it
    cannot be completed together: done already (409, named: it was meant for the caller), or
    a form without a bulk action. A task the caller may not work on is refused outright
    (the 404 and 403 of :func:`engine.tasks.open_task_for`)."""
    with kinerja.reading() as uow:
        try:
            task, _user = open_task_for(uow, actor, task_id)
        except Conflict as done:
            task = uow.session.get(HumanTask, task_id)
            assert task is not None  # a conflict names an existing task
            return task.name, _subject_name(uow.session, task), done
        instance = uow.session.get(ProcessInstance, task.instance_id)
        assert instance is not None  # foreign key
        forms = kinerja.definitions.of(uow.session, instance.deployment_id).forms
        action = bulk_action(forms.get(task.form_key) if task.form_key else None)
        if action is None:
            return task.name, _subject_name(uow.session, task), ValidationFailed(
                f"task {task_id} ({task.name}) is completed on its own page, not together",
                details=[{"field": "task_ids", "message": f"task {task_id} has no bulk action"}])
        data = dict(action.answers)
        if comment is not None and action.comment_field is not None:
            data[action.comment_field] = comment
        return task.name, _subject_name(uow.session, task), data


def _subject_name(session: Session, task: HumanTask) -> Optional[str]:
    subject = session.get(Employee, task.subject_employee_id) if task.subject_employee_id else None
    return subject.name if subject else None
