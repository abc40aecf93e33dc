"""Bounds on what a request may hold, before anything converts it.

JSON bodies are checked once for every endpoint — authenticated or not, API or page —
before any view, schema or parser reads them (see :mod:`engine.json_limits`): nested too
deep is a 400, an unreadable number (too long, ``NaN``, ``Infinity``, ``1E999999``) a 422
naming its path; a body that passes can be decoded again safely by webargs or
``request.get_json``. HTML forms (:mod:`web.forms`) bound the row numbers in field names
(400) and keep numbers too large to convert as :class:`TooLargeNumber` text, which the
page names as a field error. A body over ``MAX_CONTENT_LENGTH`` (above the evidence file
limit, so that a file over that limit reaches the engine's own refusal) is a 413 naming both.
"""
from __future__ import annotations

import re
from contextlib import nullcontext
from typing import Any, Optional

from flask import Flask, Response, current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, Map

from engine import json_limits
from engine.evidence_storage import describe_size, max_bytes

from .errors import error_response

MAX_ROW_INDEX = 999  # rows of one table in a posted form: indices 0..999
MAX_DATABASE_ID = 2**31 - 1  # ids are 32-bit integers in every supported database
NUMBER_LIKE = re.compile(r"[+-]?[\d.,]+(?:[eE][+-]?\d+)?", re.ASCII)  # what someone typing a number may type


def refuse_unbounded_json() -> Optional[tuple[Response, int]]:
    """``before_request``: None lets the request through."""
    if not request.is_json:
        return None
    try:
        _value, findings = json_limits.load(request.get_data(cache=True).decode("utf-8"))
    except ValueError:  # no JSON (nor UTF-8): whoever reads the body answers 400 as usual
        return None
    if findings.ok:
        return None
    with force_locale("en") if request.path.startswith("/api/") else nullcontext():  # the API speaks English
        if findings.too_deep:
            return error_response(400, "bad_request", _("JSON bertingkat lebih dari %(depth)s lapis.",
                                                        depth=json_limits.MAX_DEPTH))
        message = _("Angka tidak dapat dibaca: lebih dari %(length)s karakter, terlalu besar, atau bukan bilangan "
                    "terhingga (NaN, Infinity).", length=json_limits.MAX_NUMBER_LENGTH)
        paths = findings.number_paths
        where = ", ".join(path or _("isi permintaan") for path in paths)
        return error_response(422, "invalid_number", f"{where}: {message}",
                              [{"field": path or None, "message": message} for path in paths])


class TooLargeNumber(str):
    """Typed text that reads as a number too long or too large to convert (``1E999999``, 5,000
    digits): kept as text, so the validation refuses it, and named by :func:`too_large_numbers`."""


def too_large_numbers(data: Any, path: str = "") -> dict[str, list[str]]:
    """A field error for every :class:`TooLargeNumber` in parsed form data, by dotted path."""
    if isinstance(data, TooLargeNumber):
        return {path: [_("Angka ini terlalu panjang atau terlalu besar (paling banyak %(digits)s digit).",
                         digits=json_limits.MAX_NUMBER_LENGTH)]}
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    errors: dict[str, list[str]] = {}
    for key, value in items:
        errors.update(too_large_numbers(value, f"{path}.{key}" if path else str(key)))
    return errors


def row_index(digits: str) -> int:
    """A row number from a posted field name, refused (400) past :data:`MAX_ROW_INDEX`: nobody
    fills in a thousand rows, and a 5,000-digit index must not reach ``int``."""
    if len(digits) > len(str(MAX_ROW_INDEX)) or int(digits) > MAX_ROW_INDEX:
        raise BadRequest(_("Formulir berisi nomor baris yang tidak sah (paling banyak %(count)s baris).",
                           count=MAX_ROW_INDEX + 1))
    return int(digits)


def request_limit() -> int:
    """``MAX_CONTENT_LENGTH``: 16 MB, or 1 MB more than the evidence file limit if that is larger."""
    return max(16 * 1024 * 1024, max_bytes() + 1024 * 1024)


def refuse_too_large(_error: RequestEntityTooLarge) -> tuple[Response, int]:
    """413 naming the limits instead of werkzeug's "exceeds the capacity limit"."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or request_limit()
    with force_locale("en") if request.path.startswith("/api/") else nullcontext():
        message = _("Permintaan terlalu besar: paling besar %(size)s; satu berkas bukti dukung paling besar "
                    "%(evidence)s.", size=describe_size(limit), evidence=describe_size(max_bytes()))
    return error_response(413, "too_large", message, {"limit": limit, "evidence_limit": max_bytes()})


def register(app: Flask) -> None:
    app.before_request(refuse_unbounded_json)
    app.register_error_handler(RequestEntityTooLarge, refuse_too_large)


class DatabaseId(IntegerConverter):
    """``<int:…>`` in every route: ids beyond the databases' 32-bit integers are a 404, not an overflow."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)
