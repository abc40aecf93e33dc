"""Handing a task on: only to someone allowed to hold it, chosen from a list, with a reason,
and the same answers through the engine, the API and the pages.

The Puskesmas of the small organisation gets more officials: a head of administration
(Kasubbag TU) with a coordinator under him, and an internal auditor who supervises a clerk.
"""
from __future__ import annotations

import re

import pytest
from flask import Flask

from engine.actors import SYSTEM, Operator
from engine.delegation import delegate_task, delegates_for
from engine.errors import Forbidden, ValidationFailed
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.org import EmployeeSpec, add_employees, add_user
from engine.read_models import instance_history, task_detail
from engine.tasks import claim_task, complete_task
from tests.support import RHK_TEXT, SignedIn, SmallOrg, inbox_task, open_cycle, submit_skp

KAPUS = "198002022005012002"
KATU, KOOR, INSP = "198505052010011005", "198606062011011006", "198707072012011007"


@pytest.fixture
def puskesmas(org: SmallOrg, deployed: Kinerja) -> dict[str, int]:
    """The extra staff, and this year's cycle for Rina (a nurse) and Kasubbag TU."""
    ids = add_employees(deployed, SYSTEM, "bungo", [
        EmployeeSpec(KATU, "Budi Santoso, SE", "Kepala Subbagian Tata Usaha", "pkm-mb", KAPUS, username="katu",
                     password="rahasia-katu"),
        EmployeeSpec(KOOR, "Ani Lestari", "Koordinator Umum", "pkm-mb", KATU, username="koor",
                     password="rahasia-koor"),
        EmployeeSpec("199208082015011008", "Tono", "Pengadministrasi Umum", "pkm-mb", KOOR, username="staf",
                     password="rahasia-staf"),
        EmployeeSpec(INSP, "Wati Pengawas", "Pengawas Internal", "pkm-mb", KAPUS, username="insp",
                     password="rahasia-insp", roles=("auditor",)),
        EmployeeSpec("199309092016011009", "Joni", "Pengadministrasi", "pkm-mb", INSP, username="staf2",
                     password="rahasia-staf2"),
    ])
    open_cycle(deployed, [org.cycle_employee, ids[KATU]])
    return ids


def refusal(error: ValidationFailed) -> dict[str, str]:
    return {problem["location"]: problem["code"] for problem in error.details}


# -- the rule, in the engine ------------------------------------------------------------------

def test_a_supervisors_task_goes_only_to_another_official_of_the_unit(puskesmas: dict[str, int],
                                                                      deployed: Kinerja) -> None:
    submit_skp(deployed, "rina")
    approval = inbox_task(deployed, "kapus", "approve_skp")
    assert [(d.username, d.name, d.position) for d in delegates_for(deployed, "kapus", approval.id)] == [
        ("koor", "Ani Lestari", "Koordinator Umum"), ("katu", "Budi Santoso, SE", "Kepala Subbagian Tata Usaha")], \
        "officials of the unit, by name: not the nurses, the clerk, the auditor or the head of the Dinas"

    for target, code in (("rina", "subject"), ("insp", "auditor"), ("kadis", "not_eligible"),
                         ("dedi", "not_eligible"), ("staf", "not_eligible"), ("kapus", "self"),
                         ("tidak-ada", "unknown")):
        with pytest.raises(ValidationFailed) as refused:
            delegate_task(deployed, "kapus", approval.id, target, "Cuti tahunan")
        assert refusal(refused.value) == {"to": code}, target
    with pytest.raises(ValidationFailed) as refused:
        delegate_task(deployed, "kapus", approval.id, "katu", "   ")
    assert refusal(refused.value) == {"reason": "reason_missing"}
    assert inbox_task(deployed, "kapus", "approve_skp").id == approval.id, "nothing moved"

    delegate_task(deployed, "kapus", approval.id, "katu", "Cuti tahunan 2–6 Maret")
    assert inbox_task(deployed, "katu", "approve_skp").id == approval.id
    assert not [t for t in list_tasks(deployed, "kapus") if t.id == approval.id]
    with pytest.raises(Forbidden):
        complete_task(deployed, "kapus", approval.id, {"skp_decision": "approve"})
    events = [e for e in instance_history(deployed, Operator('test'), approval.instance_id) if e["action"] == "task.delegated"]
    assert [(e["actor"], e["data"]) for e in events] == [("kapus", {
        "task_key": "approve_skp", "from": "kapus", "to": "katu", "reason": "Cuti tahunan 2–6 Maret"})]


