"""Accounts: signing in, ending sessions everywhere, and changing a password under a policy.

Signing in is throttled through the database (:mod:`engine.login_throttle`) so that every
worker process counts the same failures, and it costs one password-hash check whatever the
outcome: an unknown name is checked against a dummy hash, so the response time does not tell
which names exist. An account with no password hash cannot sign in at all.

Every user has a ``session_version``. A browser session and a bearer token carry the version
they were issued under; :func:`signed_in_user` refuses a stale one. Signing out, revoking
tokens and changing the password raise the version, which ends every session and token of the
user at once, in every worker, without a token store.
"""
from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from . import login_throttle
from .access import UserProfile, active_user, load_user, profile_of
from .errors import KinerjaError, ValidationFailed
from .login_throttle import ThrottlePolicy
from .models import User

if TYPE_CHECKING:
    from .kinerja import Kinerja

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
# Shorter user names ("hr") occur inside ordinary words; forbidding them inside passwords
# would refuse good passwords without making any guess harder.
MIN_NAME_LENGTH_CHECKED = 4
USERNAME_LENGTH = 64  # users.username: a longer name cannot exist
# Longer than any password the policy accepts, with room for old ones; a longer "password"
# (the request limit allows megabytes) is refused without hashing it.
SIGN_IN_PASSWORD_LENGTH = 1024


@dataclass(frozen=True)
class SignedIn:
    username: str
    session_version: int


@dataclass(frozen=True)
class PasswordProblem:
    """One broken rule: ``field`` is the input it concerns, ``rule`` a stable name for it."""

    field: str
    rule: str
    message: str

    def as_detail(self) -> dict[str, str]:
        return {"location": self.field, "rule": self.rule, "message": self.message}


class SessionEnded(KinerjaError):
    """The browser session or token was issued before the user signed out, changed the
    password or revoked their tokens."""

    code = "session_ended"


def sign_in(kinerja: "Kinerja", username: str, password: str, client: str,
            policy: ThrottlePolicy = ThrottlePolicy()) -> Optional[SignedIn]:
    """The account if ``password`` is right; None if not (the failure is counted).

    Raises :class:`~engine.login_throttle.TooManyAttempts` while the account or the client
    address ``client`` has used up its failures, without looking at the password."""
    with kinerja.unit_of_work() as uow:
        now = uow.clock.now()
        login_throttle.check(uow.session, username, client, now, policy)
        user = active_user(uow.session, username) \
            if len(username) <= USERNAME_LENGTH else None
        stored_hash = user.password_hash if user is not None else ""
        # Exactly one hash check on every path: unknown names and password-less accounts are
        # checked against a dummy hash, so they cost the same time as a wrong password; an
        # over-long password costs the check of an empty one.
        too_long = len(password) > SIGN_IN_PASSWORD_LENGTH
        matches = check_password_hash(stored_hash or _dummy_hash(), "" if too_long else password)
        if user is None or not stored_hash or not password or too_long or not matches:
            login_throttle.record_failure(uow.session, username, client, now, policy)
            uow.commit()
            return None
        login_throttle.forget_account(uow.session, username)
        uow.commit()
        return SignedIn(user.username, user.session_version)


def signed_in_user(session: Session, username: str, session_version: Optional[int]) -> User:
    """The active user of a browser session or token issued under ``session_version``.

    Raises ``NotFound`` for a missing or inactive user and :class:`SessionEnded` for a
    session or token the user has since ended."""
    user = load_user(session, username)
    if session_version is None or user.session_version != session_version:
        raise SessionEnded("the session has ended (signed out, password changed or tokens revoked); sign in again")
    return user


def signed_in_profile(kinerja: "Kinerja", username: str, session_version: Optional[int]) -> UserProfile:
    """:func:`signed_in_user` as the profile the API authorises with, in one unit of work."""
    with kinerja.reading() as uow:
        return profile_of(uow.session, signed_in_user(uow.session, username, session_version))


def end_sessions(kinerja: "Kinerja", username: str, reason: str) -> int:
    """End every browser session and token of the user (``reason``: ``sign_out`` or
    ``revoke``, for the audit trail); return the new session version."""
    with kinerja.unit_of_work() as uow:
        user = load_user(uow.session, username)
        user.session_version += 1
        uow.record(username, "account.sessions_ended", {"username": username, "reason": reason})
        uow.commit()
        return user.session_version


def change_password(kinerja: "Kinerja", username: str, current_password: str, new_password: str) -> int:
    """Set a new password if the current one is right and the new one keeps the policy.

    Ends every other session and token (the version goes up); returns the new version, so the
    caller's own session can carry on. Raises ``ValidationFailed`` whose details name each
    broken rule (``current_password``, ``min_length``, ``max_length``, ``contains_username``,
    ``contains_nip``, ``common_password``)."""
    with kinerja.unit_of_work() as uow:
        user = load_user(uow.session, username)
        problems: list[PasswordProblem] = []
        if not user.password_hash or not check_password_hash(user.password_hash, current_password):
            problems.append(PasswordProblem("current_password", "current_password", "the current password is wrong"))
        problems += password_problems(new_password, user.username, user.employee.nip if user.employee else None)
        if problems:
            raise ValidationFailed("; ".join(f"{p.field} ({p.rule}): {p.message}" for p in problems),
                                   [p.as_detail() for p in problems])
        user.password_hash = generate_password_hash(new_password)
        user.session_version += 1
        uow.record(username, "account.password_changed", {"username": username})
        uow.commit()
        return user.session_version


def password_problems(password: str, username: str, nip: Optional[str]) -> list[PasswordProblem]:
    """What is wrong with ``password`` as a new password for this user (empty: nothing)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(PasswordProblem("new_password", "min_length",
                                        f"the new password needs at least {MIN_PASSWORD_LENGTH} characters"))
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(PasswordProblem("new_password", "max_length",
                                        f"the new password may have at most {MAX_PASSWORD_LENGTH} characters"))
    lowered = password.lower()
    for rule, name, what in (("contains_username", username, "user name"), ("contains_nip", nip, "NIP")):
        if name and len(name) >= MIN_NAME_LENGTH_CHECKED and name.lower() in lowered:
            problems.append(PasswordProblem("new_password", rule, f"the new password must not contain your {what}"))
    if lowered in _common_passwords():
        problems.append(PasswordProblem("new_password", "common_password",
                                        "the new password is one of the most common passwords"))
    return problems


@functools.cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of leaked password lists, as zxcvbn ships them
    (imported on first use: zxcvbn takes a quarter of a second to import)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, made with the same method and cost as real ones."""
    return generate_password_hash(secrets.token_urlsafe(16))
