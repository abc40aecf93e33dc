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
from sqlalchemy import func, select

from .assignment import may_work_on, resolve_lane
from .audit import VerificationResult, instance_events, verify_chain
from .clock import Clock, SystemClock
from .database import make_engine, make_session_factory, upgrade_schema
from .definitions import DefinitionFile, DefinitionSet, user_task_info
from .errors import Conflict, Forbidden, InvalidDefinition, KinerjaError, NotFound, ProcessError, ScriptRejected
from .forms import validate_form_data
from .models import (
    Cycle,
    DefinitionVersion,
    Deployment,
    Employee,
    HumanTask,
    Organisation,
    ProcessInstance,
    Timer,
    User,
)
from .notifications import notify_task_created
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
from .unit_of_work import UnitOfWork

SUMMARY_KEYS = ("rating_hasil_kerja", "rating_perilaku_kerja", "predikat", "predikat_label",
                "follow_up", "follow_up_detail", "follow_up_approved", "midyear_rating")
DEFAULT_CYCLE_SETTINGS = {"review_periods": 4, "midyear_period": 2}


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

    def __init__(self, database_url: str, clock: Optional[Clock] = None) -> None:
        self.database_url = database_url
        self.db = make_engine(database_url)
        self.session_factory = make_session_factory(self.db)
        self.clock = clock or SystemClock()
        self._definition_sets: dict[int, DefinitionSet] = {}
        self._definition_lock = threading.Lock()

    def init_db(self) -> None:
        upgrade_schema(self.db)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.clock)

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
                assignment = resolve_lane(uow.session, spec.lane, instance.subject)
                row.lane, row.claimed_by_user_id = spec.lane, None
                row.assignee_user_id, row.candidate_group = assignment.assignee_user_id, assignment.candidate_group

    # -- instances -------------------------------------------------------------------------

    def start_instance(self, process_key: str, employee_id: int, actor: str, *,
                       data: Optional[dict[str, Any]] = None, cycle_id: Optional[int] = None,
                       business_key: Optional[str] = None) -> int:
        """Start ``process_key`` for an employee on the newest deployment; return the instance id."""
        with self.unit_of_work() as uow:
            instance_id = self._start(uow, process_key, employee_id, actor, data or {}, cycle_id, business_key)
            uow.commit()
            return instance_id

    def _start(self, uow: UnitOfWork, process_key: str, employee_id: int, actor: str,
               data: dict[str, Any], cycle_id: Optional[int], business_key: Optional[str]) -> int:
        deployment = self._latest_deployment(uow)
        if deployment is None:
            raise NotFound("nothing is deployed yet; run `kinerja deploy` first")
        definitions = self.definitions_for(uow, deployment.id)
        if process_key not in definitions.process_files:
            raise NotFound(f"process '{process_key}' is not deployed")
        employee = uow.session.get(Employee, employee_id)
        if employee is None:
            raise NotFound(f"employee {employee_id} does not exist")
        now = uow.clock.now()
        start_data = {"employee": {"nip": employee.nip, "name": employee.name,
                                   "position": employee.position, "unit": employee.unit.name}, **data}
        workflow = _guarded(lambda: new_workflow(definitions, process_key, start_data))
        decisions = _guarded(lambda: run_engine_steps(workflow))
        timer_dues = _schedule_new_timers(workflow, now)
        instance = ProcessInstance(
            deployment_id=deployment.id, process_key=process_key, cycle_id=cycle_id,
            business_key=business_key or f"{process_key}:{employee.nip}:{now.isoformat()}",
            subject_employee_id=employee.id, started_by=actor, started_at=now, summary={})
        _save_state(instance, workflow, now)
        uow.session.add(instance)
        uow.flush()
        uow.record(actor, "instance.started", {
            "process_key": process_key, "deployment_id": deployment.id,
            "business_key": instance.business_key, "subject_nip": employee.nip, "data": start_data,
        }, instance_id=instance.id)
        self._sync_projections(uow, instance, workflow, timer_dues)
        self._record_changes(uow, actor, instance, decisions)
        return instance.id

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

    def delegate_task(self, task_id: int, username: str, to_username: str) -> None:
        """Hand a task one holds to another active user of the same organisation (recorded)."""
        with self.unit_of_work() as uow:
            task, user = self._open_task_for(uow, task_id, username)
            if user.id not in (task.assignee_user_id, task.claimed_by_user_id):
                raise Forbidden(f"claim task {task_id} before delegating it")
            target = uow.session.scalar(select(User).where(User.username == to_username, User.active.is_(True)))
            if target is None or target.organisation_id != user.organisation_id:
                raise NotFound(f"user '{to_username}' does not exist in this organisation")
            if target.employee_id is not None and target.employee_id == task.subject_employee_id:
                raise Forbidden("a task cannot be delegated to the employee it is about")
            task.assignee_user_id, task.claimed_by_user_id = target.id, None
            uow.record(username, "task.delegated", {"task_key": task.task_key, "from": username, "to": to_username},
                       instance_id=task.instance_id, task_id=task.id)
            uow.commit()

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
            self._record_changes(uow, username, instance, decisions)
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
            self._finish_step(uow, instance, workflow, _schedule_new_timers(workflow, now))
            self._record_changes(uow, "system", instance, decisions)
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

    def employees_without_instance(self, cycle_id: int) -> list[int]:
        """Active employees of the cycle's organisation who have no instance in it yet."""
        with self.unit_of_work() as uow:
            cycle = self._cycle(uow, cycle_id)
            started = select(ProcessInstance.subject_employee_id).where(ProcessInstance.cycle_id == cycle_id)
            return list(uow.session.scalars(
                select(Employee.id).where(Employee.organisation_id == cycle.organisation_id,
                                          Employee.active.is_(True), Employee.id.not_in(started))
                .order_by(Employee.id)))

    def start_cycle_instances(self, cycle_id: int, employee_ids: Iterable[int], actor: str) -> list[int]:
        """Start the cycle's process for each employee, all in one transaction (one batch).

        Idempotent: employees who already have an instance in this cycle are skipped.
        """
        with self.unit_of_work() as uow:
            cycle = self._cycle(uow, cycle_id)
            started = []
            for employee_id in employee_ids:
                business_key = f"cycle:{cycle.id}:employee:{employee_id}"
                exists = uow.session.scalar(select(ProcessInstance.id).where(
                    ProcessInstance.business_key == business_key))
                if exists is not None:
                    continue
                data = {"year": cycle.year, **cycle.settings,
                        "previous_predikat": self._previous_predikat(uow, cycle, employee_id)}
                started.append(self._start(uow, cycle.process_key, employee_id, actor, data, cycle.id, business_key))
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
        """The cycle's identity (organisation code, year, process) and its progress."""
        with self.unit_of_work() as uow:
            cycle = self._cycle(uow, cycle_id)
            organisation = uow.session.get(Organisation, cycle.organisation_id)
            info = {"id": cycle.id, "organisation": organisation.code, "year": cycle.year,
                    "process_key": cycle.process_key, "opened_by": cycle.opened_by, "opened_at": cycle.opened_at,
                    "settings": dict(cycle.settings or {})}
        return {**info, "progress": self.cycle_progress(cycle_id)}

    def _cycle(self, uow: UnitOfWork, cycle_id: int) -> Cycle:
        cycle = uow.session.get(Cycle, cycle_id)
        if cycle is None:
            raise NotFound(f"cycle {cycle_id} does not exist")
        return cycle

    def _previous_predikat(self, uow: UnitOfWork, cycle: Cycle, employee_id: int) -> Optional[str]:
        summary = uow.session.scalar(
            select(ProcessInstance.summary).join(Cycle, Cycle.id == ProcessInstance.cycle_id)
            .where(Cycle.organisation_id == cycle.organisation_id, Cycle.year == cycle.year - 1,
                   Cycle.process_key == cycle.process_key, ProcessInstance.subject_employee_id == employee_id))
        return (summary or {}).get("predikat")

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

    def verify_audit_chain(self) -> VerificationResult:
        with self.unit_of_work() as uow:
            return verify_chain(uow.session)

    # -- shared step tail ------------------------------------------------------------------

    def _finish_step(self, uow: UnitOfWork, instance: ProcessInstance, workflow: Any,
                     timer_dues: list[tuple[Any, Any]]) -> None:
        _save_state(instance, workflow, uow.clock.now())
        self._sync_projections(uow, instance, workflow, timer_dues)

    def _sync_projections(self, uow: UnitOfWork, instance: ProcessInstance, workflow: Any,
                          timer_dues: list[tuple[Any, Any]]) -> None:
        """Bring the task and timer projections in line with the workflow's state."""
        now = uow.clock.now()
        subject = uow.session.get(Employee, instance.subject_employee_id)
        ready = {str(task.id): task for task in ready_user_tasks(workflow)}
        open_tasks = uow.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.status == "open")).all()
        for row in open_tasks:
            if row.spiff_task_id not in ready:
                row.status = "cancelled"
                uow.record("system", "task.cancelled", {"task_key": row.task_key, "name": row.name},
                           instance_id=instance.id, task_id=row.id)
        known = {row.spiff_task_id for row in open_tasks}
        created = []
        for spiff_id, spiff_task in ready.items():
            if spiff_id in known:
                continue
            info = user_task_info(spiff_task.task_spec)
            assignment = resolve_lane(uow.session, spiff_task.task_spec.lane, subject)
            created.append(HumanTask(
                instance_id=instance.id, spiff_task_id=spiff_id, task_key=spiff_task.task_spec.bpmn_id,
                name=spiff_task.task_spec.bpmn_name or spiff_task.task_spec.bpmn_id,
                process_key=spiff_task.workflow.spec.name, lane=spiff_task.task_spec.lane,
                form_key=info.form_key, subject_employee_id=subject.id if subject else None,
                assignee_user_id=assignment.assignee_user_id, candidate_group=assignment.candidate_group,
                status="open", created_at=now, due_at=due_after(now, info.due_in)))
        uow.session.add_all(created)
        uow.flush()  # the audit events below need the new rows' ids
        for row in created:
            uow.record("system", "task.created", {
                "task_key": row.task_key, "name": row.name, "lane": row.lane,
                "assignee_user_id": row.assignee_user_id, "candidate_group": row.candidate_group,
                "due_at": row.due_at.isoformat() if row.due_at else None,
            }, instance_id=instance.id, task_id=row.id)
            notify_task_created(uow, row)  # issue 7: the outbox row commits with the task
        waiting_ids = {str(task.id) for task in waiting_timers(workflow)}
        for timer in uow.session.scalars(select(Timer).where(
                Timer.instance_id == instance.id, Timer.status == "waiting")).all():
            if timer.spiff_task_id not in waiting_ids:
                timer.status = "cancelled"
        for spiff_task, due in timer_dues:
            uow.session.add(Timer(instance_id=instance.id, spiff_task_id=str(spiff_task.id),
                                  event_key=spiff_task.task_spec.bpmn_id, due_at=due, status="waiting"))
            uow.record("system", "timer.scheduled", {"event_key": spiff_task.task_spec.bpmn_id,
                                                     "due_at": due.isoformat()}, instance_id=instance.id)
        if instance.status == "completed":
            uow.record("system", "instance.completed", {"summary": instance.summary}, instance_id=instance.id)

    def _record_changes(self, uow: UnitOfWork, actor: str, instance: ProcessInstance,
                        decisions: list[Any]) -> None:
        for decision in decisions:
            uow.record("system", "decision.evaluated", {
                "task_key": decision.task_key, "decision_id": decision.decision_id,
                "table_id": decision.table_id,
                "deployment_id": instance.deployment_id, "inputs": decision.inputs,
                "matched_rules": decision.matched_rules, "outputs": decision.outputs,
                "triggered_by": actor,
            }, instance_id=instance.id)


def _save_state(instance: ProcessInstance, workflow: Any, now: Any) -> None:
    instance.state = dump_state(workflow)
    instance.updated_at = now
    instance.summary = {**(instance.summary or {}), **_summary_of(workflow)}
    if workflow.is_completed():
        instance.status, instance.completed_at = "completed", now


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
