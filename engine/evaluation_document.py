"""What the Dokumen Evaluasi Kinerja Pegawai says, as plain data (DESIGN §1.6), for one
period of the plan or for the year: the period, the employee and the Pejabat Penilai, the
unit's result (capaian kinerja organisasi) and the distribution pattern it fixes, the hasil
kerja with realisation, evidence and the supervisor's feedback, the perilaku with feedback,
the two ratings and the predikat, the objection if there was one, and the approvals.

Like :func:`engine.document_content.skp_content` it is built from the tables only, so its
hash can be recomputed when a printed copy is verified. The unit's counts per predikat are
shown on the annual document once it is final (before, other employees' ratings still move
them); a period's document shows the unit's result and pattern only.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .appraisal_tables import Objection
from .distribution import DISTRIBUTION_DECISION, PREDIKAT_LABELS, UNIT_RESULT_LABELS, pattern_of
from .document_approvals import OBJECTION_DECIDED, evaluation_approvals
from .document_content import ASPECT_WORDS, header, person
from .evaluation_tables import ANNUAL, PREDIKATS, Evaluation, UnitResult
from .feedback_tables import UmpanBalik
from .kinerja import Kinerja
from .models import Cycle, Employee, ProcessInstance
from .periods import plan_of
from .realisation_tables import BuktiDukung, Realisasi
from .skp_tables import Indikator, Rhk, Skp
from .skp_views import BERAKHLAK_VALUES, target_text

RATING_WORDS = {"DIATAS_EKSPEKTASI": "Di Atas Ekspektasi", "SESUAI_EKSPEKTASI": "Sesuai Ekspektasi",
                "DIBAWAH_EKSPEKTASI": "Di Bawah Ekspektasi"}
OUTCOME_WORDS = {"upheld": "dikabulkan", "rejected": "ditolak", "lapsed": "tidak diputuskan sampai batas waktu"}


def evaluation_content(kinerja: Kinerja, session: Session, evaluation: Evaluation) -> dict[str, Any]:
    """The evaluation document of ``evaluation`` (a period's or the year's)."""
    cycle = session.get(Cycle, evaluation.cycle_id)
    employee = session.get(Employee, evaluation.employee_id)
    assert cycle is not None and employee is not None  # foreign keys
    skp = session.get(Skp, evaluation.skp_id) if evaluation.skp_id else None
    evaluator_id = skp.evaluator_employee_id if skp and skp.evaluator_employee_id else employee.supervisor_id
    evaluator = session.get(Employee, evaluator_id) if evaluator_id else None
    annual = evaluation.period == ANNUAL
    plan = plan_of(cycle.settings, cycle.year)
    top = header(session, cycle)
    if not annual and 0 < evaluation.period <= len(plan):
        top["start"], top["end"] = plan[evaluation.period - 1]["start"], plan[evaluation.period - 1]["end"]
    periods = {number: period["name"] for number, period in enumerate(plan, start=1)}
    objection = session.scalars(select(Objection).where(Objection.evaluation_id == evaluation.id)
                                .order_by(Objection.id.desc()).limit(1)).first()
    approvals = evaluation_approvals(session, evaluation)
    dated = evaluation.finalised_at or evaluation.rated_at
    return {
        "kind": "evaluasi", "title": "Dokumen Evaluasi Kinerja Pegawai", **top,
        "period": evaluation.period, "period_name": "Tahunan" if annual else evaluation.period_name,
        "annual": annual, "status": evaluation.status,
        "status_words": "Final" if evaluation.status == "final" else "Usulan (belum final)",
        "skp_version": skp.version if skp else None,
        "employee": person(session, employee), "evaluator": person(session, evaluator),
        "evaluator_supervisor": person(session, evaluator.supervisor) if objection and evaluator else None,
        **_unit(kinerja, session, evaluation),
        "rhk": _hasil_kerja(session, evaluation, skp, periods),
        "perilaku": _perilaku(session, evaluation, periods),
        "rating_hasil_kerja": RATING_WORDS.get(evaluation.rating_hasil_kerja or "", "-"),
        "hasil_kerja_reason": evaluation.hasil_kerja_reason or "",
        "rating_perilaku_kerja": RATING_WORDS.get(evaluation.rating_perilaku_kerja or "", "-"),
        "perilaku_kerja_reason": evaluation.perilaku_kerja_reason or "",
        "predikat": PREDIKAT_LABELS.get(evaluation.predikat or "", "-"),
        "objection": _objection(objection),
        "dated_at": dated.isoformat() if dated else "",
        "approvals": approvals,
        "objection_decided": any(item["action"] == OBJECTION_DECIDED for item in approvals),
    }


def _unit(kinerja: Kinerja, session: Session, evaluation: Evaluation) -> dict[str, Any]:
    """The unit's result, the pattern the instance's table gives for it and, when final, the
    unit's predikat counts."""
    result = session.scalar(select(UnitResult).where(UnitResult.cycle_id == evaluation.cycle_id,
                                                     UnitResult.unit_id == evaluation.unit_id))
    if result is None:
        return {"unit_result": None, "pattern": [], "counts": None, "employee_predikat": evaluation.predikat}
    instance = session.get(ProcessInstance, evaluation.instance_id) if evaluation.instance_id else None
    constraints = []
    if instance is not None:
        definitions = kinerja.definitions.of(session, instance.deployment_id)
        if DISTRIBUTION_DECISION in definitions.decision_files:
            constraints = pattern_of(definitions, result.result)
    counts = None
    if evaluation.period == ANNUAL and evaluation.status == "final":
        predikats = session.scalars(select(Evaluation.predikat).where(
            Evaluation.cycle_id == evaluation.cycle_id, Evaluation.unit_id == evaluation.unit_id,
            Evaluation.period == ANNUAL)).all()
        counted = Counter(p for p in predikats if p in PREDIKATS)
        counts = {p: counted.get(p, 0) for p in PREDIKATS}
    return {"unit_result": {"label": UNIT_RESULT_LABELS.get(result.result, result.result), "basis": result.basis},
            "pattern": [{"predikats": [PREDIKAT_LABELS[p] for p in c.predikats], "codes": list(c.predikats),
                         "kind": c.kind, "percent": c.percent, "words": c.words()} for c in constraints],
            "counts": counts, "employee_predikat": evaluation.predikat}


