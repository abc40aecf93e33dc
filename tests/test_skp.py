"""The SKP as a document (PermenPANRB 6/2022): the cascade, drafts, the approval dialogue,
revisions during the year, and the tables written in the step's own transaction."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.actors import Operator
from engine.definitions import DefinitionFile
from engine.deployment import deploy
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.kinerja import Kinerja
from engine.migration import migrate_instances
from engine.models import AuditEvent, HumanTask
from engine.notifications import list_notifications
from engine.skp import list_skp, open_skp_revision, save_skp_draft, skp_document, skp_editor, task_skp
from engine.skp_tables import Rhk, Skp
from tests.support import (
    BPMN_DIR,
    GOALS,
    SHORT_YEAR,
    SmallOrg,
    agree_skp,
    complete_until,
    do_task,
    inbox_task,
    open_cycle,
    skp_answer,
    submit_skp,
)

KAPUS_NIP, RINA_NIP = "198002022005012002", "199003032015031003"


def nurse_skp(kapus_rhk: list[int]) -> dict:
    """The nurse's SKP of the acceptance journey: two RHK utama intervening the head's two
    RHK, one tambahan; two indicators on the first, a described target on the second;
    Rencana Aksi for four quarters; two Ekspektasi Khusus Pimpinan; a lampiran line."""
    return {"layout": "ja_jf", "approach": "kuantitatif", "rhk": [
        {"kind": "utama", "text": "Terlaksananya imunisasi dasar lengkap bagi bayi di wilayah kerja",
         "intervensi": kapus_rhk[0], "indicators": [
             {"aspek": "kuantitas", "text": "Persentase bayi diimunisasi lengkap", "target_value": 95,
              "target_unit": "persen"},
             {"aspek": "waktu", "text": "Laporan imunisasi bulanan", "target_value": 12, "target_unit": "bulan"}],
         "rencana_aksi": [{"period": q, "text": f"Posyandu keliling triwulan {q}"} for q in range(1, 5)]},
        {"kind": "utama", "text": "Meningkatnya kepuasan pasien rawat jalan", "intervensi": kapus_rhk[1],
         "indicators": [{"aspek": "kualitas", "text": "Keluhan pasien ditangani",
                         "target_description": "Setiap keluhan dijawab dalam 3 hari kerja"}]},
        {"kind": "tambahan", "text": "Menjadi narasumber kelas ibu hamil",
         "indicators": [{"aspek": "kuantitas", "text": "Kelas ibu hamil", "target_value": 4,
                         "target_unit": "kegiatan"}]}],
        "perilaku": {"berorientasi_pelayanan": "Ramah kepada setiap pasien", "kolaboratif": "Aktif di lintas program"},
        "lampiran": {"dukungan_sumber_daya": ["Vaksin dan rantai dingin dari Dinas Kesehatan"]}}


def ids_of(kinerja: Kinerja, nip: str) -> list[int]:
    """The RHK ids of an employee's agreed SKP, in order."""
    [agreed] = [s for s in list_skp(kinerja, "hr", nip) if s.status == "agreed"]
    return [row.id for row in skp_document(kinerja, "hr", agreed.id).rhk]


@pytest.fixture
def kapus_agreed(deployed: Kinerja, org: SmallOrg, cycle: int) -> list[int]:
    """The Kepala Puskesmas's SKP, agreed: two RHK utama (hers intervene the Kepala Dinas's)."""
    task = inbox_task(deployed, "kapus", "draft_skp")
    content = skp_answer(deployed, task.id)  # gets the Kepala Dinas's SKP agreed first
    second = {**content["rhk"][0], "text": "Meningkatnya mutu pelayanan puskesmas"}
    do_task(deployed, "kapus", "draft_skp", {"rhk": [content["rhk"][0], second]})
    do_task(deployed, "kadis", "approve_skp", {"skp_decision": "approve"})
    return ids_of(deployed, KAPUS_NIP)


