"""Importing a large employee file in the background.

The web request stages the file and starts the import (the use case checks HR's
permission and fixes the rows to write); this flow writes them batch by batch, each a
Prefect task in one transaction, retried on failure. A batch the run already counted is
skipped, so a retry after a commit writes nothing twice; the import page reads the run's
``processed`` count while the flow runs, as the cycle page does for an opening.
"""
from __future__ import annotations

from typing import Any, Optional

from prefect import flow, task

from engine.actors import Operator
from engine.errors import KinerjaError
from engine.org_import_runs import BATCH_SIZE, batches_of, finish_import, import_batch, import_run_info

from .engine_access import kinerja_for


@task(retries=2, retry_delay_seconds=1, task_run_name="import-batch-{number}")
def write_import_batch(database_url: Optional[str], run_id: int, actor: str, number: int, batch_size: int) -> int:
    return import_batch(kinerja_for(database_url), Operator(actor), run_id, number, batch_size)


@flow(name="org-import", log_prints=True)
def org_import(database_url: Optional[str], run_id: int, actor: str = "hr",
               batch_size: int = BATCH_SIZE) -> dict[str, Any]:
    """Write every batch of a started import, then close the run with its counts.

    ``database_url``: None on a worker, which uses its ``KINERJA_DATABASE_URL``."""
    kinerja = kinerja_for(database_url)
    operator = Operator(actor)
    try:
        for number in range(batches_of(kinerja, operator, run_id, batch_size)):
            write_import_batch(database_url, run_id, actor, number, batch_size)
    except Exception as error:  # the run must not stay "running" when a batch gives up
        finish_import(kinerja, operator, run_id,
                      error.message if isinstance(error, KinerjaError) else f"{type(error).__name__}: {error}")
        raise
    finish_import(kinerja, operator, run_id)
    info = import_run_info(kinerja, operator, run_id)
    print(f"import {run_id}: {info['counts']}")
    return info
