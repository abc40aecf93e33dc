"""A process step that fails is rolled back, and the failure itself is kept in the audit trail.

When a script, condition, timer expression or DMN cell fails (a sandbox refusal, a limit,
a plain error), the step's unit of work rolls back everything it did. Who tried what, on
which element, and why it failed must survive that rollback, so :func:`records_step_failure`
writes a ``step.failed`` audit event in a unit of work of its own, after the rollback.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Optional, TypeVar

from .actors import SYSTEM, actor_name
from .errors import ProcessError
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
                    arguments.get("instance_id"), arguments.get("task_id"), arguments.get("process_key"))
            raise
    return wrapper  # type: ignore[return-value]


def _record(kinerja: Any, error: ProcessError, actor: str, instance_id: Optional[int],
            task_id: Optional[int], process_key: Optional[str]) -> None:
    details = error.details if isinstance(error.details, dict) else {}
    with kinerja.unit_of_work() as uow:
        if instance_id is None and task_id is not None:
            task = uow.session.get(HumanTask, task_id)
            instance_id = task.instance_id if task is not None else None
        data = {"element_id": details.get("element_id"), "message": error.message}
        if process_key is not None:
            data["process_key"] = process_key
        uow.record(actor, "step.failed", data,
                   instance_id=instance_id, task_id=task_id)
        uow.commit()
