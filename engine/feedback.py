"""Citizen service feedback: anonymous ratings of a unit's service, answered by the unit.

Citizens have no account, so the engine validates everything itself (scores 1..5 on fixed
questions, bounded comment length) and stores the comment as plain text with HTML tags
removed; pages escape it again on output, so markup can never render. Reading and answering
is for HR and the unit's heads (employees of the unit whose supervisor works elsewhere),
who can also turn a complaint into a follow-up process (:func:`open_follow_up`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .access import active_user, reads_feedback
from .assignment import ROLE_HR, LaneDirectory, unit_heads
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .instances import NewInstance, start_many
from .kinerja import Kinerja
from .models import AuditEvent, Employee, HumanTask, Organisation, ProcessInstance, ServiceFeedback, Unit, User
from .step_failures import records_step_failure
from .vocabulary import COMPLAINT_PROCESS, ESCALATED_COMPLAINT, RATE_PERFORMANCE

QUESTIONS: tuple[str, ...] = ("speed", "friendliness", "clarity", "overall")
MAX_COMMENT = 2000
_TAG = re.compile(r"<[^>]*>?")


@dataclass(frozen=True)
class UnitRef:
    id: int
    organisation_code: str
    organisation_name: str
    code: str
    name: str


@dataclass(frozen=True)
class FollowUpView:
    """Where a complaint's follow-up process stands: ``waiting`` for the unit head,
    ``escalated`` to the head's supervisor, or ``answered`` (with the response)."""

    instance_id: int
    status: str
    response: Optional[str]
    action: Optional[str]


@dataclass(frozen=True)
class FeedbackView:
    id: int
    submitted_at: datetime
    scores: dict[str, int]
    average: float
    comment: str
    answer: Optional[str]
    answered_by: Optional[str]
    follow_up: Optional[FollowUpView] = None


def find_unit(kinerja: Kinerja, organisation_code: str, unit_code: str) -> UnitRef:
    """The unit a public feedback URL names; NotFound for anything unknown."""
    with kinerja.reading() as uow:
        row = uow.session.execute(
            select(Unit, Organisation).join(Organisation, Organisation.id == Unit.organisation_id)
            .where(Organisation.code == organisation_code, Unit.code == unit_code)).first()
        if row is None:
            raise NotFound(f"unit '{organisation_code}/{unit_code}' does not exist")
        unit, organisation = row
        return UnitRef(unit.id, organisation.code, organisation.name, unit.code, unit.name)


def strip_html(text: str) -> str:
    """Plain text: tags removed (a comment is never markup), whitespace trimmed."""
    return _TAG.sub("", text).strip()


def submit_feedback(kinerja: Kinerja, organisation_code: str, unit_code: str,
                    scores: Mapping[str, object], comment: str) -> int:
    """Store one citizen's rating; ValidationFailed lists every bad field."""
    problems = []
    clean: dict[str, int] = {}
    for key in QUESTIONS:
        value = scores.get(key)
        try:
            number = int(str(value))
        except ValueError:
            number = 0
        if not 1 <= number <= 5:
            problems.append({"location": key, "message": "choose a score from 1 to 5"})
        clean[key] = number
    if len(comment) > MAX_COMMENT:
        problems.append({"location": "comment", "message": f"at most {MAX_COMMENT} characters"})
    if problems:
        raise ValidationFailed("the feedback is incomplete or too long", problems)
    unit = find_unit(kinerja, organisation_code, unit_code)
    with kinerja.unit_of_work() as uow:
        row = ServiceFeedback(unit_id=unit.id, submitted_at=uow.clock.now(), scores=clean,
                              average=sum(clean.values()) / len(clean), comment=strip_html(comment))
        uow.session.add(row)
        uow.flush()
        uow.record("citizen", "feedback.submitted", {"unit": unit.code, "feedback_id": row.id})
        uow.commit()
        return row.id


def _authorise(uow, username: str, unit_id: int) -> None:  # type: ignore[no-untyped-def]
    """HR of the unit's organisation or a head of the unit may read and answer its feedback."""
    user = active_user(uow.session, username)
    unit = uow.session.get(Unit, unit_id)
    if user is None or unit is None or user.organisation_id != unit.organisation_id or not reads_feedback(user) \
            or (ROLE_HR not in user.role_names and user.employee.unit_id != unit_id):
        raise Forbidden(f"{username} may not see this unit's feedback")


