"""The first step of the annual evaluation (SE MenPANRB 3/2023): the organisation's result for
each unit (*capaian kinerja organisasi*: Istimewa … Sangat Kurang), which fixes the unit's
distribution pattern (:mod:`engine.distribution`).

It is an input step in BPMN (bpmn/hasil_kerja_unit.bpmn, process ``unit_result``): HR starts
one instance per unit and cycle (:func:`start_unit_results`); its task goes to the PPK, with
a deadline after which it is escalated to HR. The instance is about the unit's head (their
unit's result becomes their own Rating Hasil Kerja) and is keyed ``cycle:<id>:unit:<id>``,
so starting twice starts nobody twice. It carries no cycle id: the cycle's own counts and
queries (instances started, employees without one) stay about the employees' yearly
process. Completing the task writes the :class:`UnitResult` row and a ``unit.result_set``
audit event in the same transaction (the form step below).
"""
from __future__ import annotations

import re
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor, actor_name
from .assignment import LaneDirectory, unit_heads
from .cycles import cycle_for
from .errors import Conflict
from .evaluation_tables import ANNUAL, Evaluation, UnitResult
from .form_steps import StepContext, StepInput, register
from .instances import NewInstance, start_many
from .kinerja import Kinerja
from .models import ProcessInstance, Unit
from .permissions import RUN_CYCLES
from .step_failures import records_step_failure

UNIT_RESULT_PROCESS = "unit_result"
UNIT_RESULT_FORM = "unit_result"
_KEY = re.compile(r"^cycle:(\d+):unit:(\d+)$")


def unit_result_key(cycle_id: int, unit_id: int) -> str:
    """The business key of a unit's result instance in a cycle."""
    return f"cycle:{cycle_id}:unit:{unit_id}"


@records_step_failure
def start_unit_results(kinerja: Kinerja, actor: Actor, cycle_id: int) -> list[int]:
    """Start the unit-result step for every unit of the cycle's organisation that has a head
    and no such instance yet (HR); returns the new instances' ids. Idempotent."""
    with kinerja.unit_of_work() as uow:
        cycle = cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        units = dict(uow.session.execute(select(Unit.id, Unit.name).where(
            Unit.organisation_id == cycle.organisation_id).order_by(Unit.id)).all())
        heads = unit_heads(uow.session, units)
        started = set(uow.session.scalars(select(ProcessInstance.business_key).where(
            ProcessInstance.business_key.in_([unit_result_key(cycle_id, unit_id) for unit_id in heads]))))
        pending = {unit_id: head for unit_id, head in heads.items()
                   if unit_result_key(cycle_id, unit_id) not in started}
        if not pending:
            return []
        directory = LaneDirectory(uow.session, pending.values())
        new = [NewInstance(directory.subject(head), unit_result_key(cycle_id, unit_id),
                           {"year": cycle.year, "cycle_id": cycle_id, "unit_id": unit_id,
                            "unit_name": units[unit_id]})
               for unit_id, head in sorted(pending.items())]
        ids = start_many(kinerja, uow, actor_name(actor), UNIT_RESULT_PROCESS, new, None, directory)
        uow.record(actor_name(actor), "unit.results_started", {"cycle_id": cycle_id, "units": sorted(pending),
                                                               "instance_ids": ids})
        uow.commit()
        return ids


@register(UNIT_RESULT_FORM)
def set_unit_result(context: StepContext, data: dict[str, Any]) -> StepInput:
    """Write the unit's result for the cycle the instance is keyed to (replacing an earlier one
    while the unit's predikat are not final yet)."""
    match = _KEY.match(context.instance.business_key)
    if match is None:
        raise Conflict("this process is about no unit of a cycle, so it cannot set a unit's result",
                       details={"reason": "no_unit"})
    cycle_id, unit_id = int(match.group(1)), int(match.group(2))
    session, uow = context.uow.session, context.uow
    if finalised(session, cycle_id, unit_id):
        raise Conflict("the unit's predikat are already final; its result can no longer change",
                       details={"reason": "unit_final"})
    basis = data["unit_result_basis"].strip()
    row = unit_result_of(session, cycle_id, unit_id)
    previous = row.result if row is not None else None
    if row is None:
        row = UnitResult(cycle_id=cycle_id, unit_id=unit_id)
        session.add(row)
    row.result, row.basis, row.set_by_user_id, row.set_at = data["unit_result"], basis, context.user.id, uow.clock.now()
    uow.record(context.user.username, "unit.result_set",
               {"cycle_id": cycle_id, "unit_id": unit_id, "result": row.result, "basis": basis,
                "previous": previous}, instance_id=context.instance.id, task_id=context.task.id)
    return StepInput({"unit_result": row.result, "unit_result_basis": basis})


def unit_result_of(session: Session, cycle_id: int, unit_id: int) -> Optional[UnitResult]:
    return session.scalar(select(UnitResult).where(UnitResult.cycle_id == cycle_id, UnitResult.unit_id == unit_id))


def finalised(session: Session, cycle_id: int, unit_id: int) -> bool:
    """Whether the unit's annual predikat of the cycle are final (its calibration is closed)."""
    return session.scalar(select(Evaluation.id).where(
        Evaluation.cycle_id == cycle_id, Evaluation.unit_id == unit_id, Evaluation.period == ANNUAL,
        Evaluation.status == "final").limit(1)) is not None

