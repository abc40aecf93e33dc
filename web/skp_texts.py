"""The SKP's words on pages: aspek, lampiran and status labels, in the reader's language."""
from __future__ import annotations

from typing import Any, Mapping

from flask_babel import gettext as _

from .texts import N_

ASPECT_LABELS = {"kuantitas": N_("Kuantitas"), "kualitas": N_("Kualitas"), "waktu": N_("Waktu"), "biaya": N_("Biaya")}
LAMPIRAN_LABELS = {"dukungan_sumber_daya": N_("Dukungan sumber daya"),
                   "skema_pertanggungjawaban": N_("Skema pertanggungjawaban"), "konsekuensi": N_("Konsekuensi")}
STATUS_LABELS = {"new": N_("Belum disusun"), "draft": N_("Draf"), "submitted": N_("Diajukan"),
                 "returned": N_("Dikembalikan untuk perbaikan"), "agreed": N_("Disepakati"),
                 "revised": N_("Digantikan revisi")}


def document_labels() -> dict[str, Any]:
    """What the ``skp_document`` macro (templates/_skp.html) needs besides the SKP."""
    return {"aspect_labels": {key: _(text) for key, text in ASPECT_LABELS.items()},
            "lampiran_labels": {key: _(text) for key, text in LAMPIRAN_LABELS.items()},
            "status_labels": {key: _(text) for key, text in STATUS_LABELS.items()}}


def skp_in_words(submitted: Mapping[str, Any]) -> Mapping[str, Any]:
    """A submitted SKP (a step's data in a task's history) as its RHK in words, "Utama 1.
    <text>", and the Ekspektasi Khusus Pimpinan; the whole document is on its SKP page.
    Other submissions are returned as they are."""
    rows = submitted.get("rhk")
    if not (isinstance(rows, list) and rows and all(isinstance(row, Mapping) and "indicators" in row for row in rows)):
        return submitted
    numbers: dict[str, int] = {}
    lines = []
    for row in rows:
        kind = row.get("kind") if row.get("kind") in ("utama", "tambahan") else "utama"
        numbers[kind] = numbers.get(kind, 0) + 1
        lines.append(f"{_('Utama') if kind == 'utama' else _('Tambahan')} {numbers[kind]}. {row.get('text', '')}")
    words: dict[str, Any] = {"rhk": lines}
    if isinstance(submitted.get("perilaku"), Mapping) and submitted["perilaku"]:
        words["perilaku"] = submitted["perilaku"]
    return words
