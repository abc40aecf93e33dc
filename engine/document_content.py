"""What a printed document says, as plain data: the SKP of an employee and cycle (any
version) from the SKP tables, with its electronic approvals.

The content is a JSON-able dict (strings, numbers, lists; dates as ISO strings) that the
template renders and nothing else: its SHA-256 over the canonical JSON
(:func:`content_hash`) is what the issued document records, and recomputing it later from
the tables says whether the record still reads as it did when the paper was printed. The
evaluation document's content is :mod:`engine.evaluation_document`.
"""
from __future__ import annotations

import hashlib
from typing import Any, Optional

from sqlalchemy.orm import Session

from .audit import canonical_json
from .document_approvals import skp_approvals
from .models import Cycle, Employee, Organisation, Unit
from .periods import plan_of
from .skp_tables import Skp
from .skp_views import skp_view

ASPECT_WORDS = {"kuantitas": "Kuantitas", "kualitas": "Kualitas", "waktu": "Waktu", "biaya": "Biaya"}
LAMPIRAN_WORDS = {"dukungan_sumber_daya": "Dukungan Sumber Daya",
                  "skema_pertanggungjawaban": "Skema Pertanggungjawaban", "konsekuensi": "Konsekuensi"}
SKP_STATUS_WORDS = {"draft": "Konsep", "submitted": "Diajukan, menunggu penetapan", "returned": "Dikembalikan",
                    "agreed": "Ditetapkan"}
_REGION_PREFIXES = ("Pemerintah Kabupaten ", "Pemerintah Kota ", "Pemerintah Provinsi ", "Kabupaten ", "Kota ")


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the content's canonical JSON: what the issued document records."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def person(session: Session, employee: Optional[Employee]) -> Optional[dict[str, Any]]:
    """Nama, NIP, pangkat/golongan, jabatan and unit kerja of an employee, as printed."""
    if employee is None:
        return None
    unit = session.get(Unit, employee.unit_id)
    return {"name": employee.name, "nip": employee.nip, "pangkat": employee.pangkat or "",
            "position": employee.position, "unit": unit.name if unit else ""}


def header(session: Session, cycle: Cycle) -> dict[str, Any]:
    """The instansi, the period of the cycle and the place of signing."""
    organisation = session.get(Organisation, cycle.organisation_id)
    name = organisation.name if organisation else ""
    plan = plan_of(cycle.settings, cycle.year)
    return {"organisation": name, "year": cycle.year, "start": plan[0]["start"] if plan else f"{cycle.year}-01-01",
            "end": plan[-1]["end"] if plan else f"{cycle.year}-12-31",
            "place": str((cycle.settings or {}).get("place") or place_of(name))}


def place_of(organisation: str) -> str:
    """Where the documents are signed when the cycle does not say: the region in the
    organisation's name ("Pemerintah Kabupaten Bungo" → "Bungo")."""
    for prefix in _REGION_PREFIXES:
        if organisation.startswith(prefix):
            return organisation[len(prefix):]
    return organisation


def skp_content(session: Session, skp: Skp) -> dict[str, Any]:
    """The SKP version as printed (PermenPANRB 6/2022's form: the JPT layout adds Perspektif
    and "penugasan dari")."""
    view = skp_view(session, skp, with_versions=False)
    cycle = session.get(Cycle, skp.cycle_id)
    assert cycle is not None  # foreign key
    employee = session.get(Employee, skp.employee_id)
    evaluator = session.get(Employee, skp.evaluator_employee_id) if skp.evaluator_employee_id else None
    rhk = [{"kind": row.kind, "number": row.number, "text": row.text, "intervenes": row.intervenes or "",
            "penugasan_dari": row.penugasan_dari or "",
            "indicators": [{"aspek": ASPECT_WORDS.get(ind["aspek"], ind["aspek"]), "text": ind["text"],
                            "target": ind["target"], "perspektif": ind["perspektif"] or ""}
                           for ind in row.indicators],
            "actions": [{"period": period, "text": text} for period, text in row.actions]} for row in view.rhk]
    dated = skp.set_at or skp.signed_at or skp.created_at
    status = "agreed" if skp.status == "revised" else skp.status
    return {
        "kind": "skp", "title": "Sasaran Kinerja Pegawai", **header(session, cycle),
        # A version later revised stays the agreed document it was: its paper still matches.
        "version": skp.version, "status": status, "status_words": SKP_STATUS_WORDS.get(status, status),
        "layout": skp.layout, "approach": skp.approach, "skp_content_hash": skp.content_hash or "",
        "employee": person(session, employee), "evaluator": person(session, evaluator),
        "rhk_utama": [row for row in rhk if row["kind"] == "utama"],
        "rhk_tambahan": [row for row in rhk if row["kind"] == "tambahan"],
        "perilaku": [{"value": value, "guide": guide, "expectation": expectation or ""}
                     for value, guide, expectation in view.perilaku],
        "lampiran": [{"kind": LAMPIRAN_WORDS.get(kind, kind), "lines": view.lampiran.get(kind, [])}
                     for kind in LAMPIRAN_WORDS],
        "dated_at": dated.isoformat(),
        "approvals": skp_approvals(session, skp),
    }
