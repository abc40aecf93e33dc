"""Incidents (HR): listing the steps that failed, retrying them once the cause is fixed,
and cancelling an instance that cannot go on.

A failure opens an incident (:mod:`engine.incidents_recording`); the instance stays at its
last good state. The usual fix is a corrected definition: HR deploys it and moves the
instance to it (:mod:`engine.migration`), then retries here. A retry runs the same step the
same way it first ran — a timer is set waiting again and fired, a completion is replayed
with the answer and in the name of the person who gave it — so the audit trail reads as if
the step had succeeded the first time, plus who retried it. A retry that fails again counts
an attempt and leaves the incident open. Cancelling ends the instance with a reason: its
tasks and timers are cancelled and its incidents closed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .access import authorise, require_own_organisation
from .actors import Actor, actor_name
from .errors import Conflict, KinerjaError, NotFound, ValidationFailed
from .incident_tables import MAX_MESSAGE, Incident
from .kinerja import Kinerja
from .models import Employee, HumanTask, ProcessInstance, Timer, User
from .permissions import MANAGE_INCIDENTS
from .tasks import complete_task
from .timers import fire_instance_timers
from .unit_of_work import UnitOfWork

MAX_BATCH = 500  # incidents one batch retry takes on; the flow runs batches one after another


@dataclass(frozen=True)
class IncidentView:
    id: int
    instance_id: int
    process_key: str
    cycle_id: Optional[int]
    employee_name: Optional[str]
    kind: str
    element_id: Optional[str]
    task_name: Optional[str]
    message: str
    status: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    closed_by: Optional[str]
    resolution: Optional[str]


@dataclass(frozen=True)
class RetryOutcome:
    incident_id: int
    resolved: bool
    message: str  # the new failure, or how it was resolved


def list_incidents(kinerja: Kinerja, actor: Actor, *, status: Optional[str] = "open",
                   cycle_id: Optional[int] = None, limit: int = 200) -> list[IncidentView]:
    """The organisation's incidents, newest failure first (an operator sees every one)."""
    with kinerja.reading() as uow:
        user = authorise(uow.session, actor, MANAGE_INCIDENTS)
        query = (select(Incident, ProcessInstance.process_key, ProcessInstance.cycle_id, Employee.name,
                        HumanTask.name)
                 .join(ProcessInstance, ProcessInstance.id == Incident.instance_id)
                 .outerjoin(Employee, Employee.id == ProcessInstance.subject_employee_id)
                 .outerjoin(HumanTask, HumanTask.id == Incident.task_id))
        if user is not None:
            query = query.where(Employee.organisation_id == user.organisation_id)
        if status is not None:
            query = query.where(Incident.status == status)
        if cycle_id is not None:
            query = query.where(ProcessInstance.cycle_id == cycle_id)
        rows = uow.session.execute(query.order_by(Incident.last_failed_at.desc(), Incident.id.desc())
                                   .limit(limit)).all()
        return [IncidentView(i.id, i.instance_id, process_key, cycle, name, i.kind, i.element_id, task_name,
                             i.message, i.status, i.attempts, i.first_failed_at, i.last_failed_at, i.closed_by,
                             i.resolution)
                for i, process_key, cycle, name, task_name in rows]


def retry_incident(kinerja: Kinerja, actor: Actor, incident_id: int) -> RetryOutcome:
    """Run the failed step again. Resolved when it succeeds (or when the task was completed
    meanwhile); otherwise the incident stays open with one more attempt and the new message."""
    with kinerja.reading() as uow:
        incident = _incident_for(uow.session, actor, incident_id)
        if incident.status != "open":
            raise Conflict(f"incident {incident_id} is {incident.status}; only an open one can be retried",
                           details={"reason": "incident_closed"})
        kind, instance_id, task_id = incident.kind, incident.instance_id, incident.task_id
        submitted, submitted_by = incident.submitted, incident.submitted_by
        task_open = task_id is not None and uow.session.get(HumanTask, task_id).status == "open"
    if kind == "task" and not task_open:
        return _close(kinerja, actor, incident_id, "resolved", "the task was completed or moved on meanwhile")
    try:
        if kind == "task":
            complete_task(kinerja, submitted_by or "", task_id, dict(submitted or {}))
        else:
            _rearm_timers(kinerja, instance_id)
            fire_instance_timers(kinerja, instance_id, kinerja.clock.now())
    except KinerjaError as error:  # a failing step has counted another attempt itself
        return RetryOutcome(incident_id, False, error.message)
    return _close(kinerja, actor, incident_id, "resolved", f"retried by {actor_name(actor)}")


