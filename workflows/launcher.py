"""How a request to open a cycle reaches Prefect.

- :class:`EmbeddedLauncher` (the default, one machine): the open-cycle flow runs in a
  background thread of the web process, with Prefect in its local, ephemeral mode
  (:func:`prepare_embedded_prefect`); the request answers at once.
- :class:`DeploymentLauncher` (scale-out, ``KINERJA_FLOWS=deployments``): the request
  creates a run of the deployed flow on the Prefect server, and a worker of the work
  pool picks it up (see docs/DEPLOYMENT.md).

Either way the web app only queues a ``cycle_runs`` row and hands its id to the flow.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from engine.services import Kinerja

from .engine_access import share

OPEN_CYCLE_DEPLOYMENT = "open-cycle/kinerja-open-cycle"
log = logging.getLogger(__name__)


def prepare_embedded_prefect(data_dir: Path) -> None:
    """Run Prefect embedded: its home inside the data folder, no telemetry, no server to start.

    Call before Prefect is imported; settings already in the environment win.
    """
    os.environ.setdefault("PREFECT_HOME", str((data_dir / "prefect").resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # The embedded server needs more than Prefect's default 20 s on a busy two-core machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


class FlowLauncher(Protocol):
    def open_cycle(self, parameters: dict[str, Any]) -> None:
        """Start the open-cycle flow with these parameters (those of ``workflows.cycles.open_cycle``)."""


@dataclass
class EmbeddedLauncher:
    """Runs flows in threads of this process, on this process's engine."""

    kinerja: Kinerja

    def open_cycle(self, parameters: dict[str, Any]) -> None:
        share(self.kinerja)
        threading.Thread(target=self._open_cycle, args=(parameters,), daemon=True,
                         name=f"open-cycle-run-{parameters.get('run_id')}").start()

    def _open_cycle(self, parameters: dict[str, Any]) -> None:
        from .cycles import open_cycle

        try:
            open_cycle(**parameters)
        except Exception as error:  # noqa: BLE001 - a thread has nobody to raise to; the run row says why
            log.exception("open-cycle run %s failed", parameters.get("run_id"))
            self.kinerja.finish_cycle_run(parameters["run_id"], 0, 0, [
                {"employee_ids": [], "reason": f"{type(error).__name__}: {error}"}])


@dataclass
class DeploymentLauncher:
    """Creates a run of the deployed open-cycle flow; a worker of the work pool runs it."""

    deployment: str = OPEN_CYCLE_DEPLOYMENT

    def open_cycle(self, parameters: dict[str, Any]) -> None:
        from prefect.deployments import run_deployment

        run_deployment(self.deployment, parameters=parameters, timeout=0)


def launcher_from_environment(kinerja: Kinerja) -> FlowLauncher:
    """``KINERJA_FLOWS=deployments`` sends flows to the Prefect server; anything else runs them here."""
    if os.environ.get("KINERJA_FLOWS") == "deployments":
        return DeploymentLauncher(os.environ.get("KINERJA_OPEN_CYCLE_DEPLOYMENT", OPEN_CYCLE_DEPLOYMENT))
    return EmbeddedLauncher(kinerja)


def start_timer_sweeps(kinerja: Kinerja, every_seconds: float = 60) -> threading.Event:
    """Embedded schedule: run the fire-due-timers flow every ``every_seconds`` in a daemon thread.

    Prefect's own schedules need a server with its scheduler service, which the embedded
    (ephemeral) mode does not run; each sweep is still a Prefect flow run with its retries
    and history. Set the returned event to stop. In the scale-out recipe the deployment's
    interval schedule does this instead.
    """
    from .timers import fire_due_timers

    share(kinerja)
    stop = threading.Event()

    def sweep_forever() -> None:
        while not stop.wait(every_seconds):
            try:
                fire_due_timers(kinerja.database_url)
            except Exception:  # noqa: BLE001 - one failed sweep must not end the schedule
                log.exception("timer sweep failed; the next one retries")

    threading.Thread(target=sweep_forever, name="timer-sweeps", daemon=True).start()
    return stop
