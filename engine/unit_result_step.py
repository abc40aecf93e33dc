"""The unit's result as its input step writes it (the form ``unit_result`` of
bpmn/hasil_kerja_unit.bpmn): completing the PPK's (or, escalated, HR's) task writes the
:class:`UnitResult` row and a ``unit.result_set`` audit event in the same transaction.
Starting the step per unit is :mod:`engine.unit_results`.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Conflict
from .evaluation_tables import ANNUAL, Evaluation, UnitResult
from .form_steps import StepContext, StepInput, register

UNIT_RESULT_FORM = "unit_result"
_KEY = re.compile(r"^cycle:(\d+):unit:(\d+)$")


def unit_result_key(cycle_id: int, unit_id: int) -> str:
    """The business key of a unit's result instance in a cycle."""
    return f"cycle:{cycle_id}:unit:{unit_id}"


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

