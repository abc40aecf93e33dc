"""Incidents as JSON (HR): the steps that failed at run time, retried one by one, or many
in the background (a batch whose progress is followed here) — the use cases of
:mod:`engine.incidents` and :mod:`engine.incident_batches` (cancelling an instance is on
``/api/v1/instances``)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from engine.incident_batches import incident_batch
from engine.incident_tables import BATCH_STATUSES, INCIDENT_KINDS, INCIDENT_STATUSES
from engine.incidents import MAX_BATCH, list_incidents, retry_incident
from engine.permissions import MANAGE_INCIDENTS

from .. import flows
from ..engine_access import kinerja
from .common import ID, caller, operation, protected_blueprint
from .schemas import MAX_ID

blueprint = protected_blueprint("incidents", __name__, "/api/v1/incidents", "Failed steps (incidents)")


class IncidentQuerySchema(ma.Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(INCIDENT_STATUSES))
    cycle_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class IncidentSchema(ma.Schema):
    id = fields.Integer(required=True)
    instance_id = fields.Integer(required=True)
    process_key = fields.String(required=True)
    cycle_id = fields.Integer(allow_none=True, required=True)
    employee_name = fields.String(allow_none=True, required=True)
    kind = fields.String(required=True, metadata={"description": " | ".join(INCIDENT_KINDS)})
    element_id = fields.String(allow_none=True, required=True, metadata={"description": "the element that failed"})
    task_name = fields.String(allow_none=True, required=True)
    message = fields.String(required=True)
    status = fields.String(required=True)
    attempts = fields.Integer(required=True)
    first_failed_at = fields.DateTime(required=True)
    last_failed_at = fields.DateTime(required=True)
    closed_by = fields.String(allow_none=True, required=True)
    resolution = fields.String(allow_none=True, required=True)


class IncidentListSchema(ma.Schema):
    items = fields.List(fields.Nested(IncidentSchema), required=True)


class RetryOutcomeSchema(ma.Schema):
    incident_id = fields.Integer(required=True)
    resolved = fields.Boolean(required=True)
    message = fields.String(required=True, metadata={"description": "the new failure, or how it was resolved"})


class RetryBatchSchema(ma.Schema):
    incident_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), required=True,
                               validate=validate.Length(min=1, max=MAX_BATCH))


class BatchFailureSchema(ma.Schema):
    incident_id = fields.Integer(allow_none=True, required=True,
                                 metadata={"description": "null: the run itself stopped (the message says why)"})
    message = fields.String(required=True)


class IncidentBatchSchema(ma.Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": " | ".join(BATCH_STATUSES)})
    requested_by = fields.String(required=True)
    requested_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True, required=True)
    total = fields.Integer(required=True)
    done = fields.Integer(required=True, metadata={"description": "incidents retried so far"})
    failed = fields.Integer(required=True, metadata={"description": "of those, still failing (or refused)"})
    failures = fields.List(fields.Nested(BatchFailureSchema), required=True)


@blueprint.route("", methods=["GET"])
@operation(blueprint, permission=MANAGE_INCIDENTS)
@blueprint.arguments(IncidentQuerySchema, location="query")
@blueprint.response(200, IncidentListSchema)
def list_(query: dict[str, Any]) -> dict[str, Any]:
    """The organisation's incidents (default: open ones), newest failure first."""
    return {"items": [asdict(view) for view in list_incidents(
        kinerja(), caller().username, status=query["status"], cycle_id=query.get("cycle_id"), limit=query["limit"])]}


@blueprint.route(f"/<{ID}:incident_id>/retry", methods=["POST"])
@operation(blueprint, errors=(404, 409), permission=MANAGE_INCIDENTS)
@blueprint.response(200, RetryOutcomeSchema)
def retry(incident_id: int) -> Any:
    """Run the failed step again (after the fix): resolved, or failed again with one more attempt."""
    return asdict(retry_incident(kinerja(), caller().username, incident_id))


@blueprint.route("/retry", methods=["POST"])
@operation(blueprint, errors=(404, 422), permission=MANAGE_INCIDENTS)
@blueprint.arguments(RetryBatchSchema)
@blueprint.response(202, IncidentBatchSchema)
def retry_many(body: dict[str, Any]) -> dict[str, Any]:
    """Retry several incidents in the background, one step each.

    Answers at once (202) with the queued batch; follow it with ``GET /incidents/batches/{id}``:
    ``done`` counts up to ``total``, ``failed`` counts the retries that did not resolve their
    incident (each named in ``failures``), and ``status`` ends ``completed``. Another
    organisation's incident refuses the whole batch (404)."""
    return asdict(flows.retry_incidents(body["incident_ids"], caller().username))


@blueprint.route(f"/batches/<{ID}:batch_id>", methods=["GET"])
@operation(blueprint, errors=(404,), permission=MANAGE_INCIDENTS)
@blueprint.response(200, IncidentBatchSchema)
def batch(batch_id: int) -> dict[str, Any]:
    """A batch retry and how far it has got."""
    return asdict(incident_batch(kinerja(), caller().username, batch_id))
