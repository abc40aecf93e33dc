"""Retrying many incidents in the background, a few at a time, with progress HR can follow.

The web app (or the CLI) queues an ``incident_batches`` row through
:func:`engine.incident_batches.request_batch_retry` and hands its id to this flow. Each
small batch of incidents is a Prefect task that retries them one after another
(:func:`engine.incidents.retry_incidents`: each retry its own step and audit event, in the
name of the HR user who asked); after each, the batch row counts how many were retried and
how many still fail, which the incidents page and the API show while the flow runs.

The small batches are not retried by Prefect: a retried small batch would retry again the
incidents it had already resolved. A small batch that dies (the database went away) counts
its incidents as failed with the reason, and the flow goes on with the next; HR retries
what is still open.
"""
from __future__ import annotations

from dataclasses import asdict
from typing import Any, Optional

from prefect import flow, task

from engine.actors import SYSTEM
from engine.incident_batches import finish_incident_batch, incident_batch_started, record_batch_progress
from engine.incidents import RetryOutcome, retry_incidents

from .engine_access import kinerja_for, reason_of

CHUNK_SIZE = 10  # incidents per small batch: progress moves often, and a dying batch loses little


@task(task_run_name="retry-incidents-{number}")
def retry_chunk(database_url: Optional[str], actor: str, incident_ids: list[int], number: int) -> list[RetryOutcome]:
    return retry_incidents(kinerja_for(database_url), actor, incident_ids)


@flow(name="retry-incidents", log_prints=True)
def retry_incident_batch(batch_id: int, actor: str, database_url: Optional[str] = None,
                         chunk_size: int = CHUNK_SIZE) -> dict[str, Any]:
    """Retry the batch's incidents as ``actor`` (the HR user who asked); return its final counts.

    ``database_url``: None on a worker, which uses its ``KINERJA_DATABASE_URL``."""
    kinerja = kinerja_for(database_url)
    incident_ids = incident_batch_started(kinerja, actor, batch_id)
    try:
        for number, start in enumerate(range(0, len(incident_ids), chunk_size), start=1):
            chunk = incident_ids[start:start + chunk_size]
            try:
                outcomes = retry_chunk(database_url, actor, chunk, number)
            except Exception as error:  # counted per small batch; the flow goes on
                outcomes = [RetryOutcome(incident_id, False, reason_of(error)) for incident_id in chunk]
            record_batch_progress(kinerja, actor, batch_id, outcomes)
    except Exception as error:  # the batch must not stay "running" when the flow itself dies
        finish_incident_batch(kinerja, SYSTEM, batch_id, reason_of(error))
        raise
    finished = finish_incident_batch(kinerja, actor, batch_id)
    print(f"incident batch {batch_id}: {finished.done} of {finished.total} retried, {finished.failed} still failing")
    return asdict(finished)
