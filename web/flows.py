"""Starting organisation-wide work from a request: the use case authorises and records the
request, then the launcher hands the work to Prefect, and the request returns.

The launcher comes from the app config (``FLOW_LAUNCHER``, set by whoever composes the
app); without one, ``KINERJA_FLOWS`` decides (see ``workflows.launcher``).
"""
from __future__ import annotations

from typing import Any, Optional

from flask import current_app

from engine.cycles import request_cycle_opening
from engine.document_bundles import BundleView, request_document_bundle
from engine.incident_batches import BatchView, request_batch_retry
from engine.org_import_runs import start_import
from engine.reports import request_report as record_report_request

from .engine_access import kinerja

BATCH_SIZE = 200  # instances started per transaction


def _launcher() -> Any:
    launcher = current_app.extensions.get("flow_launcher")
    if launcher is None:
        from workflows.launcher import launcher_from_environment

        launcher = current_app.extensions["flow_launcher"] = launcher_from_environment(kinerja())
    return launcher


def open_cycle(organisation: str, year: int, process_key: str, username: str,
               settings: Optional[dict[str, Any]] = None) -> int:
    """Queue the opening of a cycle and start the flow that does it; return the cycle id."""
    engine = kinerja()
    cycle_id, run_id = request_cycle_opening(engine, username, organisation, year, process_key, settings)
    _launcher().open_cycle({"database_url": engine.database_url, "organisation": organisation, "year": year,
                            "process_key": process_key, "actor": username, "batch_size": BATCH_SIZE,
                            "settings": settings, "run_id": run_id})
    return cycle_id


def request_report(cycle_id: int, username: str) -> None:
    """Record the request (HR of the cycle's organisation) and start the predikat-report flow;
    the report appears on the cycle page when done."""
    record_report_request(kinerja(), username, cycle_id)
    _launcher().report({"cycle_id": cycle_id, "actor": username, "database_url": kinerja().database_url})


def retry_incidents(incident_ids: list[int], username: str) -> BatchView:
    """Queue a background retry of these incidents (HR of their organisation) and start the
    retry-incidents flow; the batch's progress shows on the incidents page and in the API."""
    batch = request_batch_retry(kinerja(), username, incident_ids)
    _launcher().retry_incidents({"batch_id": batch.id, "actor": username, "database_url": kinerja().database_url})
    return batch


def import_organisation(run_id: int, username: str) -> None:
    """Start a staged employee import (the use case checks the user may) and hand its batches
    to the org-import flow; the import page follows the run's progress."""
    start_import(kinerja(), username, run_id)
    _launcher().org_import({"database_url": kinerja().database_url, "run_id": run_id, "actor": username})


def request_documents(cycle_id: int, unit_id: Optional[int], username: str, verify_base: str) -> BundleView:
    """Queue a ZIP of the cycle's documents (HR of its organisation; ``unit_id``: one unit's
    employees) and start the document-bundle flow; the cycle page and the API follow it."""
    bundle = request_document_bundle(kinerja(), username, cycle_id, unit_id, verify_base)
    _launcher().document_bundle({"bundle_id": bundle.id, "actor": username, "database_url": kinerja().database_url})
    return bundle
