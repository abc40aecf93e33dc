"""The SKP's words on pages: aspek, lampiran and status labels, in the reader's language."""
from __future__ import annotations

from typing import Any

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
