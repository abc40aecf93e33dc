"""HR's page of the organisation's tunjangan kinerja percentage per predikat in a cycle
(linked from the cycle page): each predikat with the percentage the organisation set or,
left empty, the deployed table's default beside it.

The engine checks and stores (:func:`engine.tunjangan.set_tunjangan_percentages`: 0–100, a
whole number); a refused form comes back as typed with the message next to each predikat
refused (422).
"""
from __future__ import annotations

from typing import Any, Optional

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import ValidationFailed
from engine.evaluation_tables import PREDIKATS
from engine.follow_up import TUNJANGAN_SETTING
from engine.permissions import RUN_CYCLES
from engine.tunjangan import set_tunjangan_percentages, tunjangan_setting

from ..auth import current_username, permission_required
from ..engine_access import kinerja
from ..forms import enum_label, to_number
from .common import blueprint

FIELD = "persen-"  # + the predikat: the form's field of its percentage


@blueprint.get("/cycles/<int:cycle_id>/tunjangan")
@permission_required(RUN_CYCLES)
def tunjangan_page(cycle_id: int):  # type: ignore[no-untyped-def]
    return render_tunjangan(cycle_id)


@blueprint.post("/cycles/<int:cycle_id>/tunjangan")
@permission_required(RUN_CYCLES)
def save_tunjangan(cycle_id: int):  # type: ignore[no-untyped-def]
    typed = {predikat: (request.form.get(FIELD + predikat) or "").strip() for predikat in PREDIKATS}
    try:
        set_tunjangan_percentages(kinerja(), current_username(), cycle_id,
                                  {predikat: to_number(text, integer=True) if text else None
                                   for predikat, text in typed.items()})
    except ValidationFailed as refused:
        wrong = {problem["field"].removeprefix(f"{TUNJANGAN_SETTING}.") for problem in refused.details}
        errors = {predikat: _("Persentase untuk %(predikat)s harus bilangan bulat 0–100.",
                              predikat=enum_label(predikat)) for predikat in PREDIKATS if predikat in wrong}
        return render_tunjangan(cycle_id, typed, errors, status=422)
    flash(_("Persentase tunjangan kinerja disimpan."), "success")
    return redirect(url_for("pages.tunjangan_page", cycle_id=cycle_id), code=303)


def render_tunjangan(cycle_id: int, typed: Optional[dict[str, str]] = None,
                     errors: Optional[dict[str, str]] = None, status: int = 200) -> tuple[str, int]:
    """The page; ``typed`` and ``errors``: the form as sent and the message per predikat refused."""
    setting = tunjangan_setting(kinerja(), current_username(), cycle_id)
    shown: dict[str, Any] = typed if typed is not None else {
        row.predikat: "" if row.percentage is None else str(row.percentage) for row in setting.rows}
    return render_template("tunjangan.html", setting=setting, typed=shown, errors=errors or {}, field=FIELD,
                           enum_label=enum_label), status
