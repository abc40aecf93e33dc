"""What every page module shares: the blueprint, safe redirects, the template helpers."""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, g, redirect, request, url_for
from werkzeug.wrappers import Response

from engine.errors import KinerjaError
from engine.inbox import task_counts
from engine.notification_groups import unread_groups

from ..engine_access import kinerja
from ..forms import tr
from ..security import local_path

blueprint = Blueprint("pages", __name__)


def safe_next(default: str) -> str:
    """The local URL in the ``next`` field or parameter, never another site; else ``default``."""
    return local_path(request.form.get("next") or request.args.get("next")) or default


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
                g.inbox_counts = task_counts(kinerja(), g.username)
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
        if g.get("username") is None:
            return 0
        try:
            return unread_groups(kinerja(), g.username)
        except KinerjaError:  # an error page while the database is unavailable still renders
            return 0

    return {"inbox_counts": counts, "lang_url": lang_url, "tr": tr, "unread_notifications": unread}


@blueprint.get("/")
def home():  # type: ignore[no-untyped-def]
    return redirect(url_for("pages.inbox"))
