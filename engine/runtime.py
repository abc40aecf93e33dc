"""SpiffWorkflow glue: create, restore, step, inspect and serialize workflows.

Two decisions live here:

- **State without specs.** Spiff's serializer writes the process specs into every saved
  state. Specs belong to the deployment, which is immutable and cached, so the saved
  state leaves them out and they are put back (as already-built objects) on restore.
- **The engine owns time.** Spiff compares timers with the wall clock. The engine
  computes each timer's due time from its own clock, records it in the timer
  projection, and parks Spiff's own due time far in the future; a timer fires only when
  :func:`fire_timer` says so (see :func:`engine.timers.fire_due_timers`).
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.dmn.specs.model import HitPolicy
from SpiffWorkflow.spiff.serializer import DEFAULT_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .definitions import DefinitionSet
from .errors import ProcessError
from .scripting import restricted_script_engine

# Each evaluation has its own limits (engine/sandbox_limits.py); this bounds a diagram that
# loops through cheap automatic tasks forever within one step.
MAX_AUTOMATIC_TASKS_PER_STEP = 10_000

# Spiff's own idea of a timer's due time: never, so only the engine fires timers.
PARKED_DUE = "9999-12-31T00:00:00+00:00"


class _StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Serializes a workflow's state and leaves out its specs (they come from the deployment)."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(DEFAULT_CONFIG)
    config[BpmnWorkflow] = _StateOnlyWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


# Spiff's serializer keeps per-call state on its registry, so each thread gets its own.
_local = threading.local()


def _serializer() -> BpmnWorkflowSerializer:
    if not hasattr(_local, "serializer"):
        _local.serializer = _make_serializer()
    return _local.serializer


_SCRIPT_ENGINE = restricted_script_engine()


def new_workflow(definitions: DefinitionSet, process_key: str, start_data: dict[str, Any]) -> BpmnWorkflow:
    spec, subprocess_specs = definitions.workflow_specs(process_key)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=_SCRIPT_ENGINE)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(start_data)
    return workflow


def dump_state(workflow: BpmnWorkflow) -> str:
    return _serializer().serialize_json(workflow)


def load_state(definitions: DefinitionSet, process_key: str, state: str) -> BpmnWorkflow:
    serializer = _serializer()
    dct = json.loads(state)
    serializer.migrate(dct)
    spec, subprocess_specs = definitions.workflow_specs(process_key)
    # Built spec objects pass through the registry's restore unchanged.
    dct["spec"], dct["subprocess_specs"] = spec, subprocess_specs
    workflow = serializer.from_dict(dct)
    workflow.script_engine = _SCRIPT_ENGINE
    return workflow


@dataclass
class DecisionRecord:
    """One DMN evaluation as it happened: for the audit trail."""

    task_key: str
    decision_id: str
    table_id: str
    inputs: dict[str, Any]
    matched_rules: list[dict[str, Any]]
    outputs: dict[str, Any]


def run_engine_steps(workflow: BpmnWorkflow) -> list[DecisionRecord]:
    """Run every automatic task; return the DMN decisions taken along the way."""
    decisions: list[DecisionRecord] = []
    pending: dict[Any, DecisionRecord] = {}
    completed: list[Any] = []

    def before(task: Task) -> None:
        if isinstance(task.task_spec, BusinessRuleTaskMixin):
            record = pending[task.id] = _explain_decision(task)
            hit_policy = task.task_spec.dmnEngine.decision_table.hit_policy
            if not record.matched_rules and hit_policy != HitPolicy.COLLECT.value:
                # Spiff would go on with no output at all: a predikat silently missing.
                element = task.task_spec.bpmn_id
                raise ProcessError(f"process step failed at {element}: the decision table "
                                   f"'{record.decision_id}' has no rule for the inputs {record.inputs}",
                                   details={"element_id": element})

    def after(task: Task) -> None:
        completed.append(task.id)
        if len(completed) > MAX_AUTOMATIC_TASKS_PER_STEP:
            element = task.task_spec.bpmn_id
            raise ProcessError(f"process step failed at {element}: the step ran more than "
                               f"{MAX_AUTOMATIC_TASKS_PER_STEP} automatic tasks (an endless loop in the diagram?)",
                               details={"element_id": element})
        record = pending.pop(task.id, None)
        if record is not None:
            table = task.task_spec.dmnEngine.decision_table
            record.outputs = {output.name: task.data.get(output.name) for output in table.outputs}
            decisions.append(record)

    workflow.do_engine_steps(will_complete_task=before, did_complete_task=after)
    return decisions


def _explain_decision(task: Task) -> DecisionRecord:
    dmn_engine = task.task_spec.dmnEngine
    decision_id = task.task_spec.extensions.get("calledDecisionId", dmn_engine.decision_table.id)
    return _explain(dmn_engine, task, task.task_spec.bpmn_id, decision_id)


def _explain(dmn_engine: Any, task: Any, task_key: str, decision_id: str) -> DecisionRecord:
    """Inputs as the table sees them and the rows that match, evaluated in the sandbox."""
    table = dmn_engine.decision_table
    script_engine = task.workflow.script_engine
    inputs = {}
    for column in table.inputs:
        try:
            inputs[column.label or column.expression] = script_engine.evaluate(task, column.expression)
        except Exception as error:  # the real evaluation will raise; record why for the trail
            inputs[column.label or column.expression] = f"<error: {error}>"
    matched = [{"rule_id": rule.id, "row": rule.row_number, "description": rule.description}
               for rule in dmn_engine.decide(task)]
    return DecisionRecord(task_key=task_key, decision_id=decision_id, table_id=table.id,
                          inputs=inputs, matched_rules=matched, outputs={})


class _DecisionContext:
    """What Spiff's DMN engine reads from a task (its data and the script engine), for
    evaluating a decision table on its own, outside any process."""

    def __init__(self, decision_id: str, data: dict[str, Any]) -> None:
        self.data = dict(data)
        self.workflow = self
        self.script_engine = _SCRIPT_ENGINE
        self.task_spec = self
        self.bpmn_id = self.name = self.bpmn_name = decision_id
        # Spiff's error trace reads the workflow's spec file and top workflow.
        self.spec = self.top_workflow = self
        self.file = decision_id


def evaluate_decision(dmn_engine: Any, decision_id: str, data: dict[str, Any]) -> DecisionRecord:
    context = _DecisionContext(decision_id, data)
    record = _explain(dmn_engine, context, decision_id, decision_id)
    record.outputs = dmn_engine.result(context)
    return record


def ready_user_tasks(workflow: BpmnWorkflow) -> list[Task]:
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def waiting_timers(workflow: BpmnWorkflow) -> list[Task]:
    return [task for task in workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)]


def schedule_timer(task: Task, now: datetime) -> datetime:
    """Decide a newly waiting timer's due time from the engine's clock, and park Spiff's."""
    definition = task.task_spec.event_definition
    value = task.workflow.script_engine.evaluate(task, definition.expression)
    if isinstance(definition, DurationTimerEventDefinition):
        parsed = TimerEventDefinition.parse_iso_duration(value)
        due = now + TimerEventDefinition.get_timedelta_from_start(parsed, now)
    elif isinstance(definition, TimeDateEventDefinition):
        due = TimerEventDefinition.get_datetime(value)
    else:
        raise ValueError(f"timer {task.task_spec.bpmn_id}: only duration and date timers are supported")
    task.internal_data["event_value"] = PARKED_DUE
    return due


