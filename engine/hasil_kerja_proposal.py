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
from typing import Any, Callable, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import task_shown_to_reader
from .assignment import is_unit_head
from .evaluation_tables import UnitResult
from .kinerja import Kinerja
from .models import Employee, ProcessInstance
from .realisation_tables import Realisasi
from .runtime import DecisionRecord, evaluate_decision
from .skp_rules import agreed_skp
from .skp_tables import Indikator, Rhk

ABOVE, AT, BELOW = "DIATAS_EKSPEKTASI", "SESUAI_EKSPEKTASI", "DIBAWAH_EKSPEKTASI"
INDICATOR_DECISION = "capaian_indikator"
PROPOSAL_DECISION = "usulan_rating_hasil_kerja"
RATING_FORM = "performance_rating"  # the supervisor's annual rating, beside which the proposal is shown
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
    basis: str = "realisasi"  # or "unit": the head of a unit takes the unit's result
    unit_result: Optional[str] = None
    rhk_ratings: dict[int, Optional[str]] = field(default_factory=dict)
    indicator_ratings: dict[int, str] = field(default_factory=dict)
    decisions: list[DecisionRecord] = field(default_factory=list)

    def facts(self) -> dict[str, Any]:
        """What an audit event records of the proposal."""
        return {"proposed_hasil_kerja": self.rating, "basis": self.basis, "unit_result": self.unit_result,
                "rhk_ratings": {str(k): v for k, v in self.rhk_ratings.items()},
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


# -- the year's results of one SKP version, and the proposal for an employee ---------------------


def year_results(session: Session, skp_id: int) -> list[RhkResult]:
    """Each RHK of the SKP version with its indicators and the year's realisation of each: the
    latest period reported with a number (realisation is reported up to the period, so the
    last report is the year's)."""
    rhk_rows = session.scalars(select(Rhk).where(Rhk.skp_id == skp_id).order_by(Rhk.kind.desc(), Rhk.position)).all()
    indicators = session.scalars(select(Indikator).where(Indikator.rhk_id.in_([r.id for r in rhk_rows]))
                                 .order_by(Indikator.position)).all()
    latest: dict[int, Decimal] = {}
    for indikator_id, value in session.execute(
            select(Realisasi.indikator_id, Realisasi.value).where(Realisasi.skp_id == skp_id,
                                                                  Realisasi.value.is_not(None))
            .order_by(Realisasi.period)):
        latest[indikator_id] = value  # later periods overwrite earlier ones
    by_rhk: dict[int, list[IndicatorResult]] = {}
    for row in indicators:
        by_rhk.setdefault(row.rhk_id, []).append(IndicatorResult(row.id, row.text, row.target_value, row.target_unit,
                                                                 latest.get(row.id)))
    return [RhkResult(row.id, row.kind, row.text, by_rhk.get(row.id, [])) for row in rhk_rows]


def proposal_for(session: Session, decision_engine: Callable[[str], Any], employee: Employee, cycle_id: int,
                 skp_id: Optional[int]) -> Proposal:
    """kinerja's proposal for the employee's year: the unit's result for the head of a unit
    that has one, else :func:`propose` over the SKP's realisation (None without data, or when
    the deployment predates the tables)."""
    if is_unit_head(employee):
        unit_result = session.scalar(select(UnitResult.result).where(UnitResult.cycle_id == cycle_id,
                                                                     UnitResult.unit_id == employee.unit_id))
        if unit_result is not None:
            return Proposal(UNIT_HEAD_RATING[unit_result], basis="unit", unit_result=unit_result)
    if skp_id is None:
        return Proposal(None)
    try:
        return propose(decision_engine, year_results(session, skp_id))
    except KeyError:  # an instance on a deployment without the proposal's tables
        return Proposal(None)


def proposal_for_task(kinerja: Kinerja, username: str, task_id: int) -> Optional[dict[str, Any]]:
    """The proposal beside the supervisor's annual rating (form ``performance_rating``), for a
    reader of the employee's file: the rating, its basis, and each RHK's rating with its
    indicators' capaian. None for another task, another reader, or without a proposal."""
    with kinerja.reading() as uow:
        task = task_shown_to_reader(uow.session, username, task_id, {RATING_FORM})
        if task is None:
            return None
        instance = uow.session.get(ProcessInstance, task.instance_id)
        employee = uow.session.get(Employee, task.subject_employee_id)
        if instance is None or employee is None or instance.cycle_id is None:
            return None
        definitions = kinerja.definitions.of(uow.session, instance.deployment_id)
        skp_id = task.skp_id
        if skp_id is None:
            agreed = agreed_skp(uow.session, employee.id, instance.cycle_id)
            skp_id = agreed.id if agreed else None
        proposal = proposal_for(uow.session, definitions.decision_engine, employee, instance.cycle_id, skp_id)
        if proposal.rating is None:
            return None
        results = year_results(uow.session, skp_id) if skp_id and proposal.basis == "realisasi" else []
    return {"rating": proposal.rating, "basis": proposal.basis, "unit_result": proposal.unit_result,
            "rhk": [{"kind": rhk.kind, "text": rhk.text, "rating": proposal.rhk_ratings.get(rhk.rhk_id),
                     "indicators": [{"text": i.text, "target": i.target, "unit": i.unit, "realised": i.realised,
                                     "capaian": i.capaian} for i in rhk.indicators]} for rhk in results]}
