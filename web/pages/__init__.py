"""HTML pages: the inbox, task pages and the employee's own cycle."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from ..auth import current_username, login_required

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def home():  # type: ignore[no-untyped-def]
    return redirect(url_for("pages.inbox"))


@blueprint.get("/inbox")
@login_required
def inbox():  # type: ignore[no-untyped-def]
    from engine.inbox import list_tasks

    from .. import kinerja

    return render_template("inbox.html", tasks=list_tasks(kinerja(), current_username()))
