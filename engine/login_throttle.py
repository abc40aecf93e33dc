"""Login throttling that every worker process shares: refused sign-ins live in the database.

An in-memory limiter counts per process, so with four gunicorn workers an attacker gets four
times the budget (and a restart resets it). Here each refused attempt is a row in
``login_failures``; a sign-in is refused outright while the account, or the client address,
has reached its limit of failures within the window. Unknown account names count like real
ones, so the throttle does not tell which names exist. Two workers checking at the same
instant may each let one more attempt through: the limit is approximate by a handful, never
by a factor.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .errors import KinerjaError
from .models import LoginFailure

KEY_LENGTH = 64  # the columns' size: longer names cannot exist, longer addresses are not addresses


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many refused sign-ins an account and a client address may have within ``window``."""

    per_account: int = 10
    per_client: int = 50
    window: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.per_account < 1 or self.per_client < 1 or self.window <= timedelta(0):
            raise ValueError("login throttling needs limits of at least 1 and a positive window")


class TooManyAttempts(KinerjaError):
    """Too many refused sign-ins: ``retry_after`` seconds until the next attempt is heard."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


def check(session: Session, account: str, client: str, now: datetime, policy: ThrottlePolicy) -> None:
    """Raise :class:`TooManyAttempts` while ``account`` or ``client`` is at its limit."""
    for column, key, limit, what in ((LoginFailure.account, account, policy.per_account, "this account"),
                                     (LoginFailure.client, client, policy.per_client, "this address")):
        wait = _seconds_until_below_limit(session, column, key[:KEY_LENGTH], limit, now, policy.window)
        if wait is not None:
            raise TooManyAttempts(f"too many failed sign-ins for {what}; try again in {wait} seconds", wait)


def record_failure(session: Session, account: str, client: str, now: datetime, policy: ThrottlePolicy) -> None:
    """Count one refused sign-in, and forget the ones that left the window (the table stays small)."""
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at < now - policy.window))
    session.add(LoginFailure(account=account[:KEY_LENGTH], client=client[:KEY_LENGTH], failed_at=now))


def forget_account(session: Session, account: str) -> None:
    """A successful sign-in clears the account's count, not the address's: the failures stay,
    without the account, so one good password does not buy an address a fresh budget against
    other accounts."""
    session.execute(update(LoginFailure).where(LoginFailure.account == account[:KEY_LENGTH]).values(account=None))


def _seconds_until_below_limit(session: Session, column, key: str, limit: int,  # type: ignore[no-untyped-def]
                               now: datetime, window: timedelta) -> Optional[int]:
    """None below the limit; else when the ``limit``-th most recent failure leaves the window."""
    recent = list(session.scalars(
        select(LoginFailure.failed_at).where(column == key, LoginFailure.failed_at > now - window)
        .order_by(LoginFailure.failed_at.desc()).limit(limit)))
    if len(recent) < limit:
        return None
    return max(1, math.ceil((recent[-1] + window - now).total_seconds()))
