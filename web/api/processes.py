"""The deployed process, decision and form definitions; deploying new versions (HR)."""
from __future__ import annotations

from typing import Any

from engine.assignment import ROLE_AUDITOR, ROLE_HR, ROLE_PPK
from engine.definitions import DefinitionFile
from engine.errors import InvalidDefinition
from engine.library import definition_library
from engine.read_models import latest_deployment

from .common import ID, caller, engine, operation, protected_blueprint
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
@operation(blueprint, roles=(ROLE_HR, ROLE_PPK, ROLE_AUDITOR))
@blueprint.response(200, CurrentDeploymentSchema)
def current() -> dict[str, Any]:
    """The current deployment of processes, decisions and forms.

    Every file's version, content hash, author and date, and how many instances run on this
    deployment; ``deployment`` is null before the first deployment."""
    return {"deployment": latest_deployment(engine())}


@blueprint.route("", methods=["POST"])
@operation(blueprint, roles=(ROLE_HR,), errors=(422,))
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
    result = engine().deploy(_files(upload), actor=caller().username)
    return result, 201 if result.created else 200


@blueprint.route("/check", methods=["POST"])
@operation(blueprint, roles=(ROLE_HR,), errors=(422,))
@blueprint.arguments(UploadSchema, location="files")
@blueprint.response(200, CheckResultSchema)
def check(upload: dict[str, Any]) -> dict[str, Any]:
    """Check files exactly as a deploy would, without storing anything.

    Each problem names its file, element id and what is wrong; an empty list means the
    deploy would succeed."""
    try:
        files = _files(upload)
    except InvalidDefinition as error:
        return {"problems": error.details or []}
    return {"problems": engine().check_definitions(files)}


@blueprint.route("/versions", methods=["GET"])
@operation(blueprint, roles=(ROLE_HR, ROLE_PPK, ROLE_AUDITOR))
@blueprint.response(200, LibrarySchema)
def versions() -> dict[str, Any]:
    """Every definition file ever deployed, with its versions (newest first), author, date,
    content hash and the running instances on deployments that contain it."""
    return {"items": definition_library(engine())}


@blueprint.route(f"/migrations/<{ID}:deployment_id>", methods=["GET"])
@operation(blueprint, roles=(ROLE_HR,), errors=(404, 409))
@blueprint.arguments(MigrationQuerySchema, location="query")
@blueprint.response(200, MigrationPlanSchema)
def migration_plan(query: dict[str, Any], deployment_id: int) -> Any:
    """Which running instances of the caller's organisation on a deployment could move to another
    (default: the newest), and why not."""
    return engine().plan_migration(deployment_id, query["to_deployment"], caller().organisation_id)


@blueprint.route(f"/migrations/<{ID}:deployment_id>", methods=["POST"])
@operation(blueprint, roles=(ROLE_HR,), errors=(404, 409, 422))
@blueprint.arguments(MigrationRequestSchema)
@blueprint.response(200, MigrationPlanSchema)
def migrate(request: dict[str, Any], deployment_id: int) -> Any:
    """Move running instances to another deployment; those that cannot move stay, with reasons.

    Each move is an ``instance.migrated`` audit event; the request as a whole an
    ``instances.migration`` event."""
    return engine().migrate_instances(deployment_id, request["to_deployment"], caller().username,
                                      request["instance_ids"], caller().organisation_id)


def _files(upload: dict[str, Any]) -> list[DefinitionFile]:
    return [DefinitionFile.from_upload(upload_file.filename or "", upload_file.read())
            for upload_file in upload["files"]]
