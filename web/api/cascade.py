"""A unit's cascade ("Matriks peran hasil") as JSON: the same tree as the page, for the same
readers (HR, PPK and auditors of the organisation, and the unit's own employees)."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from engine.cascade import CascadeView, unit_cascade

from ..engine_access import kinerja
from .common import caller, operation, protected_blueprint
from .schemas import MAX_ID

blueprint = protected_blueprint("cascade", __name__, "/api/v1/units", "The cascade of a unit's SKPs")


class CascadeQuerySchema(ma.Schema):
    cycle = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={
        "description": "cycle id (default: the organisation's newest cycle of the yearly process)"})


class CascadeRhkSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "utama | tambahan"})
    text = fields.String(required=True)
    employee = fields.String(required=True, metadata={"description": "the employee's name"})
    nip = fields.String(required=True)
    unit = fields.String(required=True, metadata={"description": "the employee's unit"})
    children = fields.List(fields.Nested(lambda: CascadeRhkSchema()), required=True,
                           metadata={"description": "the staff RHK that intervene this one"})


class CascadeTopSchema(ma.Schema):
    kind = fields.String(required=True, metadata={
        "description": "goal: an organisation goal; rhk: an RHK of the head's supervisor outside the unit; "
                       "none: the head's RHK that intervene nothing"})
    text = fields.String(allow_none=True, required=True)
    owner = fields.String(allow_none=True, required=True, metadata={"description": "whose RHK (kind rhk)"})
    rhk = fields.List(fields.Nested(CascadeRhkSchema), required=True, metadata={
        "description": "the unit head's RHK that intervene it"})


class LooseRhkSchema(ma.Schema):
    rhk = fields.Nested(CascadeRhkSchema, required=True)
    intervenes = fields.String(allow_none=True, required=True, metadata={
        "description": "an RHK of an earlier version of the supervisor's SKP, or null"})


class CascadeMemberSchema(ma.Schema):
    name = fields.String(required=True)
    nip = fields.String(required=True)
    position = fields.String(required=True)
    supervisor = fields.String(allow_none=True, required=True)
    head = fields.Boolean(required=True, metadata={"description": "the unit's head"})
    status = fields.String(required=True, metadata={"description": "agreed | none | draft | submitted | returned"})
    version = fields.Integer(allow_none=True, required=True, metadata={"description": "of the agreed SKP"})


class CascadeSchema(ma.Schema):
    unit_code = fields.String(required=True)
    unit_name = fields.String(required=True)
    organisation = fields.String(required=True)
    cycle_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    goals = fields.List(fields.String(), required=True, metadata={"description": "the organisation's goals"})
    tops = fields.List(fields.Nested(CascadeTopSchema), required=True)
    loose = fields.List(fields.Nested(LooseRhkSchema), required=True, metadata={
        "description": "the unit's RHK that hang nowhere in the tree"})
    members = fields.List(fields.Nested(CascadeMemberSchema), required=True, metadata={
        "description": "the unit's employees, heads first, then by hierarchy"})
    missing = fields.List(fields.Nested(CascadeMemberSchema), required=True, metadata={
        "description": "the employees without an agreed SKP"})


@blueprint.route("/<string(maxlength=64):code>/cascade", methods=["GET"])
@operation(blueprint, errors=(403, 404, 422))
@blueprint.arguments(CascadeQuerySchema, location="query")
@blueprint.response(200, CascadeSchema)
def get(query: dict[str, Any], code: str) -> CascadeView:
    """The unit's "Matriks peran hasil" in a cycle: what the head's RHK intervene (organisation
    goals or the supervisor's RHK outside the unit), each agreed RHK with the staff RHK that
    intervene it, and who has no agreed SKP yet. HR, PPK and auditors read every unit of their
    organisation, an employee their own unit (403 for another unit); another organisation's
    unit is not found."""
    return unit_cascade(kinerja(), caller().username, code, query.get("cycle"))
