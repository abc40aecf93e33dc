"""Opening an incident when a step fails (called by :mod:`engine.step_failures`, in the unit
of work that records the failure, after the step's own was rolled back).

One open incident per failing element of an instance (per task, for a completion): another
failure of the same step counts an attempt instead of a new row. A timer whose step failed
is set aside as ``failed`` so the sweep goes on with the other instances instead of tripping
over it at every run; retrying sets it waiting again (:mod:`engine.incidents`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import select, update

from .incident_tables import MAX_MESSAGE, Incident
from .models import Timer
from .unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Failure:
    """What failed: the instance and element, the message, and for a completion the task, its
    answer and its completer; for a timer sweep, the sweep's time (its due timers failed)."""

    instance_id: int
    element_id: Optional[str]
    message: str
    task_id: Optional[int] = None
    submitted: Optional[dict[str, Any]] = None
    submitted_by: Optional[str] = None
    swept_at: Optional[datetime] = None


def record_incident(uow: UnitOfWork, failure: Failure) -> Incident:
    """Open the failure's incident, or count one more attempt on the open one."""
    now = uow.clock.now()
    kind = "task" if failure.task_id is not None else "timer"
    query = select(Incident).where(Incident.instance_id == failure.instance_id, Incident.status == "open",
                                   Incident.kind == kind)
    query = query.where(Incident.task_id == failure.task_id) if kind == "task" \
        else query.where(Incident.element_id == failure.element_id)
    incident = uow.session.scalars(query.limit(1)).first()
    if incident is None:
        incident = Incident(instance_id=failure.instance_id, kind=kind, element_id=failure.element_id,
                            task_id=failure.task_id, status="open", attempts=0, first_failed_at=now)
        uow.session.add(incident)
    incident.attempts += 1
    incident.message, incident.last_failed_at = failure.message[:MAX_MESSAGE], now
    if kind == "task":
        incident.submitted, incident.submitted_by = failure.submitted, failure.submitted_by
    elif failure.swept_at is not None:
        uow.session.execute(update(Timer).where(
            Timer.instance_id == failure.instance_id, Timer.status == "waiting", Timer.due_at <= failure.swept_at)
            .values(status="failed"))
    uow.flush()
    uow.record("system", "incident.opened" if incident.attempts == 1 else "incident.failed_again",
               {"incident_id": incident.id, "kind": kind, "element_id": failure.element_id,
                "attempts": incident.attempts}, instance_id=failure.instance_id, task_id=failure.task_id)
    return incident
