"""How a request to open a cycle reaches Prefect.

- :class:`EmbeddedLauncher` (the default, one machine): the open-cycle flow runs in a
  background thread of the web process, with Prefect in its local, ephemeral mode
  (:func:`prepare_embedded_prefect`); the request answers at once.
- :class:`DeploymentLauncher` (scale-out, ``KINERJA_FLOWS=deployments``): the request
  creates a run of the deployed flow on the Prefect server, and a worker of the work
  pool picks it up (see docs/DEPLOYMENT.md).

Either way the web app only queues a row (``cycle_runs``, ``incident_batches``, ``document_bundles``) and hands
its id to the flow.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from engine.actors import SYSTEM, Operator
from engine.cycles import finish_cycle_run
from engine.document_bundles import finish_bundle
from engine.incident_batches import finish_incident_batch
from engine.kinerja import Kinerja
from engine.org_import_runs import finish_import

from .engine_access import share

OPEN_CYCLE_DEPLOYMENT = "open-cycle/kinerja-open-cycle"
REPORT_DEPLOYMENT = "predikat-report/kinerja-predikat-report"
RETRY_INCIDENTS_DEPLOYMENT = "retry-incidents/kinerja-retry-incidents"
ORG_IMPORT_DEPLOYMENT = "org-import/kinerja-org-import"
DOCUMENT_BUNDLE_DEPLOYMENT = "document-bundle/kinerja-document-bundle"
log = logging.getLogger(__name__)


def prepare_embedded_prefect(data_dir: Path) -> None:
    """Run Prefect embedded: its home inside the data folder, no telemetry, no server to start.

    Call before Prefect is imported; settings already in the environment win. The home is
    created here, parents included: Prefect makes only its last level, and its embedded
    server, which keeps its database there, then never answers ("Timed out while attempting
    to connect to ephemeral Prefect API server" after minutes, e.g. on PostgreSQL in a fresh
    directory, where no SQLite file has made ``var/`` before).
    """
    os.environ.setdefault("PREFECT_HOME", str((data_dir / "prefect").resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # The embedded server needs more than Prefect's default 20 s on a busy two-core machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)


_api_lock = threading.Lock()
_api_ready = False


def _prefect_api_ready() -> None:
    """Reach Prefect's API once (in embedded mode this boots the ephemeral server) before a flow runs.

    Prefect marks its ephemeral server as running before it answers, so flows started
    from other threads meanwhile fail with "Failed to reach API" (seen with the first
    cycle opening racing the first timer sweep); the first caller boots it, the others
    wait here.
    """
    global _api_ready
    with _api_lock:
        if not _api_ready:
            from prefect.client.orchestration import get_client

            with get_client(sync_client=True) as client:  # boots the ephemeral server and waits for it
                error = client.api_healthcheck()
            if error is not None:
                raise error
            _api_ready = True


class FlowLauncher(Protocol):
    def open_cycle(self, parameters: dict[str, Any]) -> None:
        """Start the open-cycle flow with these parameters (those of ``workflows.cycles.open_cycle``)."""

    def report(self, parameters: dict[str, Any]) -> None:
        """Start the predikat-report flow (parameters of ``workflows.reports.predikat_report``)."""

    def retry_incidents(self, parameters: dict[str, Any]) -> None:
        """Start the retry-incidents flow (parameters of ``workflows.incidents.retry_incident_batch``)."""

    def org_import(self, parameters: dict[str, Any]) -> None:
        """Run a started employee import's batches (parameters of ``workflows.org_import.org_import``)."""

    def document_bundle(self, parameters: dict[str, Any]) -> None:
        """Build a queued document ZIP (parameters of ``workflows.document_bundles.document_bundle``)."""


