"""One employee's whole evaluation year, driven through the service layer only."""
from __future__ import annotations

from sqlalchemy import select

from engine.actors import Operator
from engine.audit_verification import verify_audit_chain
from engine.kinerja import Kinerja
from engine.models import AuditEvent, ProcessInstance
from tests.support import BERAKHLAK, SmallOrg, calibrate, do_task, open_cycle, submit_skp


def open_cycle_for(kinerja: Kinerja, org: SmallOrg, **settings: int) -> int:
    (instance_id,) = open_cycle(kinerja, [org.cycle_employee], settings=settings).instance_ids
    return instance_id


def test_whole_cycle_from_skp_to_approved_sanction(org: SmallOrg, deployed: Kinerja) -> None:
    kinerja = deployed
    instance_id = open_cycle_for(kinerja, org, review_periods=2, midyear_period=1)

    # Target setting: returned once, then approved.
    submit_skp(kinerja, "rina", target_value=60)
    do_task(kinerja, "kapus", "approve_skp", {"skp_decision": "return", "skp_comment": "Target terlalu rendah"})
    submit_skp(kinerja, "rina")
    do_task(kinerja, "kapus", "approve_skp", {"skp_decision": "approve"})

    # Two periods of realisation and feedback; the mid-year review after period 1 is weak.
    do_task(kinerja, "rina", "report_realisation",
            {"realisations": [{"rhk_index": 0, "realised_value": 30, "evidence": "Laporan PWS Maret"}]})
    do_task(kinerja, "kapus", "give_feedback", {"feedback": "Cakupan masih rendah"})
    do_task(kinerja, "kapus", "midyear_review", {"midyear_rating": "DIBAWAH_EKSPEKTASI",
                                                  "midyear_notes": "Perlu pembinaan"})
    # ...which starts coaching.
    do_task(kinerja, "kapus", "plan_coaching", {"coaching_type": "bimbingan",
                                                "sessions": [{"date": "2026-07-01", "topic": "Sweeping imunisasi"}]})
    do_task(kinerja, "kapus", "record_coaching", {"coaching_outcome": "Jadwal posyandu diperbaiki",
                                                  "training_recommendation": "Pelatihan manajemen imunisasi"})
    do_task(kinerja, "rina", "acknowledge_coaching", {"coaching_response": "Siap melaksanakan"})
    do_task(kinerja, "kapus", "coaching_followup", {"followup_result": "improved"})
    do_task(kinerja, "rina", "report_realisation",
            {"realisations": [{"rhk_index": 0, "realised_value": 70, "evidence": "Laporan PWS Juni"}]})
    do_task(kinerja, "kapus", "give_feedback", {"feedback": "Ada kemajuan"})

    # Final appraisal: self-assessment, a peer's input, the supervisor's ratings, DMN predikat, calibration.
    do_task(kinerja, "rina", "self_assessment", {"self_assessment": "Target belum tercapai"})
    do_task(kinerja, "dedi", "peer_input", {"peer_behaviour": {key: "SESUAI_EKSPEKTASI" for key in BERAKHLAK}})
    do_task(kinerja, "kapus", "rate_performance", {
        "rating_hasil_kerja": "DIBAWAH_EKSPEKTASI", "rating_perilaku_kerja": "SESUAI_EKSPEKTASI",
        "behaviour_items": {key: "SESUAI_EKSPEKTASI" for key in BERAKHLAK}})
    calibrate(kinerja)
    do_task(kinerja, "rina", "review_predikat", {"file_objection": False})

    # Reward/sanction: the DMN proposes coaching for "Butuh Perbaikan"; the PPK approves.
    do_task(kinerja, "ppk", "approve_follow_up", {"follow_up_approved": True, "follow_up_notes": "Setuju"})
    for task_key, user, data in [
        ("plan_coaching", "kapus", {"coaching_type": "mentoring",
                                    "sessions": [{"date": "2027-01-10", "topic": "Rencana aksi"}]}),
        ("record_coaching", "kapus", {"coaching_outcome": "Rencana aksi disepakati"}),
        ("acknowledge_coaching", "rina", {"coaching_response": "Siap"}),
        ("coaching_followup", "kapus", {"followup_result": "improved"}),
    ]:
        do_task(kinerja, user, task_key, data)

    with kinerja.unit_of_work() as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        assert instance.status == "completed"
        assert instance.summary["predikat"] == "BUTUH_PERBAIKAN"
        assert instance.summary["follow_up"] == "PEMBINAAN"
        decisions = uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.action == "decision.evaluated")).all()
        assert [d.data["decision_id"] for d in decisions] == ["predikat_kinerja", "tindak_lanjut_kinerja"]
        predikat = decisions[0].data
        assert predikat["matched_rules"][0]["rule_id"].startswith("rule_")
        assert predikat["inputs"]["Rating Hasil Kerja"] == "DIBAWAH_EKSPEKTASI"
        assert predikat["outputs"] == {"predikat": "BUTUH_PERBAIKAN", "predikat_label": "Butuh Perbaikan"}
    assert verify_audit_chain(kinerja, Operator('test')).ok
