"""Shared fixtures: a fresh database per test (SQLite file, or PostgreSQL when
``KINERJA_TEST_DATABASE_URL`` is set), the bundled processes deployed, a small
organisation built through the public org API, its cycle, the web app and API client,
and the browser. Plain helpers and constants are in tests/support.py."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import text

from engine.actors import SYSTEM, Operator
from engine.clock import FixedClock
from engine.database import make_engine, upgrade_schema
from engine.deployment import deploy
from engine.evidence_storage import FilesystemStorage
from engine.kinerja import Kinerja
from engine.org import EmployeeSpec, add_employees, add_user, create_organisation
from tests.support import (
    BUNDLED_DEFINITIONS,
    CATALOG,
    PG_URL,
    SHORT_YEAR,
    START,
    TEST_CONFIG,
    agree_skp,
    ApiClient,
    SmallOrg,
    build_small_org,
    empty_database,
    inbox_task,
    open_cycle,
    submit_skp,
)
from web import create_app
from workflows.engine_access import share
from workflows.launcher import EmbeddedLauncher


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
def kinerja(database_url: str, clock: FixedClock, tmp_path: Path) -> Iterator[Kinerja]:
    instance = Kinerja(database_url, clock=clock, evidence_storage=FilesystemStorage(tmp_path / "evidence"),
                       documents_storage=FilesystemStorage(tmp_path / "documents"))
    instance.init_db()
    # Flows this test runs use this engine (and clock), not one left over from an earlier
    # test on the same PostgreSQL URL with another deployment cached.
    share(instance)
    yield instance
    instance.dispose()


@pytest.fixture
def deployed(kinerja: Kinerja) -> Kinerja:
    deploy(kinerja, Operator("hr"), BUNDLED_DEFINITIONS())
    return kinerja


@pytest.fixture
def org(deployed: Kinerja):  # type: ignore[no-untyped-def]
    return build_small_org(deployed)


@pytest.fixture
def cycle(org: SmallOrg, deployed: Kinerja) -> int:
    """This year's cycle, started for the four employees of the small organisation."""
    return open_cycle(deployed).cycle_id


@pytest.fixture
def team(org: SmallOrg, deployed: Kinerja) -> SmallOrg:
    """Two more nurses beside Rina and Dedi (Sari and Tono, under kapus), and a staff member
    under Rina (Andi); their ids join the organisation's."""
    added = add_employees(deployed, SYSTEM, "bungo", [
        EmployeeSpec("199205052017052005", "Sari Wulandari", "Perawat", "pkm-mb", "198002022005012002",
                     username="sari", password="rahasia-sari"),
        EmployeeSpec("199306062018061006", "Tono Prasetyo", "Perawat", "pkm-mb", "198002022005012002",
                     username="tono", password="rahasia-tono"),
        EmployeeSpec("199807072020072007", "Andi Saputra", "Pengadministrasi", "pkm-mb", "199003032015031003",
                     username="andi", password="rahasia-andi"),
    ])
    return SmallOrg({**org.employee_ids, **added}, org.cycle_employee)


@pytest.fixture
def skps_to_approve(team: SmallOrg, deployed: Kinerja) -> list[str]:
    """The cycle opened for everyone and four nurses' SKPs submitted: kapus has four SKPs
    awaiting approval. The nurses' usernames, in the order they submitted."""
    open_cycle(deployed, settings=SHORT_YEAR)
    nurses = ["rina", "dedi", "sari", "tono"]
    for username in nurses:
        submit_skp(deployed, username)
    return nurses


@pytest.fixture
def realisation_task(org: SmallOrg, cycle: int, deployed: Kinerja) -> int:
    """Rina's first open realisation task (Triwulan I), her SKP (and her supervisor's) agreed."""
    agree_skp(deployed, org.cycle_employee, cycle)
    return inbox_task(deployed, "rina", "report_realisation").id


@pytest.fixture
def other_org(org: SmallOrg, deployed: Kinerja) -> str:
    """A second organisation with its own HR administrator, ``hr-kph``."""
    create_organisation(deployed, SYSTEM, "kepahiang", "Pemerintah Kabupaten Kepahiang",
                        [("bkpsdm", "BKPSDM Kepahiang")])
    add_user(deployed, SYSTEM, "kepahiang", "hr-kph", "rahasia-hr-kph", "BKPSDM Kepahiang", roles=["hr"])
    return "kepahiang"


# --- the web app ---------------------------------------------------------------------------

@pytest.fixture(scope="session", autouse=True)
def compiled_catalog() -> None:
    """The English catalog compiled (``make translations`` does this; pytest alone may not have)."""
    po, mo = CATALOG / "messages.po", CATALOG / "messages.mo"
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source:
            catalog = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalog)


@pytest.fixture
def make_app(deployed: Kinerja) -> Callable[..., Flask]:
    """Build the web app on the test database: :data:`TEST_CONFIG`, flows run in this process,
    and the settings a test passes (``make_app(LOGIN_FAILURES_PER_ACCOUNT=3)``) on top."""
    def build(**overrides: Any) -> Flask:
        return create_app(deployed, {**TEST_CONFIG, "FLOW_LAUNCHER": EmbeddedLauncher(deployed), **overrides})
    return build


@pytest.fixture
def app(org: SmallOrg, make_app: Callable[..., Flask]) -> Flask:
    """The web app with the test settings, over the small organisation."""
    return make_app()


@pytest.fixture
def api(org: SmallOrg, make_app: Callable[..., Flask]) -> ApiClient:
    """An API client on an app with CSRF protection on, as in production: the API must not need it."""
    return ApiClient(make_app(WTF_CSRF_ENABLED=True).test_client())


# --- browser tests -------------------------------------------------------------------------

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"]


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

    app = create_app(deployed, {"SECRET_KEY": "browser-tests"})
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=10)


@pytest.fixture
def pages(browser: Any, live_server: str) -> Iterator[Callable[..., Any]]:
    """``pages("rina")``: a new browser page signed in as rina (``width=`` for other screens)."""
    from playwright.sync_api import expect

    contexts = []

    def open_as(username: str, width: int = 1200) -> Any:
        context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900},
                                      locale="id-ID")
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.get_by_test_id("login-username").fill(username)
        page.get_by_test_id("login-password").fill(f"rahasia-{username}")
        page.get_by_test_id("login-submit").click()
        expect(page.get_by_test_id("user-name")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()