def test_the_top_of_the_tree_intervenes_the_organisations_goals(deployed, org, cycle):
    task = inbox_task(deployed, "kadis", "draft_skp")
    editor = skp_editor(deployed, "kadis", task.id)
    assert editor.parents.top and [c.label for c in editor.parents.choices] == [f"1. {GOALS[0]}", f"2. {GOALS[1]}"]
    do_task(deployed, "kadis", "draft_skp", skp_answer(deployed, task.id))
    do_task(deployed, "hr", "approve_skp", {"skp_decision": "approve"})  # no supervisor with an account: HR
    [agreed] = list_skp(deployed, "kadis")
    assert (agreed.status, agreed.version) == ("agreed", 1)
    assert skp_document(deployed, "kadis", agreed.id).rhk[0].intervenes == GOALS[0]


def test_staff_wait_until_their_supervisors_skp_is_agreed(deployed, org, cycle):
    task = inbox_task(deployed, "rina", "draft_skp")
    editor = skp_editor(deployed, "rina", task.id)
    assert editor.parents.waiting_for == "Siti Aminah, SKM" and editor.parents.choices == []
    draft = {"rhk": [{"kind": "utama", "text": "Imunisasi", "indicators": [{"aspek": "kuantitas"}]}]}
    save_skp_draft(deployed, "rina", task.id, draft)  # a half-filled draft is kept meanwhile
    with pytest.raises(Conflict) as refused:
        do_task(deployed, "rina", "draft_skp", {"rhk": [{"kind": "utama", "text": "Imunisasi", "indicators": [
            {"aspek": "kuantitas", "text": "Cakupan", "target_value": 90, "target_unit": "persen"}]}]})
    assert refused.value.details["reason"] == "supervisor_skp_not_agreed"
    assert "Siti Aminah" in refused.value.message


def test_the_nurses_skp_is_drafted_returned_with_a_comment_fixed_and_agreed(deployed, org, cycle, kapus_agreed):
    task = inbox_task(deployed, "rina", "draft_skp")
    editor = skp_editor(deployed, "rina", task.id)
    assert [c.id for c in editor.parents.choices] == kapus_agreed and editor.parents.supervisor == "Siti Aminah, SKM"
    content = nurse_skp(kapus_agreed)
    save_skp_draft(deployed, "rina", task.id, content)  # she leaves and comes back
    again = skp_editor(deployed, "rina", task.id)
    assert again.status == "draft" and [row["text"] for row in again.content["rhk"]] == [
        row["text"] for row in content["rhk"]]
    do_task(deployed, "rina", "draft_skp", again.content)

    approval = inbox_task(deployed, "kapus", "approve_skp")
    submitted = task_skp(deployed, "kapus", approval.id)
    assert submitted.summary.status == "submitted" and len(submitted.rhk) == 3
    assert [(r.kind, r.number, r.intervenes) for r in submitted.rhk] == [
        ("utama", 1, "Meningkatnya cakupan imunisasi dasar lengkap"),
        ("utama", 2, "Meningkatnya mutu pelayanan puskesmas"), ("tambahan", 1, None)]
    second_rhk = submitted.rhk[1].id
    with pytest.raises(ValidationFailed) as refused:
        do_task(deployed, "kapus", "approve_skp", {"skp_decision": "return"})
    assert refused.value.details[0]["field"] == "skp_comment"
    do_task(deployed, "kapus", "approve_skp", {
        "skp_decision": "return", "skp_comment": "Target kepuasan perlu angka",
        "rhk_comments": [{"rhk": second_rhk, "comment": "Gunakan indeks kepuasan"}]})

    redraft = inbox_task(deployed, "rina", "draft_skp")
    returned = skp_editor(deployed, "rina", redraft.id)
    assert returned.status == "returned" and returned.return_comment == "Target kepuasan perlu angka"
    assert returned.rhk_comments == {second_rhk: "Gunakan indeks kepuasan"}
    assert "SKP dikembalikan: Target kepuasan perlu angka" in [n.subject for n in list_notifications(deployed, "rina")]
    fixed = returned.content
    fixed["rhk"][1]["indicators"] = [{"aspek": "kualitas", "text": "Indeks kepuasan pasien", "target_value": 85,
                                      "target_unit": "indeks"}]
    do_task(deployed, "rina", "draft_skp", fixed)
    do_task(deployed, "kapus", "approve_skp", {"skp_decision": "approve"})

    [agreed] = list_skp(deployed, "rina")
    document = skp_document(deployed, "rina", agreed.id)
    assert (agreed.status, agreed.version) == ("agreed", 1)
    assert document.rhk[1].indicators[0]["target"] == "85 indeks"
    assert document.rhk[0].actions[3] == ("Triwulan IV", "Posyandu keliling triwulan 4")
    assert document.perilaku[0][2] == "Ramah kepada setiap pasien" and document.perilaku[1][2] is None
    assert document.signed_by == "Rina Marlina, Amd.Kep" and document.set_by == "Siti Aminah, SKM"
    with deployed.reading() as uow:
        events = {e.action: e.data for e in uow.session.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(("skp.signed", "skp.set")), AuditEvent.actor.in_(("rina", "kapus"))))}
    assert events["skp.signed"]["content_hash"] == events["skp.set"]["content_hash"] == document.content_hash


