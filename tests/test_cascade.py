"""The cascade ("Matriks peran hasil"): which RHK of whose agreed SKP each staff RHK
intervenes, per unit, from the organisation's goals down; who has no agreed SKP yet; the CSV
and the API; and the organisation's goals HR keeps on the cycle page."""
from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from sqlalchemy import event, select

from engine.actors import SYSTEM
from engine.cascade import unit_cascade
from engine.kinerja import Kinerja
from engine.models import AuditEvent
from engine.org import EmployeeSpec, add_employees
from engine.skp import list_skp, open_skp_revision, organisation_goals, skp_document, skp_editor
from tests.support import (
    APPROVE_SKP,
    GOALS,
    RHK_TEXT,
    ApiClient,
    SmallOrg,
    agree_skp,
    do_task,
    elements,
    error_of,
    inbox_task,
    login,
    open_cycle,
    submit_skp,
)

KADIS_NIP, KAPUS_NIP, RINA_NIP, DEDI_NIP = ("197001012000011001", "198002022005012002", "199003032015031003",
                                            "199104042016041004")
PUSKESMAS = "Puskesmas Muara Bungo"


@pytest.fixture
def chain(deployed: Kinerja, org: SmallOrg, cycle: int) -> dict[str, list[int]]:
    """Kepala Dinas → Kepala Puskesmas → Rina agreed down the line (each intervening the first
    thing above), Dedi's SKP submitted but not agreed. The RHK ids of each agreed SKP."""
    agree_skp(deployed, org.employee_ids[RINA_NIP], cycle)  # agrees the Kepala Dinas's and the head's first
    submit_skp(deployed, "dedi")
    return {username: _rhk_ids(deployed, nip) for username, nip in
            (("kadis", KADIS_NIP), ("kapus", KAPUS_NIP), ("rina", RINA_NIP))}


def _rhk_ids(kinerja: Kinerja, nip: str) -> list[int]:
    [agreed] = [s for s in list_skp(kinerja, "hr", nip) if s.status == "agreed"]
    return [row.id for row in skp_document(kinerja, "hr", agreed.id).rhk]


def test_the_puskesmas_shows_the_heads_rhk_with_the_nurses_rhk_under_it(app: Flask, chain, cycle):
    page = login(app, "hr").get("/units/pkm-mb/cascade")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Matriks peran hasil" in html and "RHK atasan yang diintervensi" in html
    [top] = elements(html, "cascade-top")
    assert top["data-kind"] == "rhk" and RHK_TEXT in top["_text"] and "dr. Hasan Basri" in top["_text"]
    [head_rhk] = elements(html, "cascade-rhk")
    assert (int(head_rhk["data-rhk-id"]), head_rhk["data-nip"]) == (chain["kapus"][0], KAPUS_NIP)
    [nurse_rhk] = elements(html, "cascade-child")
    assert (int(nurse_rhk["data-rhk-id"]), int(nurse_rhk["data-parent"])) == (chain["rina"][0], chain["kapus"][0])
    assert "Rina Marlina" in nurse_rhk["_text"]
    [missing] = elements(html, "cascade-missing-member")
    assert (missing["data-nip"], missing["data-status"]) == (DEDI_NIP, "submitted")
    assert "Belum ada SKP yang disepakati" in html
    members = [row["data-nip"] for row in elements(html, "cascade-member")]
    assert members[0] == KAPUS_NIP and set(members) == {KAPUS_NIP, RINA_NIP, DEDI_NIP}, "the head first"


def test_the_top_of_the_tree_hangs_under_the_organisations_goals(deployed, chain, cycle):
    view = unit_cascade(deployed, "ppk", "dinkes", cycle)
    [top] = view.tops
    assert (top.kind, top.text, top.owner) == ("goal", GOALS[0], None)
    [head_rhk] = top.rhk
    assert head_rhk.id == chain["kadis"][0] and head_rhk.employee == "dr. Hasan Basri"
    [sub_unit_head] = head_rhk.children  # the Kepala Puskesmas intervenes from her own unit
    assert (sub_unit_head.id, sub_unit_head.unit) == (chain["kapus"][0], PUSKESMAS)
    assert view.goals == GOALS and view.missing == [] and view.loose == []


def test_employees_without_an_agreed_skp_are_listed_with_where_their_skp_stands(deployed, org, cycle):
    view = unit_cascade(deployed, "hr", "pkm-mb")  # the newest cycle by default
    assert view.cycle_id == cycle and view.tops == []
    assert [(m.nip, m.status, m.head) for m in view.missing] == [
        (KAPUS_NIP, "none", True), (RINA_NIP, "none", False), (DEDI_NIP, "none", False)]


