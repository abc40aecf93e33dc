"""Who is asking: session login for pages, bearer tokens for the API.

Tokens are signed and time-limited (itsdangerous, with the app's secret key), so API
processes need no shared token store. Browser sessions and tokens carry the user's session
version; signing out, changing the password or revoking tokens raises it, which ends them all
(:mod:`engine.accounts`). Sign-ins are throttled through the database, so the limit holds
across worker processes (:mod:`engine.login_throttle`).
"""
from __future__ import annotations

import math
from datetime import timedelta
from functools import wraps
from typing import Any, Callable, Optional, TypeVar

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from engine.accounts import SessionEnded, SignedIn, end_sessions, sign_in, signed_in_profile
from engine.errors import NotFound
from engine.login_throttle import ThrottlePolicy, TooManyAttempts
from engine.permissions import Permission

from .engine_access import kinerja
from .security import local_path

TOKEN_MAX_AGE_SECONDS = 8 * 3600
SESSION_VERSION_KEY = "session_version"
blueprint = Blueprint("auth", __name__)
View = TypeVar("View", bound=Callable[..., Any])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="kinerja-api-token")


def issue_token(username: str, session_version: int) -> str:
    return _serializer().dumps({"u": username, "v": session_version})


def token_claims(token: str) -> Optional[tuple[str, Optional[int]]]:
    """The username and session version in a valid, unexpired token (None: not one of ours)."""
    try:
        claims = _serializer().loads(token, max_age=TOKEN_MAX_AGE_SECONDS)
        return claims["u"], claims.get("v")
    except (BadSignature, SignatureExpired, KeyError, TypeError, AttributeError):
        return None


def client_address() -> str:
    """The client's address: ``remote_addr``, which ``KINERJA_TRUSTED_PROXIES`` (web.security)
    sets from the trusted proxies' ``X-Forwarded-For``."""
    return request.remote_addr or "unknown"


def throttle_policy() -> ThrottlePolicy:
    config = current_app.config
    return ThrottlePolicy(per_account=int(config["LOGIN_FAILURES_PER_ACCOUNT"]),
                          per_client=int(config["LOGIN_FAILURES_PER_CLIENT"]),
                          window=timedelta(seconds=int(config["LOGIN_THROTTLE_WINDOW_SECONDS"])))


def checked_sign_in(username: str, password: str) -> SignedIn | None:
    """:func:`engine.accounts.sign_in` for this request's client and the app's throttle."""
    return sign_in(kinerja(), username, password, client_address(), throttle_policy())


def start_session(username: str, session_version: int) -> None:
    """Sign the browser in (a fresh session: nothing from before the sign-in carries over
    but the chosen language)."""
    language = session.get("lang")
    session.clear()
    session["username"] = username
    session[SESSION_VERSION_KEY] = session_version
    if language:
        session["lang"] = language


def current_username() -> Optional[str]:
    return g.get("username")


def _load_current_user() -> None:
    g.username, g.user = None, None
    username = session.get("username")
    if username is None or request.endpoint == "static":
        return  # style sheets need no user, and still load while the database is unavailable
    try:
        g.user = signed_in_profile(kinerja(), username, session.get(SESSION_VERSION_KEY))
    except (NotFound, SessionEnded):
        session.pop("username", None)
        session.pop(SESSION_VERSION_KEY, None)
        return
    g.username = g.user.username


def login_required(view: View) -> View:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("username") is None:
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def permission_required(permission: Permission) -> Callable[[View], View]:
    """Pages behind one of the engine's permissions: the signed-in user is asked for it before
    the form is read (the use case asks again), so a refused user learns nothing from
    validation messages."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            permission.check(g.user.roles)
            return view(*args, **kwargs)

        return login_required(wrapped)  # type: ignore[arg-type]

    return decorator


@blueprint.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        try:
            signed_in = checked_sign_in(username, request.form.get("password", ""))
        except TooManyAttempts as refused:
            flash(_("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(minutes)d menit.",
                    minutes=math.ceil(refused.retry_after / 60)), "error")
            return too_many_attempts(render_template("login.html", username=username), refused)
        if signed_in is None:
            flash(_("Nama pengguna atau kata sandi salah."), "error")
            return render_template("login.html", username=username), 401
        start_session(signed_in.username, signed_in.session_version)
        return redirect(local_path(request.args.get("next")) or url_for("pages.inbox"))
    return render_template("login.html", username="")


def too_many_attempts(body: Any, refused: TooManyAttempts) -> Response:
    """A 429 with ``Retry-After``, on the login page and the token endpoint alike."""
    response = current_app.make_response(body)
    response.status_code = 429
    response.headers["Retry-After"] = str(refused.retry_after)
    return response


@blueprint.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    """Sign out everywhere: every session and token of the user ends, not only this browser's."""
    if g.get("username") is not None:
        end_sessions(kinerja(), g.username, "sign_out")
    session.pop("username", None)
    session.pop(SESSION_VERSION_KEY, None)
    flash(_("Anda sudah keluar."), "success")
    return redirect(url_for("auth.login"), code=303)


def register(app: Flask) -> None:
    app.before_request(_load_current_user)
    app.register_blueprint(blueprint)


def require_api_user() -> tuple[str, Optional[int]]:
    """The username and session version in the request's bearer token, or a 401."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    claims = token_claims(token.strip()) if scheme.lower() == "bearer" else None
    if claims is None:
        abort(401, description="a valid bearer token is required (POST /api/v1/auth/token)")
    return claims
