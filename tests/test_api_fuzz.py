"""Property-based fuzzing of the REST API from its own OpenAPI document (schemathesis, in-process,
every check): whatever a client sends, valid or not, the answer is never a server error, invalid
requests are refused, valid ones accepted, and every answer has a documented status, content
type and body shape."""
from __future__ import annotations

from typing import Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from engine.actors import Operator
from engine.clock import FixedClock
from engine.deployment import deploy
from engine.kinerja import Kinerja
from tests.support import (
    BUNDLED_DEFINITIONS,
    START,
    TEST_CONFIG,
    build_small_org,
    empty_database,
    open_cycle,
    submit_skp,
)
from web import create_app

# Who calls each part of the API: someone allowed to, so requests get past authorisation.
# /auth has a caller of its own: fuzzing POST /auth/revoke ends that caller's tokens.
CALLER_BY_PREFIX = {"/api/v1/tasks": "kapus", "/api/v1/instances": "kapus", "/api/v1/audit": "auditor",
                    "/api/v1/auth": "rina", "/api/v1/skp": "rina"}
DEFAULT_CALLER = "hr"  # processes, cycles


pytestmark = pytest.mark.usefixtures("prefect_harness")  # a valid POST /cycles starts the flow


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory, _migrated_postgres: str | None) -> Iterator[Flask]:
    """One app and database for every operation (building the organisation hashes passwords, which
    is slow); the fuzzer's own changes pile up in it, as they would on a real server."""
    url = empty_database(tmp_path_factory.mktemp("fuzz"), _migrated_postgres)
    kinerja = Kinerja(url, clock=FixedClock(START))
    kinerja.init_db()
    deploy(kinerja, Operator("hr"), BUNDLED_DEFINITIONS())
    build_small_org(kinerja)
    open_cycle(kinerja)
    submit_skp(kinerja, "rina")  # kapus now has an approval waiting
    yield create_app(kinerja, {**TEST_CONFIG, "WTF_CSRF_ENABLED": True})  # as in production
    kinerja.dispose()


@pytest.fixture(scope="module")
def tokens(fuzz_app: Flask) -> dict[str, str]:
    client = fuzz_app.test_client()
    return {username: client.post("/api/v1/auth/token", json={"username": username,
                                                                "password": f"rahasia-{username}"}
                                  ).get_json()["access_token"]
            for username in {DEFAULT_CALLER, *CALLER_BY_PREFIX.values()}}


# What the document cannot say: form data is checked against the task's own form, and uploaded
# files against BPMN, DMN, JSON Schema or an employee file's required columns, so a body of the
# right shape may still be a 422.
CHECKED_BEYOND_THE_DOCUMENT = {
    "include-path": ["/api/v1/tasks/{task_id}/complete", "/api/v1/processes", "/api/v1/organisations/{code}/import"],
    "include-method": "POST",
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422"]}},
}
# The document is the same for every app, so it is read from one that never touches a database
# (collection happens before any fixture); each test then calls an app with real data.
# The bearer token is the test's to give (each call gets a real one): the fuzzer generates no
# security parameters, so it never "removes" a header the call then carries anyway.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", create_app(Kinerja("sqlite://"), {"SECRET_KEY": "openapi-only"}),
    config=SchemathesisConfig.from_dict({"generation": {"with-security-parameters": False},
                                         "operations": [CHECKED_BEYOND_THE_DOCUMENT]}))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@schema.parametrize()
def test_the_api_does_what_its_document_says(case, fuzz_app: Flask,  # type: ignore[no-untyped-def]
                                             tokens: dict[str, str]) -> None:
    caller = next((user for prefix, user in CALLER_BY_PREFIX.items() if case.path.startswith(prefix)), DEFAULT_CALLER)
    case.call_and_validate(session=fuzz_app.test_client(), headers={"Authorization": f"Bearer {tokens[caller]}"})
