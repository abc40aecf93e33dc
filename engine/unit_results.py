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
audit event in the same transaction (:mod:`engine.unit_result_step`).
"""
from __future__ import annotations

from sqlalchemy import select

from .actors import Actor, actor_name
from .assignment import LaneDirectory, unit_heads
from .cycles import cycle_for
from .instances import NewInstance, start_many
from .kinerja import Kinerja
from .models import ProcessInstance, Unit
from .permissions import RUN_CYCLES
from .step_failures import records_step_failure
from .unit_result_step import unit_result_key

UNIT_RESULT_PROCESS = "unit_result"


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