def test_a_staff_rhk_must_intervene_an_rhk_of_the_supervisors_agreed_skp(deployed, org, cycle, kapus_agreed):
    task = inbox_task(deployed, "rina", "draft_skp")
    content = nurse_skp(kapus_agreed)
    with deployed.reading() as uow:
        not_hers = uow.session.scalar(select(func.max(Rhk.id))) + 1000
    content["rhk"][1]["intervensi"] = not_hers
    with pytest.raises(ValidationFailed) as refused:
        do_task(deployed, "rina", "draft_skp", content)
    assert refused.value.details == [{"field": "rhk.1.intervensi", "message":
                                      f"RHK 2: RHK atasan {not_hers} tidak ada dalam SKP atasan yang disepakati"}]
    del content["rhk"][0]["intervensi"]
    content["rhk"][1]["intervensi"] = kapus_agreed[1]
    with pytest.raises(ValidationFailed) as unlinked:
        do_task(deployed, "rina", "draft_skp", content)
    assert unlinked.value.details[0]["field"] == "rhk.0.intervensi"
    with deployed.reading() as uow:
        assert uow.session.get(HumanTask, task.id).status == "open"
        assert not uow.session.scalars(select(Skp).where(Skp.employee_id == org.cycle_employee)).all()


def test_a_target_is_a_number_with_its_unit_or_a_description(deployed, org, cycle, kapus_agreed):
    task = inbox_task(deployed, "rina", "draft_skp")
    content = nurse_skp(kapus_agreed)
    content["rhk"][1]["indicators"][0]["target_value"] = 3
    with pytest.raises(ValidationFailed) as refused:
        save_skp_draft(deployed, "rina", task.id, content)
    assert refused.value.details[0]["field"] == "rhk.1.indicators.0"


def test_the_skp_tables_are_written_in_the_steps_transaction(deployed, org, cycle, kapus_agreed, monkeypatch):
    task = inbox_task(deployed, "rina", "draft_skp")

    def crash(*args, **kwargs):
        raise RuntimeError("the process died between the SKP rows and the rest of the step")

    monkeypatch.setattr("engine.tasks.finish_step", crash)
    with pytest.raises(RuntimeError):
        do_task(deployed, "rina", "draft_skp", nurse_skp(kapus_agreed))
    with deployed.reading() as uow:
        assert uow.session.get(HumanTask, task.id).status == "open"
        assert uow.session.scalar(select(func.count()).select_from(Skp).where(
            Skp.employee_id == org.cycle_employee)) == 0
        assert not uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "skp.signed",
                                                                 AuditEvent.actor == "rina")).all()


