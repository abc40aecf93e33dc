"""The annual rating: the Pejabat Penilai's two ratings, the predikat, calibration's deadline
and the employee's response.

The supervisor rates each BerAKHLAK value (form ``performance_rating``, the 360 input pooled
beside it); kinerja *proposes* the Rating Perilaku Kerja from those per-value ratings by the
regulation's quadrant wording (PermenPANRB 6/2022, Lampiran: "di atas ekspektasi" when most
or all are above and none below), :func:`propose_perilaku`:

- DIATAS_EKSPEKTASI when more than half of the values are di atas and none is di bawah;
- DIBAWAH_EKSPEKTASI when more than half are di bawah;
- SESUAI_EKSPEKTASI otherwise.

The supervisor confirms (leaves the field empty or gives the same) or changes it, a change
needing a reason. The Rating Hasil Kerja is proposed too, from the year's realisation
against target by two deployed decision tables, or from the unit's result for the head of
a unit (:mod:`engine.hasil_kerja_proposal`); a different choice needs a reason as well. The step writes the ANNUAL :class:`Evaluation` row
(status ``proposed``); once the DMN table ran, ``after`` writes its predikat.

Then the unit's calibration (another module completes the task for a whole unit); when
neither HR nor the PPK calibrates in time, the proposed predikat becomes final with a record
("tidak dikalibrasi sampai batas waktu"). The employee's response (form ``predikat_response``)
accepts the predikat or files an objection, whose reason is required (engine.objection).
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .appraisal_tables import Objection
from .errors import Conflict, ValidationFailed
from .evaluation_tables import ANNUAL, Evaluation
from .form_steps import Lapse, StepContext, StepInput, on_lapse, register
from .hasil_kerja_proposal import Proposal, proposal_for
from .instance_run import InstanceRun
from .models import Employee, HumanTask, ProcessInstance
from .notifications import Draft
from .skp_rules import agreed_skp
from .unit_of_work import UnitOfWork
from .vocabulary import CALIBRATION_FORM, PREDIKAT

ABOVE, AS_EXPECTED, BELOW = "DIATAS_EKSPEKTASI", "SESUAI_EKSPEKTASI", "DIBAWAH_EKSPEKTASI"
MIN_REASON = 10  # characters of a reason: "tidak setuju" is not one


def propose_perilaku(ratings: Iterable[str]) -> str:
    """The Rating Perilaku Kerja the per-value ratings point to (see the module's docstring)."""
    given = list(ratings)
    above, below = given.count(ABOVE), given.count(BELOW)
    if below * 2 > len(given):
        return BELOW
    if above * 2 > len(given) and below == 0:
        return ABOVE
    return AS_EXPECTED


def required_reason(data: dict[str, Any], field: str, what: str) -> str:
    """The stripped reason in ``field``; 422 naming the field when it is shorter than a reason."""
    reason = (data.get(field) or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationFailed(f"{what} wajib disertai alasan (minimal {MIN_REASON} karakter)",
                               details=[{"field": field, "message": f"wajib diisi: {what}"}])
    return reason


def _write_predikat(context: StepContext, run: InstanceRun) -> list[Draft]:
    evaluation = annual_evaluation(context.uow.session, context.instance)
    if evaluation is not None:
        evaluation.predikat = run.summary().get(PREDIKAT)
    return []


@register("performance_rating", after=_write_predikat)
def rate_year(context: StepContext, data: dict[str, Any]) -> StepInput:
    """Write the annual evaluation as the Pejabat Penilai rated it; the workflow gets the two ratings."""
    session, instance = context.uow.session, context.instance
    proposed_perilaku = propose_perilaku(data["behaviour_items"].values())
    perilaku = data.get("rating_perilaku_kerja") or proposed_perilaku
    perilaku_reason = required_reason(data, "perilaku_kerja_reason", "rating perilaku kerja yang berbeda dari "
                                      "usulan") if perilaku != proposed_perilaku else None
    evaluation = annual_evaluation(session, instance) or _new_evaluation(session, instance)
    proposal = _hasil_kerja_proposal(context, evaluation)
    proposed_hasil = proposal.rating
    hasil = data["rating_hasil_kerja"]
    hasil_reason = required_reason(data, "hasil_kerja_reason", "rating hasil kerja yang berbeda dari usulan") \
        if proposed_hasil is not None and hasil != proposed_hasil else None
    workflow_data = {**data, "rating_perilaku_kerja": perilaku, "proposed_perilaku_kerja": proposed_perilaku,
                     "proposed_hasil_kerja": proposed_hasil}
    if evaluation is None:  # a process run outside a cycle has no evaluation to write
        return StepInput(workflow_data)
    evaluation.proposed_hasil_kerja = proposed_hasil
    evaluation.proposed_perilaku_kerja, evaluation.rating_perilaku_kerja = proposed_perilaku, perilaku
    evaluation.perilaku_kerja_reason, evaluation.rating_hasil_kerja = perilaku_reason, hasil
    evaluation.hasil_kerja_reason, evaluation.status = hasil_reason, "proposed"
    evaluation.rated_by_user_id, evaluation.rated_at = context.user.id, context.uow.clock.now()
    context.uow.flush()
    context.uow.record(context.user.username, "evaluation.rated", {
        "evaluation_id": evaluation.id, "employee_id": evaluation.employee_id,
        "proposed_hasil_kerja": proposed_hasil, "rating_hasil_kerja": hasil, "hasil_kerja_reason": hasil_reason,
        "proposed_perilaku_kerja": proposed_perilaku, "rating_perilaku_kerja": perilaku,
        "perilaku_kerja_reason": perilaku_reason, "hasil_kerja_proposal": proposal.facts()},
        instance_id=instance.id, task_id=context.task.id)
    return StepInput({**workflow_data, "evaluation_id": evaluation.id})


def _hasil_kerja_proposal(context: StepContext, evaluation: Optional[Evaluation]) -> Proposal:
    """kinerja's Rating Hasil Kerja for the year (engine.hasil_kerja_proposal), by the tables of
    the instance's deployment."""
    if evaluation is None or context.decision_engine is None:
        return Proposal(None)
    employee = context.uow.session.get(Employee, evaluation.employee_id)
    return proposal_for(context.uow.session, context.decision_engine, employee, evaluation.cycle_id,
                        evaluation.skp_id)


def annual_evaluation(session: Session, instance: ProcessInstance) -> Optional[Evaluation]:
    """The ANNUAL evaluation of the instance's employee in its cycle, if written."""
    if instance.cycle_id is None or instance.subject_employee_id is None:
        return None
    return session.scalar(select(Evaluation).where(
        Evaluation.employee_id == instance.subject_employee_id, Evaluation.cycle_id == instance.cycle_id,
        Evaluation.period == ANNUAL))


def _new_evaluation(session: Session, instance: ProcessInstance) -> Optional[Evaluation]:
    employee = session.get(Employee, instance.subject_employee_id) if instance.subject_employee_id else None
    if employee is None or instance.cycle_id is None:
        return None
    skp = agreed_skp(session, employee.id, instance.cycle_id)
    evaluation = Evaluation(employee_id=employee.id, cycle_id=instance.cycle_id, period=ANNUAL,
                            period_name="Tahunan", unit_id=employee.unit_id, skp_id=skp.id if skp else None,
                            instance_id=instance.id, status="proposed")
    session.add(evaluation)
    return evaluation


def finalise(uow: UnitOfWork, instance: ProcessInstance, why: str, task: Optional[HumanTask] = None) -> None:
    """Make the annual evaluation final (if not yet), with an audit event saying why."""
    evaluation = annual_evaluation(uow.session, instance)
    if evaluation is None or evaluation.status == "final":
        return
    evaluation.status, evaluation.finalised_at = "final", uow.clock.now()
    uow.record("system", "evaluation.finalised", {"evaluation_id": evaluation.id, "predikat": evaluation.predikat,
                                                  "reason": why},
               instance_id=instance.id, task_id=task.id if task else None)


def still_open(session: Session, instance: ProcessInstance, form_key: str) -> bool:
    """Whether the instance still waits on a task of the form (a lapsed task was escalated)."""
    return bool(session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.form_key == form_key, HumanTask.status == "open")))


