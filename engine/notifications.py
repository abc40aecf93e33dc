"""Notifications: messages to users about their work, kept in an outbox table.

A message is written in the same transaction as the event it reports (a task created, a
timer that escalated a task, a decision), so it exists exactly when the event does. It is
then shown in-app (the bell, the notifications page) and delivered by email
(:mod:`engine.mail`) immediately or in a daily digest, as the user chose.

The kinds a user can mute (:data:`KINDS`):

- ``task_assigned``: a task is in your inbox, or your group's (every member is told);
- ``due_soon`` / ``overdue``: the reminder sweep (:func:`queue_reminders`) tells whoever
  holds an open task once when its due date is near and once when it has passed;
- ``escalated``: a deadline moved your task to someone else;
- ``decision_made``: a decision about you (your predikat, the follow-up the PPK approved).

Each row keeps the email's Indonesian subject and body, and ``params`` from which the
in-app list renders the message in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterable, Optional

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from .access import load_user
from .assignment import group_members
from .errors import NotFound, ValidationFailed
from .models import HumanTask, NotificationPreference, OutboxMessage, User
from .unit_of_work import UnitOfWork
from .vocabulary import DECISION_FIELDS

if TYPE_CHECKING:
    from .kinerja import Kinerja

KINDS = ("task_assigned", "due_soon", "overdue", "escalated", "decision_made")
EMAIL_DELIVERIES = ("immediate", "daily", "off")
DUE_SOON = timedelta(hours=24)
# Outcome fields whose new value is a decision the employee is told about, with its label.
OUTBOX = OutboxMessage.__table__


@dataclass
class Draft:
    """A message to some users, before preferences decide who gets it and how."""

    user_ids: set[int]
    kind: str
    subject: str
    body: str
    task_id: Optional[int] = None
    params: dict[str, Any] = field(default_factory=dict)


def queue(uow: UnitOfWork, drafts: Iterable[Draft]) -> int:
    """Write the drafts to the outbox for every recipient who has not muted their kind, with
    the email delivery fixed now: one query for all recipients' preferences and one insert,
    so opening a cycle for thousands of employees stays cheap. Returns the rows written."""
    drafts = [draft for draft in drafts if draft.user_ids]
    recipients = _recipients(uow.session, set().union(*(d.user_ids for d in drafts)) if drafts else set())
    now = uow.clock.now()
    rows = [{"user_id": user_id, "kind": draft.kind, "subject": draft.subject[:300], "body": draft.body,
             "task_id": draft.task_id, "params": draft.params, "created_at": now, "read_at": None,
             "attempts": 0, "next_attempt_at": now, "sent_at": None, "last_error": None,
             "delivery": recipients[user_id][1]}
            for draft in drafts for user_id in sorted(draft.user_ids)
            if user_id in recipients and draft.kind not in recipients[user_id][0]]
    if rows:
        uow.session.execute(insert(OUTBOX), rows)
    return len(rows)


def _recipients(session: Session, user_ids: set[int]) -> dict[int, tuple[list[str], str]]:
    """Active users among ``user_ids`` → (muted kinds, email delivery: immediate|daily|none)."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(User.id, User.email, NotificationPreference.muted_kinds, NotificationPreference.email_delivery)
        .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(User.id.in_(user_ids), User.active.is_(True))).all()
    return {user_id: (list(muted or []), "none" if not email or delivery == "off" else delivery or "immediate")
            for user_id, email, muted, delivery in rows}


# -- messages about tasks -------------------------------------------------------------------


def task_created_drafts(session: Session, tasks: Iterable[dict[str, Any]]) -> list[Draft]:
    """'Task assigned' drafts for new task rows (``id``, ``name``, ``assignee_user_id``,
    ``candidate_group``, ``due_at``, ``subject_employee_id``): the assignee, or every member
    of the group except the employee the task is about."""
    tasks = list(tasks)
    group_tasks = [t for t in tasks if t["assignee_user_id"] is None and t["candidate_group"]]
    members = group_members(session, {t["candidate_group"] for t in group_tasks})
    subjects = users_of_employees(session, {t["subject_employee_id"] for t in group_tasks})
    drafts = []
    for task in tasks:
        if task["assignee_user_id"] is not None:
            users = {task["assignee_user_id"]}
        else:
            users = members.get(task["candidate_group"] or "", set()) - {subjects.get(task["subject_employee_id"])}
        due = task["due_at"]
        drafts.append(Draft(users, "task_assigned", f"Tugas baru: {task['name']}",
                            f"Anda mendapat tugas baru: {task['name']}."
                            + (f" Batas waktu: {_day(due)}." if due else ""),
                            task["id"], {"task": task["name"], "due_at": due.isoformat() if due else None}))
    return drafts