def test_a_mid_year_revision_is_version_2_and_earlier_periods_keep_version_1(deployed, org):
    cycle_id = open_cycle(deployed, settings=SHORT_YEAR).cycle_id
    rina = org.cycle_employee
    agree_skp(deployed, rina, cycle_id)
    first_review = complete_until(deployed, _instance_of(deployed, rina), "report_realisation")
    [v1] = list_skp(deployed, "rina")

    with pytest.raises(NotFound):
        open_skp_revision(deployed, "dedi", v1.id, "Mutasi")  # a colleague does not see her SKP
    with pytest.raises(Forbidden):
        open_skp_revision(deployed, "hr", v1.id, "Mutasi")  # HR reads it, but the parties revise it
    revision_id = open_skp_revision(deployed, "kapus", v1.id, "Mutasi tugas ke poli KIA")
    with pytest.raises(Conflict) as twice:
        open_skp_revision(deployed, "rina", v1.id, "lagi")
    assert twice.value.details["reason"] in ("revision_open", "skp_not_agreed")
    redraft = inbox_task(deployed, "rina", "draft_skp")
    editor = skp_editor(deployed, "rina", redraft.id)
    assert (editor.skp_id, editor.version, editor.revision_reason) == (revision_id, 2, "Mutasi tugas ke poli KIA")
    content = editor.content
    content["rhk"][0]["indicators"][0]["target_value"] = 98
    do_task(deployed, "rina", "draft_skp", content)
    do_task(deployed, "kapus", "approve_skp", {"skp_decision": "approve"})

    versions = {s.version: s.status for s in list_skp(deployed, "rina")}
    assert versions == {1: "revised", 2: "agreed"}
    assert task_skp(deployed, "rina", first_review).summary.version == 1, "the first period keeps version 1"
    document = skp_document(deployed, "rina", revision_id)
    assert document.versions[1].changes == [{"path": "rhk.0.indicators.0.target_value", "before": 95, "after": 98}]


def _instance_of(kinerja: Kinerja, employee_id: int) -> int:
    with kinerja.reading() as uow:
        return uow.session.scalar(select(HumanTask.instance_id).where(HumanTask.subject_employee_id == employee_id,
                                                                     HumanTask.task_key == "draft_skp"))


def test_others_cannot_read_an_skp(deployed, org, other_org, cycle, kapus_agreed):
    submit_skp(deployed, "rina")
    [rina_skp] = list_skp(deployed, "rina")
    assert skp_document(deployed, "kapus", rina_skp.id).summary.employee.nip == RINA_NIP  # her Pejabat Penilai
    assert skp_document(deployed, "auditor", rina_skp.id)
    for stranger in ("dedi", "hr-kph"):
        with pytest.raises(NotFound):
            skp_document(deployed, stranger, rina_skp.id)
        with pytest.raises(NotFound):
            list_skp(deployed, stranger, RINA_NIP)


OLD_FLAT_FORM = Path(__file__).parent / "fixtures" / "skp_draft_flat_form.json"  # the form before the SKP tables
OLD_SKP = {"rhk": [{"description": "Meningkatnya cakupan imunisasi", "indicator": "Cakupan IDL",
                    "indicator_type": "kuantitas", "target_value": 95, "unit": "persen"}]}


def test_an_instance_on_the_old_flat_form_is_refused_until_moved_to_the_current_version(deployed, org):
    flat_form = DefinitionFile.from_upload("skp_draft.json", OLD_FLAT_FORM.read_bytes())
    old = deploy(deployed, Operator("hr"), [flat_form]).deployment_id
    opened = open_cycle(deployed, [org.cycle_employee])
    task = inbox_task(deployed, "rina", "draft_skp")
    with pytest.raises(Conflict) as refused:
        do_task(deployed, "rina", "draft_skp", OLD_SKP)  # the old form accepts it; the SKP tables cannot hold it
    assert refused.value.details["reason"] == "old_skp_form"

    current = deploy(deployed, Operator("hr"), [DefinitionFile.from_path(BPMN_DIR / "forms" / "skp_draft.json")])
    moved = migrate_instances(deployed, Operator("hr"), old, current.deployment_id, opened.instance_ids)
    assert [c.migrated for c in moved.candidates] == [True]
    assert inbox_task(deployed, "rina", "draft_skp").id == task.id
    submit_skp(deployed, "rina")  # the editor's shape now
    [submitted] = list_skp(deployed, "rina")
    assert submitted.status == "submitted"
