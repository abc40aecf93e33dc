"""The calibration step of the annual evaluation (SE MenPANRB 3/2023, DESIGN §1.4 step 3): HR or
the PPK review a unit's proposed predikat as a whole against the distribution pattern its
result fixes, move predikat with a recorded reason, and make the set final.

- :func:`unit_calibration` / :func:`unit_overview`: one unit, or every unit of a cycle, with
  result, pattern, predikat, shares, violations and status (:mod:`engine.calibration_state`).
- :func:`calibrate_predikat`: one employee's predikat moved (a reason is required); a row in
  ``calibrations`` and a ``predikat.calibrated`` audit event.
- :func:`finalise_unit`: refused (409, with the reasons) while the unit has no result, while
  someone has no proposed predikat, or while the set breaks the pattern — unless HR/PPK
  accept the exception with a reason (an explicit, audited decision). Then every annual
  evaluation of the unit becomes ``final`` and each employee's waiting
  ``predikat_calibration`` task is completed through the step pipeline with the final
  predikat; an employee whose process has no such task is simply made final.
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import select

from .access import authorise
from .actors import Actor, actor_name
from .calibration_state import EmployeePredikat, UnitState, unit_states
from .calibration_tables import Calibration
from .cycles import cycle_for
from .distribution import PREDIKAT_LABELS
from .errors import Conflict, NotFound, ValidationFailed
from .evaluation_tables import ANNUAL, MAX_REASON, PREDIKATS, Evaluation
from .instance_run import InstanceRun
from .kinerja import Kinerja
from .models import Cycle, HumanTask, ProcessInstance, User
from .permissions import CALIBRATE
from .step import finish_step
from .step_failures import records_step_failure
from .unit_of_work import UnitOfWork
from .vocabulary import CALIBRATION_FORM

MIN_REASON = 3


def unit_calibration(kinerja: Kinerja, actor: Actor, cycle_id: int, unit_id: int) -> UnitState:
    """One unit of the cycle as its calibration page shows it (HR or PPK of the organisation)."""
    with kinerja.reading() as uow:
        cycle = cycle_for(uow.session, actor, cycle_id, CALIBRATE)
        return unit_states(kinerja, uow.session, cycle, unit_id)[0]


def unit_overview(kinerja: Kinerja, actor: Actor, cycle_id: int) -> list[UnitState]:
    """Every unit of the cycle's organisation with its calibration status."""
    with kinerja.reading() as uow:
        return unit_states(kinerja, uow.session, cycle_for(uow.session, actor, cycle_id, CALIBRATE))


def calibration_cycles(kinerja: Kinerja, actor: Actor) -> list[dict[str, int]]:
    """The cycles of the caller's organisation, newest year first (id and year), whose units
    they may calibrate."""
    with kinerja.reading() as uow:
        user = authorise(uow.session, actor, CALIBRATE)
        query = select(Cycle.id, Cycle.year).order_by(Cycle.year.desc(), Cycle.id.desc())
        if user is not None:
            query = query.where(Cycle.organisation_id == user.organisation_id)
        return [{"id": cycle_id, "year": year} for cycle_id, year in uow.session.execute(query)]


def calibrate_predikat(kinerja: Kinerja, actor: Actor, evaluation_id: int, predikat: str,
                       reason: Optional[str]) -> None:
    """Move one employee's proposed annual predikat to ``predikat``, with the reason."""
    with kinerja.unit_of_work() as uow:
        user = authorise(uow.session, actor, CALIBRATE)
        evaluation = uow.session.get(Evaluation, evaluation_id)
        if evaluation is None or evaluation.period != ANNUAL:
            raise NotFound(f"evaluation {evaluation_id} does not exist")
        try:
            cycle_for(uow.session, actor, evaluation.cycle_id, CALIBRATE)
        except NotFound:
            raise NotFound(f"evaluation {evaluation_id} does not exist") from None
        text = _reason(reason, "reason")
        if predikat not in PREDIKATS:
            raise ValidationFailed(f"'{predikat}' is not a predikat; use one of: {', '.join(PREDIKATS)}",
                                   details=[{"field": "predikat", "message": "pilih salah satu predikat"}])
        if evaluation.status == "final":
            raise Conflict("this predikat is already final", details={"reason": "evaluation_final"})
        if evaluation.predikat is None:
            raise Conflict("the supervisor has not proposed a predikat yet", details={"reason": "not_proposed"})
        if evaluation.predikat == predikat:
            raise ValidationFailed("the predikat is already " + PREDIKAT_LABELS[predikat],
                                   details=[{"field": "predikat", "message": "sama dengan predikat sekarang"}])
        uow.session.add(Calibration(evaluation_id=evaluation.id, from_predikat=evaluation.predikat,
                                    to_predikat=predikat, reason=text, by_user_id=user.id if user else None,
                                    at=uow.clock.now()))
        uow.record(actor_name(actor), "predikat.calibrated", {
            "evaluation_id": evaluation.id, "employee_id": evaluation.employee_id, "cycle_id": evaluation.cycle_id,
            "unit_id": evaluation.unit_id, "from": evaluation.predikat, "to": predikat, "reason": text},
            instance_id=evaluation.instance_id)
        evaluation.predikat = predikat
        uow.commit()


