"""The deployed process, decision and form definitions; deploying new versions (HR)."""
from __future__ import annotations

from typing import Any

from engine.definitions import DefinitionFile
from engine.deployment import check_definitions, definition_warnings
from engine.deployment import deploy as deploy_files
from engine.errors import InvalidDefinition
from engine.library import definition_library
from engine.migration import migrate_instances, plan_migration
from engine.permissions import CHANGE_DEFINITIONS, READ_DEFINITIONS
from engine.read_models import latest_deployment

from ..engine_access import kinerja
from .common import ID, caller, operation, protected_blueprint
from .schemas import (
    CheckResultSchema,
    CurrentDeploymentSchema,
    DeployResultSchema,
    LibrarySchema,
    MigrationPlanSchema,
    MigrationQuerySchema,
    MigrationRequestSchema,
    UploadSchema,
)

blueprint = protected_blueprint("processes", __name__, "/api/v1/processes", "Deployed definitions")


@blueprint.route("", methods=["GET"])
@operation(blueprint, permission=READ_DEFINITIONS)
@blueprint.response(200, CurrentDeploymentSchema)
def current() -> dict[str, Any]:
    """The current deployment of processes, decisions and forms.

    Every file's version, content hash, author and date, and how many instances run on this
    deployment; ``deployment`` is null before the first deployment."""
    return {"deployment": latest_deployment(kinerja(), caller().username)}


@blueprint.route("", methods=["POST"])
@operation(blueprint, permission=CHANGE_DEFINITIONS, errors=(422,))
@blueprint.arguments(UploadSchema, location="files")
@blueprint.response(201, DeployResultSchema)
@blueprint.alt_response(200, schema=DeployResultSchema, success=True,
                        description="every file was already deployed unchanged")
def deploy(upload: dict[str, Any]) -> Any:
    """Deploy BPMN, DMN and form files (multipart field ``files``, repeated).

    They are validated together with everything already deployed; if anything is wrong,
    nothing is stored and the 422 lists each problem with its file, element id and message.
    Running instances stay on the version they started with.
    """
    result = deploy_files(kinerja(), caller().username, _files(upload))
    return result, 201 if result.created else 200


@blueprint.route("/check", methods=["POST"])
@operation(blueprint, permission=CHANGE_DEFINITIONS, errors=(422,))
@blueprint.arguments(UploadSchema, location="files")
@blueprint.response(200, CheckResultSchema)
def check(upload: dict[str, Any]) -> dict[str, Any]:
    """Check files exactly as a deploy would, without storing anything.

    Each problem names its file, element id and what is wrong; an empty list means the
    deploy would succeed. Warnings name what would deploy but should not stay so (a user
    task that could hang: no deadline, or no timer boundary event)."""
    try:
        files = _files(upload)
    except InvalidDefinition as error:
        return {"problems": error.details or [], "warnings": []}
    return {"problems": check_definitions(kinerja(), caller().username, files),
            "warnings": definition_warnings(kinerja(), caller().username, files)}


@blueprint.route("/versions", methods=["GET"])
@operation(blueprint, permission=READ_DEFINITIONS)
@blueprint.response(200, LibrarySchema)
def versions() -> dict[str, Any]:
    """Every definition file ever deployed, with its versions (newest first), author, date,
    content hash and the running instances on deployments that contain it."""
    return {"items": definition_library(kinerja(), caller().username)}


@blueprint.route(f"/migrations/<{ID}:deployment_id>", methods=["GET"])
@operation(blueprint, permission=CHANGE_DEFINITIONS, errors=(404, 409))
@blueprint.arguments(MigrationQuerySchema, location="query")
@blueprint.response(200, MigrationPlanSchema)
def migration_plan(query: dict[str, Any], deployment_id: int) -> Any:
    """Which running instances of the caller's organisation on a deployment could move to another
    (default: the newest), and why not."""
    return plan_migration(kinerja(), caller().username, deployment_id, query["to_deployment"])


@blueprint.route(f"/migrations/<{ID}:deployment_id>", methods=["POST"])
@operation(blueprint, permission=CHANGE_DEFINITIONS, errors=(404, 409, 422))
@blueprint.arguments(MigrationRequestSchema)
@blueprint.response(200, MigrationPlanSchema)
def migrate(request: dict[str, Any], deployment_id: int) -> Any:
    """Move running instances to another deployment; those that cannot move stay, with reasons.

    Each move is an ``instance.migrated`` audit event; the request as a whole an
    ``instances.migration`` event."""
    return migrate_instances(kinerja(), caller().username, deployment_id, request["to_deployment"],
                             request["instance_ids"])


def _files(upload: dict[str, Any]) -> list[DefinitionFile]:
    return [DefinitionFile.from_upload(upload_file.filename or "", upload_file.read())
            for upload_file in upload["files"]]
