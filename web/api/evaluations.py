"""The periodic evaluations of an employee in a cycle: per period of the plan the
supervisor's feedback per RHK and per BerAKHLAK value, both ratings and the predikat.

Who may read them is the engine's decision (:func:`engine.evaluations.list_evaluations`):
an employee the caller may not see does not exist (404)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from engine.evaluations import list_evaluations

from ..engine_access import kinerja
from .common import caller, operation, protected_blueprint
from .evaluation_schemas import EvaluationListSchema, EvaluationQuerySchema

blueprint = protected_blueprint("evaluations", __name__, "/api/v1/evaluations", "Periodic evaluations")


@blueprint.route("", methods=["GET"])
@operation(blueprint, errors=(404, 422))
@blueprint.arguments(EvaluationQuerySchema, location="query")
@blueprint.response(200, EvaluationListSchema)
def list_(query: dict[str, Any]) -> dict[str, Any]:
    """Each period of the cycle's plan with the employee's evaluation (the caller's own unless
    ``employee`` names a NIP the caller may see: their staff for a supervisor, anyone of the
    organisation for HR, the PPK and auditors)."""
    periods = list_evaluations(kinerja(), caller().username, query["cycle"], query.get("employee"))
    return {"periods": [asdict(period) for period in periods]}
