"""A cycle's printed documents as one ZIP through the API (HR): ask for it (202, built in the
background by the document-bundle flow), follow its progress, download it when done —
the use cases of :mod:`engine.document_bundles`."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

import marshmallow as ma
from flask import Response
from marshmallow import fields, validate

from engine.document_bundle_tables import BUNDLE_STATUSES
from engine.document_bundles import bundle_download, document_bundle
from engine.permissions import RUN_CYCLES

from .. import flows
from ..documents import verify_base, zip_response
from ..engine_access import kinerja
from .common import ID, caller, operation, protected_blueprint
from .schemas import MAX_ID

blueprint = protected_blueprint("document_bundles", __name__, "/api/v1", "A cycle's documents as one ZIP")


class BundleRequestSchema(ma.Schema):
    unit_id = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=MAX_ID),
                             metadata={"description": "one unit's employees; null or absent: the whole cycle"})


class BundleFailureSchema(ma.Schema):
    path = fields.String(required=True)
    message = fields.String(required=True)


class DocumentBundleSchema(ma.Schema):
    id = fields.Integer(required=True)
    cycle_id = fields.Integer(required=True)
    unit_id = fields.Integer(allow_none=True, required=True)
    unit_name = fields.String(allow_none=True, required=True)
    status = fields.String(required=True, metadata={"description": " | ".join(BUNDLE_STATUSES)})
    requested_by = fields.String(required=True)
    requested_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True, required=True)
    total = fields.Integer(required=True, metadata={"description": "documents in the bundle"})
    done = fields.Integer(required=True, metadata={"description": "documents rendered so far"})
    failed = fields.Integer(required=True, metadata={"description": "documents that could not be rendered"})
    reused = fields.Integer(required=True, metadata={"description": "of those done, unchanged since an earlier run"})
    failures = fields.List(fields.Nested(BundleFailureSchema), required=True)
    zip_name = fields.String(allow_none=True, required=True)
    zip_sha256 = fields.String(allow_none=True, required=True)
    zip_size = fields.Integer(allow_none=True, required=True)
    error = fields.String(allow_none=True, required=True)


@blueprint.route(f"/cycles/<{ID}:cycle_id>/documents", methods=["POST"])
@operation(blueprint, errors=(404, 422), permission=RUN_CYCLES)
@blueprint.arguments(BundleRequestSchema)
@blueprint.response(202, DocumentBundleSchema)
def request_bundle(body: dict[str, Any], cycle_id: int) -> dict[str, Any]:
    """Ask for every document of the cycle (or of one unit) as one ZIP: each employee's agreed
    SKP and rated evaluations, one PDF each, in a folder per unit.

    Answers at once (202) with the queued bundle; follow it with
    ``GET /document-bundles/{id}`` (``done`` counts up to ``total``) and download it from
    ``GET /document-bundles/{id}/download`` once ``status`` is ``done``."""
    return asdict(flows.request_documents(cycle_id, body["unit_id"], caller().username, verify_base()))


@blueprint.route(f"/document-bundles/<{ID}:bundle_id>", methods=["GET"])
@operation(blueprint, errors=(404,), permission=RUN_CYCLES)
@blueprint.response(200, DocumentBundleSchema)
def get_bundle(bundle_id: int) -> dict[str, Any]:
    """A bundle and how far it has got."""
    return asdict(document_bundle(kinerja(), caller().username, bundle_id))


@blueprint.route(f"/document-bundles/<{ID}:bundle_id>/download", methods=["GET"])
@operation(blueprint, errors=(404, 409), permission=RUN_CYCLES)
@blueprint.response(200, description="the ZIP as an attachment", content_type="application/zip")
def download_bundle(bundle_id: int) -> Response:
    """The finished ZIP (409 while it is being built)."""
    return zip_response(*bundle_download(kinerja(), caller().username, bundle_id))
