"""The scale-out path: the flows as Prefect deployments on a work pool, the sweep scheduled.

``kinerja flows deploy --pool kinerja`` registers, on the Prefect server that
``PREFECT_API_URL`` points to:

- ``open-cycle/kinerja-open-cycle``: started by the web app (``KINERJA_FLOWS=deployments``)
  or by hand, run by any worker of the pool;
- ``fire-due-timers/kinerja-fire-due-timers``: on an interval schedule (every minute by
  default); several workers may run sweeps at once, each due timer fires once;
- ``deliver-notifications/kinerja-deliver-notifications``: on the same interval; queues
  due-soon/overdue reminders and emails the outbox (workers read ``KINERJA_SMTP_*``);
- ``predikat-report/kinerja-predikat-report``: started when HR asks for a report;
- ``retry-incidents/kinerja-retry-incidents``: started when HR retries incidents in a batch.
- ``org-import/kinerja-org-import``: started when HR imports a large employee file;
- ``document-bundle/kinerja-document-bundle``: started when HR downloads all documents of a cycle.

The code is taken from this checkout (a local path), so every worker host needs the same
checkout at the same path and the project installed (see docs/DEPLOYMENT.md). No
deployment carries the database URL: workers read ``KINERJA_DATABASE_URL``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
OPEN_CYCLE = "kinerja-open-cycle"
FIRE_DUE_TIMERS = "kinerja-fire-due-timers"
DELIVER_NOTIFICATIONS = "kinerja-deliver-notifications"
REPORT = "kinerja-predikat-report"
RETRY_INCIDENTS = "kinerja-retry-incidents"
ORG_IMPORT = "kinerja-org-import"
DOCUMENT_BUNDLE = "kinerja-document-bundle"


@dataclass(frozen=True)
class DeployedFlows:
    open_cycle: str  # deployment ids
    fire_due_timers: str
    deliver_notifications: str
    report: str
    retry_incidents: str
    org_import: str
    document_bundle: str


def deploy_flows(work_pool: str, timer_interval: timedelta = timedelta(minutes=1),
                 source: Path = PROJECT_ROOT) -> DeployedFlows:
    """Create or update the deployments on the server of ``PREFECT_API_URL``."""
    from prefect import flow

    def deploy(entrypoint: str, name: str, **options: object) -> str:
        loaded = flow.from_source(source=str(source), entrypoint=entrypoint)
        return str(loaded.deploy(name=name, work_pool_name=work_pool, build=False, push=False,
                                 print_next_steps=False, **options))

    return DeployedFlows(
        open_cycle=deploy("workflows/cycles.py:open_cycle", OPEN_CYCLE,
                          parameters={"database_url": None}),
        fire_due_timers=deploy("workflows/timers.py:fire_due_timers", FIRE_DUE_TIMERS,
                               interval=timer_interval, parameters={"database_url": None}),
        deliver_notifications=deploy("workflows/notifications.py:deliver_notifications", DELIVER_NOTIFICATIONS,
                                     interval=timer_interval, parameters={"database_url": None}),
        report=deploy("workflows/reports.py:predikat_report", REPORT, parameters={"database_url": None}),
        retry_incidents=deploy("workflows/incidents.py:retry_incident_batch", RETRY_INCIDENTS,
                               parameters={"database_url": None}),
        org_import=deploy("workflows/org_import.py:org_import", ORG_IMPORT, parameters={"database_url": None}),
        document_bundle=deploy("workflows/document_bundles.py:document_bundle", DOCUMENT_BUNDLE,
                               parameters={"database_url": None}))
