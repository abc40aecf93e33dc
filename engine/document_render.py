"""HTML → PDF for the printed documents: Jinja2 templates (``engine/document_templates``),
WeasyPrint with Debian's Pango and DejaVu fonts, a QR code (segno) to the verification page
and the distribution pattern as an inline SVG chart.

Rendering is a pure function of the content, the code, the verification URL and the
variant: no clock, no random, the PDF's dates taken from the record. WeasyPrint writes the
same bytes for the same input (checked by tests/test_verification.py), so a document can be
re-rendered at any time and its bytes compared with the hash recorded when it was issued.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Optional
from zoneinfo import ZoneInfo

import segno
from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from weasyprint import HTML

from .evaluation_tables import PREDIKATS
from .distribution import PREDIKAT_LABELS

TEMPLATES = Path(__file__).parent / "document_templates"
ZONE = ZoneInfo("Asia/Jakarta")  # the time the documents print (WIB)
_ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def tanggal(value: Any) -> str:
    """An Indonesian date, "31 Januari 2026", of an ISO date or datetime (a datetime in WIB)."""
    if not value:
        return "-"
    moment = _parse(value)
    day = moment.astimezone(ZONE).date() if isinstance(moment, datetime) else moment
    return format_date(day, "d MMMM y", locale="id")


def waktu(value: Any) -> str:
    """An Indonesian date and time in WIB, "31 Januari 2026 pukul 10.15 WIB"."""
    if not value:
        return "-"
    moment = _parse(value)
    if not isinstance(moment, datetime):
        return tanggal(moment)
    return format_datetime(moment.astimezone(ZONE), "d MMMM y 'pukul' HH.mm", locale="id") + " WIB"


def _parse(value: Any) -> date:
    if isinstance(value, (date, datetime)):
        moment = value
    elif "T" in str(value):
        moment = datetime.fromisoformat(str(value))
    else:
        return date.fromisoformat(str(value))
    if isinstance(moment, datetime) and moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def qr_data_uri(url: str) -> str:
    """The QR code of the verification URL, as an SVG data URI for the page."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=1)


def distribution_chart(pattern: list[dict[str, Any]], counts: Optional[Mapping[str, int]],
                       employee_predikat: Optional[str]) -> Markup:
    """The unit's distribution pattern as a small horizontal bar chart: per predikat the
    share the pattern allows (a band from its minimum to its maximum), the unit's share once
    final (a dark bar) and the employee's own predikat marked."""
    rated = sum((counts or {}).values())
    row_height, label_width, bar_width = 22, 130, 300
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + bar_width + 120}" '
             f'height="{row_height * len(PREDIKATS) + 26}" font-family="DejaVu Sans" font-size="9">']
    for index, code in enumerate(PREDIKATS):
        top = index * row_height + 4
        low, high = 0.0, 100.0
        for rule in pattern:
            if code in rule["codes"] and len(rule["codes"]) == 1 and rule["percent"] is not None:
                low = rule["percent"] if rule["kind"] == "min" else low
                high = rule["percent"] if rule["kind"] == "max" else high
        x = label_width + bar_width * low / 100
        parts.append(f'<text x="0" y="{top + 12}">{escape(PREDIKAT_LABELS[code])}</text>')
        parts.append(f'<rect x="{label_width}" y="{top}" width="{bar_width}" height="16" fill="#f1f1f1"/>')
        parts.append(f'<rect x="{x:.1f}" y="{top}" width="{bar_width * (high - low) / 100:.1f}" height="16" '
                     f'fill="#cfe3f7"/>')
        if counts is not None and rated:
            share = counts.get(code, 0) / rated
            parts.append(f'<rect x="{label_width}" y="{top + 5}" width="{bar_width * share:.1f}" height="6" '
                         f'fill="#1f4e79"/>')
            parts.append(f'<text x="{label_width + bar_width + 6}" y="{top + 12}">{counts.get(code, 0)} orang '
                         f'({share * 100:.0f}%)</text>')
        if code == employee_predikat:
            parts.append(f'<text x="{label_width - 12}" y="{top + 12}" font-weight="bold">\u25b6</text>')
    legend = row_height * len(PREDIKATS) + 18
    parts.append(f'<rect x="0" y="{legend - 8}" width="10" height="8" fill="#cfe3f7"/>'
                 f'<text x="14" y="{legend}">rentang yang diizinkan pola</text>')
    if counts is not None:
        parts.append(f'<rect x="160" y="{legend - 6}" width="10" height="4" fill="#1f4e79"/>'
                     f'<text x="174" y="{legend}">sebaran unit (final)</text>')
    parts.append(f'<text x="290" y="{legend}">\u25b6 predikat pegawai</text></svg>')
    return Markup("".join(parts))


def render_html(content: Mapping[str, Any], code: str, verify_url: str, wet: bool) -> str:
    """The document's HTML (its template is named by the content's kind)."""
    chart = distribution_chart(content.get("pattern") or [], content.get("counts"),
                               content.get("employee_predikat")) if content["kind"] == "evaluasi" else ""
    return _ENV.get_template(f"{content['kind']}.html").render(
        doc=content, code=code, verify_url=verify_url, wet=wet, qr=qr_data_uri(verify_url), chart=chart,
        tanggal=tanggal, waktu=waktu)


def render_pdf(content: Mapping[str, Any], code: str, verify_url: str, wet: bool) -> bytes:
    """The document as PDF bytes (deterministic for the same arguments)."""
    return HTML(string=render_html(content, code, verify_url, wet), base_url=str(TEMPLATES)).write_pdf()
