"""A citizen's complaint becomes a follow-up process: the unit head answers within five
days, otherwise the head's supervisor must; the answer shows with the feedback."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from engine.actors import Operator
from engine.audit_verification import verify_audit_chain
from engine.clock import FixedClock
from engine.errors import Conflict, Forbidden
from engine.feedback import list_feedback, open_follow_up, submit_feedback
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.read_models import employee_instances
from engine.timers import fire_due_timers
from tests.support import SignedIn, SmallOrg, do_task, login

SCORES = {"speed": 1, "friendliness": 2, "clarity": 1, "overall": 1}
ANSWER = {"complaint_response": "Mohon maaf; loket pagi kami tambah mulai Senin.",
          "complaint_action": "Petugas loket ditambah satu orang pada pukul 07.30–10.00."}


@pytest.fixture
def complaint(org: SmallOrg, deployed: Kinerja) -> int:
    return submit_feedback(deployed, "bungo", "pkm-mb", SCORES, "Antre tiga jam untuk imunisasi")


def follow_up_of(kinerja: Kinerja, feedback_id: int):  # type: ignore[no-untyped-def]
    (item,) = [f for f in list_feedback(kinerja, "hr", "bungo", "pkm-mb") if f.id == feedback_id]
    return item.follow_up


def test_the_unit_head_answers_a_complaint_turned_into_a_follow_up(deployed: Kinerja, complaint: int) -> None:
    assert follow_up_of(deployed, complaint) is None
    open_follow_up(deployed, "hr", complaint)
    (task,) = list_tasks(deployed, "kapus")  # the head of the puskesmas
    assert task.task_key == "respond_complaint" and task.name == "Tanggapi pengaduan"
    assert follow_up_of(deployed, complaint).status == "waiting"

    do_task(deployed, "kapus", "respond_complaint", ANSWER)
    follow_up = follow_up_of(deployed, complaint)
    assert (follow_up.status, follow_up.response, follow_up.action) == (
        "answered", ANSWER["complaint_response"], ANSWER["complaint_action"])
    assert employee_instances(deployed, "kapus") == [], "a complaint is not the head's own performance cycle"
    assert verify_audit_chain(deployed, Operator('test')).ok


def test_a_missed_deadline_escalates_to_the_heads_supervisor(
        deployed: Kinerja, complaint: int, clock: FixedClock) -> None:
    open_follow_up(deployed, "kapus", complaint)
    clock.advance(timedelta(days=5, minutes=1))
    assert fire_due_timers(deployed).fired == 1
    assert list_tasks(deployed, "kapus") == []
    (escalated,) = list_tasks(deployed, "kadis")
    assert escalated.task_key == "respond_complaint_escalated"
    assert follow_up_of(deployed, complaint).status == "escalated"
    do_task(deployed, "kadis", "respond_complaint_escalated", ANSWER)
    assert follow_up_of(deployed, complaint).status == "answered"


def test_a_complaint_is_followed_up_once_and_only_by_hr_or_the_unit_head(deployed: Kinerja, complaint: int) -> None:
    with pytest.raises(Forbidden):
        open_follow_up(deployed, "rina", complaint)  # a nurse of the unit, not its head
    open_follow_up(deployed, "hr", complaint)
    with pytest.raises(Conflict):
        open_follow_up(deployed, "kapus", complaint)
    assert len(list_tasks(deployed, "kapus")) == 1


def test_the_feedback_page_opens_the_follow_up_and_the_task_shows_the_complaint(
        deployed: Kinerja, complaint: int, app: Flask) -> None:
    head = login(app, "kapus")
    page = head.get("/units/bungo/pkm-mb/feedback").get_data(as_text=True)
    assert 'data-testid="open-follow-up"' in page
    opened = head.post(f"/units/bungo/pkm-mb/feedback/{complaint}/follow-up")
    assert opened.status_code == 303
    page = head.get("/units/bungo/pkm-mb/feedback").get_data(as_text=True)
    assert 'data-status="waiting"' in page and 'data-testid="open-follow-up"' not in page
    assert head.post(f"/units/bungo/pkm-mb/feedback/{complaint}/follow-up").status_code == 409

    (task,) = list_tasks(deployed, "kapus")
    task_page = head.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="complaint"' in task_page and "Antre tiga jam untuk imunisasi" in task_page
    assert "Tanggapan kepada warga" in task_page  # the form
    assert head.post(f"/tasks/{task.id}", data=ANSWER).status_code in (302, 303)
    page = head.get("/units/bungo/pkm-mb/feedback").get_data(as_text=True)
    assert 'data-status="answered"' in page and ANSWER["complaint_response"] in page


def test_the_api_opens_a_follow_up_once(deployed: Kinerja, complaint: int, app: Flask) -> None:
    hr = SignedIn(app, "hr")
    client, auth = hr.page, hr.headers
    created = client.post(f"/api/v1/feedback/{complaint}/follow-up", headers=auth)
    assert created.status_code == 201 and created.json["instance_id"] > 0
    again = client.post(f"/api/v1/feedback/{complaint}/follow-up", headers=auth)
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    assert client.post("/api/v1/feedback/2147483647/follow-up", headers=auth).status_code == 404
    refused = client.post(f"/api/v1/feedback/{complaint}/follow-up", headers=SignedIn(app, "rina").headers)
    assert refused.status_code == 403
