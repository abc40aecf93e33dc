"""Account activation: an imported employee's first password, set through a one-time link.

An import (:mod:`engine.org_import`) makes accounts without a password, which no sign-in
matches (:mod:`engine.accounts`). Each gets a token: the link is emailed through the
notification outbox (:mod:`engine.notifications`), the database keeps only the token's
SHA-256, and the token works once, until it expires. The new password keeps the same rules
as a changed one (:func:`engine.accounts.password_problems`).
"""
from __future__ import annotations

import hashlib
import os
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Optional

from sqlalchemy import delete, select
from werkzeug.security import generate_password_hash

from .accounts import password_problems
from .errors import NotFound, ValidationFailed
from .models import User
from .notifications import Draft
from .org_import_tables import ActivationToken
from .unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from .kinerja import Kinerja

ACTIVATION_VALIDITY = timedelta(days=14)
ACTIVATION_PATH = "/aktivasi/"  # the web page that takes the token (web/pages/activation.py)
ACTIVATION_KIND = "account_activation"  # an outbox kind nobody can mute: without it there is no account


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_activations(uow: UnitOfWork, users: list[User]) -> list[Draft]:
    """A new token for each user (earlier unused ones stop working) and the email drafts that
    carry the links, for the caller to queue in the same step."""
    if not users:
        return []
    now = uow.clock.now()
    uow.session.execute(delete(ActivationToken).where(ActivationToken.user_id.in_([u.id for u in users]),
                                                      ActivationToken.used_at.is_(None)))
    base = os.environ.get("KINERJA_BASE_URL", "").rstrip("/")
    drafts = []
    for user in users:
        token = secrets.token_urlsafe(32)
        uow.session.add(ActivationToken(user_id=user.id, token_hash=_digest(token), created_at=now,
                                        expires_at=now + ACTIVATION_VALIDITY))
        link = f"{base}{ACTIVATION_PATH}{token}"
        drafts.append(Draft({user.id}, ACTIVATION_KIND, "Aktivasi akun kinerja",
                            f"Akun kinerja Anda telah dibuat dengan nama pengguna {user.username}. "
                            f"Buat kata sandi Anda melalui tautan berikut (berlaku "
                            f"{ACTIVATION_VALIDITY.days} hari, sekali pakai):\n{link}",
                            None, {"username": user.username}))
    return drafts


def _live_token(uow: UnitOfWork, token: str) -> ActivationToken:
    found: Optional[ActivationToken] = uow.session.scalar(
        select(ActivationToken).where(ActivationToken.token_hash == _digest(token)))
    if found is None or found.used_at is not None or found.expires_at <= uow.clock.now():
        raise NotFound("the activation link is unknown, used or expired; ask HR for a new one")
    return found


def activation_username(kinerja: "Kinerja", token: str) -> str:
    """The user name a live token activates (NotFound for an unknown, used or expired one)."""
    with kinerja.reading() as uow:
        user = uow.session.get(User, _live_token(uow, token).user_id)
        assert user is not None
        return user.username


def activate_account(kinerja: "Kinerja", token: str, password: str) -> str:
    """Set the first password through a live token and use the token up; returns the user
    name. ``ValidationFailed`` names each broken password rule, as a password change does."""
    with kinerja.unit_of_work() as uow:
        found = _live_token(uow, token)
        user = uow.session.get(User, found.user_id)
        assert user is not None
        problems = password_problems(password, user.username, user.employee.nip if user.employee else None)
        if problems:
            raise ValidationFailed("; ".join(f"{p.field} ({p.rule}): {p.message}" for p in problems),
                                   [p.as_detail() for p in problems])
        user.password_hash = generate_password_hash(password)
        user.session_version += 1
        found.used_at = uow.clock.now()
        uow.record(user.username, "account.activated", {"username": user.username})
        uow.commit()
        return user.username