def fire_timer(workflow: BpmnWorkflow, task: Task) -> None:
    task.internal_data["event_fired"] = True
    workflow.refresh_timers()


def find_task(workflow: BpmnWorkflow, task_id: str) -> Optional[Task]:
    return workflow.get_task_from_id(UUID(task_id))


def due_after(start: datetime, iso_duration: Optional[str]) -> Optional[datetime]:
    if not iso_duration:
        return None
    parsed = TimerEventDefinition.parse_iso_duration(iso_duration)
    return start + TimerEventDefinition.get_timedelta_from_start(parsed, start)



@dataclass
class MigrationCheck:
    """Whether a workflow can move to another deployment's specs, and why not."""

    blockers: list[str]
    target_spec: Any = None
    target_dependencies: dict[str, Any] = field(default_factory=dict)
    top_diff: Any = None
    subprocess_diffs: dict[Any, Any] = field(default_factory=dict)

    @property
    def possible(self) -> bool:
        return not self.blockers


_WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def check_migration(workflow: BpmnWorkflow, definitions: DefinitionSet, process_key: str) -> MigrationCheck:
    """Compare a workflow with ``process_key`` in other definitions, element by element.

    Spiff aligns task specs by BPMN id (and by position where an id changed). A workflow can
    move when every task it has, done or waiting, still has a counterpart: the saved state
    names each task's spec, so a spec that vanished would make the instance unloadable.
    """
    if process_key not in definitions.process_files:
        return MigrationCheck([f"process '{process_key}' does not exist in the target version"])
    spec, dependencies = definitions.workflow_specs(process_key)
    top_diff, subprocess_diffs = diff_workflow(_serializer().registry, workflow, spec, dependencies)
    blockers = _removed_tasks(top_diff)
    for subprocess_id, diff in subprocess_diffs.items():
        subprocess = workflow.subprocesses[subprocess_id]
        if diff is None:
            blockers.append(f"called process '{subprocess.spec.name}' does not exist in the target version")
        else:
            blockers += _removed_tasks(diff)
    return MigrationCheck(blockers, spec, dependencies, top_diff, subprocess_diffs)


def _removed_tasks(diff: Any) -> list[str]:
    reasons = []
    for task in diff.removed:
        spec = task.task_spec
        label = f"'{spec.bpmn_name}' ({spec.bpmn_id})" if getattr(spec, "bpmn_name", None) else f"'{spec.name}'"
        if task.state & _WAITING:
            reasons.append(f"waits on {label}, which the target version does not have")
        elif task.state & TaskState.FINISHED_MASK:
            reasons.append(f"has passed {label}, which the target version does not have")
    return reasons


def migrate(workflow: BpmnWorkflow, check: MigrationCheck) -> None:
    """Move a workflow onto the checked specs; ready tasks keep their ids, their paths are re-predicted."""
    assert check.possible, "check_migration said no"
    migrate_workflow(check.top_diff, workflow, check.target_spec, reset_mask=TaskState.READY)
    for subprocess_id, diff in check.subprocess_diffs.items():
        subprocess = workflow.subprocesses[subprocess_id]
        migrate_workflow(diff, subprocess, check.target_dependencies[subprocess.spec.name], reset_mask=TaskState.READY)
    workflow.subprocess_specs = check.target_dependencies
