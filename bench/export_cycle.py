"""Stream the audit export of a large cycle and measure its memory and time.

Builds a synthetic cycle quickly: N employees (the org API), N instances inserted in bulk,
and for each instance a realistic set of audit events (start, tasks created and completed
with form data, the predikat decision with inputs and matched rule, completion) chained
through the engine's own ``append_events``, so the chain verifies. Then streams the
cycle's export through the REST API (``GET /api/v1/audit/cycles/{id}/export``, the Flask
test client, unbuffered) as CSV and as JSON, and prints for each: events, bytes, seconds,
the growth of the process's peak resident memory during the run (Linux: the peak is reset
through /proc/self/clear_refs first) and, in a second run, the peak of Python allocations
(tracemalloc). For contrast it also measures loading the same events into one list, which
is what a non-streaming export would hold.

    .venv/bin/python bench/export_cycle.py [-n 10000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from engine.actors import SYSTEM, Operator  # noqa: E402
from engine.audit import PendingEvent, append_events  # noqa: E402
from engine.audit_trail import iter_events  # noqa: E402
from engine.audit_verification import verify_audit_chain  # noqa: E402
from engine.clock import FixedClock  # noqa: E402
from engine.cycles import ensure_cycle  # noqa: E402
from engine.definitions import DefinitionFile  # noqa: E402
from engine.deployment import deploy  # noqa: E402
from engine.kinerja import Kinerja  # noqa: E402
from engine.models import ProcessInstance  # noqa: E402
from engine.org import EmployeeSpec, add_employees, add_user, create_organisation  # noqa: E402
from web import create_app  # noqa: E402

START = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
SKP = {"rhk": [{"description": "Meningkatnya cakupan imunisasi dasar lengkap di wilayah kerja",
                "indicator": "Cakupan IDL", "indicator_type": "kuantitas", "target_value": 95, "unit": "persen"},
               {"description": "Terlaksananya kunjungan rumah balita gizi kurang", "indicator": "Jumlah kunjungan",
                "indicator_type": "kuantitas", "target_value": 120, "unit": "kunjungan"}]}
RATINGS = {"rating_hasil_kerja": "DIATAS_EKSPEKTASI", "rating_perilaku_kerja": "SESUAI_EKSPEKTASI"}


def synthetic_events(instance_id: int, nip: str, deployment_id: int, at: datetime) -> list[PendingEvent]:
    """The trail of one finished year, shaped like the engine's own events."""
    def event(actor: str, action: str, data: dict[str, Any], minutes: int, task_id: int | None = None) -> PendingEvent:
        return PendingEvent(at + timedelta(minutes=minutes), actor, action, instance_id, task_id, data)

    task = instance_id * 10
    return [
        event("hr", "instance.started", {"process_key": "evaluation_cycle", "deployment_id": deployment_id,
                                         "business_key": f"cycle:1:employee:{nip}", "subject_nip": nip,
                                         "data": {"employee": {"nip": nip, "name": f"Pegawai {nip}"}, "year": 2026}}, 0),
        event("system", "task.created", {"task_key": "draft_skp", "name": "Susun SKP", "lane": "Pegawai",
                                         "assignee_user_id": 1, "candidate_group": None, "due_at": None}, 0, task),
        event(nip, "task.completed", {"task_key": "draft_skp", "name": "Susun SKP", "lane": "Pegawai",
                                      "form_key": "skp_draft", "submitted": SKP, "changed": {"rhk": {
                                          "before": None, "after": SKP["rhk"]}}}, 60, task),
        event("system", "task.created", {"task_key": "approve_skp", "name": "Setujui SKP", "lane": "Atasan",
                                         "assignee_user_id": 2, "candidate_group": None, "due_at": None}, 60, task + 1),
        event("system", "timer.scheduled", {"event_key": "approval_overdue", "due_at": at.isoformat()}, 60),
        event("atasan", "task.completed", {"task_key": "approve_skp", "name": "Setujui SKP", "lane": "Atasan",
                                           "form_key": "skp_approval", "submitted": {"skp_decision": "approve"},
                                           "changed": {"skp_decision": {"before": None, "after": "approve"}}},
              120, task + 1),
        event("system", "task.created", {"task_key": "rate_performance", "name": "Nilai kinerja", "lane": "Atasan",
                                         "assignee_user_id": 2, "candidate_group": None, "due_at": None},
              130, task + 2),
        event("atasan", "task.completed", {"task_key": "rate_performance", "name": "Nilai kinerja",
                                           "lane": "Atasan", "form_key": "performance_rating", "submitted": RATINGS,
                                           "changed": {k: {"before": None, "after": v} for k, v in RATINGS.items()}},
              200, task + 2),
        event("system", "decision.evaluated", {
            "task_key": "determine_predikat", "decision_id": "predikat_kinerja", "table_id": "predikat_kinerja_table",
            "deployment_id": deployment_id, "dmn": None,
            "inputs": {"Rating Hasil Kerja": "DIATAS_EKSPEKTASI", "Rating Perilaku Kerja": "SESUAI_EKSPEKTASI"},
            "matched_rules": [{"rule_id": "rule_diatas_sesuai", "row": 2, "description": "predikat Baik."}],
            "outputs": {"predikat": "BAIK", "predikat_label": "Baik"}, "triggered_by": "atasan"}, 200),
        event("system", "task.created", {"task_key": "review_predikat", "name": "Tinjau predikat", "lane": "Pegawai",
                                         "assignee_user_id": 1, "candidate_group": None, "due_at": None},
              200, task + 3),
        event(nip, "task.completed", {"task_key": "review_predikat", "name": "Tinjau predikat", "lane": "Pegawai",
                                      "form_key": "predikat_response", "submitted": {"file_objection": False},
                                      "changed": {}}, 300, task + 3),
        event("system", "instance.completed", {"summary": {**RATINGS, "predikat": "BAIK"}}, 300),
    ]


