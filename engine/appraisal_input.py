"""The 360 input of the annual appraisal: who rates, what each rater gives, who was skipped.

PP 30/2019 Pasal 41(4): the Pejabat Penilai may take input from peers at the same level and
from the employee's subordinates. When the employee hands in the self-assessment (form
``self_assessment``) the raters are chosen from the org model, deterministically:

- peers: active colleagues with the same direct supervisor and an active account, in
  employee-id order starting after the employee (so neighbours, not always the same first
  few, are asked), at most ``raters.peers`` of them;
- subordinates: the employee's active direct staff with an account, in id order, at most
  ``raters.subordinates``.

The counts are the cycle setting ``raters`` (``{"peers": 3, "subordinates": 3}`` by default,
each 0–:data:`MAX_RATERS`). The workflow gets the rater ids (``rater_ids``) and gives each
rater their own task (a multi-instance user task with ``assigneeFrom``); nobody chosen → the
360 input is skipped. Each rater's row is written here; one not answered when the activity's
deadline passes is marked skipped, with an audit event, and never waited for.

The employee and the Pejabat Penilai read the input pooled (:func:`pooled_input`): how many
raters answered, per BerAKHLAK value how many gave each rating, comments sorted and unsigned.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import task_shown_to_reader
from .appraisal_tables import AppraisalInput
from .errors import Conflict
from .evaluation_tables import RATINGS
from .form_steps import Lapse, StepContext, StepInput, on_lapse, register
from .kinerja import Kinerja
from .models import Cycle, Employee, ProcessInstance, User

DEFAULT_RATERS = {"peers": 3, "subordinates": 3}
MAX_RATERS = 10  # per relation: a 360 input is a sample, not a survey of the whole office


@register("self_assessment")
def choose_raters(context: StepContext, data: dict[str, Any]) -> StepInput:
    """Write a pending row per chosen rater; the workflow gets their employee ids."""
    session, instance = context.uow.session, context.instance
    employee = session.get(Employee, instance.subject_employee_id) if instance.subject_employee_id else None
    if employee is None:
        return StepInput({**data, "rater_ids": []})
    counts = rater_counts(session.get(Cycle, instance.cycle_id).settings if instance.cycle_id else None)
    chosen = [(rater, "peer") for rater in _peers(session, employee, counts["peers"])]
    chosen += [(rater, "subordinate") for rater in _subordinates(session, employee, counts["subordinates"])]
    known = set(session.scalars(select(AppraisalInput.rater_employee_id)
                                .where(AppraisalInput.instance_id == instance.id)))
    session.add_all(AppraisalInput(instance_id=instance.id, employee_id=employee.id, cycle_id=instance.cycle_id,
                                   rater_employee_id=rater, relation=relation, status="pending")
                    for rater, relation in chosen if rater not in known)
    context.uow.record(context.user.username, "appraisal.raters_chosen", {
        "employee_id": employee.id, "peers": sum(r == "peer" for _, r in chosen),
        "subordinates": sum(r == "subordinate" for _, r in chosen)}, instance_id=instance.id, task_id=context.task.id)
    return StepInput({**data, "rater_ids": [rater for rater, _ in chosen]})


def rater_counts(settings: Optional[dict[str, Any]]) -> dict[str, int]:
    """The cycle's ``raters`` setting with the defaults for what it leaves out or gets wrong."""
    given = (settings or {}).get("raters")
    given = given if isinstance(given, dict) else {}
    counts = {}
    for relation, default in DEFAULT_RATERS.items():
        value = given.get(relation, default)
        valid = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_RATERS
        counts[relation] = value if valid else default
    return counts


def _with_account(session: Session, *where: Any) -> list[int]:
    return list(session.scalars(select(Employee.id).join(User, User.employee_id == Employee.id)
                                .where(Employee.active.is_(True), User.active.is_(True), *where)
                                .order_by(Employee.id)))


def _peers(session: Session, employee: Employee, limit: int) -> list[int]:
    if employee.supervisor_id is None or limit == 0:
        return []
    colleagues = _with_account(session, Employee.supervisor_id == employee.supervisor_id, Employee.id != employee.id)
    after = [i for i in colleagues if i > employee.id]
    return (after + [i for i in colleagues if i < employee.id])[:limit]


