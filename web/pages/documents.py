"""Printed documents: the SKP and the evaluation document as PDF downloads (the same readers
as the SKP and the evaluations; ``?tanda_tangan=basah`` for empty signature blocks), and the
public verification page of a printed document (no login, rate-limited), where a PDF can
also be uploaded to be compared with the one issued."""
from __future__ import annotations

from typing import Optional

from flask import current_app, render_template, request
from flask_babel import gettext as _

from engine.document_verification import pdf_matches, verify_document
from engine.documents import evaluation_pdf, skp_pdf

from ..auth import current_username, login_required
from ..documents import pdf_response, verify_base, wants_wet
from ..engine_access import kinerja
from ..extensions import limiter
from .common import blueprint


@blueprint.get("/skp/<int:skp_id>/document.pdf")
@login_required
def skp_document_pdf(skp_id: int):  # type: ignore[no-untyped-def]
    return pdf_response(skp_pdf(kinerja(), current_username(), skp_id, verify_base(), wants_wet()))


@blueprint.get("/evaluations/<int:evaluation_id>/document.pdf")
@login_required
def evaluation_document_pdf(evaluation_id: int):  # type: ignore[no-untyped-def]
    return pdf_response(evaluation_pdf(kinerja(), current_username(), evaluation_id, verify_base(), wants_wet()))


def verify_page(code: str):  # type: ignore[no-untyped-def]
    """What the code stands for and whether it still matches; a POSTed PDF (``berkas``) is
    compared byte for byte with the issued one."""
    result = verify_document(kinerja(), code)
    upload: Optional[str] = None
    status = 200
    if request.method == "POST":
        sent = request.files.get("berkas")
        if sent is None or not sent.filename:
            upload, status = "missing", 422
        else:
            upload = "match" if pdf_matches(kinerja(), code, sent.read()) else "mismatch"
    return render_template("verify.html", result=result, upload=upload,
                           kind_label=_("SKP") if result.kind == "skp" else _("Dokumen evaluasi kinerja")), status


def register_verify_page() -> None:
    """The public page, rate-limited per client (limit read from config at request time)."""
    limited = limiter.limit(lambda: current_app.config.get("VERIFY_RATE_LIMIT", "60 per hour"))(verify_page)
    blueprint.add_url_rule("/verify/<code>", "verify_page", limited, methods=["GET", "POST"])


register_verify_page()
