"""The audit log for auditors: verify the chain, search it, explain decisions, export."""
from __future__ import annotations

from typing import Any

from flask import Response

from engine.audit_trail import export_events, instance_audit, search_events
from engine.audit_verification import verify_audit_chain
from engine.permissions import AUDIT

from ..audit_support import audit_query, export_response
from ..engine_access import kinerja
from .common import ID, caller, operation, protected_blueprint
from .schemas import (
    AuditEventSchema,
    AuditSearchQuerySchema,
    DecisionListSchema,
    ExportQuerySchema,
    SearchPageSchema,
    VerificationSchema,
)

blueprint = protected_blueprint("audit", __name__, "/api/v1/audit", "Audit log")
EXPORT_RESPONSE = {
    "description": "the events in chain order, streamed: a JSON array, or CSV with one row per event "
                   "(columns seq, occurred_at, actor, action, instance_id, task_id, data as JSON, prev_hash, hash)",
    "content": {"application/json": {"schema": {"type": "array", "items": AuditEventSchema}},
                "text/csv": {"schema": {"type": "string"}}},
}


@blueprint.route("/verify", methods=["GET"])
@operation(blueprint, permission=AUDIT)
@blueprint.response(200, VerificationSchema)
def verify() -> Any:
    """Recompute the whole chain; ``ok`` is false with the first altered, missing or truncated event.

    Signed checkpoints of the chain head (``kinerja audit checkpoint``) must match too, so a
    tail cut together with its head is noticed."""
    return verify_audit_chain(kinerja(), caller().username)


@blueprint.route("/events", methods=["GET"])
@operation(blueprint, permission=AUDIT, errors=(422,))
@blueprint.arguments(AuditSearchQuerySchema, location="query")
@blueprint.response(200, SearchPageSchema)
def search(query: dict[str, Any]) -> Any:
    """Search the audit log of the caller's organisation, newest first, a page at a time.

    Filters are ANDed: employee (name or NIP), unit, cycle, actor, action, dates, predikat.
    Searches about employees are themselves logged (``audit.viewed``)."""
    return search_events(kinerja(), caller().username, audit_query(query))


@blueprint.route(f"/instances/<{ID}:instance_id>/decisions", methods=["GET"])
@operation(blueprint, permission=AUDIT, errors=(404,))
@blueprint.response(200, DecisionListSchema)
def decisions(instance_id: int) -> dict[str, Any]:
    """Every DMN decision of an instance: inputs, outputs, and the decision table as it was
    when the decision ran (from the recorded file version), matched rows flagged."""
    audit = instance_audit(kinerja(), caller().username, instance_id, with_diagrams=False)
    return {"items": audit.decisions}


@blueprint.route(f"/instances/<{ID}:instance_id>/export", methods=["GET"])
@operation(blueprint, permission=AUDIT, errors=(404, 422))
@blueprint.arguments(ExportQuerySchema, location="query")
@blueprint.doc(responses={"200": EXPORT_RESPONSE})
def export_instance(query: dict[str, Any], instance_id: int) -> Response:
    """An instance's audit events as JSON or CSV (``format``)."""
    events = export_events(kinerja(), caller().username, instance_id=instance_id)
    return export_response(events, query["format"], f"audit-instance-{instance_id}")


@blueprint.route(f"/cycles/<{ID}:cycle_id>/export", methods=["GET"])
@operation(blueprint, permission=AUDIT, errors=(404, 422))
@blueprint.arguments(ExportQuerySchema, location="query")
@blueprint.doc(responses={"200": EXPORT_RESPONSE})
def export_cycle(query: dict[str, Any], cycle_id: int) -> Response:
    """Every audit event of a cycle's instances, streamed in bounded memory."""
    events = export_events(kinerja(), caller().username, cycle_id=cycle_id)
    return export_response(events, query["format"], f"audit-cycle-{cycle_id}")
