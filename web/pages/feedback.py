"""Citizen feedback: a public rating form per unit (no login) and the unit's view to answer.

Abuse limits for the public form: a per-client rate limit (``FEEDBACK_RATE_LIMIT``), a
honeypot field, a small arithmetic challenge whose answer is signed into a hidden field
(so the server keeps no state), a body-size cap (413) and the engine's length checks (422).
"""
from __future__ import annotations

import secrets
from typing import Any, Optional

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from engine.errors import ValidationFailed
from engine.feedback import (
    MAX_COMMENT,
    QUESTIONS,
    answer_feedback,
    feedback_overview,
    find_unit,
    list_feedback,
    open_follow_up,
    submit_feedback,
)

from ..auth import current_username, login_required
from ..engine_access import kinerja
from .common import blueprint

MAX_BODY = 16 * 1024
CHALLENGE_MAX_AGE = 3600


def question_labels() -> dict[str, str]:
    return {"speed": _("Kecepatan pelayanan"), "friendliness": _("Keramahan petugas"),
            "clarity": _("Kejelasan informasi dan persyaratan"), "overall": _("Kepuasan secara keseluruhan")}


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="feedback-challenge")


def _new_challenge() -> tuple[str, str]:
    """A question shown to the citizen and the signed answer for the hidden field."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    return f"{a} + {b}", _signer().dumps(a + b)


def _challenge_passed(token: str, answer: str) -> bool:
    try:
        expected = _signer().loads(token, max_age=CHALLENGE_MAX_AGE)
    except BadSignature:
        return False
    return answer.strip() == str(expected)


def _render_form(unit: Any, status: int = 200, errors: Optional[list[str]] = None,
                 values: Optional[dict[str, str]] = None):  # type: ignore[no-untyped-def]
    question, token = _new_challenge()
    return render_template("feedback_form.html", unit=unit, questions=question_labels(), challenge=question,
                           challenge_token=token, errors=errors or [], values=values or {},
                           max_comment=MAX_COMMENT), status


@blueprint.get("/public/<organisation>/<unit_code>/feedback")
def feedback_form(organisation: str, unit_code: str):  # type: ignore[no-untyped-def]
    return _render_form(find_unit(kinerja(), organisation, unit_code))


def feedback_submit(organisation: str, unit_code: str):  # type: ignore[no-untyped-def]
    if (request.content_length or 0) > MAX_BODY:
        abort(413, description=_("Isian terlalu besar (paling banyak %(n)d KB).", n=MAX_BODY // 1024))
    unit = find_unit(kinerja(), organisation, unit_code)
    values = request.form.to_dict()
    if values.get("website"):  # the honeypot: people never see this field
        abort(422, description=_("Isian ditolak."))
    if not _challenge_passed(values.get("challenge_token", ""), values.get("challenge", "")):
        return _render_form(unit, 422, [_("Jawaban pertanyaan hitungan salah; coba lagi.")], values)
    try:
        submit_feedback(kinerja(), organisation, unit_code, values, values.get("comment", ""))
    except ValidationFailed:
        return _render_form(unit, 422, [_("Beri nilai 1–5 untuk setiap pertanyaan; komentar paling banyak "
                                          "%(n)d karakter.", n=MAX_COMMENT)], values)
    return render_template("feedback_thanks.html", unit=unit)


@blueprint.get("/feedback")
@login_required
def feedback_units():  # type: ignore[no-untyped-def]
    return render_template("feedback_units.html", units=feedback_overview(kinerja(), current_username()))


@blueprint.get("/units/<organisation>/<unit_code>/feedback")
@login_required
def feedback_list(organisation: str, unit_code: str):  # type: ignore[no-untyped-def]
    unit = find_unit(kinerja(), organisation, unit_code)
    items = list_feedback(kinerja(), current_username(), organisation, unit_code)
    return render_template("feedback_list.html", unit=unit, items=items, questions=question_labels(),
                           follow_up_labels=follow_up_labels())


@blueprint.post("/units/<organisation>/<unit_code>/feedback/<int:feedback_id>/answer")
@login_required
def feedback_answer(organisation: str, unit_code: str, feedback_id: int):  # type: ignore[no-untyped-def]
    answer_feedback(kinerja(), current_username(), feedback_id, request.form.get("answer", ""))
    flash(_("Jawaban tersimpan."), "success")
    return redirect(url_for("pages.feedback_list", organisation=organisation, unit_code=unit_code), code=303)


@blueprint.post("/units/<organisation>/<unit_code>/feedback/<int:feedback_id>/follow-up")
@login_required
def feedback_follow_up(organisation: str, unit_code: str, feedback_id: int):  # type: ignore[no-untyped-def]
    open_follow_up(kinerja(), current_username(), feedback_id)
    flash(_("Pengaduan diteruskan ke kepala unit untuk ditanggapi dalam 5 hari."), "success")
    return redirect(url_for("pages.feedback_list", organisation=organisation, unit_code=unit_code), code=303)


def follow_up_labels() -> dict[str, str]:
    return {"waiting": _("Menunggu tanggapan kepala unit"), "escalated": _("Dieskalasi ke atasan kepala unit"),
            "answered": _("Sudah ditanggapi")}


def register_rate_limit() -> None:
    """Rate-limit the public POST per client (limit read from config at request time)."""
    from ..extensions import limiter

    limited = limiter.limit(lambda: current_app.config.get("FEEDBACK_RATE_LIMIT", "10 per hour"))(feedback_submit)
    blueprint.add_url_rule("/public/<organisation>/<unit_code>/feedback", "feedback_submit", limited,
                           methods=["POST"])


register_rate_limit()
