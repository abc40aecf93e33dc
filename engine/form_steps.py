"""Steps that write domain tables, found by the form of the task being completed.

A user task's form says what the task is about (``skp_draft``, ``realisation``, ...), whatever
id HR gives the task in a diagram, so the domain rows a completion writes hang off the form
key. :func:`engine.tasks.complete_task` asks :func:`engine.form_step_modules.form_step` for the completed task's
step and calls it twice inside the same unit of work:

- ``before`` with the validated form data, before the workflow runs: it writes the rows the
  answer makes (an SKP version, realisations, feedback) and returns what the workflow is to
  receive instead — ids and decisions, never a copy of the document — with any messages.
  It sees the task's workflow data as the task waits (:attr:`StepContext.task_data`: the
  period a realisation is about, say);
- ``after`` (optional) once the workflow has run on, with the run: for rows that need what
  the process decided (a predikat from the DMN table).

So the domain tables change in the transaction of the step or not at all. A module that owns
a form registers its step with :func:`register`; :mod:`engine.form_step_modules` imports
every such module once.

A task can also end without an answer: a boundary timer takes it away (its deadline passed)
or a migration drops it. A module that must write down what that means for its rows (a 360
rater skipped, a predikat made final because nobody calibrated it) registers a *lapse* for
the form with :func:`on_lapse`; :func:`engine.step.finish_step` calls it, in the same unit of
work, for every task row it cancels.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from .models import HumanTask, ProcessInstance, User
from .notifications import Draft
from .unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from .instance_run import InstanceRun
    from .kinerja import Kinerja


@dataclass(frozen=True)
class KnownSkp:
    """The SKP versions a step already knows, so that its new tasks need no lookup: the one
    being drafted or approved (``working``) and the one just agreed (``in_force``)."""

    working: Optional[int] = None
    in_force: Optional[int] = None


@dataclass
class StepInput:
    """What the workflow receives for a completed task, and the messages the step adds."""

    data: dict[str, Any]
    drafts: list[Draft] = field(default_factory=list)
    known_skp: KnownSkp = field(default_factory=KnownSkp)


@dataclass(frozen=True)
class StepContext:
    """The completion a form step works on: who completes which task of which instance, with
    which form definition (the deployed JSON schema, or None), the task's workflow data as it
    waits for the answer (read-only: what the process put there, such as the period) and the
    deployment's decision tables (for a step that proposes something by a table HR maintains)."""

    uow: UnitOfWork
    user: User
    task: HumanTask
    instance: ProcessInstance
    form: Optional[dict[str, Any]]
    task_data: Mapping[str, Any] = field(default_factory=dict)
    # the Spiff DMN engine of a decision of the instance's deployment (KeyError: not deployed)
    decision_engine: Optional[Callable[[str], Any]] = None
    # the engine handle, for a step that reads what another use case composes (a document's content)
    kinerja: Optional["Kinerja"] = None


Before = Callable[[StepContext, dict[str, Any]], StepInput]
After = Callable[[StepContext, "InstanceRun"], list[Draft]]


@dataclass(frozen=True)
class FormStep:
    before: Before
    after: Optional[After] = None


@dataclass(frozen=True)
class Lapse:
    """A task of the form that ended unanswered in this step (its row is already cancelled)."""

    uow: UnitOfWork
    task: HumanTask
    instance: ProcessInstance


Lapsed = Callable[[Lapse], None]

_STEPS: dict[str, FormStep] = {}
_LAPSES: dict[str, Lapsed] = {}
_PLAIN = FormStep(lambda context, data: StepInput(data))


def register(*form_keys: str, after: Optional[After] = None) -> Callable[[Before], Before]:
    """Decorate the ``before`` function of the step of ``form_keys`` (and name its ``after``)."""
    def decorate(before: Before) -> Before:
        for key in form_keys:
            if key in _STEPS:
                raise RuntimeError(f"form '{key}' already has a step")  # two owners of one form is a bug
            _STEPS[key] = FormStep(before, after)
        return before
    return decorate


def registered_step(form_key: Optional[str]) -> FormStep:
    """The step registered for a form; a form nobody registered passes its data to the
    workflow as it is. Callers use :func:`engine.form_step_modules.form_step`, which has
    imported every owner."""
    return _STEPS.get(form_key or "", _PLAIN)


def on_lapse(*form_keys: str) -> Callable[[Lapsed], Lapsed]:
    """Decorate what a task of ``form_keys`` that ended unanswered writes down."""
    def decorate(lapsed: Lapsed) -> Lapsed:
        for key in form_keys:
            if key in _LAPSES:
                raise RuntimeError(f"form '{key}' already has a lapse")
            _LAPSES[key] = lapsed
        return lapsed
    return decorate


def record_lapses(uow: UnitOfWork, instance: ProcessInstance, cancelled: list[HumanTask]) -> None:
    """Run the registered lapse of each cancelled task's form (callers use
    :func:`engine.form_step_modules.record_lapses`, which has imported every owner)."""
    for task in cancelled:
        lapsed = _LAPSES.get(task.form_key or "")
        if lapsed is not None:
            lapsed(Lapse(uow, task, instance))
