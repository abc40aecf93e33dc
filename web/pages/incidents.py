"""HR's incidents page: the steps that failed at run time, retried (one, or the ones ticked)
once the cause is fixed, or ended by cancelling the instance with a reason.

The use cases are :mod:`engine.incidents`; this page parses, calls and renders.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.incidents import MAX_BATCH, cancel_instance, list_incidents, retry_incident, retry_incidents
from engine.permissions import MANAGE_INCIDENTS

from ..auth import current_username, permission_required
from ..engine_access import kinerja
from .common import blueprint

STATUSES = ("open", "resolved", "cancelled")


@blueprint.get("/insiden")
@permission_required(MANAGE_INCIDENTS)
def incidents_page():  # type: ignore[no-untyped-def]
    status = request.args.get("status", "open")
    status = status if status in STATUSES else "open"
    cycle_text = request.args.get("cycle_id", "")
    cycle_id = int(cycle_text) if cycle_text.isdigit() and len(cycle_text) < 10 else None
    return render_template("incidents.html", status=status, cycle_id=cycle_id, statuses=STATUSES,
                           incidents=list_incidents(kinerja(), current_username(), status=status, cycle_id=cycle_id))


@blueprint.post("/insiden/ulang")
@permission_required(MANAGE_INCIDENTS)
def retry_incidents_page():  # type: ignore[no-untyped-def]
    chosen = [int(value) for value in request.form.getlist("incident_id") if value.isdigit() and len(value) < 10]
    if not chosen:
        flash(_("Pilih insiden yang akan dicoba ulang."), "error")
    elif len(chosen) > MAX_BATCH:
        flash(_("Paling banyak %(count)d insiden sekali coba ulang.", count=MAX_BATCH), "error")
    else:
        outcomes = retry_incidents(kinerja(), current_username(), chosen)
        resolved = sum(1 for outcome in outcomes if outcome.resolved)
        flash(_("%(resolved)d dari %(total)d insiden selesai setelah dicoba ulang.", resolved=resolved,
                total=len(outcomes)), "success" if resolved == len(outcomes) else "error")
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