def _subordinates(session: Session, employee: Employee, limit: int) -> list[int]:
    return _with_account(session, Employee.supervisor_id == employee.id)[:limit] if limit else []


@register("peer_input")
def give_input(context: StepContext, data: dict[str, Any]) -> StepInput:
    """Store one rater's input on their row; the workflow gets nothing of it (raters stay
    anonymous and the workflow data is the employee's to read)."""
    row = _row_of(context)
    if row.status != "pending":
        raise Conflict("this rater's input is already closed", details={"reason": "input_closed"})
    row.status, row.submitted_at = "submitted", context.uow.clock.now()
    row.ratings, row.comment = dict(data["peer_behaviour"]), (data.get("peer_comment") or "").strip() or None
    return StepInput({})


def _row_of(context: StepContext) -> AppraisalInput:
    session = context.uow.session
    holder = session.get(User, context.task.assignee_user_id) if context.task.assignee_user_id else context.user
    rows = session.scalars(select(AppraisalInput).where(AppraisalInput.instance_id == context.instance.id)).all()
    mine = [row for row in rows if row.rater_employee_id in {holder.employee_id, context.user.employee_id}]
    if not mine:
        raise Conflict("this process has no 360 input row for you", details={"reason": "not_a_rater"})
    return mine[0]


@on_lapse("peer_input")
def skip_rater(lapse: Lapse) -> None:
    """A rater's task ended by the deadline: their row is skipped, with an audit event that
    names them for auditors (the employee's copy leaves the name out, engine.anonymity)."""
    holder = lapse.uow.session.get(User, lapse.task.assignee_user_id) if lapse.task.assignee_user_id else None
    row = lapse.uow.session.scalar(select(AppraisalInput).where(
        AppraisalInput.instance_id == lapse.instance.id, AppraisalInput.status == "pending",
        AppraisalInput.rater_employee_id == (holder.employee_id if holder else None)))
    if row is None:
        return
    row.status, row.skipped_at = "skipped", lapse.uow.clock.now()
    lapse.uow.record("system", "appraisal.input_skipped", {
        "relation": row.relation, "rater_employee_id": row.rater_employee_id,
        "reason": "tidak diisi sampai batas waktu"}, instance_id=lapse.instance.id, task_id=lapse.task.id)


def pooled_input(session: Session, instance: ProcessInstance) -> dict[str, Any]:
    """The 360 input of one appraisal as the employee and the Pejabat Penilai read it."""
    rows = session.scalars(select(AppraisalInput).where(AppraisalInput.instance_id == instance.id)).all()
    given = [row for row in rows if row.status == "submitted"]
    counts: dict[str, Counter[str]] = {}
    for row in given:
        for value, rating in (row.ratings or {}).items():
            counts.setdefault(value, Counter())[rating] += 1
    return {"asked": len(rows), "answered": len(given), "skipped": sum(row.status == "skipped" for row in rows),
            "values": {value: {rating: tally[rating] for rating in RATINGS} for value, tally in counts.items()},
            "comments": sorted(row.comment for row in given if row.comment)}


# The forms beside which the pooled 360 input is shown: the rating, the response, the objection.
SHOWN_WITH = ("performance_rating", "predikat_response", "objection_hearing", "objection_decision")


def input_for_task(kinerja: Kinerja, username: str, task_id: int) -> Optional[dict[str, Any]]:
    """The pooled 360 input of the task's appraisal, for a task of :data:`SHOWN_WITH` and a
    reader of the employee's file (the employee, the supervisors, HR); None otherwise or when
    nobody was asked. Callers show it next to a task they already loaded with its checks."""
    with kinerja.reading() as uow:
        task = task_shown_to_reader(uow.session, username, task_id, SHOWN_WITH)
        if task is None:
            return None
        pooled = pooled_input(uow.session, uow.session.get(ProcessInstance, task.instance_id))
        return pooled if pooled["asked"] else None
