"""Date timers (``timeDate``) on the engine's clock, not Spiff's.

Spiff decides whether a date timer has fired the moment it starts waiting, by comparing its
date with the wall clock, before the engine can park it (engine/runtime.py parks duration
timers, whose due time is always ahead). A date already past on the wall clock — a deadline
of the period plan, with a test clock or a cycle opened late — would fire inside that very
step, unrecorded. So every date timer of a parsed spec first gets a far-future value of its
own: the engine then schedules it like any timer (its due time from the expression, in the
timer table) and it fires only when :func:`engine.runtime.fire_timer` says so.
"""
from __future__ import annotations

from functools import partial
from typing import Any, Iterable

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition

PENDING_DUE = "9999-12-30T00:00:00+00:00"  # until the engine schedules it (then runtime.PARKED_DUE)


def own_date_timers(specs: Iterable[Any]) -> None:
    """Make each date timer of ``specs`` wait for the engine (idempotent)."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            if isinstance(definition, TimeDateEventDefinition) and "has_fired" not in vars(definition):
                definition.has_fired = partial(_has_fired, definition)


def _has_fired(definition: TimeDateEventDefinition, my_task: Any) -> bool:
    if my_task._get_internal_data("event_value") is None:
        my_task._set_internal_data(event_value=PENDING_DUE)
    return bool(TimeDateEventDefinition.has_fired(definition, my_task))
