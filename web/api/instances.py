"""A process instance and its audit trail, for users who may read the employee's data."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from engine.incident_tables import MAX_MESSAGE
from engine.incidents import cancel_instance
from engine.permissions import MANAGE_INCIDENTS
from engine.read_models import instance_detail, instance_history

from ..engine_access import kinerja
from .common import ID, caller, operation, protected_blueprint
from .schemas import HistorySchema, InstanceSchema

blueprint = protected_blueprint("instances", __name__, "/api/v1/instances", "Process instances")


@blueprint.route(f"/<{ID}:instance_id>", methods=["GET"])
@operation(blueprint, errors=(404,))
@blueprint.response(200, InstanceSchema)
def get(instance_id: int) -> Any:
    """An instance: status, phase, outcome so far (ratings, predikat, follow-up), open tasks.

    Visible to the employee, their supervisors, and HR, PPK and auditors of the organisation;
    404 for anyone else."""
    return instance_detail(kinerja(), caller().username, instance_id)


@blueprint.route(f"/<{ID}:instance_id>/history", methods=["GET"])
@operation(blueprint, errors=(404,))
@blueprint.response(200, HistorySchema)
def history(instance_id: int) -> dict[str, Any]:
    """The instance's audit trail.

    Every event in order: who did what when, with the submitted data; DMN evaluations
    (``decision.evaluated``) carry inputs, matched rules and outputs."""
    return {"items": instance_history(kinerja(), caller().username, instance_id)}


class CancelSchema(ma.Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=MAX_MESSAGE))


@blueprint.route(f"/<{ID}:instance_id>/cancel", methods=["POST"])
@operation(blueprint, errors=(404, 409, 422), permission=MANAGE_INCIDENTS)
@blueprint.arguments(CancelSchema)
@blueprint.response(204)
def cancel(body: dict[str, Any], instance_id: int) -> None:
    """End a running instance that cannot go on (HR): its tasks and timers are cancelled, its
    incidents closed, the reason kept in the audit trail."""
    cancel_instance(kinerja(), caller().username, instance_id, body["reason"])
