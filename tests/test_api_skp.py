"""The SKP over the REST API: an employee's versions, one version as a document with its
history, a revision during the year, the editor's save-and-come-back, and the organisation's
goals at the top of the cascade. Who may read is the pages' rule: the employee, their
supervisors up the line, HR, PPK and auditors of the organisation; to anyone else the SKP
does not exist (404)."""
from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate
from werkzeug.test import TestResponse

from engine.kinerja import Kinerja
from engine.skp import list_skp
from tests.support import BASE, GOALS, RHK_TEXT, ApiClient, SmallOrg, agree_skp, error_of, inbox_task, submit_skp

KAPUS_NIP, RINA_NIP = "198002022005012002", "199003032015031003"


def put(api: ApiClient, path: str, username: str, body: Any) -> TestResponse:
    return api.client.put(BASE + path, json=body, headers={"Authorization": f"Bearer {api.token(username)}"})


@pytest.fixture
def kapus_agreed(deployed: Kinerja, org: SmallOrg, cycle: int) -> None:
    """The Kepala Puskesmas's SKP is agreed (and so the Kepala Dinas's above it): the nurses
    can pick what their RHK intervene."""
    agree_skp(deployed, org.employee_ids[KAPUS_NIP], cycle)


@pytest.fixture
def rina_agreed(deployed: Kinerja, org: SmallOrg, cycle: int) -> int:
    """Rina's SKP, agreed by her and her Kepala Puskesmas: its id."""
    agree_skp(deployed, org.cycle_employee, cycle)
    [skp] = list_skp(deployed, "rina", cycle_id=cycle)
    return skp.id


def nurse_content(choices: list[dict[str, Any]]) -> dict[str, Any]:
    """Rina's SKP as she fills in the editor: an RHK utama intervening her head's first RHK,
    with a decimal target and a Rencana Aksi; an RHK tambahan with a described target; and an
    Ekspektasi Khusus Pimpinan."""
    return {"layout": "ja_jf", "approach": "kuantitatif", "rhk": [
        {"kind": "utama", "text": "Terlaksananya imunisasi dasar lengkap bagi bayi", "intervensi": choices[0]["id"],
         "indicators": [{"aspek": "kuantitas", "text": "Persentase bayi diimunisasi lengkap",
                         "target_value": 92.5, "target_unit": "persen"}],
         "rencana_aksi": [{"period": 1, "text": "Posyandu keliling"}]},
        {"kind": "tambahan", "text": "Menjadi narasumber kelas ibu hamil",
         "indicators": [{"aspek": "kualitas", "text": "Materi kelas",
                         "target_description": "Materi disetujui Kepala Puskesmas"}]}],
        "perilaku": {"kolaboratif": "Aktif di lintas program"}}


# --- listing -----------------------------------------------------------------------------------

def test_an_employee_lists_her_own_skp_versions_without_naming_herself(api, org, cycle, rina_agreed):
    [mine] = api.ok("get", "/skp", "rina")["items"]
    assert (mine["id"], mine["version"], mine["status"], mine["cycle_id"], mine["year"]) == (
        rina_agreed, 1, "agreed", cycle, 2026)
    assert mine["employee"] == {"name": "Rina Marlina, Amd.Kep", "nip": RINA_NIP, "position": "Perawat",
                                "unit": "Puskesmas Muara Bungo"}
    assert mine["set_at"].endswith("+00:00") and mine["superseded_at"] is None


def test_her_supervisor_hr_and_the_auditor_list_her_skp_by_nip_and_cycle(api, cycle, rina_agreed):
    for reader in ("kapus", "kadis", "hr", "ppk", "auditor"):
        items = api.ok("get", f"/skp?employee={RINA_NIP}&cycle={cycle}", reader)["items"]
        assert [item["id"] for item in items] == [rina_agreed], reader
    assert api.ok("get", f"/skp?employee={RINA_NIP}&cycle={cycle + 1}", "hr")["items"] == []


def test_a_colleague_and_another_organisation_get_404_for_her_skp_list(api, other_org, rina_agreed):
    for stranger in ("dedi", "hr-kph"):
        error_of(api.get(f"/skp?employee={RINA_NIP}", stranger), 404)
    error_of(api.get("/skp?employee=000000000000000000", "hr"), 404)


