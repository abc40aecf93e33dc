"""Tindak lanjut: what a predikat leads to (the deployed DMN tables), the PPK's decision on it,
and the PP 30/2019 improvement path to a transfer proposal, with the clock moved through the
six months of the improvement period."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Optional

import pytest
from sqlalchemy import select

from engine.actors import Operator
from engine.audit_verification import verify_audit_chain
from engine.clock import FixedClock
from engine.deployment import evaluate_decision
from engine.errors import ValidationFailed
from engine.follow_up_tables import FollowUpDecision
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.models import AuditEvent, HumanTask, ProcessInstance, Timer
from engine.tasks import complete_task
from engine.timers import fire_due_timers
from tests.support import (
    ANSWERS,
    BPMN_DIR,
    LOW_YEAR,
    SHORT_YEAR,
    ApiClient,
    SmallOrg,
    complete_until,
    do_task,
    error_of,
    open_cycle,
)

PREDIKATS = ("SANGAT_BAIK", "BAIK", "BUTUH_PERBAIKAN", "KURANG", "SANGAT_KURANG")
AUDITOR = Operator("auditor")


def to_decision(kinerja: Kinerja, org: SmallOrg, answers: Optional[dict[str, dict[str, Any]]] = None,
                settings: Optional[dict[str, Any]] = None) -> tuple[int, int]:
    """Rina's short year worked on until the PPK has the follow-up proposal: (instance, task)."""
    (instance_id,) = open_cycle(kinerja, [org.cycle_employee], settings={**SHORT_YEAR, **(settings or {})}).instance_ids
    return instance_id, complete_until(kinerja, instance_id, "approve_follow_up", {**ANSWERS, **(answers or {})})


def decisions(kinerja: Kinerja) -> list[FollowUpDecision]:
    with kinerja.reading() as uow:
        rows = uow.session.scalars(select(FollowUpDecision).order_by(FollowUpDecision.id)).all()
        uow.session.expunge_all()
        return list(rows)


def summary(kinerja: Kinerja, instance_id: int) -> tuple[str, dict[str, Any]]:
    with kinerja.reading() as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        return instance.status, dict(instance.summary)


def open_task(kinerja: Kinerja, instance_id: int) -> list[HumanTask]:
    with kinerja.reading() as uow:
        rows = uow.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.status == "open")).all()
        uow.session.expunge_all()
        return list(rows)


def chosen_options() -> set[str]:
    schema = json.loads((BPMN_DIR / "forms" / "follow_up_decision.json").read_text())
    return set(schema["properties"]["follow_up_chosen"]["enum"])


@pytest.mark.parametrize("predikat", PREDIKATS)
def test_no_predikat_leads_to_a_discipline_sanction_and_every_option_is_on_the_ppks_form(
        deployed: Kinerja, predikat: str) -> None:
    outputs = evaluate_decision(deployed, AUDITOR, "tindak_lanjut_kinerja", {"predikat": predikat}).outputs
    words = json.dumps(outputs).upper()
    assert not any(word in words for word in ("TEGURAN", "SANKSI", "DISIPLIN", "HUKUMAN")), outputs
    assert set(outputs["follow_up_options"]) <= chosen_options()
    if outputs["follow_up"] != "TIDAK_ADA":
        assert outputs["follow_up"] in outputs["follow_up_options"]


def test_the_table_proposes_rewards_for_sangat_baik_and_the_pp30_path_below_baik(deployed: Kinerja) -> None:
    def proposal(predikat: str) -> dict[str, Any]:
        return evaluate_decision(deployed, AUDITOR, "tindak_lanjut_kinerja", {"predikat": predikat}).outputs

    assert proposal("SANGAT_BAIK")["follow_up_proposals"] == [
        "SERTIFIKAT_PENGHARGAAN", "TALENT_POOL", "PRIORITAS_PENGEMBANGAN_KOMPETENSI"]
    assert proposal("BAIK")["follow_up"] == "TIDAK_ADA"
    assert proposal("BAIK")["follow_up_proposals"] == ["CATATAN_PENGEMBANGAN"]
    assert {proposal(p)["follow_up"] for p in ("BUTUH_PERBAIKAN", "KURANG", "SANGAT_KURANG")} == {"PERBAIKAN_KINERJA"}


def test_the_tunjangan_percentage_is_the_tables_unless_the_organisation_set_its_own(deployed: Kinerja) -> None:
    def percentage(predikat: str, configured: dict[str, int]) -> Any:
        record = evaluate_decision(deployed, AUDITOR, "tunjangan_kinerja",
                                   {"predikat": predikat, "tunjangan_kinerja": configured})
        return record.outputs["tunjangan_kinerja_persen"]

    assert [percentage(p, {}) for p in PREDIKATS] == [100, 100, 90, 80, 70]
    assert percentage("KURANG", {"KURANG": 50, "BAIK": 95}) == 50
    assert percentage("SANGAT_KURANG", {"KURANG": 50}) == 70, "a predikat the organisation left out: the table's"