def test_whoever_receives_a_task_sees_what_its_first_holder_saw(puskesmas: dict[str, int],
                                                                deployed: Kinerja) -> None:
    submit_skp(deployed, "rina")
    approval = inbox_task(deployed, "kapus", "approve_skp")
    before = task_detail(deployed, "kapus", approval.id)
    delegate_task(deployed, "kapus", approval.id, "katu", "Dinas luar")
    after = task_detail(deployed, "katu", approval.id)  # not Rina's supervisor, yet her file is his to read
    assert after.can_complete and after.employee == before.employee
    assert after.employee["name"] == "Rina Marlina, Amd.Kep"
    assert [(s.task_key, s.submitted["rhk"][0]["text"]) for s in after.history] == [("draft_skp", RHK_TEXT)]
    complete_task(deployed, "katu", approval.id, {"skp_decision": "approve"})
    assert task_detail(deployed, "katu", approval.id).history, "the step he did stays readable to him"


def test_nobody_below_the_employee_receives_their_task(puskesmas: dict[str, int], deployed: Kinerja) -> None:
    submit_skp(deployed, "katu")
    approval = inbox_task(deployed, "kapus", "approve_skp")
    assert delegates_for(deployed, "kapus", approval.id) == [], \
        "Kasubbag TU is the employee, the coordinator reports to him, the other official is an auditor"
    with pytest.raises(ValidationFailed) as refused:
        delegate_task(deployed, "kapus", approval.id, "koor", "Cuti")
    assert refusal(refused.value) == {"to": "not_eligible"}


def test_own_steps_and_unclaimed_group_tasks_are_not_handed_on(puskesmas: dict[str, int], deployed: Kinerja) -> None:
    draft = inbox_task(deployed, "rina", "draft_skp")
    for attempt in (lambda: delegates_for(deployed, "rina", draft.id),
                    lambda: delegate_task(deployed, "rina", draft.id, "dedi", "Sakit")):
        with pytest.raises(Forbidden) as refused:
            attempt()
        assert refused.value.details == {"code": "own_step"}
    with pytest.raises(Forbidden):
        delegate_task(deployed, "kapus", draft.id, "katu", "Bukan tugasnya")
    with pytest.raises(Forbidden):
        delegate_task(deployed, "auditor", draft.id, "kapus", "Auditor hanya membaca")


def test_a_group_task_passes_to_another_member_of_its_group(org: SmallOrg, deployed: Kinerja) -> None:
    """The Kepala Dinas has no supervisor: HR approves his SKP, and one HR officer hands it to another."""
    add_user(deployed, SYSTEM, "bungo", "hr2", "rahasia-hr2", "Analis SDM BKPSDM", roles=["hr"])
    add_user(deployed, SYSTEM, "bungo", "hr-auditor", "rahasia-hr-auditor", "HR dan auditor", roles=["hr", "auditor"])
    open_cycle(deployed, [org.employee_ids["197001012000011001"]])
    submit_skp(deployed, "kadis")
    approval = inbox_task(deployed, "hr", "approve_skp")
    with pytest.raises(Forbidden) as refused:
        delegates_for(deployed, "hr", approval.id)
    assert refused.value.details == {"code": "not_claimed"}
    claim_task(deployed, "hr", approval.id)
    assert [d.username for d in delegates_for(deployed, "hr", approval.id)] == ["hr2"]
    delegate_task(deployed, "hr", approval.id, "hr2", "Pembagian beban kerja")
    assert [t.id for t in list_tasks(deployed, "hr2", "mine")] == [approval.id]
    assert [t.id for t in list_tasks(deployed, "hr", "group")] == [], "still claimed: not back in the group inbox"


# -- the API ----------------------------------------------------------------------------------

