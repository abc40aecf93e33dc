"""The cascade pages ("Matriks peran hasil"): the units whose matrix the user reads, one
unit's tree of RHK (who intervenes whose RHK, who has no agreed SKP yet), its CSV, and the
organisation's goals of a cycle that HR keeps on the cycle page.

Who may read what is the engine's (:mod:`engine.cascade`); these views parse, call, render.
"""
from __future__ import annotations

import csv
import io
from typing import Iterator, Optional

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.cascade import CascadeRhk, CascadeView, cascade_units, unit_cascade
from engine.errors import Conflict, ValidationFailed
from engine.permissions import RUN_CYCLES
from engine.skp import set_organisation_goals

from ..auth import current_username, login_required, permission_required
from ..engine_access import kinerja
from .common import blueprint
from .cycles import render_cycle_page

CSV_COLUMNS = ("unit", "atasan", "RHK atasan", "pegawai", "NIP", "jenis RHK", "RHK")
CSV_STATUS = {"none": "belum ada SKP", "draft": "SKP masih draf", "submitted": "SKP diajukan, menunggu persetujuan",
              "returned": "SKP dikembalikan untuk diperbaiki"}


@blueprint.get("/cascade")
@login_required
def cascade_units_page():  # type: ignore[no-untyped-def]
    return render_template("cascade_units.html", units=cascade_units(kinerja(), current_username()))


@blueprint.get("/units/<unit_code>/cascade")
@login_required
def cascade_page(unit_code: str):  # type: ignore[no-untyped-def]
    return render_template("cascade.html", view=unit_cascade(kinerja(), current_username(), unit_code,
                                                              _cycle_argument()))


@blueprint.get("/units/<unit_code>/cascade.csv")
@login_required
def cascade_csv(unit_code: str):  # type: ignore[no-untyped-def]
    view = unit_cascade(kinerja(), current_username(), unit_code, _cycle_argument())
    output = io.StringIO()
    output.write("\ufeff")  # a byte-order mark: Excel then reads the file as UTF-8
    writer = csv.writer(output)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(view))
    name = f"matriks-peran-hasil-{view.unit_code}-{view.year}.csv"
    return Response(output.getvalue().encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def csv_rows(view: CascadeView) -> Iterator[list[str]]:
    """One row per RHK under what it intervenes (the heads' RHK under the goals or their
    supervisor's RHK), then the RHK that hang nowhere, then one row per employee without an
    agreed SKP."""
    for top in view.tops:
        for rhk in top.rhk:
            yield from _rows(view.unit_name, top.owner or "", top.text or "", rhk)
    for loose in view.loose:
        yield [view.unit_name, "", loose.intervenes or "", loose.rhk.employee, loose.rhk.nip, loose.rhk.kind,
               loose.rhk.text]
    for member in view.missing:
        yield [view.unit_name, member.supervisor or "", "", member.name, member.nip, "", CSV_STATUS[member.status]]


def _rows(unit: str, owner: str, parent: str, rhk: CascadeRhk) -> Iterator[list[str]]:
    yield [unit, owner, parent, rhk.employee, rhk.nip, rhk.kind, rhk.text]
    for child in rhk.children:
        yield from _rows(unit, rhk.employee, rhk.text, child)


def _cycle_argument() -> Optional[int]:
    text = request.args.get("cycle")
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        abort(400, description=_("Parameter siklus harus berupa nomor siklus."))
    return int(text)


@blueprint.post("/cycles/<int:cycle_id>/goals")
@permission_required(RUN_CYCLES)
def save_goals(cycle_id: int):  # type: ignore[no-untyped-def]
    """HR's goals of the cycle, one per line (422 or 409 with the message next to the field)."""
    text = request.form.get("goals", "")
    try:
        set_organisation_goals(kinerja(), current_username(), cycle_id, text.splitlines())
    except ValidationFailed as refused:
        return render_cycle_page(cycle_id, status=422, goals_text=text, goals_error=refused.message)
    except Conflict as refused:
        return render_cycle_page(cycle_id, status=409, goals_text=text, goals_error=refused.message)
    flash(_("Sasaran organisasi disimpan."), "success")
    return redirect(url_for("pages.cycle_page", cycle_id=cycle_id), code=303)
