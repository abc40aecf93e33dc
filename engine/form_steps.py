"""Steps that write domain tables, found by the form of the task being completed.

A user task's form says what the task is about (``skp_draft``, ``realisation``, ...), whatever
id HR gives the task in a diagram, so the domain rows a completion writes hang off the form
key. :func:`engine.tasks.complete_task` asks :func:`engine.form_step_modules.form_step` for the completed task's
step and calls it twice inside the same unit of work:

- ``before`` with the validated form data, before the workflow runs: it writes the rows the
  answer makes (an SKP version, realisations, feedback) and returns what the workflow is to
  receive instead — ids and decisions, never a copy of the document — with any messages;
- ``after`` (optional) once the workflow has run on, with the run: for rows that need what
  the process decided (a predikat from the DMN table).

So the domain tables change in the transaction of the step or not at all. A module that owns
a form registers its step with :func:`register`; :mod:`engine.form_step_modules` imports
every such module once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from .models import HumanTask, ProcessInstance, User
from .notifications import Draft
from .unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from .instance_run import InstanceRun


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
    which form definition (the deployed JSON schema, or None)."""

    uow: UnitOfWork
    user: User
    task: HumanTask
    instance: ProcessInstance
    form: Optional[dict[str, Any]]


Before = Callable[[StepContext, dict[str, Any]], StepInput]
After = Callable[[StepContext, "InstanceRun"], list[Draft]]


@dataclass(frozen=True)
class FormStep:
    before: Before
    after: Optional[After] = None


_STEPS: dict[str, FormStep] = {}
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
