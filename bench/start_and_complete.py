"""Start N evaluation cycles and complete each one's first task (the SKP draft).

Since the SKP is a document, completing the draft also writes its tables (the SKP version,
its RHK, indicator and the seven BerAKHLAK rows) and checks the cascade; the plain
SpiffWorkflow side only puts the same JSON into the task's data.

Runs the same bundled BPMN twice: through plain in-memory SpiffWorkflow (parse once,
create, step, complete; nothing stored) and through the kinerja engine (one transaction
per step: state saved, task/timer projections, hash-chained audit). Prints both rates and
their ratio (engine / plain; 1.0 would mean persistence is free).

    .venv/bin/python bench/start_and_complete.py [-n 500] [--database-url URL]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from SpiffWorkflow.util.task import TaskState

from common import bundled_definitions, plain_start

from engine.actors import SYSTEM, Operator
from engine.cycles import ensure_cycle, start_cycle_instances
from engine.deployment import deploy
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.org import EmployeeSpec, add_employees, create_organisation
from engine.skp import set_organisation_goals
from engine.tasks import complete_task

def skp(goal_id: int) -> dict:
    """The SKP each employee submits: one RHK utama intervening the organisation's goal (the
    employees' head takes no part in the cycle, so they are the top of the cascade)."""
    return {"rhk": [{"kind": "utama", "text": "Cakupan imunisasi dasar lengkap", "sasaran": goal_id, "indicators": [
        {"aspek": "kuantitas", "text": "Cakupan IDL", "target_value": 95, "target_unit": "persen"}]}]}


def plain_spiff(n: int) -> tuple[float, float]:
    start_seconds, workflows = plain_start(n)
    started = time.perf_counter()
    for workflow in workflows:
        (task,) = workflow.get_tasks(state=TaskState.READY, manual=True)
        task.data.update(skp(1))
        task.run()
        workflow.do_engine_steps()
    return start_seconds, time.perf_counter() - started


def engine(n: int, database_url: str) -> tuple[float, float, list[float]]:
    kinerja = Kinerja(database_url)
    kinerja.init_db()
    deploy(kinerja, Operator("bench"), bundled_definitions())
    create_organisation(kinerja, SYSTEM, "bench", "Bench", [("unit", "Unit")])
    specs = [EmployeeSpec("1" * 18, "Kepala", "Kepala", "unit", username="head", password="x")]
    specs += [EmployeeSpec(f"{i:018d}", f"Pegawai {i}", "Perawat", "unit", "1" * 18, username=f"p{i}", password="x")
              for i in range(n)]
    ids = add_employees(kinerja, SYSTEM, "bench", specs)
    cycle_id = ensure_cycle(kinerja, Operator("bench"), "bench", 2026, "evaluation_cycle")
    [goal] = set_organisation_goals(kinerja, Operator("bench"), cycle_id, ["Meningkatnya derajat kesehatan"])
    employees = [ids[f"{i:018d}"] for i in range(n)]
    started = time.perf_counter()
    for offset in range(0, n, 200):
        start_cycle_instances(kinerja, Operator("bench"), cycle_id, employees[offset:offset + 200])
    start_seconds = time.perf_counter() - started
    tasks = [(f"p{i}", list_tasks(kinerja, f"p{i}")[0].id) for i in range(n)]
    latencies = []
    started = time.perf_counter()
    for username, task_id in tasks:
        begin = time.perf_counter()
        complete_task(kinerja, username, task_id, skp(goal.id))
        latencies.append(time.perf_counter() - begin)
    complete_seconds = time.perf_counter() - started
    kinerja.dispose()
    return start_seconds, complete_seconds, latencies


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("-n", type=int, default=500)
    arguments.add_argument("--database-url", help="default: a new SQLite file in a temporary directory")
    options = arguments.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = options.database_url or f"sqlite:///{scratch}/bench.sqlite3"
        plain_start, plain_complete = plain_spiff(options.n)
        engine_start, engine_complete, latencies = engine(options.n, url)
    n = options.n
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"N = {n} instances of evaluation_cycle ({url.split(':')[0]})")
    print(f"{'':28}{'plain Spiff':>14}{'kinerja':>14}{'ratio':>9}")
    print(f"{'start instance (/s)':28}{n / plain_start:14.1f}{n / engine_start:14.1f}"
          f"{plain_start / engine_start:9.2f}")
    print(f"{'complete first task (/s)':28}{n / plain_complete:14.1f}{n / engine_complete:14.1f}"
          f"{plain_complete / engine_complete:9.2f}")
    print(f"complete_task latency through the engine: p50 {quantiles[49] * 1000:.1f} ms, "
          f"p95 {quantiles[94] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
