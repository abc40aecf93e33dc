"""Opening a whole organisation's evaluation year.

The employees are split into batches; each batch is a Prefect task that starts its
instances in one transaction and is retried on failure. Re-running the flow, or
retrying a batch, skips employees who already have an instance in the cycle (the
instance's business key is unique), so nobody gets two.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from prefect import flow, task

from engine.errors import KinerjaError

from .engine_access import kinerja_for


@dataclass
class CycleOpening:
    cycle_id: int
    started: int = 0
    skipped: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)


@task(retries=2, retry_delay_seconds=1, task_run_name="start-batch-{batch_number}")
def start_batch(database_url: str, cycle_id: int, employee_ids: list[int], actor: str, batch_number: int) -> int:
    return len(kinerja_for(database_url).start_cycle_instances(cycle_id, employee_ids, actor))


@flow(name="open-cycle", log_prints=True)
def open_cycle(database_url: str, organisation: str, year: int, process_key: str = "evaluation_cycle",
               actor: str = "hr", batch_size: int = 200, settings: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    kinerja = kinerja_for(database_url)
    cycle_id = kinerja.ensure_cycle(organisation, year, process_key, actor, settings)
    pending = kinerja.employees_without_instance(cycle_id)
    before = kinerja.cycle_progress(cycle_id)
    result = CycleOpening(cycle_id=cycle_id, skipped=before["employees"] - len(pending))
    # Batches run one after another: SQLite has a single writer, and on PostgreSQL the
    # scale-out path runs several flows on several workers instead.
    for number, start in enumerate(range(0, len(pending), batch_size), start=1):
        batch = pending[start:start + batch_size]
        try:
            start_batch(database_url, cycle_id, batch, actor, number)
        except Exception as error:  # recorded per batch; the flow reports instead of dying
            reason = error.message if isinstance(error, KinerjaError) else f"{type(error).__name__}: {error}"
            result.failed.append({"employee_ids": batch, "reason": reason})
    # Counted from the database: a batch that committed and then failed was retried as a no-op.
    result.started = kinerja.cycle_progress(cycle_id)["started"] - before["started"]
    print(f"cycle {cycle_id}: {result.started} started, {result.skipped} already running, "
          f"{sum(len(f['employee_ids']) for f in result.failed)} failed")
    return asdict(result)