def _hasil_kerja(session: Session, evaluation: Evaluation, skp: Optional[Skp],
                 periods: dict[int, str]) -> list[dict[str, Any]]:
    """Each RHK of the evaluated version with its indicators' target, realisation (the
    period's, or the year's: the last report), evidence and the feedback on it."""
    if skp is None:
        return []
    query = select(Realisasi).where(Realisasi.skp_id == skp.id).order_by(Realisasi.period, Realisasi.id)
    if evaluation.period != ANNUAL:
        query = query.where(Realisasi.period == evaluation.period)
    reported = {row.indikator_id: row for row in session.scalars(query)}  # the last report wins
    evidence: dict[int, list[str]] = {}
    for item in session.scalars(select(BuktiDukung).where(BuktiDukung.realisasi_id.in_(
            [row.id for row in reported.values()])).order_by(BuktiDukung.id)):
        evidence.setdefault(item.indikator_id or 0, []).append(item.filename or item.url or "")
    feedback = _feedback(session, evaluation, periods, UmpanBalik.rhk_id.is_not(None))
    numbers: dict[str, int] = {}
    rows = []
    for rhk in session.scalars(select(Rhk).where(Rhk.skp_id == skp.id).order_by(Rhk.position)):
        numbers[rhk.kind] = numbers.get(rhk.kind, 0) + 1
        rows.append({"kind": rhk.kind, "number": numbers[rhk.kind], "text": rhk.text,
                     "indicators": [_indicator(ind, reported.get(ind.id), evidence.get(ind.id, []))
                                    for ind in session.scalars(select(Indikator).where(Indikator.rhk_id == rhk.id)
                                                               .order_by(Indikator.position))],
                     "feedback": feedback.get(rhk.id, [])})
    return rows


def _indicator(indicator: Indikator, realisation: Optional[Realisasi], evidence: list[str]) -> dict[str, Any]:
    value = "-"
    if realisation is not None:
        value = target_text(realisation.value, indicator.target_unit, realisation.description) or "-"
    capaian = realisation.capaian if realisation is not None else None
    return {"aspek": ASPECT_WORDS.get(indicator.aspek, indicator.aspek), "text": indicator.text,
            "target": target_text(indicator.target_value, indicator.target_unit, indicator.target_description),
            "realisation": value, "capaian": f"{capaian:.2f}".replace(".", ",") + " %" if capaian is not None else "",
            "evidence": evidence}


def _perilaku(session: Session, evaluation: Evaluation, periods: dict[int, str]) -> list[dict[str, Any]]:
    feedback = _feedback(session, evaluation, periods, UmpanBalik.value_key.is_not(None))
    return [{"value": label, "guide": guide, "feedback": feedback.get(key, [])}
            for key, (label, guide) in BERAKHLAK_VALUES.items()]


def _feedback(session: Session, evaluation: Evaluation, periods: dict[int, str], which: Any) -> dict[Any, list[Any]]:
    """The supervisor's feedback of the period (of every period for the year), by RHK id or value."""
    query = select(UmpanBalik).where(UmpanBalik.employee_id == evaluation.employee_id,
                                     UmpanBalik.cycle_id == evaluation.cycle_id, which)
    if evaluation.period != ANNUAL:
        query = query.where(UmpanBalik.period == evaluation.period)
    found: dict[Any, list[Any]] = {}
    for row in session.scalars(query.order_by(UmpanBalik.period, UmpanBalik.id)):
        found.setdefault(row.rhk_id or row.value_key, []).append(
            {"period": periods.get(row.period, str(row.period)), "text": row.text})
    return found


def _objection(objection: Optional[Objection]) -> Optional[dict[str, Any]]:
    if objection is None:
        return None
    return {"reason": objection.reason, "filed_at": objection.filed_at.isoformat(),
            "outcome": OUTCOME_WORDS.get(objection.outcome or "", "dalam proses"),
            "original": PREDIKAT_LABELS.get(objection.original_predikat or "", "-"),
            "final": PREDIKAT_LABELS.get(objection.final_predikat or "", "-"),
            "decision_reason": objection.decision_reason or ""}
