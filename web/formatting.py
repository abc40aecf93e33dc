"""Indonesian (or English) dates, numbers and file sizes in templates, via Flask-Babel."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional, Union

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale

Moment = Union[datetime, date, str, None]


def as_datetime(value: Moment) -> Optional[Union[datetime, date]]:
    """Datetimes pass through; ISO 8601 text (audit events) is parsed."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value


def register(app: Flask) -> None:
    app.jinja_env.globals["get_locale"] = get_locale

    @app.template_filter("datetime")
    def _datetime(value: Moment, style: str = "medium") -> str:
        """``style`` is a Babel style (short, medium, long) or ``compact``: the date and the time without seconds."""
        moment = as_datetime(value)
        if moment is None:
            return "–"
        if not isinstance(moment, datetime):
            return format_date(moment, "medium")
        if style == "compact":
            return f"{format_date(moment, 'medium')} {format_time(moment, 'short')}"
        return format_datetime(moment, style)

    @app.template_filter("date")
    def _date(value: Moment, style: str = "medium") -> str:
        moment = as_datetime(value)
        return format_date(moment, style) if moment else "–"

    @app.template_filter("percent")
    def _percent(share: Optional[float]) -> str:
        """A share (0..1) as a percentage with one decimal in the reader's locale (``50,0%``)."""
        return f"{format_decimal(share * 100, '0.0')}%" if share is not None else "–"

    @app.template_filter("number")
    def _number(value: Optional[float], pattern: Optional[str] = None) -> str:
        """In the reader's locale (``4,50`` in Indonesian); ``pattern`` e.g. ``"0.00"`` fixes the decimals."""
        return format_decimal(value, pattern) if value is not None else "–"

    @app.template_filter("filesize")
    def _filesize(size: Optional[int]) -> str:
        """``12,5 KB`` / ``1,2 MB`` in the reader's language."""
        size = size or 0
        if size >= 1024 * 1024:
            return f"{format_decimal(round(size / 1024 / 1024, 1))} MB"
        return f"{format_decimal(round(size / 1024, 1))} KB"
