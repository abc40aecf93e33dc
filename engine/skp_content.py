"""An SKP version's content: from the editor's form to rows and back, its hash and its diff.

The form (``bpmn/forms/skp_draft.json``) is the contract: JSON Schema checks shapes and
lengths; this module adds the rules a schema cannot say with a message that names the row
(an indicator's target is a number with its unit *or* a described target; Rencana Aksi
names a period of the cycle). :func:`content_of` gives the same shape back, so a draft, a
returned SKP or the agreed version a revision starts from prefill the editor, and the
content hash that the employee signs and the Pejabat Penilai sets is computed over it.
"""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import inspect

from .errors import ValidationFailed
from .skp_tables import BERAKHLAK, LAMPIRAN_KINDS, Indikator, Lampiran, PerilakuExpectation, RencanaAksi, Rhk, Skp


def check_content(data: dict[str, Any], periods: int, *, submitting: bool) -> None:
    """Refuse what the schema lets through but the SKP may not hold (one finding per row);
    a draft may still lack a target, but not hold two kinds of it."""
    details = []
    for r, rhk in enumerate(data.get("rhk") or []):
        for i, indicator in enumerate(rhk.get("indicators") or []):
            numeric = "target_value" in indicator or "target_unit" in indicator
            described = "target_description" in indicator
            partial = numeric and not ("target_value" in indicator and "target_unit" in indicator)
            if (numeric and described) or (submitting and (partial or not (numeric or described))):
                details.append({"field": f"rhk.{r}.indicators.{i}",
                                "message": f"RHK {r + 1}, indikator {i + 1}: isi target berupa angka dengan "
                                           "satuannya, atau uraian target (model kualitatif), salah satu saja"})
        for a, action in enumerate(rhk.get("rencana_aksi") or []):
            if not 1 <= action.get("period", 1) <= periods:
                details.append({"field": f"rhk.{r}.rencana_aksi.{a}.period",
                                "message": f"RHK {r + 1}, rencana aksi {a + 1}: periode harus 1 sampai {periods}"})
    if details:
        raise ValidationFailed(f"SKP tidak dapat disimpan: {details[0]['message']}", details=details)


def write_content(skp: Skp, data: dict[str, Any]) -> None:
    """Replace the version's content with ``data`` (already checked; references are ids the
    caller validated). An RHK that names its ``id`` keeps its row, and so the Pejabat
    Penilai's comment on it, across saves; the others get new rows."""
    skp.layout = data.get("layout", "ja_jf")
    skp.approach = data.get("approach", "kuantitatif")
    existing = {} if inspect(skp).pending else {row.id: row for row in skp.rhk}  # a new version has no rows yet
    skp.rhk = [_rhk(existing.pop(row["id"], None) if "id" in row else None, position, row)
               for position, row in enumerate(data.get("rhk") or [])]
    expectations = data.get("perilaku") or {}
    skp.perilaku = [PerilakuExpectation(position=p, value_key=key, ekspektasi_khusus=expectations[key])
                    for p, key in enumerate(BERAKHLAK) if expectations.get(key)]
    attachments = data.get("lampiran") or {}
    skp.lampiran = [Lampiran(position=p, kind=kind, text=text)
                    for p, (kind, text) in enumerate((kind, text) for kind in LAMPIRAN_KINDS
                                                      for text in attachments.get(kind) or [])]


def _rhk(row: Optional[Rhk], position: int, content: dict[str, Any]) -> Rhk:
    row = row or Rhk()
    row.position, row.kind, row.text = position, content.get("kind", "utama"), content.get("text", "")
    row.parent_rhk_id, row.goal_id = content.get("intervensi"), content.get("sasaran")
    row.penugasan_dari = content.get("penugasan_dari")
    row.indicators = [Indikator(position=p, aspek=ind.get("aspek", ""), text=ind.get("text", ""),
                                target_value=_decimal(ind.get("target_value")), target_unit=ind.get("target_unit"),
                                target_description=ind.get("target_description"), perspektif=ind.get("perspektif"))
                      for p, ind in enumerate(content.get("indicators") or [])]
    row.actions = [RencanaAksi(position=p, period=action.get("period", 1), text=action.get("text", ""))
                   for p, action in enumerate(content.get("rencana_aksi") or [])]
    return row


def content_of(skp: Skp) -> dict[str, Any]:
    """The version's content in the form's shape (empty cells left out)."""
    perilaku = {row.value_key: row.ekspektasi_khusus for row in skp.perilaku if row.ekspektasi_khusus}
    lampiran: dict[str, list[str]] = {}
    for row in skp.lampiran:
        lampiran.setdefault(row.kind, []).append(row.text)
    content: dict[str, Any] = {"layout": skp.layout, "approach": skp.approach,
                               "rhk": [_rhk_content(row) for row in skp.rhk]}
    if perilaku:
        content["perilaku"] = perilaku
    if lampiran:
        content["lampiran"] = lampiran
    return content


def _rhk_content(row: Rhk) -> dict[str, Any]:
    content = _present({"id": row.id, "kind": row.kind, "text": row.text, "intervensi": row.parent_rhk_id,
                        "sasaran": row.goal_id, "penugasan_dari": row.penugasan_dari})
    content["indicators"] = [_present({"aspek": ind.aspek, "text": ind.text,
                                       "target_value": number_of(ind.target_value),
                                       "target_unit": ind.target_unit, "target_description": ind.target_description,
                                       "perspektif": ind.perspektif}) for ind in row.indicators]
    if row.actions:
        content["rencana_aksi"] = [{"period": action.period, "text": action.text} for action in row.actions]
    return content


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, "")}


def content_hash(skp: Skp) -> str:
    """SHA-256 over the employee, cycle, version and content (what people wrote and what it
    intervenes; not the ids of its own rows): what a signature covers."""
    canonical = json.dumps({"employee_id": skp.employee_id, "cycle_id": skp.cycle_id, "version": skp.version,
                            "content": _without_ids(content_of(skp))}, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed from one version's content to the next: one entry per changed cell,
    ``{"path", "before", "after"}`` with paths like ``rhk.1.indicators.0.target_value``."""
    changes: list[dict[str, Any]] = []
    _compare("", _without_ids(before), _without_ids(after), changes)
    return changes


def _without_ids(content: dict[str, Any]) -> dict[str, Any]:
    """Row ids differ between versions by construction; a diff compares what people wrote."""
    return {**content, "rhk": [{k: v for k, v in row.items() if k != "id"} for row in content.get("rhk") or []]}


def _compare(path: str, before: Any, after: Any, changes: list[dict[str, Any]]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            _compare(f"{path}.{key}" if path else str(key), before.get(key), after.get(key), changes)
    elif isinstance(before, list) and isinstance(after, list):
        for index in range(max(len(before), len(after))):
            _compare(f"{path}.{index}", before[index] if index < len(before) else None,
                     after[index] if index < len(after) else None, changes)
    elif before != after:
        changes.append({"path": path, "before": before, "after": after})


def _decimal(value: Any) -> Optional[Decimal]:
    return None if value is None else Decimal(str(value))


def number_of(value: Optional[Decimal]) -> Optional[float | int]:
    """A stored target as the JSON number it was typed as (95, not 95.0000)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
