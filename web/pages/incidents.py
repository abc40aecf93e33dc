"""HR's incidents page: the steps that failed at run time, retried (one, or the ones ticked)
once the cause is fixed, or ended by cancelling the instance with a reason.

Retrying the ticked ones runs in the background (the retry-incidents flow, see
:mod:`web.flows`); the page shows the latest batches' progress and refreshes itself (a plain
``<meta http-equiv="refresh">``, as the cycle page does) while one is queued or running.
The use cases are :mod:`engine.incidents` and :mod:`engine.incident_batches`; this page
parses, calls and renders.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.incident_batches import recent_batches
from engine.incidents import MAX_BATCH, cancel_instance, list_incidents, retry_incident
from engine.permissions import MANAGE_INCIDENTS

from .. import flows
from ..auth import current_username, permission_required
from ..engine_access import kinerja
from .common import blueprint

STATUSES = ("open", "resolved", "cancelled")
UNFINISHED = ("queued", "running")
REFRESH_SECONDS = 3


@blueprint.get("/insiden")
@permission_required(MANAGE_INCIDENTS)
def incidents_page():  # type: ignore[no-untyped-def]
    status = request.args.get("status", "open")
    status = status if status in STATUSES else "open"
    cycle_text = request.args.get("cycle_id", "")
    cycle_id = int(cycle_text) if cycle_text.isdigit() and len(cycle_text) < 10 else None
    batches = recent_batches(kinerja(), current_username())
    running = any(batch.status in UNFINISHED for batch in batches)
    return render_template("incidents.html", status=status, cycle_id=cycle_id, statuses=STATUSES,
                           incidents=list_incidents(kinerja(), current_username(), status=status, cycle_id=cycle_id),
                           batches=batches, refresh_seconds=REFRESH_SECONDS if running else None)


@blueprint.post("/insiden/ulang")
@permission_required(MANAGE_INCIDENTS)
def retry_incidents_page():  # type: ignore[no-untyped-def]
    chosen = [int(value) for value in request.form.getlist("incident_id") if value.isdigit() and len(value) < 10]
    if not chosen:
        flash(_("Pilih insiden yang akan dicoba ulang."), "error")
    elif len(chosen) > MAX_BATCH:
        flash(_("Paling banyak %(count)d insiden sekali coba ulang.", count=MAX_BATCH), "error")
    else:
        batch = flows.retry_incidents(chosen, current_username())
        flash(_("%(count)d insiden sedang dicoba ulang di latar belakang; kemajuannya tampil di halaman ini.",
                count=batch.total), "success")
    return redirect(url_for("pages.incidents_page"), code=303)


@blueprint.post("/insiden/<int:incident_id>/ulang")
@permission_required(MANAGE_INCIDENTS)
def retry_incident_page(incident_id: int):  # type: ignore[no-untyped-def]
    outcome = retry_incident(kinerja(), current_username(), incident_id)
    if outcome.resolved:
        flash(_("Insiden selesai: langkah berhasil dijalankan ulang."), "success")
    else:
        flash(_("Langkah masih gagal: %(message)s", message=outcome.message), "error")
    return redirect(url_for("pages.incidents_page"), code=303)


@blueprint.post("/instans/<int:instance_id>/batalkan")
@permission_required(MANAGE_INCIDENTS)
def cancel_instance_page(instance_id: int):  # type: ignore[no-untyped-def]
    cancel_instance(kinerja(), current_username(), instance_id, request.form.get("reason", ""))
    flash(_("Instans dibatalkan; alasannya tercatat dalam jejak audit."), "success")
    return redirect(url_for("pages.incidents_page"), code=303)
