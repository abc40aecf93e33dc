"""What the audit pages and the audit API share: turning search parameters into an
:class:`~engine.audit_trail.AuditQuery`, and streaming an export as a response."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Iterator, Mapping, Optional
from zoneinfo import ZoneInfo

from flask import Response, current_app, stream_with_context

from engine.audit_trail import EXPORT_FORMATS, AuditQuery


def _start_of(day: Optional[date]) -> Optional[datetime]:
    """Midnight of ``day`` in the app's time zone (WIB by default): users think in local days."""
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def audit_query(values: Mapping[str, Any]) -> AuditQuery:
    """Parsed search parameters (``AuditSearchQuerySchema``) → the engine's query; ``date_to``
    includes its whole day."""
    date_to = values.get("date_to")
    return AuditQuery(employee=values.get("employee"), unit=values.get("unit"), cycle_id=values.get("cycle"),
                      actor=values.get("actor"), action=values.get("action"),
                      since=_start_of(values.get("date_from")),
                      until=_start_of(date_to + timedelta(days=1)) if date_to else None,
                      predikat=values.get("predikat"), limit=values["limit"], offset=values["offset"])


def export_response(events: Iterator[dict[str, Any]], output_format: str, filename: str) -> Response:
    """Stream ``events`` as CSV or JSON, as a download, without holding them in memory."""
    render, mimetype = EXPORT_FORMATS[output_format]
    return Response(stream_with_context(render(events)), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}.{output_format}"'})
