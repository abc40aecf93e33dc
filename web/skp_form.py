"""The SKP editor's HTML fields ↔ the SKP's JSON (``bpmn/forms/skp_draft.json``).

The engine validates (the JSON Schema, then the SKP's own rules); this module only reads
the browser's fields into that shape and back. Field names (stable, used by tests):

========================================  ======================================
``layout``, ``approach``                  the SKP's format and approach
``rhk-<i>-id|kind|text``                  an RHK (``id``: its stored row, hidden)
``rhk-<i>-intervensi`` / ``-sasaran``     what it intervenes (a select)
``rhk-<i>-penugasan_dari``                JPT layout only
``rhk-<i>-indicators-<j>-<column>``       aspek, text, target_value, target_unit,
                                          target_description, perspektif
``rhk-<i>-rencana_aksi-<period>``         planned actions of a period, one a line
``perilaku-<value>``                      Ekspektasi Khusus Pimpinan of a value
``lampiran-<kind>``                       lampiran lines of a kind, one a line
========================================  ======================================

Without JavaScript, "Tambah RHK" / "Tambah indikator" / "Hapus" submit the form with
``_add_row`` / ``_remove_row`` and the page comes back with the row added or removed.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from engine.skp_tables import BERAKHLAK, LAMPIRAN_KINDS, RHK_KINDS

from .forms import row_indices, to_number
from .limits import row_index

INDICATOR_COLUMNS = ("aspek", "text", "target_value", "target_unit", "target_description", "perspektif")
RHK_TEXTS = ("text", "penugasan_dari")
REFERENCES = ("intervensi", "sasaran")


def parse_skp_form(form: Mapping[str, Any], locale: Optional[str] = None, keep_empty_rows: bool = False
                   ) -> dict[str, Any]:
    """The editor's fields as SKP content (blank cells left out, blank rows dropped unless
    ``keep_empty_rows``); values that are not numbers stay text for the validation to name."""
    rows = [_rhk(form, f"rhk-{i}-", locale, keep_empty_rows) for i in row_indices(form, "rhk")]
    rows = [row for row in rows if keep_empty_rows or set(row) - {"kind"}]
    rows.sort(key=lambda row: RHK_KINDS.index(row["kind"]) if row.get("kind") in RHK_KINDS else len(RHK_KINDS))
    content: dict[str, Any] = {key: form[key] for key in ("layout", "approach") if form.get(key)}
    content["rhk"] = rows
    perilaku = {key: text for key in BERAKHLAK if (text := _text(form, f"perilaku-{key}"))}
    if perilaku:
        content["perilaku"] = perilaku
    lampiran = {kind: lines for kind in LAMPIRAN_KINDS if (lines := _lines(form.get(f"lampiran-{kind}")))}
    if lampiran:
        content["lampiran"] = lampiran
    return content


def _rhk(form: Mapping[str, Any], prefix: str, locale: Optional[str], keep: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"kind": form.get(prefix + "kind") or "utama"}
    for key in ("id", *REFERENCES):
        raw = _text(form, prefix + key)
        if raw:
            row[key] = int(raw) if raw.isdigit() and len(raw) < 11 else raw
    for key in RHK_TEXTS:
        if text := _text(form, prefix + key):
            row[key] = text
    indicators = [_indicator(form, f"{prefix}indicators-{j}-", locale)
                  for j in row_indices(form, prefix + "indicators")]
    row["indicators"] = [item for item in indicators if keep or item]
    actions = [{"period": period, "text": line} for period in _periods(form, prefix + "rencana_aksi")
               for line in _lines(form.get(f"{prefix}rencana_aksi-{period}"))]
    if actions:
        row["rencana_aksi"] = actions
    if not row["indicators"] and not keep:
        del row["indicators"]
    return row


def _indicator(form: Mapping[str, Any], prefix: str, locale: Optional[str]) -> dict[str, Any]:
    indicator: dict[str, Any] = {}
    for column in INDICATOR_COLUMNS:
        raw = _text(form, prefix + column)
        if raw:
            indicator[column] = to_number(raw, locale=locale) if column == "target_value" else raw
    return indicator


def _periods(form: Mapping[str, Any], name: str) -> list[int]:
    pattern = re.compile(rf"^{re.escape(name)}-(\d+)$", re.ASCII)
    return sorted({row_index(match.group(1)) for key in form.keys() if (match := pattern.match(key))})


def _text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name) or "").replace("\r\n", "\n").strip()


def _lines(raw: Any) -> list[str]:
    return [line.strip() for line in str(raw or "").replace("\r\n", "\n").split("\n") if line.strip()]


def row_change(form: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    """The add/remove button pressed without JavaScript: ``("add", "rhk-utama")``,
    ``("add", "rhk-2-indicators")``, ``("remove", "rhk-2")``, ``("remove", "rhk-2-indicators-1")``."""
    if form.get("_add_row"):
        return "add", str(form["_add_row"])
    if form.get("_remove_row"):
        return "remove", str(form["_remove_row"])
    return None


def apply_row_change(content: dict[str, Any], change: tuple[str, str]) -> dict[str, Any]:
    """``content`` (parsed with empty rows kept) with the row added or removed."""
    verb, target = change
    rows = content.setdefault("rhk", [])
    if verb == "add" and target.startswith("rhk-") and target[4:] in RHK_KINDS:
        rows.append({"kind": target[4:], "indicators": [{}]})
        rows.sort(key=lambda row: RHK_KINDS.index(row.get("kind", "utama")))
        return content
    match = re.fullmatch(r"rhk-(\d{1,3})(?:-indicators(?:-(\d{1,3}))?)?", target)
    if not match or int(match.group(1)) >= len(rows):
        return content
    row = rows[int(match.group(1))]
    indicators = row.setdefault("indicators", [])
    if verb == "add" and target.endswith("-indicators"):
        indicators.append({})
    elif verb == "remove" and match.group(2) is not None:
        if int(match.group(2)) < len(indicators):
            del indicators[int(match.group(2))]
    elif verb == "remove" and "-indicators" not in target:
        del rows[int(match.group(1))]
    return content


def actions_by_period(row: Mapping[str, Any]) -> dict[int, str]:
    """A row's Rencana Aksi as the editor shows them: the lines of each period's text box."""
    texts: dict[int, list[str]] = {}
    for action in row.get("rencana_aksi") or []:
        if isinstance(action, Mapping):
            texts.setdefault(action.get("period"), []).append(str(action.get("text", "")))
    return {period: "\n".join(lines) for period, lines in texts.items() if isinstance(period, int)}
