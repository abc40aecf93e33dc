"""One instance's SpiffWorkflow run for one step: load, advance, dump.

Every path that needs a live workflow (starting, completing a task, firing timers,
migrating, prefilling a form, explaining a decision) goes through :class:`InstanceRun`,
so a saved state is always loaded with the same error wrapper and an advance always
collects the DMN decisions it made. Spiff's own failures become a rolled-back
:class:`~engine.errors.ProcessError` that names the element (:func:`guarded`).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Optional, TypeVar

from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from .definitions import DefinitionSet
from .errors import Conflict, KinerjaError, ProcessError, ScriptRejected
from .runtime import (
    PARKED_DUE,
    DecisionRecord,
    MigrationCheck,
    check_migration,
    dump_state,
    find_task,
    fire_timer,
    load_state,
    migrate,
    new_workflow,
    ready_user_tasks,
    run_engine_steps,
    schedule_timer,
    waiting_timers,
)
from .vocabulary import SUMMARY_KEYS

Result = TypeVar("Result")


class InstanceRun:
    """A workflow in memory for the length of one step; :mod:`engine.step` stores it."""

    def __init__(self, workflow: Any, definitions: DefinitionSet, process_key: str) -> None:
        self.workflow = workflow
        self.definitions = definitions
        self.process_key = process_key
        self.decisions: list[DecisionRecord] = []  # made by this step's advances, in order

    @classmethod
    def start(cls, definitions: DefinitionSet, process_key: str, start_data: dict[str, Any]) -> "InstanceRun":
        """A new workflow, run up to its first wait (user task or timer)."""
        run = cls(guarded(lambda: new_workflow(definitions, process_key, start_data)), definitions, process_key)
        run.run_automatic()
        return run

    @classmethod
    def load(cls, definitions: DefinitionSet, process_key: str, state: str) -> "InstanceRun":
        return cls(guarded(lambda: load_state(definitions, process_key, state)), definitions, process_key)

    # -- advancing -------------------------------------------------------------------------

    def run_automatic(self) -> None:
        """Run every automatic task (scripts, gateways, decisions) the workflow can."""
        self.decisions.extend(guarded(lambda: run_engine_steps(self.workflow)))

    def complete_user_task(self, spiff_task_id: str, data: dict[str, Any], refusal: str) -> dict[str, Any]:
        """Complete a ready user task with ``data`` and run on; returns what ``data`` changed
        (``{key: {before, after}}``). ``refusal``: the :class:`Conflict` message if the task
        no longer waits for input."""
        spiff_task = find_task(self.workflow, spiff_task_id)
        if spiff_task is None or spiff_task not in ready_user_tasks(self.workflow):
            raise Conflict(refusal)
        changed = {key: {"before": spiff_task.data.get(key), "after": value}
                   for key, value in data.items() if spiff_task.data.get(key) != value}

        def advance() -> list[DecisionRecord]:
            spiff_task.data.update(data)
            spiff_task.run()
            return run_engine_steps(self.workflow)

        self.decisions.extend(guarded(advance))
        return changed

    def fire_timer(self, spiff_task_id: str) -> bool:
        """Fire a timer the workflow waits on; False if it no longer does."""
        spiff_task = find_task(self.workflow, spiff_task_id)
        if spiff_task is None or spiff_task not in waiting_timers(self.workflow):
            return False
        fire_timer(self.workflow, spiff_task)
        return True

    def check_migration(self, target: DefinitionSet) -> MigrationCheck:
        return guarded(lambda: check_migration(self.workflow, target, self.process_key))

    def migrate(self, check: MigrationCheck, target: DefinitionSet) -> None:
        guarded(lambda: migrate(self.workflow, check))
        self.definitions = target

    # -- reading ---------------------------------------------------------------------------

    def ready_user_tasks(self) -> list[Any]:
        return ready_user_tasks(self.workflow)

    def waiting_timers(self) -> list[Any]:
        return waiting_timers(self.workflow)

    def task_data(self, spiff_task_id: str) -> dict[str, Any]:
        spiff_task = find_task(self.workflow, spiff_task_id)
        return spiff_task.data if spiff_task is not None else {}

    def is_completed(self) -> bool:
        return bool(self.workflow.is_completed())

    def new_timer_dues(self, now: datetime) -> list[tuple[Any, datetime]]:
        """Timers the workflow started waiting on in this step, with the due time the engine
        gives them (timers parked by an earlier step keep theirs)."""
        return [(task, guarded(lambda task=task: schedule_timer(task, now)))
                for task in self.waiting_timers() if task.internal_data.get("event_value") != PARKED_DUE]

    def summary(self) -> dict[str, Any]:
        """Outcome fields from the newest data: the active tasks' (data flows forward), or the
        workflow's own once it has completed."""
        sources = [self.workflow.data] if self.is_completed() else [
            task.data for task in self.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)]
        return {key: data[key] for data in sources for key in SUMMARY_KEYS if data.get(key) is not None}

    def state_columns(self, now: datetime, summary: Optional[dict[str, Any]]) -> dict[str, Any]:
        """An instance's columns that follow from its workflow: state, summary, and completion."""
        columns = {"state": dump_state(self.workflow), "updated_at": now,
                   "summary": {**(summary or {}), **self.summary()}}
        if self.is_completed():
            columns.update(status="completed", completed_at=now)
        return columns


def guarded(step: Callable[[], Result]) -> Result:
    """Run a Spiff step; turn definition failures into a clear, rolled-back :class:`ProcessError`."""
    try:
        return step()
    except KinerjaError as error:
        if isinstance(error, ScriptRejected):
            raise ProcessError(error.message, details=error.details) from error
        raise
    except SpiffWorkflowException as error:
        element = getattr(getattr(error, "task_spec", None), "bpmn_id", None) or getattr(error, "id", None)
        message = str(error.args[0]) if error.args else str(error)
        cause = error.__cause__ or error.__context__
        if isinstance(cause, ScriptRejected):
            message = cause.message
        raise ProcessError(f"process step failed at {element or 'an element'}: {message}",
                           details={"element_id": element}) from error
