"""An organisation's yearly cycle: opening it (HR), starting everyone's instance (the
open-cycle flow, in batches), and following its progress.

Opening is asked for by HR (:func:`request_cycle_opening`, which authorises and queues a
run) and carried out by the open-cycle flow (``workflows/cycles.py``) as an operator in
HR's name. A user reaches only their own organisation's cycles; another organisation's
cycle does not exist for them (404).
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .access import authorise, require_own_organisation
from .actors import Actor, actor_name
from .assignment import LaneDirectory
from .definition_cache import newest_deployment
from .errors import Forbidden, NotFound
from .follow_up import TUNJANGAN_SETTING, checked_tunjangan
from .instances import NewInstance, start_many
from .kinerja import Kinerja
from .models import Cycle, CycleRun, Employee, Organisation, ProcessInstance, User
from .periods import plan_of, plan_settings, with_deadlines
from .permissions import READ_CYCLES, RUN_CYCLES, Permission
from .step_failures import records_step_failure
from .vocabulary import DEFAULT_PROCESS, PREDIKAT


def ensure_cycle(kinerja: Kinerja, actor: Actor, organisation_code: str, year: int,
                 process_key: str = DEFAULT_PROCESS, settings: Optional[dict[str, Any]] = None) -> int:
    """Create the organisation's cycle for ``year`` (or return the existing one), with its
    period plan resolved and checked (:func:`engine.periods.plan_settings`: 422 naming the row)
    and its tunjangan percentages checked (:func:`engine.follow_up.checked_tunjangan`)."""
    resolved = plan_settings(year, settings)
    if resolved.get(TUNJANGAN_SETTING) is not None:
        resolved[TUNJANGAN_SETTING] = checked_tunjangan(resolved[TUNJANGAN_SETTING])
    with kinerja.unit_of_work() as uow:
        organisation = _organisation_to_run(uow.session, authorise(uow.session, actor, RUN_CYCLES), organisation_code)
        cycle = uow.session.scalar(select(Cycle).where(
            Cycle.organisation_id == organisation.id, Cycle.year == year, Cycle.process_key == process_key))
        if cycle is not None:
            return cycle.id
        cycle = Cycle(organisation_id=organisation.id, year=year, process_key=process_key, opened_by=actor_name(actor),
                      opened_at=uow.clock.now(), settings=resolved)
        uow.session.add(cycle)
        uow.flush()
        uow.record(actor_name(actor), "cycle.opened", {"organisation": organisation_code, "year": year,
                                                       "process_key": process_key, "settings": cycle.settings})
        uow.commit()
        return cycle.id


def request_cycle_opening(kinerja: Kinerja, actor: Actor, organisation_code: str, year: int,
                          process_key: str = DEFAULT_PROCESS,
                          settings: Optional[dict[str, Any]] = None) -> tuple[int, int]:
    """Create the cycle if needed and queue a run that opens it; return (cycle id, run id).

    The run row is what HR watches: the open-cycle flow marks it running, and finished
    with its summary. Nothing is stored when the process is not deployed.
    """
    with kinerja.unit_of_work() as uow:
        _organisation_to_run(uow.session, authorise(uow.session, actor, RUN_CYCLES), organisation_code)
        deployment = newest_deployment(uow.session)
        if deployment is None or process_key not in kinerja.definitions.of(uow.session, deployment.id).process_files:
            raise NotFound(f"process '{process_key}' is not deployed")
    cycle_id = ensure_cycle(kinerja, actor, organisation_code, year, process_key, settings)
    with kinerja.unit_of_work() as uow:
        run = CycleRun(cycle_id=cycle_id, requested_by=actor_name(actor), requested_at=uow.clock.now(),
                       status="queued", failures=[])
        uow.session.add(run)
        uow.flush()
        uow.record(actor_name(actor), "cycle.opening_requested", {"cycle_id": cycle_id, "run_id": run.id})
        uow.commit()
        return cycle_id, run.id


def cycle_run_started(kinerja: Kinerja, actor: Actor, run_id: int) -> int:
    """Mark a queued run as running; return its cycle id."""
    with kinerja.unit_of_work() as uow:
        run = _cycle_run(uow.session, authorise(uow.session, actor, RUN_CYCLES), run_id)
        run.status = "running"
        uow.commit()
        return run.cycle_id


def finish_cycle_run(kinerja: Kinerja, actor: Actor, run_id: int, started: int, skipped: int,
                     failures: list[dict[str, Any]]) -> None:
    """Store a run's summary: completed, or failed when some employees could not be started.

    Idempotent: when a failing flow has recorded its end, its launcher's report is ignored."""
    with kinerja.unit_of_work() as uow:
        run = _cycle_run(uow.session, authorise(uow.session, actor, RUN_CYCLES), run_id)
        if run.finished_at is not None:  # the first account of how a run ended stands
            return
        run.status = "failed" if failures else "completed"
        run.finished_at, run.started, run.skipped, run.failures = uow.clock.now(), started, skipped, failures
        uow.record("system", "cycle.opening_finished", {"cycle_id": run.cycle_id, "run_id": run.id,
                                                        "status": run.status, "started": started,
                                                        "skipped": skipped, "failures": failures})
        uow.commit()


