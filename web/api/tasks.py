"""The inbox: list, read, claim, unclaim, delegate and complete tasks.

A task the caller may neither work on nor read is answered with 404, whichever action is
asked, so task ids cannot be probed; one they may read but not work on gives 403.
"""
from __future__ import annotations

from typing import Any

from engine.delegation import delegate_task, delegates_for
from engine.errors import NotFound
from engine.inbox import InboxFilter, list_tasks, task_counts
from engine.read_models import instance_detail, task_detail, visible_task
from engine.tasks import claim_task, complete_task, unclaim_task

from ..engine_access import kinerja
from .common import ID, caller, operation, protected_blueprint
from .schemas import (
    CompletedTaskSchema,
    CompleteHeadersSchema,
    CompleteRequestSchema,
    DelegateListSchema,
    DelegateRequestSchema,
    TaskDetailSchema,
    TaskListSchema,
    TaskQuerySchema,
    TaskSchema,
)

blueprint = protected_blueprint("tasks", __name__, "/api/v1/tasks", "Human tasks (the inbox)")


@blueprint.route("", methods=["GET"])
@operation(blueprint)
@blueprint.arguments(TaskQuerySchema, location="query")
@blueprint.response(200, TaskListSchema)
def list_(query: dict[str, Any]) -> dict[str, Any]:
    """Open tasks of the caller: overdue first, then by due date (or as ``sort`` says); with the inbox counts."""
    username = caller().username
    filters = InboxFilter(unit_code=query.get("unit"), cycle_id=query.get("cycle"), task_key=query.get("task_key"),
                          search=query.get("search"))
    items = list_tasks(kinerja(), username, query["scope"], filters, limit=query["limit"], offset=query["offset"],
                       sort=query.get("sort"))
    return {"items": items, "counts": task_counts(kinerja(), username)}


@blueprint.route(f"/<{ID}:task_id>", methods=["GET"])
@operation(blueprint, errors=(404,))
@blueprint.response(200, TaskDetailSchema)
def get(task_id: int) -> dict[str, Any]:
    """A task with its form (JSON Schema), prefilled values, the employee and the history so far."""
    detail = task_detail(kinerja(), caller().username, task_id)
    return {**detail.task.__dict__, **{key: value for key, value in detail.__dict__.items() if key != "task"}}


@blueprint.route(f"/<{ID}:task_id>/claim", methods=["POST"])
@operation(blueprint, errors=(403, 404, 409))
@blueprint.response(200, TaskSchema)
def claim(task_id: int) -> Any:
    """Take a group task (candidate group) so nobody else works on it."""
    username = caller().username
    visible_task(kinerja(), username, task_id)
    claim_task(kinerja(), username, task_id)
    return visible_task(kinerja(), username, task_id)


@blueprint.route(f"/<{ID}:task_id>/unclaim", methods=["POST"])
@operation(blueprint, errors=(403, 404, 409))
@blueprint.response(200, TaskSchema)
def unclaim(task_id: int) -> Any:
    """Give a claimed task back to its candidate group."""
    username = caller().username
    visible_task(kinerja(), username, task_id)
    unclaim_task(kinerja(), username, task_id)
    return visible_task(kinerja(), username, task_id)


@blueprint.route(f"/<{ID}:task_id>/delegates", methods=["GET"])
@operation(blueprint, errors=(403, 404, 409))
@blueprint.response(200, DelegateListSchema)
def delegates(task_id: int) -> dict[str, Any]:
    """Who the caller may hand this task to, by name (403 if they do not hold it, or it is their own step)."""
    username = caller().username
    visible_task(kinerja(), username, task_id)
    return {"items": delegates_for(kinerja(), username, task_id)}


@blueprint.route(f"/<{ID}:task_id>/delegate", methods=["POST"])
@operation(blueprint, errors=(403, 404, 409, 422))
@blueprint.arguments(DelegateRequestSchema)
@blueprint.response(200, TaskSchema)
def delegate(body: dict[str, Any], task_id: int) -> Any:
    """Hand a task one holds to one of its delegates, with a reason; returns it as they see it.

    422 when ``to`` is not among ``GET /tasks/{id}/delegates`` (details: ``code`` subject,
    auditor, self, unknown or not_eligible) or the reason is blank."""
    username = caller().username
    visible_task(kinerja(), username, task_id)
    delegate_task(kinerja(), username, task_id, body["to"], body["reason"])
    return visible_task(kinerja(), body["to"], task_id)


@blueprint.route(f"/<{ID}:task_id>/complete", methods=["POST"])
@operation(blueprint, errors=(403, 404, 409, 422))
@blueprint.arguments(CompleteHeadersSchema, location="headers")
@blueprint.arguments(CompleteRequestSchema)
@blueprint.response(200, CompletedTaskSchema)
def complete(headers: dict[str, Any], body: dict[str, Any], task_id: int) -> dict[str, Any]:
    """Complete a task with its form data.

    The data is validated against the task's form (422 names the fields) and the process runs
    on to its next wait state in the same transaction. ``instance`` is the instance afterwards,
    or null when the caller may not read it (e.g. a peer's input). With an ``Idempotency-Key``,
    the caller's repeat of a completion that committed answers the same way, and nothing runs
    again; a 409 on a completed task names who completed it and when (``details``:
    ``completed_by``, ``completed_by_name``, ``completed_at``)."""
    username = caller().username
    visible_task(kinerja(), username, task_id)
    done = complete_task(kinerja(), username, task_id, body["data"], headers["idempotency_key"])
    try:
        instance = instance_detail(kinerja(), username, done.instance_id)
    except NotFound:  # e.g. peer input: the peer may not read the colleague's instance
        instance = None
    return {"status": "completed", "task_id": task_id, "instance_id": done.instance_id, "instance": instance}
