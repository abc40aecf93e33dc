"""Coaching (pembinaan): the employee's feedback on it (form B.1.8, nine statements, signed by
completing the task), the competency evaluation after it (form B.1.9, 1–5 with a reason each),
the follow-up review with training recommendations, and deadlines that skip with a record."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.actors import Operator
from engine.audit_verification import verify_audit_chain
from engine.clock import FixedClock
from engine.errors import ValidationFailed
from engine.follow_up_tables import CoachingRecord
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.models import AuditEvent, ProcessInstance
from engine.timers import fire_due_timers
from tests.support import (
    ANSWERS,
    BPMN_DIR,
    COACHING_STATEMENTS,
    LOW_YEAR,
    SHORT_YEAR,
    SmallOrg,
    complete_until,
    do_task,
    inbox_task,
    login,
    open_cycle,
)


def coached(kinerja: Kinerja, org: SmallOrg, until: str) -> int:
    """Rina's low year, where the PPK chooses coaching; worked on until ``until`` is open."""
    (instance_id,) = open_cycle(kinerja, [org.cycle_employee], settings=SHORT_YEAR).instance_ids
    complete_until(kinerja, instance_id, "approve_follow_up", {**ANSWERS, **LOW_YEAR})
    do_task(kinerja, "ppk", "approve_follow_up", {"follow_up_decision": "other", "follow_up_chosen": "PEMBINAAN",
                                                  "follow_up_reason": "Pembinaan atasan dulu"})
    complete_until(kinerja, instance_id, until)
    return instance_id


def records(kinerja: Kinerja) -> list[tuple[str, dict[str, Any]]]:
    with kinerja.reading() as uow:
        return [(r.kind, r.content) for r in uow.session.scalars(select(CoachingRecord).order_by(CoachingRecord.id))]


