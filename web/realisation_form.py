"""The realisation task's form: the employee's RHK and indicators of the agreed SKP version
with target and unit, the period's Rencana Aksi beside each RHK, an input per indicator
(a number against a numeric target, a description against a described one), the capaian,
and the evidence (files uploaded with their own POST, so they survive a form error, and
links, one per line).

The task page (:mod:`web.pages.tasks`) shows it instead of the generic form and reads the
submission with :func:`parse_realisation`; uploading, removing and downloading evidence are
:mod:`web.pages.evidence`. The engine checks everything (:mod:`engine.realisation_step`).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping, Optional

from flask import Response, send_file
from flask_babel import format_decimal
from flask_babel import gettext as _

from engine.evidence import EvidenceFile
from engine.evidence_storage import ACCEPTED, ACCEPTED_LABELS, describe_size, max_bytes
from engine.realisation import EvidenceView, IndicatorRow, RealisationForm, realisation_form
from engine.realisation_step import capaian

from .auth import current_username
from .engine_access import kinerja
from .forms import to_number
from .limits import row_index
from .skp_texts import ASPECT_LABELS

ROW_FIELD = re.compile(r"realisations-(\d+)-indikator")
ACCEPT_ATTRIBUTE = ",".join(f".{extension}" for kind in ACCEPTED.values() for extension in kind.extensions)


@dataclass
class IndicatorInput:
    """One indicator as the page shows it: its target, what is typed or saved, its evidence."""

    index: int
    indicator: IndicatorRow
    aspek: str
    value: str
    description: str
    links: str
    capaian: Optional[Decimal]
    files: list[EvidenceView]  # uploaded to this task: sent with the answer
    earlier: list[EvidenceView]  # of the period's earlier report
    errors: dict[str, list[str]] = field(default_factory=dict)  # by field: value, description, evidence, links, upload


@dataclass
class RealisationPage:
    form: RealisationForm
    rows: list[tuple[Any, list[IndicatorInput]]]  # (RhkRow, its indicators)
    general: list[str]  # errors of the form as a whole
    accept: str = ACCEPT_ATTRIBUTE
    accepted_labels: str = ACCEPTED_LABELS
    max_size: str = ""

    @property
    def has_errors(self) -> bool:
        return bool(self.general) or any(item.errors for _rhk, inputs in self.rows for item in inputs)


def parse_realisation(form: Mapping[str, Any], locale: Optional[str]) -> dict[str, Any]:
    """The posted page → the form's JSON (``{"realisations": [...]}``); what is not a number
    stays text, for the validation to name."""
    indices = sorted(row_index(match.group(1)) for name in form if (match := ROW_FIELD.fullmatch(name)))
    rows = []
    for index in indices:
        prefix = f"realisations-{index}-"
        typed_value = (form.get(prefix + "value") or "").strip()
        rows.append({
            "indikator": to_number(form.get(prefix + "indikator") or "", integer=True),
            "value": to_number(typed_value, locale=locale) if typed_value else None,
            "description": (form.get(prefix + "description") or "").strip(),
            "evidence": [to_number(item, integer=True) for item in _all(form, prefix + "evidence") if item],
            "links": [line.strip() for line in (form.get(prefix + "links") or "").splitlines() if line.strip()],
        })
    return {"realisations": rows}


def realisation_page(task_id: int, values: Optional[dict[str, Any]],
                     errors: Optional[dict[str, list[str]]]) -> RealisationPage:
    """The page's content: ``values`` as typed (default: the period's report so far) and
    ``errors`` by dotted path (``realisations.0.value``, ``upload.<indikator id>``, ``""``)."""
    form = realisation_form(kinerja(), current_username(), task_id)
    errors = errors or {}
    typed = {row.get("indikator"): row for row in (values or {}).get("realisations", []) if isinstance(row, dict)}
    rows, index = [], 0
    for rhk in form.rhk:
        inputs = []
        for indicator in rhk.indicators:
            inputs.append(_input(task_id, index, indicator, typed.get(indicator.id) if values is not None else None,
                                 errors))
            index += 1
        rows.append((rhk, inputs))
    known = {f"realisations.{i}" for i in range(index)}
    general = [message for path, messages in errors.items() for message in messages
               if not path.startswith("upload.") and ".".join(path.split(".")[:2]) not in known]
    return RealisationPage(form, rows, general, max_size=describe_size(max_bytes()))


def _input(task_id: int, index: int, indicator: IndicatorRow, typed: Optional[dict[str, Any]],
           errors: dict[str, list[str]]) -> IndicatorInput:
    evidence = [item for item in indicator.evidence if item.kind == "file" and item.task_id == task_id]
    earlier = [item for item in indicator.evidence if item.task_id != task_id]
    if typed is None:  # as saved for the period (or blank)
        value: Any = indicator.value
        description, links = indicator.description or "", "\n".join(e.url or "" for e in earlier if e.kind == "link")
    else:
        value, description, links = typed.get("value"), typed.get("description") or "", "\n".join(typed.get("links") or [])
    number = Decimal(str(value)) if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) else None
    prefix = f"realisations.{index}."
    mine = {path[len(prefix):].split(".")[0]: messages for path, messages in errors.items() if path.startswith(prefix)}
    if f"upload.{indicator.id}" in errors:
        mine["upload"] = errors[f"upload.{indicator.id}"]
    return IndicatorInput(index, indicator, _(ASPECT_LABELS.get(indicator.aspek, indicator.aspek)),
                          format_decimal(number) if number is not None else ("" if value is None else str(value)),
                          description, links, capaian(number, indicator.target_value), evidence, earlier, mine)


def _all(form: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(form, "getlist", None)
    return list(getlist(name)) if getlist else ([form[name]] if name in form else [])


def evidence_response(found: EvidenceFile) -> Response:
    """A download of an evidence file (page and API): an attachment with the stored content
    type and ``nosniff``, so a browser never renders an upload as a page; the ETag is its SHA-256."""
    response = send_file(io.BytesIO(found.content or b""), mimetype=found.content_type, as_attachment=True,
                         download_name=found.filename, etag=found.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
