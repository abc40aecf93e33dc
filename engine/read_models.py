"""Read models for pages and the API: a task with its form and context, an instance, an
employee's own cycle, the deployed processes.

Reads check access (:mod:`engine.access`) and never change anything. The context of a
task (earlier reviews, coaching history) comes from the audit trail's ``task.completed``
events, which keep every submission, while the workflow data only keeps the latest.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import func, select

from .access import authorise, is_subject, load_user, may_view_employee, note_auditor_read, reads_task_context
from .actors import Actor, Operator
from .anonymity import aggregate_peer_input, anonymous_task, withhold_peer_actions
from .assignment import may_work_on
from .audit import instance_events
from .definition_cache import newest_deployment
from .errors import Conflict, Forbidden, NotFound
from .inbox import TaskView, task_view
from .instance_run import InstanceRun
from .kinerja import Kinerja
from .models import Cycle, Employee, HumanTask, ProcessInstance, Unit
from .permissions import READ_DEFINITIONS
from .skp_content import content_of
from .skp_rules import editable_skp
from .unit_of_work import UnitOfWork
from .vocabulary import CALIBRATION_FORM, COMPLAINT_PROCESS, SKP_DRAFT_FORM, phase_of


@dataclass(frozen=True)
class CompletedStep:
    task_key: str
    name: str
    actor: str
    completed_at: str
    submitted: dict[str, Any]


@dataclass(frozen=True)
class TaskDetail:
    task: TaskView
    form_schema: Optional[dict[str, Any]]
    prefill: dict[str, Any]  # current values of the form's fields (e.g. a returned SKP)
    employee: dict[str, Any]
    history: list[CompletedStep]
    summary: dict[str, Any]
    can_complete: bool
    skp_id: Optional[int] = None  # the SKP version the task is about (engine.skp.task_skp reads it)
    # (cycle id, unit id) of a task that ends when that unit's calibration is made final, not by a form
    calibrated_in_unit: Optional[tuple[int, int]] = None


@dataclass(frozen=True)
class InstanceDetail:
    id: int
    process_key: str
    business_key: str
    deployment_id: int
    status: str
    started_at: datetime
    completed_at: Optional[datetime]
    subject_nip: Optional[str]
    subject_name: Optional[str]
    cycle_id: Optional[int]
    summary: dict[str, Any]
    open_tasks: list[TaskView] = field(default_factory=list)
    phase: Optional[str] = None  # see engine.vocabulary.phase_of
    cycle_year: Optional[int] = None


def task_detail(kinerja: Kinerja, username: str, task_id: int, with_prefill: bool = True) -> TaskDetail:
    """A task with its form, prefilled values and the employee's context (404 if not visible).

    Prefill restores the workflow state; callers that handle a submission (and so show the
    submitted values, not the stored ones) pass ``with_prefill=False`` to skip that.
    """
    with kinerja.unit_of_work() as uow:
        user = load_user(uow.session, username)
        row = uow.session.get(HumanTask, task_id)
        if row is None:
            raise NotFound(f"task {task_id} does not exist")
        can_complete = row.status == "open" and may_work_on(row, user) and row.form_key != CALIBRATION_FORM
        reads_employee_file = reads_task_context(uow.session, user, row)
        if not can_complete and not reads_employee_file:
            raise NotFound(f"task {task_id} does not exist")
        instance = uow.session.get(ProcessInstance, row.instance_id)
        definitions = kinerja.definitions.of(uow.session, instance.deployment_id)
        schema = definitions.forms.get(row.form_key) if row.form_key else None
        prefill: dict[str, Any] = {}
        if with_prefill and row.status == "open" and row.form_key == SKP_DRAFT_FORM:  # the SKP lives in its tables
            working = editable_skp(uow.session, instance.id)
            prefill = content_of(working) if working else {}
        elif with_prefill and row.status == "open" and schema is not None:
            data = InstanceRun.load(definitions, instance.process_key, instance.state).task_data(row.spiff_task_id)
            prefill = {key: data[key] for key, field_schema in schema.get("properties", {}).items()
                       if key in data and field_schema.get("x-prefill", True)}
        subject = uow.session.get(Employee, row.subject_employee_id) if row.subject_employee_id else None
        # Someone who may only work on the task (a peer giving input) sees the task, not the file.
        history = _history(instance_events(uow.session, instance.id), is_subject(user, row.subject_employee_id)) \
            if reads_employee_file else []
        if reads_employee_file:
            note_auditor_read(uow, user, "task", task_id=row.id, instance_id=instance.id,
                              subject_nip=subject.nip if subject else None)
        view = task_view(row, subject, kinerja.clock.now())
        return TaskDetail(task=anonymous_task(view) if is_subject(user, row.subject_employee_id) else view,
                          form_schema=schema, prefill=prefill,
                          employee=employee_card(uow.session, subject), history=history,
                          summary=dict(instance.summary or {}) if reads_employee_file else {},
                          can_complete=can_complete, skp_id=row.skp_id,
                          calibrated_in_unit=(instance.cycle_id, subject.unit_id)
                          if row.form_key == CALIBRATION_FORM and instance.cycle_id and subject else None)


def task_to_work_on(kinerja: Kinerja, username: str, task_id: int) -> TaskDetail:
    """The task as its holder is about to submit it (no prefill: the page shows what was sent):
    404 if the user may not see it, 409 once it is done, 403 for someone who may only read it."""
    detail = task_detail(kinerja, username, task_id, with_prefill=False)
    if not detail.can_complete:
        if detail.task.status != "open":
            raise Conflict(f"task {task_id} is already {detail.task.status}", details={"reason": "task_done"})
        raise Forbidden(f"task {task_id} is not assigned to {username} or their groups",
                        details={"reason": "not_holder"})
    return detail


def _history(events: list[dict[str, Any]], for_subject: bool) -> list[CompletedStep]:
    """The completed steps of an instance; for the employee it is about, peer input comes as
    one anonymous step (no actor) where the last peer finished (:mod:`engine.anonymity`)."""
    peer_done: list[dict[str, Any]] = []
    if for_subject:
        events, peer_done = withhold_peer_actions(events)
    steps = [_completed_step(e, e["actor"], e["data"].get("submitted", {}))
             for e in events if e["action"] == "task.completed"]
    if peer_done:
        pooled = aggregate_peer_input([e["data"].get("submitted", {}) for e in peer_done])
        steps.append(_completed_step(peer_done[-1], "", pooled))
        steps.sort(key=lambda step: step.completed_at)
    return steps


def _completed_step(event: dict[str, Any], actor: str, submitted: dict[str, Any]) -> CompletedStep:
    """A ``task.completed`` event as a step of the history, told by ``actor`` with ``submitted``."""
    data = event["data"]
    return CompletedStep(data["task_key"], data.get("name", data["task_key"]), actor, event["occurred_at"], submitted)


def instance_detail(kinerja: Kinerja, username: str, instance_id: int) -> InstanceDetail:
    with kinerja.unit_of_work() as uow:
        instance = readable_instance(uow, instance_id, username, "instance")
        return describe_instance(uow.session, instance, kinerja.clock.now(),
                                 for_subject=is_subject(load_user(uow.session, username), instance.subject_employee_id))


def readable_instance(uow: UnitOfWork, instance_id: int, username: str, view: str) -> ProcessInstance:
    """The instance if the user may read its employee's data (``NotFound`` otherwise); an
    auditor's read is logged as ``view``."""
    session = uow.session
    user = load_user(session, username)
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not may_view_employee(session, user, instance.subject_employee_id):
        raise NotFound(f"instance {instance_id} does not exist")
    note_auditor_read(uow, user, view, instance_id=instance.id,
                      subject_nip=instance.subject.nip if instance.subject else None)
    return instance