def retry_incidents(kinerja: Kinerja, actor: Actor, incident_ids: Iterable[int]) -> list[RetryOutcome]:
    """Retry several incidents one after another (one step each); a refusal of one (closed
    meanwhile, another organisation's) is reported in its outcome, not raised."""
    wanted = list(dict.fromkeys(incident_ids))
    if len(wanted) > MAX_BATCH:
        raise ValidationFailed(f"at most {MAX_BATCH} incidents per batch; split the batch",
                               details=[{"field": "incident_ids", "message": f"at most {MAX_BATCH}"}])
    outcomes = []
    for incident_id in wanted:
        try:
            outcomes.append(retry_incident(kinerja, actor, incident_id))
        except (Conflict, NotFound) as refusal:
            outcomes.append(RetryOutcome(incident_id, False, refusal.message))
    return outcomes


def cancel_instance(kinerja: Kinerja, actor: Actor, instance_id: int, reason: str) -> None:
    """End an instance that cannot go on, with a reason: its open tasks and timers are
    cancelled, its open incidents closed; the audit trail keeps who and why."""
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise ValidationFailed("cancelling an instance needs a reason",
                               details=[{"field": "reason", "message": "wajib diisi"}])
    with kinerja.unit_of_work() as uow:
        instance = _instance_for(uow.session, actor, instance_id)
        if instance.status != "running":
            raise Conflict(f"instance {instance_id} is {instance.status}; only a running one can be cancelled",
                           details={"reason": "instance_not_running"})
        end_instance(uow, actor_name(actor), instance, reason)
        uow.commit()


def end_instance(uow: UnitOfWork, actor: str, instance: ProcessInstance, reason: str) -> None:
    """Cancel a running ``instance`` in ``uow`` with ``reason`` (the caller has authorised and
    commits): :func:`cancel_instance`, and an employee's leaving (:mod:`engine.org_moves`)."""
    now, instance_id = uow.clock.now(), instance.id
    instance.status, instance.completed_at = "cancelled", now
    cancelled_tasks = uow.session.execute(update(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == "open").values(status="cancelled")).rowcount
    uow.session.execute(update(Timer).where(Timer.instance_id == instance_id,
                                            Timer.status.in_(("waiting", "failed"))).values(status="cancelled"))
    uow.session.execute(update(Incident).where(Incident.instance_id == instance_id, Incident.status == "open")
                        .values(status="cancelled", closed_at=now, closed_by=actor, resolution=reason[:MAX_MESSAGE]))
    uow.record(actor, "instance.cancelled", {"reason": reason[:MAX_MESSAGE], "tasks_cancelled": cancelled_tasks},
               instance_id=instance_id)


def _close(kinerja: Kinerja, actor: Actor, incident_id: int, status: str, resolution: str) -> RetryOutcome:
    with kinerja.unit_of_work() as uow:
        incident = _incident_for(uow.session, actor, incident_id)
        incident.status, incident.closed_at = status, uow.clock.now()
        incident.closed_by, incident.resolution = actor_name(actor), resolution[:MAX_MESSAGE]
        uow.record(actor_name(actor), "incident.resolved", {"incident_id": incident_id, "resolution": resolution},
                   instance_id=incident.instance_id, task_id=incident.task_id)
        uow.commit()
    return RetryOutcome(incident_id, True, resolution)


def _rearm_timers(kinerja: Kinerja, instance_id: int) -> None:
    """The instance's failed timers wait again, due now: the retry fires them."""
    with kinerja.unit_of_work() as uow:
        uow.session.execute(update(Timer).where(Timer.instance_id == instance_id, Timer.status == "failed")
                            .values(status="waiting", due_at=uow.clock.now()))
        uow.commit()


def _incident_for(session: Session, actor: Actor, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"incident {incident_id} does not exist")
    _instance_for(session, actor, incident.instance_id, f"incident {incident_id}")
    return incident


def _instance_for(session: Session, actor: Actor, instance_id: int, what: Optional[str] = None) -> ProcessInstance:
    """The instance, for HR of its organisation (404 for another's); operators reach all."""
    user: Optional[User] = authorise(session, actor, MANAGE_INCIDENTS)
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"{what or f'instance {instance_id}'} does not exist")
    employee = session.get(Employee, instance.subject_employee_id) if instance.subject_employee_id else None
    if user is not None and employee is None:
        raise NotFound(f"{what or f'instance {instance_id}'} does not exist")
    if employee is not None:
        require_own_organisation(user, employee.organisation_id, what or f"instance {instance_id}")
    return instance
