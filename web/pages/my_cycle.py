"""The employee's own cycles: where each one is, the SKP, the predikat and what is waiting."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from flask import g, render_template
from flask_babel import gettext as _

from engine.evaluations import PeriodEvaluation, annual_evaluation_of, list_evaluations
from engine.read_models import InstanceDetail, employee_instances
from engine.skp import list_skp, skp_document
from engine.skp_views import BERAKHLAK_VALUES
from engine.vocabulary import COMPLETED_PHASE, EMPLOYEE_LANE, FOLLOW_UP_FIELDS, PHASES

from ..auth import current_username, login_required
from ..engine_access import kinerja
from ..forms import ENUM_LABELS, N_, Entry, describe, enum_label, task_name, tr
from ..skp_texts import STATUS_LABELS
from .common import blueprint

PHASE_LABELS = {
    "target_setting": N_("Penetapan SKP"),
    "periodic_review": N_("Reviu berkala"),
    "final_appraisal": N_("Penilaian akhir"),
    "reward_sanction": N_("Tindak lanjut"),
    COMPLETED_PHASE: N_("Selesai"),
}


@dataclass
class Step:
    key: str
    label: str
    state: str  # done | current | todo


@dataclass
class MySkp:
    """The current version of the employee's SKP in a cycle, as the cycle page shows it."""

    id: Optional[int]  # None: not drafted yet
    version: int
    status: str  # in words
    rhk: list[str]


@dataclass
class CycleView:
    instance: InstanceDetail
    year: Optional[int]
    steps: list[Step]
    phase: Optional[str]
    skp: Optional[MySkp]
    predikat: Optional[str]
    explanation: Optional[str]
    follow_up: list[Entry] = field(default_factory=list)
    open_tasks: list[tuple[Any, str]] = field(default_factory=list)
    periods: list[PeriodEvaluation] = field(default_factory=list)  # the periodic evaluations, per period
    annual: Optional[PeriodEvaluation] = None  # the year's, once rated (its document)

    @property
    def waiting_for_employee(self) -> bool:
        return any(task.lane == EMPLOYEE_LANE for task, _name in self.open_tasks)


def stepper(phase: Optional[str]) -> list[Step]:
    keys = [*PHASES, COMPLETED_PHASE]
    position = keys.index(phase) if phase in keys else -1
    steps = []
    for index, key in enumerate(keys):
        label = PHASE_LABELS[key]
        if key == COMPLETED_PHASE and phase == COMPLETED_PHASE:
            state = "done current"
        elif index < position:
            state = "done"
        elif index == position:
            state = "current"
        else:
            state = "todo"
        steps.append(Step(key, tr(label), state))
    return steps


def my_skp(username: str, cycle_id: Optional[int]) -> Optional[MySkp]:
    """The newest version of the user's SKP in the cycle, read from the SKP tables (None for
    an instance of no cycle)."""
    if cycle_id is None:
        return None
    versions = list_skp(kinerja(), username, cycle_id=cycle_id)
    if not versions:
        return MySkp(None, 1, _(STATUS_LABELS["new"]), [])
    current = versions[0]
    document = skp_document(kinerja(), username, current.id)
    return MySkp(current.id, current.version, _(STATUS_LABELS.get(current.status, current.status)),
                 [f"{_('Utama') if row.kind == 'utama' else _('Tambahan')} {row.number}. {row.text}"
                  for row in document.rhk])


def predikat_of(summary: dict[str, Any]) -> tuple[Optional[str], Optional[str]]:
    """The predikat and how it came about, e.g. "Rating hasil kerja: Di atas ekspektasi, rating
    perilaku kerja: Sesuai ekspektasi → predikat Baik"."""
    code = summary.get("predikat")
    if not code:
        return None, None
    label = enum_label(code) if code in ENUM_LABELS else (summary.get("predikat_label") or str(code))
    hasil, perilaku = summary.get("rating_hasil_kerja"), summary.get("rating_perilaku_kerja")
    if not (hasil and perilaku):
        return label, None
    return label, _("Rating hasil kerja: %(hasil)s, rating perilaku kerja: %(perilaku)s \u2192 predikat %(predikat)s",
                    hasil=enum_label(hasil), perilaku=enum_label(perilaku), predikat=label)


def cycle_view(instance: InstanceDetail, username: str) -> CycleView:
    phase = instance.phase
    predikat, explanation = predikat_of(instance.summary)
    follow_up = describe({key: instance.summary[key] for key in FOLLOW_UP_FIELDS
                          if instance.summary.get(key) is not None}, formatters={"follow_up_detail": tr})
    return CycleView(instance=instance, year=instance.cycle_year,
                     steps=stepper(phase), phase=phase, skp=my_skp(username, instance.cycle_id), predikat=predikat, explanation=explanation, follow_up=follow_up,
                     open_tasks=[(task, task_name(task.task_key, task.name)) for task in instance.open_tasks],
                     periods=list_evaluations(kinerja(), username, instance.cycle_id) if instance.cycle_id else [],
                     annual=annual_evaluation_of(kinerja(), username, instance.cycle_id) if instance.cycle_id else None)


@blueprint.get("/my-cycle")
@login_required
def my_cycle():  # type: ignore[no-untyped-def]
    username = current_username()
    cycles = [cycle_view(instance, username) for instance in employee_instances(kinerja(), username)]
    return render_template("my_cycle.html", cycles=cycles, is_employee=g.user.employee_id is not None,
                           enum_label=enum_label,
                           value_labels={key: _(label) for key, (label, _guide) in BERAKHLAK_VALUES.items()})