def test_staff_rhk_under_an_earlier_version_of_the_heads_skp_are_listed_apart(app: Flask, deployed, chain, cycle):
    [first] = [s for s in list_skp(deployed, "kapus") if s.status == "agreed"]
    open_skp_revision(deployed, "kapus", first.id, "Penugasan baru dari Kepala Dinas")
    redraft = inbox_task(deployed, "kapus", "draft_skp")
    do_task(deployed, "kapus", "draft_skp", skp_editor(deployed, "kapus", redraft.id).content)
    do_task(deployed, "kadis", "approve_skp", APPROVE_SKP)
    view = unit_cascade(deployed, "hr", "pkm-mb", cycle)
    [head_rhk] = view.tops[0].rhk
    assert head_rhk.id != chain["kapus"][0] and head_rhk.children == [], "version 2 has RHK of its own"
    [loose] = view.loose
    assert (loose.rhk.id, loose.rhk.employee, loose.intervenes) == (chain["rina"][0], "Rina Marlina, Amd.Kep",
                                                                    RHK_TEXT)
    assert view.members[0].version == 2
    page = login(app, "kapus").get("/units/pkm-mb/cascade").get_data(as_text=True)
    assert [int(rhk["data-rhk-id"]) for rhk in elements(page, "cascade-rhk")] == [head_rhk.id, chain["rina"][0]]


def test_the_csv_has_one_row_per_rhk_and_one_per_employee_without_an_agreed_skp(app: Flask, chain, cycle):
    response = login(app, "auditor").get(f"/units/pkm-mb/cascade.csv?cycle={cycle}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [
        ["unit", "atasan", "RHK atasan", "pegawai", "NIP", "jenis RHK", "RHK"],
        [PUSKESMAS, "dr. Hasan Basri", RHK_TEXT, "Siti Aminah, SKM", KAPUS_NIP, "utama", RHK_TEXT],
        [PUSKESMAS, "Siti Aminah, SKM", RHK_TEXT, "Rina Marlina, Amd.Kep", RINA_NIP, "utama", RHK_TEXT],
        [PUSKESMAS, "Siti Aminah, SKM", "", "Dedi Saputra, Amd.Kep", DEDI_NIP, "",
         "SKP diajukan, menunggu persetujuan"]]


def test_the_api_returns_the_tree(api: ApiClient, chain, cycle):
    body = api.ok("get", "/units/pkm-mb/cascade", "rina")
    assert (body["unit_code"], body["cycle_id"], body["goals"]) == ("pkm-mb", cycle, GOALS)
    [top] = body["tops"]
    assert (top["kind"], top["owner"]) == ("rhk", "dr. Hasan Basri")
    [head_rhk] = top["rhk"]
    assert (head_rhk["id"], head_rhk["nip"], head_rhk["kind"]) == (chain["kapus"][0], KAPUS_NIP, "utama")
    assert [(c["id"], c["employee"], c["children"]) for c in head_rhk["children"]] == [
        (chain["rina"][0], "Rina Marlina, Amd.Kep", [])]
    assert [(m["nip"], m["status"]) for m in body["missing"]] == [(DEDI_NIP, "submitted")]
    assert [m["version"] for m in body["members"]] == [1, 1, None]
    assert "/api/v1/units/{code}/cascade" in api.get("/openapi.json").get_json()["paths"]


def test_who_reads_a_units_cascade(app: Flask, api: ApiClient, other_org, chain, cycle, deployed):
    for username in ("hr", "ppk", "auditor", "kapus", "rina"):
        assert login(app, username).get("/units/pkm-mb/cascade").status_code == 200, username
        assert api.get("/units/pkm-mb/cascade", username).status_code == 200, username
    with deployed.reading() as uow:
        assert uow.session.scalars(select(AuditEvent.data).where(AuditEvent.action == "audit.viewed",
                                                                 AuditEvent.actor == "auditor")).all()
    # An employee of another unit: the unit is known in the organisation, its matrix is not theirs.
    assert login(app, "kadis").get("/units/pkm-mb/cascade").status_code == 403
    assert error_of(api.get("/units/pkm-mb/cascade", "kadis"), 403)["details"]["reason"] == "not_unit_member"
    # Another organisation's unit, a unit that does not exist, another organisation's cycle: not found.
    assert login(app, "hr-kph").get("/units/pkm-mb/cascade").status_code == 404
    error_of(api.get("/units/pkm-mb/cascade", "hr-kph"), 404)
    assert login(app, "hr").get("/units/no-such-unit/cascade.csv").status_code == 404
    error_of(api.get("/units/no-such-unit/cascade", "hr"), 404)
    error_of(api.get(f"/units/pkm-mb/cascade?cycle={cycle + 1000}", "hr"), 404)
    error_of(api.get("/units/pkm-mb/cascade?cycle=x", "hr"), 422)
    assert login(app, "hr").get("/units/pkm-mb/cascade?cycle=x").status_code == 400


