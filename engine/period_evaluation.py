"""The periodic evaluation: the supervisor's *umpan balik berkelanjutan* per RHK and per
BerAKHLAK value, and the period's ratings and predikat (PermenPANRB 6/2022, the periodic
evaluation form per Triwulan).

The ``period_feedback`` form's step (see :mod:`engine.form_steps`):

- ``before`` checks that every RHK named is one of the SKP version the task is about (the
  agreed one, ``task.skp_id``; by RHK id, never by position: 422 naming the row otherwise),
  writes the feedback rows (table ``umpan_balik``) and the period's
  :class:`~engine.evaluation_tables.Evaluation` with its two ratings for the period of the
  task's workflow data, and hands the workflow only the ratings, which its business rule task
  feeds to the ``predikat_kinerja`` table — the same table as the annual predikat;
- ``after`` has the predikat the table gave in this step (``run.decisions``): it completes the
  evaluation (final: a period's evaluation is not calibrated) with the audit event
  ``evaluation.period_rated``, and tells the employee.
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
PREDIKAT_WORDS = {"SANGAT_BAIK": "Sangat Baik", "BAIK": "Baik", "BUTUH_PERBAIKAN": "Butuh Perbaikan",
                  "KURANG": "Kurang/Misconduct", "SANGAT_KURANG": "Sangat Kurang"}


@register(PERIOD_FEEDBACK_FORM, after=lambda context, run: record_predikat(context, run))
def rate_period(context: StepContext, data: dict[str, Any]) -> StepInput:
    """Write the period's feedback and ratings (refusing an RHK outside the task's SKP, 422
    naming the row); the workflow gets the two ratings, the predikat table's inputs."""
    rows = rhk_of(context.uow.session, _skp_id(context))
    for index, item in enumerate(data.get("rhk_feedback") or []):
        if item["rhk"] not in rows:
            raise ValidationFailed(f"umpan balik {index + 1}: RHK {item['rhk']} bukan bagian dari SKP ini",
                                   details=[{"field": f"rhk_feedback.{index}.rhk",
                                             "message": f"RHK {item['rhk']} bukan bagian dari SKP ini"}])
    uow, task, instance = context.uow, context.task, context.instance
    period, period_name = _period(context)
    employee = uow.session.get(Employee, instance.subject_employee_id)
    if employee is None or instance.cycle_id is None:
        raise Conflict("this process is about no employee's cycle, so it has no periodic evaluation",
                       details={"reason": "no_cycle"})
    now = uow.clock.now()
    base = {"employee_id": employee.id, "cycle_id": instance.cycle_id, "period": period,
            "given_by_user_id": context.user.id, "given_at": now, "instance_id": instance.id}
    uow.session.add_all([UmpanBalik(**base, rhk_id=item["rhk"], text=item["feedback"].strip())
                         for item in data.get("rhk_feedback") or [] if (item.get("feedback") or "").strip()])
    uow.session.add_all([UmpanBalik(**base, value_key=key, text=text.strip())
                         for key, text in (data.get("perilaku_feedback") or {}).items()
                         if key in BERAKHLAK and text.strip()])
    evaluation = _evaluation_of(context, employee.id, period) or Evaluation(
        employee_id=employee.id, cycle_id=instance.cycle_id, period=period)
    uow.session.add(evaluation)
    evaluation.period_name, evaluation.unit_id, evaluation.skp_id = period_name[:64], employee.unit_id, task.skp_id
    evaluation.instance_id, evaluation.status, evaluation.predikat = instance.id, "final", None
    evaluation.rating_hasil_kerja = data["rating_hasil_kerja"]
    evaluation.rating_perilaku_kerja = data["rating_perilaku_kerja"]
    evaluation.rated_by_user_id, evaluation.rated_at, evaluation.finalised_at = context.user.id, now, now
    return StepInput({"rating_hasil_kerja": data["rating_hasil_kerja"],
                      "rating_perilaku_kerja": data["rating_perilaku_kerja"]})


def record_predikat(context: StepContext, run: "InstanceRun") -> list[Draft]:
    """Put the table's predikat on the period's evaluation, record it, tell the employee."""
    uow, task, instance = context.uow, context.task, context.instance
    period, period_name = _period(context)
    evaluation = _evaluation_of(context, instance.subject_employee_id, period)
    assert evaluation is not None  # written by rate_period in this unit of work
    evaluation.predikat = _predikat(run)
    feedback = uow.session.scalars(select(UmpanBalik).where(
        UmpanBalik.instance_id == instance.id, UmpanBalik.period == period,
        UmpanBalik.given_at == evaluation.rated_at)).all()
    uow.record(context.user.username, "evaluation.period_rated", {
        "employee_id": evaluation.employee_id, "cycle_id": evaluation.cycle_id, "period": period,
        "period_name": period_name, "skp_id": task.skp_id, "rating_hasil_kerja": evaluation.rating_hasil_kerja,
        "rating_perilaku_kerja": evaluation.rating_perilaku_kerja, "predikat": evaluation.predikat,
        "feedback": {"rhk": sorted({row.rhk_id for row in feedback if row.rhk_id}),
                     "perilaku": sorted({row.value_key for row in feedback if row.value_key})}},
        instance_id=instance.id, task_id=task.id)
    return _tell_employee(uow.session, evaluation.employee_id, period_name, evaluation.predikat)


def _period(context: StepContext) -> tuple[int, str]:
    """The period the task is about (number from 1, and its name), from its workflow data."""
    period = context.task_data.get("period")
    if not isinstance(period, int) or isinstance(period, bool) or period < 1:
        raise Conflict("this feedback task has no period in its workflow data (a number from 1)",
                       details={"reason": "no_period"})
    return period, str(context.task_data.get("period_name") or period)


def _evaluation_of(context: StepContext, employee_id: Optional[int], period: int) -> Optional[Evaluation]:
    return context.uow.session.scalar(select(Evaluation).where(
        Evaluation.employee_id == employee_id, Evaluation.cycle_id == context.instance.cycle_id,
        Evaluation.period == period))


def _skp_id(context: StepContext) -> int:
    if context.task.skp_id is None:
        raise Conflict("there is no agreed SKP to give feedback on", details={"reason": "no_agreed_skp"})
    return context.task.skp_id


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
