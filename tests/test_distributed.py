"""The scale-out recipe of docs/DEPLOYMENT.md, for real: a Prefect server, a process work
pool with a worker, the flows deployed with ``kinerja flows deploy``, two gunicorn web
processes with ``KINERJA_FLOWS=deployments``; HR opens the cycle through the REST API and
the ``open-cycle`` run goes through the worker, for a generated organisation of 2 000
employees on PostgreSQL.

Runs only in the PostgreSQL pass (``make test-postgres``). Everything it starts runs in
its own process group under a temporary PREFECT_HOME and is killed at the end, whatever
happens.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.actors import Operator
from engine.audit_verification import verify_audit_chain
from engine.demo import generate_organisation
from engine.kinerja import Kinerja
from engine.models import CycleRun, HumanTask, ProcessInstance
from tests.support import PG_URL, background, free_port, http, wait_until_healthy

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not PG_URL, reason="the distributed recipe runs on PostgreSQL (make test-postgres)")]

BIN = Path(sys.executable).parent
EMPLOYEES = 2000
POOL = "kinerja-test"


def call(base: str, method: str, path: str, body: Any = None, token: str = "") -> Any:
    """A JSON request to the web app, as an API client makes it; its answer must be a success."""
    status, answer, _headers = http(method, base + path, body, {"Authorization": f"Bearer {token}"} if token else {})
    assert 200 <= status < 300, (status, answer)
    return answer


def run(command: list[str], env: dict[str, str], timeout: float) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def test_open_cycle_runs_through_a_prefect_server_and_worker(deployed: Kinerja, database_url: str,
                                                             tmp_path: Path) -> None:
    generate_organisation(deployed, "bungo", "Pemerintah Kabupaten Bungo", EMPLOYEES, "rahasia")
    api_url = f"http://127.0.0.1:{free_port()}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": api_url,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false",
           "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}",
           "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_LOGGING_LEVEL": "INFO",
           "KINERJA_DATABASE_URL": database_url}
    port = api_url.rsplit(":", 1)[1].split("/")[0]
    web_port = free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    web_env = {**env, "KINERJA_FLOWS": "deployments", "KINERJA_SECRET_KEY": "distributed-test"}
    server_log, worker_log, web_log = tmp_path / "server.log", tmp_path / "worker.log", tmp_path / "web.log"
    with background([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", port],
                    env, server_log) as server:
        wait_until_healthy(f"{api_url}/health", server, server_log)
        run([str(BIN / "prefect"), "work-pool", "create", POOL, "--type", "process"], env, 120)
        deployed_output = run([str(BIN / "kinerja"), "flows", "deploy", "--pool", POOL], env, 300)
        assert "fire-due-timers every 60 s" in deployed_output
        assert "deliver-notifications every 60 s" in deployed_output
        for scheduled in ("fire-due-timers/kinerja-fire-due-timers",
                          "deliver-notifications/kinerja-deliver-notifications"):
            sweeps = json.loads(run([str(BIN / "prefect"), "deployment", "inspect", scheduled,
                                     "--output", "json"], env, 60))
            (schedule,) = sweeps["schedules"]
            assert schedule["active"] and schedule["schedule"]["interval"] in (60, "PT60S", "PT1M"), schedule
        with background([str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--type", "process"],
                        env, worker_log), \
                background([str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{web_port}",
                            "kinerja_cli.wsgi:app"], web_env, web_log) as web:
            wait_until_healthy(f"{web_url}/readyz", web, web_log)  # ready: database reachable, migrated, writable
            token = call(web_url, "POST", "/api/v1/auth/token",
                         {"username": "hr-bungo", "password": "rahasia"})["access_token"]
            accepted = call(web_url, "POST", "/api/v1/cycles", {"org": "bungo", "year": 2026}, token)
            deadline = time.monotonic() + 480
            while time.monotonic() < deadline:
                cycle = call(web_url, "GET", f"/api/v1/cycles/{accepted['id']}", token=token)
                if cycle["latest_run"]["finished_at"]:
                    break
                time.sleep(2)
            else:
                raise AssertionError(f"the run did not finish: {cycle}\nworker:\n{worker_log.read_text()[-5000:]}")
    assert cycle["progress"] == {"employees": EMPLOYEES, "started": EMPLOYEES, "completed": 0}, cycle

    with deployed.unit_of_work() as uow:
        instances, subjects = uow.session.execute(
            select(func.count(), func.count(ProcessInstance.subject_employee_id.distinct()))).one()
        first_tasks = uow.session.scalar(select(func.count()).select_from(HumanTask)
                                         .where(HumanTask.task_key == "draft_skp"))
        runs = uow.session.execute(select(CycleRun.status, CycleRun.started, CycleRun.skipped)).all()
    assert (instances, subjects, first_tasks) == (EMPLOYEES, EMPLOYEES, EMPLOYEES), "everyone exactly once"
    assert runs == [("completed", EMPLOYEES, 0)]
    assert verify_audit_chain(deployed, Operator('test')).ok
