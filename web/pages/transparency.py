"""The public transparency page: aggregate figures per organisation and unit, no login."""
from __future__ import annotations

from flask import render_template

from engine.transparency import MIN_GROUP, transparency

from ..engine_access import kinerja
from .common import blueprint


@blueprint.get("/public/<organisation>/transparency")
def transparency_page(organisation: str):  # type: ignore[no-untyped-def]
    return render_template("transparency.html", data=transparency(kinerja(), organisation), min_group=MIN_GROUP)
