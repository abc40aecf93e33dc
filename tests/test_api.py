"""The REST API under /api/v1, used the way a client uses it: a bearer token per user, JSON in
and out, errors as {"error": {"code", "message", "details"}} with the right status.

Data is set up through the engine's public functions (as in tests/support.py); everything
asserted is read back through the API.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import pytest
from flask import Flask
from openapi_spec_validator import validate

from engine.kinerja import Kinerja
from tests.support import (
    ANSWERS,
    BASE,
    BPMN_DIR,
    RHK_TEXT,
    SKP,
    TEST_CONFIG,
    ApiClient,
    SmallOrg,
    build_small_org,
    do_task,
    error_of,
    open_cycle,
    skp_answer,
    submit_skp,
    upload,
)
from web import create_app
from web.auth import issue_token

RINA_NIP = "199003032015031003"


def only_task(api: ApiClient, username: str, task_key: str, scope: str = "mine") -> dict[str, Any]:
    items = api.ok("get", f"/tasks?scope={scope}&task_key={task_key}", username)["items"]
    assert len(items) == 1, items
    return items[0]


# --- authentication ----------------------------------------------------------------------

def test_a_token_is_issued_for_the_right_password_only(org: SmallOrg, api: ApiClient) -> None:
    issued = api.ok("post", "/auth/token", None, json={"username": "rina", "password": "rahasia-rina"})
    assert issued["token_type"] == "bearer" and issued["expires_in"] > 0 and issued["access_token"]

    error_of(api.post("/auth/token", json={"username": "rina", "password": "salah"}), 401, "unauthorized")
    error_of(api.post("/auth/token", json={"username": "tidak-ada", "password": "x"}), 401)
    missing = error_of(api.post("/auth/token", json={"username": "rina"}), 422, "unprocessable_entity")
    assert "password" in missing["details"]["json"]
    error_of(api.post("/auth/token", data="{not json", content_type="application/json"), 400)


def test_token_requests_are_throttled_like_the_login_page(org: SmallOrg, make_app: Callable[..., Flask]) -> None:
    client = make_app(WTF_CSRF_ENABLED=True, LOGIN_FAILURES_PER_ACCOUNT=3).test_client()
    statuses = [client.post(f"{BASE}/auth/token", json={"username": "rina", "password": "salah"}).status_code
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    refused = client.post(f"{BASE}/auth/token", json={"username": "rina", "password": "rahasia-rina"})
    assert error_of(refused, 429, "too_many_attempts")["details"]["retry_after"] > 0
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60


PROTECTED = [("get", "/tasks"), ("get", "/tasks/1"), ("post", "/tasks/1/claim"), ("post", "/tasks/1/unclaim"),
             ("post", "/tasks/1/delegate"), ("get", "/tasks/1/delegates"), ("post", "/tasks/1/complete"),
             ("get", "/processes"),
             ("post", "/processes"), ("post", "/cycles"), ("get", "/cycles/1"), ("get", "/instances/1"),
             ("get", "/instances/1/history"), ("get", "/audit/verify"), ("get", "/audit/events"),
             ("get", "/audit/instances/1/decisions"), ("get", "/audit/instances/1/export"),
             ("get", "/audit/cycles/1/export"), ("post", "/cycles/1/documents"), ("get", "/document-bundles/1"),
             ("get", "/document-bundles/1/download"), ("get", "/organisations/bungo/staffing"),
             ("post", "/organisations/bungo/moves")]


def test_every_endpoint_but_the_token_needs_a_valid_bearer_token(cycle: int, make_app: Callable[..., Flask]) -> None:
    client = make_app(WTF_CSRF_ENABLED=True).test_client()  # as in production: the API must not need the token
    with make_app(SECRET_KEY="another").test_request_context():
        foreign_token = issue_token("hr", 0)  # signed with another secret: as good as none
    for method, path in PROTECTED:
        for headers in ({}, {"Authorization": "Bearer rubbish"}, {"Authorization": "Basic aHI6cmFoYXNpYS1ocg=="},
                        {"Authorization": f"Bearer {foreign_token}"}):
            # even with a body that would not parse: authentication comes first
            response = getattr(client, method)(BASE + path, headers=headers, json={"x": 1})
            assert response.status_code == 401, (method, path, headers)
            error_of(response, 401, "unauthorized")


# --- errors and the OpenAPI document ------------------------------------------------------

def test_unknown_paths_and_methods_answer_in_json_and_pages_keep_html(cycle: int, api: ApiClient) -> None:
    error_of(api.get("/tidak-ada", "rina"), 404, "not_found")
    error_of(api.client.delete(f"{BASE}/tasks", headers={"Authorization": f"Bearer {api.token('rina')}"}), 405,
             "method_not_allowed")
    error_of(api.get("/tasks/99999999999", "rina"), 404)  # beyond any id: no route, not a database error
    page = api.client.get("/halaman-yang-tidak-ada")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_the_openapi_document_is_valid_and_declares_bearer_auth(app: Flask) -> None:
    response = app.test_client().get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"] == "3.0.3" and document["info"]["title"] == "Kinerja ASN API"
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "a token from POST /api/v1/auth/token"}
    operations = {(method, path): operation for path, item in document["paths"].items()
                  for method, operation in item.items() if method != "parameters"}
    assert {(method, path.removeprefix(BASE)) for method, path in operations} == {
        ("post", "/auth/token"), ("post", "/auth/password"), ("post", "/auth/revoke"),
        ("get", "/tasks"), ("get", "/tasks/{task_id}"), ("post", "/tasks/{task_id}/claim"),
        ("post", "/tasks/{task_id}/unclaim"), ("post", "/tasks/{task_id}/delegate"),
        ("get", "/tasks/{task_id}/delegates"),
        ("post", "/tasks/{task_id}/complete"), ("get", "/processes"), ("post", "/processes"), ("post", "/cycles"),
        ("get", "/cycles/{cycle_id}"), ("get", "/instances/{instance_id}"),
        ("get", "/instances/{instance_id}/history"), ("get", "/audit/verify"), ("post", "/processes/check"),
        ("get", "/processes/versions"), ("get", "/processes/migrations/{deployment_id}"),
        ("post", "/processes/migrations/{deployment_id}"), ("get", "/audit/events"),
        ("get", "/audit/instances/{instance_id}/decisions"), ("get", "/audit/instances/{instance_id}/export"),
        ("get", "/audit/cycles/{cycle_id}/export"), ("get", "/notifications"),
        ("post", "/notifications/{notification_id}/read"), ("post", "/notifications/read-all"),
        ("get", "/notifications/preferences"), ("put", "/notifications/preferences"),
        ("post", "/feedback/{feedback_id}/follow-up"), ("get", "/skp"), ("get", "/skp/{skp_id}"),
        ("post", "/skp/{skp_id}/revisions"), ("get", "/tasks/{task_id}/skp-editor"), ("put", "/tasks/{task_id}/skp-draft"),
        ("get", "/cycles/{cycle_id}/goals"), ("put", "/cycles/{cycle_id}/goals"), ("get", "/units/{code}/cascade"),
        ("get", "/incidents"), ("post", "/incidents/{incident_id}/retry"), ("post", "/incidents/retry"),
            ("get", "/incidents/batches/{batch_id}"),
        ("post", "/instances/{instance_id}/cancel"),
        ("get", "/tasks/{task_id}/realisation"), ("post", "/tasks/{task_id}/evidence"),
        ("get", "/evidence/{evidence_id}"),
        ("post", "/cycles/{cycle_id}/unit-results"), ("get", "/cycles/{cycle_id}/calibration"),
        ("get", "/cycles/{cycle_id}/units/{unit_id}/calibration"), ("post", "/cycles/{cycle_id}/units/{unit_id}/finalise"),
        ("post", "/evaluations/{evaluation_id}/calibration"),
        ("get", "/evaluations"), ("get", "/skp/{skp_id}/document.pdf"),
        ("get", "/evaluations/{evaluation_id}/document.pdf"), ("get", "/verify/{code}"),
        ("post", "/organisations/{code}/import"), ("get", "/organisations/{code}/imports/{run_id}"),
        ("post", "/cycles/{cycle_id}/documents"), ("get", "/document-bundles/{bundle_id}"),
        ("get", "/document-bundles/{bundle_id}/download"),
        ("get", "/organisations/{code}/staffing"), ("post", "/organisations/{code}/moves"),
        ("post", "/organisations/{code}/leavings"), ("post", "/organisations/{code}/acting")}
    public = {f"{BASE}/auth/token", f"{BASE}/verify/{{code}}"}
    for (method, path), operation in operations.items():
        expected = [] if path in public else [{"bearerAuth": []}]
        assert operation.get("security", []) == expected, (method, path)
    upload = operations[("post", f"{BASE}/processes")]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]


# --- the inbox ---------------------------------------------------------------------------

def test_the_inbox_lists_my_tasks_with_counts_and_filters(cycle: int, api: ApiClient, deployed: Kinerja) -> None:
    mine = api.ok("get", "/tasks", "rina")
    assert [(t["task_key"], t["subject_nip"], t["status"]) for t in mine["items"]] == [
        ("draft_skp", RINA_NIP, "open")]
    assert mine["counts"] == {"mine": 1, "group": 0, "overdue": 0}
    task = mine["items"][0]
    assert task["created_at"] == "2026-01-05T08:00:00+00:00", "timezone-aware ISO 8601"
    assert task["due_at"].endswith("+00:00") and task["overdue"] is False

    submit_skp(deployed, "rina")
    submit_skp(deployed, "dedi")
    inbox = api.ok("get", "/tasks?scope=mine", "kapus")
    assert sorted(t["task_key"] for t in inbox["items"]) == ["approve_skp", "approve_skp", "report_realisation"]
    assert inbox["counts"]["mine"] == 3
    assert [t["subject_name"] for t in api.ok("get", "/tasks?search=rina", "kapus")["items"]] == [
        "Rina Marlina, Amd.Kep"]
    assert len(api.ok("get", "/tasks?task_key=approve_skp", "kapus")["items"]) == 2
    assert len(api.ok("get", f"/tasks?cycle={cycle}", "kapus")["items"]) == 3
    assert api.ok("get", f"/tasks?cycle={cycle + 1}", "kapus")["items"] == []
    assert len(api.ok("get", "/tasks?unit=pkm-mb", "kapus")["items"]) == 3
    assert api.ok("get", "/tasks?unit=dinkes", "kapus")["items"] == []
    first, second = (api.ok("get", f"/tasks?limit=1&offset={offset}", "kapus")["items"] for offset in (0, 1))
    assert len(first) == len(second) == 1 and first[0]["id"] != second[0]["id"]
    assert api.ok("get", "/tasks?scope=group", "kapus")["items"] == []


BAD_INBOX_QUERIES = [("scope=semua", "scope"), ("limit=0", "limit"), ("limit=501", "limit"), ("offset=-1", "offset"),
                     ("cycle=satu", "cycle"), ("search=a%00b", "search")]


def test_bad_inbox_parameters_are_refused_naming_the_parameter(cycle: int, api: ApiClient) -> None:
    for query, field in BAD_INBOX_QUERIES:
        error = error_of(api.get(f"/tasks?{query}", "rina"), 422, "unprocessable_entity")
        assert field in error["details"]["query"], (query, error)
        assert field in error["message"]


def test_a_task_comes_with_its_form_prefill_employee_and_history(cycle: int, api: ApiClient,
                                                                  deployed: Kinerja) -> None:
    submit_skp(deployed, "rina")
    do_task(deployed, "kapus", "approve_skp", {"skp_decision": "return", "skp_comment": "Tambah indikator"})
    redraft = only_task(api, "rina", "draft_skp")
    detail = api.ok("get", f"/tasks/{redraft['id']}", "rina")
    assert detail["id"] == redraft["id"] and detail["task_key"] == "draft_skp" and detail["can_complete"] is True
    assert detail["form_schema"]["properties"]["rhk"]["type"] == "array"
    assert [row["text"] for row in detail["prefill"]["rhk"]] == [RHK_TEXT], "a returned SKP comes back filled in"
    assert detail["employee"]["nip"] == RINA_NIP and detail["employee"]["supervisor"] == "Siti Aminah, SKM"
    assert [(step["task_key"], step["actor"]) for step in detail["history"]] == [
        ("draft_skp", "rina"), ("approve_skp", "kapus")]
    assert detail["history"][1]["submitted"]["skp_comment"] == "Tambah indikator"

    as_supervisor = api.ok("get", f"/tasks/{redraft['id']}", "kapus")
    assert as_supervisor["can_complete"] is False, "the supervisor may read it but not fill it in"


# --- working on tasks --------------------------------------------------------------------

def test_completing_a_task_moves_the_process_on_and_twice_is_a_conflict(cycle: int, api: ApiClient,
                                                                        deployed: Kinerja) -> None:
    draft = only_task(api, "rina", "draft_skp")
    done = api.ok("post", f"/tasks/{draft['id']}/complete", "rina", json={"data": skp_answer(deployed, draft["id"])})
    assert done["status"] == "completed" and done["task_id"] == draft["id"]
    assert done["instance_id"] == draft["instance_id"]
    instance = done["instance"]
    assert instance["id"] == draft["instance_id"] and instance["phase"] == "target_setting"
    assert [t["task_key"] for t in instance["open_tasks"]] == ["approve_skp"]
    assert only_task(api, "kapus", "approve_skp")["subject_nip"] == RINA_NIP

    error_of(api.post(f"/tasks/{draft['id']}/complete", "rina", json={"data": SKP}), 409, "conflict")
    error_of(api.post(f"/tasks/{draft['id']}/claim", "rina"), 409, "conflict")


def test_wrong_form_data_is_refused_field_by_field(cycle: int, api: ApiClient) -> None:
    draft = only_task(api, "rina", "draft_skp")
    path = f"/tasks/{draft['id']}/complete"
    indicator = {**SKP["rhk"][0]["indicators"][0], "target_value": "sembilan puluh", "aspek": "banyak"}
    bad = {"rhk": [{**SKP["rhk"][0], "indicators": [indicator]}]}
    error = error_of(api.post(path, "rina", json={"data": bad}), 422, "validation_failed")
    assert {detail["field"] for detail in error["details"]} == {"rhk.0.indicators.0.target_value",
                                                                "rhk.0.indicators.0.aspek"}
    error = error_of(api.post(path, "rina", json={"data": {**SKP, "employee": {"nip": "palsu"}}}), 422)
    assert "Additional properties" in error["message"]

    # The envelope itself is checked before the engine sees anything.
    assert "data" in error_of(api.post(path, "rina", json={"data": ["rhk"]}), 422)["details"]["json"]
    assert "data" in error_of(api.post(path, "rina", json={}), 422)["details"]["json"]
    assert "extra" in error_of(api.post(path, "rina", json={"data": SKP, "extra": 1}), 422)["details"]["json"]
    error_of(api.post(path, "rina", json=[1, 2]), 422)
    error_of(api.post(path, "rina", data="{", content_type="application/json"), 400, "bad_request")
    assert only_task(api, "rina", "draft_skp")["id"] == draft["id"], "nothing changed"


def test_a_group_task_is_claimed_unclaimed_and_completed(org: SmallOrg, api: ApiClient, deployed: Kinerja) -> None:
    # The head of the health office has no supervisor with an account: his SKP approval goes to HR.
    open_cycle(deployed, [org.employee_ids["197001012000011001"]])
    submit_skp(deployed, "kadis")
    approval = only_task(api, "hr", "approve_skp", scope="group")
    assert approval["candidate_group"].startswith("hr@") and approval["claimed_by_user_id"] is None
    assert api.ok("get", "/tasks", "hr")["counts"] == {"mine": 0, "group": 1, "overdue": 0}

    claimed = api.ok("post", f"/tasks/{approval['id']}/claim", "hr")
    assert claimed["id"] == approval["id"] and claimed["claimed_by_user_id"] is not None
    assert api.ok("get", "/tasks", "hr")["counts"] == {"mine": 1, "group": 0, "overdue": 0}
    released = api.ok("post", f"/tasks/{approval['id']}/unclaim", "hr")
    assert released["claimed_by_user_id"] is None
    assert only_task(api, "hr", "approve_skp", scope="group")["id"] == approval["id"]

    error_of(api.post(f"/tasks/{approval['id']}/claim", "kapus"), 404, "not_found")  # not hers to see
    error_of(api.post(f"/tasks/{approval['id']}/claim", "kadis"), 403, "forbidden")  # his own, not his to do
    api.ok("post", f"/tasks/{approval['id']}/claim", "hr")
    done = api.ok("post", f"/tasks/{approval['id']}/complete", "hr", json={"data": {"skp_decision": "approve"}})
    assert done["instance"]["phase"] == "periodic_review"


def test_nobody_reaches_another_persons_task_or_instance_by_guessing_ids(cycle: int, api: ApiClient,
                                                                         other_org: str) -> None:
    draft = only_task(api, "rina", "draft_skp")
    task, instance = draft["id"], draft["instance_id"]
    for stranger in ("dedi", "hr-kph"):  # her peer; HR of another organisation
        error_of(api.get(f"/tasks/{task}", stranger), 404, "not_found")
        error_of(api.post(f"/tasks/{task}/claim", stranger), 404)
        error_of(api.post(f"/tasks/{task}/unclaim", stranger), 404)
        error_of(api.post(f"/tasks/{task}/delegate", stranger, json={"to": "kapus", "reason": "Cuti"}), 404)
        error_of(api.post(f"/tasks/{task}/complete", stranger, json={"data": SKP}), 404)
        error_of(api.get(f"/instances/{instance}", stranger), 404)
        error_of(api.get(f"/instances/{instance}/history", stranger), 404)
    # Her supervisor may read the task, but it is hers to fill in.
    error_of(api.post(f"/tasks/{task}/complete", "kapus", json={"data": SKP}), 403, "forbidden")
    error_of(api.post(f"/tasks/{task}/claim", "auditor"), 403)
    for missing in (f"/tasks/{task + 1000}", f"/instances/{instance + 1000}", f"/instances/{instance + 1000}/history"):
        error_of(api.get(missing, "hr"), 404)
    error_of(api.post(f"/tasks/{task + 1000}/complete", "rina", json={"data": SKP}), 404)
    assert only_task(api, "rina", "draft_skp")["status"] == "open", "nothing happened to it"


# --- instances and audit -----------------------------------------------------------------

def test_an_instance_and_its_history_for_those_who_may_read_them(cycle: int, api: ApiClient,
                                                                 deployed: Kinerja) -> None:
    draft = only_task(api, "rina", "draft_skp")
    skp = skp_answer(deployed, draft["id"])
    do_task(deployed, "rina", "draft_skp", skp)
    for reader in ("rina", "kapus", "kadis", "hr", "ppk", "auditor"):
        instance = api.ok("get", f"/instances/{draft['instance_id']}", reader)
        assert instance["subject_nip"] == RINA_NIP and instance["status"] == "running"
        assert instance["cycle_id"] == cycle and instance["process_key"] == "evaluation_cycle"
        assert instance["started_at"] == "2026-01-05T08:00:00+00:00"
    history = api.ok("get", f"/instances/{draft['instance_id']}/history", "rina")["items"]
    assert history[0]["action"] == "instance.started"
    completed = next(e for e in history if e["action"] == "task.completed")
    assert completed["actor"] == "rina" and completed["data"]["submitted"] == skp
    assert completed["task_id"] == draft["id"] and completed["instance_id"] == draft["instance_id"]
    assert all(e["prev_hash"] and e["hash"] for e in history)
    assert [e["seq"] for e in history] == sorted(e["seq"] for e in history)


def test_only_auditors_verify_the_audit_chain(cycle: int, api: ApiClient) -> None:
    verified = api.ok("get", "/audit/verify", "auditor")
    assert verified["ok"] is True and verified["events_checked"] > 0
    assert verified["first_bad_seq"] is None and verified["problem"] is None
    for other in ("hr", "ppk", "rina"):
        error_of(api.get("/audit/verify", other), 403, "forbidden")


# --- processes ---------------------------------------------------------------------------

def test_the_current_deployment_is_listed_for_hr_ppk_and_auditors(cycle: int, api: ApiClient) -> None:
    for reader in ("hr", "ppk", "auditor"):
        deployment = api.ok("get", "/processes", reader)["deployment"]
        assert deployment["id"] == 1 and deployment["running_instances"] == 4
        files = {(f["kind"], f["name"]): f for f in deployment["files"]}
        assert files[("dmn", "predikat_kinerja")]["version"] == 1
        assert files[("bpmn", "evaluation_cycle")]["provides"] == ["evaluation_cycle"]
        assert files[("form", "skp_draft")]["deployed_by"] == "hr"
        assert len(files[("bpmn", "target_setting")]["content_hash"]) == 64
    for other in ("rina", "kapus"):
        error_of(api.get("/processes", other), 403, "forbidden")


def test_before_any_deployment_there_is_none(kinerja: Kinerja) -> None:
    build_small_org(kinerja)
    api = ApiClient(create_app(kinerja, dict(TEST_CONFIG)).test_client())
    assert api.ok("get", "/processes", "hr") == {"deployment": None}


def test_hr_deploys_new_versions_and_running_instances_keep_theirs(cycle: int, api: ApiClient) -> None:
    dmn = (BPMN_DIR / "predikat_kinerja.dmn").read_bytes()
    changed = dmn.replace(b'"Sangat Baik"', b'"Sangat Baik (diubah)"', 1)
    assert changed != dmn
    form = (BPMN_DIR / "forms" / "self_assessment.json").read_bytes()
    deployed = api.ok("post", "/processes", "hr", 201, **upload(("predikat_kinerja.dmn", changed),
                                                                 ("self_assessment.json", form)))
    assert deployed["created"] is True and deployed["deployment_id"] == 2
    assert [(f["kind"], f["name"], f["version"]) for f in deployed["changed_files"]] == [
        ("dmn", "predikat_kinerja", 2)], "an unchanged file makes no new version"
    again = api.ok("post", "/processes", "hr", 200, **upload(("predikat_kinerja.dmn", changed)))
    assert again == {"deployment_id": 2, "changed_files": [], "created": False}

    current = api.ok("get", "/processes", "hr")["deployment"]
    assert current["id"] == 2 and current["running_instances"] == 0, "running instances stay on deployment 1"
    assert {f["name"]: f["version"] for f in current["files"]}["predikat_kinerja"] == 2
    instance_id = only_task(api, "rina", "draft_skp")["instance_id"]
    assert api.ok("get", f"/instances/{instance_id}", "rina")["deployment_id"] == 1


def test_invalid_definitions_are_refused_naming_file_and_element(cycle: int, api: ApiClient) -> None:
    source = (BPMN_DIR / "periodic_review.bpmn").read_bytes()
    hostile = source.replace(b"<bpmn:script>period = 1</bpmn:script>",
                             b"<bpmn:script>import os\nperiod = 1</bpmn:script>", 1)
    assert hostile != source
    error = error_of(api.post("/processes", "hr", **upload(("periodic_review.bpmn", hostile))), 422,
                     "invalid_definition")
    assert {"file": "periodic_review.bpmn", "element_id": "start_periods"}.items() <= error["details"][0].items()
    assert "import" in error["details"][0]["message"]

    error = error_of(api.post("/processes", "hr", **upload(("catatan.txt", b"halo"))), 422)
    assert error["details"][0]["file"] == "catatan.txt"
    error = error_of(api.post("/processes", "hr", **upload(("target_setting.bpmn", b"<bpmn:definitions"))), 422)
    assert error["details"][0]["file"] == "target_setting.bpmn"
    assert "files" in error_of(api.post("/processes", "hr", data={}, content_type="multipart/form-data"),
                               422)["details"]["files"]
    assert "files" in error_of(api.post("/processes", "hr", json={"files": "x"}), 422)["details"]["files"]
    assert api.ok("get", "/processes", "hr")["deployment"]["id"] == 1, "nothing was stored"


def test_only_hr_deploys(cycle: int, api: ApiClient) -> None:
    dmn = (BPMN_DIR / "predikat_kinerja.dmn").read_bytes()
    for other in ("ppk", "auditor", "kapus"):
        error_of(api.post("/processes", other, **upload(("predikat_kinerja.dmn", dmn))), 403, "forbidden")
    # refused before the upload is even looked at
    error_of(api.post("/processes", "rina", data={}, content_type="multipart/form-data"), 403)


# --- cycles ------------------------------------------------------------------------------

def open_and_wait(api: ApiClient, body: dict[str, Any], timeout: float = 120) -> tuple[dict[str, Any], dict[str, Any]]:
    """POST /cycles (202), then follow GET /cycles/{id} as a client would until the run ends."""
    import time

    accepted = api.ok("post", "/cycles", "hr", 202, json=body)
    assert accepted["latest_run"]["requested_by"] == "hr"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = api.ok("get", f"/cycles/{accepted['id']}", "hr")
        if current["latest_run"]["id"] == accepted["latest_run"]["id"] and current["latest_run"]["finished_at"]:
            return accepted, current
        time.sleep(0.2)
    raise AssertionError(f"the opening of cycle {accepted['id']} did not finish in {timeout} s")


@pytest.mark.usefixtures("prefect_harness")
def test_hr_opens_the_cycle_for_everyone_once(org: SmallOrg, api: ApiClient) -> None:
    accepted, opened = open_and_wait(api, {"org": "bungo", "year": 2026,
                                           "settings": {"review_periods": 2}})
    assert accepted["latest_run"]["status"] in ("queued", "running", "completed")
    assert opened["organisation"] == "bungo" and opened["year"] == 2026
    assert opened["process_key"] == "evaluation_cycle" and opened["opened_by"] == "hr"
    assert opened["opened_at"] == "2026-01-05T08:00:00+00:00"
    assert opened["settings"] == {"review_periods": 2, "periods": [
        {"name": "Periode 1", "start": "2026-01-01", "end": "2026-06-30"},
        {"name": "Periode 2", "start": "2026-07-01", "end": "2026-12-31"}]}
    assert opened["periods"] == opened["settings"]["periods"]
    assert opened["progress"] == {"employees": 4, "started": 4, "completed": 0}
    run = opened["latest_run"]
    assert (run["status"], run["started"], run["skipped"], run["failures"]) == ("completed", 4, 0, [])
    assert only_task(api, "rina", "draft_skp")["subject_nip"] == RINA_NIP

    _, again = open_and_wait(api, {"org": "bungo", "year": 2026, "process_key": "evaluation_cycle"})
    assert again["id"] == opened["id"] and again["progress"]["started"] == 4, "nobody is started twice"
    assert (again["latest_run"]["started"], again["latest_run"]["skipped"]) == (0, 4)
    assert again["latest_run"]["id"] != run["id"]
    for reader in ("hr", "ppk", "auditor"):
        assert api.ok("get", f"/cycles/{opened['id']}", reader) == again


def test_opening_a_cycle_is_for_hr_of_the_same_organisation(org: SmallOrg, api: ApiClient, other_org: str) -> None:
    body = {"org": "bungo", "year": 2026}
    for other in ("ppk", "auditor", "kapus", "rina"):
        error_of(api.post("/cycles", other, json=body), 403, "forbidden")
    error_of(api.post("/cycles", "hr-kph", json=body), 403, "forbidden")
    error_of(api.post("/cycles", "hr", json={"org": "tidak-ada", "year": 2026}), 404, "not_found")
    error_of(api.post("/cycles", "hr", json={**body, "process_key": "tidak_ada"}), 404, "not_found")
    error_of(api.get("/cycles/1", "hr"), 404)  # a refused request opens nothing


BAD_CYCLE_REQUESTS = [
    ({"year": 2026}, "org"),
    ({"org": "bungo"}, "year"),
    ({"org": "bungo", "year": "dua ribu"}, "year"),
    ({"org": "bungo", "year": 1900}, "year"),
    ({"org": "bungo", "year": 2026, "settings": {"review_periods": 0}}, "settings"),
    ({"org": "bungo", "year": 2026, "settings": {"midyear_period": 1}}, "settings"),
    ({"org": "bungo", "year": 2026, "settings": {"holiday": True}}, "settings"),
    ({"org": "bungo", "year": 2026, "bogus": 1}, "bogus"),
]


def test_bad_cycle_requests_name_the_field(org: SmallOrg, api: ApiClient) -> None:
    for body, field in BAD_CYCLE_REQUESTS:
        error = error_of(api.post("/cycles", "hr", json=body), 422, "unprocessable_entity")
        assert field in error["details"]["json"], (body, error)
    error_of(api.get("/cycles/1", "hr"), 404)  # nothing was opened


def test_cycle_progress_is_for_hr_ppk_and_auditors_of_the_organisation(cycle: int, api: ApiClient,
                                                                       other_org: str) -> None:
    assert api.ok("get", f"/cycles/{cycle}", "ppk")["progress"] == {"employees": 4, "started": 4, "completed": 0}
    for other in ("rina", "kapus"):
        error_of(api.get(f"/cycles/{cycle}", other), 403, "forbidden")
    error_of(api.get(f"/cycles/{cycle}", "hr-kph"), 404, "not_found")  # another organisation's: not yours to know
    error_of(api.get(f"/cycles/{cycle + 1}", "hr"), 404, "not_found")


# --- a whole year through the API --------------------------------------------------------

PEOPLE = ("rina", "kapus", "kadis", "dedi", "hr", "ppk")


def api_skp(api: ApiClient, username: str, task: dict[str, Any], target_value: float = 95) -> dict[str, Any]:
    """An SKP for an open draft task, built from what the editor offers to intervene."""
    editor = api.ok("get", f"/tasks/{task['id']}/skp-editor", username)
    choice = editor["parents"]["choices"][0]["id"]
    reference = {"sasaran" if editor["parents"]["top"] else "intervensi": choice}
    return {"rhk": [{"kind": "utama", "text": RHK_TEXT, **reference, "indicators": [
        {"aspek": "kuantitas", "text": "Cakupan IDL", "target_value": target_value, "target_unit": "persen"}]}]}


def api_realisation(api: ApiClient, username: str, task_id: int) -> dict[str, Any]:
    """A realisation of every indicator the task asks for, learnt from the API."""
    asked = api.ok("get", f"/tasks/{task_id}/realisation", username)
    return {"realisations": [
        {"indikator": ind["id"], "value": 110 if ind["target_value"] is not None else None,
         "description": "" if ind["target_value"] is not None else "Laporan"}
        for rhk in asked["rhk"] for ind in rhk["indicators"]]}


def work_on(api: ApiClient, instance_id: int, answers: dict[str, dict[str, Any]],
            until: Optional[str] = None) -> list[tuple[str, str, dict[str, Any]]]:
    """Complete the instance's open tasks until it finishes (or waits on an ``until`` task), each
    by whoever finds it in their inbox (claiming group tasks first); return (task_key, username,
    response) in order."""
    done: list[tuple[str, str, dict[str, Any]]] = []
    for _ in range(50):
        instance = api.ok("get", f"/instances/{instance_id}", "hr")
        if instance["status"] == "completed" or instance["open_tasks"][0]["task_key"] == until:
            return done
        task_id = instance["open_tasks"][0]["id"]
        holder, scope = next((user, scope) for user in PEOPLE for scope in ("mine", "group")
                             if any(t["id"] == task_id for t in api.ok("get", f"/tasks?scope={scope}", user)["items"]))
        task = api.ok("get", f"/tasks/{task_id}", holder)
        if scope == "group":
            api.ok("post", f"/tasks/{task_id}/claim", holder)
        data = answers[task["task_key"]] if task["task_key"] in answers else api_realisation(api, holder, task_id)
        completed = api.ok("post", f"/tasks/{task_id}/complete", holder, json={"data": data})
        done.append((task["task_key"], holder, completed))
    raise AssertionError(f"instance {instance_id} did not finish: {done}")


@pytest.mark.usefixtures("prefect_harness")
def test_one_employees_year_entirely_through_the_api(org: SmallOrg, api: ApiClient) -> None:
    _, opened = open_and_wait(api, {"org": "bungo", "year": 2026,
                                    "settings": {"review_periods": 1}})

    # HR enters the organisation's goals; the heads' SKP are agreed first, top-down (the cascade).
    api.ok("put", f"/cycles/{opened['id']}/goals", "hr", json={"goals": ["Meningkatnya derajat kesehatan"]})
    for head, approver in (("kadis", "hr"), ("kapus", "kadis")):
        head_draft = only_task(api, head, "draft_skp")
        api.ok("post", f"/tasks/{head_draft['id']}/complete", head, json={"data": api_skp(api, head, head_draft)})
        scope = "group" if approver == "hr" else "mine"
        approval = only_task(api, approver, "approve_skp", scope=scope)
        if scope == "group":
            api.ok("post", f"/tasks/{approval['id']}/claim", approver)
        api.ok("post", f"/tasks/{approval['id']}/complete", approver, json={"data": {"skp_decision": "approve"}})

    # Target setting: rina drafts, her supervisor returns it, she redrafts from her own draft.
    draft = only_task(api, "rina", "draft_skp")
    low = api_skp(api, "rina", draft, target_value=60)
    api.ok("post", f"/tasks/{draft['id']}/complete", "rina", json={"data": low})
    approval = next(t for t in api.ok("get", "/tasks?task_key=approve_skp", "kapus")["items"]
                    if t["subject_nip"] == RINA_NIP)
    api.ok("post", f"/tasks/{approval['id']}/complete", "kapus",
           json={"data": {"skp_decision": "return", "skp_comment": "Target terlalu rendah"}})
    redraft = only_task(api, "rina", "draft_skp")
    assert redraft["id"] != draft["id"]
    editor = api.ok("get", f"/tasks/{redraft['id']}/skp-editor", "rina")
    assert editor["status"] == "returned" and editor["return_comment"] == "Target terlalu rendah"
    fixed = editor["content"]
    fixed["rhk"][0]["indicators"][0]["target_value"] = 95
    api.ok("post", f"/tasks/{redraft['id']}/complete", "rina", json={"data": fixed})
    approval = only_task(api, "kapus", "approve_skp")
    approved = api.ok("post", f"/tasks/{approval['id']}/complete", "kapus",
                      json={"data": {"skp_decision": "approve"}})
    assert approved["instance"]["phase"] == "periodic_review"
    [agreed] = api.ok("get", "/skp", "rina")["items"]
    assert agreed["status"] == "agreed" and agreed["version"] == 1

    # The rest of the year, each step by whoever has it in their inbox.
    instance_id = draft["instance_id"]
    year = work_on(api, instance_id, ANSWERS, until="calibrate_predikat")

    # The predikat is final with the unit's: HR starts the unit results and the PPK sets the
    # Puskesmas's; Kapus and Dedi, whose years this test leaves aside, moved to another agency
    # (HR cancels their processes), so Rina is the unit's whole set, made final as an exception.
    cycle_id = opened["id"]
    api.ok("post", f"/cycles/{cycle_id}/unit-results", "hr")
    unit_task = [t for t in api.ok("get", "/tasks?scope=group&task_key=set_unit_result", "ppk")["items"]
                 if "Puskesmas" in t["name"]][0]
    api.ok("post", f"/tasks/{unit_task['id']}/claim", "ppk")
    api.ok("post", f"/tasks/{unit_task['id']}/complete", "ppk", json={"data": ANSWERS["set_unit_result"]})
    for moved in ("kapus", "dedi"):
        [mine] = [t for t in api.ok("get", "/tasks?scope=mine", moved)["items"] if t["instance_id"] != instance_id]
        api.ok("post", f"/instances/{mine['instance_id']}/cancel", "hr", 204, json={"reason": "Mutasi ke instansi lain"})
    [unit] = [u for u in api.ok("get", f"/cycles/{cycle_id}/calibration", "hr")["items"] if u["unit_code"] == "pkm-mb"]
    assert unit["status"] == "breaks_pattern" and [e["name"] for e in unit["employees"]] == ["Rina Marlina, Amd.Kep"]
    finalised = api.ok("post", f"/cycles/{cycle_id}/units/{unit['unit_id']}/finalise", "hr",
                       json={"exception_reason": "Satu pegawai tersisa di unit: pola tidak dapat dipenuhi"})
    assert finalised["status"] == "final"
    steps = {task_key: (user, completed) for task_key, user, completed in year + work_on(api, instance_id, ANSWERS)}
    assert steps["rate_performance"][0] == "kapus" and steps["approve_follow_up"][0] == "ppk"
    peer, completed = steps["peer_input"]
    assert peer == "dedi", "the peer has her own task"
    assert completed["instance_id"] == instance_id and completed["instance"] is None, "…but may not read her file"

    instance = api.ok("get", f"/instances/{instance_id}", "rina")
    assert instance["status"] == "completed" and instance["phase"] == "completed"
    assert instance["summary"]["predikat"] == "SANGAT_BAIK"
    history = api.ok("get", f"/instances/{instance_id}/history", "rina")["items"]
    period, predikat = [e["data"] for e in history  # the one period's predikat, then the year's
                        if e["action"] == "decision.evaluated" and e["data"]["decision_id"] == "predikat_kinerja"]
    assert period["outputs"]["predikat"] == "BAIK"
    assert predikat["inputs"]["Rating Hasil Kerja"] == "DIATAS_EKSPEKTASI"
    assert predikat["outputs"] == {"predikat": "SANGAT_BAIK", "predikat_label": "Sangat Baik"}
    assert predikat["matched_rules"]
    assert [e["action"] for e in history][-1] == "instance.completed"

    assert api.ok("get", f"/cycles/{opened['id']}", "hr")["progress"]["completed"] == 1
    assert api.ok("get", "/audit/verify", "auditor")["ok"] is True
