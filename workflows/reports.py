"""The predikat-distribution report: per unit, the unit's result, the distribution pattern it
fixes, the actual predikat shares, the violations and the calibrations, with the
organisation's totals, exported as CSV and as a chart (PNG).

The exports are stored in the database (``cycle_reports``), so whichever worker made
them, every web process can serve them to HR.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Optional

from prefect import flow, task

from engine.actors import Operator
from engine.cycles import cycle_info
from engine.distribution import PREDIKAT_LABELS
from engine.reports import PREDIKATS, organisation_row, predikat_distribution, save_report

from .engine_access import kinerja_for

PREDIKAT_COLOURS = {"SANGAT_BAIK": "#1a7f37", "BAIK": "#0b5cad", "BUTUH_PERBAIKAN": "#d4a72c",
                    "KURANG": "#e16f24", "SANGAT_KURANG": "#b42318"}


@task
def render_csv(units: list[dict[str, Any]]) -> str:
    """One row per unit (counts and shares per predikat, result, pattern, violations,
    calibrations), then the organisation's totals (unit code ``*``)."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(["unit_code", "unit_name", "unit_result", "pattern", "employees", "rated",
                     *[f"{p.lower()}_{kind}" for p in PREDIKATS for kind in ("count", "share")],
                     "violations", "calibrations"])
    for unit in units:
        writer.writerow([unit["unit_code"], unit["unit_name"], unit["unit_result"] or "", unit["pattern"],
                         unit["employees"], unit["rated"],
                         *[value for p in PREDIKATS for value in (unit["counts"][p], unit["shares"][p])],
                         " | ".join(unit["violations"]), len(unit["calibrations"])])
    total = organisation_row(units)
    writer.writerow(["*", "Organisasi", "", "", total["employees"], total["rated"],
                     *[value for p in PREDIKATS for value in (total["counts"][p], total["shares"][p])],
                     f"{total['units_breaking_pattern']} unit", total["calibrations"]])
    return output.getvalue()


@task
def render_chart(units: list[dict[str, Any]], title: str) -> bytes:
    """Stacked horizontal bars of each unit's predikat shares; units breaking their pattern marked with "!"."""
    import matplotlib

    matplotlib.use("Agg")  # no display: the chart is a file
    from matplotlib import pyplot

    labels = [f"{'! ' if unit['violations'] else ''}{unit['unit_name']}" for unit in units]
    figure, axes = pyplot.subplots(figsize=(9, 1.5 + 0.3 * max(len(units), 1)))
    left = [0.0] * len(units)
    for predikat in PREDIKATS:
        shares = [unit["shares"][predikat] for unit in units]
        axes.barh(labels, shares, left=left, color=PREDIKAT_COLOURS[predikat], label=PREDIKAT_LABELS[predikat])
        left = [a + b for a, b in zip(left, shares)]
    axes.set_xlim(0, 1)
    axes.invert_yaxis()
    axes.set_xlabel("porsi pegawai yang dinilai")  # the stored chart speaks Indonesian, the reports' language
    axes.set_title(title)
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.02 + 0.6 / max(len(units), 1)), ncol=5, fontsize="small")
    figure.tight_layout()
    output = io.BytesIO()
    figure.savefig(output, format="png", dpi=100)
    pyplot.close(figure)
    return output.getvalue()


@flow(name="predikat-report", log_prints=True)
def predikat_report(cycle_id: int, actor: str = "hr", database_url: Optional[str] = None) -> dict[str, Any]:
    """Compute the cycle's distribution per unit, export it, store the report; return its id and
    the units breaking their pattern."""
    kinerja = kinerja_for(database_url)
    units = predikat_distribution(kinerja, Operator(actor), cycle_id)
    year = cycle_info(kinerja, Operator(actor), cycle_id)["year"]
    report_id = save_report(kinerja, Operator(actor), cycle_id, units, render_csv(units),
                            render_chart(units, f"Sebaran predikat kinerja per unit kerja, tahun {year}"))
    flagged = {unit["unit_code"]: unit["violations"] for unit in units if unit["violations"]}
    print(f"report {report_id} of cycle {cycle_id}: {len(units)} units, {len(flagged)} breaking their pattern")
    return {"report_id": report_id, "units": len(units), "flagged": flagged}
