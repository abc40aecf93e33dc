"""Transfers (mutasi), leavings and acting officials (Plt/Plh) during the year (issue 19)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine.acting import appoint_acting, staffing_records
from engine.actors import Operator
from engine.delegation import delegates_for
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.import_sample import as_csv
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.models import HumanTask, ProcessInstance, User
from engine.notifications import list_notifications
from engine.org_import_rows import read_rows
from engine.org_import_runs import run_import, stage_import
from engine.org_moves import move_employee, record_leaving
from engine.skp import list_skp, open_skp_revision
from engine.tasks import complete_task
from tests.support import (
    APPROVE_SKP,
    SmallOrg,
    audit_events,
    elements,
    error_of,
    inbox_task,
    login,
    realisation_answer,
    run,
    submit_skp,
)

KADIS, KAPUS, RINA, DEDI = "197001012000011001", "198002022005012002", "199003032015031003", "199104042016041004"


def _keys(kinerja: Kinerja, username: str) -> list[tuple[str, str]]:
    return [(task.task_key, task.subject_nip) for task in list_tasks(kinerja, username, "mine")]


def test_a_plt_for_the_kepala_puskesmas_approves_skps_in_the_window_and_not_after(deployed, org, cycle, clock):
    appoint_acting(deployed, "hr", DEDI, KAPUS, "plt", date(2026, 1, 12), date(2026, 1, 25),
                   "Kepala Puskesmas cuti besar")
    approval = submit_skp(deployed, "rina")  # her draft task; the approval goes to kapus
    task = inbox_task(deployed, "kapus", "approve_skp")
    assert ("approve_skp", RINA) not in _keys(deployed, "dedi")  # before the window

    clock.advance(timedelta(days=7))  # 12 January: the first day
    assert ("approve_skp", RINA) in _keys(deployed, "dedi")
    complete_task(deployed, "dedi", task.id, APPROVE_SKP)
    [completed] = [e for e in audit_events(deployed, "task.completed") if e.task_id == task.id]
    assert completed.actor == "dedi" and completed.data["acting_for"] == "kapus"

    submit_skp(deployed, "dedi")  # his own SKP: meant for kapus, never for himself as Plt
    assert ("approve_skp", DEDI) in _keys(deployed, "kapus")
    assert ("approve_skp", DEDI) not in _keys(deployed, "dedi")

    clock.advance(timedelta(days=14))  # 26 January: the window is over
    [agreed] = [s for s in list_skp(deployed, "rina") if s.status == "agreed"]
    open_skp_revision(deployed, "rina", agreed.id, "Tambahan tugas imunisasi")
    submit_skp(deployed, "rina")
    later = [t for t in list_tasks(deployed, "kapus", "mine") if (t.task_key, t.subject_nip) == ("approve_skp", RINA)]
    assert later and ("approve_skp", RINA) not in _keys(deployed, "dedi")
    with pytest.raises(Forbidden):
        complete_task(deployed, "dedi", later[0].id, APPROVE_SKP)
    assert approval.task_key == "draft_skp"


def test_a_plh_is_offered_among_the_officials_a_task_may_be_handed_to(deployed, org, cycle):
    submit_skp(deployed, "rina")
    approval = inbox_task(deployed, "kapus", "approve_skp")
    assert "dedi" not in [d.username for d in delegates_for(deployed, "kapus", approval.id)]
    appoint_acting(deployed, "hr", DEDI, KAPUS, "plh", date(2026, 1, 5), date(2026, 1, 9), "Dinas luar")
    assert "dedi" in [d.username for d in delegates_for(deployed, "kapus", approval.id)]


def test_a_transfer_in_june_reassigns_the_open_task_and_revises_the_skp(deployed, org, realisation_task, clock):
    complete_task(deployed, "rina", realisation_task, realisation_answer(deployed, realisation_task))
    feedback = inbox_task(deployed, "kapus", "give_feedback")
    clock.advance(datetime(2026, 6, 10, 2, tzinfo=timezone.utc) - clock.now())

    move_employee(deployed, "hr", RINA, "dinkes", KADIS, date(2026, 6, 1), "SK mutasi ke Dinas Kesehatan")

    assert ("give_feedback", RINA) in _keys(deployed, "kadis")
    assert ("give_feedback", RINA) not in _keys(deployed, "kapus")
    [reassigned] = [e for e in audit_events(deployed, "task.reassigned") if e.task_id == feedback.id]
    assert reassigned.data["from"] == "kapus" and reassigned.data["to"] == "kadis"
    assert any(n.task_id == feedback.id for n in list_notifications(deployed, "kadis")), "the new supervisor is told"
    versions = {s.version: s.status for s in list_skp(deployed, "rina")}
    assert versions == {1: "agreed", 2: "draft"}  # version 1 stays what the earlier periods were rated on
    assert ("draft_skp", RINA) in _keys(deployed, "rina")
    [moved] = audit_events(deployed, "employee.moved")
    assert moved.data["to_supervisor"] == KADIS and moved.data["effective_date"] == "2026-06-01"
    [record] = staffing_records(deployed, "hr", "bungo")
    assert (record.kind, record.nip, record.effective) == ("mutasi", RINA, date(2026, 6, 1))


def test_an_import_that_changes_the_supervisor_is_a_transfer_with_its_rules(deployed, org, realisation_task):
    complete_task(deployed, "rina", realisation_task, realisation_answer(deployed, realisation_task))
    feedback = inbox_task(deployed, "kapus", "give_feedback")
    row = {"NIP Baru": RINA, "Nama": "Rina Marlina, Amd.Kep", "Jabatan Nama": "Perawat", "Unor ID": "pkm-mb",
           "NIP Atasan": KADIS}
    hr = Operator("hr")
    run_import(deployed, hr, stage_import(deployed, hr, "bungo", "pegawai.csv",
                                          read_rows("pegawai.csv", as_csv([row]))))

    assert ("give_feedback", RINA) in _keys(deployed, "kadis")
    assert [e.task_id for e in audit_events(deployed, "task.reassigned")] == [feedback.id]
    assert {s.version: s.status for s in list_skp(deployed, "rina")} == {1: "agreed", 2: "draft"}


def test_an_employee_who_leaves_has_no_open_tasks_and_their_instance_is_cancelled(deployed, org, cycle):
    submit_skp(deployed, "rina")  # an approval now waits for kapus
    record_leaving(deployed, "hr", KAPUS, date(2026, 1, 31), "pensiun", "Batas usia pensiun")

    with deployed.reading() as uow:
        kapus_id = org.employee_ids[KAPUS]
        account = uow.session.scalar(select(User).where(User.username == "kapus"))
        instance = uow.session.scalar(select(ProcessInstance).where(ProcessInstance.subject_employee_id == kapus_id,
                                                                    ProcessInstance.cycle_id == cycle))
        left_open = uow.session.scalars(select(HumanTask).where(
            HumanTask.status == "open", (HumanTask.subject_employee_id == kapus_id)
            | (HumanTask.assignee_user_id == account.id))).all()
        approval = uow.session.scalar(select(HumanTask).where(HumanTask.task_key == "approve_skp",
                                                              HumanTask.status == "open"))
        uow.session.expunge_all()
    assert not account.active and left_open == []
    assert instance.status == "cancelled"
    [cancelled] = [e for e in audit_events(deployed, "instance.cancelled") if e.instance_id == instance.id]
    assert "pensiun" in cancelled.data["reason"] and "Batas usia pensiun" in cancelled.data["reason"]
    assert approval.candidate_group == "hr@1"  # nobody holds kapus's position: HR reassigns it
    with pytest.raises(NotFound):  # gone from the organisation: nothing more is recorded on them
        record_leaving(deployed, "hr", KAPUS, date(2026, 2, 1), "berhenti", "lagi")


def test_the_tasks_of_a_kepala_who_leaves_go_to_the_plt_appointed_for_the_position(deployed, org, cycle):
    submit_skp(deployed, "rina")  # an approval now waits for kapus
    appoint_acting(deployed, "hr", KADIS, KAPUS, "plt", date(2026, 1, 5), date(2026, 3, 31), "Jabatan kosong")
    record_leaving(deployed, "hr", KAPUS, date(2026, 1, 5), "meninggal", "Meninggal dunia 4 Januari")

    assert ("approve_skp", RINA) in _keys(deployed, "kadis")
    submit_skp(deployed, "dedi")  # a new task of the vacant position
    assert ("approve_skp", DEDI) in _keys(deployed, "kadis")


@pytest.mark.parametrize("act", [
    lambda k, who: move_employee(k, who, RINA, "dinkes", KADIS, date(2026, 6, 1), "SK mutasi"),
    lambda k, who: record_leaving(k, who, RINA, date(2026, 6, 1), "berhenti", "Atas permintaan sendiri"),
    lambda k, who: appoint_acting(k, who, DEDI, KAPUS, "plh", date(2026, 6, 1), date(2026, 6, 5), "Dinas luar"),
    lambda k, who: staffing_records(k, who, "bungo"),
], ids=["move", "leave", "acting", "list"])
def test_only_hr_records_staffing_changes(deployed, org: SmallOrg, act):
    for username in ("kapus", "rina", "ppk", "auditor"):
        with pytest.raises(Forbidden):
            act(deployed, username)


@pytest.mark.parametrize("call, field", [
    (lambda k: move_employee(k, "hr", RINA, "nowhere", KADIS, date(2026, 6, 1), "SK mutasi"), "unit"),
    (lambda k: move_employee(k, "hr", KAPUS, "dinkes", RINA, date(2026, 6, 1), "SK mutasi"), "supervisor"),
    (lambda k: move_employee(k, "hr", RINA, "pkm-mb", KAPUS, date(2026, 6, 1), "SK mutasi"), "unit"),
    (lambda k: move_employee(k, "hr", RINA, "dinkes", KADIS, date(2026, 6, 1), ""), "reason"),
    (lambda k: record_leaving(k, "hr", RINA, date(2026, 6, 1), "dipecat", "SK Bupati"), "kind"),
    (lambda k: appoint_acting(k, "hr", DEDI, KAPUS, "pjs", date(2026, 6, 1), date(2026, 6, 5), "SK Bupati"), "kind"),
    (lambda k: appoint_acting(k, "hr", DEDI, KAPUS, "plt", date(2026, 6, 5), date(2026, 6, 1), "SK Bupati"), "ends_on"),
    (lambda k: appoint_acting(k, "hr", KAPUS, KAPUS, "plt", date(2026, 6, 1), date(2026, 6, 5), "SK Bupati"), "acting"),
], ids=["unknown-unit", "supervisor-cycle", "no-change", "no-reason", "leaving-kind", "acting-kind", "dates",
        "self"])
def test_a_wrong_request_is_refused_naming_the_field(deployed, org, call, field):
    with pytest.raises(ValidationFailed) as refused:
        call(deployed)
    assert refused.value.details[0]["field"] == field


def test_hr_of_another_organisation_does_not_find_the_employee(deployed, org, other_org):
    with pytest.raises(NotFound):
        move_employee(deployed, "hr-kph", RINA, "dinkes", KADIS, date(2026, 6, 1), "SK mutasi")


# --- the doors: API, pages, command line ------------------------------------------------------

MOVE = {"nip": RINA, "unit": "dinkes", "supervisor": KADIS, "effective_date": "2026-06-01", "reason": "SK mutasi"}
LEAVING = {"nip": DEDI, "kind": "pindah_instansi", "effective_date": "2026-06-01", "reason": "Pindah ke Kab. Tebo"}
ACTING = {"acting": DEDI, "for": KAPUS, "kind": "plh", "starts_on": "2026-06-01", "ends_on": "2026-06-05",
          "reason": "Kepala Puskesmas dinas luar"}
DOORS = [("/organisations/bungo/moves", MOVE), ("/organisations/bungo/acting", ACTING),
         ("/organisations/bungo/leavings", LEAVING)]


def test_hr_records_staffing_changes_through_the_api(api, deployed):
    for path, body in DOORS:
        assert api.ok("post", path, "hr", 201, json=body)["id"] >= 1
    listed = api.ok("get", "/organisations/bungo/staffing", "hr")["items"]
    assert sorted(item["kind"] for item in listed) == ["berhenti", "mutasi", "plh"]


@pytest.mark.parametrize("path, body", DOORS + [("/organisations/bungo/staffing", None)])
def test_the_api_refuses_staffing_changes_to_others_than_hr(api, path, body):
    for username in ("kapus", "rina", "auditor"):
        response = api.post(path, username, json=body) if body else api.get(path, username)
        error_of(response, 403)


def test_hr_of_another_organisation_finds_no_such_organisation_in_the_api(api, other_org):
    error_of(api.post("/organisations/bungo/moves", "hr-kph", json=MOVE), 404)


def test_the_api_names_the_wrong_field(api):
    assert error_of(api.post("/organisations/bungo/moves", "hr", json={**MOVE, "unit": "nowhere"}), 422)
    body = error_of(api.post("/organisations/bungo/acting", "hr", json={**ACTING, "kind": "pjs"}), 422)
    assert "kind" in str(body["details"])


def test_hr_appoints_a_plt_on_the_page_and_sees_it_listed(app):
    hr = login(app, "hr")
    assert 'data-testid="nav-staffing"' in hr.get("/pegawai/mutasi").get_data(as_text=True)
    refused = hr.post("/pegawai/mutasi/plt", data={**ACTING, "ends_on": "2026-05-01"})
    assert refused.status_code == 422 and elements(refused.get_data(as_text=True), "field-error")
    done = hr.post("/pegawai/mutasi/plt", data=ACTING, follow_redirects=True)
    assert done.status_code == 200
    [row] = elements(done.get_data(as_text=True), "staffing-record")
    assert "Plh" in row["_text"] and "Kepala Puskesmas dinas luar" in row["_text"]


@pytest.mark.parametrize("method, path", [("get", "/pegawai/mutasi"), ("post", "/pegawai/mutasi/pindah"),
                                          ("post", "/pegawai/mutasi/berhenti"), ("post", "/pegawai/mutasi/plt")])
def test_the_pages_refuse_others_than_hr(app, method, path):
    client = login(app, "kapus")
    assert getattr(client, method)(path, data=MOVE).status_code == 403
    assert 'data-testid="nav-staffing"' not in client.get("/").get_data(as_text=True)


def test_the_command_line_records_a_move_a_plt_and_a_leaving(deployed, org, database_url):
    moved = run(database_url, "org", "move", RINA, "--unit", "dinkes", "--supervisor", KADIS, "--date", "2026-06-01",
                "--reason", "SK mutasi")
    assert moved.exit_code == 0, moved.output
    acting = run(database_url, "org", "acting", DEDI, "--for", KAPUS, "--kind", "plt", "--from", "2026-06-01",
                 "--until", "2026-06-14", "--reason", "Kepala Puskesmas cuti")
    assert acting.exit_code == 0, acting.output
    left = run(database_url, "org", "leave", DEDI, "--kind", "pensiun", "--date", "2026-06-30", "--reason", "BUP")
    assert left.exit_code == 0, left.output
    refused = run(database_url, "org", "move", RINA, "--unit", "nowhere", "--date", "2026-06-01", "--reason", "SK x")
    assert refused.exit_code != 0 and "unit" in refused.output
    assert sorted(r.kind for r in staffing_records(deployed, "hr", "bungo")) == ["berhenti", "mutasi", "plt"]