def organisation_cycles(kinerja: Kinerja, actor: Actor,
                        organisation_code: Optional[str] = None) -> list[dict[str, Any]]:
    """Every cycle of the organisation (a user's own; an operator names one), newest year
    first, with progress and latest run."""
    with kinerja.reading() as uow:
        user = authorise(uow.session, actor, RUN_CYCLES)
        query = select(Cycle).join(Organisation, Organisation.id == Cycle.organisation_id)
        query = query.where(Cycle.organisation_id == user.organisation_id) if user is not None \
            else query.where(Organisation.code == organisation_code)
        cycles = uow.session.scalars(query.order_by(Cycle.year.desc(), Cycle.id.desc())).all()
        return [_info(uow.session, cycle) for cycle in cycles]


def employees_without_instance(kinerja: Kinerja, actor: Actor, cycle_id: int) -> list[int]:
    """Active employees of the cycle's organisation who have no instance in it yet."""
    with kinerja.reading() as uow:
        cycle = cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        started = select(ProcessInstance.subject_employee_id).where(ProcessInstance.cycle_id == cycle_id)
        return list(uow.session.scalars(
            select(Employee.id).where(Employee.organisation_id == cycle.organisation_id,
                                      Employee.active.is_(True), Employee.id.not_in(started))
            .order_by(Employee.id)))


@records_step_failure
def start_cycle_instances(kinerja: Kinerja, actor: Actor, cycle_id: int, employee_ids: Iterable[int]) -> list[int]:
    """Start the cycle's process for each employee, all in one transaction (one batch).

    Idempotent: employees who already have an instance in this cycle are skipped (and
    the unique business key turns a concurrent duplicate into a rolled-back ``Conflict``).
    """
    wanted = list(dict.fromkeys(employee_ids))
    with kinerja.unit_of_work() as uow:
        cycle = cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        have = set(uow.session.scalars(select(ProcessInstance.subject_employee_id).where(
            ProcessInstance.cycle_id == cycle_id, ProcessInstance.subject_employee_id.in_(wanted))))
        pending = [employee_id for employee_id in wanted if employee_id not in have]
        if not pending:
            return []
        directory = LaneDirectory(uow.session, pending)
        previous = _previous_predikats(uow.session, cycle, pending)
        # an organisation that set no tunjangan percentages of its own gets the DMN table's (engine.follow_up)
        data = {"year": cycle.year, TUNJANGAN_SETTING: {}, **process_settings(cycle.settings, cycle.year)}
        new = [NewInstance(directory.subject(employee_id), f"cycle:{cycle.id}:employee:{employee_id}",
                           {**data, "previous_predikat": previous.get(employee_id)})
               for employee_id in pending]
        started = start_many(kinerja, uow, actor_name(actor), cycle.process_key, new, cycle.id, directory)
        uow.commit()
        return started


def cycle_progress(kinerja: Kinerja, actor: Actor, cycle_id: int) -> dict[str, int]:
    """How far the cycle has got: employees in scope, instances started and completed."""
    with kinerja.reading() as uow:
        return _progress(uow.session, cycle_for(uow.session, actor, cycle_id, READ_CYCLES))


