"""The annual evaluation's unit steps: starting the unit-result step for a cycle (HR), each
unit's calibration state, moving a predikat with a reason and making a unit's set final
(HR or PPK of the organisation).

The engine decides (:mod:`engine.calibration`, :mod:`engine.unit_results`): another
organisation's cycle, unit or evaluation does not exist (404); a calibration without a
reason is 422; a unit that cannot be made final yet is 409 with ``details.reasons``.
"""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from engine.calibration import calibrate_predikat, finalise_unit, unit_calibration, unit_overview
from engine.calibration_state import UnitState
from engine.evaluation_tables import MAX_REASON, PREDIKATS
from engine.permissions import CALIBRATE, RUN_CYCLES
from engine.unit_results import start_unit_results

from ..engine_access import kinerja
from .common import ID, caller, operation, protected_blueprint

blueprint = protected_blueprint("calibration", __name__, "/api/v1", "Unit results and calibration")


class StartedSchema(ma.Schema):
    started = fields.List(fields.Integer(), required=True, metadata={"description": "ids of the new instances"})


class CalibrationRequestSchema(ma.Schema):
    predikat = fields.String(required=True, validate=validate.OneOf(PREDIKATS))
    reason = fields.String(allow_none=True, validate=validate.Length(max=MAX_REASON),
                           metadata={"description": "why the predikat moves (required, 3 characters or more)"})


class FinaliseRequestSchema(ma.Schema):
    exception_reason = fields.String(allow_none=True, validate=validate.Length(max=MAX_REASON), metadata={
        "description": "accept a set that breaks the pattern, with this reason (an audited decision)"})


class ConstraintSchema(ma.Schema):
    predikats = fields.List(fields.String(), required=True)
    kind = fields.String(required=True, metadata={"description": "min | max | largest | some"})
    percent = fields.Float(allow_none=True)
    rule_id = fields.String(required=True)
    words = fields.String(required=True)


class EmployeePredikatSchema(ma.Schema):
    employee_id = fields.Integer(required=True)
    nip = fields.String(required=True)
    name = fields.String(required=True)
    evaluation_id = fields.Integer(allow_none=True)
    predikat = fields.String(allow_none=True)
    status = fields.String(allow_none=True, metadata={"description": "proposed | final; null: no evaluation yet"})
    calibrations = fields.List(fields.Dict(), required=True)


class UnitCalibrationSchema(ma.Schema):
    unit_id = fields.Integer(required=True)
    unit_code = fields.String(required=True)
    unit_name = fields.String(required=True)
    status = fields.String(required=True,
                           metadata={"description": "no_result | incomplete | breaks_pattern | ready | final"})
    result = fields.String(allow_none=True)
    basis = fields.String(allow_none=True)
    pattern = fields.String(required=True)
    constraints = fields.List(fields.Nested(ConstraintSchema), required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    shares = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    violations = fields.List(fields.String(), required=True)
    employees = fields.List(fields.Nested(EmployeePredikatSchema), required=True)

    @ma.pre_dump
    def _from_state(self, state: UnitState, **_kwargs: Any) -> dict[str, Any]:
        return {"unit_id": state.unit_id, "unit_code": state.unit_code, "unit_name": state.unit_name,
                "status": state.status, "result": state.result, "basis": state.basis, "pattern": state.pattern,
                "constraints": [c.as_dict() for c in state.constraints], "counts": state.counts,
                "shares": state.shares, "violations": [v.message for v in state.violations],
                "employees": state.employees}


class UnitListSchema(ma.Schema):
    items = fields.List(fields.Nested(UnitCalibrationSchema), required=True)


@blueprint.route(f"/cycles/<{ID}:cycle_id>/unit-results", methods=["POST"])
@operation(blueprint, permission=RUN_CYCLES, errors=(404,))
@blueprint.response(200, StartedSchema)
def start(cycle_id: int) -> dict[str, Any]:
    """Start the unit-result step (the PPK's task per unit) for every unit with a head; idempotent."""
    return {"started": start_unit_results(kinerja(), caller().username, cycle_id)}


@blueprint.route(f"/cycles/<{ID}:cycle_id>/calibration", methods=["GET"])
@operation(blueprint, permission=CALIBRATE, errors=(404,))
@blueprint.response(200, UnitListSchema)
def overview(cycle_id: int) -> dict[str, Any]:
    """Every unit of the cycle's organisation with its result, pattern, shares and status."""
    return {"items": unit_overview(kinerja(), caller().username, cycle_id)}


@blueprint.route(f"/cycles/<{ID}:cycle_id>/units/<{ID}:unit_id>/calibration", methods=["GET"])
@operation(blueprint, permission=CALIBRATE, errors=(404,))
@blueprint.response(200, UnitCalibrationSchema)
def unit(cycle_id: int, unit_id: int) -> UnitState:
    """One unit: its result, the pattern, each employee's predikat, the shares and the violations."""
    return unit_calibration(kinerja(), caller().username, cycle_id, unit_id)


@blueprint.route(f"/evaluations/<{ID}:evaluation_id>/calibration", methods=["POST"])
@operation(blueprint, permission=CALIBRATE, errors=(404, 409, 422))
@blueprint.arguments(CalibrationRequestSchema)
@blueprint.response(204)
def calibrate(body: dict[str, Any], evaluation_id: int) -> None:
    """Move one employee's proposed annual predikat, with the reason (422 without one)."""
    calibrate_predikat(kinerja(), caller().username, evaluation_id, body["predikat"], body.get("reason"))


@blueprint.route(f"/cycles/<{ID}:cycle_id>/units/<{ID}:unit_id>/finalise", methods=["POST"])
@operation(blueprint, permission=CALIBRATE, errors=(404, 409, 422))
@blueprint.arguments(FinaliseRequestSchema)
@blueprint.response(200, UnitCalibrationSchema)
def finalise(body: dict[str, Any], cycle_id: int, unit_id: int) -> UnitState:
    """Make the unit's predikat final: 409 with ``details.reasons`` while it has no result, someone
    has no proposed predikat, or the set breaks the pattern without an accepted exception."""
    return finalise_unit(kinerja(), caller().username, cycle_id, unit_id, body.get("exception_reason"))
