"""The Rating Hasil Kerja kinerja proposes from realisation against target, through the
deployed decision tables (bpmn/capaian_indikator.dmn, bpmn/usulan_rating_hasil_kerja.dmn)."""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

import pytest

from engine.definitions import DefinitionSet
from engine.hasil_kerja_proposal import ABOVE, AT, BELOW, IndicatorResult, RhkResult, propose
from tests.support import BUNDLED_DEFINITIONS


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
