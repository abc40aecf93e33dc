"""Use cases of the SKP document: the editor, drafts, revisions, reading and the goals at
the top of the cascade.

Submitting, returning and agreeing are task completions (:func:`engine.tasks.complete_task`
writes them through :mod:`engine.skp_step`); the use cases here are what happens around
them. Who reads an SKP: the employee, their supervisors up the line, and HR, PPK and
auditors of the organisation (:func:`engine.access.may_view_employee`); to anyone else it
does not exist (404).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import exists, select, update

from .access import authorise, may_view_employee, reads_task_context, require_own_organisation
from .actors import Actor, actor_name
from .assignment import LaneDirectory
from .errors import Conflict, Forbidden, KinerjaError, NotFound, ValidationFailed
from .forms import draft_schema, validate_form_data
from .instances import NewInstance, start_many
from .kinerja import Kinerja
from .models import Cycle, Employee, HumanTask, ProcessInstance, User
from .permissions import RUN_CYCLES
from .skp_content import content_of, write_content
from .skp_rules import EDITABLE, Choice, Parents, editable_skp, next_version, parents_of, periods_of
from .skp_step import save_content
from .skp_tables import MAX_TEXT, OrganisationGoal, Rhk, Skp
from .skp_views import SkpSummary, SkpView, skp_view, summary_of
from .tasks import open_task_for
from .unit_of_work import UnitOfWork
from .vocabulary import SKP_DRAFT_FORM, TARGET_SETTING_PROCESS

MAX_GOALS = 50


@dataclass(frozen=True)
class SkpEditor:
    """What the SKP editor of a draft task shows: the content to start from, what the RHK
    can intervene, the cycle's periods and the Pejabat Penilai's comments on a return."""

    task_id: int
    skp_id: Optional[int]
    version: int
    status: str  # new | draft | returned | submitted
    content: dict[str, Any]
    parents: Parents
    periods: list[str]
    return_comment: Optional[str] = None
    rhk_comments: dict[int, str] = field(default_factory=dict)  # by RHK id
    revision_reason: Optional[str] = None


def skp_editor(kinerja: Kinerja, actor: Actor, task_id: int) -> SkpEditor:
    """The editor of an open SKP draft task, for the employee who holds it."""
    with kinerja.reading() as uow:
        task, _user = open_task_for(uow, actor, task_id)
        instance = _skp_instance(uow, task)
        employee = uow.session.get(Employee, instance.subject_employee_id)
        skp = editable_skp(uow.session, instance.id)
        cycle_id = skp.cycle_id if skp else instance.cycle_id
        if employee is None or cycle_id is None:
            raise Conflict("this process has no SKP of a cycle to draft", details={"reason": "no_cycle"})
        parents = parents_of(uow.session, employee, cycle_id)
        periods = periods_of(uow.session, cycle_id)
        if skp is None:
            return SkpEditor(task.id, None, 1, "new", {"rhk": []}, parents, periods)
        return SkpEditor(task.id, skp.id, skp.version, skp.status, content_of(skp), parents, periods,
                         skp.return_comment, {row.id: row.review_comment for row in skp.rhk if row.review_comment},
                         skp.revision_reason)


def save_skp_draft(kinerja: Kinerja, actor: Actor, task_id: int, data: dict[str, Any]) -> int:
    """Keep the editor's content without submitting it (a half-filled row is fine; a
    reference must still name something the RHK may intervene). Returns the SKP's id."""
    with kinerja.unit_of_work() as uow:
        task, user = open_task_for(uow, actor, task_id)
        instance = _skp_instance(uow, task)
        definitions = kinerja.definitions.of(uow.session, instance.deployment_id)
        validate_form_data(SKP_DRAFT_FORM, draft_schema(definitions.forms[SKP_DRAFT_FORM]), data)
        skp = save_content(uow, instance, data, submitting=False)
        if skp.status != "returned":  # a returned SKP stays returned, with its comments, until resubmitted
            skp.status = "draft"
        uow.flush()
        task.skp_id = skp.id
        uow.record(user.username, "skp.draft_saved", {"skp_id": skp.id, "version": skp.version},
                   instance_id=instance.id, task_id=task.id)
        uow.commit()
        return skp.id


