"""The scale-out recipe of docs/DEPLOYMENT.md, for real: a Prefect server, a process work
pool with a worker, the flows deployed with ``kinerja flows deploy``, and ``open-cycle``
run through the worker for a generated organisation of 2 000 employees on PostgreSQL.

Runs only in the PostgreSQL pass (``make test-postgres``). Everything it starts runs in
its own process group under a temporary PREFECT_HOME and is killed at the end, whatever
happens.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import func, select

from engine.demo import generate_organisation
from engine.models import CycleRun, HumanTask, ProcessInstance
from engine.services import Kinerja
from tests.conftest import PG_URL

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not PG_URL, reason="the distributed recipe runs on PostgreSQL (make test-postgres)")]

BIN = Path(sys.executable).parent
EMPLOYEES = 2000
POOL = "kinerja-test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def background(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running process in its own session; its whole process group is ended on exit."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            yield process
        finally:
            for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
                try:
                    os.killpg(process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    process.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue


def wait_until_healthy(url: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, f"prefect server exited:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"prefect server not healthy after {timeout} s:\n{log.read_text()[-3000:]}")


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
    server_log, worker_log = tmp_path / "server.log", tmp_path / "worker.log"
    with background([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", port],
                    env, server_log) as server:
        wait_until_healthy(f"{api_url}/health", server, server_log)
        run([str(BIN / "prefect"), "work-pool", "create", POOL, "--type", "process"], env, 120)
        deployed_output = run([str(BIN / "kinerja"), "flows", "deploy", "--pool", POOL], env, 300)
        assert "fire-due-timers every 60 s" in deployed_output
        with background([str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--type", "process"],
                        env, worker_log):
            watched = subprocess.run(
                [str(BIN / "prefect"), "deployment", "run", "open-cycle/kinerja-open-cycle",
                 "--param", "organisation=bungo", "--param", "year=2026", "--param", "actor=hr-bungo",
                 "--watch", "--watch-timeout", "480"], env=env, capture_output=True, text=True, timeout=540)
            assert watched.returncode == 0, (f"{watched.stdout[-3000:]}\n{watched.stderr[-2000:]}\n"
                                             f"worker:\n{worker_log.read_text()[-5000:]}")

    with deployed.unit_of_work() as uow:
        instances, subjects = uow.session.execute(
            select(func.count(), func.count(ProcessInstance.subject_employee_id.distinct()))).one()
        first_tasks = uow.session.scalar(select(func.count()).select_from(HumanTask)
                                         .where(HumanTask.task_key == "draft_skp"))
        runs = uow.session.execute(select(CycleRun.status, CycleRun.started, CycleRun.skipped)).all()
    assert (instances, subjects, first_tasks) == (EMPLOYEES, EMPLOYEES, EMPLOYEES), "everyone exactly once"
    assert runs == [("completed", EMPLOYEES, 0)]
    assert deployed.verify_audit_chain().ok
