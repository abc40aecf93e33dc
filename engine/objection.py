"""The objection (keberatan) to an annual predikat: hearing, explanations, final decision.

PermenPANRB 6/2022 and PP 30/2019: the employee objects within 14 days, with reasons (filed
by :mod:`engine.annual_rating`), to the supervisor's supervisor, who asks the rater and the
employee for an explanation before deciding; the decision is final. Here:

- ``objection_hearing``: the supervisor's supervisor writes the questions to each side;
  not done in time → the objection goes to the PPK for decision (recorded);
- ``objection_explanation``: the rater's (lane Atasan) and the employee's (lane Pegawai)
  explanation; none by the deadline → recorded as skipped, the hearing goes on;
- ``objection_decision``: upheld with revised ratings (the DMN table makes the predikat
  again) or rejected, always with a reason; not decided in time → the PPK decides; not by
  the PPK either → the original predikat stays, recorded as lapsed.

Every step writes the objection's row and an audit event; the evaluation becomes final.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select

from .annual_rating import annual_evaluation, finalise, required_reason, still_open
from .appraisal_tables import Objection
from .errors import Conflict
from .form_steps import Lapse, StepContext, StepInput, on_lapse, register
from .instance_run import InstanceRun
from .models import HumanTask, ProcessInstance
from .distribution import PREDIKAT_LABELS
from .notifications import Draft, users_of_employees
from .unit_of_work import UnitOfWork
from .vocabulary import EMPLOYEE_LANE, PREDIKAT, RATING_FIELDS

DECISION_FORM = "objection_decision"


def open_objection(uow: UnitOfWork, instance: ProcessInstance) -> Optional[Objection]:
    """The instance's objection still waiting for its decision."""
    return uow.session.scalars(select(Objection).where(Objection.instance_id == instance.id,
                                                       Objection.outcome.is_(None))
                               .order_by(Objection.id.desc()).limit(1)).first()


def _objection(context: StepContext) -> Objection:
    objection = open_objection(context.uow, context.instance)
    if objection is None:
        raise Conflict("this process has no objection waiting for a decision", details={"reason": "no_objection"})
    return objection


@register("objection_hearing")
def hold_hearing(context: StepContext, data: dict[str, Any]) -> StepInput:
    """Write the questions to the rater and the employee; their tasks show them."""
    objection = _objection(context)
    objection.question_to_rater = data["question_to_rater"].strip()
    objection.question_to_employee = data["question_to_employee"].strip()
    objection.heard_by_user_id, objection.heard_at = context.user.id, context.uow.clock.now()
    context.uow.record(context.user.username, "objection.hearing", {
        "objection_id": objection.id, "question_to_rater": objection.question_to_rater,
        "question_to_employee": objection.question_to_employee},
        instance_id=context.instance.id, task_id=context.task.id)
    return StepInput(data)


@on_lapse("objection_hearing")
def hearing_lapsed(lapse: Lapse) -> None:
    objection = open_objection(lapse.uow, lapse.instance)
    if objection is not None:
        lapse.uow.record("system", "objection.hearing_skipped", {
            "objection_id": objection.id, "reason": "klarifikasi tidak dilakukan sampai batas waktu; diputuskan PPK"},
            instance_id=lapse.instance.id, task_id=lapse.task.id)


def _party(task: HumanTask) -> str:
    return "employee" if task.lane == EMPLOYEE_LANE else "rater"


@register("objection_explanation")
def explain(context: StepContext, data: dict[str, Any]) -> StepInput:
    """The rater's or the employee's explanation (by the task's lane)."""
    objection, party = _objection(context), _party(context.task)
    text = data["explanation"].strip()
    setattr(objection, f"{party}_response", "given")
    setattr(objection, f"{party}_explanation", text)
    setattr(objection, f"{party}_explained_at", context.uow.clock.now())
    context.uow.record(context.user.username, "objection.explained", {
        "objection_id": objection.id, "party": party, "explanation": text},
        instance_id=context.instance.id, task_id=context.task.id)
    return StepInput({f"{party}_explanation": text})


