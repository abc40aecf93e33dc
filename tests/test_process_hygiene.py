"""The ``kinerja`` command as an operator runs it, as a real process in a fresh directory:
it creates its data directory when it needs one, and ``kinerja serve`` stopped by SIGTERM
(systemd, ``docker stop``) or SIGINT takes its embedded Prefect server with it."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.kinerja import Kinerja
from tests.support import PG_URL, SmallOrg, free_port, process_group, wait_until_healthy

KINERJA = str(Path(sys.executable).parent / "kinerja")


def fresh_environment(database_url: str) -> dict[str, str]:
    """This environment without Prefect settings (so the command picks its own home), on the test database."""
    return {**{name: value for name, value in os.environ.items() if not name.startswith("PREFECT_")},
            "KINERJA_DATABASE_URL": database_url, "KINERJA_SECRET_KEY": "hygiene-test"}


@pytest.mark.skipif(not PG_URL, reason="the SQLite default creates var/ for its file; PostgreSQL needs no file")
def test_cycle_open_on_postgresql_works_from_a_fresh_directory(org: SmallOrg, deployed: Kinerja,
                                                               database_url: str, tmp_path: Path) -> None:
    done = subprocess.run([KINERJA, "cycle", "open", "--org", "bungo", "--year", "2026"], cwd=tmp_path,
                          env=fresh_environment(database_url), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["failed"] == [] and summary["started"] == len(org.employee_ids), summary
    assert (tmp_path / "var" / "prefect").is_dir(), "Prefect's home is made inside the data directory"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_stopped_by_a_signal_leaves_no_process_behind(deployed: Kinerja, database_url: str, tmp_path: Path,
                                                            stop: signal.Signals) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen([KINERJA, "serve", "--port", str(port), "--sweep-every", "1"], cwd=tmp_path,
                                  env=fresh_environment(database_url), stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while len(process_group(server.pid)) < 2:  # the first sweep starts the embedded Prefect server
            assert server.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"no Prefect server started:\n{log.read_text()[-3000:]}"
            time.sleep(0.5)
        wait_until_healthy(f"http://127.0.0.1:{port}/healthz", server, log)  # the sweep may start before the web server

        server.send_signal(stop)
        server.wait(timeout=60)
        deadline = time.monotonic() + 10
        while process_group(server.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert process_group(server.pid) == set(), f"left behind:\n{log.read_text()[-3000:]}"
    finally:
        try:
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        server.wait(timeout=30)
