"""The signed-in user's account: changing the password (``GET|POST /account/password``).

The engine checks the current password and the policy (:func:`engine.accounts.change_password`)
and names each broken rule; this page words each rule in the user's language next to its field.
A successful change ends every other session and token; this browser stays signed in.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, change_password
from engine.errors import ValidationFailed

from ..auth import current_username, login_required, start_session
from ..engine_access import kinerja
from .common import blueprint


def password_rule_messages() -> dict[str, str]:
    return {
        "current_password": _("Kata sandi saat ini salah."),
        "min_length": _("Kata sandi baru minimal %(count)d karakter.", count=MIN_PASSWORD_LENGTH),
        "max_length": _("Kata sandi baru paling banyak %(count)d karakter.", count=MAX_PASSWORD_LENGTH),
        "contains_username": _("Kata sandi baru tidak boleh memuat nama pengguna Anda."),
        "contains_nip": _("Kata sandi baru tidak boleh memuat NIP Anda."),
        "common_password": _("Kata sandi baru terlalu umum; pilih yang lebih sulit ditebak."),
    }


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password_page():  # type: ignore[no-untyped-def]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        new_password = request.form.get("new_password", "")
        if new_password != request.form.get("confirm_password", ""):
            errors["confirm_password"] = [_("Konfirmasi tidak sama dengan kata sandi baru.")]
        else:
            username = current_username()
            try:
                version = change_password(kinerja(), username, request.form.get("current_password", ""), new_password)
            except ValidationFailed as refused:
                messages = password_rule_messages()
                for problem in refused.details:
                    errors.setdefault(problem["location"], []).append(messages[problem["rule"]])
            else:
                start_session(username, version)
                flash(_("Kata sandi sudah diganti. Sesi lain dan token API Anda sudah diakhiri."), "success")
                return redirect(url_for("pages.inbox"), code=303)
    return render_template("account_password.html", errors=errors, min_length=MIN_PASSWORD_LENGTH), \
        422 if errors else 200
