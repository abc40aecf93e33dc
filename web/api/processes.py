"""The deployed process, decision and form definitions; deploying new versions (HR)."""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from engine.assignment import ROLE_AUDITOR, ROLE_HR, ROLE_PPK
from engine.definitions import DefinitionFile, problem
from engine.errors import InvalidDefinition
from engine.read_models import latest_deployment

from .common import caller, engine, operation, protected_blueprint
from .schemas import CurrentDeploymentSchema, DeployResultSchema, UploadSchema

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
    files = [DefinitionFile.from_upload(_checked_name(upload_file.filename), upload_file.read())
             for upload_file in upload["files"]]
    result = engine().deploy(files, actor=caller().username)
    return result, 201 if result.created else 200


def _checked_name(filename: str | None) -> str:
    """The uploaded file's name; its stem becomes the definition's name (a form's key)."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    stem = PurePosixPath(name).stem
    if not stem or len(stem) > 200 or not name.isprintable():
        raise InvalidDefinition(f"{name or 'a file'}: unusable file name", details=[
            problem(name, None, "file names must be printable, with a name of 1 to 200 characters before the "
                                "extension")])
    return name
