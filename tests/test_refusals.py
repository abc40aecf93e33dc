"""A refused action gets the same answer on the pages and in the API: 403 where the caller's
role may not do it, 404 where the thing is another organisation's or outside what the caller
may read, 409 where it has moved on (docs/ARCHITECTURE.md, "Refusals: 404 or 403")."""
from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from flask import Flask

from engine.actors import Operator
from engine.kinerja import Kinerja
from engine.org import add_user
from engine.skp import list_skp
from tests.support import SKP, ApiClient, SmallOrg, inbox_task, login, submit_skp, upload

BPMN = b'<?xml version="1.0"?><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'


class Door(NamedTuple):
    method: str
    path: str  # may name {cycle}, {instance}, {staff_task}, {head_task}, {done_task}
    body: dict[str, Any] = {}


class Refusal(NamedTuple):
    action: str
    who: str
    page: Door
    api: Door
    status: int


REFUSALS = [
    Refusal("deploy definitions", "ppk", Door("post", "/processes/deploy",
                                              {"json": {"filename": "x.bpmn", "content": "<x/>"}}),
            Door("post", "/processes", upload(("x.bpmn", BPMN))), 403),
    Refusal("check definitions", "ppk", Door("post", "/processes/check",
                                             {"json": {"filename": "x.bpmn", "content": "<x/>"}}),
            Door("post", "/processes/check", upload(("x.bpmn", BPMN))), 403),
    Refusal("read the process library", "rina", Door("get", "/processes"), Door("get", "/processes/versions"), 403),
    Refusal("plan a migration", "ppk", Door("get", "/processes/migrations/1"),
            Door("get", "/processes/migrations/1"), 403),
    Refusal("move instances", "ppk", Door("post", "/processes/migrations/1", {"data": {"instance_id": "1"}}),
            Door("post", "/processes/migrations/1", {"json": {}}), 403),
    Refusal("open a cycle", "ppk", Door("post", "/cycles", {"data": {"year": "2027"}}),
            Door("post", "/cycles", {"json": {"org": "bungo", "year": 2027}}), 403),
    Refusal("follow another organisation's cycle", "hr-kph", Door("get", "/cycles/{cycle}"),
            Door("get", "/cycles/{cycle}"), 404),
    Refusal("search the audit log", "hr", Door("get", "/audit"), Door("get", "/audit/events"), 403),
    Refusal("verify the audit chain", "ppk", Door("get", "/audit/verify"), Door("get", "/audit/verify"), 403),
    Refusal("audit another organisation's instance", "auditor-kph", Door("get", "/audit/instances/{instance}"),
            Door("get", "/audit/instances/{instance}/decisions"), 404),
    Refusal("export another organisation's cycle", "auditor-kph", Door("get", "/audit/cycles/{cycle}/export.csv"),
            Door("get", "/audit/cycles/{cycle}/export?format=csv"), 404),
    Refusal("read a task outside one's reach", "rina", Door("get", "/tasks/{head_task}"),
            Door("get", "/tasks/{head_task}"), 404),
    Refusal("complete a task one may only read", "kapus", Door("post", "/tasks/{staff_task}", {"data": {}}),
            Door("post", "/tasks/{staff_task}/complete", {"json": {"data": SKP}}), 403),
    Refusal("complete a task that is done", "rina", Door("post", "/tasks/{done_task}", {"data": {}}),
            Door("post", "/tasks/{done_task}/complete", {"json": {"data": SKP}}), 409),
    Refusal("read a colleague's SKP", "dedi", Door("get", "/skp/{skp}"), Door("get", "/skp/{skp}"), 404),
    Refusal("revise an SKP one may only read", "hr",
            Door("post", "/skp/{skp}/revisions", {"data": {"reason": "Mutasi"}}),
            Door("post", "/skp/{skp}/revisions", {"json": {"reason": "Mutasi"}}), 403),
    Refusal("complete a done task one may only read", "kapus", Door("post", "/tasks/{done_task}", {"data": {}}),
            Door("post", "/tasks/{done_task}/complete", {"json": {"data": SKP}}), 403),
]


@pytest.fixture
def ids(org: SmallOrg, cycle: int, other_org: str, deployed: Kinerja) -> dict[str, int]:
    """The things the refused actions name: the cycle, an instance, a staff member's open draft
    (which her supervisor may read), the supervisor's own report (her SKP was agreed before
    the staff's), and a draft already sent."""
    add_user(deployed, Operator("test"), other_org, "auditor-kph", "rahasia-auditor-kph", "Inspektorat Kepahiang",
             roles=["auditor"])
    done = submit_skp(deployed, "rina")
    return {"cycle": cycle, "instance": done.instance_id, "done_task": done.id, "skp": list_skp(deployed, "rina")[0].id,
            "staff_task": inbox_task(deployed, "dedi", "draft_skp").id,
            "head_task": inbox_task(deployed, "kapus", "report_realisation").id}


@pytest.mark.parametrize("refusal", REFUSALS, ids=[refusal.action for refusal in REFUSALS])
def test_pages_and_api_refuse_alike(refusal: Refusal, ids: dict[str, int], app: Flask, api: ApiClient) -> None:
    page = getattr(login(app, refusal.who), refusal.page.method)(refusal.page.path.format(**ids),
                                                                 **refusal.page.body)
    answer = getattr(api, refusal.api.method)(refusal.api.path.format(**ids), refusal.who, **refusal.api.body)
    assert (page.status_code, answer.status_code) == (refusal.status, refusal.status), (
        page.get_data(as_text=True)[:300], answer.get_json())
