"""The periodic evaluation: the supervisor's feedback per RHK and per BerAKHLAK value, the
period's ratings and predikat through the DMN table, and the paths when nobody acts."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine.actors import Operator
from engine.clock import FixedClock
from engine.errors import ValidationFailed
from engine.evaluation_tables import Evaluation
from engine.evaluations import list_evaluations
from engine.feedback_tables import UmpanBalik
from engine.kinerja import Kinerja
from engine.models import AuditEvent, HumanTask, OutboxMessage, ProcessInstance
from engine.tasks import complete_task
from engine.timers import fire_due_timers
from tests.support import (
    ApiClient,
    SmallOrg,
    agree_skp,
    complete_until,
    do_task,
    elements,
    feedback_answer,
    inbox_task,
    login,
    open_cycle,
    realisation_answer,
)

RATINGS = {
    "SANGAT_BAIK": ("DIATAS_EKSPEKTASI", "DIATAS_EKSPEKTASI"),
    "BAIK": ("SESUAI_EKSPEKTASI", "SESUAI_EKSPEKTASI"),
    "BUTUH_PERBAIKAN": ("DIBAWAH_EKSPEKTASI", "SESUAI_EKSPEKTASI"),
    "KURANG": ("DIATAS_EKSPEKTASI", "DIBAWAH_EKSPEKTASI"),
}


def move_to(clock: FixedClock, moment: datetime) -> None:
    clock.advance(moment - clock.now())


def rina_in_period_review(deployed: Kinerja, org: SmallOrg) -> tuple[int, int]:
    """Rina's cycle of 2026 with her SKP agreed: (cycle id, instance id)."""
    opened = open_cycle(deployed, [org.cycle_employee])
    agree_skp(deployed, org.cycle_employee, opened.cycle_id)
    return opened.cycle_id, opened.instance_ids[0]


def give_feedback(deployed: Kinerja, instance_id: int, hasil: str, perilaku: str, task_key: str = "give_feedback",
                  username: str = "kapus") -> dict[str, Any]:
    task_id = complete_until(deployed, instance_id, task_key)
    data = feedback_answer(deployed, task_id, {"rating_hasil_kerja": hasil, "rating_perilaku_kerja": perilaku})
    complete_task(deployed, username, task_id, data)
    return data


def test_feedback_is_stored_per_rhk_id_and_per_value_with_the_periods_predikat(org: SmallOrg,
                                                                                 deployed: Kinerja) -> None:
    cycle_id, instance_id = rina_in_period_review(deployed, org)
    data = give_feedback(deployed, instance_id, "DIATAS_EKSPEKTASI", "SESUAI_EKSPEKTASI")
    with deployed.reading() as uow:
        rows = uow.session.scalars(select(UmpanBalik).order_by(UmpanBalik.id)).all()
        on_rhk = [(1, item["rhk"], None) for item in data["rhk_feedback"]]
        assert [(row.period, row.rhk_id, row.value_key) for row in rows] == \
            on_rhk + [(1, None, "akuntabel"), (1, None, "kolaboratif")]
        evaluation = uow.session.scalar(select(Evaluation).where(Evaluation.cycle_id == cycle_id))
        assert (evaluation.period, evaluation.period_name, evaluation.status, evaluation.predikat) == \
            (1, "Triwulan I", "final", "BAIK")
        event = uow.session.scalar(select(AuditEvent).where(AuditEvent.action == "evaluation.period_rated"))
        assert event.data["predikat"] == "BAIK" and event.data["feedback"]["perilaku"] == ["akuntabel", "kolaboratif"]
        told = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "decision_made")).all()
        assert any((n.params or {}).get("decision") == "period_predikat" and n.params["value"] == "BAIK" for n in told)
        decision = uow.session.scalar(select(AuditEvent.data).where(AuditEvent.action == "decision.evaluated"))
        assert decision["decision_id"] == "predikat_kinerja" and decision["outputs"]["predikat"] == "BAIK"


def test_an_rhk_of_another_skp_is_refused_naming_the_row(org: SmallOrg, deployed: Kinerja) -> None:
    _cycle_id, instance_id = rina_in_period_review(deployed, org)
    task_id = complete_until(deployed, instance_id, "give_feedback")
    data = feedback_answer(deployed, task_id)
    data["rhk_feedback"].append({"rhk": 999_999, "feedback": "Bukan RHK-nya"})
    with pytest.raises(ValidationFailed) as refused:
        complete_task(deployed, "kapus", task_id, data)
    where = len(data["rhk_feedback"]) - 1
    assert refused.value.details[0]["field"] == f"rhk_feedback.{where}.rhk"
    assert f"umpan balik {where + 1}: RHK 999999" in refused.value.message
    with deployed.reading() as uow:
        assert uow.session.scalars(select(UmpanBalik)).all() == [], "nothing half-written"
        assert uow.session.get(HumanTask, task_id).status == "open"


