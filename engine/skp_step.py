"""The SKP rows a step writes: submitting, returning and agreeing an SKP.

:func:`engine.tasks.complete_task` hands the submitted form here before the workflow runs
(the form steps of :mod:`engine.form_steps`), inside the same unit of work, so the SKP
tables change in the transaction of the step or not at all. Tasks are recognised by their form (``skp_draft``, ``skp_approval``), so a
process HR models with other task ids keeps the document. The workflow gets only the SKP's
id and version (and the decision), never a copy of the content.

Submitting signs the version (the employee's signature covers the content hash); agreeing
sets it (*ditetapkan* by the Pejabat Penilai, over the same hash) and retires the version it
replaces. Both are audit events carrying the hash, so a printed SKP can be checked against
the chain.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy.orm import Session

from .errors import Conflict, ValidationFailed
from .form_steps import KnownSkp, StepContext, StepInput, register
from .models import Employee, HumanTask, ProcessInstance, User
from .notifications import Draft, users_of_employees
from .skp_content import check_content, content_hash, write_content
from .skp_rules import agreed_skp, check_references, editable_skp, next_version, parents_of, periods_of, rhk_of
from .skp_tables import Skp
from .unit_of_work import UnitOfWork
from .vocabulary import SKP_APPROVAL_FORM, SKP_DRAFT_FORM, SKP_FORMS

SKP_FORM_VERSION = 2  # ``x-skp-form-version`` of bpmn/forms/skp_draft.json: the shape these tables hold


@register(SKP_DRAFT_FORM)
def submit_skp(context: StepContext, data: dict[str, Any]) -> StepInput:
    """Write and sign the submitted SKP version; the workflow gets its id and version.

    An instance still on a deployment whose SKP form predates the tables (the flat form of
    kinerja before the SKP document) is refused with 409 until HR moves it to the current
    version (the process migration); nothing of its old workflow data is lost."""
    if (context.form or {}).get("x-skp-form-version", 1) < SKP_FORM_VERSION:
        raise Conflict("this instance runs an older SKP form; HR moves it to the current process version first",
                       details={"reason": "old_skp_form"})
    return _submit(context.uow, context.user, context.task, context.instance, data)


@register(SKP_APPROVAL_FORM)
def decide_skp(context: StepContext, data: dict[str, Any]) -> StepInput:
    """Return or agree the submitted version (agreeing sets it and retires the one it replaces)."""
    return _decide(context.uow, context.user, context.task, context.instance, data)


def save_content(uow: UnitOfWork, instance: ProcessInstance, data: dict[str, Any], *, submitting: bool) -> Skp:
    """The instance's working version with ``data`` written in (created at the first save)."""
    employee = _subject(uow.session, instance)
    skp = editable_skp(uow.session, instance.id)
    cycle_id = skp.cycle_id if skp is not None else instance.cycle_id
    if cycle_id is None:
        raise Conflict("this process has no SKP of a cycle to draft", details={"reason": "no_cycle"})
    check_content(data, len(periods_of(uow.session, cycle_id)), submitting=submitting)
    check_references(data, parents_of(uow.session, employee, cycle_id), submitting=submitting)
    if skp is None:  # added after the reads above, so that nothing is flushed before its rows are written
        now = uow.clock.now()
        skp = Skp(employee_id=employee.id, cycle_id=cycle_id, version=next_version(uow.session, employee.id, cycle_id),
                  status="draft", instance_id=instance.id, created_at=now, updated_at=now)
        uow.session.add(skp)
    write_content(skp, data)
    skp.evaluator_employee_id = employee.supervisor_id
    skp.updated_at = uow.clock.now()
    return skp


def _submit(uow: UnitOfWork, user: User, task: HumanTask, instance: ProcessInstance,
            data: dict[str, Any]) -> StepInput:
    skp = save_content(uow, instance, data, submitting=True)
    for row in skp.rhk:
        if row.review_comment is not None:
            row.review_comment = None
    skp.status, skp.return_comment = "submitted", None
    skp.signed_at, skp.signed_by_user_id = uow.clock.now(), user.id
    skp.content_hash = content_hash(skp)
    uow.flush()  # the SKP's id for the task and the audit event
    task.skp_id = skp.id
    uow.record(user.username, "skp.signed", _facts(skp), instance_id=instance.id, task_id=task.id)
    return StepInput({"skp_id": skp.id, "skp_version": skp.version}, known_skp=KnownSkp(working=skp.id))


