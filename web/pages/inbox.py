"""The inbox: my tasks and the group tasks I may claim, with filters, sorting, saved filters
and the bulk action of the tasks whose form allows one (agreeing several SKPs at once)."""
from __future__ import annotations

from typing import Any, Optional

from flask import flash, g, render_template, request, url_for
from flask_babel import gettext as _

from engine.bulk_tasks import complete_many
from engine.errors import ValidationFailed
from engine.inbox import SORTS, InboxFilter, list_tasks, task_counts
from engine.inbox_filters import FILTER_PARAMS, delete_filter, save_filter, saved_filters
from engine.skp import task_skp

from ..auth import current_username, login_required
from ..engine_access import kinerja
from ..errors import refusal_message
from ..forms import TASK_NAMES, task_name
from ..skp_texts import document_labels
from .common import blueprint, redirect_back

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


def view_params(args: Any) -> dict[str, str]:
    """The inbox view the query string asks for (tab, filters, sort), non-empty ones only:
    what sort links, tabs and saved filters carry on."""
    return {key: args.get(key, "").strip() for key in FILTER_PARAMS if (args.get(key) or "").strip()}


@blueprint.get("/inbox")
@login_required
def inbox():  # type: ignore[no-untyped-def]
    scope = request.args.get("scope") if request.args.get("scope") in SCOPES else "mine"
    filters = inbox_filter(request.args)
    sort = request.args.get("sort") or None
    username = current_username()
    tasks = list_tasks(kinerja(), username, scope, filters, limit=PAGE_SIZE, sort=sort)  # type: ignore[arg-type]
    counts = g.inbox_counts = task_counts(kinerja(), username)  # the header badge reuses them
    task_types = [(key, task_name(key)) for key in TASK_NAMES]
    filtering = any(value is not None for value in filters.__dict__.values())
    summaries = {task.id: task_skp(kinerja(), username, task.id) for task in tasks if task.bulk}
    view = view_params(request.args)
    sort_urls = {key: url_for("pages.inbox", **{**view, "sort": key}) for key in SORTS}
    tab_urls = {key: url_for("pages.inbox", **{**view, "scope": key}) for key in SCOPES}
    return render_template("inbox.html", tasks=tasks, scope=scope, counts=counts, filters=filters,
                           task_types=task_types, filtering=filtering, page_size=PAGE_SIZE,
                           task_name=task_name, sort=sort or SORTS[0], sort_urls=sort_urls, tab_urls=tab_urls, view=view,
                           saved=saved_filters(kinerja(), username), summaries=summaries, **document_labels())


@blueprint.post("/inbox/filters")
@login_required
def inbox_filter_save():  # type: ignore[no-untyped-def]
    """Save the view the form carries (hidden fields) under the name the user typed."""
    params = {key: request.form.get(key, "") for key in FILTER_PARAMS}
    saved = save_filter(kinerja(), current_username(), request.form.get("name", ""), params)
    flash(_("Saringan \"%(name)s\" tersimpan.", name=saved.name), "success")
    return redirect_back(url_for("pages.inbox", **saved.params))


@blueprint.post("/inbox/filters/<int:filter_id>/delete")
@login_required
def inbox_filter_delete(filter_id: int):  # type: ignore[no-untyped-def]
    delete_filter(kinerja(), current_username(), filter_id)
    flash(_("Saringan dihapus."), "success")
    return redirect_back(url_for("pages.inbox"))


@blueprint.post("/inbox/bulk")
@login_required
def inbox_bulk():  # type: ignore[no-untyped-def]
    """Complete the selected tasks with their form's bulk answer; say which were done and
    which were refused, by the employee's name."""
    raw = request.form.getlist("task_id")
    if not raw:
        flash(_("Centang minimal satu tugas untuk disetujui."), "error")
        return redirect_back(url_for("pages.inbox"))
    if not all(value.isdigit() for value in raw):
        raise ValidationFailed("task ids are numbers", details=[{"field": "task_id", "message": "a task number"}])
    outcomes = complete_many(kinerja(), current_username(), [int(value) for value in raw], request.form.get("comment"))
    done = [outcome for outcome in outcomes if outcome.completed]
    if done:
        flash(_("%(count)d tugas diselesaikan: %(names)s", count=len(done),
                names=", ".join(o.subject_name or task_name(o.task_name or "") for o in done)), "success")
    for outcome in outcomes:
        if outcome.refusal is not None:
            who = outcome.subject_name or _("tugas %(id)d", id=outcome.task_id)
            flash(_("%(who)s: tidak dapat diselesaikan (%(problem)s)", who=who,
                    problem=refusal_message(outcome.refusal)), "error")
    return redirect_back(url_for("pages.inbox"))
