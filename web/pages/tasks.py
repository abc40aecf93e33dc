"""A task: the employee it is about, their context and history, and the form to complete it."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _

from engine.access import user_profile
from engine.delegation import MAX_REASON, Delegate, delegate_task, delegates_for
from engine.errors import Conflict, Forbidden, NotFound, ProcessError, ValidationFailed
from engine.feedback import score_for_task
from engine.read_models import CompletedStep, TaskDetail, task_detail, task_to_work_on
from engine.tasks import Completion, claim_task, complete_task, repeat_completion, unclaim_task

from ..auth import current_username, login_required
from ..engine_access import kinerja
from ..formatting import as_datetime
from ..forms import (
    Entry,
    HtmlForm,
    apply_row_action,
    build_form,
    describe,
    map_errors,
    parse_form,
    row_action,
    task_name,
    tr,
)
from ..errors import REFUSALS, error_response
from ..limits import too_large_numbers
from .common import blueprint, redirect_back
from .feedback import question_labels

SKP_TASKS = ("draft_skp",)
COMPLETION_KEY_FIELD = "completion_key"  # the form's hidden Idempotency-Key, new each time the form is shown
SUMMARY_FORMATTERS: dict[str, Callable[[Any], str]] = {"follow_up_detail": tr}  # DMN texts, in the catalog
SUMMARY_ORDER = ("midyear_rating", "rating_hasil_kerja", "rating_perilaku_kerja", "predikat_label", "predikat",
                 "follow_up", "follow_up_detail", "follow_up_approved")


@dataclass
class HistoryItem:
    name: str
    actor: str
    completed_at: str
    entries: list[Entry]
    task_key: str


class ActorNames:
    """Display names of the users in a history, looked up once each."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}

    def __call__(self, username: str) -> str:
        if username not in self._names:
            try:
                self._names[username] = user_profile(kinerja(), username).display_name
            except NotFound:
                self._names[username] = username
        return self._names[username]


def latest_skp(steps: list[CompletedStep]) -> list[dict[str, Any]]:
    """The RHK rows of the newest SKP draft in a history (empty when there is none)."""
    for step in reversed(steps):
        if step.task_key in SKP_TASKS and isinstance(step.submitted.get("rhk"), list):
            return step.submitted["rhk"]
    return []


def rhk_labels() -> dict[str, str]:
    return {"rhk_index": _("RHK")}


def rhk_formatters(rhk: list[dict[str, Any]]) -> dict[str, Callable[[Any], str]]:
    """``rhk_index`` (0-based, as stored) shown as "1. <RHK description>"."""

    def show(index: Any) -> str:
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(rhk):
            return f"{index + 1}. {rhk[index].get('description', '')}"
        return str(index + 1) if isinstance(index, int) else str(index)

    return {"rhk_index": show}


def summary_entries(summary: dict[str, Any]) -> list[Entry]:
    ordered = {key: summary[key] for key in SUMMARY_ORDER if summary.get(key) is not None}
    if "predikat" in ordered:  # the code's own label is translatable; the DMN's label is the fallback
        ordered.pop("predikat_label", None)
    return describe(ordered, formatters=SUMMARY_FORMATTERS)


def complaint_entries(summary: dict[str, Any]) -> list[Entry]:
    """The citizen's complaint a follow-up task answers (its process's start data)."""
    complaint = summary.get("complaint")
    if not isinstance(complaint, dict):
        return []
    labels = {"feedback_id": _("Nomor masukan"), "unit": _("Unit kerja"), "submitted_at": _("Diterima"),
              "average": _("Nilai rata-rata (1–5)"), "scores": _("Nilai per pertanyaan"),
              "comment": _("Isi pengaduan"), **question_labels()}
    return describe(complaint, formatters={"submitted_at": lambda value: format_datetime(as_datetime(value))},
                    labels=labels)


