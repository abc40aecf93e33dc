"""Nothing is lost when the process dies, and concurrent completions cannot both win."""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import func, select

from engine.actors import Operator
from engine.audit_verification import verify_audit_chain
from engine.clock import FixedClock
from engine.errors import Conflict
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.models import AuditEvent, ProcessInstance
from engine.tasks import complete_task
from tests.support import START, SmallOrg, finish_all_open_work, inbox_task, open_cycle, skp_answer

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_a_killed_process_loses_nothing_and_every_instance_continues(
        org: SmallOrg, deployed: Kinerja, database_url: str) -> None:
    open_cycle(deployed)

    child = subprocess.run([sys.executable, "-m", "tests.crash_worker", database_url], cwd=PROJECT_ROOT,
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr

    # A new process (fresh engine object, empty caches) sees every committed step and none of the
    # killed one: both approvals are still waiting, and the chain is intact.
    survivor = Kinerja(database_url, clock=FixedClock(START))
    approvals = [t for t in list_tasks(survivor, "kapus") if t.task_key == "approve_skp"]
    assert sorted(t.subject_name for t in approvals) == [
        "Dedi Saputra, Amd.Kep", "Rina Marlina, Amd.Kep"]
    assert verify_audit_chain(survivor, Operator('test')).ok

    finish_all_open_work(survivor)
    with survivor.unit_of_work() as uow:
        statuses = uow.session.scalars(select(ProcessInstance.status)).all()
    assert statuses and set(statuses) == {"completed"}
    assert verify_audit_chain(survivor, Operator('test')).ok
    survivor.dispose()


def test_two_simultaneous_completions_of_one_task_exactly_one_wins(org: SmallOrg, deployed: Kinerja) -> None:
    open_cycle(deployed, [org.cycle_employee])
    task = inbox_task(deployed, "rina", "draft_skp")
    skp = skp_answer(deployed, task.id)
    start_line = threading.Barrier(2)
    outcomes: list[str] = []

    def complete() -> None:
        start_line.wait()
        try:
            complete_task(deployed, "rina", task.id, skp)
            outcomes.append("completed")
        except Conflict as conflict:
            outcomes.append(f"conflict: {conflict.message}")

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes)[0] == "completed" and sorted(outcomes)[1].startswith("conflict: ")
    with deployed.unit_of_work() as uow:
        completions = uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "task.completed"))
    assert completions == 1
    assert [t.task_key for t in list_tasks(deployed, "kapus")] == ["approve_skp"]
    assert verify_audit_chain(deployed, Operator('test')).ok
