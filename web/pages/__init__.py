"""HTML pages: the inbox, task pages, the employee's own cycle and the auditor's views.

Thin: parse the request, call the engine (which authorises and raises ``NotFound`` /
``Forbidden`` / ``Conflict``, mapped to pages by :mod:`web.errors`), render.

URL map (all but ``/login`` need a session):

=====================================  ======================================================
``GET  /``                             → ``/inbox``
``GET  /inbox``                        ``?scope=mine|group&unit=&cycle=&task_key=&q=``
``GET  /tasks/<id>``                   task page: employee, context, history, form
``POST /tasks/<id>``                   submit the form (422 with messages when invalid)
``POST /tasks/<id>/claim|unclaim``     ``next`` (optional local URL) → redirect back
``POST /tasks/<id>/delegate``          ``to`` (one of the task's delegates) and ``reason``
``GET  /my-cycle``                     the employee's own cycles
``GET  /audit…``                       the auditor's pages (see :mod:`web.pages.audit`)
``GET  /cycles``, ``POST /cycles``      HR: the organisation's cycles; open one (``year``)
``GET  /cycles/<id>``                   HR: progress of the cycle's opening (refreshes itself), reports
``POST /cycles/<id>/reports``           HR: make a predikat-distribution report (Prefect flow)
``GET  /reports/<id>.csv|.png``        HR: a report's exports
=====================================  ======================================================
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, g, redirect, request, url_for
from werkzeug.wrappers import Response

from engine.errors import KinerjaError
from engine.inbox import task_counts
from engine.notifications import unread_count

from ..forms import tr

blueprint = Blueprint("pages", __name__)


def engine():  # type: ignore[no-untyped-def]
    from .. import kinerja

    return kinerja()


def safe_next(default: str) -> str:
    """The local URL in the ``next`` field or parameter, never another site; else ``default``."""
    target = request.form.get("next") or request.args.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def redirect_back(default: str) -> Response:
    return redirect(safe_next(default), code=303)


@blueprint.app_context_processor
def _template_helpers() -> dict[str, Any]:
    """``inbox_counts()`` for the header badge (signed-in users only), ``lang_url(code)`` for
    the language switch, ``tr(text)`` for texts that come from definitions."""

    def counts() -> Optional[Any]:
        if g.get("username") is None:
            return None
        if "inbox_counts" not in g:
            try:
                g.inbox_counts = task_counts(engine(), g.username)
            except KinerjaError:
                g.inbox_counts = None
        return g.inbox_counts

    def lang_url(code: str) -> str:
        args = {**request.args.to_dict(), "lang": code}
        if request.method == "GET" and request.endpoint and request.url_rule is not None:
            try:
                return url_for(request.endpoint, **(request.view_args or {}), **args)
            except Exception:  # noqa: BLE001 - an unusual rule: fall back to a relative link
                pass
        return request.path + "?lang=" + code

    def unread() -> int:
        return unread_count(engine(), g.username) if g.get("username") else 0

    return {"inbox_counts": counts, "lang_url": lang_url, "tr": tr, "unread_notifications": unread}


@blueprint.get("/")
def home():  # type: ignore[no-untyped-def]
    return redirect(url_for("pages.inbox"))


from . import audit, cycles, feedback, inbox, my_cycle, notifications, processes, tasks, transparency  # noqa: E402,F401  (views register on the blueprint)