def history_items(steps: list[CompletedStep], formatters: dict[str, Callable[[Any], str]]) -> list[HistoryItem]:
    names = ActorNames()
    labels = {**rhk_labels(), "raters": _("Jumlah rekan pemberi masukan")}  # pooled peer input (no actor)
    return [HistoryItem(task_name(step.task_key, step.name),
                        names(step.actor) if step.actor else _("Rekan kerja (anonim)"), step.completed_at,
                        describe(step.submitted, formatters=formatters, labels=labels), step.task_key)
            for step in steps]


def _form_for(detail: TaskDetail, values: dict[str, Any], errors: Optional[dict[str, list[str]]] = None) -> HtmlForm:
    rhk = latest_skp(detail.history)
    choices = {"rhk_index": [(i, f"{i + 1}. {row.get('description', '')}") for i, row in enumerate(rhk)]} if rhk \
        else None
    return build_form(detail.form_schema, values, errors, choices, labels=rhk_labels() if rhk else None,
                      locale=str(get_locale()))


@dataclass
class Delegation:
    """The hand-over form: who may receive the task, what was chosen and typed, the errors."""

    choices: list[Delegate]
    to: str = ""
    reason: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


def delegation_for(detail: TaskDetail, held: bool) -> Optional[Delegation]:
    """The hand-over form if the user holds the task and may hand it on (the engine decides)."""
    if not (detail.can_complete and held):
        return None
    try:
        return Delegation(delegates_for(kinerja(), current_username(), detail.task.id))
    except Forbidden:  # e.g. the employee's own step
        return None


def render_task(detail: TaskDetail, values: Optional[dict[str, Any]] = None,
                errors: Optional[dict[str, list[str]]] = None, status: int = 200,
                delegation: Optional[Delegation] = None):  # type: ignore[no-untyped-def]
    rhk = latest_skp(detail.history)
    formatters = rhk_formatters(rhk)
    task = detail.task
    form = _form_for(detail, detail.prefill if values is None else values, errors) if detail.can_complete else None
    held = task.assignee_user_id is not None or task.claimed_by_user_id is not None
    context = {
        "detail": detail, "task": task, "citizen_score": score_for_task(kinerja(), current_username(), task.id), "title": task_name(task.task_key, task.name), "form": form,
        "history": history_items(detail.history, formatters), "summary": summary_entries(detail.summary),
        "complaint": complaint_entries(detail.summary),
        "skp": describe({"rhk": rhk}) if rhk and task.task_key not in SKP_TASKS else [],
        "current_values": describe(detail.prefill, detail.form_schema, formatters, rhk_labels())
        if not detail.can_complete else [],
        "can_claim": detail.can_complete and not held,
        "can_unclaim": detail.can_complete and task.assignee_user_id is None and task.claimed_by_user_id is not None,
        "delegation": delegation or delegation_for(detail, held), "max_reason": MAX_REASON,
        # the same submission shown again (a row added, a field to correct) keeps its key
        "completion_key": request.form.get(COMPLETION_KEY_FIELD) or uuid.uuid4().hex,
    }
    return render_template("task.html", **context), status


@blueprint.get("/tasks/<int:task_id>")
@login_required
def task_page(task_id: int):  # type: ignore[no-untyped-def]
    return render_task(task_detail(kinerja(), current_username(), task_id))