def escalated_drafts(tasks: Iterable[HumanTask]) -> list[Draft]:
    """Tell whoever held a task that a deadline has moved it on."""
    return [Draft({user_id}, "escalated", f"Tugas dieskalasi: {task.name}",
                  f"Batas waktu tugas '{task.name}' terlewati; tugas diteruskan sesuai proses.",
                  task.id, {"task": task.name})
            for task in tasks for user_id in [task.claimed_by_user_id or task.assignee_user_id] if user_id]


def decision_drafts(session: Session, subject_employee_id: Optional[int], before: dict[str, Any],
                    after: dict[str, Any]) -> list[Draft]:
    """Tell the employee about each decision whose outcome field changed in this step."""
    changed = [(key, label) for key, label in DECISION_FIELDS.items()
               if after.get(key) is not None and after.get(key) != before.get(key)]
    user_id = users_of_employees(session, {subject_employee_id}).get(subject_employee_id) if changed else None
    if user_id is None:
        return []
    return [Draft({user_id}, "decision_made", f"{label}: {_shown(after[key])}",
                  f"Keputusan baru tentang Anda. {label}: {_shown(after[key])}.",
                  None, {"decision": key, "value": after[key]})
            for key, label in changed]


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "disetujui" if value else "tidak disetujui"
    return str(value)


def users_of_employees(session: Session, employee_ids: set[Optional[int]]) -> dict[Optional[int], int]:
    """The active user of each employee that has one, by employee id."""
    ids = {i for i in employee_ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.employee_id, User.id)
                                .where(User.employee_id.in_(ids), User.active.is_(True))).all())


def _day(moment: datetime) -> str:
    return moment.strftime("%d-%m-%Y")


# -- reminders ------------------------------------------------------------------------------


def queue_reminders(kinerja: Kinerja, limit: int = 1000) -> dict[str, int]:
    """Queue 'due soon' and 'overdue' once per open task (``HumanTask.reminded`` records the
    stage reached, so a task whose holders muted the kind is not looked at again); returns
    how many tasks reached each stage. Rows another sweeper holds are skipped (PostgreSQL)."""
    counts = {}
    with kinerja.unit_of_work() as uow:
        now = uow.clock.now()
        for kind, window, earlier in (
                ("due_soon", (HumanTask.due_at > now, HumanTask.due_at <= now + DUE_SOON), ()),
                ("overdue", (HumanTask.due_at <= now,), ("due_soon",))):
            pending = HumanTask.reminded.is_(None) | HumanTask.reminded.in_(earlier)
            tasks = uow.session.scalars(select(HumanTask).where(HumanTask.status == "open", *window, pending)
                                        .order_by(HumanTask.due_at).limit(limit)
                                        .with_for_update(skip_locked=True)).all()
            holders = _holders(uow.session, tasks)
            queue(uow, [_reminder(kind, task, holders[task.id]) for task in tasks])
            for task in tasks:
                task.reminded = kind
            counts[kind] = len(tasks)
        uow.commit()
    return counts


def _holders(session: Session, tasks: list[HumanTask]) -> dict[int, set[int]]:
    """Who is responsible for each open task now: the claimer, the assignee or the group."""
    drafts = task_created_drafts(session, [
        {"id": t.id, "name": t.name, "assignee_user_id": t.claimed_by_user_id or t.assignee_user_id,
         "candidate_group": t.candidate_group, "due_at": t.due_at, "subject_employee_id": t.subject_employee_id}
        for t in tasks])
    return {draft.task_id: draft.user_ids for draft in drafts if draft.task_id is not None}


