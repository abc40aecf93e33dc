"""The step pipeline: how every change to a running instance is stored.

After a use case has authorised the caller and advanced an :class:`InstanceRun`,
:func:`finish_step` does the rest, always in this order and inside the use case's unit of
work: save the state and summary (the revision check catches a concurrent step), bring the
task and timer projections in line with the workflow, record the audit events (tasks
cancelled and created, timers scheduled, the instance completed, each DMN decision with
the exact table version it ran on) and queue the step's notifications once, at the end.
Starting instances in bulk (:mod:`engine.instances`) writes the same rows with the same
helpers.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Optional

from sqlalchemy import select

from .assignment import LaneDirectory, Subject
from .definitions import user_task_info
from .form_step_modules import record_lapses
from .form_steps import KnownSkp
from .instance_run import InstanceRun
from .kinerja import Kinerja
from .models import HumanTask, ProcessInstance, Timer
from .notifications import Draft, decision_drafts, escalated_drafts, queue, task_created_drafts
from .runtime import DecisionRecord
from .skp_step import TaskSkp
from .task_properties import assigned_employee, task_due, task_title
from .unit_of_work import UnitOfWork


def finish_step(kinerja: Kinerja, uow: UnitOfWork, actor: str, instance: ProcessInstance, run: InstanceRun,
                *, tell_escalations: bool = False, drafts: Iterable[Draft] = (),
                known_skp: Optional[KnownSkp] = None) -> None:
    """Store what ``run`` did to ``instance`` in this step. ``tell_escalations``: the tasks the
    step cancelled moved on to someone else (a timer escalated them); their holders are told.
    ``drafts``: the use case's own messages, queued with the step's. ``known_skp``: the SKP
    versions the step wrote, which its new tasks are about."""
    now = uow.clock.now()
    before = dict(instance.summary or {})
    timer_dues = run.new_timer_dues(now)
    for column, value in run.state_columns(now, instance.summary).items():
        setattr(instance, column, value)
    cancelled, created = _sync_tasks(uow, instance, run, now, known_skp)
    record_lapses(uow, instance, cancelled)
    _sync_timers(uow, instance, run, timer_dues)
    if instance.status == "completed":
        uow.record("system", "instance.completed", {"summary": instance.summary}, instance_id=instance.id)
    record_decisions(kinerja, uow, actor, instance.id, instance.deployment_id, run.decisions)
    messages = [*drafts, *decision_drafts(uow.session, instance.subject_employee_id, before, instance.summary)]
    messages += task_created_drafts(uow.session, created)
    if tell_escalations:
        messages += escalated_drafts(cancelled)
    queue(uow, messages)


def _sync_tasks(uow: UnitOfWork, instance: ProcessInstance, run: InstanceRun, now: datetime,
                known_skp: Optional[KnownSkp]) -> tuple[list[HumanTask], list[dict[str, Any]]]:
    """Cancel the task rows the workflow no longer waits on, add rows for its new user tasks;
    returns the cancelled rows and the new rows' columns."""
    ready = {str(task.id): task for task in run.ready_user_tasks()}
    open_tasks = uow.session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == "open")).all()
    cancelled = [row for row in open_tasks if row.spiff_task_id not in ready]
    for row in cancelled:
        row.status = "cancelled"
        uow.record("system", "task.cancelled", {"task_key": row.task_key, "name": row.name},
                   instance_id=instance.id, task_id=row.id)
    known = {row.spiff_task_id for row in open_tasks}
    new_tasks = [task for spiff_id, task in ready.items() if spiff_id not in known]
    if not new_tasks:  # the org model is read only when a lane has to be resolved
        return cancelled, []
    directory = LaneDirectory(uow.session, [instance.subject_employee_id])
    subject = directory.subject(instance.subject_employee_id)
    skp = TaskSkp(uow.session, instance, known_skp)
    rows = [HumanTask(**task_columns(task, instance.id, subject, directory, now)) for task in new_tasks]
    for row in rows:
        row.skp_id = skp.for_form(row.form_key)
    uow.session.add_all(rows)
    uow.flush()  # the audit events below need the new rows' ids
    created = [{"id": row.id, "instance_id": instance.id, "task_key": row.task_key, "name": row.name,
                "lane": row.lane, "assignee_user_id": row.assignee_user_id, "candidate_group": row.candidate_group,
                "due_at": row.due_at, "subject_employee_id": row.subject_employee_id} for row in rows]
    for columns in created:
        record_task_created(uow, columns, columns["id"])
    return cancelled, created


