"""A task: the employee it is about, their context and history, and the form to complete it."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _

from engine.access import user_profile
from engine.appraisal_input import input_for_task
from engine.delegation import MAX_REASON, Delegate, delegate_task, delegates_for
from engine.errors import Conflict, Forbidden, NotFound, ProcessError, ValidationFailed
from engine.evaluation_signing import evaluation_to_sign
from engine.feedback import score_for_task
from engine.hasil_kerja_proposal import proposal_for_task
from engine.realisation import reported_for_task
from engine.read_models import CompletedStep, TaskDetail, task_detail, task_to_work_on
from engine.skp import task_skp
from engine.skp_views import SkpView
from engine.tasks import Completion, claim_task, complete_task, repeat_completion, unclaim_task
from engine.vocabulary import REALISATION_FORM, SKP_DRAFT_FORM

from ..auth import current_username, login_required
from ..engine_access import kinerja
from ..errors import REFUSALS, error_response
from ..feedback_form import period_feedback_form
from ..formatting import as_datetime
from ..forms import (
    Entry,
    HtmlForm,
    apply_row_action,
    build_form,
    describe,
    enum_label,
    label_for,
    map_errors,
    parse_form,
    row_action,
    task_name,
    tr,
)
from ..limits import too_large_numbers
from ..realisation_form import parse_realisation, realisation_page
from ..skp_texts import document_labels, skp_in_words
from .common import blueprint, redirect_back
from .feedback import question_labels
from .skp_editor import render_editor, submit_editor

COMPLETION_KEY_FIELD = "completion_key"  # the form's hidden Idempotency-Key, new each time the form is shown
SUMMARY_FORMATTERS: dict[str, Callable[[Any], str]] = {"follow_up_detail": tr}  # DMN texts, in the catalog
SUMMARY_ORDER = ("rating_hasil_kerja", "rating_perilaku_kerja", "predikat_label", "predikat",
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


def rhk_labels() -> dict[str, str]:
    return {"rhk": _("RHK")}


def rhk_choices(skp: Optional[SkpView]) -> dict[str, list[tuple[Any, str]]]:
    """The SKP's RHK as the choices of a form's ``rhk`` fields (a comment on one RHK, by id)."""
    if skp is None:
        return {}
    return {"rhk": [(row.id, f"{_('Utama') if row.kind == 'utama' else _('Tambahan')} {row.number}. {row.text}")
                    for row in skp.rhk]}


def rhk_formatters(skp: Optional[SkpView]) -> dict[str, Callable[[Any], str]]:
    """``rhk`` shown as the RHK it names."""
    labels = dict(rhk_choices(skp).get("rhk", []))
    return {"rhk": lambda value: labels.get(value, str(value))}


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
                        describe(skp_in_words(step.submitted), formatters=formatters, labels=labels), step.task_key)
            for step in steps]


def _form_for(detail: TaskDetail, skp: Optional[SkpView], values: dict[str, Any],
              errors: Optional[dict[str, list[str]]] = None) -> HtmlForm:
    return build_form(detail.form_schema, values, errors, rhk_choices(skp), labels=rhk_labels() if skp else None,
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


def input_360(task_id: int) -> Optional[dict[str, Any]]:
    """The pooled 360 input beside the rating, the response and the objection, in words."""
    pooled = input_for_task(kinerja(), current_username(), task_id)
    if pooled is None:
        return None
    scale = ("DIATAS_EKSPEKTASI", "SESUAI_EKSPEKTASI", "DIBAWAH_EKSPEKTASI")
    return {**pooled, "scale": [enum_label(rating) for rating in scale],
            "rows": [(label_for(value), [counts[rating] for rating in scale])
                     for value, counts in pooled["values"].items()]}


def render_task(detail: TaskDetail, values: Optional[dict[str, Any]] = None,
                errors: Optional[dict[str, list[str]]] = None, status: int = 200,
                delegation: Optional[Delegation] = None):  # type: ignore[no-untyped-def]
    task = detail.task
    skp = task_skp(kinerja(), current_username(), task.id)
    formatters = rhk_formatters(skp)
    reports = detail.can_complete and task.form_key == REALISATION_FORM  # its own form (web.realisation_form)
    form = _form_for(detail, skp, detail.prefill if values is None else values, errors) \
        if detail.can_complete and not reports else None
    held = task.assignee_user_id is not None or task.claimed_by_user_id is not None
    context = {
        "detail": detail, "task": task, "citizen_score": score_for_task(kinerja(), current_username(), task.id), "title": task_name(task.task_key, task.name), "form": form,
        "history": history_items(detail.history, formatters), "summary": summary_entries(detail.summary),
        "complaint": complaint_entries(detail.summary),
        "input_360": input_360(task.id),
        "hasil_proposal": proposal_for_task(kinerja(), current_username(), task.id),
        "evaluation_to_sign": evaluation_to_sign(kinerja(), current_username(), task.id),
        "reported": reported_for_task(kinerja(), current_username(), task.id),
        "skp": skp, **document_labels(), "realisation": realisation_page(task.id, values, errors) if reports else None,
        "period_feedback": period_feedback_form(detail, skp, form, detail.prefill if values is None else values,
                                                errors),
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
    detail = task_detail(kinerja(), current_username(), task_id)
    if detail.can_complete and detail.task.form_key == SKP_DRAFT_FORM:
        return render_editor(detail)
    return render_task(detail)


@blueprint.post("/tasks/<int:task_id>")
@login_required
def complete(task_id: int):  # type: ignore[no-untyped-def]
    username = current_username()
    key = request.form.get(COMPLETION_KEY_FIELD) or None
    try:
        detail = task_to_work_on(kinerja(), username, task_id)
    except Conflict:  # done already: the engine tells the user's own repeat from anyone else's try
        return _answer(lambda: repeat_completion(kinerja(), username, task_id, key))
    if detail.task.form_key == SKP_DRAFT_FORM:
        return submit_editor(detail)
    schema = detail.form_schema or {"type": "object", "properties": {}}
    reports = detail.task.form_key == REALISATION_FORM
    action = None if reports else row_action(request.form)
    data = parse_realisation(request.form, str(get_locale())) if reports else \
        parse_form(schema, request.form, keep_empty_rows=action is not None, locale=str(get_locale()))
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
        flash(_("Tugas ini tidak dapat diambil: mungkin sudah diambil orang lain atau sudah selesai."), "error")
        return redirect(url_for("pages.inbox", scope="group"), code=303)
    flash(_("Tugas diambil. Tugas ini sekarang ada di \u201cTugas saya\u201d."), "success")
    return redirect_back(url_for("pages.task_page", task_id=task_id))


@blueprint.post("/tasks/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int):  # type: ignore[no-untyped-def]
    try:
        unclaim_task(kinerja(), current_username(), task_id)
    except (Forbidden, Conflict):
        flash(_("Tugas ini tidak dapat dikembalikan ke kelompok."), "error")
        return redirect(url_for("pages.inbox"), code=303)
    flash(_("Tugas dikembalikan. Tugas kembali ke \u201cTugas kelompok\u201d."), "success")
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
