"""Time the printed documents: one SKP, one evaluation document, and a whole cycle's ZIP.

Three measurements, on fresh SQLite databases in a temporary directory:

- *baseline*: WeasyPrint alone writing the PDF of a fixed HTML — the HTML of one of the
  bench's SKPs, rendered once beforehand — with no database, no issuing, no QR;
- *SKP* and *evaluation document*: the use cases a download runs (``skp_pdf``,
  ``evaluation_pdf``: the content read from the tables, rendered, issued with a code and an
  audit event), first download (render + issue) and a later one (render again, compared
  with the recorded hash); the evaluation documents come from the tests' evaluated year
  (``tests.support.evaluated_year``: one period and the year of one nurse);
- *ZIP*: N employees generated as ``bench/open_cycle.py`` does, each with an agreed SKP
  (``tests.support.agree_skp``, the way the employee and the Pejabat Penilai do it), then
  the document bundle of the cycle (``engine.document_bundles``, batches as the flow runs
  them), and a second bundle of the same, unchanged cycle, which reads the PDFs back from
  the document storage instead of rendering them.

    .venv/bin/python bench/documents.py [-n 1000] [--repeat 10]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from sqlalchemy import select
from weasyprint import HTML

from common import ROOT, bundled_definitions

from engine.actors import Operator
from engine.clock import FixedClock
from engine.demo import generate_organisation
from engine.deployment import deploy
from engine.document_bundles import bundle_download, request_document_bundle, run_bundle
from engine.document_content import skp_content
from engine.document_render import TEMPLATES, render_html
from engine.documents import evaluation_pdf, skp_pdf
from engine.evidence_storage import FilesystemStorage
from engine.kinerja import Kinerja
from engine.models import Employee
from engine.skp_tables import Skp

sys.path.insert(0, str(ROOT))
from tests.support import START, agree_skp, build_small_org, evaluated_year, evaluation_ids, open_cycle  # noqa: E402

BASE = "https://kinerja.example.go.id"
BENCH = Operator("bench")


def engine(scratch: Path, name: str) -> Kinerja:
    kinerja = Kinerja(f"sqlite:///{scratch}/{name}.sqlite3", clock=FixedClock(START),
                      evidence_storage=FilesystemStorage(scratch / name / "evidence"),
                      documents_storage=FilesystemStorage(scratch / name / "documents"))
    kinerja.init_db()
    deploy(kinerja, BENCH, bundled_definitions())
    return kinerja


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Seconds of the first call and the median of ``repeat`` later ones."""
    started = time.perf_counter()
    action()
    first = time.perf_counter() - started
    later = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        later.append(time.perf_counter() - started)
    return first, statistics.median(later)


def agreed_cycle(kinerja: Kinerja, n: int) -> int:
    """A generated organisation of ``n`` with the cycle opened and every SKP agreed, top down."""
    generate_organisation(kinerja, "bench", "Bench", n, "bench")
    cycle_id = open_cycle(kinerja, org="bench").cycle_id
    with kinerja.reading() as uow:
        people = uow.session.scalars(select(Employee.id).order_by(Employee.id)).all()  # supervisors first
    for employee_id in people:
        agree_skp(kinerja, employee_id, cycle_id)
    return cycle_id


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("-n", type=int, default=1000, help="employees in the ZIP")
    arguments.add_argument("--repeat", type=int, default=10, help="later downloads timed per document")
    options = arguments.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        small = engine(scratch, "small")
        nurse = build_small_org(small)
        evaluated_year(small, nurse)
        evaluations = evaluation_ids(small, nurse.cycle_employee)
        big = engine(scratch, "big")
        started = time.perf_counter()
        cycle_id = agreed_cycle(big, options.n)
        setup = time.perf_counter() - started
        with big.reading() as uow:
            skps = uow.session.scalars(select(Skp).where(Skp.cycle_id == cycle_id, Skp.status == "agreed")
                                       .order_by(Skp.id)).all()
            html = render_html(skp_content(uow.session, skps[-1]), "ABCDEFGHIJ", f"{BASE}/verify/ABCDEFGHIJ", False)
            skp_id, agreed = skps[-1].id, len(skps)
        baseline = timed(lambda: HTML(string=html, base_url=str(TEMPLATES)).write_pdf(), options.repeat)
        rows = [("WeasyPrint alone, fixed SKP HTML", baseline),
                ("SKP (skp_pdf)", timed(lambda: skp_pdf(big, BENCH, skp_id, BASE), options.repeat)),
                ("evaluation, period (evaluation_pdf)",
                 timed(lambda: evaluation_pdf(small, BENCH, evaluations[1], BASE), options.repeat)),
                ("evaluation, year (evaluation_pdf)",
                 timed(lambda: evaluation_pdf(small, BENCH, evaluations[0], BASE), options.repeat))]
        print(f"per document: first download (render + issue), median of {options.repeat} later ones (render again)")
        print(f"{'':38}{'first s':>9}{'later s':>9}{'x base':>8}")
        for label, (first, later) in rows:
            print(f"{label:38}{first:9.3f}{later:9.3f}{later / baseline[1]:8.2f}")
        print(f"\nZIP of a cycle: {options.n} employees, {agreed} agreed SKPs (set up in {setup:.0f} s)")
        print(f"{'':38}{'wall s':>9}{'doc/s':>9}{'reused':>8}{'MB':>8}")
        hashes = []
        for label in ("first bundle (render + issue)", "second bundle (unchanged)"):
            bundle = request_document_bundle(big, BENCH, cycle_id, None, BASE)
            started = time.perf_counter()
            finished = run_bundle(big, BENCH, bundle.id)
            seconds = time.perf_counter() - started
            assert finished.done == finished.total == agreed and not finished.failed, finished
            hashes.append(finished.zip_sha256)
            size = len(bundle_download(big, BENCH, bundle.id)[1])
            print(f"{label:38}{seconds:9.1f}{finished.total / seconds:9.1f}{finished.reused:8d}"
                  f"{size / 1e6:8.1f}")
        print(f"checked: every document in the ZIP, none failed; the second ZIP is byte-identical: "
              f"{hashes[0] == hashes[1]}")
        small.dispose()
        big.dispose()


if __name__ == "__main__":
    main()
