"""Open a cycle for a generated organisation of N employees, and check the result.

Two measurements on the same bundled BPMN:

- *plain Spiff*: N evaluation cycles started in memory (see ``common.plain_start``);
- *kinerja*: ``Kinerja.start_cycle_instances`` in batches (one transaction each: state,
  task and timer projections, hash-chained audit events), on a fresh database.

With ``--flow`` it also opens the cycle of a second, identical organisation through the
Prefect ``open-cycle`` flow in embedded mode (what ``kinerja cycle open`` runs), whose
wall time includes starting Prefect's ephemeral server. Afterwards it checks what the
acceptance asks: N instances, each employee's first task (``draft_skp``) in that
employee's own inbox, and a second run that starts nothing.

    .venv/bin/python bench/open_cycle.py [-n 10000] [--batch-size 200] [--flow] [--database-url URL]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

from sqlalchemy import func, select

from common import bundled_definitions, plain_start

from engine.actors import Operator
from engine.cycles import employees_without_instance, ensure_cycle, start_cycle_instances
from engine.demo import generate_organisation
from engine.deployment import deploy
from engine.kinerja import Kinerja
from engine.models import Employee, HumanTask, ProcessInstance, User


def engine_batches(kinerja: Kinerja, cycle_id: int, batch_size: int) -> float:
    pending = employees_without_instance(kinerja, Operator("bench"), cycle_id)
    started = time.perf_counter()
    for offset in range(0, len(pending), batch_size):
        start_cycle_instances(kinerja, Operator("bench"), cycle_id, pending[offset:offset + batch_size])
    return time.perf_counter() - started


def prefect_flow(kinerja: Kinerja, organisation: str, batch_size: int, scratch: str) -> float:
    os.environ.setdefault("PREFECT_HOME", os.path.join(scratch, "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    from workflows.cycles import open_cycle

    started = time.perf_counter()
    summary = open_cycle(kinerja.database_url, organisation, 2026, batch_size=batch_size, actor="bench")
    seconds = time.perf_counter() - started
    assert not summary["failed"], summary["failed"]
    return seconds


def check(kinerja: Kinerja, cycle_id: int, n: int) -> str:
    """N instances, each draft_skp assigned to the employee's own account, nothing left to start."""
    with kinerja.unit_of_work() as uow:
        instances = uow.session.scalar(select(func.count()).select_from(ProcessInstance)
                                       .where(ProcessInstance.cycle_id == cycle_id))
        in_own_inbox = uow.session.scalar(
            select(func.count()).select_from(HumanTask)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .join(User, User.id == HumanTask.assignee_user_id)
            .where(ProcessInstance.cycle_id == cycle_id, HumanTask.task_key == "draft_skp",
                   HumanTask.status == "open", User.employee_id == HumanTask.subject_employee_id))
        employees = uow.session.scalar(select(func.count()).select_from(Employee).join(
            ProcessInstance, ProcessInstance.subject_employee_id == Employee.id).where(
            ProcessInstance.cycle_id == cycle_id))
    bench = Operator("bench")
    second_run = start_cycle_instances(kinerja, bench, cycle_id, employees_without_instance(kinerja, bench, cycle_id))
    assert instances == employees == in_own_inbox == n, (instances, employees, in_own_inbox, n)
    assert second_run == [] and employees_without_instance(kinerja, Operator("bench"), cycle_id) == []
    return f"{instances} instances, {in_own_inbox} draft_skp tasks in their employee's inbox, second run started 0"


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("-n", type=int, default=10000)
    arguments.add_argument("--batch-size", type=int, default=200)
    arguments.add_argument("--flow", action="store_true", help="also run the Prefect open-cycle flow")
    arguments.add_argument("--database-url", help="default: a new SQLite file in a temporary directory")
    options = arguments.parse_args()
    n = options.n
    with tempfile.TemporaryDirectory() as scratch:
        url = options.database_url or f"sqlite:///{scratch}/bench.sqlite3"
        plain_seconds = plain_start(n)[0]  # the workflows are dropped: live objects slow every later GC
        kinerja = Kinerja(url)
        kinerja.init_db()
        deploy(kinerja, Operator("bench"), bundled_definitions())
        generate_organisation(kinerja, "bench", "Bench", n, "bench")
        cycle_id = ensure_cycle(kinerja, Operator("bench"), "bench", 2026, "evaluation_cycle")
        engine_seconds = engine_batches(kinerja, cycle_id, options.batch_size)
        verdict = check(kinerja, cycle_id, n)
        print(f"N = {n} instances of evaluation_cycle ({url.split(':')[0]}), batches of {options.batch_size}")
        print(f"{'':32}{'wall s':>9}{'inst/s':>9}{'ratio':>7}")
        print(f"{'plain Spiff (in memory)':32}{plain_seconds:9.1f}{n / plain_seconds:9.1f}{1:7.2f}")
        print(f"{'kinerja start_cycle_instances':32}{engine_seconds:9.1f}{n / engine_seconds:9.1f}"
              f"{plain_seconds / engine_seconds:7.2f}")
        if options.flow:
            generate_organisation(kinerja, "flow", "Flow", n, "bench")
            flow_seconds = prefect_flow(kinerja, "flow", options.batch_size, scratch)
            flow_cycle = ensure_cycle(kinerja, Operator("bench"), "flow", 2026, "evaluation_cycle")
            print(f"{'open-cycle flow (embedded)':32}{flow_seconds:9.1f}{n / flow_seconds:9.1f}"
                  f"{plain_seconds / flow_seconds:7.2f}")
            verdict += f"; flow: {check(kinerja, flow_cycle, n)}"
        print(f"checked: {verdict}")
        kinerja.dispose()


if __name__ == "__main__":
    main()
