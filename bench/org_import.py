"""Import an employee file of N generated rows (a SIASN-shaped XLSX), and check the result.

What it measures, on a fresh database with one empty organisation:

- *read*: ``engine.org_import_rows.read_rows`` of the XLSX (openpyxl, read-only mode);
- *preview*: the dry run (every row compared with the organisation, supervisor chains checked);
- *import*: ``run_import`` in batches (one transaction each: employees, password-less accounts,
  activation tokens and emails in the outbox, one audit event per batch);
- *re-import*: the same file again, which must change nothing.

Afterwards it checks N employees, N activation emails and a second import with N unchanged.

    .venv/bin/python bench/org_import.py [-n 10000] [--batch-size 500] [--database-url URL]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.activation import ACTIVATION_KIND  # noqa: E402 - after the path that finds it
from engine.actors import SYSTEM, Operator  # noqa: E402
from engine.import_sample import as_xlsx, sample_rows  # noqa: E402
from engine.kinerja import Kinerja  # noqa: E402
from engine.models import Employee, OutboxMessage  # noqa: E402
from engine.org import create_organisation  # noqa: E402
from engine.org_import_rows import read_rows  # noqa: E402
from engine.org_import_runs import BATCH_SIZE, preview_import, run_import, stage_import  # noqa: E402

BENCH = Operator("bench")


def timed(label: str, n: int, action):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    print(f"{label:10} {n:>7} rows  {seconds:7.2f} s  {n / seconds:9.0f} rows/s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="kinerja-bench-import-")
    kinerja = Kinerja(args.database_url or f"sqlite:///{scratch}/kinerja.sqlite3")
    kinerja.init_db()
    create_organisation(kinerja, SYSTEM, "impor", "Pemerintah Kabupaten Contoh", [])
    content = as_xlsx(sample_rows(args.n))
    print(f"{args.n} rows, {len(content) / 1e6:.1f} MB XLSX, batches of {args.batch_size}, {kinerja.database_url}")

    rows = timed("read", args.n, lambda: read_rows("pegawai.xlsx", content))
    run_id = stage_import(kinerja, BENCH, "impor", "pegawai.xlsx", rows)
    plan = timed("preview", args.n, lambda: preview_import(kinerja, BENCH, run_id).plan)
    assert plan.counts["create"] == args.n, plan.counts
    done = timed("import", args.n, lambda: run_import(kinerja, BENCH, run_id, args.batch_size))
    assert done["counts"]["create"] == args.n, done
    again = stage_import(kinerja, BENCH, "impor", "pegawai.xlsx", rows)
    repeat = timed("re-import", args.n, lambda: run_import(kinerja, BENCH, again, args.batch_size))
    assert repeat["counts"]["unchanged"] == args.n and repeat["total"] == 0, repeat

    with kinerja.reading() as uow:
        employees = uow.session.scalar(select(func.count(Employee.id)))
        emails = uow.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == ACTIVATION_KIND))
    assert employees == emails == args.n, (employees, emails)
    print(f"checked: {employees} employees, {emails} activation emails, the re-import changed nothing")


if __name__ == "__main__":
    main()
