"""What every API module shares: the engine, the caller (bearer token → profile, checked
before any argument parsing), role requirements and the documented error responses."""
from __future__ import annotations

from http import HTTPStatus
from typing import Any, Callable, Iterable, Optional, TypeVar

import marshmallow as ma
from flask import Request, abort, current_app, g, request
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import MultiDict

from engine.access import UserProfile
from engine.accounts import SessionEnded, signed_in_profile
from engine.errors import NotFound
from engine.permissions import Permission

from ..auth import require_api_user
from ..engine_access import kinerja
from .schemas import MAX_ID, ErrorSchema

View = TypeVar("View", bound=Callable[..., Any])
BEARER = [{"bearerAuth": []}]
# Path segment of a numeric id: larger numbers do not route (404), so they never reach the database.
ID = f"int(min=1, max={MAX_ID})"

ERROR_DESCRIPTIONS = {
    400: "malformed request (e.g. invalid JSON)",
    401: "no valid bearer token",
    403: "the user's role or organisation does not allow this",
    404: "no such resource, or the user may not see it",
    409: "the state changed (e.g. the task is already completed)",
    422: "invalid input; details name the fields",
}


def caller() -> UserProfile:
    """The authenticated user of this request (set by :func:`authenticate`)."""
    return g.api_profile


def authenticate() -> None:
    """``before_request`` of the protected blueprints: a valid token of an active user (401),
    then the roles the view requires (403), before any argument is parsed."""
    username, session_version = require_api_user()
    try:
        g.api_profile = signed_in_profile(kinerja(), username, session_version)
    except NotFound:
        abort(401, description="the token's user no longer exists or is inactive")
    except SessionEnded:
        abort(401, description="the token was revoked (the user signed out, changed the password or revoked "
                               "their tokens); get a new one")
    permission = getattr(current_app.view_functions.get(request.endpoint or ""), "_api_permission", None)
    if permission is not None:
        permission.check(g.api_profile.roles)


class StrictParser(FlaskParser):
    """Requests hold what the OpenAPI document says, no more and no less: an unknown query
    parameter or multipart field is refused like an unknown JSON field (422), and an operation
    that reads a JSON body needs one — an absent body is not a request for every default
    (``POST /processes/migrations/{id}`` with no body once moved every instance)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": ma.RAISE, "querystring": ma.RAISE, "files": ma.RAISE}

    def _raw_load_json(self, req: Request) -> Any:
        if not req.get_data(cache=True):
            raise ma.ValidationError("a JSON body is required")
        if not is_json_request(req):
            abort(415, description="the body must be JSON (Content-Type: application/json)")
        return super()._raw_load_json(req)

    def load_files(self, req: Request, schema: ma.Schema) -> Any:
        """Files and the other fields of a multipart body together, so a stray field is named."""
        return self._makeproxy(MultiDict([*req.files.items(multi=True), *req.form.items(multi=True)]), schema)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = StrictParser()


def protected_blueprint(name: str, import_name: str, url_prefix: str, description: str) -> Blueprint:
    blueprint = ApiBlueprint(name, import_name, url_prefix=url_prefix, description=description)
    blueprint.before_request(authenticate)
    return blueprint


def operation(blueprint: Blueprint, *, errors: Iterable[int] = (), permission: Optional[Permission] = None,
              auth: bool = True) -> Callable[[View], View]:
    """Document an operation's security and error responses; ``permission``: the engine's
    permission its use case needs, asked before the arguments are parsed."""
    statuses = sorted({*errors, *((401,) if auth else ()), *((403,) if permission else ())})

    def decorator(view: View) -> View:
        if auth:
            view = blueprint.doc(security=BEARER)(view)
        for status in statuses:
            view = blueprint.alt_response(status, schema=ErrorSchema,
                                          description=ERROR_DESCRIPTIONS.get(status, HTTPStatus(status).phrase))(view)
        view._api_permission = permission  # type: ignore[attr-defined]
        return view

    return decorator

