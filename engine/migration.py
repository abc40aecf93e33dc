"""Moving running instances from one deployment to another (HR, or an operator).

A user moves only their own organisation's instances; an operator may name one or move
all. Each move is its own step (:func:`engine.step.finish_step`), so one instance that
cannot move leaves the others unaffected.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Optional

from sqlalchemy import select

from .access import authorise
from .actors import Actor, actor_name
from .assignment import LaneDirectory
from .definition_cache import newest_deployment
from .definitions import user_task_info
from .errors import Conflict, NotFound
from .instance_run import InstanceRun
from .kinerja import Kinerja
from .models import Deployment, Employee, HumanTask, ProcessInstance
from .permissions import CHANGE_DEFINITIONS
from .runtime import MigrationCheck
from .step import finish_step
from .step_failures import records_step_failure
from .task_properties import task_title
from .unit_of_work import UnitOfWork


@dataclass(frozen=True)
class MigrationCandidate:
    """A running instance considered for a move to another deployment."""

    instance_id: int
    process_key: str
    subject_name: Optional[str]
    subject_nip: Optional[str]
    waiting_on: list[str]  # names of the user tasks it waits on
    blockers: list[str]  # why it cannot move; empty if it can
    migrated: bool = False

    @property
    def movable(self) -> bool:
        return not self.blockers


@dataclass(frozen=True)
class MigrationPlan:
    from_deployment_id: int
    to_deployment_id: int
    candidates: list[MigrationCandidate]


def plan_migration(kinerja: Kinerja, actor: Actor, from_deployment_id: int, to_deployment_id: Optional[int] = None,
                   organisation_id: Optional[int] = None) -> MigrationPlan:
    """Which running instances of one deployment could move to another (default: the newest).
    A user sees their own organisation's instances; an operator those of ``organisation_id``
    (or all)."""
    with kinerja.reading() as uow:
        user = authorise(uow.session, actor, CHANGE_DEFINITIONS)
        if user is not None:
            organisation_id = user.organisation_id
        source, target = _migration_pair(uow, from_deployment_id, to_deployment_id)
        query = select(ProcessInstance).where(
            ProcessInstance.deployment_id == source.id, ProcessInstance.status == "running")
        if organisation_id is not None:
            query = query.join(Employee, Employee.id == ProcessInstance.subject_employee_id).where(
                Employee.organisation_id == organisation_id)
        instances = uow.session.scalars(query.order_by(ProcessInstance.id)).all()
        candidates = [_candidate(kinerja, uow, instance, target.id)[0] for instance in instances]
        return MigrationPlan(source.id, target.id, candidates)


def migrate_instances(kinerja: Kinerja, actor: Actor, from_deployment_id: int, to_deployment_id: Optional[int],
                      instance_ids: Optional[Iterable[int]] = None,
                      organisation_id: Optional[int] = None) -> MigrationPlan:
    """Move running instances to another deployment, each in its own transaction.

    Instances that cannot move (a task they have or wait on is gone) stay where they are
    and are listed with the reasons. Every move is an ``instance.migrated`` audit event,
    and the whole request one ``instances.migration`` event.
    """
    plan = plan_migration(kinerja, actor, from_deployment_id, to_deployment_id, organisation_id)
    wanted = set(instance_ids) if instance_ids is not None else None
    results = []
    for candidate in plan.candidates:
        if wanted is not None and candidate.instance_id not in wanted:
            continue
        if candidate.movable:
            candidate = _migrate_one(kinerja, actor_name(actor), candidate.instance_id, plan.to_deployment_id)
        results.append(candidate)
    with kinerja.unit_of_work() as uow:
        uow.record(actor_name(actor), "instances.migration", {
            "from_deployment": plan.from_deployment_id, "to_deployment": plan.to_deployment_id,
            "migrated": [c.instance_id for c in results if c.migrated],
            "stayed": {str(c.instance_id): c.blockers for c in results if not c.migrated}})
        uow.commit()
    return MigrationPlan(plan.from_deployment_id, plan.to_deployment_id, results)


@records_step_failure
def _migrate_one(kinerja: Kinerja, actor: str, instance_id: int, to_deployment_id: int) -> MigrationCandidate:
    with kinerja.unit_of_work() as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        assert instance is not None  # it was in the plan; instances are never deleted
        candidate, run, check = _candidate(kinerja, uow, instance, to_deployment_id)
        if not candidate.movable:  # it moved on since the plan was made
            return candidate
        from_deployment_id = instance.deployment_id
        target = kinerja.definitions.of(uow.session, to_deployment_id)
        run.migrate(check, target)
        instance.deployment_id = to_deployment_id
        finish_step(kinerja, uow, actor, instance, run)
        InstanceRun.load(target, instance.process_key, instance.state)  # it must load back
        _refresh_open_tasks(uow, instance, run)
        uow.record(actor, "instance.migrated", {
            "process_key": instance.process_key, "from_deployment": from_deployment_id,
            "to_deployment": to_deployment_id, "waiting_on": candidate.waiting_on}, instance_id=instance.id)
        uow.commit()
        return replace(candidate, migrated=True)


def _migration_pair(uow: UnitOfWork, from_id: int, to_id: Optional[int]) -> tuple[Deployment, Deployment]:
    source = uow.session.get(Deployment, from_id)
    target = uow.session.get(Deployment, to_id) if to_id is not None else newest_deployment(uow.session)
    if source is None:
        raise NotFound(f"deployment {from_id} does not exist")
    if target is None:
        raise NotFound(f"deployment {to_id} does not exist")
    if target.id == source.id:
        raise Conflict(f"the instances already run on deployment {source.id}")
    return source, target


def _candidate(kinerja: Kinerja, uow: UnitOfWork, instance: ProcessInstance,
               to_deployment_id: int) -> tuple[MigrationCandidate, InstanceRun, MigrationCheck]:
    run = InstanceRun.load(kinerja.definitions.of(uow.session, instance.deployment_id),
                           instance.process_key, instance.state)
    check = run.check_migration(kinerja.definitions.of(uow.session, to_deployment_id))
    subject = instance.subject
    waiting = [task.task_spec.bpmn_name or task.task_spec.bpmn_id for task in run.ready_user_tasks()]
    candidate = MigrationCandidate(instance.id, instance.process_key, subject.name if subject else None,
                                   subject.nip if subject else None, waiting, check.blockers)
    return candidate, run, check


def _refresh_open_tasks(uow: UnitOfWork, instance: ProcessInstance, run: InstanceRun) -> None:
    """Open tasks keep their ids across a migration; their title, form and lane come from the new version."""
    ready = {str(task.id): task for task in run.ready_user_tasks()}
    for row in uow.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.status == "open")):
        spiff_task = ready[row.spiff_task_id]
        spec, info = spiff_task.task_spec, user_task_info(spiff_task.task_spec)
        row.name, row.form_key = task_title(info.title, spec.bpmn_name or spec.bpmn_id, spiff_task.data), info.form_key
        if spec.lane != row.lane:
            directory = LaneDirectory(uow.session, [instance.subject_employee_id])
            assignment = directory.resolve(spec.lane, directory.subject(instance.subject_employee_id))
            row.lane, row.claimed_by_user_id = spec.lane, None
            row.assignee_user_id, row.candidate_group = assignment.assignee_user_id, assignment.candidate_group
