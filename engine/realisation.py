"""What the realisation task shows: the RHK and indicators of the agreed SKP version with
their targets, the period's Rencana Aksi beside each RHK, what was reported for the period
so far, and the evidence uploaded to the task.

Built from the tables and the task's workflow data (``period``, and ``period_name`` when
the cycle's period plan put it there), for whoever may work on the task or read the
employee's file (404 otherwise, like the task itself). The supervisor's periodic feedback
task shows the same report, read only (:func:`reported_for_task`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .access import authorise, load_user, may_view_employee, reads_task_context
from .actors import Actor
from .assignment import may_work_on
from .errors import NotFound
from .instance_run import InstanceRun
from .kinerja import Kinerja
from .models import HumanTask, ProcessInstance
from .period_evaluation import PERIOD_FEEDBACK_FORM
from .realisation_tables import BuktiDukung, Realisasi
from .skp_rules import periods_of
from .skp_tables import Skp


@dataclass(frozen=True)
class EvidenceView:
    id: int
    kind: str  # file | link
    filename: Optional[str]
    content_type: Optional[str]
    size: Optional[int]
    sha256: Optional[str]
    url: Optional[str]
    uploaded_at: datetime
    task_id: int


@dataclass(frozen=True)
class IndicatorRow:
    id: int
    aspek: str
    text: str
    target_value: Optional[Decimal]
    target_unit: Optional[str]
    target_description: Optional[str]
    value: Optional[Decimal] = None  # reported for the period so far
    description: Optional[str] = None
    capaian: Optional[Decimal] = None
    evidence: list[EvidenceView] = field(default_factory=list)  # files and links


@dataclass(frozen=True)
class RhkRow:
    id: int
    number: int  # 1-based within its group (utama, tambahan)
    kind: str
    text: str
    actions: list[str]  # the Rencana Aksi of the period
    indicators: list[IndicatorRow]


@dataclass(frozen=True)
class RealisationForm:
    task_id: int
    skp_id: Optional[int]
    period: Optional[int]
    period_name: str
    can_report: bool  # the user may complete the task (and upload to it)
    rhk: list[RhkRow]


def realisation_form(kinerja: Kinerja, username: str, task_id: int) -> RealisationForm:
    """The realisation task's page content (see the module's docstring)."""
    with kinerja.reading() as uow:
        session = uow.session
        user = load_user(session, username)
        task = session.get(HumanTask, task_id)
        if task is None:
            raise NotFound(f"task {task_id} does not exist")
        can_report = task.status == "open" and may_work_on(task, user)
        if not can_report and not reads_task_context(session, user, task):
            raise NotFound(f"task {task_id} does not exist")
        return _period_report(kinerja, session, task, can_report)


def reported_for_task(kinerja: Kinerja, actor: Actor, task_id: int) -> Optional[RealisationForm]:
    """What the employee reported for the period a periodic feedback task rates, with its
    evidence, beside the supervisor's form: for whoever may read the employee's evidence
    (:func:`engine.access.may_view_employee`, the rule :func:`engine.evidence.evidence_file`
    downloads by, so every file shown downloads); None for another task or another reader."""
    with kinerja.reading() as uow:
        session = uow.session
        user = authorise(session, actor)
        task = session.get(HumanTask, task_id)
        if task is None or task.form_key != PERIOD_FEEDBACK_FORM:
            return None
        if user is not None and not may_view_employee(session, user, task.subject_employee_id):
            return None
        return _period_report(kinerja, session, task, can_report=False)


def _period_report(kinerja: Kinerja, session: Session, task: HumanTask, can_report: bool) -> RealisationForm:
    """The task's period (from its workflow data) with the RHK and indicators of the task's
    SKP version, what is reported for the period and the evidence behind it."""
    instance = session.get(ProcessInstance, task.instance_id)
    assert instance is not None  # foreign key
    definitions = kinerja.definitions.of(session, instance.deployment_id)
    data = InstanceRun.load(definitions, instance.process_key, instance.state).task_data(task.spiff_task_id)
    period = data.get("period") if isinstance(data.get("period"), int) else None
    skp = session.get(Skp, task.skp_id) if task.skp_id else None
    if skp is None:
        return RealisationForm(task.id, None, period, str(data.get("period_name") or period or ""), can_report, [])
    periods = periods_of(session, skp.cycle_id)
    name = data.get("period_name") or (periods[period - 1] if period and 0 < period <= len(periods) else "")
    reported = {row.indikator_id: row for row in session.scalars(select(Realisasi).where(
        Realisasi.employee_id == skp.employee_id, Realisasi.cycle_id == skp.cycle_id,
        Realisasi.period == period)).all()} if period else {}
    evidence = _evidence(session, task.id, [row.id for row in reported.values()])
    rows, numbers = [], {}
    for rhk in skp.rhk:
        numbers[rhk.kind] = numbers.get(rhk.kind, 0) + 1
        indicators = []
        for ind in rhk.indicators:
            saved = reported.get(ind.id)
            indicators.append(IndicatorRow(
                ind.id, ind.aspek, ind.text, ind.target_value, ind.target_unit, ind.target_description,
                saved.value if saved else None, saved.description if saved else None,
                saved.capaian if saved else None, evidence.get(ind.id, [])))
        rows.append(RhkRow(rhk.id, numbers[rhk.kind], rhk.kind, rhk.text,
                           [action.text for action in rhk.actions if action.period == period], indicators))
    return RealisationForm(task.id, skp.id, period, str(name), can_report, rows)


def _evidence(session: Session, task_id: int, realisasi_ids: list[int]) -> dict[Optional[int], list[EvidenceView]]:
    """Uploads to this task and the evidence of the period's reported rows, by indicator."""
    found: dict[Optional[int], list[EvidenceView]] = {}
    for row in session.scalars(select(BuktiDukung).where(or_(
            BuktiDukung.task_id == task_id, BuktiDukung.realisasi_id.in_(realisasi_ids))).order_by(BuktiDukung.id)):
        found.setdefault(row.indikator_id, []).append(EvidenceView(
            row.id, row.kind, row.filename, row.content_type, row.size, row.sha256, row.url, row.uploaded_at,
            row.task_id))
    return found
