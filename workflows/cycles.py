"""Opening a whole organisation's evaluation year.

The employees are split into batches; each batch is a Prefect task that starts its
instances in one transaction and is retried on failure. Re-running the flow, or
retrying a batch, skips employees who already have an instance in the cycle (the
instance's business key is unique), so nobody gets two.

Each run is recorded as a ``cycle_runs`` row (queued → running → completed/failed with
its summary), which the web app shows to HR next to the live count of started instances.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from prefect import flow, task

from engine.actors import SYSTEM, Operator
from engine.cycles import (
    cycle_progress,
    cycle_run_started,
    employees_without_instance,
    finish_cycle_run,
    request_cycle_opening,
    start_cycle_instances,
)
from engine.vocabulary import DEFAULT_PROCESS

from .engine_access import kinerja_for, reason_of


@dataclass
class CycleOpening:
    cycle_id: int
    run_id: int
    started: int = 0
    skipped: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)


@task(retries=2, retry_delay_seconds=1, task_run_name="start-batch-{batch_number}")
def start_batch(database_url: Optional[str], cycle_id: int, employee_ids: list[int], actor: str, batch_number: int) -> int:
    return len(start_cycle_instances(kinerja_for(database_url), Operator(actor), cycle_id, employee_ids))


@flow(name="open-cycle", log_prints=True)
def open_cycle(database_url: Optional[str], organisation: str, year: int, process_key: str = DEFAULT_PROCESS,
               actor: str = "hr", batch_size: int = 200, settings: Optional[dict[str, Any]] = None,
               run_id: Optional[int] = None) -> dict[str, Any]:
    """Start everyone's instance; ``run_id``: a run the web app queued (else one is queued here).

    ``database_url``: None on a worker, which uses its ``KINERJA_DATABASE_URL``."""
    kinerja = kinerja_for(database_url)
    if run_id is None:
        _cycle_id, run_id = request_cycle_opening(kinerja, Operator(actor), organisation, year, process_key, settings)
    cycle_id = cycle_run_started(kinerja, SYSTEM, run_id)
    try:
        result = _start_everyone(database_url, cycle_id, run_id, actor, batch_size)
    except Exception as error:  # the run must not stay "running" when the flow itself dies
        finish_cycle_run(kinerja, SYSTEM, run_id, 0, 0, [{"employee_ids": [], "reason": reason_of(error)}])
        raise
    finish_cycle_run(kinerja, SYSTEM, run_id, result.started, result.skipped, result.failed)
    print(f"cycle {cycle_id}: {result.started} started, {result.skipped} already running, "
          f"{sum(len(f['employee_ids']) for f in result.failed)} failed")
    return asdict(result)


def _start_everyone(database_url: Optional[str], cycle_id: int, run_id: int, actor: str, batch_size: int) -> CycleOpening:
    kinerja = kinerja_for(database_url)
    pending = employees_without_instance(kinerja, Operator(actor), cycle_id)
    before = cycle_progress(kinerja, Operator(actor), cycle_id)
    result = CycleOpening(cycle_id=cycle_id, run_id=run_id, skipped=before["employees"] - len(pending))
    # Batches run one after another: SQLite has a single writer, and on PostgreSQL the
    # scale-out path runs several flows on several workers instead.
    for number, start in enumerate(range(0, len(pending), batch_size), start=1):
        batch = pending[start:start + batch_size]
        try:
            start_batch(database_url, cycle_id, batch, actor, number)
        except Exception as error:  # recorded per batch; the flow reports instead of dying
            result.failed.append({"employee_ids": batch, "reason": reason_of(error)})
    # Counted from the database: a batch that committed and then failed was retried as a no-op.
    result.started = cycle_progress(kinerja, Operator(actor), cycle_id)["started"] - before["started"]
    return result