def test_a_user_who_is_no_employee_must_name_one_and_unknown_parameters_are_refused(api, cycle):
    assert error_of(api.get("/skp", "hr"), 422)["details"] == [{"field": "employee", "message": "required"}]
    assert "nip" in error_of(api.get(f"/skp?nip={RINA_NIP}", "hr"), 422)["message"]


# --- one version as a document -----------------------------------------------------------------

def test_an_skp_reads_as_a_document_with_its_versions(api, cycle, rina_agreed):
    document = api.ok("get", f"/skp/{rina_agreed}", "kapus")
    assert (document["id"], document["version"], document["status"]) == (rina_agreed, 1, "agreed")
    assert (document["layout"], document["approach"], document["organisation"]) == (
        "ja_jf", "kuantitatif", "Pemerintah Kabupaten Bungo")
    assert document["employee"]["nip"] == RINA_NIP
    assert document["evaluator"] == {"name": "Siti Aminah, SKM", "nip": KAPUS_NIP, "position": "Kepala Puskesmas",
                                     "unit": "Puskesmas Muara Bungo"}
    assert (document["signed_by"], document["set_by"]) == ("Rina Marlina, Amd.Kep", "Siti Aminah, SKM")
    assert len(document["content_hash"]) == 64 and document["signed_at"] and document["set_at"]
    [rhk] = document["rhk"]
    assert (rhk["kind"], rhk["number"], rhk["text"], rhk["intervenes"]) == ("utama", 1, RHK_TEXT, RHK_TEXT)
    assert rhk["indicators"] == [{"aspek": "kuantitas", "text": "Cakupan IDL", "target": "95 persen",
                                  "perspektif": None}]
    assert [value["value"] for value in document["perilaku"]][:2] == ["Berorientasi Pelayanan", "Akuntabel"]
    assert all(value["guide"] and value["ekspektasi_khusus"] is None for value in document["perilaku"])
    assert document["periods"][0] == "Triwulan I" and document["lampiran"] == {}
    target = document["content"]["rhk"][0]["indicators"][0]["target_value"]
    assert target == 95 and isinstance(target, int), "a target is a JSON number"
    assert document["versions"] == [{"id": rina_agreed, "version": 1, "status": "agreed",
                                     "set_at": document["set_at"], "superseded_at": None,
                                     "revision_reason": None, "changes": []}]


def test_a_colleague_and_another_organisation_get_404_for_her_skp(api, other_org, rina_agreed):
    assert api.ok("get", f"/skp/{rina_agreed}", "auditor")["id"] == rina_agreed
    for stranger in ("dedi", "hr-kph"):
        error_of(api.get(f"/skp/{rina_agreed}", stranger), 404)
    error_of(api.get(f"/skp/{rina_agreed + 1000}", "hr"), 404)
    error_of(api.get(f"/skp/{rina_agreed}"), 401)


# --- the editor: save as draft, come back ------------------------------------------------------

def test_a_draft_is_saved_without_submitting_and_comes_back_in_the_editor(api, deployed, kapus_agreed):
    task = inbox_task(deployed, "rina", "draft_skp")
    editor = api.ok("get", f"/tasks/{task.id}/skp-editor", "rina")
    assert (editor["status"], editor["skp_id"], editor["version"], editor["content"]) == ("new", None, 1, {"rhk": []})
    assert editor["parents"]["top"] is False and editor["parents"]["supervisor"] == "Siti Aminah, SKM"
    assert editor["parents"]["waiting_for"] is None and editor["parents"]["choices"][0]["kind"] == "utama"
    assert editor["periods"] == ["Triwulan I", "Triwulan II", "Triwulan III", "Triwulan IV"]

    content = nurse_content(editor["parents"]["choices"])
    saved = put(api, f"/tasks/{task.id}/skp-draft", "rina", {"data": content})
    assert saved.status_code == 200, saved.get_json()
    skp_id = saved.get_json()["skp_id"]

    again = api.ok("get", f"/tasks/{task.id}/skp-editor", "rina")
    assert (again["status"], again["skp_id"], again["return_comment"], again["rhk_comments"]) == (
        "draft", skp_id, None, [])
    kept = [{key: value for key, value in row.items() if key != "id"} for row in again["content"]["rhk"]]
    assert kept == content["rhk"] and again["content"]["perilaku"] == content["perilaku"]
    assert again["content"]["rhk"][0]["indicators"][0]["target_value"] == 92.5
    assert api.ok("get", f"/tasks/{task.id}", "rina")["status"] == "open", "saving does not submit"
    assert api.ok("get", f"/skp/{skp_id}", "rina")["status"] == "draft"

    api.ok("post", f"/tasks/{task.id}/complete", "rina", json={"data": again["content"]})
    assert api.ok("get", f"/skp/{skp_id}", "kapus")["status"] == "submitted"


