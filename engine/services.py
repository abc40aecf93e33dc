"""The service layer: every change to the system goes through one of these methods.

Each public method is one step in one unit of work: it loads what it needs, asks
SpiffWorkflow to move, updates the task and timer projections, saves the instance with
its revision check (optimistic locking) and appends the audit events, all in one
transaction. Web handlers, Prefect flows and the CLI call these and nothing below them.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any, Iterable, Optional

from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, insert, select

from .assignment import LaneDirectory, Subject, may_work_on
from .audit import Checkpoint, VerificationResult, instance_events, verify_chain, write_checkpoint
from .clock import Clock, SystemClock
from .database import make_engine, make_read_session_factory, make_session_factory, upgrade_schema
from .definitions import DefinitionFile, DefinitionSet, user_task_info
from .errors import Conflict, Forbidden, InvalidDefinition, KinerjaError, NotFound, ProcessError, ScriptRejected
from .forms import validate_form_data
from .models import (
    Cycle,
    CycleRun,
    DefinitionVersion,
    Deployment,
    DeploymentFile,
    Employee,
    HumanTask,
    Organisation,
    ProcessInstance,
    Timer,
    User,
)
from .notifications import decision_drafts, escalated_drafts, queue, task_created_drafts
from .runtime import (
    MigrationCheck,
    DecisionRecord,
    check_migration,
    migrate,
    evaluate_decision,
    dump_state,
    find_task,
    fire_timer,
    load_state,
    new_workflow,
    ready_user_tasks,
    run_engine_steps,
    schedule_timer,
    waiting_timers,
    due_after,
    PARKED_DUE,
)
from .step_failures import records_step_failure
from .unit_of_work import UnitOfWork

SUMMARY_KEYS = ("rating_hasil_kerja", "rating_perilaku_kerja", "predikat", "predikat_label",
                "follow_up", "follow_up_detail", "follow_up_approved", "midyear_rating",
                "complaint", "complaint_response", "complaint_action")
DEFAULT_CYCLE_SETTINGS = {"review_periods": 4, "midyear_period": 2}
# Cycle settings for reports only, kept out of every instance's start data.
REPORT_SETTINGS = frozenset({"distribution_quotas"})
# Core tables for bulk inserts: the ORM's per-row bookkeeping cost more than SQLite's own work.
INSTANCES, HUMAN_TASKS, TIMERS = ProcessInstance.__table__, HumanTask.__table__, Timer.__table__


@dataclass(frozen=True)
class DeployResult:
    deployment_id: int
    changed_files: list[dict[str, Any]]  # kind, name, version, content_hash
    created: bool  # False when every file was already deployed unchanged


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


@dataclass(frozen=True)
class Overview:
    running: int
    completed: int
    open_tasks: int


@dataclass(frozen=True)
class TimerSweep:
    fired: int
    conflicts: int


class Kinerja:
    """Entry point to the engine: one per process, shared by threads."""

    def __init__(self, database_url: str, clock: Optional[Clock] = None, audit_key: Optional[str] = None) -> None:
        """``audit_key``: the secret that signs audit checkpoints (``KINERJA_AUDIT_KEY``); kept
        out of the database so that whoever can rewrite the audit tables cannot forge one."""
        self.database_url = database_url
        self.audit_key = audit_key
        self.db = make_engine(database_url)
        self.session_factory = make_session_factory(self.db)
        self._read_session_factory = make_read_session_factory(self.db)
        self.clock = clock or SystemClock()
        self._definition_sets: dict[int, DefinitionSet] = {}
        self._decision_sources: dict[tuple[int, str], dict[str, Any]] = {}
        self._definition_lock = threading.Lock()

    def init_db(self) -> None:
        upgrade_schema(self.db)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.clock)

    def reading(self) -> UnitOfWork:
        """A unit of work for queries only (it must not be committed)."""
        return UnitOfWork(self._read_session_factory, self.clock)

    def dispose(self) -> None:
        self.db.dispose()

    # -- definitions -----------------------------------------------------------------------

    def deploy(self, files: Iterable[DefinitionFile], actor: str) -> DeployResult:
        """Validate the files together with everything already deployed; store a new deployment.

        Files replace the current version with the same kind and name. Nothing is stored
        unless the whole resulting set validates.
        """
        uploaded = list(files)
        with self.unit_of_work() as uow:
            current, current_files, definitions = self._merged_definitions(uow, uploaded)
            changed = [f for f in uploaded if (f.kind, f.name) not in current_files
                       or current_files[(f.kind, f.name)].content_hash != f.content_hash]
            if current is not None and not changed:
                return DeployResult(current.id, [], created=False)
            now = uow.clock.now()
            versions = dict(current_files)
            changed_info = []
            for file in changed:
                latest = uow.session.scalar(select(func.max(DefinitionVersion.version)).where(
                    DefinitionVersion.kind == file.kind, DefinitionVersion.name == file.name)) or 0
                row = DefinitionVersion(kind=file.kind, name=file.name, version=latest + 1,
                                        content=file.content, content_hash=file.content_hash,
                                        provides=definitions.provides(file), deployed_by=actor,
                                        deployed_at=now)
                versions[(file.kind, file.name)] = row
                changed_info.append({"kind": file.kind, "name": file.name, "version": row.version,
                                     "content_hash": row.content_hash, "provides": row.provides})
            deployment = Deployment(deployed_by=actor, deployed_at=now, files=list(versions.values()))
            uow.session.add(deployment)
            uow.flush()
            uow.record(actor, "definitions.deployed", {"deployment_id": deployment.id, "files": changed_info})
            uow.commit()
            with self._definition_lock:
                self._definition_sets[deployment.id] = definitions
            return DeployResult(deployment.id, changed_info, created=True)

    def check_definitions(self, files: Iterable[DefinitionFile]) -> list[dict[str, Any]]:
        """The problems deploying these files now would be refused for; empty if it would succeed."""
        with self.unit_of_work() as uow:
            try:
                self._merged_definitions(uow, list(files))
            except InvalidDefinition as error:
                return list(error.details or [])
        return []

    def _merged_definitions(self, uow: UnitOfWork, uploaded: list[DefinitionFile]) -> tuple[
            Optional[Deployment], dict[tuple[str, str], DefinitionVersion], DefinitionSet]:
        """The newest deployment with the uploaded files replacing theirs, parsed and validated as one set."""
        current = self._latest_deployment(uow)
        current_files = {(f.kind, f.name): f for f in (current.files if current else [])}
        merged = {key: DefinitionFile(v.kind, v.name, v.content) for key, v in current_files.items()}
        merged.update({(f.kind, f.name): f for f in uploaded})
        return current, current_files, DefinitionSet(list(merged.values()))  # raises InvalidDefinition

    def _latest_deployment(self, uow: UnitOfWork) -> Optional[Deployment]:
        return uow.session.scalar(select(Deployment).order_by(Deployment.id.desc()).limit(1))

    def definitions_for(self, uow: UnitOfWork, deployment_id: int) -> DefinitionSet:
        """The parsed definitions of a deployment; parsed once per process (deployments never change)."""
        cached = self._definition_sets.get(deployment_id)
        if cached is not None:
            return cached
        deployment = uow.session.get(Deployment, deployment_id)
        if deployment is None:
            raise NotFound(f"deployment {deployment_id} does not exist")
        definitions = DefinitionSet([DefinitionFile(f.kind, f.name, f.content) for f in deployment.files])
        with self._definition_lock:
            return self._definition_sets.setdefault(deployment_id, definitions)

    def evaluate_decision(self, decision_id: str, data: dict[str, Any],
                          deployment_id: Optional[int] = None) -> DecisionRecord:
        """Evaluate one deployed decision table on ``data`` (default: the newest deployment)."""
        with self.unit_of_work() as uow:
            deployment = uow.session.get(Deployment, deployment_id) if deployment_id else self._latest_deployment(uow)
            if deployment is None:
                raise NotFound("nothing is deployed yet" if deployment_id is None
                               else f"deployment {deployment_id} does not exist")
            definitions = self.definitions_for(uow, deployment.id)
        try:
            dmn_engine = definitions.decision_engine(decision_id)
        except KeyError:
            raise NotFound(f"decision '{decision_id}' is not deployed") from None
        return _guarded(lambda: evaluate_decision(dmn_engine, decision_id, data))

    # -- moving running instances between versions -------------------------------------------

    def plan_migration(self, from_deployment_id: int, to_deployment_id: Optional[int] = None,
                       organisation_id: Optional[int] = None) -> MigrationPlan:
        """Which running instances of one deployment (of one organisation, if given) could move
        to another deployment (default: the newest)."""
        with self.unit_of_work() as uow:
            source, target = self._migration_pair(uow, from_deployment_id, to_deployment_id)
            query = select(ProcessInstance).where(
                ProcessInstance.deployment_id == source.id, ProcessInstance.status == "running")
            if organisation_id is not None:
                query = query.join(Employee, Employee.id == ProcessInstance.subject_employee_id).where(
                    Employee.organisation_id == organisation_id)
            instances = uow.session.scalars(query.order_by(ProcessInstance.id)).all()
            candidates = [self._migration_candidate(uow, instance, target.id)[0] for instance in instances]
            return MigrationPlan(source.id, target.id, candidates)

    def migrate_instances(self, from_deployment_id: int, to_deployment_id: Optional[int], actor: str,
                          instance_ids: Optional[Iterable[int]] = None,
                          organisation_id: Optional[int] = None) -> MigrationPlan:
        """Move running instances to another deployment, each in its own transaction.

        Instances that cannot move (a task they have or wait on is gone) stay where they are
        and are listed with the reasons. Every move is an ``instance.migrated`` audit event,
        and the whole request one ``instances.migration`` event.
        """
        plan = self.plan_migration(from_deployment_id, to_deployment_id, organisation_id)
        wanted = set(instance_ids) if instance_ids is not None else None
        results = []
        for candidate in plan.candidates:
            if wanted is not None and candidate.instance_id not in wanted:
                continue
            if candidate.movable:
                candidate = self._migrate_one(candidate.instance_id, plan.to_deployment_id, actor)
            results.append(candidate)
        with self.unit_of_work() as uow:
            uow.record(actor, "instances.migration", {
                "from_deployment": plan.from_deployment_id, "to_deployment": plan.to_deployment_id,
                "migrated": [c.instance_id for c in results if c.migrated],
                "stayed": {str(c.instance_id): c.blockers for c in results if not c.migrated}})
            uow.commit()
        return MigrationPlan(plan.from_deployment_id, plan.to_deployment_id, results)

    @records_step_failure
    def _migrate_one(self, instance_id: int, to_deployment_id: int, actor: str) -> MigrationCandidate:
        with self.unit_of_work() as uow:
            instance = uow.session.get(ProcessInstance, instance_id)
            assert instance is not None  # it was in the plan; instances are never deleted
            candidate, workflow, check = self._migration_candidate(uow, instance, to_deployment_id)
            if not candidate.movable:  # it moved on since the plan was made
                return candidate
            from_deployment_id = instance.deployment_id
            target = self.definitions_for(uow, to_deployment_id)
            _guarded(lambda: migrate(workflow, check))
            instance.deployment_id = to_deployment_id
            self._finish_step(uow, instance, workflow, _schedule_new_timers(workflow, uow.clock.now()))
            _guarded(lambda: load_state(target, instance.process_key, instance.state))  # it must load back
            self._refresh_open_tasks(uow, instance, workflow)
            uow.record(actor, "instance.migrated", {
                "process_key": instance.process_key, "from_deployment": from_deployment_id,
                "to_deployment": to_deployment_id, "waiting_on": candidate.waiting_on}, instance_id=instance.id)
            uow.commit()
            return replace(candidate, migrated=True)

    def _migration_pair(self, uow: UnitOfWork, from_id: int, to_id: Optional[int]) -> tuple[Deployment, Deployment]:
        source = uow.session.get(Deployment, from_id)
        target = uow.session.get(Deployment, to_id) if to_id is not None else self._latest_deployment(uow)
        if source is None:
            raise NotFound(f"deployment {from_id} does not exist")
        if target is None:
            raise NotFound(f"deployment {to_id} does not exist")
        if target.id == source.id:
            raise Conflict(f"the instances already run on deployment {source.id}")
        return source, target

    def _migration_candidate(self, uow: UnitOfWork, instance: ProcessInstance,
                             to_deployment_id: int) -> tuple[MigrationCandidate, Any, MigrationCheck]:
        workflow = _guarded(lambda: load_state(self.definitions_for(uow, instance.deployment_id),
                                               instance.process_key, instance.state))
        check = _guarded(lambda: check_migration(workflow, self.definitions_for(uow, to_deployment_id),
                                                 instance.process_key))
        subject = instance.subject
        waiting = [task.task_spec.bpmn_name or task.task_spec.bpmn_id for task in ready_user_tasks(workflow)]
        candidate = MigrationCandidate(instance.id, instance.process_key, subject.name if subject else None,
                                       subject.nip if subject else None, waiting, check.blockers)
        return candidate, workflow, check

    def _refresh_open_tasks(self, uow: UnitOfWork, instance: ProcessInstance, workflow: Any) -> None:
        """Open tasks keep their ids across a migration; their name, form and lane come from the new version."""
        ready = {str(task.id): task for task in ready_user_tasks(workflow)}
        for row in uow.session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.status == "open")):
            spec = ready[row.spiff_task_id].task_spec
            row.name, row.form_key = spec.bpmn_name or spec.bpmn_id, user_task_info(spec).form_key
            if spec.lane != row.lane:
                directory = LaneDirectory(uow.session, [instance.subject_employee_id])
                assignment = directory.resolve(spec.lane, directory.subject(instance.subject_employee_id))
                row.lane, row.claimed_by_user_id = spec.lane, None
                row.assignee_user_id, row.candidate_group = assignment.assignee_user_id, assignment.candidate_group

    # -- instances -------------------------------------------------------------------------

    @records_step_failure
    def start_instance(self, process_key: str, employee_id: int, actor: str, *,
                       data: Optional[dict[str, Any]] = None, cycle_id: Optional[int] = None,
                       business_key: Optional[str] = None) -> int:
        """Start ``process_key`` for an employee on the newest deployment; return the instance id."""
        with self.unit_of_work() as uow:
            directory = LaneDirectory(uow.session, [employee_id])
            subject = directory.subject(employee_id)
            key = business_key or f"{process_key}:{subject.nip}:{uow.clock.now().isoformat()}"
            (instance_id,) = self._start_many(uow, process_key, [_NewInstance(subject, key, data or {})],
                                              actor, cycle_id, directory)
            uow.commit()
            return instance_id

    def _start_many(self, uow: UnitOfWork, process_key: str, new: list[_NewInstance], actor: str,
                    cycle_id: Optional[int], directory: LaneDirectory) -> list[int]:
        """Create, step and store instances with a few bulk inserts instead of per-object flushes.

        Opening a cycle starts thousands of instances that share a deployment and a cycle;
        inserting each batch's instances, tasks and timers at once and resolving their lanes
        from one :class:`LaneDirectory` keeps persistence cheap next to Spiff's own work. The
        audit events are recorded per instance in the order a single start records them.
        """
        deployment = self._latest_deployment(uow)
        if deployment is None:
            raise NotFound("nothing is deployed yet; run `kinerja deploy` first")
        definitions = self.definitions_for(uow, deployment.id)
        if process_key not in definitions.process_files:
            raise NotFound(f"process '{process_key}' is not deployed")
        now = uow.clock.now()
        runs = []
        for item in new:
            start_data = {"employee": item.subject.start_data(), **item.data}
            workflow = _guarded(lambda: new_workflow(definitions, process_key, start_data))
            decisions = _guarded(lambda: run_engine_steps(workflow))
            runs.append((item, start_data, workflow, decisions, _schedule_new_timers(workflow, now)))
        instance_ids = uow.session.scalars(
            insert(INSTANCES).returning(INSTANCES.c.id, sort_by_parameter_order=True),
            [{"deployment_id": deployment.id, "process_key": process_key, "cycle_id": cycle_id,
              "business_key": item.business_key, "subject_employee_id": item.subject.id, "started_by": actor,
              "started_at": now, "revision": 1, "status": "running", "completed_at": None,
              **_state_columns(workflow, now, {})} for item, _, workflow, _, _ in runs]).all()
        tasks = [(instance_id, _task_columns(spiff_task, instance_id, item.subject,
                                             directory.resolve(spiff_task.task_spec.lane, item.subject), now))
                 for instance_id, (item, _, workflow, _, _) in zip(instance_ids, runs)
                 for spiff_task in ready_user_tasks(workflow)]
        task_ids = uow.session.scalars(
            insert(HUMAN_TASKS).returning(HUMAN_TASKS.c.id, sort_by_parameter_order=True),
            [columns for _, columns in tasks]).all() if tasks else []
        timers = [_timer_columns(instance_id, spiff_task, due)
                  for instance_id, (_, _, _, _, dues) in zip(instance_ids, runs) for spiff_task, due in dues]
        if timers:
            uow.session.execute(insert(TIMERS), timers)
        created = {}
        for (instance_id, columns), task_id in zip(tasks, task_ids):
            created.setdefault(instance_id, []).append((task_id, columns))
        queue(uow, task_created_drafts(uow.session, [{**columns, "id": task_id}
                                                     for (_, columns), task_id in zip(tasks, task_ids)]))
        for instance_id, (item, start_data, workflow, decisions, dues) in zip(instance_ids, runs):
            uow.record(actor, "instance.started", {
                "process_key": process_key, "deployment_id": deployment.id,
                "business_key": item.business_key, "subject_nip": item.subject.nip, "data": start_data,
            }, instance_id=instance_id)
            for task_id, columns in created.get(instance_id, []):
                _record_task_created(uow, columns, task_id)
            for spiff_task, due in dues:
                _record_timer_scheduled(uow, instance_id, spiff_task, due)
            if workflow.is_completed():
                uow.record("system", "instance.completed", {"summary": _summary_of(workflow)},
                           instance_id=instance_id)
            self._record_changes(uow, actor, instance_id, deployment.id, decisions)
        return list(instance_ids)

    def claim_task(self, task_id: int, username: str) -> None:
        with self.unit_of_work() as uow:
            task, user = self._open_task_for(uow, task_id, username)
            if task.assignee_user_id is None:
                task.claimed_by_user_id = user.id
            uow.record(username, "task.claimed", {"task_key": task.task_key},
                       instance_id=task.instance_id, task_id=task.id)
            uow.commit()

    def unclaim_task(self, task_id: int, username: str) -> None:
        with self.unit_of_work() as uow:
            task, _user = self._open_task_for(uow, task_id, username)
            task.claimed_by_user_id = None
            uow.record(username, "task.unclaimed", {"task_key": task.task_key},
                       instance_id=task.instance_id, task_id=task.id)
            uow.commit()

    @records_step_failure
    def complete_task(self, task_id: int, username: str, data: dict[str, Any]) -> None:
        """Validate ``data`` against the task's form, complete it and run the process on."""
        with self.unit_of_work() as uow:
            task, user = self._open_task_for(uow, task_id, username)
            instance = uow.session.get(ProcessInstance, task.instance_id)
            assert instance is not None  # foreign key
            definitions = self.definitions_for(uow, instance.deployment_id)
            if task.form_key is not None:
                validate_form_data(task.form_key, definitions.forms[task.form_key], data)
            workflow = _guarded(lambda: load_state(definitions, instance.process_key, instance.state))
            spiff_task = find_task(workflow, task.spiff_task_id)
            if spiff_task is None or spiff_task not in ready_user_tasks(workflow):
                raise Conflict(f"task {task_id} is no longer waiting for input")
            changed = {key: {"before": spiff_task.data.get(key), "after": value}
                       for key, value in data.items() if spiff_task.data.get(key) != value}
            now = uow.clock.now()

            def advance() -> list[Any]:
                spiff_task.data.update(data)
                spiff_task.run()
                return run_engine_steps(workflow)

            decisions = _guarded(advance)
            task.status, task.completed_at, task.completed_by_user_id = "completed", now, user.id
            task.claimed_by_user_id = task.claimed_by_user_id or user.id
            uow.record(username, "task.completed", {
                "task_key": task.task_key, "name": task.name, "lane": task.lane, "form_key": task.form_key,
                "submitted": data, "changed": changed,
            }, instance_id=instance.id, task_id=task.id)
            self._finish_step(uow, instance, workflow, _schedule_new_timers(workflow, now))
            self._record_changes(uow, username, instance.id, instance.deployment_id, decisions)
            uow.commit()

    def _open_task_for(self, uow: UnitOfWork, task_id: int, username: str) -> tuple[HumanTask, User]:
        task = uow.session.get(HumanTask, task_id)
        user = uow.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        if task is None or user is None:
            raise NotFound(f"task {task_id} does not exist")
        if not may_work_on(task, user):
            raise Forbidden(f"task {task_id} is not assigned to {username} or their groups")
        if task.status != "open":
            raise Conflict(f"task {task_id} is already {task.status}")
        return task, user

    # -- timers ----------------------------------------------------------------------------

    def fire_due_timers(self, limit: int = 1000) -> TimerSweep:
        """Fire every timer whose due time (by the engine clock) has passed; one step per instance."""
        now = self.clock.now()
        with self.unit_of_work() as uow:
            rows = uow.session.execute(
                select(Timer.instance_id).where(Timer.status == "waiting", Timer.due_at <= now)
                .group_by(Timer.instance_id).order_by(func.min(Timer.due_at)).limit(limit)).all()
        fired = conflicts = 0
        for (instance_id,) in rows:
            try:
                fired += self._fire_instance_timers(instance_id, now)
            except Conflict:
                conflicts += 1  # someone moved the instance meanwhile; the next sweep retries
        return TimerSweep(fired, conflicts)

    @records_step_failure
    def _fire_instance_timers(self, instance_id: int, now: Any) -> int:
        with self.unit_of_work() as uow:
            # SKIP LOCKED: a parallel sweeper that holds these rows is already firing them (PostgreSQL;
            # SQLite has a single writer). Without it the loser would redo the work and lose on revision.
            timers = uow.session.scalars(select(Timer).where(
                Timer.instance_id == instance_id, Timer.status == "waiting", Timer.due_at <= now)
                .with_for_update(skip_locked=True)).all()
            instance = uow.session.get(ProcessInstance, instance_id)
            if not timers or instance is None:
                return 0
            definitions = self.definitions_for(uow, instance.deployment_id)
            workflow = _guarded(lambda: load_state(definitions, instance.process_key, instance.state))
            for timer in timers:
                spiff_task = find_task(workflow, timer.spiff_task_id)
                if spiff_task is None or spiff_task not in waiting_timers(workflow):
                    timer.status = "cancelled"
                    continue
                fire_timer(workflow, spiff_task)
                timer.status, timer.fired_at = "fired", now
                uow.record("system", "timer.fired", {"event_key": timer.event_key,
                                                     "due_at": timer.due_at.isoformat()},
                           instance_id=instance.id)
            decisions = _guarded(lambda: run_engine_steps(workflow))
            cancelled = self._finish_step(uow, instance, workflow, _schedule_new_timers(workflow, now))
            queue(uow, escalated_drafts(cancelled))  # a timer that ends a task moved it on
            self._record_changes(uow, "system", instance.id, instance.deployment_id, decisions)
            uow.commit()
            return sum(1 for timer in timers if timer.status == "fired")

    # -- cycles ----------------------------------------------------------------------------

    def ensure_cycle(self, organisation_code: str, year: int, process_key: str, actor: str,
                     settings: Optional[dict[str, Any]] = None) -> int:
        """Create the organisation's cycle for ``year`` (or return the existing one)."""
        with self.unit_of_work() as uow:
            organisation = uow.session.scalar(select(Organisation).where(Organisation.code == organisation_code))
            if organisation is None:
                raise NotFound(f"organisation '{organisation_code}' does not exist")
            cycle = uow.session.scalar(select(Cycle).where(
                Cycle.organisation_id == organisation.id, Cycle.year == year, Cycle.process_key == process_key))
            if cycle is not None:
                return cycle.id
            cycle = Cycle(organisation_id=organisation.id, year=year, process_key=process_key, opened_by=actor,
                          opened_at=uow.clock.now(), settings={**DEFAULT_CYCLE_SETTINGS, **(settings or {})})
            uow.session.add(cycle)
            uow.flush()
            uow.record(actor, "cycle.opened", {"organisation": organisation_code, "year": year,
                                               "process_key": process_key, "settings": cycle.settings})
            uow.commit()
            return cycle.id

    def request_cycle_opening(self, organisation_code: str, year: int, process_key: str, actor: str,
                              settings: Optional[dict[str, Any]] = None) -> tuple[int, int]:
        """Create the cycle if needed and queue a run that opens it; return (cycle id, run id).

        The run row is what HR watches: the open-cycle flow marks it running, and finished
        with its summary. Nothing is stored when the process is not deployed.
        """
        with self.unit_of_work() as uow:
            deployment = self._latest_deployment(uow)
            if deployment is None or process_key not in self.definitions_for(uow, deployment.id).process_files:
                raise NotFound(f"process '{process_key}' is not deployed")
        cycle_id = self.ensure_cycle(organisation_code, year, process_key, actor, settings)
        with self.unit_of_work() as uow:
            run = CycleRun(cycle_id=cycle_id, requested_by=actor, requested_at=uow.clock.now(), status="queued",
                           failures=[])
            uow.session.add(run)
            uow.flush()
            uow.record(actor, "cycle.opening_requested", {"cycle_id": cycle_id, "run_id": run.id})
            uow.commit()
            return cycle_id, run.id

    def cycle_run_started(self, run_id: int) -> int:
        """Mark a queued run as running; return its cycle id."""
        with self.unit_of_work() as uow:
            run = self._cycle_run(uow, run_id)
            run.status = "running"
            uow.commit()
            return run.cycle_id

    def finish_cycle_run(self, run_id: int, started: int, skipped: int, failures: list[dict[str, Any]]) -> None:
        """Store a run's summary: completed, or failed when some employees could not be started.

        Idempotent: when a failing flow has recorded its end, its launcher's report is ignored."""
        with self.unit_of_work() as uow:
            run = self._cycle_run(uow, run_id)
            if run.finished_at is not None:  # the first account of how a run ended stands
                return
            run.status = "failed" if failures else "completed"
            run.finished_at, run.started, run.skipped, run.failures = uow.clock.now(), started, skipped, failures
            uow.record("system", "cycle.opening_finished", {"cycle_id": run.cycle_id, "run_id": run.id,
                                                            "status": run.status, "started": started,
                                                            "skipped": skipped, "failures": failures})
            uow.commit()

    def _cycle_run(self, uow: UnitOfWork, run_id: int) -> CycleRun:
        run = uow.session.get(CycleRun, run_id)
        if run is None:
            raise NotFound(f"cycle run {run_id} does not exist")
        return run

    def organisation_cycles(self, organisation_code: str) -> list[dict[str, Any]]:
        """Every cycle of the organisation, newest year first, with progress and latest run."""
        with self.unit_of_work() as uow:
            ids = uow.session.scalars(select(Cycle.id).join(Organisation, Organisation.id == Cycle.organisation_id)
                                      .where(Organisation.code == organisation_code)
                                      .order_by(Cycle.year.desc(), Cycle.id.desc())).all()
        return [self.cycle_info(cycle_id) for cycle_id in ids]

    def employees_without_instance(self, cycle_id: int) -> list[int]:
        """Active employees of the cycle's organisation who have no instance in it yet."""
        with self.unit_of_work() as uow:
            cycle = self._cycle(uow, cycle_id)
            started = select(ProcessInstance.subject_employee_id).where(ProcessInstance.cycle_id == cycle_id)
            return list(uow.session.scalars(
                select(Employee.id).where(Employee.organisation_id == cycle.organisation_id,
                                          Employee.active.is_(True), Employee.id.not_in(started))
                .order_by(Employee.id)))

    @records_step_failure
    def start_cycle_instances(self, cycle_id: int, employee_ids: Iterable[int], actor: str) -> list[int]:
        """Start the cycle's process for each employee, all in one transaction (one batch).

        Idempotent: employees who already have an instance in this cycle are skipped (and
        the unique business key turns a concurrent duplicate into a rolled-back ``Conflict``).
        """
        wanted = list(dict.fromkeys(employee_ids))
        with self.unit_of_work() as uow:
            cycle = self._cycle(uow, cycle_id)
            have = set(uow.session.scalars(select(ProcessInstance.subject_employee_id).where(
                ProcessInstance.cycle_id == cycle_id, ProcessInstance.subject_employee_id.in_(wanted))))
            pending = [employee_id for employee_id in wanted if employee_id not in have]
            if not pending:
                return []
            directory = LaneDirectory(uow.session, pending)
            previous = self._previous_predikats(uow, cycle, pending)
            data = {"year": cycle.year, **process_settings(cycle.settings)}
            new = [_NewInstance(directory.subject(employee_id), f"cycle:{cycle.id}:employee:{employee_id}",
                                {**data, "previous_predikat": previous.get(employee_id)})
                   for employee_id in pending]
            started = self._start_many(uow, cycle.process_key, new, actor, cycle.id, directory)
            uow.commit()
            return started

    def cycle_progress(self, cycle_id: int) -> dict[str, int]:
        """How far the cycle has got: employees in scope, instances started and completed."""
        with self.unit_of_work() as uow:
            cycle = self._cycle(uow, cycle_id)
            employees = uow.session.scalar(select(func.count()).select_from(Employee).where(
                Employee.organisation_id == cycle.organisation_id, Employee.active.is_(True)))
            counts = dict(uow.session.execute(
                select(ProcessInstance.status, func.count()).where(ProcessInstance.cycle_id == cycle_id)
                .group_by(ProcessInstance.status)).all())
            return {"employees": employees or 0, "started": sum(counts.values()),
                    "completed": counts.get("completed", 0)}

    def cycle_info(self, cycle_id: int) -> dict[str, Any]:
        """The cycle's identity (organisation code, year, process), its progress and its latest run."""
        with self.unit_of_work() as uow:
            cycle = self._cycle(uow, cycle_id)
            organisation = uow.session.get(Organisation, cycle.organisation_id)
            run = uow.session.scalar(select(CycleRun).where(CycleRun.cycle_id == cycle_id)
                                     .order_by(CycleRun.id.desc()).limit(1))
            info = {"id": cycle.id, "organisation": organisation.code, "year": cycle.year,
                    "process_key": cycle.process_key, "opened_by": cycle.opened_by, "opened_at": cycle.opened_at,
                    "settings": dict(cycle.settings or {}), "latest_run": _run_info(run) if run else None}
        return {**info, "progress": self.cycle_progress(cycle_id)}

    def _cycle(self, uow: UnitOfWork, cycle_id: int) -> Cycle:
        cycle = uow.session.get(Cycle, cycle_id)
        if cycle is None:
            raise NotFound(f"cycle {cycle_id} does not exist")
        return cycle

    def _previous_predikats(self, uow: UnitOfWork, cycle: Cycle, employee_ids: list[int]) -> dict[int, str]:
        """Last year's predikat of each employee (same organisation and process), where there is one."""
        rows = uow.session.execute(
            select(ProcessInstance.subject_employee_id, ProcessInstance.summary)
            .join(Cycle, Cycle.id == ProcessInstance.cycle_id)
            .where(Cycle.organisation_id == cycle.organisation_id, Cycle.year == cycle.year - 1,
                   Cycle.process_key == cycle.process_key, ProcessInstance.subject_employee_id.in_(employee_ids)))
        return {employee_id: summary["predikat"] for employee_id, summary in rows
                if (summary or {}).get("predikat") is not None}

    def overview(self) -> Overview:
        """Headline counts for the landing page and health check."""
        with self.unit_of_work() as uow:
            by_status = dict(uow.session.execute(
                select(ProcessInstance.status, func.count()).group_by(ProcessInstance.status)).all())
            open_tasks = uow.session.scalar(
                select(func.count()).select_from(HumanTask).where(HumanTask.status == "open"))
            return Overview(by_status.get("running", 0), by_status.get("completed", 0), open_tasks or 0)

    # -- audit -----------------------------------------------------------------------------

    def instance_history(self, instance_id: int) -> list[dict[str, Any]]:
        with self.unit_of_work() as uow:
            if uow.session.get(ProcessInstance, instance_id) is None:
                raise NotFound(f"instance {instance_id} does not exist")
            return instance_events(uow.session, instance_id)

    def verify_audit_chain(self, extra_checkpoints: Iterable[Checkpoint] = ()) -> VerificationResult:
        """Check the chain, its head and every checkpoint (signatures too when the key is configured)."""
        with self.unit_of_work() as uow:
            return verify_chain(uow.session, key=self.audit_key, extra_checkpoints=extra_checkpoints)

    def write_audit_checkpoint(self, actor: str) -> Checkpoint:
        """Sign the current chain head with the audit key and store the checkpoint."""
        if not self.audit_key:
            raise Forbidden("no audit key is configured (set KINERJA_AUDIT_KEY); checkpoints must be signed")
        with self.unit_of_work() as uow:
            checkpoint = write_checkpoint(uow.session, self.audit_key, actor, uow.clock.now())
            uow.commit()
            return checkpoint

    # -- shared step tail ------------------------------------------------------------------

    def _finish_step(self, uow: UnitOfWork, instance: ProcessInstance, workflow: Any,
                     timer_dues: list[tuple[Any, Any]]) -> list[HumanTask]:
        """Save the state, sync the projections and tell the employee about decisions made in
        this step; returns the tasks the step cancelled."""
        before = dict(instance.summary or {})
        _save_state(instance, workflow, uow.clock.now())
        queue(uow, decision_drafts(uow.session, instance.subject_employee_id, before, instance.summary))
        return self._sync_projections(uow, instance, workflow, timer_dues)

    def _sync_projections(self, uow: UnitOfWork, instance: ProcessInstance, workflow: Any,
                          timer_dues: list[tuple[Any, Any]]) -> list[HumanTask]:
        """Bring the task and timer projections in line with the workflow's state; returns the
        task rows cancelled because the workflow no longer waits on them."""
        now = uow.clock.now()
        cancelled = []
        ready = {str(task.id): task for task in ready_user_tasks(workflow)}
        open_tasks = uow.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.status == "open")).all()
        for row in open_tasks:
            if row.spiff_task_id not in ready:
                row.status = "cancelled"
                cancelled.append(row)
                uow.record("system", "task.cancelled", {"task_key": row.task_key, "name": row.name},
                           instance_id=instance.id, task_id=row.id)
        known = {row.spiff_task_id for row in open_tasks}
        new_tasks = [task for spiff_id, task in ready.items() if spiff_id not in known]
        if new_tasks:  # the org model is read only when a lane has to be resolved
            directory = LaneDirectory(uow.session, [instance.subject_employee_id])
            subject = directory.subject(instance.subject_employee_id)
            created = [HumanTask(**_task_columns(task, instance.id, subject,
                                                 directory.resolve(task.task_spec.lane, subject), now))
                       for task in new_tasks]
            uow.session.add_all(created)
            uow.flush()  # the audit events below need the new rows' ids
            columns = [{"id": row.id, "instance_id": instance.id, "task_key": row.task_key, "name": row.name,
                        "lane": row.lane, "assignee_user_id": row.assignee_user_id,
                        "candidate_group": row.candidate_group, "due_at": row.due_at,
                        "subject_employee_id": row.subject_employee_id} for row in created]
            for row_columns in columns:
                _record_task_created(uow, row_columns, row_columns["id"])
            queue(uow, task_created_drafts(uow.session, columns))
        waiting_ids = {str(task.id) for task in waiting_timers(workflow)}
        for timer in uow.session.scalars(select(Timer).where(
                Timer.instance_id == instance.id, Timer.status == "waiting")).all():
            if timer.spiff_task_id not in waiting_ids:
                timer.status = "cancelled"
        for spiff_task, due in timer_dues:
            uow.session.add(Timer(**_timer_columns(instance.id, spiff_task, due)))
            _record_timer_scheduled(uow, instance.id, spiff_task, due)
        if instance.status == "completed":
            uow.record("system", "instance.completed", {"summary": instance.summary}, instance_id=instance.id)
        return cancelled

    def _record_changes(self, uow: UnitOfWork, actor: str, instance_id: int, deployment_id: int,
                        decisions: list[Any]) -> None:
        """Record each DMN evaluation with the exact table version it ran on (``dmn``: the
        definition version's id, file name, version and content hash), so the decision can be
        explained later with that table, whatever was deployed or migrated since."""
        for decision in decisions:
            uow.record("system", "decision.evaluated", {
                "task_key": decision.task_key, "decision_id": decision.decision_id,
                "table_id": decision.table_id,
                "deployment_id": deployment_id,
                "dmn": self._decision_source(uow, deployment_id, decision.decision_id),
                "inputs": decision.inputs,
                "matched_rules": decision.matched_rules, "outputs": decision.outputs,
                "triggered_by": actor,
            }, instance_id=instance_id)

    def _decision_source(self, uow: UnitOfWork, deployment_id: int, decision_id: str) -> Optional[dict[str, Any]]:
        """The DMN file version of ``deployment_id`` that provides ``decision_id`` (cached:
        deployments never change)."""
        key = (deployment_id, decision_id)
        if key not in self._decision_sources:
            versions = uow.session.scalars(
                select(DefinitionVersion).join(DeploymentFile,
                                               DeploymentFile.definition_version_id == DefinitionVersion.id)
                .where(DeploymentFile.deployment_id == deployment_id, DefinitionVersion.kind == "dmn")).all()
            source = next(({"definition_version_id": v.id, "name": v.name, "version": v.version,
                            "content_hash": v.content_hash} for v in versions if decision_id in v.provides), None)
            with self._definition_lock:
                self._decision_sources[key] = source
        return self._decision_sources[key]


