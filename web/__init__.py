"""Flask app factory. Thin: parse, authorise, call the engine, render.

HTML pages (``web.pages``) use sessions with CSRF protection; the REST API
(``web.api``, under ``/api/v1``) uses bearer tokens. Engine errors map to HTTP statuses
in one place (``web.errors``), so bad input is a 4xx, never a 500.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Optional

from flask import Flask, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter, Map

from engine.services import Kinerja

from . import auth, errors, formatting, limits, security

SUPPORTED_LANGUAGES = ("id", "en")
limiter = Limiter(key_func=get_remote_address, default_limits=[], storage_uri="memory://")
csrf = CSRFProtect()


def create_app(kinerja: Kinerja, config: Optional[dict[str, Any]] = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("KINERJA_SECRET_KEY") or _persistent_secret(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        BABEL_DEFAULT_LOCALE="id",
        BABEL_DEFAULT_TIMEZONE="Asia/Jakarta",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        LOGIN_FAILURES_PER_ACCOUNT=10,
        LOGIN_FAILURES_PER_CLIENT=50,
        LOGIN_THROTTLE_WINDOW_SECONDS=15 * 60,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        **security.settings_from_environment(),
    )
    app.config.update(config or {})
    app.url_map.converters["int"] = DatabaseId
    app.extensions["kinerja"] = kinerja
    app.extensions["flow_launcher"] = app.config.get("FLOW_LAUNCHER")
    Babel(app, locale_selector=_choose_language)
    csrf.init_app(app)
    limiter.init_app(app)
    errors.register(app)
    security.register(app)
    limits.register(app)
    formatting.register(app)
    auth.register(app)

    from .api import register_api
    from .pages import blueprint as pages_blueprint

    app.register_blueprint(pages_blueprint)
    register_api(app)

    @app.get("/healthz")
    def health():  # type: ignore[no-untyped-def]
        return {"status": "ok", **kinerja.overview().__dict__}

    return app


class DatabaseId(IntegerConverter):
    """``<int:…>`` in every route: ids beyond the databases' 32-bit integers are a 404, not an overflow."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)


MAX_DATABASE_ID = 2**31 - 1


def kinerja() -> Kinerja:
    """The engine object of the current app."""
    from flask import current_app

    return current_app.extensions["kinerja"]


def _choose_language() -> str:
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in SUPPORTED_LANGUAGES:
        session["lang"] = chosen
        return chosen
    return "id"


def _persistent_secret() -> str:
    """A secret kept in the data folder, so sessions survive restarts of the demo."""
    path = Path("var") / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
