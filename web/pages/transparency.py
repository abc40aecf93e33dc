"""The public transparency page: aggregate figures per organisation and unit, no login."""
from __future__ import annotations

from flask import render_template

from engine.transparency import MIN_GROUP, transparency

from . import blueprint, engine


@blueprint.get("/public/<organisation>/transparency")
def transparency_page(organisation: str):  # type: ignore[no-untyped-def]
    return render_template("transparency.html", data=transparency(engine(), organisation), min_group=MIN_GROUP)