@dataclass(frozen=True)
class _NewInstance:
    subject: Subject
    business_key: str
    data: dict[str, Any]


def _run_info(run: CycleRun) -> dict[str, Any]:
    return {"id": run.id, "status": run.status, "requested_by": run.requested_by,
            "requested_at": run.requested_at, "finished_at": run.finished_at, "started": run.started,
            "skipped": run.skipped, "failures": list(run.failures or [])}


def process_settings(settings: Optional[dict[str, Any]]) -> dict[str, Any]:
    """The cycle settings a process reads at start (everything but what only reports use)."""
    return {key: value for key, value in (settings or {}).items() if key not in REPORT_SETTINGS}


def _task_columns(spiff_task: Any, instance_id: int, subject: Subject, assignment: Any, now: Any) -> dict[str, Any]:
    """The projection row of a READY user task, with its lane resolved."""
    info = user_task_info(spiff_task.task_spec)
    return {"instance_id": instance_id, "spiff_task_id": str(spiff_task.id), "task_key": spiff_task.task_spec.bpmn_id,
            "name": spiff_task.task_spec.bpmn_name or spiff_task.task_spec.bpmn_id,
            "process_key": spiff_task.workflow.spec.name, "lane": spiff_task.task_spec.lane,
            "form_key": info.form_key, "subject_employee_id": subject.id,
            "assignee_user_id": assignment.assignee_user_id, "candidate_group": assignment.candidate_group,
            "claimed_by_user_id": None, "status": "open", "created_at": now,
            "due_at": due_after(now, info.due_in), "completed_at": None, "completed_by_user_id": None}


