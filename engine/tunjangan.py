"""The organisation's tunjangan kinerja percentage per predikat in a cycle: HR reads it beside
what the deployed table gives by default, and changes it.

Deployments are global, so the per-organisation rule is the cycle setting
:data:`engine.follow_up.TUNJANGAN_SETTING` (predikat → 0–100); the table
``tunjangan_kinerja`` (bpmn/tunjangan_kinerja.dmn) takes it in its first row and falls back
to its own defaults for a predikat the organisation left out. HR sets it when opening the
cycle (:func:`engine.cycles.ensure_cycle`) and changes it here; both check it with
:func:`engine.follow_up.checked_tunjangan` (422 naming the predikat). An employee's process
reads the setting when it starts, so a change reaches the processes started after it (and
the year's decisions already taken stay as they were): :class:`TunjanganSetting` says how
many processes of the cycle had started, for HR to see what the change applies to.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .actors import Actor, actor_name
from .cycles import cycle_for
from .definition_cache import newest_deployment
from .errors import ProcessError
from .evaluation_tables import PREDIKATS
from .follow_up import TUNJANGAN_SETTING, checked_tunjangan
from .instance_run import guarded
from .kinerja import Kinerja
from .models import Cycle, ProcessInstance
from .permissions import RUN_CYCLES
from .runtime import evaluate_decision

TUNJANGAN_DECISION = "tunjangan_kinerja"


@dataclass(frozen=True)
class TunjanganRow:
    predikat: str
    percentage: Optional[int]  # the organisation's own; None: the table's default applies
    default: Optional[int]  # what the deployed table gives without one (None: the table is not deployed)


@dataclass(frozen=True)
class TunjanganSetting:
    cycle_id: int
    year: int
    rows: list[TunjanganRow]  # in the order of the predikat, Sangat Baik first
    started: int  # processes of the cycle started already, with the setting as it was then


def tunjangan_setting(kinerja: Kinerja, actor: Actor, cycle_id: int) -> TunjanganSetting:
    """The cycle's percentages per predikat beside the deployed table's defaults (HR: RUN_CYCLES;
    another organisation's cycle does not exist)."""
    with kinerja.reading() as uow:
        cycle = cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        return _setting(kinerja, uow.session, cycle)


def set_tunjangan_percentages(kinerja: Kinerja, actor: Actor, cycle_id: int,
                              percentages: Mapping[str, Any]) -> TunjanganSetting:
    """HR sets the organisation's percentage per predikat for the cycle (``None`` or a missing
    predikat: the table's default), recorded as ``cycle.tunjangan_set`` with before and after;
    422 naming each predikat refused (not 0–100, not a whole number, unknown)."""
    with kinerja.unit_of_work() as uow:
        cycle = cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        after = checked_tunjangan(percentages)
        before = dict((cycle.settings or {}).get(TUNJANGAN_SETTING) or {})
        if after != before:
            cycle.settings = {**(cycle.settings or {}), TUNJANGAN_SETTING: after}
            uow.record(actor_name(actor), "cycle.tunjangan_set",
                       {"cycle_id": cycle.id, "year": cycle.year, "before": before, "after": after})
        uow.commit()
        return _setting(kinerja, uow.session, cycle)


def _setting(kinerja: Kinerja, session: Session, cycle: Cycle) -> TunjanganSetting:
    own = (cycle.settings or {}).get(TUNJANGAN_SETTING) or {}
    defaults = _table_defaults(kinerja, session)
    started = session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.cycle_id == cycle.id)) or 0
    return TunjanganSetting(cycle.id, cycle.year,
                            [TunjanganRow(predikat, own.get(predikat), defaults.get(predikat))
                             for predikat in PREDIKATS], started)


def _table_defaults(kinerja: Kinerja, session: Session) -> dict[str, Optional[int]]:
    """What the newest deployed table answers for each predikat without the organisation's
    percentages (asked of the table itself, so the page never shows a copy that drifted)."""
    deployment = newest_deployment(session)
    if deployment is None:
        return {}
    try:
        table = kinerja.definitions.of(session, deployment.id).decision_engine(TUNJANGAN_DECISION)
    except KeyError:
        return {}
    return {predikat: _default(table, predikat) for predikat in PREDIKATS}


def _default(table: Any, predikat: str) -> Optional[int]:
    """The table's answer for ``predikat`` (None when HR deployed a table that has none)."""
    try:
        record = guarded(lambda: evaluate_decision(table, TUNJANGAN_DECISION,
                                                   {"predikat": predikat, TUNJANGAN_SETTING: {}}))
    except ProcessError:
        return None
    value = record.outputs.get("tunjangan_kinerja_persen")
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
