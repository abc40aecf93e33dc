"""One employee's whole evaluation year, driven through the service layer only."""
from __future__ import annotations

from sqlalchemy import select

from engine.actors import Operator
from engine.audit_verification import verify_audit_chain
from engine.kinerja import Kinerja
from engine.models import AuditEvent, ProcessInstance
from tests.support import (
    ANSWERS,
    BERAKHLAK,
    SmallOrg,
    calibrate,
    do_task,
    inbox_task,
    open_cycle,
    realisation_answer,
    submit_skp,
)


def open_cycle_for(kinerja: Kinerja, org: SmallOrg, **settings: int) -> int:
    (instance_id,) = open_cycle(kinerja, [org.cycle_employee], settings=settings).instance_ids
    return instance_id


def test_whole_cycle_from_skp_to_approved_sanction(org: SmallOrg, deployed: Kinerja) -> None:
    kinerja = deployed
    instance_id = open_cycle_for(kinerja, org, review_periods=2)

    # Target setting: returned once, then approved.
    submit_skp(kinerja, "rina", target_value=60)
    do_task(kinerja, "kapus", "approve_skp", {"skp_decision": "return", "skp_comment": "Target terlalu rendah"})
    submit_skp(kinerja, "rina")
    do_task(kinerja, "kapus", "approve_skp", {"skp_decision": "approve"})

    # Two periods of realisation and feedback; the result of period 1 is below expectations.
    do_task(kinerja, "rina", "report_realisation",
            realisation_answer(kinerja, inbox_task(kinerja, "rina", "report_realisation").id, value=30))
    do_task(kinerja, "kapus", "give_feedback", {"rating_hasil_kerja": "DIBAWAH_EKSPEKTASI",
                                                "rating_perilaku_kerja": "SESUAI_EKSPEKTASI"})
    # ...which starts coaching.
    do_task(kinerja, "kapus", "plan_coaching", {"coaching_type": "bimbingan",
                                                "sessions": [{"date": "2026-07-01", "topic": "Sweeping imunisasi"}]})
    do_task(kinerja, "kapus", "record_coaching", {"coaching_outcome": "Jadwal posyandu diperbaiki",
                                                  "training_recommendation": "Pelatihan manajemen imunisasi"})
    do_task(kinerja, "rina", "acknowledge_coaching", ANSWERS["acknowledge_coaching"])
    do_task(kinerja, "kapus", "evaluate_competency", ANSWERS["evaluate_competency"])
    do_task(kinerja, "kapus", "coaching_followup", {"followup_result": "improved"})
    do_task(kinerja, "rina", "report_realisation",
            realisation_answer(kinerja, inbox_task(kinerja, "rina", "report_realisation").id, value=70))
    do_task(kinerja, "kapus", "give_feedback", {"rating_hasil_kerja": "SESUAI_EKSPEKTASI",
                                                "rating_perilaku_kerja": "SESUAI_EKSPEKTASI"})

    # Final appraisal: self-assessment, a peer's input, the supervisor's ratings, DMN predikat, calibration,
    # the employee's response and the supervisor's signature of the document.
    do_task(kinerja, "rina", "self_assessment", {"self_assessment": "Target belum tercapai"})
    do_task(kinerja, "dedi", "peer_input", {"peer_behaviour": {key: "SESUAI_EKSPEKTASI" for key in BERAKHLAK}})
    do_task(kinerja, "kapus", "rate_performance", {
        "rating_hasil_kerja": "DIBAWAH_EKSPEKTASI", "rating_perilaku_kerja": "SESUAI_EKSPEKTASI",
        "behaviour_items": {key: "SESUAI_EKSPEKTASI" for key in BERAKHLAK}})
    calibrate(kinerja)
    do_task(kinerja, "rina", "review_predikat", {"file_objection": False})
    do_task(kinerja, "kapus", "sign_evaluation", {"sign": True})  # the final document, signed

    # Follow-up: the DMN proposes the PP 30/2019 improvement path for "Butuh Perbaikan"; the PPK
    # chooses coaching instead, with a reason.
    do_task(kinerja, "ppk", "approve_follow_up", {"follow_up_decision": "other", "follow_up_chosen": "PEMBINAAN",
                                                  "follow_up_reason": "Kemajuan sudah terlihat di semester kedua"})
    for task_key, user, data in [
        ("plan_coaching", "kapus", {"coaching_type": "mentoring",
                                    "sessions": [{"date": "2027-01-10", "topic": "Rencana aksi"}]}),
        ("record_coaching", "kapus", {"coaching_outcome": "Rencana aksi disepakati"}),
        ("acknowledge_coaching", "rina", ANSWERS["acknowledge_coaching"]),
        ("evaluate_competency", "kapus", ANSWERS["evaluate_competency"]),
        ("coaching_followup", "kapus", {"followup_result": "improved"}),
    ]:
        do_task(kinerja, user, task_key, data)

    with kinerja.unit_of_work() as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        assert instance.status == "completed"
        assert instance.summary["predikat"] == "BUTUH_PERBAIKAN"
        assert instance.summary["follow_up"] == "PERBAIKAN_KINERJA"
        assert instance.summary["follow_up_in_force"] == "PEMBINAAN"
        decisions = uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.action == "decision.evaluated")).all()
        assert [d.data["decision_id"] for d in decisions] == ["predikat_kinerja"] * 3 + ["tindak_lanjut_kinerja",
                                                                                    "tunjangan_kinerja"]
        predikat = decisions[2].data  # after the two periods' predikat: the year's
        assert predikat["matched_rules"][0]["rule_id"].startswith("rule_")
        assert predikat["inputs"]["Rating Hasil Kerja"] == "DIBAWAH_EKSPEKTASI"
        assert predikat["outputs"] == {"predikat": "BUTUH_PERBAIKAN", "predikat_label": "Butuh Perbaikan"}
    assert verify_audit_chain(kinerja, Operator('test')).ok
