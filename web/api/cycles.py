"""Opening an organisation's yearly cycle for every employee (HR) and following its progress."""
from __future__ import annotations

from typing import Any

from engine.cycles import cycle_info
from engine.permissions import READ_CYCLES, RUN_CYCLES

from .. import flows
from ..engine_access import kinerja
from .common import ID, caller, operation, protected_blueprint
from .schemas import CycleRequestSchema, CycleSchema

blueprint = protected_blueprint("cycles", __name__, "/api/v1/cycles", "Evaluation cycles")


@blueprint.route("", methods=["POST"])
@operation(blueprint, permission=RUN_CYCLES, errors=(404, 422))
@blueprint.arguments(CycleRequestSchema)
@blueprint.response(202, CycleSchema)
def open_cycle(body: dict[str, Any]) -> dict[str, Any]:
    """Open a year's cycle for the caller's organisation.

    Answers at once (202) with the cycle and its queued run; the open-cycle flow then
    starts the process for every active employee who has no instance in the cycle yet
    (idempotent: re-running starts nobody twice). Follow it with ``GET /cycles/{id}``:
    ``progress.started`` counts up to ``progress.employees``, and ``latest_run`` ends
    ``completed`` or ``failed`` with its summary."""
    cycle_id = flows.open_cycle(body["org"], body["year"], body["process_key"], caller().username,
                                body.get("settings"))
    return cycle_info(kinerja(), caller().username, cycle_id)


@blueprint.route(f"/<{ID}:cycle_id>", methods=["GET"])
@operation(blueprint, permission=READ_CYCLES, errors=(404,))
@blueprint.response(200, CycleSchema)
def get(cycle_id: int) -> dict[str, Any]:
    """A cycle with its progress (employees in scope, instances started and completed) and latest
    run; another organisation's cycle is not found."""
    return cycle_info(kinerja(), caller().username, cycle_id)
