"""Starting organisation-wide work from a request: queue a run, hand it to Prefect, return.

The launcher comes from the app config (``FLOW_LAUNCHER``, set by whoever composes the
app); without one, ``KINERJA_FLOWS`` decides (see ``workflows.launcher``).
"""
from __future__ import annotations

from typing import Any, Optional

from flask import current_app

from . import kinerja

BATCH_SIZE = 200  # instances started per transaction


def _launcher() -> Any:
    launcher = current_app.extensions.get("flow_launcher")
    if launcher is None:
        from workflows.launcher import launcher_from_environment

        launcher = current_app.extensions["flow_launcher"] = launcher_from_environment(kinerja())
    return launcher


def open_cycle(organisation: str, year: int, process_key: str, actor: str,
               settings: Optional[dict[str, Any]] = None) -> int:
    """Queue the opening of a cycle and start the flow that does it; return the cycle id."""
    engine = kinerja()
    cycle_id, run_id = engine.request_cycle_opening(organisation, year, process_key, actor, settings)
    _launcher().open_cycle({"database_url": engine.database_url, "organisation": organisation, "year": year,
                            "process_key": process_key, "actor": actor, "batch_size": BATCH_SIZE,
                            "settings": settings, "run_id": run_id})
    return cycle_id


def request_report(cycle_id: int, actor: str) -> None:
    """Start the predikat-report flow for a cycle; the report appears on the cycle page when done."""
    _launcher().report({"cycle_id": cycle_id, "actor": actor, "database_url": kinerja().database_url})
