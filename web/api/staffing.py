"""Transfers, leavings and acting officials through the API (HR of the organisation):
``GET /organisations/{code}/staffing`` lists them; ``POST .../moves``, ``.../leavings`` and
``.../acting`` record one each through :mod:`engine.org_moves` and :mod:`engine.acting`,
which decide who may and refuse a wrong field with a 422 naming it."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from engine.acting import appoint_acting, check_staffing_organisation, staffing_records
from engine.org_moves import move_employee, record_leaving
from engine.org_moves_tables import ACTING_KINDS, LEAVING_KINDS, MAX_REASON
from engine.permissions import MANAGE_STAFFING

from ..engine_access import kinerja
from .common import caller, operation, protected_blueprint

blueprint = protected_blueprint("staffing", __name__, "/api/v1/organisations",
                                "Transfers, leavings and acting officials (Plt/Plh)")
NIP = fields.String(required=True, validate=validate.Length(min=1, max=32))
REASON = fields.String(required=True, validate=validate.Length(max=MAX_REASON))


class MoveSchema(ma.Schema):
    nip = NIP
    unit = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"description": "unit code"})
    supervisor = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32),
                               metadata={"description": "the new supervisor's NIP (null: nobody above)"})
    effective_date = fields.Date(required=True)
    reason = REASON


class LeavingSchema(ma.Schema):
    nip = NIP
    kind = fields.String(required=True, validate=validate.OneOf(LEAVING_KINDS))
    effective_date = fields.Date(required=True)
    reason = REASON


class ActingSchema(ma.Schema):
    acting = fields.String(required=True, validate=validate.Length(min=1, max=32),
                           metadata={"description": "NIP of the acting official"})
    for_ = fields.String(required=True, data_key="for", validate=validate.Length(min=1, max=32),
                         metadata={"description": "NIP of the employee they act for"})
    kind = fields.String(required=True, validate=validate.OneOf(ACTING_KINDS))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    reason = REASON


class RecordedSchema(ma.Schema):
    id = fields.Integer(required=True)


class StaffingRecordSchema(ma.Schema):
    kind = fields.String(required=True, metadata={"description": "mutasi | berhenti | plt | plh"})
    nip = fields.String(required=True)
    name = fields.String(required=True)
    effective = fields.Date(required=True)
    until = fields.Date(allow_none=True, required=True)
    detail = fields.String(required=True)
    reason = fields.String(required=True)
    recorded_by = fields.String(required=True)


class StaffingListSchema(ma.Schema):
    items = fields.List(fields.Nested(StaffingRecordSchema), required=True)


@blueprint.route("/<string(maxlength=64):code>/staffing", methods=["GET"])
@operation(blueprint, permission=MANAGE_STAFFING, errors=(404,))
@blueprint.response(200, StaffingListSchema)
def list_staffing(code: str) -> dict[str, Any]:
    """The organisation's transfers, leavings and acting appointments, newest first."""
    return {"items": [asdict(record) for record in staffing_records(kinerja(), caller().username, code)]}


@blueprint.route("/<string(maxlength=64):code>/moves", methods=["POST"])
@operation(blueprint, permission=MANAGE_STAFFING, errors=(404, 422))
@blueprint.arguments(MoveSchema)
@blueprint.response(201, RecordedSchema)
def move(body: dict[str, Any], code: str) -> dict[str, Any]:
    """Record a transfer (mutasi): open tasks go to the new supervisor, an agreed SKP is revised."""
    check_staffing_organisation(kinerja(), caller().username, code)  # another organisation's: 404
    return {"id": move_employee(kinerja(), caller().username, body["nip"], body["unit"], body["supervisor"],
                                body["effective_date"], body["reason"])}


@blueprint.route("/<string(maxlength=64):code>/leavings", methods=["POST"])
@operation(blueprint, permission=MANAGE_STAFFING, errors=(404, 422))
@blueprint.arguments(LeavingSchema)
@blueprint.response(201, RecordedSchema)
def leave(body: dict[str, Any], code: str) -> dict[str, Any]:
    """Record that an employee leaves: inactive, their running instances cancelled with the reason."""
    check_staffing_organisation(kinerja(), caller().username, code)
    return {"id": record_leaving(kinerja(), caller().username, body["nip"], body["effective_date"], body["kind"],
                                 body["reason"])}


@blueprint.route("/<string(maxlength=64):code>/acting", methods=["POST"])
@operation(blueprint, permission=MANAGE_STAFFING, errors=(404, 422))
@blueprint.arguments(ActingSchema)
@blueprint.response(201, RecordedSchema)
def acting(body: dict[str, Any], code: str) -> dict[str, Any]:
    """Appoint an acting official (Plt/Plh) for an employee's tasks from ``starts_on`` to ``ends_on``."""
    check_staffing_organisation(kinerja(), caller().username, code)
    return {"id": appoint_acting(kinerja(), caller().username, body["acting"], body["for_"], body["kind"],
                                 body["starts_on"], body["ends_on"], body["reason"])}