@dataclass
class EmbeddedLauncher:
    """Runs flows in threads of this process, on this process's engine."""

    kinerja: Kinerja

    def open_cycle(self, parameters: dict[str, Any]) -> None:
        from .cycles import open_cycle

        def record_failure(reason: str) -> None:  # the run row must not stay queued
            finish_cycle_run(self.kinerja, SYSTEM, parameters["run_id"], 0, 0, [{"employee_ids": [], "reason": reason}])

        self._in_thread(open_cycle, parameters, record_failure)

    def report(self, parameters: dict[str, Any]) -> None:
        from .reports import predikat_report

        self._in_thread(predikat_report, parameters, lambda reason: None)

    def retry_incidents(self, parameters: dict[str, Any]) -> None:
        from .incidents import retry_incident_batch

        def record_failure(reason: str) -> None:  # the batch row must not stay queued
            finish_incident_batch(self.kinerja, SYSTEM, parameters["batch_id"], reason)

        self._in_thread(retry_incident_batch, parameters, record_failure)

    def org_import(self, parameters: dict[str, Any]) -> None:
        from .org_import import org_import

        def record_failure(reason: str) -> None:  # the run must not stay "running"
            finish_import(self.kinerja, Operator(parameters["actor"]), parameters["run_id"], reason)

        self._in_thread(org_import, parameters, record_failure)

    def document_bundle(self, parameters: dict[str, Any]) -> None:
        from .document_bundles import document_bundle

        def record_failure(reason: str) -> None:  # the bundle must not stay queued
            finish_bundle(self.kinerja, SYSTEM, parameters["bundle_id"], reason)

        self._in_thread(document_bundle, parameters, record_failure)

    def _in_thread(self, flow: Callable[..., Any], parameters: dict[str, Any],
                   on_failure: Callable[[str], None]) -> None:
        share(self.kinerja)

        def run() -> None:
            try:
                _prefect_api_ready()
                flow(**parameters)
            except Exception as error:  # noqa: BLE001 - a thread has nobody to raise to
                log.exception("flow %s failed", flow.__name__)
                on_failure(f"{type(error).__name__}: {error}")

        threading.Thread(target=run, daemon=True, name=f"flow-{flow.__name__}").start()


@dataclass
class DeploymentLauncher:
    """Creates runs of the deployed flows; a worker of the work pool runs them."""

    open_cycle_deployment: str = OPEN_CYCLE_DEPLOYMENT
    report_deployment: str = REPORT_DEPLOYMENT
    retry_incidents_deployment: str = RETRY_INCIDENTS_DEPLOYMENT
    org_import_deployment: str = ORG_IMPORT_DEPLOYMENT
    document_bundle_deployment: str = DOCUMENT_BUNDLE_DEPLOYMENT

    def open_cycle(self, parameters: dict[str, Any]) -> None:
        self._run(self.open_cycle_deployment, parameters)

    def report(self, parameters: dict[str, Any]) -> None:
        self._run(self.report_deployment, parameters)

    def retry_incidents(self, parameters: dict[str, Any]) -> None:
        self._run(self.retry_incidents_deployment, parameters)

    def org_import(self, parameters: dict[str, Any]) -> None:
        self._run(self.org_import_deployment, parameters)

    def document_bundle(self, parameters: dict[str, Any]) -> None:
        self._run(self.document_bundle_deployment, parameters)

    def _run(self, deployment: str, parameters: dict[str, Any]) -> None:
        from prefect.deployments import run_deployment

        # The worker has its own KINERJA_DATABASE_URL; the URL (and its password) stays off the server.
        run_deployment(deployment, parameters={**parameters, "database_url": None}, timeout=0)


def launcher_from_environment(kinerja: Kinerja) -> FlowLauncher:
    """``KINERJA_FLOWS=deployments`` sends flows to the Prefect server; anything else runs them here."""
    if os.environ.get("KINERJA_FLOWS") == "deployments":
        return DeploymentLauncher()
    return EmbeddedLauncher(kinerja)


def start_sweeps(kinerja: Kinerja, every_seconds: float = 60) -> threading.Event:
    """Embedded schedule: run the fire-due-timers and deliver-notifications flows every
    ``every_seconds`` in a daemon thread.

    Prefect's own schedules need a server with its scheduler service, which the embedded
    (ephemeral) mode does not run; each sweep is still a Prefect flow run with its retries
    and history. Set the returned event to stop. In the scale-out recipe the deployments'
    interval schedules do this instead.
    """
    from .notifications import deliver_notifications
    from .timers import fire_due_timers

    share(kinerja)
    stop = threading.Event()

    def sweep_forever() -> None:
        while not stop.wait(every_seconds):
            for sweep in (fire_due_timers, deliver_notifications):
                try:
                    _prefect_api_ready()
                    sweep(kinerja.database_url)
                except Exception:  # noqa: BLE001 - one failed sweep must not end the schedule
                    log.exception("%s failed; the next sweep retries", sweep.name)

    threading.Thread(target=sweep_forever, name="sweeps", daemon=True).start()
    return stop
