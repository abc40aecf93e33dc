"""The realisation task through the API: what it asks (the indicators of the agreed SKP
version with their ids, targets and units, the period's Rencana Aksi, the period's report so
far), and its evidence files (bukti dukung): upload one to the open task, download one.

The engine decides everything (:mod:`engine.evidence`): who may upload (whoever may complete
the task: 403/404/409 as for completing it), what is accepted (413 past the size limit, 422
for a refused type, each naming the limit or the accepted types), who may download (whoever
may read the employee's file; 404 otherwise). The answer's ``evidence`` ids are what the
realisation form's rows name.
"""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, url_for
from marshmallow import fields, validate

from engine.evidence import EvidenceFile, evidence_file, upload_evidence
from engine.realisation import RealisationForm, realisation_form

from ..engine_access import kinerja
from ..realisation_form import evidence_response
from .common import ID, caller, operation, protected_blueprint
from .schemas import MAX_ID, UploadedFile

blueprint = protected_blueprint("evidence", __name__, "/api/v1", "Realisation tasks and their evidence (bukti dukung)")


class EvidenceUploadSchema(ma.Schema):
    file = UploadedFile(required=True, metadata={"description": "PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT or ODS"})
    indikator = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                               metadata={"description": "the indicator of the task's SKP the file supports"})


class EvidenceSchema(ma.Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True, metadata={"description": "as recognised from the content"})
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True, metadata={"description": "also in the audit event evidence.uploaded"})
    uploaded_at = fields.DateTime(required=True)
    download = fields.String(required=True, metadata={"description": "GET it for the file"})


class ReportedEvidenceSchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "file | link"})
    filename = fields.String(allow_none=True, required=True)
    sha256 = fields.String(allow_none=True, required=True)
    url = fields.String(allow_none=True, required=True)
    task_id = fields.Integer(required=True, metadata={"description": "the task it was uploaded to or reported with"})


class RealisationIndicatorSchema(ma.Schema):
    id = fields.Integer(required=True, metadata={"description": "what a realisation row's ``indikator`` names"})
    aspek = fields.String(required=True)
    text = fields.String(required=True)
    target_value = fields.Float(allow_none=True, required=True)
    target_unit = fields.String(allow_none=True, required=True)
    target_description = fields.String(allow_none=True, required=True,
                                       metadata={"description": "a described target: report a description"})
    value = fields.Float(allow_none=True, required=True, metadata={"description": "reported for the period so far"})
    description = fields.String(allow_none=True, required=True)
    capaian = fields.Float(allow_none=True, required=True, metadata={"description": "value / target × 100"})
    evidence = fields.List(fields.Nested(ReportedEvidenceSchema), required=True)


class RealisationRhkSchema(ma.Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    kind = fields.String(required=True)
    text = fields.String(required=True)
    actions = fields.List(fields.String(), required=True, metadata={"description": "Rencana Aksi of the period"})
    indicators = fields.List(fields.Nested(RealisationIndicatorSchema), required=True)


class RealisationFormSchema(ma.Schema):
    task_id = fields.Integer(required=True)
    skp_id = fields.Integer(allow_none=True, required=True)
    period = fields.Integer(allow_none=True, required=True)
    period_name = fields.String(required=True)
    can_report = fields.Boolean(required=True)
    rhk = fields.List(fields.Nested(RealisationRhkSchema), required=True)


@blueprint.route(f"/tasks/<{ID}:task_id>/realisation", methods=["GET"])
@operation(blueprint, errors=(404,))
@blueprint.response(200, RealisationFormSchema)
def realisation(task_id: int) -> RealisationForm:
    """What a realisation task asks: the indicators (ids for the answer's rows) with their targets."""
    return realisation_form(kinerja(), caller().username, task_id)


@blueprint.route(f"/tasks/<{ID}:task_id>/evidence", methods=["POST"])
@operation(blueprint, errors=(403, 404, 409, 413, 422))
@blueprint.arguments(EvidenceUploadSchema, location="files")
@blueprint.response(201, EvidenceSchema)
def upload(args: dict[str, Any], task_id: int) -> dict[str, Any]:
    """Upload an evidence file (multipart ``file``, optional ``indikator``) to an open realisation task."""
    upload_file = args["file"]
    username = caller().username
    evidence_id = upload_evidence(kinerja(), username, task_id, upload_file.filename or "", upload_file.mimetype,
                                  upload_file.read(), args.get("indikator"))
    return _facts(evidence_file(kinerja(), username, evidence_id, with_content=False))


@blueprint.route(f"/evidence/<{ID}:evidence_id>", methods=["GET"])
@operation(blueprint, errors=(404,))
@blueprint.response(200, description="the file, as an attachment with its content type",
                    content_type="application/octet-stream")
def download(evidence_id: int) -> Response:
    """An evidence file's bytes, byte-identical to the upload (their SHA-256 is in the ETag)."""
    return evidence_response(evidence_file(kinerja(), caller().username, evidence_id))


def _facts(found: EvidenceFile) -> dict[str, Any]:
    return {"id": found.id, "filename": found.filename, "content_type": found.content_type, "size": found.size,
            "sha256": found.sha256, "uploaded_at": found.uploaded_at,
            "download": url_for("evidence.download", evidence_id=found.id)}
