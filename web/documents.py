"""What the pages and the API share about printed documents: the base URL the verification
links point to, the variant asked for, and the PDF and ZIP responses."""
from __future__ import annotations

import io

from flask import Response, current_app, request, send_file

from engine.documents import DocumentFile

WET = "basah"  # ?tanda_tangan=basah: empty signature blocks for wet signatures


def verify_base() -> str:
    """Where ``/verify/<code>`` is reached from outside: ``KINERJA_PUBLIC_URL`` (config
    ``PUBLIC_URL``) when set, else this request's own root."""
    return current_app.config.get("PUBLIC_URL") or request.url_root


def wants_wet() -> bool:
    return request.args.get("tanda_tangan") == WET


def pdf_response(document: DocumentFile) -> Response:
    """The PDF as a download, with its verification code in a header."""
    response = send_file(io.BytesIO(document.content), mimetype="application/pdf", as_attachment=True,
                         download_name=document.filename, max_age=0)
    response.headers["X-Verification-Code"] = document.code
    return response


def zip_response(name: str, content: bytes) -> Response:
    """A bundle of documents (:mod:`engine.document_bundles`) as a ZIP download."""
    return send_file(io.BytesIO(content), mimetype="application/zip", as_attachment=True, download_name=name,
                     max_age=0)