def test_a_draft_with_a_bad_field_is_refused_naming_it(api, deployed, kapus_agreed):
    task = inbox_task(deployed, "rina", "draft_skp")
    choices = api.ok("get", f"/tasks/{task.id}/skp-editor", "rina")["parents"]["choices"]
    content = nurse_content(choices)
    content["rhk"][1]["kind"] = "sampingan"
    refused = error_of(put(api, f"/tasks/{task.id}/skp-draft", "rina", {"data": content}), 422)
    assert [problem["field"] for problem in refused["details"]] == ["rhk.1.kind"]
    content = nurse_content(choices)
    content["rhk"][0]["indicators"][0]["target_description"] = "dan juga uraian"
    both = error_of(put(api, f"/tasks/{task.id}/skp-draft", "rina", {"data": content}), 422)
    assert both["details"][0]["field"] == "rhk.0.indicators.0"
    unknown = error_of(put(api, f"/tasks/{task.id}/skp-draft", "rina", {"data": {}, "submit": True}), 422)
    assert "submit" in unknown["message"]
    assert api.ok("get", f"/tasks/{task.id}/skp-editor", "rina")["status"] == "new", "nothing was kept"


def test_only_the_holder_saves_a_draft_and_others_do_not_see_the_editor(api, deployed, other_org, kapus_agreed):
    task = inbox_task(deployed, "rina", "draft_skp")
    for stranger in ("dedi", "hr-kph"):
        error_of(put(api, f"/tasks/{task.id}/skp-draft", stranger, {"data": {"rhk": []}}), 404)
        error_of(api.get(f"/tasks/{task.id}/skp-editor", stranger), 404)
    error_of(put(api, f"/tasks/{task.id}/skp-draft", "kapus", {"data": {"rhk": []}}), 403)


def test_a_task_that_is_no_skp_draft_has_no_editor(api, deployed, rina_agreed):
    submit_skp(deployed, "dedi")
    approval = inbox_task(deployed, "kapus", "approve_skp")
    refused = error_of(api.get(f"/tasks/{approval.id}/skp-editor", "kapus"), 409)
    assert refused["details"] == {"reason": "not_skp_task"}
    error_of(put(api, f"/tasks/{approval.id}/skp-draft", "kapus", {"data": {"rhk": []}}), 409)


# --- a revision during the year ----------------------------------------------------------------

def test_her_pejabat_penilai_opens_a_revision_that_becomes_version_2_with_its_changes(api, deployed, rina_agreed):
    opened = api.post(f"/skp/{rina_agreed}/revisions", "kapus", json={"reason": "Mutasi tugas ke poli KIA"})
    assert opened.status_code == 201, opened.get_json()
    revision = opened.get_json()
    assert revision["version"] == 2 and revision["status"] == "draft" and revision["id"] != rina_agreed
    assert opened.headers["Location"].endswith(f"{BASE}/skp/{revision['id']}")
    error_of(api.post(f"/skp/{rina_agreed}/revisions", "rina", json={"reason": "Sekali lagi"}), 409)

    task = inbox_task(deployed, "rina", "draft_skp")
    editor = api.ok("get", f"/tasks/{task.id}/skp-editor", "rina")
    assert (editor["skp_id"], editor["version"], editor["revision_reason"]) == (
        revision["id"], 2, "Mutasi tugas ke poli KIA")
    content = editor["content"]
    content["rhk"][0]["indicators"][0]["target_value"] = 97.5
    api.ok("post", f"/tasks/{task.id}/complete", "rina", json={"data": content})
    approval = inbox_task(deployed, "kapus", "approve_skp")
    api.ok("post", f"/tasks/{approval.id}/complete", "kapus", json={"data": {"skp_decision": "approve"}})

    assert [(s["version"], s["status"]) for s in api.ok("get", "/skp", "rina")["items"]] == [
        (2, "agreed"), (1, "revised")]
    versions = api.ok("get", f"/skp/{rina_agreed}", "hr")["versions"]
    assert [(v["id"], v["version"], v["status"], v["revision_reason"]) for v in versions] == [
        (rina_agreed, 1, "revised", None), (revision["id"], 2, "agreed", "Mutasi tugas ke poli KIA")]
    assert versions[0]["superseded_at"] and versions[1]["changes"] == [
        {"path": "rhk.0.indicators.0.target_value", "before": 95, "after": 97.5}]