def employee_instances(kinerja: Kinerja, username: str) -> list[InstanceDetail]:
    """The user's own process instances, newest first (the employee's "my cycle" view)."""
    with kinerja.reading() as uow:
        user = load_user(uow.session, username)
        if user.employee_id is None:
            return []
        instances = uow.session.scalars(select(ProcessInstance).where(
            ProcessInstance.subject_employee_id == user.employee_id,
            ProcessInstance.process_key != COMPLAINT_PROCESS)  # the unit's complaints are not the head's cycle
            .order_by(ProcessInstance.id.desc())).all()
        now = kinerja.clock.now()
        return [describe_instance(uow.session, instance, now, for_subject=True) for instance in instances]


def describe_instance(session: Any, instance: ProcessInstance, now: datetime,
                      for_subject: bool = False) -> InstanceDetail:
    """An instance with its open tasks; ``for_subject``: as the employee it is about sees it
    (who holds peer input is not shown)."""
    subject = instance.subject
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id).order_by(HumanTask.id)).all()
    open_tasks = [task_view(row, subject, now) for row in rows if row.status == "open"]
    if for_subject:
        open_tasks = [anonymous_task(task) for task in open_tasks]
    phase = phase_of(instance.status == "completed", [task.task_key for task in open_tasks],
                     [row.task_key for row in reversed(rows)])
    return InstanceDetail(
        id=instance.id, process_key=instance.process_key, business_key=instance.business_key,
        deployment_id=instance.deployment_id, status=instance.status, started_at=instance.started_at,
        completed_at=instance.completed_at, subject_nip=subject.nip if subject else None,
        subject_name=subject.name if subject else None, cycle_id=instance.cycle_id,
        summary=dict(instance.summary or {}), open_tasks=open_tasks, phase=phase,
        cycle_year=session.get(Cycle, instance.cycle_id).year if instance.cycle_id else None)