def build(kinerja: Kinerja, n: int, batch: int = 500) -> tuple[int, int]:
    """The organisation, an auditor, a cycle of ``n`` finished instances; (cycle id, events)."""
    files = [DefinitionFile.from_path(p) for p in sorted((ROOT / "bpmn").rglob("*"))
             if p.suffix in {".bpmn", ".dmn", ".json"}]
    deployment_id = deploy(kinerja, Operator("bench"), files).deployment_id
    create_organisation(kinerja, SYSTEM, "bench", "Kabupaten Bench", [("unit", "Unit")])
    nips = [f"19900101{i:010d}" for i in range(n)]
    ids = add_employees(kinerja, SYSTEM, "bench", [EmployeeSpec(nip, f"Pegawai {nip}", "Staf", "unit") for nip in nips])
    add_user(kinerja, SYSTEM, "bench", "auditor", "rahasia-auditor", "Auditor", roles=["auditor"])
    cycle_id = ensure_cycle(kinerja, Operator("bench"), "bench", 2026, "evaluation_cycle")
    events = 0
    for start in range(0, n, batch):
        chunk = nips[start:start + batch]
        with kinerja.unit_of_work() as uow:
            uow.session.execute(insert(ProcessInstance), [
                {"deployment_id": deployment_id, "process_key": "evaluation_cycle", "business_key": f"bench:{nip}",
                 "cycle_id": cycle_id, "subject_employee_id": ids[nip], "status": "completed", "state": "{}",
                 "revision": 1, "started_by": "bench", "started_at": START, "updated_at": START,
                 "completed_at": START, "summary": {"predikat": "BAIK"}} for nip in chunk])
            instance_ids = dict(uow.session.execute(
                ProcessInstance.__table__.select().with_only_columns(ProcessInstance.business_key,
                                                                     ProcessInstance.id)
                .where(ProcessInstance.business_key.in_([f"bench:{nip}" for nip in chunk]))).all())
            pending = [event for nip in chunk
                       for event in synthetic_events(instance_ids[f"bench:{nip}"], nip, deployment_id, START)]
            append_events(uow.session, pending)
            uow.session.commit()
            events += len(pending)
    return cycle_id, events


def _status_kb(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def measure(label: str, run: Callable[[], tuple[int, int]]) -> None:
    """Time ``run`` (→ events, bytes) with the growth of peak RSS, then run it again under
    tracemalloc for the peak of Python allocations."""
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
    rss_before = _status_kb("VmRSS")
    started = time.perf_counter()
    events, size = run()
    seconds = time.perf_counter() - started
    rss_growth = _status_kb("VmHWM") - rss_before
    tracemalloc.start()
    run()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:28} {events:>7} events {size / 1e6:>6.1f} MB out {seconds:>6.1f} s {events / seconds:>7.0f} ev/s"
          f"  peak RSS +{rss_growth / 1024:>6.1f} MB (from {rss_before / 1024:.0f} MB)"
          f"  peak Python allocations {peak / 1e6:>6.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="instances in the cycle")
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{scratch}/bench.sqlite3"
        kinerja = Kinerja(url, clock=FixedClock(START))
        kinerja.init_db()
        started = time.perf_counter()
        cycle_id, events = build(kinerja, args.n)
        print(f"built a cycle of {args.n} instances and {events} audit events in "
              f"{time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
        assert verify_audit_chain(kinerja, Operator("bench")).ok

        client = create_app(kinerja, {"SECRET_KEY": "bench", "TESTING": True}).test_client()
        token = client.post("/api/v1/auth/token", json={"username": "auditor", "password": "rahasia-auditor"}
                            ).get_json()["access_token"]

        def stream(output_format: str) -> Callable[[], tuple[int, int]]:
            def run() -> tuple[int, int]:
                response = client.get(f"/api/v1/audit/cycles/{cycle_id}/export?format={output_format}",
                                      headers={"Authorization": f"Bearer {token}"}, buffered=False)
                assert response.status_code == 200, response.status_code
                size = lines = 0
                for chunk in response.response:
                    size += len(chunk)
                    lines += chunk.count(b"\n")
                response.close()
                return (lines - 1 if output_format == "csv" else lines - 2), size
            return run

        def materialised() -> tuple[int, int]:
            loaded = list(iter_events(kinerja, cycle_id=cycle_id))
            return len(loaded), 0

        measure("stream CSV (API)", stream("csv"))
        measure("stream JSON (API)", stream("json"))
        measure("load into a list (contrast)", materialised)
        kinerja.dispose()


if __name__ == "__main__":
    main()