@dataclass(frozen=True)
class UnitFeedbackSummary:
    unit: UnitRef
    ratings: int
    average: Optional[float]
    unanswered: int


def feedback_overview(kinerja: Kinerja, username: str) -> list[UnitFeedbackSummary]:
    """The units whose feedback the user reads (HR: every unit of the organisation; a unit
    head: their unit), each with its number of ratings, their average and how many await an
    answer; Forbidden for everyone else."""
    with kinerja.reading() as uow:
        user = active_user(uow.session, username)
        unit_filter = _readable_units(user)
        if user is None or unit_filter is None:
            raise Forbidden(f"{username} may not see feedback")
        unanswered = func.count(ServiceFeedback.id).filter(ServiceFeedback.answer.is_(None))
        rows = uow.session.execute(
            select(Unit, Organisation, func.count(ServiceFeedback.id), func.avg(ServiceFeedback.average), unanswered)
            .join(Organisation, Organisation.id == Unit.organisation_id)
            .outerjoin(ServiceFeedback, ServiceFeedback.unit_id == Unit.id)
            .where(unit_filter).group_by(Unit.id, Organisation.id).order_by(Unit.name)).all()
        return [UnitFeedbackSummary(UnitRef(unit.id, org.code, org.name, unit.code, unit.name), count,
                                    round(float(average), 2) if average is not None else None, open_count)
                for unit, org, count, average, open_count in rows]


def _readable_units(user: Optional[User]) -> Any:
    """The units a user reads feedback of, as a filter on ``Unit``; None when none."""
    if user is None or not reads_feedback(user):
        return None
    if ROLE_HR in user.role_names:
        return Unit.organisation_id == user.organisation_id
    return Unit.id == user.employee.unit_id


def list_feedback(kinerja: Kinerja, username: str, organisation_code: str, unit_code: str) -> list[FeedbackView]:
    """The unit's feedback, newest first, for HR and the unit's heads."""
    unit = find_unit(kinerja, organisation_code, unit_code)
    with kinerja.reading() as uow:
        _authorise(uow, username, unit.id)
        rows = uow.session.scalars(select(ServiceFeedback).where(ServiceFeedback.unit_id == unit.id)
                                   .order_by(ServiceFeedback.submitted_at.desc(), ServiceFeedback.id.desc())).all()
        follow_ups = _follow_ups(uow.session, [r.id for r in rows])
        return [FeedbackView(r.id, r.submitted_at, dict(r.scores), r.average, r.comment, r.answer, r.answered_by,
                             follow_ups.get(r.id)) for r in rows]


# -- complaints: a follow-up process per complaint ------------------------------------------



def _business_key(feedback_id: int) -> str:
    """One follow-up per feedback: the instance's unique business key says which."""
    return f"complaint:{feedback_id}"


@records_step_failure
def open_follow_up(kinerja: Kinerja, username: str, feedback_id: int) -> int:
    """Turn a feedback into a complaint the unit head must answer (process
    ``complaint_follow_up``: the head responds within its deadline, else the head's
    supervisor does). HR or the unit's head only; once per feedback (Conflict after, also
    when two requests race: the business key is unique). Returns the instance id.

    The instance's subject is the unit head, the person answerable for the unit's service;
    a unit without a head has nobody to answer, so HR answers that feedback directly.
    """
    with kinerja.unit_of_work() as uow:
        row = uow.session.get(ServiceFeedback, feedback_id)
        if row is None:
            raise NotFound(f"feedback {feedback_id} does not exist")
        _authorise(uow, username, row.unit_id)
        if uow.session.scalar(select(ProcessInstance.id).where(
                ProcessInstance.business_key == _business_key(feedback_id))) is not None:
            raise Conflict(f"feedback {feedback_id} already has a follow-up")
        head = unit_heads(uow.session, {row.unit_id}).get(row.unit_id)
        if head is None:
            raise Conflict(f"the unit of feedback {feedback_id} has no head to answer it; answer it directly")
        complaint = {"feedback_id": row.id, "unit": uow.session.get(Unit, row.unit_id).name,
                     "submitted_at": row.submitted_at.isoformat(), "average": row.average,
                     "scores": dict(row.scores), "comment": row.comment}
        directory = LaneDirectory(uow.session, [head])
        (instance_id,) = start_many(kinerja, uow, username, COMPLAINT_PROCESS, [NewInstance(
            directory.subject(head), _business_key(feedback_id), {"complaint": complaint})], None, directory)
        uow.commit()
        return instance_id


