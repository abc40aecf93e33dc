"""Shared fixtures: a fresh database per test (SQLite file, or PostgreSQL when
``KINERJA_TEST_DATABASE_URL`` is set), the bundled processes deployed, and a small
organisation built through the public org API."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import text

from engine.clock import FixedClock
from engine.database import make_engine, upgrade_schema
from engine.models import Base
from engine.services import Kinerja
from tests.support import BUNDLED_DEFINITIONS, build_small_org
from workflows.engine_access import share

PG_URL = os.environ.get("KINERJA_TEST_DATABASE_URL")
START = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)


def pytest_report_header(config: pytest.Config) -> str:
    return f"kinerja test database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (temporary files)'}"


@pytest.fixture(scope="session")
def _migrated_postgres() -> Iterator[str | None]:
    if not PG_URL:
        yield None
        return
    engine = make_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade_schema(engine)
    engine.dispose()
    yield PG_URL


def empty_database(scratch_dir: Path, migrated_postgres: str | None) -> str:
    """A URL to an empty database: a new SQLite file, or the test PostgreSQL emptied."""
    if migrated_postgres is None:
        return f"sqlite:///{scratch_dir / 'kinerja.sqlite3'}"
    engine = make_engine(migrated_postgres)
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return migrated_postgres


@pytest.fixture
def database_url(tmp_path: Path, _migrated_postgres: str | None) -> str:
    return empty_database(tmp_path, _migrated_postgres)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """Prefect's test harness: a temporary Prefect database and API for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def kinerja(database_url: str, clock: FixedClock) -> Iterator[Kinerja]:
    instance = Kinerja(database_url, clock=clock)
    instance.init_db()
    # Flows this test runs use this engine (and clock), not one left over from an earlier
    # test on the same PostgreSQL URL with another deployment cached.
    share(instance)
    yield instance
    instance.dispose()


@pytest.fixture
def deployed(kinerja: Kinerja) -> Kinerja:
    kinerja.deploy(BUNDLED_DEFINITIONS(), actor="hr")
    return kinerja


@pytest.fixture
def org(deployed: Kinerja):  # type: ignore[no-untyped-def]
    return build_small_org(deployed)


# --- browser tests -------------------------------------------------------------------------

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Debian's chromium driven by Playwright (its own browser download cannot work offline)."""
    import shutil

    from playwright.sync_api import sync_playwright

    executable = os.environ.get("KINERJA_CHROMIUM") or shutil.which("chromium")
    if not executable:
        pytest.fail("chromium not found: run `make test` (it installs Debian's chromium) or set KINERJA_CHROMIUM")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def live_server(deployed: Kinerja) -> Iterator[str]:
    """The real web app served by waitress on a free loopback port."""
    import threading

    from waitress import create_server

    from web import create_app

    app = create_app(deployed, {"SECRET_KEY": "browser-tests"})
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=10)
