"""The realisation a step writes: a period's realisation per indicator of the agreed SKP
version, with its evidence.

The ``realisation`` form's answer names indicators of the SKP version the task is about
(``task.skp_id``, the version in force when the task was created) and the evidence files
uploaded to this task beforehand (:func:`engine.evidence.upload_evidence`). The step checks
the answer (422 naming the row), reads the task's ``period`` from its workflow data and writes
one :class:`~engine.realisation_tables.Realisasi` row per indicator and period, giving the
workflow only a count: reporting the
same period again replaces the rows (and their links to evidence), never duplicates them.
``realisation.reported`` records the values and the SHA-256 of every file, so the audit
trail names the very bytes the realisation rests on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Optional
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Conflict, ValidationFailed
from .form_steps import StepContext, StepInput, register
from .models import HumanTask
from .realisation_tables import BuktiDukung, Realisasi
from .skp_tables import Indikator, Rhk, Skp
from .vocabulary import REALISATION_FORM

HUNDRED, CENT = Decimal(100), Decimal("0.01")


@dataclass
class Reported:
    """One checked row of the answer."""

    indikator: Indikator
    value: Optional[Decimal]
    description: Optional[str]
    evidence: list[BuktiDukung] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def indicators_of(session: Session, skp_id: Optional[int]) -> dict[int, Indikator]:
    """The indicators of an SKP version by id (none without a version)."""
    if skp_id is None:
        return {}
    return {row.id: row for row in session.scalars(
        select(Indikator).join(Rhk, Rhk.id == Indikator.rhk_id).where(Rhk.skp_id == skp_id)).all()}


def capaian(value: Optional[Decimal], target: Optional[Decimal]) -> Optional[Decimal]:
    """The realisation as a percentage of a numeric target (None without both numbers)."""
    if value is None or target is None or target <= 0:
        return None
    return (Decimal(value) / Decimal(target) * HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def is_http_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def checked_rows(session: Session, task: HumanTask, answer: list[dict[str, Any]]) -> list[Reported]:
    indicators = indicators_of(session, task.skp_id)
    uploads = {row.id: row for row in session.scalars(
        select(BuktiDukung).where(BuktiDukung.task_id == task.id, BuktiDukung.kind == "file")).all()}
    problems: list[dict[str, str]] = []
    rows: list[Reported] = []
    seen: set[int] = set()

    def refuse(where: str, message: str) -> None:
        problems.append({"field": where, "message": message})

    for index, item in enumerate(answer):
        at = f"realisations.{index}"
        indikator = indicators.get(item["indikator"])
        if indikator is None or item["indikator"] in seen:
            refuse(f"{at}.indikator", f"baris {index + 1}: indikator {item['indikator']} "
                   + ("dilaporkan dua kali" if indikator else "bukan bagian dari SKP tugas ini"))
            continue
        seen.add(indikator.id)
        value = Decimal(str(item["value"])) if item.get("value") is not None else None
        description = (item.get("description") or "").strip() or None
        if indikator.target_value is not None and value is None:
            refuse(f"{at}.value", f"baris {index + 1}: isi realisasi berupa angka (target: angka)")
        elif indikator.target_value is None and description is None:
            refuse(f"{at}.description", f"baris {index + 1}: uraikan realisasinya (target berupa uraian)")
        row = Reported(indikator, value, description)
        for position, evidence_id in enumerate(item.get("evidence") or []):
            upload = uploads.get(evidence_id)
            if upload is None or upload.indikator_id not in (None, indikator.id):
                refuse(f"{at}.evidence.{position}",
                       f"baris {index + 1}: bukti dukung {evidence_id} tidak diunggah untuk indikator ini")
            else:
                row.evidence.append(upload)
        for position, link in enumerate(item.get("links") or []):
            if not is_http_url(link.strip()):
                refuse(f"{at}.links.{position}", f"baris {index + 1}: tautan harus alamat http(s) yang lengkap")
            row.links.append(link.strip())
        rows.append(row)
    if problems:
        raise ValidationFailed(f"realisasi tidak dapat disimpan: {problems[0]['message']}", details=problems)
    return rows


def write_realisation(context: StepContext, rows: list[Reported]) -> None:
    """Write (or replace) the period's rows and link their evidence; see the module's docstring."""
    uow, task, instance = context.uow, context.task, context.instance
    period = context.task_data.get("period")
    if not isinstance(period, int) or isinstance(period, bool) or period < 1:
        raise Conflict("this realisation task has no period in its workflow data (a number from 1)",
                       details={"reason": "no_period"})
    skp = uow.session.get(Skp, task.skp_id) if task.skp_id else None
    employee_id = skp.employee_id if skp else instance.subject_employee_id
    cycle_id = skp.cycle_id if skp else instance.cycle_id
    if employee_id is None or cycle_id is None:
        raise Conflict("this process is about no employee's cycle, so it has no realisation",
                       details={"reason": "no_cycle"})
    earlier = {row.indikator_id: row for row in uow.session.scalars(select(Realisasi).where(
        Realisasi.employee_id == employee_id, Realisasi.cycle_id == cycle_id, Realisasi.period == period)).all()}
    _unlink(uow.session, list(earlier.values()))
    now, reported = uow.clock.now(), []
    for item in rows:
        row = earlier.pop(item.indikator.id, None) or Realisasi(indikator_id=item.indikator.id, period=period)
        row.skp_id, row.employee_id, row.cycle_id = task.skp_id, employee_id, cycle_id
        row.value, row.description, row.capaian = item.value, item.description, capaian(item.value, item.indikator.target_value)
        row.reported_by_user_id, row.reported_at = context.user.id, now
        row.instance_id, row.task_id = instance.id, task.id
        uow.session.add(row)
        reported.append(row)
    for gone in earlier.values():  # indicators reported before but not now
        uow.session.delete(gone)
    uow.flush()  # the rows' ids for the evidence
    facts = []
    for item, row in zip(rows, reported):
        for evidence in item.evidence:
            evidence.realisasi_id, evidence.indikator_id, evidence.period = row.id, item.indikator.id, period
        for url in item.links:
            uow.session.add(BuktiDukung(employee_id=employee_id, cycle_id=cycle_id, period=period,
                                        indikator_id=item.indikator.id, realisasi_id=row.id, kind="link", url=url,
                                        uploaded_by_user_id=context.user.id, uploaded_at=now, task_id=task.id))
        facts.append({"indikator": item.indikator.id, "value": _text(row.value), "description": row.description,
                      "capaian": _text(row.capaian),
                      "evidence": [{"id": e.id, "sha256": e.sha256, "filename": e.filename} for e in item.evidence],
                      "links": item.links})
    uow.record(context.user.username, "realisation.reported",
               {"skp_id": task.skp_id, "employee_id": employee_id, "cycle_id": cycle_id, "period": period,
                "realisations": facts}, instance_id=instance.id, task_id=task.id)


def _unlink(session: Session, rows: list[Realisasi]) -> None:
    """Earlier rows lose their evidence: files stay uploaded to their task, links go."""
    if not rows:
        return
    for evidence in session.scalars(select(BuktiDukung).where(
            BuktiDukung.realisasi_id.in_([row.id for row in rows]))).all():
        if evidence.kind == "link":
            session.delete(evidence)
        else:
            evidence.realisasi_id = None
    session.flush()


def _text(number: Optional[Decimal]) -> Optional[str]:
    return None if number is None else f"{number.normalize():f}"


@register(REALISATION_FORM)
def report_realisation(context: StepContext, data: dict[str, Any]) -> StepInput:
    """Check the answer against the task's SKP version and its uploads and write its rows; the
    workflow gets the count."""
    rows = checked_rows(context.uow.session, context.task, data.get("realisations") or [])
    write_realisation(context, rows)
    return StepInput({"realisation_count": len(rows)})
