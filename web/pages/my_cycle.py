"""The employee's own cycles: where each one is, the SKP, the predikat and what is waiting."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from flask import g, render_template
from flask_babel import gettext as _

from engine.read_models import InstanceDetail, employee_instances, instance_history
from engine.vocabulary import COMPLETED_PHASE, DRAFT_SKP, EMPLOYEE_LANE, FOLLOW_UP_FIELDS, PHASES, SKP_APPROVALS

from ..auth import current_username, login_required
from ..engine_access import kinerja
from ..forms import ENUM_LABELS, N_, Entry, describe, enum_label, task_name, tr
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
class CycleView:
    instance: InstanceDetail
    year: Optional[int]
    steps: list[Step]
    phase: Optional[str]
    skp: list[Entry]
    skp_status: str
    predikat: Optional[str]
    explanation: Optional[str]
    follow_up: list[Entry] = field(default_factory=list)
    open_tasks: list[tuple[Any, str]] = field(default_factory=list)

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


def skp_from(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """The newest SKP submitted and what became of it."""
    completed = [e["data"] for e in events if e.get("action") == "task.completed"]
    drafts = [i for i, data in enumerate(completed) if data.get("task_key") == DRAFT_SKP]
    if not drafts:
        return [], _("SKP belum disusun.")
    rhk = completed[drafts[-1]].get("submitted", {}).get("rhk") or []
    decisions = [data.get("submitted", {}).get("skp_decision") for data in completed[drafts[-1] + 1:]
                 if data.get("task_key") in SKP_APPROVALS]
    if not decisions:
        return rhk, _("Menunggu persetujuan atasan.")
    if decisions[-1] == "approve":
        return rhk, _("Disetujui atasan.")
    return rhk, _("Dikembalikan untuk perbaikan.")


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
    events = instance_history(kinerja(), username, instance.id)
    phase = instance.phase
    rhk, skp_status = skp_from(events)
    predikat, explanation = predikat_of(instance.summary)
    follow_up = describe({key: instance.summary[key] for key in FOLLOW_UP_FIELDS
                          if instance.summary.get(key) is not None}, formatters={"follow_up_detail": tr})
    return CycleView(instance=instance, year=instance.cycle_year,
                     steps=stepper(phase), phase=phase, skp=describe({"rhk": rhk}) if rhk else [],
                     skp_status=skp_status, predikat=predikat, explanation=explanation, follow_up=follow_up,
                     open_tasks=[(task, task_name(task.task_key, task.name)) for task in instance.open_tasks])


@blueprint.get("/my-cycle")
@login_required
def my_cycle():  # type: ignore[no-untyped-def]
    username = current_username()
    cycles = [cycle_view(instance, username) for instance in employee_instances(kinerja(), username)]
    return render_template("my_cycle.html", cycles=cycles, is_employee=g.user.employee_id is not None)