@on_lapse("objection_explanation")
def explanation_lapsed(lapse: Lapse) -> None:
    objection, party = open_objection(lapse.uow, lapse.instance), _party(lapse.task)
    if objection is None:
        return
    setattr(objection, f"{party}_response", "skipped")
    lapse.uow.record("system", "objection.explanation_skipped", {
        "objection_id": objection.id, "party": party, "reason": "tidak ada penjelasan sampai batas waktu"},
        instance_id=lapse.instance.id, task_id=lapse.task.id)


def _write_outcome(context: StepContext, run: InstanceRun) -> list[Draft]:
    """Once the workflow ran on (the DMN table again when upheld): the final predikat."""
    objection = context.uow.session.scalars(select(Objection).where(
        Objection.instance_id == context.instance.id, Objection.outcome.in_(("upheld", "rejected")))
        .order_by(Objection.id.desc()).limit(1)).first()
    evaluation = annual_evaluation(context.uow.session, context.instance)
    summary = run.summary()
    if objection is not None:
        objection.final_predikat = summary.get(PREDIKAT, objection.original_predikat)
    if evaluation is not None and objection is not None and objection.outcome == "upheld":
        evaluation.rating_hasil_kerja, evaluation.rating_perilaku_kerja = (summary.get(f) for f in RATING_FIELDS)
        evaluation.predikat = objection.final_predikat
    finalise(context.uow, context.instance, "keputusan atas keberatan (final)", context.task)
    return _tell_employee(context, objection) if objection is not None else []


def _tell_employee(context: StepContext, objection: Objection) -> list[Draft]:
    """The employee learns the decision on their objection, its reason and the final predikat."""
    user_id = users_of_employees(context.uow.session, {objection.employee_id}).get(objection.employee_id)
    if user_id is None:
        return []
    outcome = "dikabulkan" if objection.outcome == "upheld" else "ditolak"
    final = PREDIKAT_LABELS.get(objection.final_predikat or "", objection.final_predikat or "-")
    return [Draft({user_id}, "decision_made", f"Keberatan Anda {outcome}",
                  f"Keberatan Anda atas predikat kinerja {outcome}. Alasan: {objection.decision_reason}. "
                  f"Predikat akhir: {final}. Keputusan ini final.", None,
                  {"decision": "objection", "value": objection.outcome, "label": outcome})]


@register(DECISION_FORM, after=_write_outcome)
def decide(context: StepContext, data: dict[str, Any]) -> StepInput:
    """The final decision with its reason (upheld: with the revised ratings)."""
    objection = _objection(context)
    reason = required_reason(data, "decision_reason", "keputusan atas keberatan")
    objection.outcome = "upheld" if data["objection_upheld"] else "rejected"
    objection.decision_reason = reason
    objection.decided_by_user_id, objection.decided_at = context.user.id, context.uow.clock.now()
    context.uow.record(context.user.username, "objection.decided", {
        "objection_id": objection.id, "outcome": objection.outcome, "reason": reason,
        "revised": {key: data.get(f"revised_{key}") for key in RATING_FIELDS} if data["objection_upheld"] else None},
        instance_id=context.instance.id, task_id=context.task.id)
    return StepInput({**data, "decision_reason": reason})


@on_lapse(DECISION_FORM)
def decision_lapsed(lapse: Lapse) -> None:
    """Escalated to the PPK (nothing to write), or the PPK's deadline passed: the original predikat stays."""
    objection = open_objection(lapse.uow, lapse.instance)
    if objection is None or still_open(lapse.uow.session, lapse.instance, DECISION_FORM):
        return
    objection.outcome, objection.final_predikat = "lapsed", objection.original_predikat
    objection.decided_at = lapse.uow.clock.now()
    objection.decision_reason = "tidak diputuskan sampai batas waktu; predikat semula tetap"
    lapse.uow.record("system", "objection.lapsed", {"objection_id": objection.id, "predikat": objection.original_predikat,
                                                     "reason": objection.decision_reason},
                     instance_id=lapse.instance.id, task_id=lapse.task.id)
    finalise(lapse.uow, lapse.instance, objection.decision_reason, lapse.task)
