"""Activating an imported account (``GET|POST /aktivasi/<token>``): the employee sets the
first password through the emailed one-time link, then signs in.

The engine checks the token and the password rules (:func:`engine.activation.activate_account`);
the page words each broken rule as the password page does. An unknown, used or expired link
is a 404 page that says to ask HR for a new one.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.accounts import MIN_PASSWORD_LENGTH
from engine.activation import activate_account, activation_username
from engine.errors import ValidationFailed

from ..engine_access import kinerja
from .account import password_rule_messages
from .common import blueprint


@blueprint.route("/aktivasi/<token>", methods=["GET", "POST"])
def activation_page(token: str):  # type: ignore[no-untyped-def]
    username = activation_username(kinerja(), token)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        password = request.form.get("new_password", "")
        if password != request.form.get("confirm_password", ""):
            errors["confirm_password"] = [_("Konfirmasi tidak sama dengan kata sandi baru.")]
        else:
            try:
                activate_account(kinerja(), token, password)
            except ValidationFailed as refused:
                messages = password_rule_messages()
                for problem in refused.details:
                    errors.setdefault(problem["location"], []).append(messages[problem["rule"]])
            else:
                flash(_("Akun sudah aktif. Silakan masuk dengan kata sandi baru Anda."), "success")
                return redirect(url_for("auth.login"), code=303)
    return render_template("activation.html", username=username, token=token, errors=errors,
                           min_length=MIN_PASSWORD_LENGTH), 422 if errors else 200
