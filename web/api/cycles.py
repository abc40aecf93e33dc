"""Opening an organisation's yearly cycle for every employee (HR) and following its progress."""
from __future__ import annotations

from typing import Any

from engine.assignment import ROLE_AUDITOR, ROLE_HR, ROLE_PPK
from engine.errors import Forbidden, NotFound
from engine.org import organisation_exists
from engine.read_models import latest_deployment

from .common import ID, caller, engine, operation, protected_blueprint
from .schemas import CycleRequestSchema, CycleSchema

blueprint = protected_blueprint("cycles", __name__, "/api/v1/cycles", "Evaluation cycles")
BATCH_SIZE = 200  # instances started per transaction


@blueprint.route("", methods=["POST"])
@operation(blueprint, roles=(ROLE_HR,), errors=(404, 422))
@blueprint.arguments(CycleRequestSchema)
@blueprint.response(201, CycleSchema)
def open_cycle(body: dict[str, Any]) -> dict[str, Any]:
    """Open a year's cycle for the caller's organisation.

    Starts the process for every active employee who has no instance in the cycle yet
    (idempotent: re-running starts nobody twice) and answers with the cycle's progress."""
    kinerja, profile = engine(), caller()
    if not organisation_exists(kinerja, body["org"]):
        raise NotFound(f"organisation '{body['org']}' does not exist")
    if body["org"] != profile.organisation_code:
        raise Forbidden("cycles can only be opened for your own organisation")
    deployment = latest_deployment(kinerja)
    deployed_processes = {key for file in (deployment.files if deployment else []) if file.kind == "bpmn"
                          for key in file.provides}
    if body["process_key"] not in deployed_processes:  # checked first: a cycle of nothing is not stored
        raise NotFound(f"process '{body['process_key']}' is not deployed")
    cycle_id = kinerja.ensure_cycle(body["org"], body["year"], body["process_key"], actor=profile.username,
                                    settings=body.get("settings"))
    pending = kinerja.employees_without_instance(cycle_id)
    for start in range(0, len(pending), BATCH_SIZE):
        kinerja.start_cycle_instances(cycle_id, pending[start:start + BATCH_SIZE], actor=profile.username)
    return kinerja.cycle_info(cycle_id)


@blueprint.route(f"/<{ID}:cycle_id>", methods=["GET"])
@operation(blueprint, roles=(ROLE_HR, ROLE_PPK, ROLE_AUDITOR), errors=(404,))
@blueprint.response(200, CycleSchema)
def get(cycle_id: int) -> dict[str, Any]:
    """A cycle with its progress: employees in scope, instances started and completed."""
    info = engine().cycle_info(cycle_id)
    if info["organisation"] != caller().organisation_code:
        raise Forbidden("this cycle belongs to another organisation")
    return info