def _decide(uow: UnitOfWork, user: User, task: HumanTask, instance: ProcessInstance,
            data: dict[str, Any]) -> StepInput:
    skp = uow.session.get(Skp, task.skp_id) if task.skp_id else editable_skp(uow.session, instance.id)
    if skp is None and data["skp_decision"] == "return":  # drafted in the old flat form: redrafted in the editor
        return StepInput({"skp_decision": "return", "skp_comment": (data.get("skp_comment") or "").strip()})
    if skp is None or skp.status != "submitted":
        raise Conflict("there is no submitted SKP to decide on; return it so that it is drafted in the SKP editor",
                       details={"reason": "no_submitted_skp"})
    comment = (data.get("skp_comment") or "").strip()
    workflow_data = {"skp_decision": data["skp_decision"], "skp_id": skp.id, "skp_version": skp.version}
    if data["skp_decision"] == "return":
        drafts = _return(uow, user, task, instance, skp, comment, data.get("rhk_comments"))
        return StepInput(workflow_data, drafts, KnownSkp(working=skp.id))
    if content_hash(skp) != skp.content_hash:  # cannot happen through the use cases; refuse rather than set
        raise Conflict("the SKP changed after it was signed", details={"reason": "skp_changed"})
    now = uow.clock.now()
    replaced = agreed_skp(uow.session, skp.employee_id, skp.cycle_id)
    if replaced is not None:
        replaced.status, replaced.superseded_at = "revised", now
    skp.status, skp.set_at, skp.set_by_user_id = "agreed", now, user.id
    uow.record(user.username, "skp.set", {**_facts(skp), "replaces": replaced.id if replaced else None},
               instance_id=instance.id, task_id=task.id)
    return StepInput(workflow_data, _tell_employee(uow.session, skp, "SKP disepakati",
                                                   f"SKP Anda versi {skp.version} disepakati dan ditetapkan."),
                     KnownSkp(in_force=skp.id))


def _return(uow: UnitOfWork, user: User, task: HumanTask, instance: ProcessInstance, skp: Skp, comment: str,
            rhk_comments: Optional[list[dict[str, Any]]]) -> list[Draft]:
    if len(comment) < 3:
        raise ValidationFailed("SKP yang dikembalikan wajib disertai catatan: apa yang perlu diperbaiki",
                               details=[{"field": "skp_comment", "message": "wajib diisi bila SKP dikembalikan"}])
    rows = rhk_of(uow.session, skp.id)
    for index, item in enumerate(rhk_comments or []):
        if item["rhk"] not in rows:
            raise ValidationFailed(f"catatan {index + 1}: RHK {item['rhk']} bukan bagian dari SKP ini",
                                   details=[{"field": f"rhk_comments.{index}.rhk",
                                             "message": f"RHK {item['rhk']} bukan bagian dari SKP ini"}])
        rows[item["rhk"]].review_comment = item["comment"].strip()
    skp.status, skp.return_comment = "returned", comment
    uow.record(user.username, "skp.returned", {**_facts(skp), "comment": comment,
                                               "rhk_comments": list(rhk_comments or [])},
               instance_id=instance.id, task_id=task.id)
    return _tell_employee(uow.session, skp, f"SKP dikembalikan: {comment}",
                          f"SKP Anda dikembalikan oleh Pejabat Penilai untuk diperbaiki. Catatan: {comment}")


def _tell_employee(session: Session, skp: Skp, subject: str, body: str) -> list[Draft]:
    user_id = users_of_employees(session, {skp.employee_id}).get(skp.employee_id)
    return [Draft({user_id}, "decision_made", subject[:200], body, None,
                  {"decision": "skp_status", "value": skp.status, "skp_id": skp.id})] if user_id else []


def _facts(skp: Skp) -> dict[str, Any]:
    return {"skp_id": skp.id, "employee_id": skp.employee_id, "cycle_id": skp.cycle_id, "version": skp.version,
            "content_hash": skp.content_hash}


def _subject(session: Session, instance: ProcessInstance) -> Employee:
    employee = session.get(Employee, instance.subject_employee_id) if instance.subject_employee_id else None
    if employee is None:
        raise Conflict("this process is about no employee, so it has no SKP", details={"reason": "no_cycle"})
    return employee


class TaskSkp:
    """The SKP version each of a step's new tasks is about: the working version for SKP
    tasks, else the version in force, so an evaluation task keeps showing the version it was
    created under after a revision. Each is looked up once, when a task needs it."""

    def __init__(self, session: Session, instance: ProcessInstance, known: Optional[KnownSkp] = None) -> None:
        self._session, self._instance = session, instance
        self._found: dict[bool, Optional[int]] = {}
        if known is not None and known.working is not None:
            self._found[True] = known.working
        if known is not None and known.in_force is not None:
            self._found[False] = known.in_force

    def for_form(self, form_key: Optional[str]) -> Optional[int]:
        working = form_key in SKP_FORMS
        if working not in self._found:
            self._found[working] = self._lookup(working)
        return self._found[working]

    def _lookup(self, working: bool) -> Optional[int]:
        instance = self._instance
        if working:
            skp = editable_skp(self._session, instance.id)
        elif instance.cycle_id is None or instance.subject_employee_id is None:
            return None
        else:
            skp = agreed_skp(self._session, instance.subject_employee_id, instance.cycle_id)
        return skp.id if skp else None