@register(CALIBRATION_FORM)
def refuse_calibration_answer(context: StepContext, data: dict[str, Any]) -> StepInput:
    """One door: the predikat waits for its unit's calibration to be made final as a whole
    (:func:`engine.calibration.finalise_unit`), so nobody completes this task by its form."""
    employee = context.uow.session.get(Employee, context.instance.subject_employee_id)
    raise Conflict("this task ends when the unit's calibration is made final; use the unit's calibration page",
                   details={"reason": "calibrated_by_unit", "cycle_id": context.instance.cycle_id,
                            "unit_id": employee.unit_id if employee else None})


@on_lapse(CALIBRATION_FORM)
def calibration_lapsed(lapse: Lapse) -> None:
    """HR's calibration went to the PPK (nothing to write), or the PPK's lapsed too: final as proposed."""
    if not still_open(lapse.uow.session, lapse.instance, CALIBRATION_FORM):
        finalise(lapse.uow, lapse.instance, "tidak dikalibrasi sampai batas waktu", lapse.task)


@register("predikat_response")
def respond(context: StepContext, data: dict[str, Any]) -> StepInput:
    """Accept the predikat (it is final) or file an objection with its reason."""
    uow, instance = context.uow, context.instance
    if not data["file_objection"]:
        finalise(uow, instance, "diterima pegawai", context.task)
        return StepInput(data)
    reason = required_reason(data, "objection_reason", "keberatan")
    evaluation = annual_evaluation(uow.session, instance)
    objection = Objection(instance_id=instance.id, evaluation_id=evaluation.id if evaluation else None,
                          employee_id=instance.subject_employee_id, reason=reason, filed_at=uow.clock.now(),
                          original_predikat=(instance.summary or {}).get(PREDIKAT))
    uow.session.add(objection)
    uow.flush()
    uow.record(context.user.username, "objection.filed", {"objection_id": objection.id, "reason": reason,
                                                          "predikat": objection.original_predikat},
               instance_id=instance.id, task_id=context.task.id)
    return StepInput({**data, "objection_reason": reason, "objection_id": objection.id})


@on_lapse("predikat_response")
def response_lapsed(lapse: Lapse) -> None:
    """No objection within the window: the predikat is final."""
    finalise(lapse.uow, lapse.instance, "tidak ada keberatan sampai batas waktu", lapse.task)
