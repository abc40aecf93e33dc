"""Completing a task is idempotent per request: a client whose completion committed but whose
answer was lost repeats the request with its key and gets the original success, and nothing
runs again; anyone else is told who completed the task and when.

The task: the Kepala Dinas's SKP approval, which goes to the HR group (``hr`` and ``hr2``).
"""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine.actors import SYSTEM
from engine.clock import FixedClock
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.kinerja import Kinerja
from engine.models import AuditEvent
from engine.org import add_user
from engine.tasks import claim_task, complete_task, repeat_completion
from tests.support import (
    ANSWERS,
    ApiClient,
    SmallOrg,
    error_of,
    inbox_task,
    login,
    open_cycle,
    submit_skp,
)

APPROVE = ANSWERS["approve_skp"]


@pytest.fixture
def approval(org: SmallOrg, deployed: Kinerja) -> int:
    """The id of the Kepala Dinas's SKP approval, waiting in the HR group's inbox."""
    add_user(deployed, SYSTEM, "bungo", "hr2", "rahasia-hr2", "Analis SDM BKPSDM", roles=["hr"])
    open_cycle(deployed, [org.employee_ids["197001012000011001"]])
    submit_skp(deployed, "kadis")
    return inbox_task(deployed, "hr", "approve_skp").id


def audit_events(kinerja: Kinerja) -> int:
    with kinerja.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(AuditEvent))


def test_a_repeat_with_the_same_key_gets_the_first_answer_and_runs_nothing(
        approval: int, deployed: Kinerja, clock: FixedClock) -> None:
    claim_task(deployed, "hr", approval)
    first = complete_task(deployed, "hr", approval, APPROVE, "b1e5c3a0-approve")
    assert not first.replayed and first.task_key == "approve_skp"
    events = audit_events(deployed)

    again = complete_task(deployed, "hr", approval, APPROVE, "b1e5c3a0-approve")
    assert again == replace(first, replayed=True)
    assert audit_events(deployed) == events, "the repeat ran no step"

    for username, key in (("hr2", "b1e5c3a0-approve"), ("hr", "another-key"), ("hr", None)):
        with pytest.raises(Conflict) as refused:
            complete_task(deployed, username, approval, APPROVE, key)
        assert refused.value.message == (f"task {approval} was already completed by BKPSDM Bungo (hr) "
                                         f"at {clock.now().isoformat()}"), (username, key)
        assert refused.value.details == {"reason": "task_done", "completed_by": "hr",
                                         "completed_by_name": "BKPSDM Bungo", "completed_at": clock.now().isoformat()}
    assert audit_events(deployed) == events


def test_an_open_task_is_no_repeat(approval: int, deployed: Kinerja) -> None:
    claim_task(deployed, "hr", approval)
    with pytest.raises(Conflict, match="waiting for input"):
        repeat_completion(deployed, "hr", approval, "never-used")
    with pytest.raises(Forbidden) as refused:
        repeat_completion(deployed, "hr2", approval, "never-used")
    assert refused.value.details == {"reason": "not_holder"}, "hr holds it: pages say so in the reader's language"


def test_a_key_is_short_visible_text(approval: int, deployed: Kinerja) -> None:
    claim_task(deployed, "hr", approval)
    for bad in ("", " padded ", "x" * 201, "baris\nbaru", "kunci-é"):
        with pytest.raises(ValidationFailed, match="Idempotency-Key must be 1 to 200 visible ASCII characters"):
            complete_task(deployed, "hr", approval, APPROVE, bad)
    assert inbox_task(deployed, "hr", "approve_skp").id == approval, "nothing was completed"


def test_the_api_answers_a_repeat_with_the_original_200_and_others_with_409(
        api: ApiClient, approval: int, deployed: Kinerja) -> None:
    api.ok("post", f"/tasks/{approval}/claim", "hr")
    key = {"Idempotency-Key": "0f8fad5b-d9cb-469f-a165-70867728950e"}
    first = api.ok("post", f"/tasks/{approval}/complete", "hr", json={"data": APPROVE}, headers=key)
    events = audit_events(deployed)
    assert api.ok("post", f"/tasks/{approval}/complete", "hr", json={"data": APPROVE}, headers=key) == first
    assert audit_events(deployed) == events

    for username, headers in (("hr2", key), ("hr", {"Idempotency-Key": "other"}), ("hr", {})):
        refused = error_of(api.post(f"/tasks/{approval}/complete", username, json={"data": APPROVE},
                                    headers=headers), 409, "conflict")
        assert "already completed by BKPSDM Bungo (hr)" in refused["message"]
        assert refused["details"]["completed_by"] == "hr"
    too_long = api.post(f"/tasks/{approval}/complete", "hr", json={"data": APPROVE},
                        headers={"Idempotency-Key": "k" * 201})
    assert "Idempotency-Key" in error_of(too_long, 422)["message"]
    assert audit_events(deployed) == events


def test_the_api_documents_the_header(api: ApiClient) -> None:
    spec = api.client.get("/api/v1/openapi.json").get_json()
    parameters = spec["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]["parameters"]
    (header,) = [p for p in parameters if p["in"] == "header"]
    assert header["name"] == "Idempotency-Key" and not header.get("required")
    assert "409" in header["description"]


def completion_key(page: str) -> str:
    (key,) = re.findall(r'name="completion_key" value="([^"]+)"', page)
    return key


def test_the_task_form_carries_a_key_and_a_resubmission_succeeds_again(
        app: Flask, approval: int, deployed: Kinerja) -> None:
    claim_task(deployed, "hr", approval)
    hr = login(app, "hr")
    key = completion_key(hr.get(f"/tasks/{approval}").get_data(as_text=True))
    assert key != completion_key(hr.get(f"/tasks/{approval}").get_data(as_text=True)), "a new key per form"

    submitted = {**APPROVE, "completion_key": key}
    first = hr.post(f"/tasks/{approval}", data=submitted)
    assert first.status_code == 303 and first.headers["Location"].endswith("/inbox")
    events = audit_events(deployed)
    flash = hr.get("/inbox").get_data(as_text=True)
    again = hr.post(f"/tasks/{approval}", data=submitted)
    assert (again.status_code, again.headers["Location"]) == (303, first.headers["Location"])
    assert hr.get("/inbox").get_data(as_text=True).count("Tugas selesai") == flash.count("Tugas selesai")
    assert audit_events(deployed) == events

    hr2 = login(app, "hr2")
    refused = hr2.post(f"/tasks/{approval}", data={**APPROVE, "completion_key": key})
    assert refused.status_code == 409
    assert "Tugas ini sudah diselesaikan oleh BKPSDM Bungo pada" in refused.get_data(as_text=True)
    assert hr.post(f"/tasks/{approval}", data=APPROVE).status_code == 409, "a form without the key"
    hr2.get("/inbox?lang=en")
    english = hr2.post(f"/tasks/{approval}", data=APPROVE)
    assert "This task was already completed by BKPSDM Bungo on" in english.get_data(as_text=True)
