"""Transfers (mutasi) and leavings during the year (HR, :data:`engine.permissions.MANAGE_STAFFING`).

A **transfer** changes an employee's unit and supervisor (:func:`move_employee`; the
employee import comes to :func:`apply_move` too when a file changes them). In the same
unit of work, the open tasks about the employee that still sit where the old position put
them (the old supervisor, the old supervisor's supervisor, the old unit's head, the old
team's group) go where the new position puts them, each a ``task.reassigned`` event; a
task handed on by delegation or named for one rater stays where it is. When the employee
has an agreed SKP, a revision is opened for the rest of the year with the new supervisor
(:func:`engine.skp.start_revision`); earlier periods keep the version they were evaluated on.

**Leaving** (:func:`record_leaving`: pensiun, berhenti, meninggal, pindah instansi) makes
the employee and their account inactive, cancels their running instances with the reason
(:func:`engine.incidents.end_instance`) and moves the tasks they held for others to where
the lanes now resolve (the HR group when their position has nobody, which reassigns them).

The effective date is the date of the decision (SK) as HR records it; the change applies
when it is recorded.
"""
from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import select

from .access import authorise
from .actors import Actor, actor_name
from .assignment import Assignment, LaneDirectory, hr_group
from .errors import NotFound, ValidationFailed
from .incidents import end_instance
from .kinerja import Kinerja
from .models import Employee, HumanTask, ProcessInstance, Unit, User
from .notifications import queue, task_created_drafts
from .org_moves_tables import LEAVING_KINDS, MAX_REASON, EmployeeLeaving, EmployeeMove
from .permissions import MANAGE_STAFFING
from .skp import start_revision
from .skp_rules import EDITABLE
from .skp_tables import Skp
from .unit_of_work import UnitOfWork


def move_employee(kinerja: Kinerja, actor: Actor, nip: str, unit_code: str, supervisor_nip: Optional[str],
                  effective_date: date, reason: str) -> int:
    """Record a transfer of employee ``nip`` to unit ``unit_code`` under ``supervisor_nip``
    (None: nobody above them) with its consequences; returns the move's id."""
    reason = checked_reason(reason)
    with kinerja.unit_of_work() as uow:
        user = authorise(uow.session, actor, MANAGE_STAFFING)
        employee = staff_member(uow, user, nip)
        unit_id = uow.session.scalar(select(Unit.id).where(Unit.organisation_id == employee.organisation_id,
                                                           Unit.code == unit_code))
        if unit_id is None:
            raise ValidationFailed(f"unit '{unit_code}' is not in the organisation",
                                   details=[{"field": "unit", "message": "unit kerja tidak dikenal"}])
        supervisor = _new_supervisor(uow, employee, supervisor_nip)
        if unit_id == employee.unit_id and (supervisor.id if supervisor else None) == employee.supervisor_id:
            raise ValidationFailed("the employee is already in that unit under that supervisor",
                                   details=[{"field": "unit", "message": "tidak ada perubahan"}])
        move_id = apply_move(kinerja, uow, actor_name(actor), employee, unit_id, supervisor, effective_date, reason)
        uow.commit()
        return move_id