def _record_task_created(uow: UnitOfWork, columns: dict[str, Any], task_id: int) -> None:
    uow.record("system", "task.created", {
        "task_key": columns["task_key"], "name": columns["name"], "lane": columns["lane"],
        "assignee_user_id": columns["assignee_user_id"], "candidate_group": columns["candidate_group"],
        "due_at": columns["due_at"].isoformat() if columns["due_at"] else None,
    }, instance_id=columns["instance_id"], task_id=task_id)


def _timer_columns(instance_id: int, spiff_task: Any, due: Any) -> dict[str, Any]:
    return {"instance_id": instance_id, "spiff_task_id": str(spiff_task.id), "event_key": spiff_task.task_spec.bpmn_id,
            "due_at": due, "status": "waiting", "fired_at": None}


def _record_timer_scheduled(uow: UnitOfWork, instance_id: int, spiff_task: Any, due: Any) -> None:
    uow.record("system", "timer.scheduled", {"event_key": spiff_task.task_spec.bpmn_id, "due_at": due.isoformat()},
               instance_id=instance_id)


def _save_state(instance: ProcessInstance, workflow: Any, now: Any) -> None:
    for column, value in _state_columns(workflow, now, instance.summary).items():
        setattr(instance, column, value)


def _state_columns(workflow: Any, now: Any, summary: Optional[dict[str, Any]]) -> dict[str, Any]:
    """An instance's columns that follow from its workflow: state, summary, and completion."""
    columns = {"state": dump_state(workflow), "updated_at": now,
               "summary": {**(summary or {}), **_summary_of(workflow)}}
    if workflow.is_completed():
        columns.update(status="completed", completed_at=now)
    return columns


