"""HR's "Mutasi dan Plt" page: the organisation's transfers, leavings and acting officials,
with a form for each (``GET /pegawai/mutasi``; ``POST /pegawai/mutasi/<kind>``).

The page parses the form and calls the use case of :mod:`engine.org_moves` or
:mod:`engine.acting`, which decides who may and what is wrong; a refusal shows the page
again (422) with the field's message beside the form it came from.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Callable, Optional

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.acting import appoint_acting, staffing_records
from engine.errors import ValidationFailed
from engine.org_moves import move_employee, record_leaving
from engine.org_moves_tables import ACTING_KINDS, LEAVING_KINDS
from engine.permissions import MANAGE_STAFFING

from ..auth import current_username, permission_required
from ..engine_access import kinerja
from .common import blueprint


def leaving_labels() -> dict[str, str]:
    return {"pensiun": _("Pensiun"), "berhenti": _("Berhenti"), "meninggal": _("Meninggal dunia"),
            "pindah_instansi": _("Pindah instansi")}


def _day(name: str) -> date:
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        raise ValidationFailed(f"{name}: a date YYYY-MM-DD", details=[{"field": name, "message": "tanggal tidak sah"}])


def _recorders() -> dict[str, Callable[[], Any]]:
    form, who = request.form, current_username()
    return {
        "pindah": lambda: move_employee(kinerja(), who, form.get("nip", ""), form.get("unit", ""),
                                        form.get("supervisor") or None, _day("effective_date"), form.get("reason", "")),
        "berhenti": lambda: record_leaving(kinerja(), who, form.get("nip", ""), _day("effective_date"),
                                           form.get("kind", ""), form.get("reason", "")),
        "plt": lambda: appoint_acting(kinerja(), who, form.get("acting", ""), form.get("for", ""),
                                      form.get("kind", ""), _day("starts_on"), _day("ends_on"), form.get("reason", "")),
    }


def _page(form: Optional[str] = None, error: Optional[ValidationFailed] = None, status: int = 200) -> Any:
    problem = (error.details or [{}])[0] if error is not None else {}
    return render_template("staffing.html", records=staffing_records(kinerja(), current_username(),
                                                                     g.user.organisation_code),
                           leaving_kinds=LEAVING_KINDS, acting_kinds=ACTING_KINDS, leaving_labels=leaving_labels(),
                           kind_labels={"mutasi": _("Mutasi"), "berhenti": _("Berhenti"), "plt": "Plt", "plh": "Plh"},
                           failed_form=form, problem=problem, values=request.form if error else {}), status


@blueprint.get("/pegawai/mutasi")
@permission_required(MANAGE_STAFFING)
def staffing_page():  # type: ignore[no-untyped-def]
    return _page()


@blueprint.post("/pegawai/mutasi/<any(pindah, berhenti, plt):kind>")
@permission_required(MANAGE_STAFFING)
def record_staffing(kind: str):  # type: ignore[no-untyped-def]
    try:
        _recorders()[kind]()
    except ValidationFailed as refused:
        return _page(kind, refused, 422)
    flash({"pindah": _("Mutasi dicatat; tugas terbuka dialihkan ke atasan baru."),
           "berhenti": _("Pemberhentian dicatat; proses pegawai dibatalkan."),
           "plt": _("Pejabat Plt/Plh ditetapkan.")}[kind], "success")
    return redirect(url_for("pages.staffing_page"), code=303)
