"""Starting process instances in bulk: a cycle's batch, or the one a complaint opens.

The callers (:func:`engine.cycles.start_cycle_instances`, :func:`engine.feedback.open_follow_up`)
authorise and commit; this module writes the rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import insert

from .assignment import LaneDirectory, Subject
from .definition_cache import newest_deployment
from .errors import NotFound
from .instance_run import InstanceRun
from .kinerja import Kinerja
from .models import HumanTask, ProcessInstance, Timer
from .notifications import queue, task_created_drafts
from .step import record_decisions, record_task_created, record_timer_scheduled, task_columns, timer_columns
from .unit_of_work import UnitOfWork

# Core tables for bulk inserts: the ORM's per-row bookkeeping cost more than SQLite's own work.
INSTANCES, HUMAN_TASKS, TIMERS = ProcessInstance.__table__, HumanTask.__table__, Timer.__table__


@dataclass(frozen=True)
class NewInstance:
    subject: Subject
    business_key: str
    data: dict[str, Any]


def start_many(kinerja: Kinerja, uow: UnitOfWork, actor: str, process_key: str, new: list[NewInstance],
               cycle_id: Optional[int], directory: LaneDirectory) -> list[int]:
    """Create, step and store instances with a few bulk inserts instead of per-object flushes
    (the caller has authorised and commits).

    Opening a cycle starts thousands of instances that share a deployment and a cycle;
    inserting each batch's instances, tasks and timers at once and resolving their lanes
    from one :class:`LaneDirectory` keeps persistence cheap next to Spiff's own work. The
    audit events are recorded per instance in the order a single start records them, and
    the batch's notifications are queued once.
    """
    deployment = newest_deployment(uow.session)
    if deployment is None:
        raise NotFound("nothing is deployed yet; run `kinerja deploy` first")
    definitions = kinerja.definitions.of(uow.session, deployment.id)
    if process_key not in definitions.process_files:
        raise NotFound(f"process '{process_key}' is not deployed")
    now = uow.clock.now()
    runs = []
    for item in new:
        start_data = {"employee": item.subject.start_data(), **item.data}
        run = InstanceRun.start(definitions, process_key, start_data)
        runs.append((item, start_data, run, run.new_timer_dues(now)))
    instance_ids = uow.session.scalars(
        insert(INSTANCES).returning(INSTANCES.c.id, sort_by_parameter_order=True),
        [{"deployment_id": deployment.id, "process_key": process_key, "cycle_id": cycle_id,
          "business_key": item.business_key, "subject_employee_id": item.subject.id, "started_by": actor,
          "started_at": now, "revision": 1, "status": "running", "completed_at": None,
          **run.state_columns(now, {})} for item, _, run, _ in runs]).all()
    tasks = [(instance_id, task_columns(spiff_task, instance_id, item.subject, directory, now))
             for instance_id, (item, _, run, _) in zip(instance_ids, runs)
             for spiff_task in run.ready_user_tasks()]
    task_ids = uow.session.scalars(
        insert(HUMAN_TASKS).returning(HUMAN_TASKS.c.id, sort_by_parameter_order=True),
        [columns for _, columns in tasks]).all() if tasks else []
    timers = [timer_columns(instance_id, spiff_task, due)
              for instance_id, (_, _, _, dues) in zip(instance_ids, runs) for spiff_task, due in dues]
    if timers:
        uow.session.execute(insert(TIMERS), timers)
    created: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for (instance_id, columns), task_id in zip(tasks, task_ids):
        created.setdefault(instance_id, []).append((task_id, columns))
    for instance_id, (item, start_data, run, dues) in zip(instance_ids, runs):
        uow.record(actor, "instance.started", {
            "process_key": process_key, "deployment_id": deployment.id,
            "business_key": item.business_key, "subject_nip": item.subject.nip, "data": start_data,
        }, instance_id=instance_id)
        for task_id, columns in created.get(instance_id, []):
            record_task_created(uow, columns, task_id)
        for spiff_task, due in dues:
            record_timer_scheduled(uow, instance_id, spiff_task, due)
        if run.is_completed():
            uow.record("system", "instance.completed", {"summary": run.summary()}, instance_id=instance_id)
        record_decisions(kinerja, uow, actor, instance_id, deployment.id, run.decisions)
    queue(uow, task_created_drafts(uow.session, [{**columns, "id": task_id}
                                                 for (_, columns), task_id in zip(tasks, task_ids)]))
    return list(instance_ids)