def _reminder(kind: str, task: HumanTask, users: set[int]) -> Draft:
    assert task.due_at is not None  # only tasks with a due date are reminded
    if kind == "due_soon":
        subject, body = (f"Segera jatuh tempo: {task.name}",
                         f"Tugas '{task.name}' jatuh tempo pada {_day(task.due_at)}.")
    else:
        subject, body = (f"Terlambat: {task.name}",
                         f"Tugas '{task.name}' melewati batas waktu {_day(task.due_at)}; mohon segera diselesaikan.")
    return Draft(users, kind, subject, body, task.id, {"task": task.name, "due_at": task.due_at.isoformat()})


# -- the reader's side ----------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    subject: str
    params: dict[str, Any]
    task_id: Optional[int]
    created_at: datetime
    read: bool


@dataclass(frozen=True)
class Preferences:
    email: Optional[str]
    muted_kinds: frozenset[str]
    email_delivery: str


def unread_count(kinerja: Kinerja, username: str) -> int:
    """Unread messages of a user, for the bell in the header."""
    with kinerja.reading() as uow:
        return uow.session.scalar(select(func.count(OutboxMessage.id)).join(User, User.id == OutboxMessage.user_id)
                                  .where(User.username == username, OutboxMessage.read_at.is_(None))) or 0


def list_notifications(kinerja: Kinerja, username: str, limit: int = 50,
                       unread_only: bool = False) -> list[NotificationView]:
    """The user's messages, newest first."""
    with kinerja.reading() as uow:
        query = select(OutboxMessage).where(OutboxMessage.user_id == load_user(uow.session, username).id)
        if unread_only:
            query = query.where(OutboxMessage.read_at.is_(None))
        rows = uow.session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)).all()
        return [NotificationView(r.id, r.kind, r.subject, dict(r.params or {}), r.task_id, r.created_at,
                                 r.read_at is not None) for r in rows]


def mark_read(kinerja: Kinerja, username: str, notification_id: Optional[int] = None) -> int:
    """Mark one message (or, without an id, all) of the user read; NotFound for someone
    else's message. Returns how many changed."""
    with kinerja.unit_of_work() as uow:
        user = load_user(uow.session, username)
        query = update(OutboxMessage).where(OutboxMessage.user_id == user.id, OutboxMessage.read_at.is_(None))
        if notification_id is not None:
            if uow.session.scalar(select(OutboxMessage.user_id).where(OutboxMessage.id == notification_id)) != user.id:
                raise NotFound(f"notification {notification_id} does not exist")
            query = query.where(OutboxMessage.id == notification_id)
        changed = uow.session.execute(query.values(read_at=uow.clock.now())).rowcount
        uow.commit()
        return changed


def preferences_of(kinerja: Kinerja, username: str) -> Preferences:
    with kinerja.reading() as uow:
        user = load_user(uow.session, username)
        stored = uow.session.get(NotificationPreference, user.id)
        return Preferences(user.email, frozenset(stored.muted_kinds if stored else ()),
                           stored.email_delivery if stored else "immediate")


def set_preferences(kinerja: Kinerja, username: str, muted_kinds: Iterable[str], email_delivery: str,
                    email: Optional[str]) -> Preferences:
    """Store what the user wants to receive and how; applies to messages queued from now on."""
    muted = sorted(set(muted_kinds))
    email = (email or "").strip() or None
    problems = [{"location": "muted_kinds", "message": f"unknown kind '{kind}'"} for kind in muted if kind not in KINDS]
    if email_delivery not in EMAIL_DELIVERIES:
        problems.append({"location": "email_delivery", "message": f"one of {', '.join(EMAIL_DELIVERIES)}"})
    if email is not None and (len(email) > 254 or "@" not in email.strip("@") or any(c.isspace() for c in email)):
        problems.append({"location": "email", "message": "not an email address"})
    if problems:
        raise ValidationFailed("the notification settings are not valid", problems)
    with kinerja.unit_of_work() as uow:
        user = load_user(uow.session, username)
        stored = uow.session.get(NotificationPreference, user.id) or NotificationPreference(user_id=user.id)
        stored.muted_kinds, stored.email_delivery = muted, email_delivery
        user.email = email
        uow.session.add(stored)
        uow.record(username, "notifications.preferences_changed",
                   {"muted_kinds": muted, "email_delivery": email_delivery, "email_set": email is not None})
        uow.commit()
    return Preferences(email, frozenset(muted), email_delivery)