def _sync_timers(uow: UnitOfWork, instance: ProcessInstance, run: InstanceRun,
                 timer_dues: list[tuple[Any, datetime]]) -> None:
    waiting_ids = {str(task.id) for task in run.waiting_timers()}
    for timer in uow.session.scalars(select(Timer).where(
            Timer.instance_id == instance.id, Timer.status == "waiting")).all():
        if timer.spiff_task_id not in waiting_ids:
            timer.status = "cancelled"
    for spiff_task, due in timer_dues:
        uow.session.add(Timer(**timer_columns(instance.id, spiff_task, due)))
        record_timer_scheduled(uow, instance.id, spiff_task, due)


def record_decisions(kinerja: Kinerja, uow: UnitOfWork, actor: str, instance_id: int, deployment_id: int,
                     decisions: Iterable[DecisionRecord]) -> None:
    """Record each DMN evaluation with the exact table version it ran on (``dmn``: the
    definition version's id, file name, version and content hash), so the decision can be
    explained later with that table, whatever was deployed or migrated since."""
    for decision in decisions:
        uow.record("system", "decision.evaluated", {
            "task_key": decision.task_key, "decision_id": decision.decision_id,
            "table_id": decision.table_id,
            "deployment_id": deployment_id,
            "dmn": kinerja.definitions.decision_source(uow.session, deployment_id, decision.decision_id),
            "inputs": decision.inputs,
            "matched_rules": decision.matched_rules, "outputs": decision.outputs,
            "triggered_by": actor,
        }, instance_id=instance_id)


def task_columns(spiff_task: Any, instance_id: int, subject: Subject, directory: LaneDirectory,
                 now: datetime) -> dict[str, Any]:
    """The projection row of a READY user task: its lane resolved (or the employee its data
    names), its title and deadline from the diagram's properties (:mod:`engine.task_properties`)."""
    info = user_task_info(spiff_task.task_spec)
    lane, data = spiff_task.task_spec.lane, spiff_task.data
    named = assigned_employee(info, data)
    assignment = directory.resolve(lane, subject) if named is None else directory.resolve_employee(named, lane, subject)
    return {"instance_id": instance_id, "spiff_task_id": str(spiff_task.id), "task_key": spiff_task.task_spec.bpmn_id,
            "name": task_title(info.title, spiff_task.task_spec.bpmn_name or spiff_task.task_spec.bpmn_id, data),
            "process_key": spiff_task.workflow.spec.name, "lane": lane,
            "form_key": info.form_key, "subject_employee_id": subject.id,
            "assignee_user_id": assignment.assignee_user_id, "candidate_group": assignment.candidate_group,
            "claimed_by_user_id": None, "status": "open", "created_at": now,
            "due_at": task_due(now, info, data), "completed_at": None, "completed_by_user_id": None}


def record_task_created(uow: UnitOfWork, columns: dict[str, Any], task_id: int) -> None:
    uow.record("system", "task.created", {
        "task_key": columns["task_key"], "name": columns["name"], "lane": columns["lane"],
        "assignee_user_id": columns["assignee_user_id"], "candidate_group": columns["candidate_group"],
        "due_at": columns["due_at"].isoformat() if columns["due_at"] else None,
    }, instance_id=columns["instance_id"], task_id=task_id)


def timer_columns(instance_id: int, spiff_task: Any, due: datetime) -> dict[str, Any]:
    return {"instance_id": instance_id, "spiff_task_id": str(spiff_task.id), "event_key": spiff_task.task_spec.bpmn_id,
            "due_at": due, "status": "waiting", "fired_at": None}


def record_timer_scheduled(uow: UnitOfWork, instance_id: int, spiff_task: Any, due: datetime) -> None:
    uow.record("system", "timer.scheduled", {"event_key": spiff_task.task_spec.bpmn_id, "due_at": due.isoformat()},
               instance_id=instance_id)