def test_the_ppk_approves_the_reward_proposal_and_the_decision_is_stored_with_the_tunjangan(
        org: SmallOrg, deployed: Kinerja) -> None:
    instance_id, task_id = to_decision(deployed, org, settings={"tunjangan_kinerja": {"SANGAT_BAIK": 95}})
    with deployed.reading() as uow:
        task = uow.session.get(HumanTask, task_id)
        assert task.name == "Putuskan usulan tindak lanjut — Rina Marlina, Amd.Kep 2026"
        assert task.due_at is not None
    _status, before = summary(deployed, instance_id)
    assert before["follow_up"] == "PENGHARGAAN" and before["tunjangan_kinerja_persen"] == 95

    do_task(deployed, "ppk", "approve_follow_up", {"follow_up_decision": "approve"})
    (row,) = decisions(deployed)
    assert (row.stage, row.predikat, row.proposal, row.decision, row.chosen_follow_up, row.reason,
            row.tunjangan_percentage) == ("annual", "SANGAT_BAIK", "PENGHARGAAN", "approve", "PENGHARGAAN", None, 95)
    assert row.employee_id == org.cycle_employee and row.cycle_id is not None and row.decided_at is not None
    status, after = summary(deployed, instance_id)
    assert status == "completed"
    assert after["follow_up_approved"] is True and after["follow_up_in_force"] == "PENGHARGAAN"
    with deployed.reading() as uow:
        (event,) = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "follow_up.decided")).all()
        assert event.actor == "ppk" and event.data["tunjangan_percentage"] == 95
    assert verify_audit_chain(deployed, Operator("test")).ok


def test_rejecting_or_choosing_another_follow_up_needs_a_reason(org: SmallOrg, deployed: Kinerja,
                                                                api: ApiClient) -> None:
    instance_id, task_id = to_decision(deployed, org, LOW_YEAR)
    path = f"/tasks/{task_id}/complete"
    for data, field in [({"follow_up_decision": "reject"}, "follow_up_reason"),
                        ({"follow_up_decision": "other", "follow_up_chosen": "PEMBINAAN"}, "follow_up_reason"),
                        ({"follow_up_decision": "other", "follow_up_reason": "Cukup pembinaan"}, "follow_up_chosen"),
                        ({"follow_up_decision": "other", "follow_up_chosen": "PENGHARGAAN",
                          "follow_up_reason": "Bukan pilihan tabel"}, "follow_up_chosen"),
                        ({"follow_up_decision": "other", "follow_up_chosen": "PERBAIKAN_KINERJA",
                          "follow_up_reason": "Sama dengan usulan"}, "follow_up_chosen")]:
        error = error_of(api.post(path, "ppk", json={"data": data}), 422)
        assert field in json.dumps(error["details"]), (data, error)
    assert decisions(deployed) == [], "nothing is stored from a refused decision"

    api.ok("post", path, "ppk", json={"data": {"follow_up_decision": "other", "follow_up_chosen": "PEMBINAAN",
                                               "follow_up_reason": "Kemajuan terlihat pada triwulan akhir"}})
    (row,) = decisions(deployed)
    assert (row.proposal, row.decision, row.chosen_follow_up, row.reason, row.tunjangan_percentage) == (
        "PERBAIKAN_KINERJA", "other", "PEMBINAAN", "Kemajuan terlihat pada triwulan akhir", 90)
    assert {t.task_key for t in open_task(deployed, instance_id)} == {"plan_coaching"}, "coaching, not the PP 30 path"


def test_a_rejected_proposal_puts_no_follow_up_in_force(org: SmallOrg, deployed: Kinerja) -> None:
    instance_id, task_id = to_decision(deployed, org, LOW_YEAR)
    with pytest.raises(ValidationFailed):
        complete_task(deployed, "ppk", task_id, {"follow_up_decision": "reject", "follow_up_reason": " "})
    complete_task(deployed, "ppk", task_id, {"follow_up_decision": "reject", "follow_up_reason": "Data belum lengkap"})
    status, after = summary(deployed, instance_id)
    assert status == "completed" and after["follow_up_in_force"] == "TIDAK_ADA" and after["follow_up_approved"] is False


def test_a_missed_ppk_deadline_deems_the_proposal_approved(org: SmallOrg, deployed: Kinerja,
                                                          clock: FixedClock) -> None:
    instance_id, _task_id = to_decision(deployed, org)
    clock.advance(timedelta(days=15))
    assert fire_due_timers(deployed).fired == 1
    status, after = summary(deployed, instance_id)
    assert status == "completed" and after["follow_up_in_force"] == "PENGHARGAAN"
    with deployed.reading() as uow:
        fired = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "timer.fired")).all()
        assert [e.data["event_key"] for e in fired] == ["follow_up_decision_overdue"]