def test_the_api_lists_delegates_and_refuses_the_others_with_reasons(puskesmas: dict[str, int], app: Flask,
                                                                     deployed: Kinerja, other_org: str) -> None:
    submit_skp(deployed, "rina")
    approval = inbox_task(deployed, "kapus", "approve_skp")
    kapus, rina = SignedIn(app, "kapus"), SignedIn(app, "rina")
    path = f"/tasks/{approval.id}/delegate"

    status, body = kapus.api("get", f"/tasks/{approval.id}/delegates")
    assert status == 200 and [d["name"] for d in body["items"]] == ["Ani Lestari", "Budi Santoso, SE"]
    for target, code in (("rina", "subject"), ("insp", "auditor"), ("kadis", "not_eligible"), ("hr-kph", "unknown")):
        status, body = kapus.api("post", path, {"to": target, "reason": "Cuti"})
        assert status == 422 and body["error"]["details"] == [{"location": "to", "code": code,
                                                               "message": body["error"]["details"][0]["message"]}]
    status, body = kapus.api("post", path, {"to": "katu"})
    assert status == 422 and "reason" in body["error"]["details"]["json"], "the reason is required"
    status, body = kapus.api("post", path, {"to": "katu", "reason": "x" * 501})
    assert status == 422
    assert SignedIn(app, "dedi").api("post", path, {"to": "katu", "reason": "Cuti"})[0] == 404
    assert SignedIn(app, "dedi").api("get", f"/tasks/{approval.id}/delegates")[0] == 404
    own = inbox_task(deployed, "katu", "draft_skp")
    status, body = SignedIn(app, "katu").api("get", f"/tasks/{own.id}/delegates")
    assert status == 403 and body["error"]["details"] == {"code": "own_step"}

    status, body = kapus.api("post", path, {"to": "katu", "reason": "Cuti tahunan"})
    assert status == 200 and body["id"] == approval.id and body["assignee_user_id"] is not None
    status, body = SignedIn(app, "katu").api("get", f"/tasks/{approval.id}")
    assert status == 200 and body["can_complete"] and body["employee"]["name"] == "Rina Marlina, Amd.Kep"
    status, history = kapus.api("get", f"/instances/{approval.instance_id}/history")
    assert [e["data"] for e in history["items"] if e["action"] == "task.delegated"] == [
        {"task_key": "approve_skp", "from": "kapus", "to": "katu", "reason": "Cuti tahunan"}]
    assert rina.api("post", path, {"to": "dedi", "reason": "x"})[0] == 403, "her supervisor's task is not hers"


# -- the pages --------------------------------------------------------------------------------

def options(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select id="delegate-to".*?</select>', html, re.S)
    assert select, "no list of delegates on the page"
    return [(value, " ".join(label.split())) for value, label in
            re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select.group(0), re.S) if value]


def field_error(html: str, field: str) -> str:
    match = re.search(rf'data-field="{field}">\s*<p>(.*?)</p>', html, re.S)
    assert match, f"no message next to {field}"
    return match.group(1)


def test_the_page_offers_the_officials_by_name_and_explains_refusals(puskesmas: dict[str, int], app: Flask,
                                                                     deployed: Kinerja) -> None:
    submit_skp(deployed, "rina")
    approval = inbox_task(deployed, "kapus", "approve_skp")
    kapus = SignedIn(app, "kapus").page
    page = kapus.get(f"/tasks/{approval.id}").get_data(as_text=True)
    assert options(page) == [("koor", "Ani Lestari · Koordinator Umum"),
                             ("katu", "Budi Santoso, SE · Kepala Subbagian Tata Usaha")]

    refused = kapus.post(f"/tasks/{approval.id}/delegate", data={"to": "katu", "reason": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and field_error(html, "reason") == "Tuliskan alasan pengalihan."
    assert 'value="katu" selected' in html, "the choice is kept"
    refused = kapus.post(f"/tasks/{approval.id}/delegate", data={"to": "katu", "reason": "x" * 501})
    assert refused.status_code == 422
    assert field_error(refused.get_data(as_text=True), "reason") == \
        "Alasan terlalu panjang: paling banyak 500 karakter."
    refused = kapus.post(f"/tasks/{approval.id}/delegate", data={"to": "rina", "reason": "Cuti"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert field_error(html, "to") == "Tugas tidak dapat dialihkan kepada pegawai yang dinilai."
    assert ">Cuti</textarea>" in html, "the reason is kept"

    done = kapus.post(f"/tasks/{approval.id}/delegate", data={"to": "katu", "reason": "Cuti tahunan"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/inbox")
    assert "Budi Santoso, SE" in kapus.get("/inbox").get_data(as_text=True)
    katu_page = SignedIn(app, "katu").page.get(f"/tasks/{approval.id}").get_data(as_text=True)
    assert 'data-testid="task-form"' in katu_page and "Rina Marlina, Amd.Kep" in katu_page
    assert "Meningkatnya cakupan imunisasi dasar lengkap" in katu_page, "the SKP she submitted"


def test_an_own_step_has_no_hand_over_on_its_page(puskesmas: dict[str, int], app: Flask, deployed: Kinerja) -> None:
    draft = inbox_task(deployed, "rina", "draft_skp")
    rina = SignedIn(app, "rina").page
    page = rina.get(f"/tasks/{draft.id}").get_data(as_text=True)
    assert 'data-testid="skp-editor"' in page and 'data-testid="delegate-form"' not in page
    refused = rina.post(f"/tasks/{draft.id}/delegate", data={"to": "dedi", "reason": "Sakit"})
    assert refused.status_code == 403
    assert "Langkah pegawai sendiri tidak dapat dialihkan." in refused.get_data(as_text=True)
    assert SignedIn(app, "dedi").page.post(f"/tasks/{draft.id}/delegate", data={"to": "dedi"}).status_code == 404
