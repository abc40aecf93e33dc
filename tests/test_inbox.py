"""The inbox that saves a supervisor's day: sorting, saved filters, agreeing several SKPs at
once, and notifications grouped by kind and day."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from engine.bulk_tasks import complete_many
from engine.clock import FixedClock
from engine.errors import NotFound, ValidationFailed
from engine.inbox import InboxFilter, list_tasks
from engine.inbox_filters import delete_filter, save_filter, saved_filters
from engine.kinerja import Kinerja
from engine.models import AuditEvent
from engine.notification_groups import grouped_notifications
from engine.notifications import list_notifications, unread_count
from engine.tasks import complete_task
from tests.support import ApiClient, elements, error_of, inbox_task, login, submit_skp, text

APPROVALS = InboxFilter(task_key="approve_skp")


@pytest.fixture
def one_overdue(cycle: int, deployed: Kinerja, clock: FixedClock) -> None:
    """Rina's SKP waits for approval past its deadline (P7D), Dedi's not yet."""
    submit_skp(deployed, "rina")
    clock.advance(timedelta(days=5))
    submit_skp(deployed, "dedi")
    clock.advance(timedelta(days=5))


def _subjects(kinerja: Kinerja, sort: str | None = None) -> list[str]:
    return [t.subject_name.split()[0] for t in list_tasks(kinerja, "kapus", "mine", APPROVALS, sort=sort)]


# -- sorting -----------------------------------------------------------------------------------

def test_the_inbox_sorts_by_due_date_overdue_first_or_by_name(one_overdue: None, deployed: Kinerja) -> None:
    tasks = list_tasks(deployed, "kapus", "mine", APPROVALS)
    assert [(t.subject_name.split()[0], t.overdue) for t in tasks] == [("Rina", True), ("Dedi", False)]
    assert _subjects(deployed, "due") == ["Rina", "Dedi"]
    assert _subjects(deployed, "name") == ["Dedi", "Rina"]
    assert _subjects(deployed, "task") == ["Rina", "Dedi"], "same task name: then by due date"
    with pytest.raises(ValidationFailed) as refused:
        list_tasks(deployed, "kapus", sort="subject_employee_id; drop table")
    assert refused.value.details == [{"field": "sort", "message": "one of due, name, task"}]


def test_the_sort_is_a_link_kept_across_tabs_and_filters(one_overdue: None, app: Flask) -> None:
    kapus = login(app, "kapus")
    page = kapus.get("/inbox?task_key=approve_skp&sort=name").get_data(as_text=True)
    assert [row["_text"].split()[0] for row in elements(page, "task-subject")] == ["Dedi", "Rina"]
    assert elements(page, "sort-name")[0]["aria-current"] == "true"
    assert elements(page, "sort-due")[0]["href"] == "/inbox?task_key=approve_skp&sort=due"
    assert elements(page, "tab-group")[0]["href"] == "/inbox?task_key=approve_skp&sort=name&scope=group"
    assert 'name="sort" value="name"' in page, "the filter form keeps the sort"

    by_due = kapus.get("/inbox?task_key=approve_skp").get_data(as_text=True)
    assert [row["_text"].split()[0] for row in elements(by_due, "task-subject")] == ["Rina", "Dedi"]
    refused = kapus.get("/inbox?sort=nip")
    assert refused.status_code == 422 and "sort" in refused.get_data(as_text=True)


def test_the_api_sorts_as_the_page_does(one_overdue: None, api: ApiClient) -> None:
    listed = api.ok("get", "/tasks?task_key=approve_skp&sort=name", "kapus")["items"]
    assert [item["subject_name"].split()[0] for item in listed] == ["Dedi", "Rina"]
    refused = error_of(api.get("/tasks?sort=nip", "kapus"), 422)["details"]["query"]
    assert "due, name, task" in str(refused["sort"]), "the document's own enum names the choices"


# -- saved filters ------------------------------------------------------------------------------

def test_a_saved_filter_survives_logout_and_is_its_users_alone(one_overdue: None, app: Flask,
                                                                deployed: Kinerja) -> None:
    kapus = login(app, "kapus")
    saved = kapus.post("/inbox/filters", data={"name": "SKP menurut nama", "task_key": "approve_skp",
                                               "sort": "name", "scope": "mine", "q": ""})
    assert saved.status_code == 303
    kapus.post("/logout")
    assert kapus.get("/inbox").status_code == 302, "signed out"

    again = login(app, "kapus")
    page = again.get("/inbox").get_data(as_text=True)
    (link,) = elements(page, "saved-filter")
    assert link["_text"] == "SKP menurut nama"
    filtered = again.get(link["href"]).get_data(as_text=True)
    assert [row["data-task-key"] for row in elements(filtered, "task-row")] == ["approve_skp", "approve_skp"]
    assert [row["_text"].split()[0] for row in elements(filtered, "task-subject")] == ["Dedi", "Rina"]
    assert elements(filtered, "saved-filter")[0].get("aria-current") == "true"

    (mine,) = saved_filters(deployed, "kapus")
    assert mine.params == {"task_key": "approve_skp", "sort": "name", "scope": "mine"}
    assert saved_filters(deployed, "dedi") == []
    with pytest.raises(NotFound):
        delete_filter(deployed, "dedi", mine.id)
    assert login(app, "dedi").post(f"/inbox/filters/{mine.id}/delete").status_code == 404
    assert again.post(f"/inbox/filters/{mine.id}/delete").status_code == 303
    assert saved_filters(deployed, "kapus") == []


def test_a_filter_is_saved_only_with_inbox_parameters_and_a_name(cycle: int, deployed: Kinerja) -> None:
    with pytest.raises(ValidationFailed) as refused:
        save_filter(deployed, "kapus", "", {"sort": "bogus"})
    assert {d["field"] for d in refused.value.details} == {"sort"}
    with pytest.raises(ValidationFailed) as refused:
        save_filter(deployed, "kapus", "x", {"is_admin": "1", "scope": "everyone"})
    assert {d["field"] for d in refused.value.details} == {"is_admin", "scope"}
    with pytest.raises(ValidationFailed) as refused:
        save_filter(deployed, "kapus", " ", {"sort": "due"})
    assert refused.value.details[0]["field"] == "name"
    first = save_filter(deployed, "kapus", "Terlambat", {"sort": "due"})
    again = save_filter(deployed, "kapus", "Terlambat", {"sort": "task"})
    assert again.id == first.id and [f.params for f in saved_filters(deployed, "kapus")] == [{"sort": "task"}]


# -- agreeing several SKPs at once -------------------------------------------------------------

def test_several_skps_are_agreed_at_once_each_on_its_own(skps_to_approve: list[str], deployed: Kinerja) -> None:
    approvals = list_tasks(deployed, "kapus", "mine", APPROVALS)
    assert len(approvals) == 4 and all(task.bulk for task in approvals)
    own_draft = [t for t in list_tasks(deployed, "andi", "mine") if t.task_key == "draft_skp"]
    assert own_draft and not own_draft[0].bulk, "a form without x-bulk is completed on its page"
    dedi = next(t for t in approvals if t.subject_name.startswith("Dedi"))
    complete_task(deployed, "kapus", dedi.id, {"skp_decision": "approve"})  # already done in another tab

    outcomes = complete_many(deployed, "kapus", [t.id for t in approvals], "Sudah sesuai rencana unit.")
    assert [(o.subject_name.split()[0], o.completed) for o in outcomes] == [
        (t.subject_name.split()[0], t.id != dedi.id) for t in approvals]
    refused = next(o for o in outcomes if not o.completed)
    assert refused.refusal is not None and refused.refusal.code == "conflict"
    with deployed.reading() as uow:
        submitted = uow.session.scalars(select(AuditEvent.data).where(
            AuditEvent.action == "task.completed", AuditEvent.actor == "kapus",
            AuditEvent.task_id.in_([t.id for t in approvals if t.id != dedi.id]))).all()
    assert [data["submitted"] for data in submitted] == [
        {"skp_decision": "approve", "skp_comment": "Sudah sesuai rencana unit."}] * 3
    for username in skps_to_approve:
        assert "SKP disepakati" in [n.subject for n in list_notifications(deployed, username)]


def test_only_bulk_forms_and_own_tasks_are_completed_together(skps_to_approve: list[str],
                                                              deployed: Kinerja) -> None:
    draft = inbox_task(deployed, "andi", "draft_skp")
    approval = inbox_task(deployed, "kapus", "approve_skp")
    (own_form, not_mine) = complete_many(deployed, "andi", [draft.id, approval.id])
    assert own_form.refusal is not None and own_form.refusal.details[0]["field"] == "task_ids"
    assert not_mine.refusal is not None and not_mine.refusal.code == "forbidden"
    assert not_mine.subject_name is None, "whose task it is is not told to someone it is not meant for"
    with pytest.raises(ValidationFailed):
        complete_many(deployed, "kapus", [])


def test_the_inbox_page_agrees_the_selected_skps(skps_to_approve: list[str], app: Flask, deployed: Kinerja) -> None:
    kapus = login(app, "kapus")
    page = kapus.get("/inbox?task_key=approve_skp").get_data(as_text=True)
    checks = elements(page, "bulk-check")
    assert len(checks) == 4 and len(elements(page, "task-summary")) == 4
    assert "Meningkatnya cakupan imunisasi" in text(page, "task-summary")
    done = kapus.post("/inbox/bulk", data={"task_id": [c["value"] for c in checks[:2]], "comment": "",
                                           "next": "/inbox?task_key=approve_skp"}, follow_redirects=True)
    flashed = text(done.get_data(as_text=True), "flash")
    assert flashed.startswith("2 tugas diselesaikan")
    assert len(list_tasks(deployed, "kapus", "mine", APPROVALS)) == 2
    assert kapus.post("/inbox/bulk", data={"task_id": ["satu"]}).status_code == 422
    nothing = kapus.post("/inbox/bulk", data={"comment": "x"}, follow_redirects=True).get_data(as_text=True)
    assert text(nothing, "flash") == "Centang minimal satu tugas untuk disetujui."


# -- notifications grouped -------------------------------------------------------------------

def test_notifications_of_one_kind_and_day_are_grouped(skps_to_approve: list[str], app: Flask,
                                                       deployed: Kinerja) -> None:
    groups = grouped_notifications(deployed, "kapus")
    (approvals,) = [g for g in groups if g.task_key == "approve_skp"]
    assert (approvals.kind, approvals.count, approvals.unread, approvals.scope) == ("task_assigned", 4, 4, "mine")
    assert len(groups) < unread_count(deployed, "kapus")

    kapus = login(app, "kapus")
    page = kapus.get("/notifications").get_data(as_text=True)
    (group,) = [g for g in elements(page, "notification-group") if g["data-count"] == "4"]
    assert group["_text"].startswith("Belum dibaca: 4 tugas baru: Setujui SKP")
    links = [link["href"] for link in elements(page, "group-inbox-link")]
    assert "/inbox?scope=mine&task_key=approve_skp" in links
    assert text(page, "bell-count") == str(len([g for g in groups if g.unread]))