def test_only_the_parties_open_a_revision_with_a_reason(api, other_org, rina_agreed):
    error_of(api.post(f"/skp/{rina_agreed}/revisions", "hr", json={"reason": "Mutasi"}), 403)
    for stranger in ("dedi", "hr-kph"):
        error_of(api.post(f"/skp/{rina_agreed}/revisions", stranger, json={"reason": "Mutasi"}), 404)
    for blank in ({"reason": "   "}, {"reason": "ab"}, {}, {"reason": "Mutasi", "version": 2}):
        error_of(api.post(f"/skp/{rina_agreed}/revisions", "rina", json=blank), 422)
    assert [s["version"] for s in api.ok("get", "/skp", "rina")["items"]] == [1], "nothing was opened"


# --- the organisation's goals ------------------------------------------------------------------

def test_hr_sets_the_goals_of_a_cycle_that_everyone_in_the_organisation_reads(api, other_org, cycle):
    goals = api.ok("get", f"/cycles/{cycle}/goals", "rina")["goals"]
    assert [goal["text"] for goal in goals] == GOALS
    wanted = [GOALS[0], "Meningkatnya indeks pembangunan manusia", GOALS[1]]
    saved = put(api, f"/cycles/{cycle}/goals", "hr", {"goals": wanted})
    assert saved.status_code == 200, saved.get_json()
    assert [goal["text"] for goal in saved.get_json()["goals"]] == wanted
    assert [goal["id"] for goal in saved.get_json()["goals"]][:2] == [goal["id"] for goal in goals], \
        "a goal keeps its id by position"
    assert api.ok("get", f"/cycles/{cycle}/goals", "kadis")["goals"] == saved.get_json()["goals"]
    error_of(api.get(f"/cycles/{cycle}/goals", "hr-kph"), 404)
    error_of(put(api, f"/cycles/{cycle}/goals", "hr-kph", {"goals": ["Lain"]}), 404)


def test_only_hr_sets_goals_and_one_an_rhk_intervenes_stays(api, cycle, rina_agreed):
    for not_hr in ("kadis", "rina", "auditor"):
        error_of(put(api, f"/cycles/{cycle}/goals", not_hr, {"goals": ["Sasaran baru"]}), 403)
    error_of(put(api, f"/cycles/{cycle}/goals", "hr", {"goals": ["x" * 2001]}), 422)
    error_of(put(api, f"/cycles/{cycle}/goals", "hr", {"goals": GOALS, "year": 2026}), 422)
    in_use = error_of(put(api, f"/cycles/{cycle}/goals", "hr", {"goals": []}), 409)  # the Kepala Dinas's RHK
    assert in_use["details"] == {"reason": "goal_in_use"}
    assert [goal["text"] for goal in api.ok("get", f"/cycles/{cycle}/goals", "hr")["goals"]] == GOALS


# --- the document ------------------------------------------------------------------------------

def test_the_openapi_document_describes_the_skp_endpoints(app):
    document = app.test_client().get(f"{BASE}/openapi.json").get_json()
    validate(document)
    operations = {(method, path.removeprefix(BASE)): operation for path, item in document["paths"].items()
                  for method, operation in item.items() if method != "parameters"}
    skp = {("get", "/skp"), ("get", "/skp/{skp_id}"), ("post", "/skp/{skp_id}/revisions"),
           ("get", "/tasks/{task_id}/skp-editor"), ("put", "/tasks/{task_id}/skp-draft"),
           ("get", "/cycles/{cycle_id}/goals"), ("put", "/cycles/{cycle_id}/goals")}
    assert skp <= set(operations)
    for key in skp:
        assert operations[key]["security"] == [{"bearerAuth": []}] and "404" in operations[key]["responses"], key
    assert "Location" in operations[("post", "/skp/{skp_id}/revisions")]["responses"]["201"]["headers"]