def apply_move(kinerja: Kinerja, uow: UnitOfWork, actor: str, employee: Employee, unit_id: int,
               supervisor: Optional[Employee], effective_date: date, reason: str) -> int:
    """Move ``employee`` in ``uow`` (the caller has checked the request and commits): the
    move's row and event, the reassigned tasks and the SKP revision."""
    session = uow.session
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.subject_employee_id == employee.id,
                                                         HumanTask.status == "open").order_by(HumanTask.id)))
    before = LaneDirectory(session, [employee.id])
    old_subject = before.subject(employee.id)
    placed = {task.id: before.resolve(task.lane, old_subject) for task in tasks}
    move = EmployeeMove(employee_id=employee.id, from_unit_id=employee.unit_id, to_unit_id=unit_id,
                        from_supervisor_id=employee.supervisor_id, to_supervisor_id=supervisor.id if supervisor else None,
                        effective_date=effective_date, reason=reason, recorded_by=actor, recorded_at=uow.clock.now())
    session.add(move)
    employee.unit_id, employee.supervisor_id = unit_id, move.to_supervisor_id
    for draft in session.scalars(select(Skp).where(Skp.employee_id == employee.id, Skp.status.in_(EDITABLE))):
        draft.evaluator_employee_id = move.to_supervisor_id  # the SKP being agreed goes to the new rater
    session.flush()
    uow.record(actor, "employee.moved", {
        "nip": employee.nip, "from_unit": _unit_code(uow, move.from_unit_id), "to_unit": _unit_code(uow, unit_id),
        "from_supervisor": _nip(uow, move.from_supervisor_id), "to_supervisor": supervisor.nip if supervisor else None,
        "effective_date": effective_date.isoformat(), "reason": reason})
    after = LaneDirectory(session, [employee.id])
    new_subject = after.subject(employee.id)
    for task in tasks:
        target = after.resolve(task.lane, new_subject)
        if _holds(task, placed[task.id]) and target != placed[task.id]:
            hand_over(uow, actor, task, target, reason)
    agreed = session.scalar(select(Skp).where(Skp.employee_id == employee.id, Skp.status == "agreed")
                            .order_by(Skp.cycle_id.desc(), Skp.version.desc()).limit(1))
    revising = agreed is not None and session.scalar(select(Skp.id).where(
        Skp.employee_id == employee.id, Skp.cycle_id == agreed.cycle_id, Skp.status.in_(EDITABLE)).limit(1))
    if agreed is not None and not revising:
        start_revision(kinerja, uow, actor, agreed, employee, f"Mutasi per {effective_date.isoformat()}: {reason}")
    return move.id


def record_leaving(kinerja: Kinerja, actor: Actor, nip: str, effective_date: date, reason_kind: str,
                   reason: str) -> int:
    """Record that employee ``nip`` leaves (one of :data:`LEAVING_KINDS`) with its consequences;
    returns the record's id."""
    reason = checked_reason(reason)
    if reason_kind not in LEAVING_KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(LEAVING_KINDS)}",
                               details=[{"field": "kind", "message": "jenis pemberhentian tidak dikenal"}])
    with kinerja.unit_of_work() as uow:
        user = authorise(uow.session, actor, MANAGE_STAFFING)
        employee = staff_member(uow, user, nip)
        name, session = actor_name(actor), uow.session
        leaving = EmployeeLeaving(employee_id=employee.id, effective_date=effective_date, kind=reason_kind,
                                  reason=reason, recorded_by=name, recorded_at=uow.clock.now())
        session.add(leaving)
        employee.active = False
        account = session.scalar(select(User).where(User.employee_id == employee.id))
        if account is not None:
            account.active = False
            account.session_version += 1  # signed-in sessions and tokens end with the account
        session.flush()
        uow.record(name, "employee.left", {"nip": employee.nip, "kind": reason_kind,
                                           "effective_date": effective_date.isoformat(), "reason": reason})
        why = f"Pegawai berhenti ({reason_kind.replace('_', ' ')}) per {effective_date.isoformat()}: {reason}"
        for instance in session.scalars(select(ProcessInstance).where(
                ProcessInstance.subject_employee_id == employee.id, ProcessInstance.status == "running")):
            end_instance(uow, name, instance, why)
        if account is not None:
            _release_tasks_of(uow, name, account.id, employee.organisation_id, why)
        uow.commit()
        return leaving.id


