"""Opening an organisation's yearly cycle for every employee (HR) and following its progress."""
from __future__ import annotations

from typing import Any

from engine.assignment import ROLE_AUDITOR, ROLE_HR, ROLE_PPK
from engine.errors import Forbidden, NotFound
from engine.org import organisation_exists

from .. import flows
from .common import ID, caller, engine, operation, protected_blueprint
from .schemas import CycleRequestSchema, CycleSchema

blueprint = protected_blueprint("cycles", __name__, "/api/v1/cycles", "Evaluation cycles")


@blueprint.route("", methods=["POST"])
@operation(blueprint, roles=(ROLE_HR,), errors=(404, 422))
@blueprint.arguments(CycleRequestSchema)
@blueprint.response(202, CycleSchema)
def open_cycle(body: dict[str, Any]) -> dict[str, Any]:
    """Open a year's cycle for the caller's organisation.

    Answers at once (202) with the cycle and its queued run; the open-cycle flow then
    starts the process for every active employee who has no instance in the cycle yet
    (idempotent: re-running starts nobody twice). Follow it with ``GET /cycles/{id}``:
    ``progress.started`` counts up to ``progress.employees``, and ``latest_run`` ends
    ``completed`` or ``failed`` with its summary."""
    kinerja, profile = engine(), caller()
    if not organisation_exists(kinerja, body["org"]):
        raise NotFound(f"organisation '{body['org']}' does not exist")
    if body["org"] != profile.organisation_code:
        raise Forbidden("cycles can only be opened for your own organisation")
    cycle_id = flows.open_cycle(body["org"], body["year"], body["process_key"], profile.username,
                                body.get("settings"))
    return kinerja.cycle_info(cycle_id)


@blueprint.route(f"/<{ID}:cycle_id>", methods=["GET"])
@operation(blueprint, roles=(ROLE_HR, ROLE_PPK, ROLE_AUDITOR), errors=(404,))
@blueprint.response(200, CycleSchema)
def get(cycle_id: int) -> dict[str, Any]:
    """A cycle with its progress (employees in scope, instances started and completed) and latest run."""
    info = engine().cycle_info(cycle_id)
    if info["organisation"] != caller().organisation_code:
        raise Forbidden("this cycle belongs to another organisation")
    return info