def employee_card(session: Any, employee: Optional[Employee]) -> dict[str, Any]:
    if employee is None:
        return {}
    unit = session.get(Unit, employee.unit_id)
    return {"nip": employee.nip, "name": employee.name, "position": employee.position,
            "unit": unit.name if unit else None,
            "supervisor": employee.supervisor.name if employee.supervisor else None}


@dataclass(frozen=True)
class DeployedDefinition:
    kind: str
    name: str
    version: int
    content_hash: str
    provides: list[str]
    deployed_by: str
    deployed_at: datetime


@dataclass(frozen=True)
class DeploymentView:
    id: int
    deployed_by: str
    deployed_at: datetime
    running_instances: int
    files: list[DeployedDefinition]


def latest_deployment(kinerja: Kinerja, actor: Actor) -> Optional[DeploymentView]:
    """The current deployment with each file's version (None before the first deploy)."""
    with kinerja.reading() as uow:
        authorise(uow.session, actor, READ_DEFINITIONS)
        deployment = newest_deployment(uow.session)
        if deployment is None:
            return None
        running = uow.session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.deployment_id == deployment.id, ProcessInstance.status == "running"))
        files = [DeployedDefinition(f.kind, f.name, f.version, f.content_hash, list(f.provides), f.deployed_by,
                                    f.deployed_at) for f in deployment.files]
        return DeploymentView(deployment.id, deployment.deployed_by, deployment.deployed_at, running or 0, files)


def instance_history(kinerja: Kinerja, actor: Actor, instance_id: int) -> list[dict[str, Any]]:
    """An instance's audit events, for a user who may read its employee's data (404 otherwise;
    the employee it is about does not see who gave peer input), or an operator."""
    with kinerja.unit_of_work() as uow:
        if isinstance(actor, Operator):
            if uow.session.get(ProcessInstance, instance_id) is None:
                raise NotFound(f"instance {instance_id} does not exist")
            return instance_events(uow.session, instance_id)
        instance = readable_instance(uow, instance_id, actor, "history")
        events = instance_events(uow.session, instance_id)
        if is_subject(load_user(uow.session, actor), instance.subject_employee_id):
            return withhold_peer_actions(events)[0]
        return events


def visible_task(kinerja: Kinerja, username: str, task_id: int) -> TaskView:
    """One task as an inbox row, without its form or context, for a user who may work on it
    (or did) or may read its employee's data; ``NotFound`` for anyone else, so a task id
    cannot be probed. Cheap: reads the projection only."""
    with kinerja.reading() as uow:
        user = load_user(uow.session, username)
        row = uow.session.get(HumanTask, task_id)
        if row is None or not (may_work_on(row, user)
                               or may_view_employee(uow.session, user, row.subject_employee_id)):
            raise NotFound(f"task {task_id} does not exist")
        subject = uow.session.get(Employee, row.subject_employee_id) if row.subject_employee_id else None
        return task_view(row, subject, kinerja.clock.now())
