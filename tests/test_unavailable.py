"""When the database cannot serve a request (held locked by a writer, read-only, unreachable),
people get an honest 503 with ``Retry-After`` in their language, never a 500, and nothing is
half-written; reads on SQLite never wait for a writer; ``/readyz`` says whether this process
can take traffic while ``/healthz`` only says it is alive."""
from __future__ import annotations

import socket
import sqlite3
from typing import Any, Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import event

from engine.actors import Operator
from engine.audit_verification import verify_audit_chain
from engine.clock import FixedClock
from engine.kinerja import Kinerja
from tests.support import (BASE, PG_URL, SKP, TEST_CONFIG, ApiClient, SmallOrg, error_of, inbox_task, login, skp_answer,
                           text)
from web import create_app
from web.auth import issue_token

only_on_sqlite = pytest.mark.skipif(bool(PG_URL), reason="the write lock of another connection is SQLite's")


@pytest.fixture
def impatient(database_url: str, clock: FixedClock, deployed: Kinerja,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Kinerja]:
    """A second engine on the test database whose writers wait 200 ms for the write lock."""
    monkeypatch.setenv("KINERJA_SQLITE_BUSY_TIMEOUT_MS", "200")
    engine = Kinerja(database_url, clock=clock)
    yield engine
    engine.dispose()


def sqlite_path(database_url: str) -> str:
    return database_url.removeprefix("sqlite:///")


def read_only(kinerja: Kinerja) -> Kinerja:
    """Every new connection of ``kinerja`` refuses writes, as on a read-only volume or a standby."""
    pragma = ("PRAGMA query_only = ON" if kinerja.db.dialect.name == "sqlite"
              else "SET default_transaction_read_only = on")

    @event.listens_for(kinerja.db, "connect")
    def _refuse_writes(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(pragma)
        cursor.close()
        dbapi_connection.commit()  # PostgreSQL undoes a SET whose transaction rolls back

    kinerja.db.dispose()  # connections opened before are writable: start afresh
    return kinerja


def assert_unavailable_page(response: Any) -> str:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    assert text(page, "error").strip() and 'data-status="503"' in page
    return page


def assert_unavailable_json(response: Any) -> dict[str, Any]:
    error = error_of(response, 503, "unavailable")
    assert int(response.headers["Retry-After"]) > 0
    return error


@only_on_sqlite
def test_a_held_write_lock_lets_reads_through_and_turns_writes_into_503(
        org: SmallOrg, cycle: int, impatient: Kinerja, database_url: str) -> None:
    app = create_app(impatient, TEST_CONFIG)
    page, api = login(app, "rina"), ApiClient(app.test_client())
    draft = inbox_task(impatient, "rina", "draft_skp")
    api.token("rina")  # signed in before the writer arrives

    writer = sqlite3.connect(sqlite_path(database_url), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock, well past 200 ms
    try:
        inbox = page.get("/inbox")
        assert inbox.status_code == 200 and "draft_skp" in inbox.get_data(as_text=True)
        listed = api.get("/tasks", "rina")
        assert listed.status_code == 200 and [t["id"] for t in listed.get_json()["items"]] == [draft.id]

        on_page = assert_unavailable_page(page.post(f"/tasks/{draft.id}", data={"rhk-0-description": "x"}))
        assert "Layanan sementara tidak tersedia" in on_page and "Tidak ada yang tersimpan" in on_page
        in_english = assert_unavailable_page(page.post(f"/tasks/{draft.id}?lang=en", data={}))
        assert "Service temporarily unavailable" in in_english and "Nothing was saved" in in_english
        by_api = assert_unavailable_json(api.post(f"/tasks/{draft.id}/complete", "rina", json={"data": SKP}))
        assert by_api["details"] == {"reason": "busy"}
    finally:
        writer.rollback()
        writer.close()

    # Nothing was half-written: the draft still waits, the chain is whole, and the same
    # completion succeeds once the writer is gone.
    assert inbox_task(impatient, "rina", "draft_skp").id == draft.id
    assert verify_audit_chain(impatient, Operator("test")).ok
    skp = skp_answer(impatient, draft.id)
    assert api.ok("post", f"/tasks/{draft.id}/complete", "rina", json={"data": skp})["status"] == "completed"


def test_readyz_checks_the_database_and_healthz_does_not(org: SmallOrg, make_app: Callable[..., Flask],
                                                        deployed: Kinerja) -> None:
    client = make_app().test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    body = ready.get_json()
    assert body["status"] == "ready" and body["failing"] == []
    assert set(body["checks"]) == {"database", "write", "migrations", "disk"}
    assert all(check["ok"] for check in body["checks"].values())

    cramped = make_app(READY_MIN_FREE_BYTES=2 ** 62).test_client().get("/readyz")  # more than any disk
    assert cramped.status_code == 503 and cramped.get_json()["failing"] == ["disk"]

    read_only(deployed)
    refused = client.get("/readyz")
    assert refused.status_code == 503, refused.get_json()
    assert refused.get_json()["failing"] == ["write"]
    assert refused.get_json()["checks"]["database"]["ok"]
    assert client.get("/healthz").status_code == 200  # alive: a restart would not help


def test_a_read_only_database_refuses_changes_with_503(org: SmallOrg, cycle: int, deployed: Kinerja,
                                                      api: ApiClient) -> None:
    draft = inbox_task(deployed, "rina", "draft_skp")
    skp = skp_answer(deployed, draft.id)  # her supervisors' SKP agreed while the database still takes writes
    api.token("rina")
    read_only(deployed)
    assert api.get("/tasks", "rina").status_code == 200
    error = assert_unavailable_json(api.post(f"/tasks/{draft.id}/complete", "rina", json={"data": skp}))
    assert error["details"] == {"reason": "read_only"}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_database_answers_503_on_pages_and_api() -> None:
    unreachable = Kinerja(f"postgresql://kinerja@127.0.0.1:{closed_port()}/kinerja")
    app = create_app(unreachable, TEST_CONFIG)
    client = app.test_client()
    try:
        assert client.get("/healthz").status_code == 200
        readiness = client.get("/readyz")
        assert readiness.status_code == 503 and "database" in readiness.get_json()["failing"]

        signing_in = assert_unavailable_page(client.post("/login", data={"username": "rina", "password": "x"}))
        assert "Basis data sedang tidak dapat dihubungi" in signing_in
        with client.session_transaction() as session:  # a browser signed in before the outage
            session["username"], session["session_version"] = "rina", 0
        assert "/static/" in assert_unavailable_page(client.get("/inbox"))
        assert client.get("/static/kinerja.css").status_code == 200  # the error page keeps its style
        assert_unavailable_page(client.post("/tasks/1", data={}))

        with app.app_context():
            token = issue_token("rina", 0)
        headers = {"Authorization": f"Bearer {token}"}
        for response in (client.get(f"{BASE}/tasks", headers=headers),
                         client.post(f"{BASE}/tasks/1/complete", headers=headers, json={"data": SKP}),
                         client.post(f"{BASE}/auth/token", json={"username": "rina", "password": "x"})):
            assert assert_unavailable_json(response)["details"] == {"reason": "unreachable"}
    finally:
        unreachable.dispose()
