"""POST /auth/token: a bearer token for a username and password (rate-limited like the login page)."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app
from flask_smorest import Blueprint

from engine.org import authenticate

from .. import limiter
from ..auth import TOKEN_MAX_AGE_SECONDS, issue_token
from .common import engine, operation
from .schemas import TokenRequestSchema, TokenSchema

blueprint = Blueprint("auth_api", __name__, url_prefix="/api/v1/auth", description="Bearer tokens")


@blueprint.route("/token", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@operation(blueprint, auth=False, errors=(401, 429))
@blueprint.arguments(TokenRequestSchema)
@blueprint.response(200, TokenSchema)
def token(credentials: dict[str, Any]) -> dict[str, Any]:
    """Exchange a username and password for a bearer token.

    Send it as ``Authorization: Bearer <access_token>``; it expires after ``expires_in`` seconds.
    """
    if authenticate(engine(), credentials["username"], credentials["password"]) is None:
        abort(401, description="wrong username or password")
    return {"access_token": issue_token(credentials["username"]), "token_type": "bearer",
            "expires_in": TOKEN_MAX_AGE_SECONDS}