@blueprint.post("/tasks/<int:task_id>")
@login_required
def complete(task_id: int):  # type: ignore[no-untyped-def]
    username = current_username()
    key = request.form.get(COMPLETION_KEY_FIELD) or None
    try:
        detail = task_to_work_on(kinerja(), username, task_id)
    except Conflict:  # done already: the engine tells the user's own repeat from anyone else's try
        return _answer(lambda: repeat_completion(kinerja(), username, task_id, key))
    schema = detail.form_schema or {"type": "object", "properties": {}}
    action = row_action(request.form)
    data = parse_form(schema, request.form, keep_empty_rows=action is not None, locale=str(get_locale()))
    if action is not None:  # "Tambah baris" / "Hapus" without JavaScript: show the form again
        return render_task(detail, apply_row_action(schema, data, action))
    try:
        return _answer(lambda: complete_task(kinerja(), username, task_id, data, key))
    except ValidationFailed as error:
        errors = {**(map_errors(schema, error.details) or {"": [error.message]}), **too_large_numbers(data)}
        return render_task(detail, data, errors, status=422)
    except ProcessError as error:  # the definition failed (a script over its limit): nothing was saved
        failed = _("Isian Anda belum tersimpan: langkah proses berikutnya gagal dijalankan. "
                   "Beri tahu BKPSDM (pengelola proses). Rincian: %(message)s", message=error.message)
        return render_task(detail, data, {"": [failed]}, status=422)


def _answer(completing: Callable[[], Completion]):  # type: ignore[no-untyped-def]
    """The inbox with "task done" for a completion (the first time or its repeat with the
    form's key); 409 naming who completed the task and when, in the reader's language."""
    try:
        done = completing()
    except Conflict as refused:
        details = refused.details if isinstance(refused.details, dict) else {}
        if not details.get("completed_by"):
            raise
        message = _("Tugas ini sudah diselesaikan oleh %(name)s pada %(at)s.", name=details["completed_by_name"],
                    at=format_datetime(as_datetime(details["completed_at"])))
        return error_response(409, refused.code, message)
    flash(_("Tugas selesai: %(task)s.", task=task_name(done.task_key, done.name)), "success")
    return redirect(url_for("pages.inbox"), code=303)


@blueprint.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int):  # type: ignore[no-untyped-def]
    try:
        claim_task(kinerja(), current_username(), task_id)
    except (Forbidden, Conflict):
        flash(_("Tugas ini tidak dapat diklaim: mungkin sudah diklaim orang lain atau sudah selesai."), "error")
        return redirect(url_for("pages.inbox", scope="group"), code=303)
    flash(_("Tugas diklaim. Tugas ini sekarang ada di \u201cTugas saya\u201d."), "success")
    return redirect_back(url_for("pages.task_page", task_id=task_id))


@blueprint.post("/tasks/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int):  # type: ignore[no-untyped-def]
    try:
        unclaim_task(kinerja(), current_username(), task_id)
    except (Forbidden, Conflict):
        flash(_("Klaim tugas ini tidak dapat dilepas."), "error")
        return redirect(url_for("pages.inbox"), code=303)
    flash(_("Klaim dilepas. Tugas kembali ke \u201cTugas kelompok\u201d."), "success")
    return redirect_back(url_for("pages.inbox"))


# Why a hand-over was refused, by the engine's code (its messages are English, for the API).


@blueprint.post("/tasks/<int:task_id>/delegate")
@login_required
def delegate(task_id: int):  # type: ignore[no-untyped-def]
    """Hand the task to someone from its list of delegates, with a reason (422 with the
    messages next to the fields; 403 when the user may not hand it on)."""
    username = current_username()
    task_to_work_on(kinerja(), username, task_id)  # 404 / 409 / 403
    target, reason = (request.form.get("to") or "").strip(), request.form.get("reason") or ""
    try:
        delegate_task(kinerja(), username, task_id, target, reason)
    except ValidationFailed as refused:
        detail = task_detail(kinerja(), username, task_id)
        form = delegation_for(detail, held=True) or Delegation([])
        form.to, form.reason = target, reason
        for problem in refused.details:
            form.errors.setdefault(problem["location"], []).append(_(REFUSALS[problem["code"]], n=MAX_REASON))
        return render_task(detail, status=422, delegation=form)
    flash(_("Tugas dialihkan kepada %(user)s.", user=user_profile(kinerja(), target).display_name), "success")
    return redirect(url_for("pages.inbox"), code=303)
