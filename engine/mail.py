"""Email delivery of the notification outbox over SMTP (``KINERJA_SMTP_HOST``/``_PORT``/``_FROM``;
with ``KINERJA_BASE_URL`` a message about a task links to its page).

Delivery never loses a message: a failed send counts an attempt and schedules the next one
with exponential backoff; only a successful send sets ``sent_at``. Each message (or each
user's digest) commits on its own, so a crash never sends twice what was already sent.

Daily digests go out once a day from :data:`DIGEST_HOUR` (Asia/Jakarta): one email per user
with every digest message queued before that hour; later ones wait for the next day.
"""
from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select

from .models import OutboxMessage, User
from .notifications import queue_reminders

if TYPE_CHECKING:
    from .kinerja import Kinerja

BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)
LOCAL_ZONE = ZoneInfo("Asia/Jakarta")
DIGEST_HOUR = 7


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    app_url: Optional[str] = None  # the web app's public address, for links to tasks

    @classmethod
    def from_env(cls) -> Optional["SmtpSettings"]:
        """The SMTP server from the environment, or None when email is not configured."""
        host = os.environ.get("KINERJA_SMTP_HOST")
        if not host:
            return None
        return cls(host, int(os.environ.get("KINERJA_SMTP_PORT", "25")),
                   os.environ.get("KINERJA_SMTP_FROM", "kinerja@localhost"),
                   os.environ.get("KINERJA_BASE_URL", "").rstrip("/") or None)

    def text_of(self, message: OutboxMessage) -> str:
        """The message's body, with a link to its task when the app's address is known."""
        if self.app_url and message.task_id is not None:
            return f"{message.body}\nBuka: {self.app_url}/tasks/{message.task_id}"
        return message.body

    def send(self, to: str, subject: str, body: str) -> Optional[str]:
        """Send one email; the error text when it failed, None when it went out."""
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = self.sender, to, subject
        email.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=10) as client:
                client.send_message(email)
        except (OSError, smtplib.SMTPException) as error:
            return str(error)[:500] or type(error).__name__
        return None


def send_due(kinerja: Kinerja, smtp: SmtpSettings, limit: int = 100) -> int:
    """Email every 'immediate' message whose attempt is due; return how many were sent."""
    sent = 0
    with kinerja.unit_of_work() as uow:
        now = uow.clock.now()
        due = uow.session.execute(
            select(OutboxMessage, User.email).join(User, User.id == OutboxMessage.user_id)
            .where(OutboxMessage.delivery == "immediate", OutboxMessage.sent_at.is_(None),
                   OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id).limit(limit)).all()
        for message, address in due:
            if not address:  # the address was removed after queuing: keep it in-app only
                message.delivery = "none"
            else:
                sent += _settle([message], smtp.send(address, message.subject, smtp.text_of(message)), now)
            uow.commit()
    return sent


def send_digests(kinerja: Kinerja, smtp: SmtpSettings) -> int:
    """Send today's digest to every user with digest messages queued before today's digest
    hour; return how many digests went out (none before the hour)."""
    sent = 0
    with kinerja.unit_of_work() as uow:
        now = uow.clock.now()
        local = now.astimezone(LOCAL_ZONE)
        cutoff = datetime.combine(local.date(), time(DIGEST_HOUR), tzinfo=LOCAL_ZONE)
        if local < cutoff:
            return 0
        pending = select(OutboxMessage).where(
            OutboxMessage.delivery == "daily", OutboxMessage.sent_at.is_(None),
            OutboxMessage.created_at < cutoff, OutboxMessage.next_attempt_at <= now)
        user_ids = uow.session.scalars(pending.with_only_columns(OutboxMessage.user_id).distinct()).all()
        for user_id in user_ids:
            user = uow.session.get(User, user_id)
            messages = uow.session.scalars(pending.where(OutboxMessage.user_id == user_id)
                                           .order_by(OutboxMessage.id)).all()
            if user is None or not user.email:
                for message in messages:
                    message.delivery = "none"
            else:
                subject = f"Ringkasan harian kinerja: {len(messages)} pemberitahuan"
                body = "\n".join(f"- {m.subject}\n  {smtp.text_of(m)}" for m in messages)
                sent += _settle(messages, smtp.send(user.email, subject, body), now) > 0
            uow.commit()
    return sent


def _settle(messages: list[OutboxMessage], error: Optional[str], now: datetime) -> int:
    """Record one send attempt on the messages it carried; how many went out."""
    for message in messages:
        message.attempts += 1
        if error is None:
            message.sent_at = now
        else:
            message.next_attempt_at = now + min(BACKOFF * 2 ** (message.attempts - 1), MAX_BACKOFF)
            message.last_error = error
    return 0 if error else len(messages)


def notification_sweep(kinerja: Kinerja, smtp: Optional[SmtpSettings]) -> dict[str, int]:
    """One pass of the notification schedule: queue due-soon/overdue reminders, then email
    what is due (immediate messages and, from the digest hour, daily digests) when SMTP is
    configured; without SMTP, messages wait in the outbox and show in-app."""
    counts = queue_reminders(kinerja)
    if smtp is not None:
        counts["sent"] = send_due(kinerja, smtp)
        counts["digests"] = send_digests(kinerja, smtp)
    return counts
