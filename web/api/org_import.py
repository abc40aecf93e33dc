"""Importing employees through the API: ``POST /organisations/{code}/import`` with a multipart
``file`` (CSV or XLSX, SIASN/e-Kinerja columns); ``?dry_run=true`` answers with the preview
only. Otherwise the import runs: here for a small file (200), in the background flow past
``BACKGROUND_ROWS`` rows (202; follow ``GET /organisations/{code}/imports/{id}``).

The engine reads the file (413 past the size or row limit, 422 naming a missing column or a
wrong format) and decides who may (HR of the organisation; another organisation is a 404).
"""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from engine.org_import_rows import read_rows
from engine.org_import_runs import BACKGROUND_ROWS, ImportPreview, import_run_info, preview_import, run_import, stage_import
from engine.permissions import IMPORT_ORGANISATION

from .. import flows
from ..engine_access import kinerja
from .common import ID, caller, operation, protected_blueprint
from .schemas import UploadedFile

blueprint = protected_blueprint("org_import", __name__, "/api/v1/organisations", "Employee import (SIASN/e-Kinerja files)")


class ImportFileSchema(ma.Schema):
    file = UploadedFile(required=True, metadata={"description": ".csv or .xlsx with a header row"})


class DryRunSchema(ma.Schema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "only report what the file would do"})


class RowOutcomeSchema(ma.Schema):
    line = fields.Integer(required=True, metadata={"description": "the file's line (the header is line 1)"})
    nip = fields.String(required=True)
    name = fields.String(required=True)
    action = fields.String(required=True, metadata={"description": "create | change | unchanged | refused"})
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields", required=True,
                          metadata={"description": "the fields a change changes"})
    reason = fields.String(allow_none=True, required=True, metadata={"description": "a refusal's code"})
    detail = fields.String(allow_none=True, required=True)


class PreviewSchema(ma.Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    new_units = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    rows = fields.List(fields.Nested(RowOutcomeSchema), required=True,
                       metadata={"description": "every row but the unchanged ones"})


class ImportRunSchema(ma.Schema):
    id = fields.Integer(required=True)
    organisation = fields.String(required=True)
    filename = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "staged | running | completed | failed"})
    rows = fields.Integer(required=True, metadata={"description": "rows in the file"})
    total = fields.Integer(required=True, metadata={"description": "rows to write"})
    processed = fields.Integer(required=True, metadata={"description": "rows written so far"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    requested_by = fields.String(required=True)
    requested_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True, required=True)
    error = fields.String(allow_none=True, required=True)


class ImportResultSchema(ma.Schema):
    dry_run = fields.Boolean(required=True)
    preview = fields.Nested(PreviewSchema, required=True, metadata={"description": "the dry run"})
    run = fields.Nested(ImportRunSchema, allow_none=True, required=True, metadata={"description": "null in a dry run"})


@blueprint.route("/<string(maxlength=64):code>/import", methods=["POST"])
@operation(blueprint, permission=IMPORT_ORGANISATION, errors=(404, 409, 413, 422))
@blueprint.arguments(DryRunSchema, location="query")
@blueprint.arguments(ImportFileSchema, location="files")
@blueprint.response(200, ImportResultSchema)
@blueprint.alt_response(202, schema=ImportResultSchema, description="a large file: the import runs in the background")
def import_employees(query: dict[str, Any], body: dict[str, Any], code: str) -> Any:
    """Preview (``?dry_run=true``) or import an employee file; idempotent (a re-import updates,
    never duplicates; an identical one changes nothing)."""
    upload = body["file"]
    username = caller().username
    rows = read_rows(upload.filename or "", upload.read())
    run_id = stage_import(kinerja(), username, code, upload.filename or "", rows)
    preview = _preview(preview_import(kinerja(), username, run_id))
    if query["dry_run"]:
        return {"dry_run": True, "preview": preview, "run": None}
    if len(rows) > BACKGROUND_ROWS:
        flows.import_organisation(run_id, username)
        return {"dry_run": False, "preview": preview, "run": import_run_info(kinerja(), username, run_id)}, 202
    return {"dry_run": False, "preview": preview, "run": run_import(kinerja(), username, run_id)}


@blueprint.route(f"/<string(maxlength=64):code>/imports/<{ID}:run_id>", methods=["GET"])
@operation(blueprint, permission=IMPORT_ORGANISATION, errors=(404,))
@blueprint.response(200, ImportRunSchema)
def import_run(code: str, run_id: int) -> dict[str, Any]:
    """An import's status and progress (``processed`` of ``total`` rows written) and its counts."""
    return import_run_info(kinerja(), caller().username, run_id, code)


def _preview(preview: ImportPreview) -> dict[str, Any]:
    plan = preview.plan
    return {"counts": plan.counts, "new_units": plan.new_units,
            "rows": [{"line": o.line, "nip": o.nip, "name": o.name, "action": o.action, "fields": list(o.fields),
                      "reason": o.refusal.code if o.refusal else None, "detail": o.refusal.detail if o.refusal else None}
                     for o in plan.outcomes if o.action != "unchanged"]}
