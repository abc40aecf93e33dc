"""Printed documents through the API: the SKP version and the evaluation document as PDF
(the same readers as ``GET /skp/{id}`` and ``GET /evaluations``; 404 for anyone else), and
the public verification of a printed document's code (no token; rate-limited).

The engine decides who may download (:mod:`engine.documents`) and what a code stands for
(:mod:`engine.document_verification`)."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import fields, validate

from engine.document_tables import VARIANTS
from engine.document_verification import Verification, verify_document
from engine.documents import evaluation_pdf, skp_pdf

from ..documents import WET, pdf_response, verify_base
from ..engine_access import kinerja
from ..extensions import limiter
from .common import ID, caller, operation, protected_blueprint

blueprint = protected_blueprint("documents", __name__, "/api/v1", "Printed documents (PDF) of the SKP and evaluations")
public_blueprint = Blueprint("verification", __name__, url_prefix="/api/v1/verify",
                             description="Public verification of a printed document's code")
PDF = "the document as an attachment (its verification code also in X-Verification-Code)"


class DocumentQuerySchema(ma.Schema):
    tanda_tangan = fields.String(load_default=VARIANTS[0], validate=validate.OneOf(VARIANTS), metadata={
        "description": "elektronik: the electronic approvals printed; basah: empty blocks for wet signatures"})


class DocumentApprovalSchema(ma.Schema):
    role = fields.String(required=True)
    name = fields.String(required=True)
    nip = fields.String(allow_none=True, required=True, metadata={"description": "masked"})
    at = fields.DateTime(required=True)
    seq = fields.Integer(required=True, metadata={"description": "the audit event"})


class DocumentVerificationSchema(ma.Schema):
    code = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "skp | evaluasi"})
    title = fields.String(required=True)
    variant = fields.String(required=True, validate=validate.OneOf(VARIANTS))
    employee_name = fields.String(required=True)
    employee_nip = fields.String(required=True, metadata={"description": "masked to its first and last four digits"})
    period = fields.String(required=True)
    version = fields.Integer(allow_none=True, required=True, metadata={"description": "the SKP version"})
    issued_at = fields.DateTime(required=True)
    approvals = fields.List(fields.Nested(DocumentApprovalSchema), required=True)
    chain_ok = fields.Boolean(required=True, metadata={"description": "the audit chain holds up to its events"})
    record_ok = fields.Boolean(required=True, metadata={"description": "the record still reads as printed"})
    matches = fields.Boolean(required=True)
    problems = fields.List(fields.String(), required=True, metadata={"description": "in Indonesian"})


@blueprint.route(f"/skp/<{ID}:skp_id>/document.pdf", methods=["GET"])
@operation(blueprint, errors=(404, 422))
@blueprint.arguments(DocumentQuerySchema, location="query")
@blueprint.response(200, description=PDF, content_type="application/pdf")
def skp_document(query: dict[str, Any], skp_id: int) -> Response:
    """The SKP version as a printable PDF with its verification code and QR."""
    return pdf_response(skp_pdf(kinerja(), caller().username, skp_id, verify_base(), query["tanda_tangan"] == WET))


@blueprint.route(f"/evaluations/<{ID}:evaluation_id>/document.pdf", methods=["GET"])
@operation(blueprint, errors=(404, 422))
@blueprint.arguments(DocumentQuerySchema, location="query")
@blueprint.response(200, description=PDF, content_type="application/pdf")
def evaluation_document(query: dict[str, Any], evaluation_id: int) -> Response:
    """The Dokumen Evaluasi Kinerja Pegawai of a period or the year as a printable PDF."""
    return pdf_response(evaluation_pdf(kinerja(), caller().username, evaluation_id, verify_base(),
                                       query["tanda_tangan"] == WET))


@public_blueprint.route("/<code>", methods=["GET"])
@limiter.limit(lambda: current_app.config.get("VERIFY_RATE_LIMIT", "60 per hour"))
@operation(public_blueprint, auth=False, errors=(404, 429))
@public_blueprint.response(200, DocumentVerificationSchema)
def verify(code: str) -> Verification:
    """What a printed document's verification code stands for and whether the record still
    matches (no token needed): type, the employee's name and masked NIP, period, version, the
    electronic approvals, and the checks of the audit chain and of the record's content."""
    return verify_document(kinerja(), code)
