"""The Prefect open-cycle flow: everyone gets exactly one instance, whatever goes wrong."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import instance_run
from engine.actors import Operator
from engine.audit_verification import verify_audit_chain
from engine.cycles import cycle_progress
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.models import HumanTask, ProcessInstance
from tests import support
from tests.support import SmallOrg, submit_skp
from workflows import cycles
from workflows.cycles import open_cycle

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_open_cycle_starts_everyone_once_and_reruns_start_nobody(
        org: SmallOrg, deployed: Kinerja, database_url: str) -> None:
    first = open_cycle(database_url, "bungo", 2026, batch_size=3)
    assert first["started"] == 4 and first["skipped"] == 0 and first["failed"] == []
    assert [t.task_key for t in list_tasks(deployed, "rina")] == ["draft_skp"]

    again = open_cycle(database_url, "bungo", 2026, batch_size=3)
    assert again["started"] == 0 and again["skipped"] == 4 and again["cycle_id"] == first["cycle_id"]
    assert cycle_progress(deployed, Operator('test'), first["cycle_id"]) == {"employees": 4, "started": 4, "completed": 0}


def test_a_batch_that_fails_after_committing_is_retried_without_duplicates(
        org: SmallOrg, deployed: Kinerja, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real_start = cycles.start_cycle_instances
    failures = []

    def start_then_crash_once(kinerja, actor, cycle_id, employee_ids):  # type: ignore[no-untyped-def]
        started = real_start(kinerja, actor, cycle_id, employee_ids)
        if not failures:
            failures.append(employee_ids)
            raise ConnectionError("worker lost its connection after commit")
        return started

    monkeypatch.setattr(cycles, "start_cycle_instances", start_then_crash_once)
    summary = open_cycle(database_url, "bungo", 2026, batch_size=10)
    assert failures, "the failure was injected"
    assert summary["started"] == 4 and summary["failed"] == []
    assert cycle_progress(deployed, Operator('test'), summary["cycle_id"])["started"] == 4


def test_a_batch_killed_halfway_is_rolled_back_and_retried_without_duplicates(
        org: SmallOrg, deployed: Kinerja, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real_new_workflow = instance_run.new_workflow
    calls = []

    def crash_on_the_third_instance(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        if len(calls) == 3:
            raise MemoryError("worker killed in the middle of the batch")
        return real_new_workflow(*args, **kwargs)

    monkeypatch.setattr(instance_run, "new_workflow", crash_on_the_third_instance)
    summary = open_cycle(database_url, "bungo", 2026, batch_size=10)
    assert len(calls) == 3 + 4, "the crash on the third instance, then the whole batch again"
    assert summary["started"] == 4 and summary["failed"] == []
    with deployed.unit_of_work() as uow:
        counts = uow.session.execute(select(func.count(), func.count(ProcessInstance.subject_employee_id.distinct()))
                                     .select_from(ProcessInstance)).one()
        tasks = uow.session.scalar(select(func.count()).select_from(HumanTask))
    assert tuple(counts) == (4, 4) and tasks == 4, "no half batch survived the crash, nobody twice"
    assert verify_audit_chain(deployed, Operator('test')).ok


def test_the_timer_sweep_flow_fires_due_escalations(
        org: SmallOrg, deployed: Kinerja, database_url: str, clock,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    from workflows.timers import fire_due_timers

    open_cycle(database_url, "bungo", 2026)
    submit_skp(deployed, "rina")
    # The flow's engine reads the wall clock; the escalation is due 7 days after the draft by the test clock,
    # which starts on 2026-01-05, long before the machine's real date.
    monkeypatch.setattr(cycles.kinerja_for(database_url), "clock", clock)
    clock.advance(timedelta(days=8))
    assert fire_due_timers(database_url) == {"fired": 1, "conflicts": 0, "failed": 0}
    assert [t.task_key for t in list_tasks(deployed, "kadis") if t.subject_name.startswith("Rina")] == [
        "approve_skp_escalated"]


def test_embedded_sweeps_fire_due_timers_on_their_own(
        org: SmallOrg, deployed: Kinerja, clock) -> None:  # type: ignore[no-untyped-def]
    import time
    from datetime import timedelta

    from workflows.launcher import start_sweeps

    support.open_cycle(deployed, [org.cycle_employee])
    submit_skp(deployed, "rina")
    clock.advance(timedelta(days=8))
    stop = start_sweeps(deployed, every_seconds=0.2)
    try:
        deadline = time.monotonic() + 60
        while not list_tasks(deployed, "kadis") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [t.task_key for t in list_tasks(deployed, "kadis")] == ["approve_skp_escalated"]
        clock.advance(timedelta(days=30))  # now the escalated approval is overdue too
        while "overdue" not in kinds(deployed, "kadis") and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
    assert kinds(deployed, "kadis") == ["task_assigned", "overdue"], "the notification sweep ran as well"


def kinds(kinerja: Kinerja, username: str) -> list[str]:
    from engine.notifications import list_notifications

    return [n.kind for n in reversed(list_notifications(kinerja, username))]
