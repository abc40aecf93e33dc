"""The timer sweep: fire every timer whose due time has passed, one step per instance.

Run by the Prefect timer flow (or ``kinerja timers fire``); its steps are the system's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from .actors import SYSTEM
from .errors import Conflict, ProcessError
from .instance_run import InstanceRun
from .kinerja import Kinerja
from .models import ProcessInstance, Timer
from .step import finish_step
from .step_failures import records_step_failure


@dataclass(frozen=True)
class TimerSweep:
    fired: int
    conflicts: int
    failed: int = 0  # instances whose timer step failed: each is an open incident


def fire_due_timers(kinerja: Kinerja, limit: int = 1000) -> TimerSweep:
    """Fire every timer whose due time (by the engine clock) has passed. A sweep, like the
    reminder and mail sweeps: it acts as the system, for whoever runs it."""
    now = kinerja.clock.now()
    with kinerja.reading() as uow:
        rows = uow.session.execute(
            select(Timer.instance_id).where(Timer.status == "waiting", Timer.due_at <= now)
            .group_by(Timer.instance_id).order_by(func.min(Timer.due_at)).limit(limit)).all()
    fired = conflicts = failed = 0
    for (instance_id,) in rows:
        try:
            fired += fire_instance_timers(kinerja, instance_id, now)
        except Conflict:
            conflicts += 1  # someone moved the instance meanwhile; the next sweep retries
        except ProcessError:
            failed += 1  # an incident now holds its timers (engine.incidents); the others go on
    return TimerSweep(fired, conflicts, failed)


@records_step_failure
def fire_instance_timers(kinerja: Kinerja, instance_id: int, now: datetime) -> int:
    """Fire the instance's timers due by ``now`` in one step (the sweep; a retried incident)."""
    with kinerja.unit_of_work() as uow:
        # SKIP LOCKED: a parallel sweeper that holds these rows is already firing them (PostgreSQL;
        # SQLite has a single writer). Without it the loser would redo the work and lose on revision.
        timers = uow.session.scalars(select(Timer).where(
            Timer.instance_id == instance_id, Timer.status == "waiting", Timer.due_at <= now)
            .with_for_update(skip_locked=True)).all()
        instance = uow.session.get(ProcessInstance, instance_id)
        if not timers or instance is None:
            return 0
        run = InstanceRun.load(kinerja.definitions.of(uow.session, instance.deployment_id),
                               instance.process_key, instance.state)
        for timer in timers:
            if not run.fire_timer(timer.spiff_task_id):
                timer.status = "cancelled"
                continue
            timer.status, timer.fired_at = "fired", now
            uow.record("system", "timer.fired", {"event_key": timer.event_key, "due_at": timer.due_at.isoformat()},
                       instance_id=instance.id)
        run.run_automatic()
        # a timer that ends a task moved it on to someone else: they are told
        finish_step(kinerja, uow, SYSTEM.name, instance, run, tell_escalations=True)
        uow.commit()
        return sum(1 for timer in timers if timer.status == "fired")