def test_the_units_list_leads_each_reader_to_the_matrices_they_read(app: Flask, cycle):
    hr = login(app, "hr")
    units = elements(hr.get("/cascade").get_data(as_text=True), "cascade-unit-link")
    assert [u["_text"] for u in units] == ["Dinas Kesehatan", PUSKESMAS]
    cycle_page = hr.get(f"/cycles/{cycle}").get_data(as_text=True)
    assert [u["href"] for u in elements(cycle_page, "cascade-unit-link")] == [
        f"/units/dinkes/cascade?cycle={cycle}", f"/units/pkm-mb/cascade?cycle={cycle}"]
    nurse = login(app, "rina").get("/cascade").get_data(as_text=True)
    assert [u["href"] for u in elements(nurse, "cascade-unit-link")] == ["/units/pkm-mb/cascade"]
    assert elements(nurse, "nav-cascade")


def test_hr_keeps_the_organisations_goals_on_the_cycle_page(app: Flask, deployed, cycle):
    hr = login(app, "hr")
    page = hr.get(f"/cycles/{cycle}").get_data(as_text=True)
    assert elements(page, "goals-field")[0]["_text"] == " ".join(GOALS)
    goals = [*GOALS, "Meningkatnya akuntabilitas kinerja"]
    saved = hr.post(f"/cycles/{cycle}/goals", data={"goals": "\n".join(goals) + "\n\n"})
    assert saved.status_code == 303
    assert [goal.label for goal in organisation_goals(deployed, "hr", cycle)] == goals

    too_long = hr.post(f"/cycles/{cycle}/goals", data={"goals": "x" * 2001})
    assert too_long.status_code == 422
    assert "paling banyak 2000 karakter" in elements(too_long.get_data(as_text=True), "goals-error")[0]["_text"]
    assert [goal.label for goal in organisation_goals(deployed, "hr", cycle)] == goals


def test_a_goal_an_rhk_intervenes_cannot_be_removed(app: Flask, deployed, chain, cycle):
    refused = login(app, "hr").post(f"/cycles/{cycle}/goals", data={"goals": ""})
    assert refused.status_code == 409
    assert GOALS[0] in elements(refused.get_data(as_text=True), "goals-error")[0]["_text"]
    assert [goal.label for goal in organisation_goals(deployed, "hr", cycle)] == GOALS


def test_only_hr_sets_the_goals(app: Flask, deployed, cycle):
    for username in ("ppk", "auditor", "kapus"):
        assert login(app, username).post(f"/cycles/{cycle}/goals", data={"goals": "Lain"}).status_code == 403
    assert [goal.label for goal in organisation_goals(deployed, "hr", cycle)] == GOALS


def test_a_larger_unit_costs_no_more_queries(deployed: Kinerja, org: SmallOrg, chain, cycle):
    def statements() -> int:
        seen: list[str] = []

        def count(*args) -> None:  # type: ignore[no-untyped-def]
            seen.append(args[2])

        event.listen(deployed.db, "before_cursor_execute", count)
        try:
            unit_cascade(deployed, "hr", "pkm-mb", cycle)
        finally:
            event.remove(deployed.db, "before_cursor_execute", count)
        return len(seen)

    before = statements()
    add_employees(deployed, SYSTEM, "bungo", [
        EmployeeSpec(f"19950101202001{n:04d}", f"Perawat {n}", "Perawat", "pkm-mb", KAPUS_NIP) for n in range(30)])
    open_cycle(deployed)
    do_task(deployed, "kapus", "approve_skp", APPROVE_SKP)  # Dedi's SKP agreed: one more branch of the tree
    view = unit_cascade(deployed, "hr", "pkm-mb", cycle)
    assert len(view.members) == 33 and len(view.missing) == 30 and len(view.tops[0].rhk[0].children) == 2
    assert statements() == before