def test_a_low_predikat_runs_the_pp30_path_to_a_transfer_proposal_and_the_ppks_decision(
        org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    instance_id, _task_id = to_decision(deployed, org, LOW_YEAR)
    do_task(deployed, "ppk", "approve_follow_up", {"follow_up_decision": "approve"})

    # Six months of improvement with coaching: the assessment waits for the period's end.
    with deployed.reading() as uow:
        (period,) = uow.session.scalars(select(Timer).where(Timer.event_key == "masa_perbaikan")).all()
        assert period.due_at - clock.now() >= timedelta(days=181)
    for task_key in ("plan_coaching", "record_coaching", "acknowledge_coaching", "evaluate_competency",
                     "coaching_followup"):
        complete_until(deployed, instance_id, task_key)
        (task,) = open_task(deployed, instance_id)
        complete_task(deployed, "rina" if task_key == "acknowledge_coaching" else "kapus", task.id,
                      ANSWERS[task_key])
    assert open_task(deployed, instance_id) == [], "the period runs on after coaching"
    clock.advance(timedelta(days=150))
    assert fire_due_timers(deployed).fired == 0
    clock.advance(timedelta(days=35))
    assert fire_due_timers(deployed).fired == 1

    (assessment,) = list_tasks(deployed, "kapus")
    assert assessment.task_key == "assess_improvement"
    assert assessment.name == "Nilai hasil masa perbaikan kinerja — Rina Marlina, Amd.Kep 2026"
    do_task(deployed, "kapus", "assess_improvement", ANSWERS["assess_improvement"])
    do_task(deployed, "hr", "record_competency_test", ANSWERS["record_competency_test"])
    do_task(deployed, "hr", "propose_transfer", {"transfer_kind": "PEMINDAHAN_JABATAN_LEBIH_RENDAH",
                                                 "proposed_position": "Pengadministrasi Umum",
                                                 "transfer_reason": "Tidak memenuhi standar kompetensi"})
    (decision,) = list_tasks(deployed, "ppk", "group")
    assert decision.task_key == "decide_transfer"
    assert decision.name == "Putuskan usulan pemindahan jabatan — Rina Marlina, Amd.Kep 2026"
    do_task(deployed, "ppk", "decide_transfer", {"follow_up_decision": "approve"})

    annual, transfer = decisions(deployed)
    assert (annual.stage, annual.chosen_follow_up) == ("annual", "PERBAIKAN_KINERJA")
    assert (transfer.stage, transfer.proposal, transfer.decision, transfer.chosen_follow_up) == (
        "transfer", "PEMINDAHAN_JABATAN_LEBIH_RENDAH", "approve", "PEMINDAHAN_JABATAN_LEBIH_RENDAH")
    status, after = summary(deployed, instance_id)
    assert status == "completed"
    assert (after["improvement_result"], after["competency_test_result"], after["transfer_in_force"]) == (
        "not_improved", "tidak_memenuhi", "PEMINDAHAN_JABATAN_LEBIH_RENDAH")
    assert verify_audit_chain(deployed, Operator("test")).ok


def test_an_unassessed_improvement_period_escalates_to_the_supervisors_supervisor(
        org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    instance_id, _task_id = to_decision(deployed, org, LOW_YEAR)
    do_task(deployed, "ppk", "approve_follow_up", {"follow_up_decision": "approve"})
    clock.advance(timedelta(days=200))  # every coaching deadline and the period pass
    while fire_due_timers(deployed).fired:
        pass
    assert [t.task_key for t in list_tasks(deployed, "kapus")] == ["assess_improvement"]
    clock.advance(timedelta(days=15))
    assert fire_due_timers(deployed).fired == 1
    assert [t.task_key for t in list_tasks(deployed, "kadis")] == ["assess_improvement_escalated"]
    assert list_tasks(deployed, "kapus") == []
    with deployed.reading() as uow:
        fired = [e.data["event_key"] for e in uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "timer.fired", AuditEvent.instance_id == instance_id))]
    assert fired[:1] == ["plan_coaching_overdue"] and "masa_perbaikan" in fired


def test_hr_sets_the_organisations_tunjangan_percentages_when_opening_a_cycle_within_0_to_100(
        org: SmallOrg, api: ApiClient) -> None:
    for wrong in ({"BAIK": 120}, {"BAIK": -1}, {"HEBAT": 50}):
        error = error_of(api.post("/cycles", "hr", json={"org": "bungo", "year": 2026,
                                                         "settings": {"tunjangan_kinerja": wrong}}), 422)
        assert "tunjangan_kinerja" in json.dumps(error["details"]), error
