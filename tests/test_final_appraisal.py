"""The annual appraisal as the regulation runs it: several 360 raters, each with their own
task and deadline, never blocking the rating; the Rating Perilaku Kerja proposed from the
per-value ratings; calibration that cannot hang; an objection with reason, hearing and a
final decision, each escalating when its deadline passes."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.annual_rating import propose_perilaku
from engine.appraisal_tables import AppraisalInput, Objection
from engine.clock import FixedClock
from engine.errors import ValidationFailed
from engine.kinerja import Kinerja
from engine.models import AuditEvent, HumanTask, User
from engine.notifications import list_notifications
from engine.read_models import instance_history, task_detail
from engine.tasks import complete_task
from engine.timers import fire_due_timers
from tests.support import (
    BERAKHLAK,
    SHORT_YEAR,
    ApiClient,
    SmallOrg,
    annual_evaluation,
    calibrate,
    complete_until,
    do_task,
    error_of,
    inbox_task,
    login,
    open_cycle,
    text,
)

ABOVE, AS_EXPECTED, BELOW = "DIATAS_EKSPEKTASI", "SESUAI_EKSPEKTASI", "DIBAWAH_EKSPEKTASI"
RATERS = {**SHORT_YEAR, "raters": {"peers": 2, "subordinates": 1}}


def _users(kinerja: Kinerja, user_ids: set[int | None]) -> set[str]:
    with kinerja.reading() as uow:
        return set(uow.session.scalars(select(User.username).where(User.id.in_(user_ids))))


def _open(kinerja: Kinerja, instance_id: int, task_key: str) -> list[Any]:
    """The open tasks of that key: id, assignee, group and deadline."""
    with kinerja.reading() as uow:
        return list(uow.session.execute(select(
            HumanTask.id, HumanTask.assignee_user_id, HumanTask.candidate_group, HumanTask.due_at).where(
            HumanTask.instance_id == instance_id, HumanTask.task_key == task_key, HumanTask.status == "open")))


def _events(kinerja: Kinerja, instance_id: int, action: str) -> list[dict[str, Any]]:
    with kinerja.reading() as uow:
        return [event.data for event in uow.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.action == action).order_by(AuditEvent.seq))]


def _to_peer_input(kinerja: Kinerja, org: SmallOrg) -> int:
    (instance_id,) = open_cycle(kinerja, [org.cycle_employee], settings=RATERS).instance_ids
    complete_until(kinerja, instance_id, "peer_input")
    return instance_id


def test_each_rater_gets_their_own_task_peers_and_subordinates(team: SmallOrg, deployed: Kinerja) -> None:
    instance_id = _to_peer_input(deployed, team)
    tasks = _open(deployed, instance_id, "peer_input")
    assert _users(deployed, {task.assignee_user_id for task in tasks}) == {"dedi", "sari", "andi"}, \
        "the two peers after Rina (the cycle asks for 2) and her one subordinate"
    assert all(task.candidate_group is None and task.due_at is not None for task in tasks)
    with deployed.reading() as uow:
        rows = uow.session.scalars(select(AppraisalInput).where(AppraisalInput.instance_id == instance_id)).all()
        assert sorted((row.relation, row.status) for row in rows) == [
            ("peer", "pending"), ("peer", "pending"), ("subordinate", "pending")]


def test_a_missing_input_is_skipped_at_the_deadline_and_never_blocks_the_rating(
        team: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    instance_id = _to_peer_input(deployed, team)
    do_task(deployed, "dedi", "peer_input", {"peer_behaviour": {key: ABOVE for key in BERAKHLAK},
                                             "peer_comment": "Sigap melayani pasien"})
    assert not _open(deployed, instance_id, "rate_performance"), "the other raters still have time"
    clock.advance(timedelta(days=14, hours=1))
    assert fire_due_timers(deployed).fired == 1
    assert not _open(deployed, instance_id, "peer_input")
    assert inbox_task(deployed, "kapus", "rate_performance")
    skipped = _events(deployed, instance_id, "appraisal.input_skipped")
    assert sorted(event["relation"] for event in skipped) == ["peer", "subordinate"]
    with deployed.reading() as uow:
        statuses = sorted(row.status for row in uow.session.scalars(
            select(AppraisalInput).where(AppraisalInput.instance_id == instance_id)))
    assert statuses == ["skipped", "skipped", "submitted"]
    hers = [event for event in instance_history(deployed, "rina", instance_id)
            if event["action"] in {"appraisal.input_skipped", "task.created"}]
    assert hers and all("rater_employee_id" not in event["data"] and "assignee_user_id" not in event["data"]
                        for event in hers if event["data"].get("lane", "Rekan Kerja") == "Rekan Kerja"), \
        "she learns that input was skipped, not whose"


@pytest.mark.parametrize(("ratings", "proposed"), [
    ([ABOVE] * 7, ABOVE),
    ([ABOVE] * 4 + [AS_EXPECTED] * 3, ABOVE),
    ([ABOVE] * 6 + [BELOW], AS_EXPECTED),  # none may be below for di atas
    ([ABOVE] * 3 + [AS_EXPECTED] * 4, AS_EXPECTED),
    ([BELOW] * 3 + [AS_EXPECTED] * 4, AS_EXPECTED),
    ([BELOW] * 4 + [ABOVE] * 3, BELOW),
])
def test_the_perilaku_proposal_follows_the_quadrant_wording(ratings: list[str], proposed: str) -> None:
    assert propose_perilaku(ratings) == proposed


def test_the_supervisor_confirms_or_changes_the_proposal_with_a_reason(team: SmallOrg, deployed: Kinerja) -> None:
    (instance_id,) = open_cycle(deployed, [team.cycle_employee], settings=RATERS).instance_ids
    task_id = complete_until(deployed, instance_id, "rate_performance")
    changed = {"rating_hasil_kerja": ABOVE, "behaviour_items": {key: AS_EXPECTED for key in BERAKHLAK},
               "rating_perilaku_kerja": ABOVE}
    with pytest.raises(ValidationFailed) as refused:
        complete_task(deployed, "kapus", task_id, changed)
    assert refused.value.details[0]["field"] == "perilaku_kerja_reason"
    complete_task(deployed, "kapus", task_id, {**changed, "perilaku_kerja_reason": "Memimpin tim vaksinasi keliling"})
    evaluation = annual_evaluation(deployed, team.cycle_employee)
    assert (evaluation.proposed_perilaku_kerja, evaluation.rating_perilaku_kerja) == (AS_EXPECTED, ABOVE)
    assert evaluation.perilaku_kerja_reason == "Memimpin tim vaksinasi keliling"
    assert (evaluation.predikat, evaluation.status, evaluation.proposed_hasil_kerja) == ("SANGAT_BAIK", "proposed", ABOVE)
    assert evaluation.unit_id is not None and evaluation.rated_at is not None
    assert _open(deployed, instance_id, "calibrate_predikat"), "the predikat waits for the unit's calibration"


def test_an_objection_without_reason_is_refused(team: SmallOrg, deployed: Kinerja, api: ApiClient) -> None:
    (instance_id,) = open_cycle(deployed, [team.cycle_employee], settings=RATERS).instance_ids
    complete_until(deployed, instance_id, "calibrate_predikat")
    calibrate(deployed)
    (review,) = _open(deployed, instance_id, "review_predikat")
    for data in ({"file_objection": True}, {"file_objection": True, "objection_reason": "     tidak      "}):
        error_of(api.post(f"/tasks/{review.id}/complete", "rina", json={"data": data}), 422)
    assert _open(deployed, instance_id, "review_predikat"), "nothing was half-written"
    api.ok("post", f"/tasks/{review.id}/complete", "rina",
           json={"data": {"file_objection": True, "objection_reason": "Realisasi triwulan IV belum dihitung"}})
    assert inbox_task(deployed, "kadis", "objection_hearing")


def _objection_filed(kinerja: Kinerja, org: SmallOrg) -> int:
    (instance_id,) = open_cycle(kinerja, [org.cycle_employee], settings=RATERS).instance_ids
    complete_until(kinerja, instance_id, "rate_performance")
    do_task(kinerja, "kapus", "rate_performance", {
        "rating_hasil_kerja": BELOW, "hasil_kerja_reason": "Realisasi tidak didukung bukti yang sah",
        "behaviour_items": {key: AS_EXPECTED for key in BERAKHLAK}})
    calibrate(kinerja)
    do_task(kinerja, "rina", "review_predikat",
            {"file_objection": True, "objection_reason": "Realisasi triwulan IV belum dihitung"})
    return instance_id


def test_the_hearing_asks_both_sides_before_a_final_decision(team: SmallOrg, deployed: Kinerja) -> None:
    instance_id = _objection_filed(deployed, team)
    assert annual_evaluation(deployed, team.cycle_employee).predikat == "BUTUH_PERBAIKAN"
    do_task(deployed, "kadis", "objection_hearing", {"question_to_rater": "Apa dasar rating hasil kerja?",
                                                     "question_to_employee": "Bukti apa yang terlewat?"})
    rater = inbox_task(deployed, "kapus", "explain_rater")
    assert rater.name.endswith("Apa dasar rating hasil kerja?")
    do_task(deployed, "kapus", "explain_rater", {"explanation": "Laporan triwulan IV belum masuk"})
    assert not _open(deployed, instance_id, "decide_objection"), "the decision waits for both explanations"
    do_task(deployed, "rina", "explain_employee", {"explanation": "Laporan sudah diunggah 2 Januari"})
    with pytest.raises(ValidationFailed):
        do_task(deployed, "kadis", "decide_objection", {"objection_upheld": True, "decision_reason": "          ",
                                                        "revised_rating_hasil_kerja": AS_EXPECTED,
                                                        "revised_rating_perilaku_kerja": AS_EXPECTED})
    do_task(deployed, "kadis", "decide_objection", {"objection_upheld": True, "decision_reason": "Bukti diterima",
                                                    "revised_rating_hasil_kerja": AS_EXPECTED,
                                                    "revised_rating_perilaku_kerja": AS_EXPECTED})
    with deployed.reading() as uow:
        objection = uow.session.scalars(select(Objection).where(Objection.instance_id == instance_id)).one()
        assert (objection.outcome, objection.original_predikat, objection.final_predikat) == (
            "upheld", "BUTUH_PERBAIKAN", "BAIK")
        assert (objection.rater_response, objection.employee_response) == ("given", "given")
        assert objection.decision_reason == "Bukti diterima" and objection.decided_by_user_id is not None
    evaluation = annual_evaluation(deployed, team.cycle_employee)
    assert (evaluation.predikat, evaluation.rating_hasil_kerja, evaluation.status) == ("BAIK", AS_EXPECTED, "final")
    assert [e["outcome"] for e in _events(deployed, instance_id, "objection.decided")] == ["upheld"]
    told = [n for n in list_notifications(deployed, "rina") if n.params.get("decision") == "objection"]
    assert [n.subject for n in told] == ["Keberatan Anda dikabulkan"], "she hears the decision and its reason"


def test_calibration_that_never_comes_makes_the_proposal_final(
        team: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    (instance_id,) = open_cycle(deployed, [team.cycle_employee], settings=RATERS).instance_ids
    complete_until(deployed, instance_id, "calibrate_predikat")
    clock.advance(timedelta(days=31))
    fire_due_timers(deployed)
    assert inbox_task(deployed, "ppk", "calibrate_predikat_ppk")
    assert annual_evaluation(deployed, team.cycle_employee).status == "proposed", "escalated, not final yet"
    clock.advance(timedelta(days=15))
    fire_due_timers(deployed)
    assert inbox_task(deployed, "rina", "review_predikat")
    evaluation = annual_evaluation(deployed, team.cycle_employee)
    assert (evaluation.status, evaluation.predikat) == ("final", "SANGAT_BAIK")
    assert [e["reason"] for e in _events(deployed, instance_id, "evaluation.finalised")] == [
        "tidak dikalibrasi sampai batas waktu"]


def test_explanations_and_decisions_that_never_come_keep_the_original_predikat(
        team: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    instance_id = _objection_filed(deployed, team)
    do_task(deployed, "kadis", "objection_hearing", {"question_to_rater": "Apa dasar rating hasil kerja?",
                                                     "question_to_employee": "Bukti apa yang terlewat?"})
    clock.advance(timedelta(days=8))
    fire_due_timers(deployed)
    assert sorted(e["party"] for e in _events(deployed, instance_id, "objection.explanation_skipped")) == [
        "employee", "rater"]
    assert inbox_task(deployed, "kadis", "decide_objection"), "the hearing goes on without them"
    clock.advance(timedelta(days=15))
    fire_due_timers(deployed)
    assert inbox_task(deployed, "ppk", "decide_objection_ppk"), "escalated to the PPK"
    clock.advance(timedelta(days=15))
    fire_due_timers(deployed)
    with deployed.reading() as uow:
        objection = uow.session.scalars(select(Objection).where(Objection.instance_id == instance_id)).one()
        assert (objection.outcome, objection.final_predikat) == ("lapsed", "BUTUH_PERBAIKAN")
        assert (objection.rater_response, objection.employee_response) == ("skipped", "skipped")
    assert annual_evaluation(deployed, team.cycle_employee).status == "final"
    assert _events(deployed, instance_id, "objection.lapsed")


def test_an_overdue_hearing_goes_to_the_ppk(team: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    instance_id = _objection_filed(deployed, team)
    clock.advance(timedelta(days=8))
    fire_due_timers(deployed)
    assert _events(deployed, instance_id, "objection.hearing_skipped")
    do_task(deployed, "ppk", "decide_objection_ppk", {"objection_upheld": False,
                                                      "decision_reason": "Penilaian sesuai bukti realisasi"})
    with deployed.reading() as uow:
        objection = uow.session.scalars(select(Objection).where(Objection.instance_id == instance_id)).one()
        assert (objection.outcome, objection.final_predikat) == ("rejected", "BUTUH_PERBAIKAN")


def test_the_rating_page_shows_the_360_input_pooled_and_unsigned(
        team: SmallOrg, deployed: Kinerja, clock: FixedClock, app: Flask) -> None:
    instance_id = _to_peer_input(deployed, team)
    do_task(deployed, "dedi", "peer_input", {"peer_behaviour": {key: ABOVE for key in BERAKHLAK},
                                             "peer_comment": "Sigap melayani pasien"})
    do_task(deployed, "sari", "peer_input", {"peer_behaviour": {key: AS_EXPECTED for key in BERAKHLAK}})
    clock.advance(timedelta(days=15))
    fire_due_timers(deployed)
    (rating,) = _open(deployed, instance_id, "rate_performance")
    page = login(app, "kapus").get(f"/tasks/{rating.id}").get_data(as_text=True)
    assert text(page, "input-360-counts") == "2 dari 3 penilai memberi masukan; 1 dilewati karena batas waktu."
    assert "Sigap melayani pasien" in text(page, "input-360-comments")
    assert not {"Dedi", "Sari", "Andi"} & set(text(page, "input-360").split())


def test_several_raters_reach_the_employee_pooled_and_unsigned(team: SmallOrg, deployed: Kinerja) -> None:
    instance_id = _to_peer_input(deployed, team)
    do_task(deployed, "dedi", "peer_input", {"peer_behaviour": {key: ABOVE for key in BERAKHLAK},
                                             "peer_comment": "Sigap melayani pasien"})
    do_task(deployed, "sari", "peer_input", {"peer_behaviour": {key: AS_EXPECTED for key in BERAKHLAK}})
    do_task(deployed, "andi", "peer_input", {"peer_behaviour": {key: AS_EXPECTED for key in BERAKHLAK},
                                             "peer_comment": "Memberi arahan jelas"})
    review = complete_until(deployed, instance_id, "review_predikat")
    hers = task_detail(deployed, "rina", review)
    (pooled,) = [step for step in hers.history if step.task_key == "peer_input"]
    assert pooled.actor == "" and pooled.submitted["raters"] == 3
    assert pooled.submitted["peer_behaviour"]["akuntabel"] == {ABOVE: 1, AS_EXPECTED: 2, BELOW: 0}
    assert pooled.submitted["peer_comment"] == ["Memberi arahan jelas", "Sigap melayani pasien"]
    raters = {"dedi", "sari", "andi"}
    assert not raters & {step.actor for step in hers.history}
    assert not raters & {event["actor"] for event in instance_history(deployed, "rina", instance_id)}
