"""Retrying many incidents at once, in the background (HR), and following how far it got.

Retrying hundreds of incidents takes longer than a request may: HR asks
(:func:`request_batch_retry`, which authorises, checks that every incident is one of the
organisation's, and queues an ``incident_batches`` row), and the retry-incidents flow
(``workflows/incidents.py``) carries it out a few incidents at a time with
:func:`engine.incidents.retry_incidents` — each retry its own step and audit event, in the
name of the HR user who asked — recording after each few how many were retried and how many
still fail (:func:`record_batch_progress`). The incidents page and the API show those
counters while it runs. A retry that fails is counted, never fatal: its incident stays open
with one more attempt, and the batch goes on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import authorise, require_own_organisation
from .actors import Actor, actor_name
from .errors import NotFound, ValidationFailed
from .incident_tables import Incident, IncidentBatch
from .incidents import MAX_BATCH, RetryOutcome
from .kinerja import Kinerja
from .models import Employee, ProcessInstance
from .permissions import MANAGE_INCIDENTS

MAX_FAILURE_MESSAGE = 500  # a failure's message as kept in the batch (the incident keeps it whole)


@dataclass(frozen=True)
class BatchView:
    id: int
    status: str
    requested_by: str
    requested_at: datetime
    finished_at: Optional[datetime]
    total: int
    done: int  # retried so far
    failed: int  # of those, still failing (or refused)
    failures: list[dict[str, Any]]  # {"incident_id", "message"}


def request_batch_retry(kinerja: Kinerja, actor: Actor, incident_ids: Iterable[int]) -> BatchView:
    """Queue a background retry of these incidents (at most :data:`MAX_BATCH`); the caller then
    starts the retry-incidents flow with the batch's id. Another organisation's incident, or
    one that does not exist, refuses the whole request (404) before anything is queued."""
    wanted = list(dict.fromkeys(incident_ids))
    if not wanted or len(wanted) > MAX_BATCH:
        raise ValidationFailed(f"a batch retries 1 to {MAX_BATCH} incidents; split a larger one",
                               details=[{"field": "incident_ids", "message": f"1 to {MAX_BATCH} incidents"}])
    with kinerja.unit_of_work() as uow:
        user = authorise(uow.session, actor, MANAGE_INCIDENTS)
        owners = dict(uow.session.execute(
            select(Incident.id, Employee.organisation_id)
            .join(ProcessInstance, ProcessInstance.id == Incident.instance_id)
            .outerjoin(Employee, Employee.id == ProcessInstance.subject_employee_id)
            .where(Incident.id.in_(wanted))).all())
        for incident_id in wanted:
            if incident_id not in owners or (user is not None and owners[incident_id] is None):
                raise NotFound(f"incident {incident_id} does not exist")
            require_own_organisation(user, owners[incident_id], f"incident {incident_id}")
        batch = IncidentBatch(organisation_id=user.organisation_id if user else None, requested_by=actor_name(actor),
                              requested_at=uow.clock.now(), status="queued", incident_ids=wanted, total=len(wanted),
                              done=0, failed=0, failures=[])
        uow.session.add(batch)
        uow.flush()
        uow.record(actor_name(actor), "incident.batch_retry_requested",
                   {"batch_id": batch.id, "incident_ids": wanted})
        uow.commit()
        return _view(batch)


def incident_batch_started(kinerja: Kinerja, actor: Actor, batch_id: int) -> list[int]:
    """Mark a queued batch as running; the incidents it retries, in the order asked."""
    with kinerja.unit_of_work() as uow:
        batch = _batch_for(uow.session, actor, batch_id)
        batch.status = "running"
        uow.commit()
        return list(batch.incident_ids)


def record_batch_progress(kinerja: Kinerja, actor: Actor, batch_id: int, outcomes: Iterable[RetryOutcome]) -> None:
    """Count a few more retries as done, and those still failing as failed, with their messages."""
    counted = list(outcomes)
    with kinerja.unit_of_work() as uow:
        batch = _batch_for(uow.session, actor, batch_id)
        failures = [{"incident_id": outcome.incident_id, "message": outcome.message[:MAX_FAILURE_MESSAGE]}
                    for outcome in counted if not outcome.resolved]
        batch.done += len(counted)
        batch.failed += len(failures)
        batch.failures = [*batch.failures, *failures]  # a new list: JSON columns see assignments only
        uow.commit()


def finish_incident_batch(kinerja: Kinerja, actor: Actor, batch_id: int, error: Optional[str] = None) -> BatchView:
    """End a batch: completed (whatever its retries' outcomes), or failed with ``error`` when the
    run itself died. Idempotent: the first account of how a batch ended stands."""
    with kinerja.unit_of_work() as uow:
        batch = _batch_for(uow.session, actor, batch_id)
        if batch.finished_at is not None:
            return _view(batch)
        batch.status, batch.finished_at = ("failed" if error else "completed"), uow.clock.now()
        if error:
            batch.failures = [*batch.failures, {"incident_id": None, "message": error[:MAX_FAILURE_MESSAGE]}]
        uow.record("system", "incident.batch_retry_finished",
                   {"batch_id": batch.id, "status": batch.status, "total": batch.total, "done": batch.done,
                    "failed": batch.failed, **({"error": error} if error else {})})
        uow.commit()
        return _view(batch)


def incident_batch(kinerja: Kinerja, actor: Actor, batch_id: int) -> BatchView:
    """One batch and its progress (another organisation's does not exist)."""
    with kinerja.reading() as uow:
        return _view(_batch_for(uow.session, actor, batch_id))


def recent_batches(kinerja: Kinerja, actor: Actor, limit: int = 3) -> list[BatchView]:
    """The organisation's latest batches, newest first (an operator sees every one)."""
    with kinerja.reading() as uow:
        user = authorise(uow.session, actor, MANAGE_INCIDENTS)
        query = select(IncidentBatch)
        if user is not None:
            query = query.where(IncidentBatch.organisation_id == user.organisation_id)
        return [_view(batch) for batch in uow.session.scalars(query.order_by(IncidentBatch.id.desc()).limit(limit))]


def _batch_for(session: Session, actor: Actor, batch_id: int) -> IncidentBatch:
    user = authorise(session, actor, MANAGE_INCIDENTS)
    batch = session.get(IncidentBatch, batch_id)
    if batch is None or (user is not None and batch.organisation_id is None):
        raise NotFound(f"incident batch {batch_id} does not exist")
    if batch.organisation_id is not None:
        require_own_organisation(user, batch.organisation_id, f"incident batch {batch_id}")
    return batch


def _view(batch: IncidentBatch) -> BatchView:
    return BatchView(batch.id, batch.status, batch.requested_by, batch.requested_at, batch.finished_at, batch.total,
                     batch.done, batch.failed, list(batch.failures or []))
