"""The periodic evaluation: the supervisor's *umpan balik berkelanjutan* per RHK and per
BerAKHLAK value, and the period's ratings and predikat (PermenPANRB 6/2022, the periodic
evaluation form per Triwulan).

The ``period_feedback`` form's step (see :mod:`engine.form_steps`):

- ``before`` checks that every RHK named is one of the SKP version the task is about (the
  agreed one, ``task.skp_id``; by RHK id, never by position: 422 naming the row otherwise) and
  hands the workflow only the two ratings, which its business rule task feeds to the
  ``predikat_kinerja`` table — the same table as the annual predikat;
- ``after`` knows the period (the workflow data of the task) and the predikat the table
  gave in this step (``run.decisions``), so it writes the feedback rows (table ``umpan_balik``) and the period's
  :class:`~engine.evaluation_tables.Evaluation` (final: a period's evaluation is not
  calibrated) with the audit event ``evaluation.period_rated``, and tells the employee.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import select

from .errors import Conflict, ValidationFailed
from .evaluation_tables import Evaluation
from .feedback_tables import UmpanBalik
from .form_steps import StepContext, StepInput, register
from .models import Employee
from .notifications import Draft, users_of_employees
from .skp_rules import rhk_of
from .skp_tables import BERAKHLAK

if TYPE_CHECKING:
    from .instance_run import InstanceRun

PERIOD_FEEDBACK_FORM = "period_feedback"
PREDIKAT_DECISION = "predikat_kinerja"  # the DMN table the periodic review's business rule task calls
_SUBMITTED_KEY = "kinerja.period_feedback"  # session.info: the answers between before and after, by task id
PREDIKAT_WORDS = {"SANGAT_BAIK": "Sangat Baik", "BAIK": "Baik", "BUTUH_PERBAIKAN": "Butuh Perbaikan",
                  "KURANG": "Kurang/Misconduct", "SANGAT_KURANG": "Sangat Kurang"}


@register(PERIOD_FEEDBACK_FORM, after=lambda context, run: record_period_evaluation(context, run))
def check_feedback(context: StepContext, data: dict[str, Any]) -> StepInput:
    """Refuse feedback on an RHK outside the task's SKP (422 naming the row); the workflow gets
    the two ratings, the predikat table's inputs."""
    rows = rhk_of(context.uow.session, _skp_id(context))
    for index, item in enumerate(data.get("rhk_feedback") or []):
        if item["rhk"] not in rows:
            raise ValidationFailed(f"umpan balik {index + 1}: RHK {item['rhk']} bukan bagian dari SKP ini",
                                   details=[{"field": f"rhk_feedback.{index}.rhk",
                                             "message": f"RHK {item['rhk']} bukan bagian dari SKP ini"}])
    context.uow.session.info.setdefault(_SUBMITTED_KEY, {})[context.task.id] = data
    return StepInput({"rating_hasil_kerja": data["rating_hasil_kerja"],
                      "rating_perilaku_kerja": data["rating_perilaku_kerja"]})


def record_period_evaluation(context: StepContext, run: "InstanceRun") -> list[Draft]:
    """Write the period's feedback rows and its evaluation; tell the employee its predikat."""
    uow, task, instance = context.uow, context.task, context.instance
    answer = _submitted(context)
    workflow = run.task_data(task.spiff_task_id)
    period, period_name = int(workflow["period"]), str(workflow.get("period_name") or workflow["period"])
    employee = uow.session.get(Employee, instance.subject_employee_id)
    cycle_id = instance.cycle_id
    if employee is None or cycle_id is None:
        raise Conflict("this process is about no employee's cycle, so it has no periodic evaluation",
                       details={"reason": "no_cycle"})
    predikat = _predikat(run)
    now = uow.clock.now()
    base = {"employee_id": employee.id, "cycle_id": cycle_id, "period": period, "given_by_user_id": context.user.id,
            "given_at": now, "instance_id": instance.id}
    feedback = [UmpanBalik(**base, rhk_id=item["rhk"], text=item["feedback"].strip())
                for item in answer.get("rhk_feedback") or [] if (item.get("feedback") or "").strip()]
    feedback += [UmpanBalik(**base, value_key=key, text=text.strip())
                 for key, text in (answer.get("perilaku_feedback") or {}).items() if key in BERAKHLAK and text.strip()]
    uow.session.add_all(feedback)
    evaluation = uow.session.scalar(select(Evaluation).where(
        Evaluation.employee_id == employee.id, Evaluation.cycle_id == cycle_id, Evaluation.period == period))
    if evaluation is None:
        evaluation = Evaluation(employee_id=employee.id, cycle_id=cycle_id, period=period)
        uow.session.add(evaluation)
    evaluation.period_name, evaluation.unit_id, evaluation.skp_id = period_name[:64], employee.unit_id, task.skp_id
    evaluation.instance_id, evaluation.status, evaluation.predikat = instance.id, "final", predikat
    evaluation.rating_hasil_kerja = answer["rating_hasil_kerja"]
    evaluation.rating_perilaku_kerja = answer["rating_perilaku_kerja"]
    evaluation.rated_by_user_id, evaluation.rated_at, evaluation.finalised_at = context.user.id, now, now
    uow.record(context.user.username, "evaluation.period_rated", {
        "employee_id": employee.id, "cycle_id": cycle_id, "period": period, "period_name": period_name,
        "skp_id": task.skp_id, "rating_hasil_kerja": evaluation.rating_hasil_kerja,
        "rating_perilaku_kerja": evaluation.rating_perilaku_kerja, "predikat": predikat,
        "feedback": {"rhk": sorted({row.rhk_id for row in feedback if row.rhk_id}),
                     "perilaku": sorted({row.value_key for row in feedback if row.value_key})}},
        instance_id=instance.id, task_id=task.id)
    return _tell_employee(uow.session, employee.id, period_name, predikat)


def _skp_id(context: StepContext) -> int:
    if context.task.skp_id is None:
        raise Conflict("there is no agreed SKP to give feedback on", details={"reason": "no_agreed_skp"})
    return context.task.skp_id


def _submitted(context: StepContext) -> dict[str, Any]:
    """The form as the supervisor sent it: ``before`` left it in the unit of work's session
    (the workflow gets only the ratings, and the rows need the period only ``after`` knows)."""
    return context.uow.session.info[_SUBMITTED_KEY].pop(context.task.id)


def _predikat(run: "InstanceRun") -> Optional[str]:
    """The predikat the table gave in this step (its newest evaluation)."""
    outputs = [decision.outputs for decision in run.decisions if decision.decision_id == PREDIKAT_DECISION]
    return outputs[-1].get("predikat") if outputs else None


def _tell_employee(session: Any, employee_id: int, period_name: str, predikat: Optional[str]) -> list[Draft]:
    user_id = users_of_employees(session, {employee_id}).get(employee_id)
    if user_id is None or predikat is None:
        return []
    words = PREDIKAT_WORDS.get(predikat, predikat)
    return [Draft({user_id}, "decision_made", f"Predikat {period_name}: {words}"[:200],
                  f"Atasan Anda memberi umpan balik dan penilaian periode {period_name}. Predikat periode: {words}. "
                  "Lihat rinciannya di Siklus saya.", None,
                  {"decision": "period_predikat", "value": predikat, "label": words, "period": period_name})]