def _follow_ups(session: Session, feedback_ids: list[int]) -> dict[int, FollowUpView]:
    keys = {_business_key(i): i for i in feedback_ids}
    instances = session.scalars(select(ProcessInstance).where(ProcessInstance.business_key.in_(keys))).all()
    escalated = set(session.scalars(select(HumanTask.instance_id).where(
        HumanTask.instance_id.in_([i.id for i in instances]), HumanTask.task_key == ESCALATED_COMPLAINT)))
    views = {}
    for instance in instances:
        summary = instance.summary or {}
        status = ("answered" if instance.status == "completed"
                  else "escalated" if instance.id in escalated else "waiting")
        views[keys[instance.business_key]] = FollowUpView(instance.id, status, summary.get("complaint_response"),
                                                          summary.get("complaint_action"))
    return views


def answer_feedback(kinerja: Kinerja, username: str, feedback_id: int, answer: str) -> None:
    """Record the unit's reply to one feedback (replaces an earlier reply)."""
    text = strip_html(answer)
    if not text or len(text) > MAX_COMMENT:
        raise ValidationFailed("the answer is empty or too long",
                               [{"location": "answer", "message": f"1 to {MAX_COMMENT} characters"}])
    with kinerja.unit_of_work() as uow:
        row = uow.session.get(ServiceFeedback, feedback_id)
        if row is None:
            raise NotFound(f"feedback {feedback_id} does not exist")
        _authorise(uow, username, row.unit_id)
        row.answer, row.answered_by, row.answered_at = text, username, uow.clock.now()
        uow.record(username, "feedback.answered", {"feedback_id": row.id})
        uow.commit()



def satisfaction(session: Session, unit_ids: set[int], year: int) -> Optional[tuple[float, int]]:
    """Average citizen rating of these units in a calendar year and the number of ratings, or None."""
    average, count = session.execute(
        select(func.avg(ServiceFeedback.average), func.count(ServiceFeedback.id))
        .where(ServiceFeedback.unit_id.in_(unit_ids),
               ServiceFeedback.submitted_at >= datetime(year, 1, 1, tzinfo=timezone.utc),
               ServiceFeedback.submitted_at < datetime(year + 1, 1, 1, tzinfo=timezone.utc))).one()
    return (round(float(average), 2), int(count)) if count else None


# Final-appraisal tasks that show the subject's unit score to the supervisor.
SCORED_TASKS = frozenset({RATE_PERFORMANCE})


@dataclass(frozen=True)
class UnitScore:
    unit_name: str
    year: int
    average: float
    ratings: int


def score_for_task(kinerja: Kinerja, username: str, task_id: int) -> Optional[UnitScore]:
    """The citizen score of the task's employee's unit in the current year, for final-appraisal
    tasks; its use is audited (``feedback.score_shown``) since it may sway the rating: once
    per viewer and figure, so reloading the page does not repeat it but a changed score does.

    Callers show it next to a task they already loaded with its access checks; the score is an
    aggregate the transparency page publishes anyway.
    """
    with kinerja.unit_of_work() as uow:
        task = uow.session.get(HumanTask, task_id)
        if task is None or task.task_key not in SCORED_TASKS or task.subject_employee_id is None:
            return None
        employee = uow.session.get(Employee, task.subject_employee_id)
        year = uow.clock.now().year
        found = satisfaction(uow.session, {employee.unit_id}, year)
        if found is None:
            return None
        score = UnitScore(employee.unit.name, year, *found)
        shown = {"task_key": task.task_key, "unit": employee.unit.code, "year": score.year,
                 "average": score.average, "ratings": score.ratings}
        if _last_score_shown(uow.session, task, username) != shown:  # once per figure, not per page view
            uow.record(username, "feedback.score_shown", shown, instance_id=task.instance_id, task_id=task.id)
            uow.commit()
        return score


def _last_score_shown(session: Session, task: HumanTask, username: str) -> Optional[dict[str, object]]:
    return session.scalar(select(AuditEvent.data).where(
        AuditEvent.instance_id == task.instance_id, AuditEvent.task_id == task.id,
        AuditEvent.action == "feedback.score_shown", AuditEvent.actor == username)
        .order_by(AuditEvent.seq.desc()).limit(1))
