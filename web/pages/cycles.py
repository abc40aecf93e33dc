"""HR's cycle pages: open the year's cycle for the whole organisation and watch it fill up;
ask for the predikat-distribution report and download its CSV and chart; download every
document of the cycle (or of one unit) as one ZIP.

Opening answers at once: the open-cycle flow runs in the background (Prefect), and the
cycle page refreshes itself (a plain ``<meta http-equiv="refresh">``, no script) while
the run is queued or running, showing "1 234 / 5 000 dimulai" from the database.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.calibration import unit_overview
from engine.calibration_state import STATUS_LABELS
from engine.cascade import cascade_units
from engine.cycles import cycle_info, organisation_cycles
from engine.document_bundles import bundle_download, cycle_bundles
from engine.distribution import PREDIKAT_LABELS
from engine.periods import PLAN_CHOICES, QUARTERLY
from engine.permissions import RUN_CYCLES
from engine.reports import PREDIKATS, cycle_reports, report_export, report_pending
from engine.skp import organisation_goals
from engine.vocabulary import DEFAULT_PROCESS

from .. import flows
from ..auth import current_username, permission_required
from ..documents import verify_base, zip_response
from ..engine_access import kinerja
from .common import blueprint

UNFINISHED = ("queued", "running")
REFRESH_SECONDS = 3


@blueprint.get("/cycles")
@permission_required(RUN_CYCLES)
def cycles():  # type: ignore[no-untyped-def]
    return render_template("cycles.html", cycles=organisation_cycles(kinerja(), current_username()),
                           this_year=datetime.now().year)


@blueprint.post("/cycles")
@permission_required(RUN_CYCLES)
def open_cycle():  # type: ignore[no-untyped-def]
    year_text = (request.form.get("year") or "").strip()
    if not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4) or not 2000 <= int(year_text) <= 2100:
        flash(_("Tahun harus antara 2000 dan 2100."), "error")
        return redirect(url_for("pages.cycles"), code=303)
    plan = request.form.get("periods") or QUARTERLY
    if plan not in PLAN_CHOICES:
        flash(_("Pilih rencana periode: triwulanan atau bulanan."), "error")
        return redirect(url_for("pages.cycles"), code=303)
    cycle_id = flows.open_cycle(g.user.organisation_code, int(year_text), DEFAULT_PROCESS, current_username(),
                                {"periods": plan})
    flash(_("Pembukaan siklus %(year)s dimulai untuk seluruh pegawai.", year=year_text), "success")
    return redirect(url_for("pages.cycle_page", cycle_id=cycle_id), code=303)


@blueprint.get("/cycles/<int:cycle_id>")
@permission_required(RUN_CYCLES)
def cycle_page(cycle_id: int):  # type: ignore[no-untyped-def]
    return render_cycle_page(cycle_id)


def render_cycle_page(cycle_id: int, status: int = 200, goals_text: Optional[str] = None,
                      goals_error: Optional[str] = None) -> tuple[str, int]:
    """The cycle page; ``goals_text`` and ``goals_error``: the goals form as sent, refused."""
    username = current_username()
    info = cycle_info(kinerja(), username, cycle_id)
    run = info["latest_run"]
    running = run is not None and run["status"] in UNFINISHED
    failed = sum(len(failure["employee_ids"]) for failure in run["failures"]) if run else 0
    goals = [goal.label for goal in organisation_goals(kinerja(), username, cycle_id)]
    bundles = cycle_bundles(kinerja(), username, cycle_id)
    building = any(bundle.status in UNFINISHED for bundle in bundles)
    reporting = report_pending(kinerja(), username, cycle_id)
    return render_template("cycle.html", cycle=info, run=run, running=running, failed=failed, bundles=bundles,
                           reporting=reporting,
                           refresh_seconds=REFRESH_SECONDS if (running or building or reporting) and status == 200
                           else None,
                           reports=cycle_reports(kinerja(), username, cycle_id), predikats=PREDIKATS, predikat_labels=PREDIKAT_LABELS,
                           goals=goals, goals_text="\n".join(goals) if goals_text is None else goals_text,
                           goals_error=goals_error, units=cascade_units(kinerja(), username),
                           calibration_units=unit_overview(kinerja(), username, cycle_id),
                           status_labels=STATUS_LABELS), status


@blueprint.post("/cycles/<int:cycle_id>/reports")
@permission_required(RUN_CYCLES)
def request_report(cycle_id: int):  # type: ignore[no-untyped-def]
    flows.request_report(cycle_id, current_username())
    flash(_("Laporan distribusi sedang dibuat; halaman ini menampilkannya begitu selesai."), "success")
    return redirect(url_for("pages.cycle_page", cycle_id=cycle_id), code=303)


@blueprint.get("/reports/<int:report_id>.<any(csv, png):kind>")
@permission_required(RUN_CYCLES)
def report_file(report_id: int, kind: str):  # type: ignore[no-untyped-def]
    cycle_id, csv, png = report_export(kinerja(), current_username(), report_id)
    name = f"laporan-distribusi-{cycle_id}-{report_id}.{kind}"
    body, mimetype = (csv.encode("utf-8"), "text/csv; charset=utf-8") if kind == "csv" else (png, "image/png")
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blueprint.post("/cycles/<int:cycle_id>/documents")
@permission_required(RUN_CYCLES)
def request_documents(cycle_id: int):  # type: ignore[no-untyped-def]
    unit_text = (request.form.get("unit") or "").strip()
    if unit_text and not (unit_text.isascii() and unit_text.isdigit()):
        flash(_("Pilih unit kerja dari daftar."), "error")
        return redirect(url_for("pages.cycle_page", cycle_id=cycle_id), code=303)
    flows.request_documents(cycle_id, int(unit_text) if unit_text else None, current_username(), verify_base())
    flash(_("Dokumen sedang disiapkan. Halaman ini menunjukkan kemajuannya."), "success")
    return redirect(url_for("pages.cycle_page", cycle_id=cycle_id, _anchor="documents-heading"), code=303)


@blueprint.get("/document-bundles/<int:bundle_id>.zip")
@permission_required(RUN_CYCLES)
def document_bundle_file(bundle_id: int):  # type: ignore[no-untyped-def]
    return zip_response(*bundle_download(kinerja(), current_username(), bundle_id))
