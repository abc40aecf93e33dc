"""The SKP editor: the page of an SKP draft task (the task page hands it over).

Grouped Utama/Tambahan rows, several indicators per RHK, Rencana Aksi per period, the
Perilaku section and the lampiran; "Simpan draf" keeps it (engine.skp.save_skp_draft) and
"Ajukan SKP" completes the task (engine.tasks.complete_task), both checked by the engine
against the form's JSON Schema and the SKP's rules. Rows are added and removed by the
server without JavaScript; the script only asks before a filled row is removed and before
the page is left with unsaved changes.
"""
from __future__ import annotations

import uuid
from typing import Any, Optional

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from engine.errors import Conflict, ValidationFailed
from engine.read_models import TaskDetail
from engine.skp import SkpEditor, save_skp_draft, skp_editor
from engine.skp_tables import ASPECTS, BERAKHLAK, LAMPIRAN_KINDS
from engine.skp_views import BERAKHLAK_VALUES
from engine.tasks import complete_task

from ..auth import current_username
from ..engine_access import kinerja
from ..errors import refusal_message
from ..forms import map_errors
from ..limits import too_large_numbers
from ..skp_form import actions_by_period, apply_row_change, parse_skp_form, row_change
from ..skp_texts import ASPECT_LABELS, LAMPIRAN_LABELS, STATUS_LABELS


def render_editor(detail: TaskDetail, content: Optional[dict[str, Any]] = None,
                  errors: Optional[dict[str, list[str]]] = None, status: int = 200):  # type: ignore[no-untyped-def]
    """The editor of an SKP draft task, with ``content`` as typed (default: as saved)."""
    editor = skp_editor(kinerja(), current_username(), detail.task.id)
    shown = editor.content if content is None else content
    if not shown.get("rhk"):  # one blank RHK utama to start with, so the columns show without a click
        shown = {**shown, "rhk": [{"kind": "utama", "indicators": [{}]}]}
    rows = shown["rhk"]
    context = {
        "detail": detail, "task": detail.task, "editor": editor, "content": shown, "errors": errors or {},
        "rows": [(index, row, actions_by_period(row)) for index, row in enumerate(rows)],
        "has_kind": {kind: any(row.get("kind") == kind for row in rows) for kind in ("utama", "tambahan")},
        "aspects": [(key, _(ASPECT_LABELS[key])) for key in ASPECTS],
        "perilaku": [(key, *BERAKHLAK_VALUES[key]) for key in BERAKHLAK],
        "lampiran": [(kind, _(LAMPIRAN_LABELS[kind]), "\n".join((shown.get("lampiran") or {}).get(kind, [])))
                     for kind in LAMPIRAN_KINDS],
        "status_label": _(STATUS_LABELS.get(editor.status, editor.status)),
        "reference": "sasaran" if editor.parents.top else "intervensi",
        "completion_key": request.form.get("completion_key") or uuid.uuid4().hex,
        "comments": _comments_by_row(editor, rows),
    }
    return render_template("skp_editor.html", **context), status


def _comments_by_row(editor: SkpEditor, rows: list[dict[str, Any]]) -> dict[int, str]:
    """The Pejabat Penilai's comments on a returned SKP, by the row they were made on."""
    return {index: editor.rhk_comments[row["id"]] for index, row in enumerate(rows)
            if isinstance(row.get("id"), int) and row["id"] in editor.rhk_comments}


def submit_editor(detail: TaskDetail):  # type: ignore[no-untyped-def]
    """Save the draft, submit the SKP, or add/remove a row and show the editor again."""
    change = row_change(request.form)
    content = parse_skp_form(request.form, str(get_locale()), keep_empty_rows=change is not None)
    if change is not None:
        return render_editor(detail, apply_row_change(content, change))
    username, task_id = current_username(), detail.task.id
    try:
        if request.form.get("intent") == "draft":
            save_skp_draft(kinerja(), username, task_id, content)
            flash(_("Draf SKP tersimpan. Anda dapat melanjutkannya kapan saja dari kotak tugas."), "success")
            return redirect(url_for("pages.task_page", task_id=task_id), code=303)
        complete_task(kinerja(), username, task_id, content, request.form.get("completion_key") or None)
    except ValidationFailed as refused:
        schema = detail.form_schema or {}
        errors = {**(map_errors(schema, refused.details) or {"": [refused.message]}), **too_large_numbers(content)}
        return render_editor(detail, content, errors, status=422)
    except Conflict as refused:
        if (refused.details or {}).get("reason") == "task_done":
            raise
        return render_editor(detail, content, {"": [refusal_message(refused)]}, status=409)
    flash(_("SKP diajukan kepada Pejabat Penilai Kinerja."), "success")
    return redirect(url_for("pages.inbox"), code=303)
