"""The SKP as a document: the list of an employee's versions, one version with the history
of every version and what each changed, and opening a revision during the year."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import Conflict, ValidationFailed
from engine.skp import list_skp, may_open_revision, open_skp_revision, skp_document

from ..auth import current_username, login_required
from ..engine_access import kinerja
from ..errors import refusal_message
from ..skp_texts import document_labels
from .common import blueprint


@blueprint.get("/skp")
@login_required
def skp_list():  # type: ignore[no-untyped-def]
    """The caller's SKP versions, or (``?employee=<NIP>``) those of an employee they may read."""
    nip = request.args.get("employee") or None
    versions = list_skp(kinerja(), current_username(), nip)
    return render_template("skp_list.html", versions=versions, nip=nip, **document_labels())


@blueprint.get("/skp/<int:skp_id>")
@login_required
def skp_page(skp_id: int):  # type: ignore[no-untyped-def]
    return _document(skp_id)


def _document(skp_id: int, reason: str = "", error: str = "", status: int = 200):  # type: ignore[no-untyped-def]
    document = skp_document(kinerja(), current_username(), skp_id)
    return render_template("skp_document.html", skp=document, reason=reason, error=error,
                           can_revise=may_open_revision(kinerja(), current_username(), skp_id),
                           **document_labels()), status


@blueprint.post("/skp/<int:skp_id>/revisions")
@login_required
def open_revision(skp_id: int):  # type: ignore[no-untyped-def]
    """Open a revision of an agreed SKP (the employee or their Pejabat Penilai, with a reason)."""
    reason = request.form.get("reason") or ""
    try:
        open_skp_revision(kinerja(), current_username(), skp_id, reason)
    except ValidationFailed:
        return _document(skp_id, reason, _("Tuliskan alasan revisi (3 sampai 2000 karakter)."), 422)
    except Conflict as refused:
        return _document(skp_id, reason, refusal_message(refused), 409)
    flash(_("Revisi SKP dibuka. Tugas \u201cSusun SKP\u201d menunggu di kotak tugas pegawai."), "success")
    return redirect(url_for("pages.skp_list"), code=303)
