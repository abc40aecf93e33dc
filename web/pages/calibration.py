"""The calibration pages (HR and PPK): each unit of a cycle with its status, and one unit's
page — its result, the pattern in words, actual shares against the rule, the violations,
each employee's proposed predikat with a select and a reason to move it, and "Tetapkan
final". HR also starts the unit-result step from the cycle page here.

The engine decides and refuses (:mod:`engine.calibration`); a refused form comes back with
the message next to its field (422), a unit that cannot be final yet with its reasons (409).
"""
from __future__ import annotations

from typing import Any, Optional

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.calibration import calibrate_predikat, calibration_cycles, finalise_unit, unit_calibration, unit_overview
from engine.calibration_state import STATUS_LABELS
from engine.distribution import PREDIKAT_LABELS
from engine.errors import Conflict, ValidationFailed
from engine.evaluation_tables import PREDIKATS
from engine.permissions import CALIBRATE, RUN_CYCLES
from engine.unit_results import start_unit_results

from ..auth import current_username, permission_required
from ..engine_access import kinerja
from ..texts import N_
from .common import blueprint

# Labels the engine gives in Indonesian and the templates translate (unit results, statuses).
LABELS = (N_("Istimewa"), N_("Baik"), N_("Butuh Perbaikan/Cukup"), N_("Kurang"), N_("Sangat Kurang"),
          N_("belum ada hasil unit"), N_("belum lengkap"), N_("melanggar pola"), N_("siap"), N_("final"))


@blueprint.get("/calibration")
@permission_required(CALIBRATE)
def calibration_cycles_page():  # type: ignore[no-untyped-def]
    return render_template("calibration_cycles.html", cycles=calibration_cycles(kinerja(), current_username()))


@blueprint.get("/cycles/<int:cycle_id>/calibration")
@permission_required(CALIBRATE)
def calibration_overview(cycle_id: int):  # type: ignore[no-untyped-def]
    return render_template("calibration_units.html", cycle_id=cycle_id, status_labels=STATUS_LABELS,
                           units=unit_overview(kinerja(), current_username(), cycle_id))


@blueprint.post("/cycles/<int:cycle_id>/unit-results")
@permission_required(RUN_CYCLES)
def start_unit_results_page(cycle_id: int):  # type: ignore[no-untyped-def]
    started = start_unit_results(kinerja(), current_username(), cycle_id)
    flash(_("Penetapan capaian kinerja dimulai untuk %(count)s unit.", count=len(started)), "success")
    return redirect(url_for("pages.cycle_page", cycle_id=cycle_id), code=303)


@blueprint.get("/cycles/<int:cycle_id>/units/<int:unit_id>/calibration")
@permission_required(CALIBRATE)
def calibration_page(cycle_id: int, unit_id: int):  # type: ignore[no-untyped-def]
    return render_unit(cycle_id, unit_id)


@blueprint.post("/cycles/<int:cycle_id>/units/<int:unit_id>/calibration/<int:evaluation_id>")
@permission_required(CALIBRATE)
def calibrate(cycle_id: int, unit_id: int, evaluation_id: int):  # type: ignore[no-untyped-def]
    predikat, reason = request.form.get("predikat", ""), request.form.get("reason", "")
    try:
        calibrate_predikat(kinerja(), current_username(), evaluation_id, predikat, reason)
    except ValidationFailed as refused:
        return render_unit(cycle_id, unit_id, 422, row_error=(evaluation_id, _message(refused)),
                           sent={"predikat": predikat, "reason": reason, "evaluation_id": evaluation_id})
    except Conflict as refused:
        return render_unit(cycle_id, unit_id, 409, row_error=(evaluation_id, refused.message))
    flash(_("Predikat dikalibrasi."), "success")
    return redirect(url_for("pages.calibration_page", cycle_id=cycle_id, unit_id=unit_id), code=303)


@blueprint.post("/cycles/<int:cycle_id>/units/<int:unit_id>/finalise")
@permission_required(CALIBRATE)
def finalise(cycle_id: int, unit_id: int):  # type: ignore[no-untyped-def]
    exception = (request.form.get("exception_reason") or "").strip() or None
    try:
        finalise_unit(kinerja(), current_username(), cycle_id, unit_id, exception)
    except ValidationFailed as refused:
        return render_unit(cycle_id, unit_id, 422, finalise_errors=[_message(refused)])
    except Conflict as refused:
        reasons = [reason["message"] for reason in (refused.details or {}).get("reasons", [])]
        return render_unit(cycle_id, unit_id, 409, finalise_errors=reasons or [refused.message])
    flash(_("Predikat unit ditetapkan final."), "success")
    return redirect(url_for("pages.calibration_page", cycle_id=cycle_id, unit_id=unit_id), code=303)


def render_unit(cycle_id: int, unit_id: int, status: int = 200, row_error: Optional[tuple[int, str]] = None,
                sent: Optional[dict[str, Any]] = None, finalise_errors: Optional[list[str]] = None) -> tuple[str, int]:
    """The unit's calibration page; a refused form comes back with its message."""
    state = unit_calibration(kinerja(), current_username(), cycle_id, unit_id)
    return render_template("calibration.html", cycle_id=cycle_id, unit=state, predikats=PREDIKATS,
                           predikat_labels=PREDIKAT_LABELS, status_labels=STATUS_LABELS, row_error=row_error,
                           sent=sent or {}, finalise_errors=finalise_errors or []), status


def _message(refused: ValidationFailed) -> str:
    """The Indonesian message of a refused field (the engine's details), else its message."""
    details = refused.details if isinstance(refused.details, list) else []
    return details[0]["message"] if details else refused.message