@records_step_failure
def finalise_unit(kinerja: Kinerja, actor: Actor, cycle_id: int, unit_id: int,
                  exception_reason: Optional[str] = None) -> UnitState:
    """Make the unit's predikat final (see the module's docstring); returns the unit as it now is."""
    with kinerja.unit_of_work() as uow:
        user = authorise(uow.session, actor, CALIBRATE)
        cycle = cycle_for(uow.session, actor, cycle_id, CALIBRATE)
        state = unit_states(kinerja, uow.session, cycle, unit_id)[0]
        exception = _reason(exception_reason, "exception_reason") if exception_reason is not None else None
        _refuse_unready(state, exception)
        evaluations = {row.id: row for row in uow.session.scalars(select(Evaluation).where(
            Evaluation.cycle_id == cycle_id, Evaluation.unit_id == unit_id, Evaluation.period == ANNUAL))}
        now = uow.clock.now()
        for employee in state.employees:
            evaluation = evaluations[employee.evaluation_id]  # type: ignore[index] - none is missing (refused above)
            if evaluation.status != "final":  # those made final before keep their moment
                evaluation.status, evaluation.finalised_at = "final", now
        uow.record(actor_name(actor), "unit.finalised", {
            "cycle_id": cycle_id, "unit_id": unit_id, "unit_result": state.result, "counts": state.counts,
            "violations": [v.message for v in state.violations], "exception_reason": exception if state.violations
            else None, "calibrations": state.calibration_count, "table": state.table})
        for employee in state.employees:
            _complete_waiting_task(kinerja, uow, user, actor_name(actor), cycle, employee)
        uow.commit()
    return unit_calibration(kinerja, actor, cycle_id, unit_id)


def _refuse_unready(state: UnitState, exception: Optional[str]) -> None:
    reasons = []
    if state.status == "final":
        raise Conflict("the unit's predikat are already final", details={"reason": "unit_final"})
    if state.result is None:
        reasons.append({"reason": "no_unit_result", "message": "capaian kinerja unit belum ditetapkan"})
    if not state.employees:
        reasons.append({"reason": "no_employees", "message": "unit ini tidak punya pegawai dalam siklus"})
    if state.missing:
        names = ", ".join(e.name for e in state.missing)
        reasons.append({"reason": "not_proposed", "message": f"predikat belum diusulkan untuk: {names}"})
    if state.violations and exception is None:
        reasons += [{"reason": "breaks_pattern", "message": v.message} for v in state.violations]
    if reasons:
        raise Conflict("the unit's predikat cannot be made final yet: "
                       + "; ".join(r["message"] for r in reasons), details={"reasons": reasons})


def _complete_waiting_task(kinerja: Kinerja, uow: UnitOfWork, user: Optional[User], actor: str, cycle: Cycle,
                           employee: EmployeePredikat) -> None:
    """Complete the employee's open calibration task, if their process waits on one."""
    task = uow.session.scalar(
        select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(HumanTask.subject_employee_id == employee.employee_id, HumanTask.status == "open",
               HumanTask.form_key == CALIBRATION_FORM, ProcessInstance.cycle_id == cycle.id)
        .order_by(HumanTask.id).limit(1))
    if task is None:
        return
    instance = uow.session.get(ProcessInstance, task.instance_id)
    assert instance is not None  # foreign key
    data = {"predikat": employee.predikat, "predikat_label": PREDIKAT_LABELS[employee.predikat or ""],
            "calibrated": bool(employee.calibrations)}
    run = InstanceRun.load(kinerja.definitions.of(uow.session, instance.deployment_id), instance.process_key,
                           instance.state)
    changed = run.complete_user_task(task.spiff_task_id, data, f"task {task.id} is no longer waiting for input")
    task.status, task.completed_at = "completed", uow.clock.now()
    task.completed_by_user_id = user.id if user else None
    uow.record(actor, "task.completed", {"task_key": task.task_key, "name": task.name, "lane": task.lane,
                                         "form_key": task.form_key, "submitted": data, "changed": changed},
               instance_id=instance.id, task_id=task.id)
    finish_step(kinerja, uow, actor, instance, run)


def _reason(text: Optional[str], field: str) -> str:
    """A reason as stored: required, trimmed, at least :data:`MIN_REASON` characters (422)."""
    value = (text or "").strip()
    if len(value) < MIN_REASON or len(value) > MAX_REASON:
        message = f"alasan wajib diisi ({MIN_REASON} sampai {MAX_REASON} karakter)"
        raise ValidationFailed(f"{field}: {message}", details=[{"field": field, "message": message}])
    return value
