"""Tables of the employee import (:mod:`engine.org_import`) and of account activation
(:mod:`engine.activation`).

An import is staged as one ``org_import_runs`` row holding the file's rows, so the preview
HR reads and the import HR then starts work on the same rows (nothing is uploaded twice),
and a large file's background flow can report its progress from the same row, as the
open-cycle flow does with ``cycle_runs``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UtcDateTime

IMPORT_STATUSES = ("staged", "queued", "running", "completed", "failed")


class OrgImportRun(Base):
    """One uploaded file: its rows, then the import's progress and summary."""

    __tablename__ = "org_import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="staged")  # one of IMPORT_STATUSES
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # ImportRow fields, in file order
    # Row indexes to write, supervisors first (fixed when the import starts), and how many are done.
    order: Mapped[Optional[list[int]]] = mapped_column(JSON)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # created, changed, unchanged, refused, moved
    finished_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    error: Mapped[Optional[str]] = mapped_column(String(2000))


class ActivationToken(Base):
    """A one-time link that lets an imported employee set the first password; only the
    SHA-256 of the token is kept, so the table alone opens no account."""

    __tablename__ = "activation_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
