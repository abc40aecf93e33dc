"""Evidence files on pages: upload to a realisation task, remove while it is open, download.

Uploading posts the whole realisation form (``formaction`` of the upload button), so the
page comes back with what was typed and the new file listed; the file itself is checked and
stored by the engine (:func:`engine.evidence.upload_evidence`: 413 past the size limit, 422
for a refused type, each named next to the indicator). A download is an attachment with the
stored content type and ``nosniff``, so a browser never renders an upload as a page.
"""
from __future__ import annotations

from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _

from engine.errors import TooLarge, ValidationFailed
from engine.evidence import evidence_file, remove_evidence, upload_evidence
from engine.read_models import task_to_work_on

from ..auth import current_username, login_required
from ..engine_access import kinerja
from ..forms import to_number
from ..realisation_form import evidence_response, parse_realisation
from .common import blueprint
from .tasks import render_task


@blueprint.post("/tasks/<int:task_id>/bukti")
@login_required
def evidence_upload(task_id: int):  # type: ignore[no-untyped-def]
    """Upload the file of the indicator named by the ``upload`` button; the form comes back as typed."""
    username = current_username()
    detail = task_to_work_on(kinerja(), username, task_id)  # 404 / 409 / 403
    values = parse_realisation(request.form, str(get_locale()))
    indikator = to_number(request.form.get("upload") or "", integer=True)
    if not isinstance(indikator, int):
        return render_task(detail, values, {"": [_("Pilih indikator untuk bukti dukung.")]}, status=422)
    where = f"upload.{indikator}"
    upload = request.files.get(f"file-{indikator}")
    if upload is None or not upload.filename:
        return render_task(detail, values, {where: [_("Pilih berkas yang akan diunggah.")]}, status=422)
    try:
        upload_evidence(kinerja(), username, task_id, upload.filename, upload.mimetype, upload.read(), indikator)
    except ValidationFailed as refused:
        return render_task(detail, values, {where: [refused.message]}, status=413 if isinstance(refused, TooLarge)
                           else 422)
    return render_task(detail, values)


@blueprint.post("/tasks/<int:task_id>/bukti/hapus")
@login_required
def evidence_remove(task_id: int):  # type: ignore[no-untyped-def]
    """Remove the upload named by the ``remove`` button; the form comes back as typed."""
    username = current_username()
    detail = task_to_work_on(kinerja(), username, task_id)
    values = parse_realisation(request.form, str(get_locale()))
    evidence_id = to_number(request.form.get("remove") or "", integer=True)
    if isinstance(evidence_id, int):
        remove_evidence(kinerja(), username, evidence_id)
    for row in values["realisations"]:
        row["evidence"] = [item for item in row["evidence"] if item != evidence_id]
    return render_task(detail, values)


@blueprint.get("/bukti/<int:evidence_id>")
@login_required
def evidence_download(evidence_id: int):  # type: ignore[no-untyped-def]
    return evidence_response(evidence_file(kinerja(), current_username(), evidence_id))
