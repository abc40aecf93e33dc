"""Engine errors → HTTP statuses: JSON ``{"error": {code, message, details}}`` under
``/api/``, an HTML page elsewhere. Nothing a client sends should become a 500, and neither
should an unavailable database: that is a 503 with ``Retry-After`` (:mod:`engine.availability`
decides which database errors mean it, also for those raised outside a unit of work)."""
from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from engine.availability import BUSY, FULL, READ_ONLY, UNREACHABLE, as_unavailable
from engine.errors import Conflict, Forbidden, KinerjaError, NotFound, TooLarge, Unavailable

from .texts import N_

STATUS_BY_ERROR: list[tuple[type[KinerjaError], int]] = [
    (NotFound, 404), (Forbidden, 403), (Conflict, 409), (Unavailable, 503), (TooLarge, 413),
]


# Refusals the engine names, as pages say them (the API keeps the engine's message).
REFUSALS = {
    "role_required": N_("Halaman ini hanya untuk peran: %(roles)s."),
    "task_done": N_("Tugas ini sudah tidak menunggu isian."),
    "not_holder": N_("Tugas ini bukan untuk Anda."),
    "reason_missing": N_("Tuliskan alasan pengalihan."),
    "reason_too_long": N_("Alasan terlalu panjang: paling banyak %(n)d karakter."),
    "unknown": N_("Pilih penerima dari daftar."),
    "subject": N_("Tugas tidak dapat dialihkan kepada pegawai yang dinilai."),
    "auditor": N_("Auditor hanya membaca dan tidak dapat menerima tugas."),
    "self": N_("Tugas ini sudah milik Anda."),
    "not_eligible": N_("Orang ini tidak berhak memegang tugas ini. Pilih penerima dari daftar."),
    "not_claimed": N_("Klaim tugas ini dahulu sebelum mengalihkannya."),
    "own_step": N_("Langkah pegawai sendiri tidak dapat dialihkan."),
    # The SKP (engine.skp, engine.skp_step, engine.skp_rules)
    "supervisor_skp_not_agreed": N_("SKP atasan Anda belum disepakati. Simpan SKP sebagai draf dan ajukan setelah "
                                    "SKP atasan disepakati."),
    "no_organisation_goals": N_("BKPSDM belum mengisi sasaran organisasi siklus ini. Simpan SKP sebagai draf dan "
                                "ajukan setelah sasaran organisasi tersedia."),
    "revision_open": N_("Revisi SKP ini sudah dibuka dan sedang berjalan."),
    "skp_not_agreed": N_("Hanya SKP yang disepakati dan berlaku yang dapat direvisi."),
    "not_skp_party": N_("Revisi SKP diajukan oleh pegawai atau Pejabat Penilai Kinerjanya."),
    "no_submitted_skp": N_("Tidak ada SKP yang diajukan untuk diputuskan. Kembalikan agar pegawai menyusunnya "
                           "di editor SKP."),
    "old_skp_form": N_("Proses ini masih memakai formulir SKP versi lama. Minta BKPSDM memindahkan proses ke "
                       "versi terbaru, lalu susun SKP kembali."),
    # Why the database is unavailable (engine.availability): nothing was saved.
    UNREACHABLE: N_("Basis data sedang tidak dapat dihubungi. Tidak ada yang tersimpan; coba lagi sebentar lagi."),
    BUSY: N_("Basis data sedang sibuk menyimpan perubahan lain. Tidak ada yang tersimpan; coba lagi sebentar lagi."),
    FULL: N_("Ruang penyimpanan basis data penuh. Tidak ada yang tersimpan; coba lagi nanti."),
    READ_ONLY: N_("Basis data sedang tidak menerima perubahan. Tidak ada yang tersimpan; coba lagi nanti."),
}


def status_for(error: KinerjaError) -> int:
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return 422  # validation, invalid definitions, process errors: the request could not be processed


def wants_json() -> bool:
    """The REST API, and the pages' own JSON calls (the modeler's check and deploy)."""
    return request.path.startswith("/api/") or request.is_json


def error_response(status: int, code: str, message: str, details: Any = None):  # type: ignore[no-untyped-def]
    if wants_json():
        return jsonify(error={"code": code, "message": message, "details": details}), status
    return render_template("error.html", status=status, message=message, details=details), status


def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
    """An HTTP error (404, 405, webargs' 422 with its ``messages``, …) in the app's shape.

    Module-level so the REST API's flask-smorest ``Api``, which registers its own
    ``HTTPException`` handler, can hand errors back to this one."""
    details = getattr(error, "data", {}).get("messages") if hasattr(error, "data") else None
    code = (error.name or "error").lower().replace(" ", "_")
    response, status = error_response(error.code or 500, code, error.description or error.name, details)
    response = make_response(response)
    allowed = getattr(error, "valid_methods", None)
    if allowed:  # a 405 says which methods the URL does accept (RFC 9110)
        response.headers["Allow"] = ", ".join(allowed)
    return response, status


def register(app: Flask) -> None:
    @app.errorhandler(KinerjaError)
    def _engine_error(error: KinerjaError):  # type: ignore[no-untyped-def]
        response, status = error_response(status_for(error), error.code, refusal_message(error), error.details)
        if isinstance(error, Unavailable):
            response = make_response(response)
            response.headers["Retry-After"] = str(error.retry_after)
        return response, status

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def _database_error(error: Exception):  # type: ignore[no-untyped-def]
        """A database error raised outside a unit of work (a connection refused while the
        signed-in user loads): a 503 when it means unavailability; any other stays a 500."""
        unavailable = as_unavailable(error)
        if unavailable is None:
            raise error
        return _engine_error(unavailable)

    app.register_error_handler(HTTPException, http_error)


def refusal_message(error: KinerjaError) -> str:
    """The engine's message; on pages, a refusal the engine names (``details.reason`` or
    ``details.code``) in the reader's language."""
    details = error.details if isinstance(error.details, dict) else {}
    known = REFUSALS.get(details.get("reason") or details.get("code") or "")
    if wants_json() or known is None:
        return error.message
    return _(known, roles=", ".join(details.get("roles", [])), n=details.get("limit", 0))