def open_skp_revision(kinerja: Kinerja, actor: Actor, skp_id: int, reason: str) -> int:
    """Open a revision of an agreed SKP during the year (after a transfer, a new assignment):
    a new version, starting from the agreed content, that goes through the same approval
    in a process of its own. Asked by the employee or the Pejabat Penilai, with a reason.
    Returns the new version's SKP id; earlier periods keep the version they were evaluated on."""
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= MAX_TEXT:
        raise ValidationFailed("alasan revisi wajib diisi (3 sampai 2000 karakter)",
                               details=[{"field": "reason", "message": "wajib diisi"}])
    with kinerja.unit_of_work() as uow:
        user = authorise(uow.session, actor)
        skp = _visible(uow, user, skp_id)
        employee = uow.session.get(Employee, skp.employee_id)
        assert employee is not None  # foreign key
        refusal = _revision_refusal(uow, user, skp, employee)
        if refusal is not None:
            raise refusal
        revision_id = start_revision(kinerja, uow, actor_name(actor), skp, employee, reason)
        uow.commit()
        return revision_id


def start_revision(kinerja: Kinerja, uow: UnitOfWork, actor: str, skp: Skp, employee: Employee, reason: str) -> int:
    """Write a revision of the agreed ``skp`` and start its approval process in ``uow`` (the
    caller has checked who may ask and commits): :func:`open_skp_revision`, and a transfer
    (:mod:`engine.org_moves`), which revises the SKP with the new supervisor."""
    version = next_version(uow.session, employee.id, skp.cycle_id)
    directory = LaneDirectory(uow.session, [employee.id])
    [instance_id] = start_many(kinerja, uow, actor, TARGET_SETTING_PROCESS, [NewInstance(
        directory.subject(employee.id), f"skp:{employee.id}:{skp.cycle_id}:v{version}",
        {"revision_of": skp.id, "skp_version": version})], None, directory)
    now = uow.clock.now()
    revision = Skp(employee_id=employee.id, cycle_id=skp.cycle_id, version=version, status="draft",
                   instance_id=instance_id, evaluator_employee_id=employee.supervisor_id,
                   revision_reason=reason, created_at=now, updated_at=now)
    uow.session.add(revision)
    write_content(revision, content_of(skp))
    uow.flush()
    uow.session.execute(update(HumanTask).where(HumanTask.instance_id == instance_id).values(skp_id=revision.id))
    uow.record(actor, "skp.revision_opened", {"skp_id": revision.id, "revises": skp.id,
                                              "version": version, "reason": reason},
               instance_id=instance_id)
    return revision.id


def may_open_revision(kinerja: Kinerja, actor: Actor, skp_id: int) -> bool:
    """Whether :func:`open_skp_revision` would open a revision of this SKP for ``actor`` now
    (a page shows the form only then)."""
    with kinerja.reading() as uow:
        user = authorise(uow.session, actor)
        skp = _visible(uow, user, skp_id)
        employee = uow.session.get(Employee, skp.employee_id)
        assert employee is not None  # foreign key
        return _revision_refusal(uow, user, skp, employee) is None


def _revision_refusal(uow: UnitOfWork, user: Optional[User], skp: Skp, employee: Employee) -> Optional[KinerjaError]:
    """Why ``user`` may not open a revision of ``skp`` now, or None."""
    if user is not None and user.employee_id not in (employee.id, employee.supervisor_id):
        return Forbidden("a revision is opened by the employee or their Pejabat Penilai",
                         details={"reason": "not_skp_party"})
    if skp.status != "agreed":
        return Conflict(f"SKP version {skp.version} is {skp.status}; only the agreed version in force is revised",
                        details={"reason": "skp_not_agreed"})
    if uow.session.scalar(select(exists().where(Skp.employee_id == skp.employee_id, Skp.cycle_id == skp.cycle_id,
                                                Skp.status.in_(EDITABLE)))):
        return Conflict("a revision of this SKP is already open", details={"reason": "revision_open"})
    return None


def list_skp(kinerja: Kinerja, actor: Actor, employee_nip: Optional[str] = None,
             cycle_id: Optional[int] = None) -> list[SkpSummary]:
    """The SKP versions of one employee (the caller's own without ``employee_nip``), newest
    cycle and version first; 404 for an employee the caller may not read."""
    with kinerja.reading() as uow:
        user = authorise(uow.session, actor)
        if employee_nip is None:
            if user is None or user.employee_id is None:
                raise ValidationFailed("name the employee (NIP)", details=[{"field": "employee",
                                                                            "message": "required"}])
            employee_id = user.employee_id
        else:
            employee_id = uow.session.scalar(select(Employee.id).where(Employee.nip == employee_nip))
            if employee_id is None or (user is not None and not may_view_employee(uow.session, user, employee_id)):
                raise NotFound(f"employee {employee_nip} does not exist")
        query = select(Skp).where(Skp.employee_id == employee_id)
        if cycle_id is not None:
            query = query.where(Skp.cycle_id == cycle_id)
        rows = uow.session.scalars(query.order_by(Skp.cycle_id.desc(), Skp.version.desc())).all()
        return [summary_of(uow.session, row) for row in rows]


