"""HR's employee import: upload a SIASN/e-Kinerja file, read the dry run, import.

``GET|POST /pegawai/impor`` takes the file (the engine reads and stages it),
``GET /pegawai/impor/<id>`` shows the preview (counts, refused rows with their reasons, the
rows that would change) or, once started, the import's progress, refreshing itself while a
large file's background flow runs (as the cycle page does); ``POST /pegawai/impor/<id>``
starts the import. The engine decides who may (HR) and what each row does.
"""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import ValidationFailed
from engine.org_import_rows import HEADERS, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, read_rows
from engine.org_import_runs import BACKGROUND_ROWS, import_run_info, preview_import, run_import, stage_import
from engine.permissions import IMPORT_ORGANISATION

from .. import flows
from ..auth import current_username, permission_required
from ..engine_access import kinerja
from .common import blueprint

REFRESH_SECONDS = 3
SHOWN_ROWS = 500  # rows of each kind listed in the preview; the counts cover all


def refusal_labels() -> dict[str, str]:
    """Each refusal code of engine.org_import_rows / engine.org_import in the reader's words."""
    return {"missing_field": _("Kolom wajib kosong"), "nip_format": _("NIP bukan 18 angka"),
            "nip_birth_date": _("Tanggal lahir dalam NIP tidak valid"),
            "nip_tmt": _("TMT dalam NIP tidak valid"), "nip_gender": _("Kode jenis kelamin dalam NIP bukan 1 atau 2"),
            "nip_sequence": _("Nomor urut dalam NIP tidak valid"), "too_long": _("Isian terlalu panjang"),
            "supervisor_nip_format": _("NIP atasan tidak valid"), "jenis_jabatan": _("Jenis jabatan tidak dikenal"),
            "email": _("Email tidak valid"), "duplicate_nip": _("NIP ganda dalam berkas"),
            "other_organisation": _("NIP terdaftar di organisasi lain"), "unknown_unit": _("Unit kerja tidak dikenal"),
            "supervisor_cycle": _("Atasan membentuk lingkaran"), "supervisor_not_found": _("NIP atasan tidak ditemukan"),
            "supervisor_refused": _("Baris atasan ditolak")}


def field_labels() -> dict[str, str]:
    return {"name": _("Nama"), "pangkat": _("Pangkat/golongan"), "position": _("Jabatan"),
            "jenis_jabatan": _("Jenis jabatan"), "unit_code": _("Unit kerja"), "supervisor_nip": _("Atasan"),
            "email": _("Email")}


@blueprint.route("/pegawai/impor", methods=["GET", "POST"])
@permission_required(IMPORT_ORGANISATION)
def org_import_page():  # type: ignore[no-untyped-def]
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error = _("Pilih berkas CSV atau XLSX.")
        else:
            try:
                rows = read_rows(upload.filename, upload.read())
            except ValidationFailed as refused:  # TooLarge goes to the 413 page
                error = _("Berkas tidak dapat dibaca: %(reason)s", reason=refused.message)
            else:
                run_id = stage_import(kinerja(), current_username(), g.user.organisation_code, upload.filename, rows)
                return redirect(url_for("pages.org_import_run", run_id=run_id), code=303)
    return render_template("org_import.html", error=error, headers=HEADERS, max_rows=MAX_IMPORT_ROWS,
                           max_megabytes=MAX_IMPORT_BYTES // (1024 * 1024)), 422 if error else 200


@blueprint.get("/pegawai/impor/<int:run_id>")
@permission_required(IMPORT_ORGANISATION)
def org_import_run(run_id: int):  # type: ignore[no-untyped-def]
    info = import_run_info(kinerja(), current_username(), run_id)
    preview = preview_import(kinerja(), current_username(), run_id) if info["status"] == "staged" else None
    running = info["status"] in ("queued", "running")
    return render_template("org_import_run.html", info=info, preview=preview, shown=SHOWN_ROWS,
                           refresh_seconds=REFRESH_SECONDS if running else None,
                           refusals=refusal_labels(), fields=field_labels())


@blueprint.post("/pegawai/impor/<int:run_id>")
@permission_required(IMPORT_ORGANISATION)
def start_org_import(run_id: int):  # type: ignore[no-untyped-def]
    info = import_run_info(kinerja(), current_username(), run_id)
    if info["rows"] > BACKGROUND_ROWS:
        flows.import_organisation(run_id, current_username())
        flash(_("Impor berjalan di latar belakang; kemajuannya tampil di halaman ini."), "success")
    else:
        done = run_import(kinerja(), current_username(), run_id)
        flash(_("Impor selesai: %(created)s dibuat, %(changed)s diubah.", created=done["counts"].get("create", 0),
                changed=done["counts"].get("change", 0)), "success")
    return redirect(url_for("pages.org_import_run", run_id=run_id), code=303)
