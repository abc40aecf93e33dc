"""The Rating Hasil Kerja kinerja proposes from realisation against target, through the
deployed decision tables (bpmn/capaian_indikator.dmn, bpmn/usulan_rating_hasil_kerja.dmn),
and the head of a unit's from the unit's result; the supervisor starts from it."""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Optional

import pytest
from flask import Flask
from sqlalchemy import select

from engine.actors import Operator
from engine.definitions import DefinitionSet
from engine.errors import ValidationFailed
from engine.hasil_kerja_proposal import ABOVE, AT, BELOW, IndicatorResult, RhkResult, propose
from engine.kinerja import Kinerja
from engine.models import AuditEvent, ProcessInstance
from engine.tasks import complete_task
from engine.unit_results import start_unit_results
from tests.support import (
    BERAKHLAK,
    BUNDLED_DEFINITIONS,
    RHK_TEXT,
    SHORT_YEAR,
    SmallOrg,
    annual_evaluation,
    complete_until,
    elements,
    login,
    open_cycle,
    realisation_answer,
    set_result,
    text,
)


@pytest.fixture(scope="module")
def tables() -> DefinitionSet:
    return DefinitionSet(BUNDLED_DEFINITIONS())


def rhk(rhk_id: int, kind: str, *realised: Optional[float], target: float = 100) -> RhkResult:
    return RhkResult(rhk_id, kind, f"RHK {rhk_id}", [
        IndicatorResult(rhk_id * 10 + i, "IKI", Decimal(str(target)), "%",
                        None if value is None else Decimal(str(value))) for i, value in enumerate(realised)])


@pytest.mark.parametrize("results, expected", [
    ([rhk(1, "utama", 120), rhk(2, "utama", 115), rhk(3, "tambahan", 100)], ABOVE),
    ([rhk(1, "utama", 120), rhk(2, "utama", 95), rhk(3, "tambahan", 130)], BELOW),  # a main result below
    ([rhk(1, "utama", 100), rhk(2, "tambahan", 90), rhk(3, "tambahan", 80)], BELOW),  # most below
    ([rhk(1, "utama", 120), rhk(2, "utama", 104), rhk(3, "tambahan", 90)], AT),
    ([rhk(1, "utama", 105, 130)], AT),  # an RHK is above only when all its indicators are
    ([rhk(1, "utama", 112, 130)], ABOVE),
], ids=["most-above", "main-below", "most-below", "mixed", "rhk-at", "rhk-above"])
def test_the_proposal_follows_the_quadrant_rule(tables: DefinitionSet, results: list[RhkResult],
                                                 expected: str) -> None:
    assert propose(tables.decision_engine, results).rating == expected


def test_a_capaian_is_the_realisation_as_a_percentage_of_the_target(tables: DefinitionSet) -> None:
    proposal = propose(tables.decision_engine, [rhk(1, "utama", 90, target=95)])
    assert rhk(1, "utama", 90, target=95).indicators[0].capaian == Decimal("94.74")
    assert proposal.indicator_ratings == {10: BELOW} and proposal.rhk_ratings == {1: BELOW}


def test_without_numeric_realisation_nothing_is_proposed(tables: DefinitionSet) -> None:
    proposal = propose(tables.decision_engine, [rhk(1, "utama", None)])
    assert proposal.rating is None and proposal.rhk_ratings == {1: None} and proposal.decisions == []


def test_the_proposal_records_each_table_it_ran(tables: DefinitionSet) -> None:
    facts = propose(tables.decision_engine, [rhk(1, "utama", 120), rhk(2, "tambahan", 100)]).facts()
    assert [d["decision_id"] for d in facts["decisions"]] == ["capaian_indikator", "capaian_indikator",
                                                              "usulan_rating_hasil_kerja"]
    assert facts["decisions"][-1]["inputs"] and facts["proposed_hasil_kerja"] == AT


# -- in the supervisor's annual rating ---------------------------------------------------------


def test_the_rating_starts_from_the_proposal_and_a_different_one_needs_a_reason(org: SmallOrg,
                                                                                deployed: Kinerja) -> None:
    (instance_id,) = open_cycle(deployed, [org.cycle_employee], settings=SHORT_YEAR).instance_ids
    report = complete_until(deployed, instance_id, "report_realisation")
    complete_task(deployed, "rina", report, realisation_answer(deployed, report, value=50))  # 53 % of 95
    rating = complete_until(deployed, instance_id, "rate_performance")
    chosen = {"rating_hasil_kerja": AT, "behaviour_items": {key: AT for key in BERAKHLAK}}
    with pytest.raises(ValidationFailed) as refused:
        complete_task(deployed, "kapus", rating, chosen)
    assert refused.value.details[0]["field"] == "hasil_kerja_reason"
    complete_task(deployed, "kapus", rating, {**chosen, "hasil_kerja_reason": "Target terlalu tinggi untuk wilayah"})

    evaluation = annual_evaluation(deployed, org.cycle_employee)
    assert (evaluation.proposed_hasil_kerja, evaluation.rating_hasil_kerja) == (BELOW, AT)
    assert evaluation.hasil_kerja_reason == "Target terlalu tinggi untuk wilayah"
    with deployed.reading() as uow:
        rated = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "evaluation.rated")).one().data
    proposal = rated["hasil_kerja_proposal"]
    assert proposal["proposed_hasil_kerja"] == BELOW and proposal["basis"] == "realisasi"
    assert [d["decision_id"] for d in proposal["decisions"]][-1] == "usulan_rating_hasil_kerja"


def test_the_head_of_a_unit_takes_the_units_result(org: SmallOrg, deployed: Kinerja, cycle: int) -> None:
    start_unit_results(deployed, Operator("hr"), cycle)
    set_result(deployed, {"unit_result": "ISTIMEWA", "unit_result_basis": "LAKIP 2026: semua IKU tercapai"})
    kapus = org.employee_ids["198002022005012002"]
    with deployed.reading() as uow:
        instance_id = uow.session.scalar(select(ProcessInstance.id).where(
            ProcessInstance.subject_employee_id == kapus, ProcessInstance.cycle_id == cycle))
    rating = complete_until(deployed, instance_id, "rate_performance")
    complete_task(deployed, "kadis", rating, {"rating_hasil_kerja": ABOVE,
                                              "behaviour_items": {key: ABOVE for key in BERAKHLAK}})
    evaluation = annual_evaluation(deployed, kapus)
    assert (evaluation.proposed_hasil_kerja, evaluation.hasil_kerja_reason) == (ABOVE, None)


def test_the_rating_page_shows_the_proposal_with_each_indicators_capaian(
        org: SmallOrg, deployed: Kinerja, make_app: Callable[..., Flask]) -> None:
    (instance_id,) = open_cycle(deployed, [org.cycle_employee], settings=SHORT_YEAR).instance_ids
    report = complete_until(deployed, instance_id, "report_realisation")
    complete_task(deployed, "rina", report, realisation_answer(deployed, report, value=110))
    rating = complete_until(deployed, instance_id, "rate_performance")
    page = login(make_app(), "kapus").get(f"/tasks/{rating}").get_data(as_text=True)
    assert text(page, "hasil-proposal-rating") == "Di atas ekspektasi"
    assert "115,79 %" in text(page, "hasil-proposal") and RHK_TEXT in text(page, "hasil-proposal")
    assert elements(login(make_app(), "dedi").get(f"/tasks/{rating}").get_data(as_text=True), "hasil-proposal") == []