def skp_document(kinerja: Kinerja, actor: Actor, skp_id: int) -> SkpView:
    """One SKP version as a document, with all the versions of that SKP and their changes."""
    with kinerja.reading() as uow:
        user = authorise(uow.session, actor)
        return skp_view(uow.session, _visible(uow, user, skp_id))


def task_skp(kinerja: Kinerja, actor: Actor, task_id: int) -> Optional[SkpView]:
    """The SKP version a task is about (the one submitted for approval, or the one an
    evaluation task was created under), for whoever may read it; None for a task without one."""
    with kinerja.reading() as uow:
        user = authorise(uow.session, actor)
        task = uow.session.get(HumanTask, task_id)
        if task is None or task.skp_id is None:
            return None
        skp = uow.session.get(Skp, task.skp_id)
        if skp is None or (user is not None and not reads_task_context(uow.session, user, task)):
            return None
        return skp_view(uow.session, skp, with_versions=False)


def organisation_goals(kinerja: Kinerja, actor: Actor, cycle_id: int) -> list[Choice]:
    """The organisation's goals for a cycle, in order."""
    with kinerja.reading() as uow:
        user = authorise(uow.session, actor)
        cycle = _cycle(uow, user, cycle_id)
        goals = uow.session.scalars(select(OrganisationGoal).where(OrganisationGoal.cycle_id == cycle.id)
                                    .order_by(OrganisationGoal.position)).all()
        return [Choice(goal.id, goal.text) for goal in goals]


def set_organisation_goals(kinerja: Kinerja, actor: Actor, cycle_id: int, texts: list[str]) -> list[Choice]:
    """HR enters the organisation's goals of a cycle: what the top of the cascade intervenes.
    Goals keep their id by position; one that an RHK already intervenes cannot be removed."""
    cleaned = [text.strip() for text in texts if text and text.strip()]
    problems = [{"field": f"goals.{i}", "message": f"sasaran {i + 1}: paling banyak {MAX_TEXT} karakter"}
                for i, text in enumerate(cleaned) if len(text) > MAX_TEXT]
    if len(cleaned) > MAX_GOALS:
        problems.append({"field": "goals", "message": f"paling banyak {MAX_GOALS} sasaran"})
    if problems:
        raise ValidationFailed(f"sasaran organisasi tidak dapat disimpan: {problems[0]['message']}", details=problems)
    with kinerja.unit_of_work() as uow:
        user = authorise(uow.session, actor, RUN_CYCLES)
        cycle = _cycle(uow, user, cycle_id)
        goals = list(uow.session.scalars(select(OrganisationGoal).where(OrganisationGoal.cycle_id == cycle.id)
                                         .order_by(OrganisationGoal.position)).all())
        for goal in goals[len(cleaned):]:
            if uow.session.scalar(select(exists().where(Rhk.goal_id == goal.id))):
                raise Conflict(f"sasaran '{goal.text}' sudah diintervensi SKP; ubah teksnya, jangan dihapus",
                               details={"reason": "goal_in_use"})
            uow.session.delete(goal)
        saved = goals[:len(cleaned)]
        for position, text in enumerate(cleaned):
            if position < len(saved):
                saved[position].text = text
            else:
                saved.append(OrganisationGoal(cycle_id=cycle.id, position=position, text=text))
                uow.session.add(saved[-1])
        uow.flush()
        uow.record(actor_name(actor), "cycle.goals_set", {"cycle_id": cycle.id, "goals": cleaned})
        result = [Choice(goal.id, goal.text) for goal in saved]
        uow.commit()
        return result


def _skp_instance(uow: UnitOfWork, task: HumanTask) -> ProcessInstance:
    if task.form_key != SKP_DRAFT_FORM:
        raise Conflict(f"task {task.id} is not an SKP draft", details={"reason": "not_skp_task"})
    instance = uow.session.get(ProcessInstance, task.instance_id)
    assert instance is not None  # foreign key
    return instance


def _visible(uow: UnitOfWork, user: Optional[User], skp_id: int) -> Skp:
    skp = uow.session.get(Skp, skp_id)
    if skp is None or (user is not None and not may_view_employee(uow.session, user, skp.employee_id)):
        raise NotFound(f"SKP {skp_id} does not exist")
    return skp


def _cycle(uow: UnitOfWork, user: Optional[User], cycle_id: int) -> Cycle:
    cycle = uow.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(f"cycle {cycle_id} does not exist")
    require_own_organisation(user, cycle.organisation_id, f"cycle {cycle_id}")
    return cycle
