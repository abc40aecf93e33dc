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

from engine.kinerja import Kinerja
from engine.readiness import DEFAULT_MIN_FREE_BYTES, readiness

from . import auth, errors, formatting, limits, security
from .extensions import csrf, limiter

SUPPORTED_LANGUAGES = ("id", "en")


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
        MAX_CONTENT_LENGTH=limits.request_limit(),
        READY_MIN_FREE_BYTES=_min_free_bytes(),
        # Where printed documents' verification links point (web.documents.verify_base).
        PUBLIC_URL=os.environ.get("KINERJA_PUBLIC_URL") or None,
        VERIFY_RATE_LIMIT="60 per hour",
        **security.settings_from_environment(),
    )
    app.config.update(config or {})
    app.url_map.converters["int"] = limits.DatabaseId
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
        """Liveness: the process answers. It asks nothing of the database, so a database
        outage does not get healthy processes restarted (that is what ``/readyz`` is for)."""
        return {"status": "ok"}

    @app.get("/readyz")
    def ready():  # type: ignore[no-untyped-def]
        """Readiness (engine.readiness): 200 when every check passes, else 503 naming the failing ones."""
        result = readiness(kinerja, app.config["READY_MIN_FREE_BYTES"])
        body = {"status": "ready" if result.ready else "not_ready", "failing": result.failing,
                "checks": {name: {"ok": check.ok, "detail": check.detail} for name, check in result.checks.items()}}
        return body, 200 if result.ready else 503

    return app


def _min_free_bytes() -> int:
    """``KINERJA_READY_MIN_FREE_MB``: the free disk space below which ``/readyz`` fails (100 MB)."""
    raw = os.environ.get("KINERJA_READY_MIN_FREE_MB", "").strip()
    return int(raw) * 1024 * 1024 if raw.isdigit() else DEFAULT_MIN_FREE_BYTES


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
