"""The SKP as a document: its versions, a revision during the year, the editor of a draft
task (save without submitting, come back) and the organisation's goals at the top of the
cascade.

Who may read or change what is the engine's decision (:mod:`engine.skp`): an SKP the caller
may not read does not exist (404). One blueprint under ``/api/v1`` holds every SKP route,
also those under ``/tasks`` and ``/cycles``, so the SKP's API reads in one place.
"""
from __future__ import annotations

from typing import Any

from flask import url_for

from engine.permissions import RUN_CYCLES
from engine.read_models import visible_task
from engine.skp import (
    list_skp,
    open_skp_revision,
    organisation_goals,
    save_skp_draft,
    set_organisation_goals,
    skp_document,
    skp_editor,
)

from ..engine_access import kinerja
from .common import ID, caller, operation, protected_blueprint
from .skp_schemas import (
    GoalListSchema,
    GoalsRequestSchema,
    RevisionRequestSchema,
    RevisionSchema,
    SavedDraftSchema,
    SkpDocumentSchema,
    SkpDraftRequestSchema,
    SkpEditorSchema,
    SkpListSchema,
    SkpQuerySchema,
)

blueprint = protected_blueprint("skp", __name__, "/api/v1", "SKP (Sasaran Kinerja Pegawai) documents")


@blueprint.route("/skp", methods=["GET"])
@operation(blueprint, errors=(404, 422))
@blueprint.arguments(SkpQuerySchema, location="query")
@blueprint.response(200, SkpListSchema)
def list_(query: dict[str, Any]) -> dict[str, Any]:
    """The SKP versions of one employee, newest cycle and version first: the caller's own
    without ``employee`` (422 for a user who is not an employee); 404 for an employee the
    caller may not read (the employee, their supervisors up the line, and HR, PPK and
    auditors of the organisation may)."""
    return {"items": list_skp(kinerja(), caller().username, query.get("employee"), query.get("cycle"))}


@blueprint.route(f"/skp/<{ID}:skp_id>", methods=["GET"])
@operation(blueprint, errors=(404,))
@blueprint.response(200, SkpDocumentSchema)
def document(skp_id: int) -> Any:
    """One SKP version as a document (RHK with indicators and Rencana Aksi, Perilaku Kerja,
    lampiran, who signed and set it) and every version of it in the cycle with its changes."""
    return skp_document(kinerja(), caller().username, skp_id)


@blueprint.route(f"/skp/<{ID}:skp_id>/revisions", methods=["POST"])
@operation(blueprint, errors=(403, 404, 409, 422))
@blueprint.arguments(RevisionRequestSchema)
@blueprint.response(201, RevisionSchema, headers={"Location": {
    "description": "the new version: GET /api/v1/skp/{id}", "schema": {"type": "string"}}})
def revise(body: dict[str, Any], skp_id: int) -> Any:
    """Open a revision of an agreed SKP during the year (the employee or their Pejabat Penilai,
    with a reason): a new version in draft, starting from the agreed content, that goes through
    the same approval. 403 for anyone else who may read it; 409 when the version is not the
    agreed one in force or a revision is already open."""
    username = caller().username
    revision = skp_document(kinerja(), username, open_skp_revision(kinerja(), username, skp_id, body["reason"]))
    summary = revision.summary
    return ({"id": summary.id, "version": summary.version, "status": summary.status},
            {"Location": url_for(".document", skp_id=summary.id)})


@blueprint.route(f"/tasks/<{ID}:task_id>/skp-editor", methods=["GET"])
@operation(blueprint, errors=(403, 404, 409))
@blueprint.response(200, SkpEditorSchema)
def editor(task_id: int) -> Any:
    """What the SKP editor of an open draft task starts from: the content saved so far (or
    the agreed version a revision starts from), what each RHK can intervene, the cycle's
    periods, and the Pejabat Penilai's comments when the SKP was returned."""
    username = caller().username
    visible_task(kinerja(), username, task_id)
    return skp_editor(kinerja(), username, task_id)


@blueprint.route(f"/tasks/<{ID}:task_id>/skp-draft", methods=["PUT"])
@operation(blueprint, errors=(403, 404, 409, 422))
@blueprint.arguments(SkpDraftRequestSchema)
@blueprint.response(200, SavedDraftSchema)
def save_draft(body: dict[str, Any], task_id: int) -> dict[str, int]:
    """Keep the editor's content without submitting it; the task stays open. A draft may be
    incomplete, but it must have the form's shape and what it names must exist (422 names the
    field). Submitting is ``POST /tasks/{id}/complete`` with the same content."""
    username = caller().username
    visible_task(kinerja(), username, task_id)
    return {"skp_id": save_skp_draft(kinerja(), username, task_id, body["data"])}


@blueprint.route(f"/cycles/<{ID}:cycle_id>/goals", methods=["GET"])
@operation(blueprint, errors=(404,))
@blueprint.response(200, GoalListSchema)
def goals(cycle_id: int) -> dict[str, Any]:
    """The organisation's goals of a cycle, in order: what the top of the cascade intervenes."""
    return {"goals": organisation_goals(kinerja(), caller().username, cycle_id)}


@blueprint.route(f"/cycles/<{ID}:cycle_id>/goals", methods=["PUT"])
@operation(blueprint, permission=RUN_CYCLES, errors=(404, 409, 422))
@blueprint.arguments(GoalsRequestSchema)
@blueprint.response(200, GoalListSchema)
def set_goals(body: dict[str, Any], cycle_id: int) -> dict[str, Any]:
    """Replace the cycle's goals (HR). 409 when a goal an RHK intervenes would be removed:
    change its text instead."""
    return {"goals": set_organisation_goals(kinerja(), caller().username, cycle_id, body["goals"])}
