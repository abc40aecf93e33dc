"""The Rating Hasil Kerja kinerja proposes for the year, from realisation against target.

PermenPANRB 6/2022 rates work results by a quadrant without weights: *di atas ekspektasi*
when all or most results are above expectation and no main result (RHK utama) is below it,
*di bawah* when a main result or most results are below, *sesuai* otherwise. So the
Pejabat Penilai starts from a proposal and confirms or changes it with a reason.

Both steps are deployed decision tables HR can read and change, not Python rules:

1. ``capaian_indikator`` (bpmn/capaian_indikator.dmn) rates each indicator's capaian —
   its year's realisation as a percentage of its target — above, at or below expectation;
2. an RHK is below when any of its indicators is below, above when all are above, at
   expectation otherwise; an RHK with no numeric realisation (a qualitative target, or
   nothing reported) is left to the supervisor and not counted;
3. ``usulan_rating_hasil_kerja`` (bpmn/usulan_rating_hasil_kerja.dmn) turns the count of
   main results below and the shares above and below into the proposal.

The head of a unit takes the unit's result instead (SE MenPANRB 3/2023):
:data:`UNIT_HEAD_RATING`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional, Sequence

from .runtime import DecisionRecord, evaluate_decision

ABOVE, AT, BELOW = "DIATAS_EKSPEKTASI", "SESUAI_EKSPEKTASI", "DIBAWAH_EKSPEKTASI"
INDICATOR_DECISION = "capaian_indikator"
PROPOSAL_DECISION = "usulan_rating_hasil_kerja"
# The unit head's Rating Hasil Kerja follows the organisation's result for the unit.
UNIT_HEAD_RATING = {"ISTIMEWA": ABOVE, "BAIK": AT, "BUTUH_PERBAIKAN": BELOW, "KURANG": BELOW,
                    "SANGAT_KURANG": BELOW}


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator's year: its target and the realisation the proposal rests on."""

    indikator_id: int
    text: str
    target: Optional[Decimal]
    unit: Optional[str]
    realised: Optional[Decimal]

    @property
    def capaian(self) -> Optional[Decimal]:
        """Realisation as a percentage of the target; None without a numeric pair."""
        if self.target is None or self.realised is None or self.target <= 0:
            return None
        return (self.realised * 100 / self.target).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class RhkResult:
    rhk_id: int
    kind: str  # utama | tambahan
    text: str
    indicators: Sequence[IndicatorResult]


@dataclass
class Proposal:
    """The proposed rating (None when no RHK has a numeric realisation), each RHK's and
    indicator's rating, and every table evaluation it rests on (for the audit trail)."""

    rating: Optional[str]
    rhk_ratings: dict[int, Optional[str]] = field(default_factory=dict)
    indicator_ratings: dict[int, str] = field(default_factory=dict)
    decisions: list[DecisionRecord] = field(default_factory=list)

    def facts(self) -> dict[str, Any]:
        """What an audit event records of the proposal."""
        return {"proposed_hasil_kerja": self.rating, "rhk_ratings": {str(k): v for k, v in self.rhk_ratings.items()},
                "decisions": [{"decision_id": d.decision_id, "inputs": d.inputs, "outputs": d.outputs,
                               "matched_rules": [m["rule_id"] for m in d.matched_rules]} for d in self.decisions]}


def propose(decision_engine: Any, results: Sequence[RhkResult]) -> Proposal:
    """The proposal for ``results`` by the deployed tables; ``decision_engine(id)`` gives the
    Spiff DMN engine of a deployed decision (``DefinitionSet.decision_engine``)."""
    proposal = Proposal(rating=None)
    indicator_table = decision_engine(INDICATOR_DECISION)
    for rhk in results:
        ratings = []
        for indicator in rhk.indicators:
            if indicator.capaian is None:
                continue
            record = evaluate_decision(indicator_table, INDICATOR_DECISION, {"capaian": float(indicator.capaian)})
            proposal.decisions.append(record)
            proposal.indicator_ratings[indicator.indikator_id] = record.outputs["rating"]
            ratings.append(record.outputs["rating"])
        proposal.rhk_ratings[rhk.rhk_id] = _rhk_rating(ratings)
    rated = [(rhk.kind, proposal.rhk_ratings[rhk.rhk_id]) for rhk in results
             if proposal.rhk_ratings[rhk.rhk_id] is not None]
    if not rated:
        return proposal
    inputs = {"utama_below": sum(1 for kind, rating in rated if kind == "utama" and rating == BELOW),
              "below_share": sum(1 for _, rating in rated if rating == BELOW) / len(rated),
              "above_share": sum(1 for _, rating in rated if rating == ABOVE) / len(rated)}
    record = evaluate_decision(decision_engine(PROPOSAL_DECISION), PROPOSAL_DECISION, inputs)
    proposal.decisions.append(record)
    proposal.rating = record.outputs["proposed_hasil_kerja"]
    return proposal


def _rhk_rating(indicator_ratings: list[str]) -> Optional[str]:
    if not indicator_ratings:
        return None
    if BELOW in indicator_ratings:
        return BELOW
    return ABOVE if all(rating == ABOVE for rating in indicator_ratings) else AT
