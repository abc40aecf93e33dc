"""Bearer tokens: get one (throttled like the login page), change the password, revoke them all."""
from __future__ import annotations

from typing import Any

from flask import abort
from flask_smorest import Blueprint

from engine.accounts import change_password, end_sessions
from engine.login_throttle import TooManyAttempts

from ..auth import TOKEN_MAX_AGE_SECONDS, checked_sign_in, issue_token, too_many_attempts
from ..engine_access import kinerja
from ..errors import error_response
from .common import caller, operation, protected_blueprint
from .schemas import PasswordChangeSchema, TokenRequestSchema, TokenSchema

blueprint = Blueprint("auth_api", __name__, url_prefix="/api/v1/auth", description="Bearer tokens")
account_blueprint = protected_blueprint("account_api", __name__, url_prefix="/api/v1/auth",
                                        description="The caller's password and tokens")


@blueprint.route("/token", methods=["POST"])
@operation(blueprint, auth=False, errors=(401, 429))
@blueprint.arguments(TokenRequestSchema)
@blueprint.response(200, TokenSchema)
def token(credentials: dict[str, Any]) -> Any:
    """Exchange a username and password for a bearer token.

    Send it as ``Authorization: Bearer <access_token>``; it expires after ``expires_in`` seconds,
    or earlier when the user signs out, changes the password or revokes their tokens. Too many
    failed attempts for the account or from the client's address: 429 with ``Retry-After``.
    """
    try:
        signed_in = checked_sign_in(credentials["username"], credentials["password"])
    except TooManyAttempts as refused:
        return too_many_attempts(error_response(429, refused.code, refused.message, refused.details), refused)
    if signed_in is None:
        abort(401, description="wrong username or password")
    return _token(signed_in.username, signed_in.session_version)


@account_blueprint.route("/password", methods=["POST"])
@operation(account_blueprint, errors=(422,))
@account_blueprint.arguments(PasswordChangeSchema)
@account_blueprint.response(200, TokenSchema)
def password(change: dict[str, Any]) -> dict[str, Any]:
    """Change the caller's password; every earlier token and browser session ends.

    Answers with a new token for the caller. A wrong current password or a new password that
    breaks the policy is a 422 whose details name each rule (``current_password``,
    ``min_length``, ``max_length``, ``contains_username``, ``contains_nip``, ``common_password``).
    """
    username = caller().username
    version = change_password(kinerja(), username, change["current_password"], change["new_password"])
    return _token(username, version)


@account_blueprint.route("/revoke", methods=["POST"])
@operation(account_blueprint)
@account_blueprint.response(204)
def revoke() -> None:
    """End every token and browser session of the caller, this token included."""
    end_sessions(kinerja(), caller().username, "revoke")


def _token(username: str, session_version: int) -> dict[str, Any]:
    return {"access_token": issue_token(username, session_version), "token_type": "bearer",
            "expires_in": TOKEN_MAX_AGE_SECONDS}
