"""Deadlines: an overdue SKP approval escalates to the supervisor's supervisor.

Time moves with the injected clock; nothing sleeps.
"""
from __future__ import annotations

from datetime import timedelta

from engine.actors import Operator
from engine.audit_verification import verify_audit_chain
from engine.clock import FixedClock
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.read_models import instance_history
from engine.timers import fire_due_timers
from tests.support import SmallOrg, do_task, open_cycle, submit_skp


def _submit_skp(kinerja: Kinerja, org: SmallOrg) -> int:
    (instance_id,) = open_cycle(kinerja, [org.cycle_employee]).instance_ids
    submit_skp(kinerja, "rina")
    return instance_id


def test_overdue_approval_escalates_to_the_supervisors_supervisor(
        org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    instance_id = _submit_skp(deployed, org)
    assert [t.task_key for t in list_tasks(deployed, "kapus")] == ["approve_skp"]

    clock.advance(timedelta(days=6, hours=23))
    assert fire_due_timers(deployed).fired == 0, "not due yet"

    clock.advance(timedelta(hours=2))
    assert fire_due_timers(deployed).fired == 1
    assert list_tasks(deployed, "kapus") == [], "the late approver's task is withdrawn"
    (escalated,) = list_tasks(deployed, "kadis")
    assert escalated.task_key == "approve_skp_escalated" and escalated.subject_nip == "199003032015031003"

    assert fire_due_timers(deployed).fired == 0, "a timer fires once"
    do_task(deployed, "kadis", "approve_skp_escalated", {"skp_decision": "approve"})
    assert [t.task_key for t in list_tasks(deployed, "rina")] == ["report_realisation"]

    actions = [e["action"] for e in instance_history(deployed, Operator('test'), instance_id)]
    fired_at = actions.index("timer.fired")
    assert actions[fired_at:fired_at + 3] == ["timer.fired", "task.cancelled", "task.created"]
    assert verify_audit_chain(deployed, Operator('test')).ok


def test_approval_in_time_cancels_the_escalation(org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    _submit_skp(deployed, org)
    do_task(deployed, "kapus", "approve_skp", {"skp_decision": "approve"})
    clock.advance(timedelta(days=30))
    assert fire_due_timers(deployed).fired == 0
    assert list_tasks(deployed, "kadis") == []


def test_due_dates_come_from_the_task_definition(org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    _submit_skp(deployed, org)
    (approval,) = list_tasks(deployed, "kapus")
    assert approval.due_at == clock.now() + timedelta(days=7)
    clock.advance(timedelta(days=8))
    (approval,) = list_tasks(deployed, "kapus")  # no sweep ran, so it has not escalated
    assert approval.overdue


def test_parallel_sweeps_fire_each_due_timer_exactly_once(
        org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    import threading

    open_cycle(deployed)
    for nurse in ("rina", "dedi"):
        submit_skp(deployed, nurse)
    clock.advance(timedelta(days=8))
    start_line = threading.Barrier(3)
    sweeps = []

    def sweep() -> None:
        start_line.wait()
        sweeps.append(fire_due_timers(deployed))

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(s.fired for s in sweeps) == 2
    escalated = [t for t in list_tasks(deployed, "kadis") if t.task_key == "approve_skp_escalated"]
    assert sorted(t.subject_name for t in escalated) == ["Dedi Saputra, Amd.Kep", "Rina Marlina, Amd.Kep"]
    fired = [e for instance in (1, 2, 3, 4) for e in instance_history(deployed, Operator('test'), instance) if e["action"] == "timer.fired"]
    assert len(fired) == 2
