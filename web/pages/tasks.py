"""A task: the employee it is about, their context and history, and the form to complete it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _

from engine.access import user_profile
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.feedback import score_for_task
from engine.read_models import CompletedStep, TaskDetail, task_detail

from ..auth import current_username, login_required
from ..forms import (Entry, HtmlForm, apply_row_action, build_form, describe, map_errors, parse_form, row_action,
                     task_name, tr)
from ..formatting import as_datetime
from ..limits import too_large_numbers
from . import blueprint, engine, redirect_back
from .feedback import question_labels

SKP_TASKS = ("draft_skp",)
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
                self._names[username] = user_profile(engine(), username).display_name
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
    return [HistoryItem(task_name(step.task_key, step.name), names(step.actor), step.completed_at,
                        describe(step.submitted, formatters=formatters, labels=rhk_labels()), step.task_key)
            for step in steps]


def _form_for(detail: TaskDetail, values: dict[str, Any], errors: Optional[dict[str, list[str]]] = None) -> HtmlForm:
    rhk = latest_skp(detail.history)
    choices = {"rhk_index": [(i, f"{i + 1}. {row.get('description', '')}") for i, row in enumerate(rhk)]} if rhk \
        else None
    return build_form(detail.form_schema, values, errors, choices, labels=rhk_labels() if rhk else None,
                      locale=str(get_locale()))


def render_task(detail: TaskDetail, values: Optional[dict[str, Any]] = None,
                errors: Optional[dict[str, list[str]]] = None, status: int = 200):  # type: ignore[no-untyped-def]
    rhk = latest_skp(detail.history)
    formatters = rhk_formatters(rhk)
    task = detail.task
    form = _form_for(detail, detail.prefill if values is None else values, errors) if detail.can_complete else None
    held = task.assignee_user_id is not None or task.claimed_by_user_id is not None
    context = {
        "detail": detail, "task": task, "citizen_score": score_for_task(engine(), task.id, current_username()), "title": task_name(task.task_key, task.name), "form": form,
        "history": history_items(detail.history, formatters), "summary": summary_entries(detail.summary),
        "complaint": complaint_entries(detail.summary),
        "skp": describe({"rhk": rhk}) if rhk and task.task_key not in SKP_TASKS else [],
        "current_values": describe(detail.prefill, detail.form_schema, formatters, rhk_labels())
        if not detail.can_complete else [],
        "can_claim": detail.can_complete and not held,
        "can_unclaim": detail.can_complete and task.assignee_user_id is None and task.claimed_by_user_id is not None,
        # an employee's own step (lane Pegawai) is theirs to do, not to hand on
        "can_delegate": detail.can_complete and held and task.lane != "Pegawai",
    }
    return render_template("task.html", **context), status


@blueprint.get("/tasks/<int:task_id>")
@login_required
def task_page(task_id: int):  # type: ignore[no-untyped-def]
    return render_task(task_detail(engine(), task_id, current_username()))


def _require_workable(detail: TaskDetail) -> None:
    if not detail.can_complete:
        if detail.task.status != "open":
            raise Conflict(_("Tugas ini sudah tidak menunggu isian."))
        raise Forbidden(_("Tugas ini bukan untuk Anda."))


@blueprint.post("/tasks/<int:task_id>")
@login_required
def complete(task_id: int):  # type: ignore[no-untyped-def]
    username = current_username()
    detail = task_detail(engine(), task_id, username, with_prefill=False)  # the form shows what was sent
    _require_workable(detail)
    schema = detail.form_schema or {"type": "object", "properties": {}}
    action = row_action(request.form)
    data = parse_form(schema, request.form, keep_empty_rows=action is not None, locale=str(get_locale()))
    if action is not None:  # "Tambah baris" / "Hapus" without JavaScript: show the form again
        return render_task(detail, apply_row_action(schema, data, action))
    try:
        engine().complete_task(task_id, username, data)
    except ValidationFailed as error:
        errors = {**(map_errors(schema, error.details) or {"": [error.message]}), **too_large_numbers(data)}
        return render_task(detail, data, errors, status=422)
    flash(_("Tugas selesai: %(task)s.", task=task_name(detail.task.task_key, detail.task.name)), "success")
    return redirect(url_for("pages.inbox"), code=303)


@blueprint.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int):  # type: ignore[no-untyped-def]
    try:
        engine().claim_task(task_id, current_username())
    except (Forbidden, Conflict):
        flash(_("Tugas ini tidak dapat diklaim: mungkin sudah diklaim orang lain atau sudah selesai."), "error")
        return redirect(url_for("pages.inbox", scope="group"), code=303)
    flash(_("Tugas diklaim. Tugas ini sekarang ada di \u201cTugas saya\u201d."), "success")
    return redirect_back(url_for("pages.task_page", task_id=task_id))


@blueprint.post("/tasks/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int):  # type: ignore[no-untyped-def]
    try:
        engine().unclaim_task(task_id, current_username())
    except (Forbidden, Conflict):
        flash(_("Klaim tugas ini tidak dapat dilepas."), "error")
        return redirect(url_for("pages.inbox"), code=303)
    flash(_("Klaim dilepas. Tugas kembali ke \u201cTugas kelompok\u201d."), "success")
    return redirect_back(url_for("pages.inbox"))


@blueprint.post("/tasks/<int:task_id>/delegate")
@login_required
def delegate(task_id: int):  # type: ignore[no-untyped-def]
    username = current_username()
    detail = task_detail(engine(), task_id, username, with_prefill=False)  # only the access check is needed
    _require_workable(detail)
    target = (request.form.get("username") or "").strip()
    back = url_for("pages.task_page", task_id=task_id)
    if not target:
        flash(_("Isi nama pengguna tujuan."), "error")
        return redirect(back, code=303)
    if detail.task.assignee_user_id is None and detail.task.claimed_by_user_id is None:
        flash(_("Klaim tugas ini dahulu sebelum mengalihkannya."), "error")
        return redirect(back, code=303)
    try:
        engine().delegate_task(task_id, username, target)
    except NotFound:
        flash(_("Pengguna \u201c%(user)s\u201d tidak ditemukan di organisasi Anda.", user=target), "error")
        return redirect(back, code=303)
    except Forbidden:
        flash(_("Tugas tidak dapat dialihkan kepada pegawai yang dinilai."), "error")
        return redirect(back, code=303)
    flash(_("Tugas dialihkan kepada %(user)s.", user=target), "success")
    return redirect(url_for("pages.inbox"), code=303)
