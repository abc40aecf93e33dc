"""Incidents as JSON (HR): the steps that failed at run time, retried one by one or in a
batch — the use cases of :mod:`engine.incidents` (cancelling an instance is on
``/api/v1/instances``)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from engine.incident_tables import INCIDENT_KINDS, INCIDENT_STATUSES
from engine.incidents import MAX_BATCH, list_incidents, retry_incident, retry_incidents
from engine.permissions import MANAGE_INCIDENTS

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


class RetryBatchResultSchema(ma.Schema):
    outcomes = fields.List(fields.Nested(RetryOutcomeSchema), required=True)


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
@operation(blueprint, errors=(422,), permission=MANAGE_INCIDENTS)
@blueprint.arguments(RetryBatchSchema)
@blueprint.response(200, RetryBatchResultSchema)
def retry_many(body: dict[str, Any]) -> dict[str, Any]:
    """Retry several incidents, one step each; each outcome says whether it was resolved."""
    return {"outcomes": [asdict(o) for o in retry_incidents(kinerja(), caller().username, body["incident_ids"])]}
