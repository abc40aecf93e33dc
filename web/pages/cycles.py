"""HR's cycle pages: open the year's cycle for the whole organisation and watch it fill up;
ask for the predikat-distribution report and download its CSV and chart.

Opening answers at once: the open-cycle flow runs in the background (Prefect), and the
cycle page refreshes itself (a plain ``<meta http-equiv="refresh">``, no script) while
the run is queued or running, showing "1 234 / 5 000 dimulai" from the database.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.access import UserProfile, user_profile
from engine.assignment import ROLE_HR
from engine.errors import Forbidden, NotFound
from engine.reports import PREDIKATS, cycle_reports, report_export

from .. import flows
from ..auth import current_username, login_required
from . import blueprint, engine

PROCESS_KEY = "evaluation_cycle"
UNFINISHED = ("queued", "running")
REFRESH_SECONDS = 3


def _hr() -> UserProfile:
    """The signed-in HR user's profile; anyone else is refused."""
    profile = user_profile(engine(), current_username())
    if ROLE_HR not in profile.roles:
        raise Forbidden("only HR opens and follows an organisation's cycles")
    return profile


@blueprint.get("/cycles")
@login_required
def cycles():  # type: ignore[no-untyped-def]
    profile = _hr()
    return render_template("cycles.html", cycles=engine().organisation_cycles(profile.organisation_code),
                           this_year=datetime.now().year)


@blueprint.post("/cycles")
@login_required
def open_cycle():  # type: ignore[no-untyped-def]
    profile = _hr()
    year_text = (request.form.get("year") or "").strip()
    if not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4) or not 2000 <= int(year_text) <= 2100:
        flash(_("Tahun harus antara 2000 dan 2100."), "error")
        return redirect(url_for("pages.cycles"), code=303)
    cycle_id = flows.open_cycle(profile.organisation_code, int(year_text), PROCESS_KEY, profile.username)
    flash(_("Pembukaan siklus %(year)s dimulai untuk seluruh pegawai.", year=year_text), "success")
    return redirect(url_for("pages.cycle_page", cycle_id=cycle_id), code=303)


def _own_cycle(profile: UserProfile, cycle_id: int) -> dict[str, Any]:
    """The cycle, if it belongs to the HR user's organisation (else: not found)."""
    info: dict[str, Any] = engine().cycle_info(cycle_id)
    if info["organisation"] != profile.organisation_code:
        raise NotFound(f"cycle {cycle_id} does not exist")
    return info


@blueprint.get("/cycles/<int:cycle_id>")
@login_required
def cycle_page(cycle_id: int):  # type: ignore[no-untyped-def]
    info = _own_cycle(_hr(), cycle_id)
    run = info["latest_run"]
    running = run is not None and run["status"] in UNFINISHED
    failed = sum(len(failure["employee_ids"]) for failure in run["failures"]) if run else 0
    return render_template("cycle.html", cycle=info, run=run, running=running, failed=failed,
                           refresh_seconds=REFRESH_SECONDS if running else None,
                           reports=cycle_reports(engine(), cycle_id), predikats=PREDIKATS)


@blueprint.post("/cycles/<int:cycle_id>/reports")
@login_required
def request_report(cycle_id: int):  # type: ignore[no-untyped-def]
    profile = _hr()
    _own_cycle(profile, cycle_id)
    flows.request_report(cycle_id, profile.username)
    flash(_("Laporan distribusi sedang dibuat. Muat ulang halaman ini sebentar lagi."), "success")
    return redirect(url_for("pages.cycle_page", cycle_id=cycle_id), code=303)


@blueprint.get("/reports/<int:report_id>.<any(csv, png):kind>")
@login_required
def report_file(report_id: int, kind: str):  # type: ignore[no-untyped-def]
    profile = _hr()
    cycle_id, csv, png = report_export(engine(), report_id)
    _own_cycle(profile, cycle_id)
    name = f"laporan-distribusi-{cycle_id}-{report_id}.{kind}"
    body, mimetype = (csv.encode("utf-8"), "text/csv; charset=utf-8") if kind == "csv" else (png, "image/png")
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