def _release_tasks_of(uow: UnitOfWork, actor: str, user_id: int, organisation_id: int, reason: str) -> None:
    """The open tasks ``user_id`` holds (assigned or claimed) go where their lanes now resolve
    (a task about nobody: to the HR group)."""
    session = uow.session
    tasks = list(session.scalars(select(HumanTask).where(
        HumanTask.status == "open",
        (HumanTask.assignee_user_id == user_id) | (HumanTask.claimed_by_user_id == user_id)).order_by(HumanTask.id)))
    directory = LaneDirectory(session, {task.subject_employee_id for task in tasks if task.subject_employee_id})
    for task in tasks:
        if task.assignee_user_id is None:  # a group task they claimed: back to the group
            hand_over(uow, actor, task, Assignment(candidate_group=task.candidate_group), reason)
        elif task.subject_employee_id is not None:
            hand_over(uow, actor, task, directory.resolve(task.lane, directory.subject(task.subject_employee_id)),
                      reason)
        else:
            hand_over(uow, actor, task, Assignment(candidate_group=hr_group(organisation_id)), reason)


def hand_over(uow: UnitOfWork, actor: str, task: HumanTask, to: Assignment, reason: str) -> None:
    """Give ``task`` to ``to`` (unclaimed), record it as ``task.reassigned`` and tell its new
    holders as of a new task."""
    names = dict(uow.session.execute(select(User.id, User.username).where(
        User.id.in_({task.assignee_user_id, to.assignee_user_id} - {None}))).all())
    uow.record(actor, "task.reassigned", {
        "task_key": task.task_key, "from": names.get(task.assignee_user_id) or task.candidate_group,
        "to": names.get(to.assignee_user_id) or to.candidate_group, "reason": reason},
        instance_id=task.instance_id, task_id=task.id)
    task.assignee_user_id, task.candidate_group, task.claimed_by_user_id = to.assignee_user_id, to.candidate_group, None
    queue(uow, task_created_drafts(uow.session, [{
        "id": task.id, "name": task.name, "assignee_user_id": task.assignee_user_id,
        "candidate_group": task.candidate_group, "due_at": task.due_at, "subject_employee_id": task.subject_employee_id}]))


def staff_member(uow: UnitOfWork, user: Optional[User], nip: str) -> Employee:
    """The active employee ``nip`` of the caller's organisation (404 otherwise)."""
    employee = uow.session.scalar(select(Employee).where(Employee.nip == nip.strip()))
    if employee is None or not employee.active or (user is not None and user.organisation_id != employee.organisation_id):
        raise NotFound(f"employee {nip} does not exist")
    return employee


def checked_reason(reason: Optional[str]) -> str:
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= MAX_REASON:
        raise ValidationFailed(f"give a reason of 3 to {MAX_REASON} characters",
                               details=[{"field": "reason", "message": "wajib diisi"}])
    return reason


def _new_supervisor(uow: UnitOfWork, employee: Employee, supervisor_nip: Optional[str]) -> Optional[Employee]:
    """The new supervisor: an active employee of the organisation who is not the employee
    nor below them (a supervisor cycle)."""
    if not supervisor_nip:
        return None
    supervisor = uow.session.scalar(select(Employee).where(Employee.nip == supervisor_nip.strip(),
                                                           Employee.organisation_id == employee.organisation_id,
                                                           Employee.active.is_(True)))
    if supervisor is None:
        raise ValidationFailed(f"supervisor {supervisor_nip} is not an active employee of the organisation",
                               details=[{"field": "supervisor", "message": "atasan tidak dikenal"}])
    above: Optional[Employee] = supervisor
    seen: set[int] = set()
    while above is not None and above.id not in seen:
        if above.id == employee.id:
            raise ValidationFailed(f"{supervisor_nip} reports to {employee.nip}: a supervisor cycle",
                                   details=[{"field": "supervisor", "message": "atasan adalah bawahan pegawai ini"}])
        seen.add(above.id)
        above = above.supervisor
    return supervisor


def _holds(task: HumanTask, assignment: Assignment) -> bool:
    return (task.assignee_user_id, task.candidate_group) == (assignment.assignee_user_id, assignment.candidate_group)


def _unit_code(uow: UnitOfWork, unit_id: int) -> Optional[str]:
    return uow.session.scalar(select(Unit.code).where(Unit.id == unit_id))


def _nip(uow: UnitOfWork, employee_id: Optional[int]) -> Optional[str]:
    return uow.session.scalar(select(Employee.nip).where(Employee.id == employee_id)) if employee_id else None
