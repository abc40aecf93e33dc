"""The timer sweep as a Prefect flow, so each sweep is a visible, retried run.

Safe to run on several workers at once: the engine fires each due timer once (rows held
by another sweeper are skipped on PostgreSQL; SQLite has a single writer).
"""
from __future__ import annotations

from typing import Optional

from prefect import flow

from engine import timers

from .engine_access import kinerja_for


@flow(name="fire-due-timers", retries=1, retry_delay_seconds=5)
def fire_due_timers(database_url: Optional[str] = None, limit: int = 1000) -> dict[str, int]:
    sweep = timers.fire_due_timers(kinerja_for(database_url), limit)
    return {"fired": sweep.fired, "conflicts": sweep.conflicts, "failed": sweep.failed}