def test_each_quarter_gets_its_predikat_from_the_dmn_and_a_weak_result_starts_coaching(
        org: SmallOrg, deployed: Kinerja) -> None:
    cycle_id, instance_id = rina_in_period_review(deployed, org)
    for expected, (hasil, perilaku) in RATINGS.items():
        give_feedback(deployed, instance_id, hasil, perilaku)
        if hasil == "DIBAWAH_EKSPEKTASI":
            assert inbox_task(deployed, "kapus", "plan_coaching"), "a result below expectations starts coaching"
    periods = list_evaluations(deployed, "rina", cycle_id)
    assert [(p.name, p.predikat) for p in periods] == [
        ("Triwulan I", "SANGAT_BAIK"), ("Triwulan II", "BAIK"), ("Triwulan III", "BUTUH_PERBAIKAN"),
        ("Triwulan IV", "KURANG")]
    with deployed.reading() as uow:
        summary = uow.session.get(ProcessInstance, instance_id).summary
    assert "predikat" not in summary, "a period's predikat is not the year's"


def test_an_unreported_realisation_is_skipped_with_a_record_and_the_feedback_still_comes(
        org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    _cycle_id, instance_id = rina_in_period_review(deployed, org)
    realisation = inbox_task(deployed, "rina", "report_realisation")
    move_to(clock, realisation.due_at - timedelta(minutes=1))
    assert fire_due_timers(deployed).fired == 0
    clock.advance(timedelta(minutes=2))
    assert fire_due_timers(deployed).fired == 1
    feedback = inbox_task(deployed, "kapus", "give_feedback")
    assert feedback.name == "Umpan balik dan penilaian — Triwulan I 2026"
    with deployed.reading() as uow:
        actions = {(e.action, e.data.get("task_key") or e.data.get("event_key"))
                   for e in uow.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id))}
    assert {("timer.fired", "realisation_overdue"), ("task.cancelled", "report_realisation")} <= actions