def cycle_info(kinerja: Kinerja, actor: Actor, cycle_id: int) -> dict[str, Any]:
    """The cycle's identity (organisation code, year, process), its progress and its latest run."""
    with kinerja.reading() as uow:
        return _info(uow.session, cycle_for(uow.session, actor, cycle_id, READ_CYCLES))


def _info(session: Session, cycle: Cycle) -> dict[str, Any]:
    organisation = session.get(Organisation, cycle.organisation_id)
    run = session.scalar(select(CycleRun).where(CycleRun.cycle_id == cycle.id).order_by(CycleRun.id.desc()).limit(1))
    return {"id": cycle.id, "organisation": organisation.code, "year": cycle.year,
            "process_key": cycle.process_key, "opened_by": cycle.opened_by, "opened_at": cycle.opened_at,
            "settings": dict(cycle.settings or {}), "periods": plan_of(cycle.settings, cycle.year),
            "latest_run": _run_info(run) if run else None, "progress": _progress(session, cycle)}


def process_settings(settings: Optional[dict[str, Any]], year: int) -> dict[str, Any]:
    """The cycle settings a process reads at start, with the period plan and each period's
    deadlines (the periodic review's timers read them)."""
    periods = with_deadlines(plan_of(settings, year))
    return {**(settings or {}), "periods": periods, "review_periods": len(periods)}


def cycle_for(session: Session, actor: Actor, cycle_id: int, permission: Permission) -> Cycle:
    """The cycle, for a caller with ``permission`` in its organisation (404 for another's)."""
    user = authorise(session, actor, permission)
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(f"cycle {cycle_id} does not exist")
    require_own_organisation(user, cycle.organisation_id, f"cycle {cycle_id}")
    return cycle


def _organisation_to_run(session: Session, user: Optional[User], organisation_code: str) -> Organisation:
    """The organisation a cycle is opened for: it must exist (404), and be the user's own (403:
    organisations are public, their cycles are not another's to open)."""
    organisation = session.scalar(select(Organisation).where(Organisation.code == organisation_code))
    if organisation is None:
        raise NotFound(f"organisation '{organisation_code}' does not exist")
    if user is not None and user.organisation_id != organisation.id:
        raise Forbidden("cycles can only be opened for your own organisation")
    return organisation


def _cycle_run(session: Session, user: Optional[User], run_id: int) -> CycleRun:
    run = session.get(CycleRun, run_id)
    if run is None:
        raise NotFound(f"cycle run {run_id} does not exist")
    require_own_organisation(user, session.get(Cycle, run.cycle_id).organisation_id, f"cycle run {run_id}")
    return run


def _progress(session: Session, cycle: Cycle) -> dict[str, int]:
    employees = session.scalar(select(func.count()).select_from(Employee).where(
        Employee.organisation_id == cycle.organisation_id, Employee.active.is_(True)))
    counts = dict(session.execute(
        select(ProcessInstance.status, func.count()).where(ProcessInstance.cycle_id == cycle.id)
        .group_by(ProcessInstance.status)).all())
    return {"employees": employees or 0, "started": sum(counts.values()), "completed": counts.get("completed", 0)}


def _run_info(run: CycleRun) -> dict[str, Any]:
    return {"id": run.id, "status": run.status, "requested_by": run.requested_by,
            "requested_at": run.requested_at, "finished_at": run.finished_at, "started": run.started,
            "skipped": run.skipped, "failures": list(run.failures or [])}


def _previous_predikats(session: Session, cycle: Cycle, employee_ids: list[int]) -> dict[int, str]:
    """Last year's predikat of each employee (same organisation and process), where there is one."""
    rows = session.execute(
        select(ProcessInstance.subject_employee_id, ProcessInstance.summary)
        .join(Cycle, Cycle.id == ProcessInstance.cycle_id)
        .where(Cycle.organisation_id == cycle.organisation_id, Cycle.year == cycle.year - 1,
               Cycle.process_key == cycle.process_key, ProcessInstance.subject_employee_id.in_(employee_ids)))
    return {employee_id: summary[PREDIKAT] for employee_id, summary in rows
            if (summary or {}).get(PREDIKAT) is not None}
