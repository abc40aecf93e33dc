"""The notification sweep as a Prefect flow: reminders queued, email delivered, digests sent.

Runs on the same schedule as the timer sweep. Safe on several workers: reminder rows held
by another sweeper are skipped (PostgreSQL), and each email commits its own ``sent_at``.
"""
from __future__ import annotations

from typing import Optional

from prefect import flow

from engine.mail import SmtpSettings, notification_sweep

from .engine_access import kinerja_for


@flow(name="deliver-notifications", retries=1, retry_delay_seconds=5)
def deliver_notifications(database_url: Optional[str] = None) -> dict[str, int]:
    return notification_sweep(kinerja_for(database_url), SmtpSettings.from_env())
