"""The inbox: my tasks and the group tasks I may claim, with filters and counts."""
from __future__ import annotations

from typing import Any, Optional

from flask import g, render_template, request

from engine.inbox import InboxFilter, list_tasks, task_counts

from ..auth import current_username, login_required
from ..engine_access import kinerja
from ..forms import TASK_NAMES, task_name
from .common import blueprint

SCOPES = ("mine", "group")
PAGE_SIZE = 100


def _int_or_none(text: Optional[str]) -> Optional[int]:
    try:
        return int(text) if text and text.strip() else None
    except ValueError:
        return None


def inbox_filter(args: Any) -> InboxFilter:
    """The filter form's fields (all optional): ``unit``, ``cycle``, ``task_key``, ``q``."""
    return InboxFilter(unit_code=(args.get("unit") or "").strip() or None,
                       cycle_id=_int_or_none(args.get("cycle")),
                       task_key=(args.get("task_key") or "").strip() or None,
                       search=(args.get("q") or "").strip() or None)


@blueprint.get("/inbox")
@login_required
def inbox():  # type: ignore[no-untyped-def]
    scope = request.args.get("scope") if request.args.get("scope") in SCOPES else "mine"
    filters = inbox_filter(request.args)
    username = current_username()
    tasks = list_tasks(kinerja(), username, scope, filters, limit=PAGE_SIZE)  # type: ignore[arg-type]
    counts = g.inbox_counts = task_counts(kinerja(), username)  # the header badge reuses them
    task_types = [(key, task_name(key)) for key in TASK_NAMES]
    filtering = any(value is not None for value in filters.__dict__.values())
    return render_template("inbox.html", tasks=tasks, scope=scope, counts=counts, filters=filters,
                           task_types=task_types, filtering=filtering, page_size=PAGE_SIZE,
                           task_name=task_name)
