"""Indonesian (or English) dates and numbers in templates, via Flask-Babel."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask import Flask
from flask_babel import format_datetime, format_decimal, get_locale


def register(app: Flask) -> None:
    app.jinja_env.globals["get_locale"] = get_locale

    @app.template_filter("datetime")
    def _datetime(value: Optional[datetime], style: str = "medium") -> str:
        return format_datetime(value, style) if value else "–"

    @app.template_filter("number")
    def _number(value: Optional[float]) -> str:
        return format_decimal(value) if value is not None else "–"