def test_late_feedback_escalates_and_a_late_escalation_leaves_the_period_not_evaluated(
        org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    cycle_id, instance_id = rina_in_period_review(deployed, org)
    report = inbox_task(deployed, "rina", "report_realisation")
    do_task(deployed, "rina", "report_realisation", realisation_answer(deployed, report.id, value=20))
    feedback = inbox_task(deployed, "kapus", "give_feedback")
    move_to(clock, feedback.due_at + timedelta(minutes=1))
    assert fire_due_timers(deployed).fired == 1
    escalated = inbox_task(deployed, "kadis", "give_feedback_escalated")
    assert escalated.name == "Umpan balik dan penilaian (eskalasi) — Triwulan I 2026"
    assert escalated.due_at == feedback.due_at + timedelta(days=14)
    move_to(clock, escalated.due_at + timedelta(minutes=1))
    assert fire_due_timers(deployed).fired == 1
    second = inbox_task(deployed, "rina", "report_realisation")
    assert second.name == "Laporkan realisasi — Triwulan II 2026", "the next period goes on"
    assert list_evaluations(deployed, "rina", cycle_id)[0].status is None, "not evaluated"
    with deployed.reading() as uow:
        fired = uow.session.scalars(select(AuditEvent.data).where(
            AuditEvent.instance_id == instance_id, AuditEvent.action == "timer.fired")).all()
    assert [event["event_key"] for event in fired] == ["feedback_overdue", "escalation_overdue"]


def test_the_escalated_feedback_rates_the_period(org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    cycle_id, instance_id = rina_in_period_review(deployed, org)
    feedback_id = complete_until(deployed, instance_id, "give_feedback")
    with deployed.reading() as uow:
        move_to(clock, uow.session.get(HumanTask, feedback_id).due_at + timedelta(seconds=1))
    fire_due_timers(deployed)
    give_feedback(deployed, instance_id, "SESUAI_EKSPEKTASI", "DIATAS_EKSPEKTASI", "give_feedback_escalated", "kadis")
    assert list_evaluations(deployed, "rina", cycle_id)[0].predikat == "BAIK"


def test_siklus_saya_and_the_api_show_each_periods_feedback_ratings_and_predikat(
        org: SmallOrg, deployed: Kinerja, app: Any, api: ApiClient) -> None:
    cycle_id, instance_id = rina_in_period_review(deployed, org)
    data = give_feedback(deployed, instance_id, "DIATAS_EKSPEKTASI", "DIATAS_EKSPEKTASI")
    page = login(app, "rina").get("/my-cycle").get_data(as_text=True)
    assert "Penilaian berkala" in page and "Triwulan I" in page and "Triwulan IV" in page
    assert "Sangat Baik" in page and "Di atas ekspektasi" in page
    assert data["rhk_feedback"][0]["feedback"] in page and "Laporan tepat waktu" in page
    assert "Menunggu penilaian atasan" not in page and "Belum dimulai" in page
    assert "Predikat periode Triwulan I: Sangat Baik" in login(app, "rina").get("/notifications").get_data(as_text=True)
    body = api.ok("get", f"/evaluations?cycle={cycle_id}", "rina")
    first = body["periods"][0]
    assert (first["name"], first["start"], first["end"], first["state"], first["predikat"]) == \
        ("Triwulan I", "2026-01-01", "2026-03-31", "rated", "SANGAT_BAIK")
    assert (body["periods"][1]["state"], body["periods"][1]["report_due"]) == ("upcoming", "2026-07-14")
    assert [item["rhk_id"] for item in first["rhk_feedback"]] == [item["rhk"] for item in data["rhk_feedback"]]
    assert api.ok("get", f"/evaluations?cycle={cycle_id}&employee=199003032015031003", "kapus")["periods"][0] == first
    assert api.get(f"/evaluations?cycle={cycle_id}&employee=199003032015031003", "dedi").status_code == 404
    assert list_evaluations(deployed, Operator("hr"), cycle_id, "199003032015031003")[0].predikat == "SANGAT_BAIK"


def test_the_task_page_shows_the_skp_with_a_box_per_rhk_and_value_and_the_ratings_in_words(
        org: SmallOrg, deployed: Kinerja, app: Any) -> None:
    _cycle_id, instance_id = rina_in_period_review(deployed, org)
    task_id = complete_until(deployed, instance_id, "give_feedback")
    kapus = login(app, "kapus")
    page = kapus.get(f"/tasks/{task_id}").get_data(as_text=True)
    rhk_ids = [item["rhk"] for item in feedback_answer(deployed, task_id)["rhk_feedback"]]
    for rhk_id in rhk_ids:
        assert f'data-rhk-id="{rhk_id}"' in page
    assert "Cakupan IDL" in page and page.count('data-testid="feedback-value-text"') == 7
    assert "Di atas ekspektasi" in page and "DIATAS_EKSPEKTASI =" not in page
    form = {"rhk_feedback-0-rhk": str(rhk_ids[0]), "rhk_feedback-0-feedback": "Cakupan naik, pertahankan",
            "perilaku_feedback-harmonis": "Rukun dengan tim", "rating_hasil_kerja": "SESUAI_EKSPEKTASI",
            "rating_perilaku_kerja": "SESUAI_EKSPEKTASI"}
    assert kapus.post(f"/tasks/{task_id}", data=form).status_code == 303
    with deployed.reading() as uow:
        rows = [(row.rhk_id, row.value_key, row.text)
                for row in uow.session.scalars(select(UmpanBalik).order_by(UmpanBalik.id))]
    assert rows == [
        (rhk_ids[0], None, "Cakupan naik, pertahankan"), (None, "harmonis", "Rukun dengan tim")]


def test_siklus_saya_tells_a_period_not_begun_running_reported_unreported_and_rated_apart(
        org: SmallOrg, deployed: Kinerja, app: Any, clock: FixedClock) -> None:
    cycle_id, instance_id = rina_in_period_review(deployed, org)

    def states() -> list[tuple[str, str]]:
        return [(period.state, period.report_due) for period in list_evaluations(deployed, "rina", cycle_id)]

    def shown() -> list[tuple[str, str]]:
        page = login(app, "rina").get("/my-cycle").get_data(as_text=True)
        return [(item["data-state"], item["_text"]) for item in elements(page, "period-state")]

    assert states() == [("running", "2026-04-14"), ("upcoming", "2026-07-14"), ("upcoming", "2026-10-14"),
                        ("upcoming", "2027-01-14")], "5 January: the first quarter runs, its report due 14 days after"
    assert shown()[:2] == [("running", "Berjalan — batas laporan 14 Apr 2026"),
                           ("upcoming", "Belum dimulai — 1 Apr 2026 s.d. 30 Jun 2026")]

    report = inbox_task(deployed, "rina", "report_realisation")
    do_task(deployed, "rina", "report_realisation", realisation_answer(deployed, report.id))
    assert states()[0][0] == "reported" and shown()[0] == ("reported", "Menunggu penilaian atasan")

    give_feedback(deployed, instance_id, "SESUAI_EKSPEKTASI", "SESUAI_EKSPEKTASI")
    second = inbox_task(deployed, "rina", "report_realisation")
    move_to(clock, second.due_at + timedelta(minutes=1))
    fire_due_timers(deployed)
    assert [state for state, _due in states()] == ["rated", "not_reported", "running", "upcoming"]
    assert shown() == [("not_reported", "Realisasi tidak dilaporkan sampai batas 14 Jul 2026"),
                       ("running", "Berjalan — batas laporan 14 Okt 2026"),
                       ("upcoming", "Belum dimulai — 1 Okt 2026 s.d. 31 Des 2026")], "a rated period shows its predikat"