def events(kinerja: Kinerja, action: str) -> list[AuditEvent]:
    with kinerja.reading() as uow:
        found = list(uow.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        uow.session.expunge_all()
        return found


def test_the_feedback_form_holds_the_nine_b18_statements_on_a_four_point_scale() -> None:
    schema = json.loads((BPMN_DIR / "forms" / "coaching_feedback.json").read_text())
    statements = schema["properties"]["coaching_feedback"]
    assert tuple(statements["properties"]) == COACHING_STATEMENTS and len(COACHING_STATEMENTS) == 9
    assert statements["required"] == list(COACHING_STATEMENTS)
    assert {(s["minimum"], s["maximum"]) for s in statements["properties"].values()} == {(1, 4)}
    assert all(s["title"].startswith(("Pembina", "Pembinaan", "Secara")) for s in statements["properties"].values())


def test_the_employee_signs_the_b18_feedback_by_completing_it(org: SmallOrg, deployed: Kinerja) -> None:
    coached(deployed, org, "acknowledge_coaching")
    task = inbox_task(deployed, "rina", "acknowledge_coaching")
    assert task.due_at is not None
    incomplete = {key: 3 for key in COACHING_STATEMENTS[:8]}
    for ratings in (incomplete, {**incomplete, "puas": 5}, {**incomplete, "puas": 0}):
        with pytest.raises(ValidationFailed):
            do_task(deployed, "rina", "acknowledge_coaching", {"coaching_feedback": ratings})
    assert records(deployed) == []

    answer = {"coaching_feedback": {**incomplete, "puas": 4}, "coaching_feedback_notes": "Sesi lebih sering"}
    do_task(deployed, "rina", "acknowledge_coaching", answer)
    assert records(deployed) == [("feedback_b18", answer)]
    (signed,) = events(deployed, "coaching.feedback_signed")
    assert signed.actor == "rina" and signed.data["content"] == answer and signed.task_id == task.id


def test_the_b19_competency_evaluation_rates_1_to_5_with_a_reason_each(org: SmallOrg, deployed: Kinerja) -> None:
    coached(deployed, org, "evaluate_competency")
    (task,) = list_tasks(deployed, "kapus")
    assert task.name == "Evaluasi kompetensi setelah pembinaan (B.1.9) — Rina Marlina, Amd.Kep"
    good = {"competency_name": "Kompetensi teknis imunisasi", "competency_score": 4,
            "competency_reason": "Pencatatan sudah rapi"}
    for wrong in ({**good, "competency_score": 6}, {**good, "competency_score": 0}, {**good, "competency_reason": ""},
                  {key: value for key, value in good.items() if key != "competency_reason"}):
        with pytest.raises(ValidationFailed):
            do_task(deployed, "kapus", "evaluate_competency", {"competencies": [good, wrong]})
    with pytest.raises(ValidationFailed):
        do_task(deployed, "kapus", "evaluate_competency", {"competencies": []})

    answer = {"competencies": [good, {"competency_name": "Komunikasi", "competency_score": 3,
                                       "competency_reason": "Perlu latihan"}]}
    do_task(deployed, "kapus", "evaluate_competency", answer)
    assert records(deployed)[-1] == ("competency_b19", answer)
    assert [e.actor for e in events(deployed, "coaching.competency_evaluated")] == ["kapus"]


def test_the_follow_up_review_records_training_recommendations(org: SmallOrg, deployed: Kinerja) -> None:
    instance_id = coached(deployed, org, "coaching_followup")
    answer = {"followup_result": "improved", "training_recommendations": ["Pelatihan manajemen imunisasi",
                                                                         "Kursus komunikasi efektif"]}
    do_task(deployed, "kapus", "coaching_followup", answer)
    assert records(deployed)[-1] == ("followup_review", answer)
    assert [e.data["content"]["training_recommendations"] for e in events(deployed, "coaching.reviewed")] == [
        answer["training_recommendations"]]
    with deployed.reading() as uow:
        assert uow.session.get(ProcessInstance, instance_id).status == "completed"
    assert verify_audit_chain(deployed, Operator("test")).ok


def test_missed_feedback_is_skipped_with_a_record_and_the_evaluation_follows(
        org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    coached(deployed, org, "acknowledge_coaching")
    clock.advance(timedelta(days=8))
    assert fire_due_timers(deployed).fired == 1
    assert list_tasks(deployed, "rina") == []
    assert [t.task_key for t in list_tasks(deployed, "kapus")] == ["evaluate_competency"]
    assert [e.data["event_key"] for e in events(deployed, "timer.fired")] == ["acknowledge_coaching_overdue"]
    assert records(deployed) == [], "no feedback is invented"


def test_the_decision_and_coaching_forms_read_in_indonesian(org: SmallOrg, deployed: Kinerja, app: Flask) -> None:
    (instance_id,) = open_cycle(deployed, [org.cycle_employee], settings=SHORT_YEAR).instance_ids
    decision = complete_until(deployed, instance_id, "approve_follow_up", {**ANSWERS, **LOW_YEAR})
    page = login(app, "ppk").get(f"/tasks/{decision}").get_data(as_text=True)
    for label in ("Setujui", "Tolak usulan", "Pilih tindak lanjut lain", "Alasan keputusan",
                  "Pemindahan ke jabatan lebih rendah", "Masa perbaikan kinerja 6 bulan dengan pembinaan"):
        assert label in page, label
    assert ">PEMINDAHAN_JABATAN_LAIN<" not in page and ">reject<" not in page

    do_task(deployed, "ppk", "approve_follow_up", {"follow_up_decision": "other", "follow_up_chosen": "PEMBINAAN",
                                                  "follow_up_reason": "Pembinaan atasan dulu"})
    feedback = complete_until(deployed, instance_id, "acknowledge_coaching")
    page = login(app, "rina").get(f"/tasks/{feedback}").get_data(as_text=True)
    assert "Pembina memberikan penjelasan yang jelas dan mudah dipahami" in page
    assert "Dengan menyelesaikan tugas ini, pegawai menandatangani umpan balik ini." in page
    assert 'name="coaching_feedback-puas"' in page
