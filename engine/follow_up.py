"""The follow-up's and coaching's form steps: the PPK's decision on a proposal, and the
coaching forms B.1.8 and B.1.9 with the follow-up review.

The proposals themselves come from the bundled decision tables (``tindak_lanjut_kinerja``:
the follow-up per predikat; ``tunjangan_kinerja``: the tunjangan kinerja percentage, which an
organisation overrides per cycle with the setting :data:`TUNJANGAN_SETTING`) and from the
PP 30/2019 improvement path (``perbaikan_kinerja``: the transfer proposal). The process puts
what is being decided in the task's data before a decision task (``follow_up_stage``,
``follow_up_proposal``, ``follow_up_options``), so one form and one step serve every
proposal, whatever the task ids in a diagram HR models.

A decision is *approve*, *reject*, or *other* (one of the proposal's options, not the
proposal itself); rejecting or choosing another needs a reason (422 without one). Each is a
row of :class:`~engine.follow_up_tables.FollowUpDecision` and a ``follow_up.decided`` audit
event. PP 94/2021 discipline is not a follow-up of a predikat, so no option leads to it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from .errors import Conflict, ValidationFailed
from .evaluation_tables import PREDIKATS
from .follow_up_tables import FollowUpDecision, CoachingRecord
from .form_steps import StepContext, StepInput, register
from .models import Employee
from .notifications import Draft

if TYPE_CHECKING:
    from .instance_run import InstanceRun

FOLLOW_UP_DECISION_FORM = "follow_up_decision"
TUNJANGAN_SETTING = "tunjangan_kinerja"  # cycle setting: predikat → percentage, over the DMN table's defaults
MIN_REASON = 3
# Coaching forms → the kind of row they write and the audit event that records them. The
# employee's completion of B.1.8 is their signature on the feedback.
COACHING_FORMS = {
    "coaching_feedback": ("feedback_b18", "coaching.feedback_signed"),
    "competency_evaluation": ("competency_b19", "coaching.competency_evaluated"),
    "coaching_followup": ("followup_review", "coaching.reviewed"),
}


def checked_tunjangan(percentages: Mapping[str, Any]) -> dict[str, int]:
    """The organisation's percentages as a cycle stores them (:data:`TUNJANGAN_SETTING`): a
    whole number 0–100 per predikat it sets, in the order of the predikat (``None`` leaves a
    predikat to the table); 422 naming each predikat refused."""
    if not isinstance(percentages, Mapping):
        raise ValidationFailed("tunjangan_kinerja maps a predikat to its percentage (0–100)",
                               details=[{"field": TUNJANGAN_SETTING, "message": "predikat → persentase 0–100"}])
    problems = [{"field": f"{TUNJANGAN_SETTING}.{key}", "message": f"predikat {key} tidak dikenal"}
                for key in percentages if key not in PREDIKATS]
    problems += [{"field": f"{TUNJANGAN_SETTING}.{key}", "message": f"{key}: bilangan bulat 0–100"}
                 for key in PREDIKATS if percentages.get(key) is not None and not _is_percentage(percentages[key])]
    if problems:
        raise ValidationFailed(f"tunjangan kinerja: {'; '.join(problem['message'] for problem in problems)}",
                               details=problems)
    return {key: percentages[key] for key in PREDIKATS if percentages.get(key) is not None}


def _is_percentage(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100


def _after_decision(context: StepContext, run: "InstanceRun") -> list[Draft]:
    """Write the decision row, once the workflow has the proposal it was about."""
    asked = run.task_data(context.task.spiff_task_id)
    if "follow_up_decision" not in asked:  # the yes/no form of a deployment before this step: nothing to store
        return []
    proposal, options = asked.get("follow_up_proposal"), asked.get("follow_up_options") or []
    decision, chosen = asked["follow_up_decision"], asked.get("follow_up_chosen")
    if not isinstance(proposal, str):
        raise Conflict("this task has no follow-up proposal to decide on", details={"reason": "no_proposal"})
    if decision == "other" and (chosen == proposal or chosen not in options):
        allowed = ", ".join(option for option in options if option != proposal)
        raise ValidationFailed(f"choose another follow-up than the proposal, one of: {allowed}",
                               details=[{"field": "follow_up_chosen",
                                         "message": f"pilih tindak lanjut lain dari usulan: {allowed}"}])
    in_force = {"approve": proposal, "other": chosen}.get(decision, "TIDAK_ADA")[:64]
    percentage, predikat = asked.get("tunjangan_kinerja_persen"), asked.get("predikat")
    row = FollowUpDecision(  # values a modelled process supplies are cut to their columns
        employee_id=_subject(context).id, cycle_id=context.instance.cycle_id, instance_id=context.instance.id,
        task_id=context.task.id, stage=str(asked.get("follow_up_stage") or "annual")[:16],
        predikat=str(predikat)[:24] if predikat is not None else None, proposal=proposal[:64], decision=decision,
        chosen_follow_up=in_force, reason=asked.get("follow_up_reason"),
        tunjangan_percentage=percentage if isinstance(percentage, int) else None,
        decided_by_user_id=context.user.id, decided_at=context.uow.clock.now())
    context.uow.session.add(row)
    context.uow.record(context.user.username, "follow_up.decided", {
        "employee_id": row.employee_id, "cycle_id": row.cycle_id, "stage": row.stage, "predikat": row.predikat,
        "proposal": proposal, "decision": decision, "chosen_follow_up": in_force, "reason": row.reason,
        "tunjangan_percentage": row.tunjangan_percentage}, instance_id=context.instance.id, task_id=context.task.id)
    return []


@register(FOLLOW_UP_DECISION_FORM, after=_after_decision)
def decide_follow_up(context: StepContext, data: dict[str, Any]) -> StepInput:
    """Check the decision's reason; the workflow gets the decision, the other follow-up chosen
    (None unless ``other``) and the reason.

    An instance still on a deployment whose form was a yes/no approval (``follow_up_approved``)
    completes it as that deployment's process expects, untouched."""
    if "follow_up_decision" not in data:
        return StepInput(data)
    decision = data["follow_up_decision"]
    reason = (data.get("follow_up_reason") or "").strip()
    problems = []
    if decision != "approve" and len(reason) < MIN_REASON:
        problems.append({"field": "follow_up_reason",
                         "message": "wajib diisi bila usulan ditolak atau diganti dengan tindak lanjut lain"})
    if decision == "other" and not data.get("follow_up_chosen"):
        problems.append({"field": "follow_up_chosen", "message": "pilih tindak lanjut pengganti"})
    if problems:
        raise ValidationFailed("a rejected or replaced follow-up needs a reason (and the follow-up chosen)",
                               details=problems)
    return StepInput({"follow_up_decision": decision,
                      "follow_up_chosen": data.get("follow_up_chosen") if decision == "other" else None,
                      "follow_up_reason": reason or None})


@register(*COACHING_FORMS)
def record_coaching_form(context: StepContext, data: dict[str, Any]) -> StepInput:
    """Keep the answered coaching form as a row and an audit event; the workflow gets it as it is."""
    kind, action = COACHING_FORMS[context.task.form_key or ""]
    employee = _subject(context)
    context.uow.session.add(CoachingRecord(
        employee_id=employee.id, cycle_id=context.instance.cycle_id, instance_id=context.instance.id,
        task_id=context.task.id, kind=kind, content=data, recorded_by_user_id=context.user.id,
        recorded_at=context.uow.clock.now()))
    context.uow.record(context.user.username, action, {"employee_id": employee.id, "kind": kind, "content": data},
                       instance_id=context.instance.id, task_id=context.task.id)
    return StepInput(data)


def _subject(context: StepContext) -> Employee:
    employee = (context.uow.session.get(Employee, context.instance.subject_employee_id)
                if context.instance.subject_employee_id else None)
    if employee is None:
        raise Conflict("this process is about no employee, so it has no follow-up", details={"reason": "no_subject"})
    return employee
