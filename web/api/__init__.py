"""REST API under /api/v1 (flask-smorest, marshmallow schemas, OpenAPI document).

=========================================  ==================================================
``POST /api/v1/auth/token``                a bearer token for ``{"username", "password"}``
``POST /api/v1/auth/password``             ``{"current_password", "new_password"}`` → a new token
``POST /api/v1/auth/revoke``               end all the caller's tokens and sessions (204)
``GET  /api/v1/tasks``                     ``?scope=mine|group&unit=&cycle=&task_key=&search=``
``GET  /api/v1/tasks/{id}``                a task with form, prefill, employee, history
``POST /api/v1/tasks/{id}/claim|unclaim``  take or give back a group task
``GET  /api/v1/tasks/{id}/delegates``      who the holder may hand the task to
``POST /api/v1/tasks/{id}/delegate``       ``{"to": username, "reason"}``
``POST /api/v1/tasks/{id}/complete``       ``{"data": {...}}``
``GET  /api/v1/processes``                 the current deployment (HR, PPK, auditor)
``POST /api/v1/processes``                 multipart ``files`` (HR)
``POST /api/v1/cycles``                    ``{"org", "year", "process_key"}`` (HR)
``GET  /api/v1/cycles/{id}``               progress (HR, PPK, auditor of the organisation)
``GET  /api/v1/units/{code}/cascade``      a unit's cascade (``?cycle=``): HR, PPK, auditor, the unit's staff
``GET  /api/v1/instances/{id}[/history]``  an instance and its audit trail
``GET  /api/v1/audit/verify``              verify the audit chain (auditor)
``GET  /api/v1/notifications``             the caller's messages (``?unread=true``) and unread count
``POST /api/v1/notifications/{id}/read``   mark one read; ``/read-all``: all
``GET|PUT …/notifications/preferences``    muted kinds, email address, immediate|daily|off
``POST /api/v1/feedback/{id}/follow-up``   turn a complaint into a follow-up process (201)
``GET  /api/v1/skp``                       ``?employee=<NIP>&cycle=``: an employee's SKP versions
``GET  /api/v1/skp/{id}``                  one SKP version as a document, with every version
``POST /api/v1/skp/{id}/revisions``        ``{"reason"}``: revise an agreed SKP (201, Location)
``GET  /api/v1/tasks/{id}/skp-editor``     the SKP editor of a draft task
``PUT  /api/v1/tasks/{id}/skp-draft``      ``{"data": {...}}``: save the SKP without submitting
``GET|PUT /api/v1/cycles/{id}/goals``      the organisation's goals (PUT ``{"goals"}``: HR)
``GET  /api/v1/tasks/{id}/realisation``    a realisation task's indicators (ids, targets), Rencana Aksi, report
``POST /api/v1/tasks/{id}/evidence``       multipart ``file`` (+ ``indikator``): evidence of a realisation (201)
``GET  /api/v1/evidence/{id}``             an evidence file, byte-identical to the upload
``POST /api/v1/cycles/{id}/unit-results``  start each unit's result step (HR)
``GET  /api/v1/cycles/{id}/calibration``   every unit's calibration state (HR, PPK)
``GET  …/cycles/{id}/units/{u}/calibration``  one unit's; ``POST …/finalise`` makes it final
``POST /api/v1/evaluations/{id}/calibration``  ``{"predikat", "reason"}``: move a predikat
``GET  /api/v1/evaluations``               ``?cycle=&employee=<NIP>``: periodic ratings, predikat, feedback
``GET  /api/v1/skp/{id}/document.pdf``     the SKP version as PDF (``?tanda_tangan=elektronik|basah``)
``GET  /api/v1/evaluations/{id}/document.pdf``  the evaluation document (a period's or the year's) as PDF
``GET  /api/v1/verify/{code}``             public: what a printed document's code stands for, and whether it matches
``POST …/organisations/{code}/import``  multipart ``file`` (``?dry_run=true``): import employees (HR)
``GET  …/organisations/{c}/imports/{id}``  an import's progress and counts (HR)
``GET  /api/v1/openapi.json``              the OpenAPI 3.0.3 document
=========================================  ==================================================

Thin like the pages: parse (schemas), authorise (token, role, organisation), call the
engine, serialize. Engine errors become statuses in :mod:`web.errors`; every error body is
``{"error": {"code", "message", "details"}}``.
"""
from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from ..errors import http_error
from . import (
    audit,
    auth_routes,
    calibration,
    cascade,
    cycles,
    document_bundles,
    documents,
    evaluations,
    evidence,
    feedback,
    incidents,
    instances,
    notifications,
    org_import,
    processes,
    skp,
    staffing,
    tasks,
)
from .schemas import ErrorSchema

BLUEPRINTS = (auth_routes.blueprint, auth_routes.account_blueprint, tasks.blueprint, processes.blueprint, cycles.blueprint, instances.blueprint,
              audit.blueprint, notifications.blueprint, feedback.blueprint, skp.blueprint, cascade.blueprint,
              incidents.blueprint, evidence.blueprint,
              calibration.blueprint, evaluations.blueprint, documents.blueprint, documents.public_blueprint,
              org_import.blueprint, document_bundles.blueprint, staffing.blueprint)
DESCRIPTION = (
    "The performance cycle of Indonesian civil servants (ASN): the inbox of human tasks, deployed "
    "BPMN/DMN/form definitions, yearly cycles, process instances and their hash-chained audit trail. "
    "Get a token with POST /api/v1/auth/token and send it as `Authorization: Bearer <token>`. "
    'Every error is `{"error": {"code", "message", "details"}}` with a 4xx status.')
API_CONFIG = {
    "API_TITLE": "Kinerja ASN API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
}


class KinerjaApi(Api):
    """flask-smorest's ``Api`` with the app's error shape.

    ``Api`` registers its own ``HTTPException`` handler for the whole app (a different JSON
    body, and HTML pages would lose their error page); this one hands every HTTP error back
    to :func:`web.errors.http_error`, so webargs' 422 carries its ``messages`` as details."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        messages = (getattr(error, "data", None) or {}).get("messages")
        if messages:  # webargs could not parse the request: name the first problem
            error.description = f"the request is not valid: {_first_problem(messages)}"
        return http_error(error)


def _first_problem(messages: Any, path: tuple[str, ...] = ()) -> str:
    """``location.field: message`` of the first entry of webargs' nested messages."""
    if isinstance(messages, dict) and messages:
        key, value = next(iter(messages.items()))
        return _first_problem(value, (*path, str(key)) if key != "_schema" else path)
    if isinstance(messages, list) and messages:
        return _first_problem(messages[0], path)
    return f"{'.'.join(path)}: {messages}" if path else str(messages)


def register_api(app: Flask) -> None:
    """Attach the API blueprints to ``app``."""
    from ..extensions import csrf

    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api = KinerjaApi(app, spec_kwargs={"info": {"description": DESCRIPTION}})
    api.spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "a token from POST /api/v1/auth/token"})
    for blueprint in BLUEPRINTS:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
