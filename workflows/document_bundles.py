"""Building a cycle's document ZIP in the background, a batch of documents per task, with
progress HR follows on the cycle page.

The web app (or the API) queues a ``document_bundles`` row through
:func:`engine.document_bundles.request_document_bundle` and hands its id to this flow. Each
batch is a Prefect task that renders its documents through the same use cases as a single
download, then counts them on the row; a batch already counted is skipped, so Prefect's
retry of a batch that died after its commit renders nothing twice (and one that died before
reads back from the document storage what it had rendered). Then the ZIP is written.
"""
from __future__ import annotations

from typing import Any, Optional

from prefect import flow, task

from engine.actors import SYSTEM
from engine.document_bundles import BATCH_SIZE, bundle_started, finish_bundle, render_bundle_batch

from .engine_access import kinerja_for, reason_of


@task(retries=2, retry_delay_seconds=1, task_run_name="documents-{number}")
def render_batch(database_url: Optional[str], bundle_id: int, actor: str, number: int, batch_size: int) -> int:
    return render_bundle_batch(kinerja_for(database_url), actor, bundle_id, number, batch_size)


@flow(name="document-bundle", log_prints=True)
def document_bundle(bundle_id: int, actor: str, database_url: Optional[str] = None,
                    batch_size: int = BATCH_SIZE) -> dict[str, Any]:
    """Render every document of the bundle as ``actor`` (the HR user who asked), then write the ZIP.

    ``database_url``: None on a worker, which uses its ``KINERJA_DATABASE_URL``."""
    kinerja = kinerja_for(database_url)
    try:
        total = bundle_started(kinerja, actor, bundle_id)
        for number in range(-(-total // batch_size)):
            render_batch(database_url, bundle_id, actor, number, batch_size)
        finished = finish_bundle(kinerja, actor, bundle_id)
    except Exception as error:  # the bundle must not stay "running" when the flow dies
        finish_bundle(kinerja, SYSTEM, bundle_id, reason_of(error))
        raise
    print(f"document bundle {bundle_id}: {finished.done} of {finished.total} documents "
          f"({finished.reused} reused, {finished.failed} failed), {finished.zip_size} bytes")
    return {"bundle_id": bundle_id, "status": finished.status, "total": finished.total, "done": finished.done,
            "failed": finished.failed, "reused": finished.reused, "zip_sha256": finished.zip_sha256}
