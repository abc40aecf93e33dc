"""A process step that fails is rolled back, and the failure itself is kept in the audit trail.

When a script, condition, timer expression or DMN cell fails (a sandbox refusal, a limit,
a plain error), the step's unit of work rolls back everything it did. Who tried what, on
which element, and why it failed must survive that rollback, so :func:`records_step_failure`
writes a ``step.failed`` audit event in a unit of work of its own, after the rollback, and
opens (or counts another attempt on) the instance's incident (:mod:`engine.incidents`):
a failed timer is set aside as ``failed`` so the sweep goes on with the others, a failed
completion keeps its answer so that a retry can replay it.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, TypeVar

from .actors import SYSTEM, actor_name
from .errors import ProcessError
from .incidents_recording import Failure, record_incident
from .models import HumanTask

Method = TypeVar("Method", bound=Callable[..., Any])


def records_step_failure(method: Method) -> Method:
    """Decorate a use case whose step may fail with a :class:`ProcessError`.

    The actor, instance and task are read from the method's own arguments (``username`` or
    ``actor``, ``instance_id``, ``task_id``); a timer sweep's actor is ``system``.
    """
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(kinerja: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(kinerja, *args, **kwargs)
        except ProcessError as error:
            arguments = signature.bind(kinerja, *args, **kwargs).arguments
            _record(kinerja, error, actor_name(arguments.get("username") or arguments.get("actor") or SYSTEM),
                    arguments)
            raise
    return wrapper  # type: ignore[return-value]


def _record(kinerja: Any, error: ProcessError, actor: str, arguments: dict[str, Any]) -> None:
    details = error.details if isinstance(error.details, dict) else {}
    instance_id, task_id = arguments.get("instance_id"), arguments.get("task_id")
    with kinerja.unit_of_work() as uow:
        if instance_id is None and task_id is not None:
            task = uow.session.get(HumanTask, task_id)
            instance_id = task.instance_id if task is not None else None
        data = {"element_id": details.get("element_id"), "message": error.message}
        if arguments.get("process_key") is not None:
            data["process_key"] = arguments["process_key"]
        uow.record(actor, "step.failed", data,
                   instance_id=instance_id, task_id=task_id)
        if instance_id is not None and (task_id is not None or arguments.get("now") is not None):
            # a completion or a timer sweep: the instance waits at that step until it is retried
            failure = Failure(instance_id, data["element_id"], error.message, task_id,
                              arguments.get("data") if task_id is not None else None,
                              actor if task_id is not None else None, arguments.get("now"))
            record_incident(uow, failure)
        uow.commit()
