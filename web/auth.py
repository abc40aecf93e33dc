"""Who is asking: session login for pages, bearer tokens for the API.

Tokens are signed and time-limited (itsdangerous, with the app's secret key), so API
processes need no shared token store; logging out of the browser clears the session.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, Optional, TypeVar

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from engine.access import load_user
from engine.errors import Forbidden, NotFound
from engine.feedback import reads_feedback
from engine.org import authenticate

TOKEN_MAX_AGE_SECONDS = 8 * 3600
blueprint = Blueprint("auth", __name__)
View = TypeVar("View", bound=Callable[..., Any])


def _engine():  # type: ignore[no-untyped-def]
    return current_app.extensions["kinerja"]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kinerja-api-token")


def issue_token(username: str) -> str:
    return _serializer().dumps({"u": username})


def username_from_token(token: str) -> Optional[str]:
    try:
        return _serializer().loads(token, max_age=TOKEN_MAX_AGE_SECONDS)["u"]
    except (BadSignature, SignatureExpired, KeyError, TypeError):
        return None


def current_username() -> Optional[str]:
    return g.get("username")


def _load_current_user() -> None:
    g.username, g.user = None, None
    username = session.get("username")
    if username is None:
        return
    with _engine().unit_of_work() as uow:
        try:
            user = load_user(uow.session, username)
        except NotFound:
            session.clear()
            return
        g.username = user.username
        g.user = {"username": user.username, "display_name": user.display_name, "roles": sorted(user.role_names),
                  "employee_id": user.employee_id, "reads_feedback": reads_feedback(user)}


def login_required(view: View) -> View:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("username") is None:
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def roles_required(*roles: str) -> Callable[[View], View]:
    """Pages for some roles only: signed-in users without one of ``roles`` get a 403 page."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not set(roles) & set(g.user["roles"]):
                raise Forbidden(_("Halaman ini hanya untuk peran: %(roles)s.", roles=", ".join(roles)))
            return view(*args, **kwargs)

        return login_required(wrapped)  # type: ignore[arg-type]

    return decorator


@blueprint.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        if authenticate(_engine(), username, request.form.get("password", "")) is None:
            flash(_("Nama pengguna atau kata sandi salah."), "error")
            return render_template("login.html", username=username), 401
        language = session.get("lang")
        session.clear()
        session["username"] = username
        if language:
            session["lang"] = language
        target = request.args.get("next") or ""
        return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("pages.inbox"))
    return render_template("login.html", username="")


@blueprint.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    session.pop("username", None)
    flash(_("Anda sudah keluar."), "success")
    return redirect(url_for("auth.login"), code=303)


_rate_limited: dict[str, Callable[..., Any]] = {}


def register(app: Flask) -> None:
    from . import limiter

    app.before_request(_load_current_user)
    app.register_blueprint(blueprint)
    # Flask-Limiter checks a decorated limit inside the wrapper it returns, so the app must
    # serve the wrapper; it is made once, or each new app would add the same limit again.
    if "login" not in _rate_limited:
        _rate_limited["login"] = limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])(login)
    app.view_functions["auth.login"] = _rate_limited["login"]


def require_api_user() -> str:
    """The username behind the request's bearer token, or a 401."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    username = username_from_token(token.strip()) if scheme.lower() == "bearer" else None
    if username is None:
        abort(401, description="a valid bearer token is required (POST /api/v1/auth/token)")
    return username
