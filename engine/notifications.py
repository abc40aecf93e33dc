"""Notifications: an outbox table written in the same transaction as the task it reports,
delivered by email over SMTP (``KINERJA_SMTP_HOST``/``_PORT``/``_FROM``) by a sweep.

Delivery never loses a message: a failed send counts an attempt and schedules the next one
with exponential backoff; only a successful send sets ``sent_at``.
"""
from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Optional

from sqlalchemy import func, select

from .models import OutboxMessage, User
from .unit_of_work import UnitOfWork

if TYPE_CHECKING:  # services imports this module to queue messages
    from .services import Kinerja

BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str

    @classmethod
    def from_env(cls) -> Optional["SmtpSettings"]:
        """The SMTP server from the environment, or None when email is not configured."""
        host = os.environ.get("KINERJA_SMTP_HOST")
        if not host:
            return None
        return cls(host, int(os.environ.get("KINERJA_SMTP_PORT", "25")),
                   os.environ.get("KINERJA_SMTP_FROM", "kinerja@localhost"))


def notify_task_created(uow: UnitOfWork, task_id: int, name: str, assignee_user_id: Optional[int],
                        due_at: Optional[datetime]) -> None:
    """Queue a 'task assigned' message for a task's personal assignee (same transaction)."""
    if assignee_user_id is None:
        return
    now = uow.clock.now()
    uow.session.add(OutboxMessage(
        user_id=assignee_user_id, kind="task_assigned", subject=f"Tugas baru: {name}",
        body=f"Anda mendapat tugas baru: {name}." + (f" Batas waktu: {due_at:%Y-%m-%d}." if due_at else ""),
        task_id=task_id, created_at=now, attempts=0, next_attempt_at=now))


def unread_count(kinerja: Kinerja, username: str) -> int:
    """Unread messages of a user, for the bell in the header."""
    with kinerja.unit_of_work() as uow:
        return uow.session.scalar(select(func.count(OutboxMessage.id)).join(User, User.id == OutboxMessage.user_id)
                                  .where(User.username == username, OutboxMessage.read_at.is_(None))) or 0


def send_due(kinerja: Kinerja, smtp: SmtpSettings, limit: int = 100) -> int:
    """Email every message whose attempt is due; return how many were sent."""
    sent = 0
    with kinerja.unit_of_work() as uow:
        now = uow.clock.now()
        due = uow.session.execute(
            select(OutboxMessage, User.username).join(User, User.id == OutboxMessage.user_id)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id).limit(limit)).all()
        for message, username in due:
            email = EmailMessage()
            email["From"], email["To"], email["Subject"] = smtp.sender, f"{username}@{smtp.host}", message.subject
            email.set_content(message.body)
            try:
                with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
                    client.send_message(email)
            except (OSError, smtplib.SMTPException) as error:
                message.attempts += 1
                message.next_attempt_at = now + min(BACKOFF * 2 ** (message.attempts - 1), MAX_BACKOFF)
                message.last_error = str(error)[:500]
            else:
                message.attempts += 1
                message.sent_at = now
                sent += 1
            uow.commit()  # one message at a time: a crash never resends what was sent
    return sent