def _schedule_new_timers(workflow: Any, now: Any) -> list[tuple[Any, Any]]:
    """Timers Spiff started waiting on during this step, with the due time the engine gives them."""
    return [(task, _guarded(lambda task=task: schedule_timer(task, now)))
            for task in waiting_timers(workflow) if task.internal_data.get("event_value") != PARKED_DUE]


def _summary_of(workflow: Any) -> dict[str, Any]:
    """Outcome fields from the newest data: the active tasks' (data flows forward), or the
    workflow's own once it has completed."""
    sources = [workflow.data] if workflow.is_completed() else [
        task.data for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)]
    return {key: data[key] for data in sources for key in SUMMARY_KEYS if data.get(key) is not None}


def _guarded(step: Any) -> Any:
    """Run a Spiff step; turn definition failures into a clear, rolled-back :class:`ProcessError`."""
    try:
        return step()
    except KinerjaError as error:
        if isinstance(error, ScriptRejected):
            raise ProcessError(error.message, details=error.details) from error
        raise
    except SpiffWorkflowException as error:
        element = getattr(getattr(error, "task_spec", None), "bpmn_id", None) or getattr(error, "id", None)
        message = str(error.args[0]) if error.args else str(error)
        cause = error.__cause__ or error.__context__
        if isinstance(cause, ScriptRejected):
            message = cause.message
        raise ProcessError(f"process step failed at {element or 'an element'}: {message}",
                           details={"element_id": element}) from error
