"""The inbox's table: the filters each user saved (:mod:`engine.inbox_filters`)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UtcDateTime


class SavedInboxFilter(Base):
    """One named inbox view of one user: the tab, task type, sort and search it shows."""

    __tablename__ = "saved_inbox_filters"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)  # the inbox's query parameters, names as on the page
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
