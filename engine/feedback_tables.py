"""The supervisor's periodic feedback as a table (written by :mod:`engine.period_evaluation`,
read by :mod:`engine.evaluations`): *umpan balik berkelanjutan* per RHK and per BerAKHLAK
value, one row per piece of feedback in one period of the cycle's plan."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UtcDateTime

MAX_FEEDBACK = 2000


class UmpanBalik(Base):
    """One piece of the supervisor's feedback in one period: on one RHK (``rhk_id``) or on one
    BerAKHLAK value (``value_key``)."""

    __tablename__ = "umpan_balik"
    __table_args__ = (Index("ix_umpan_balik_employee_cycle_period", "employee_id", "cycle_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"))
    period: Mapped[int] = mapped_column(Integer)  # 1-based, in the cycle's period plan
    rhk_id: Mapped[Optional[int]] = mapped_column(ForeignKey("rhk.id"))
    value_key: Mapped[Optional[str]] = mapped_column(String(32))  # one of BERAKHLAK
    text: Mapped[str] = mapped_column(String(MAX_FEEDBACK))
    given_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    given_at: Mapped[datetime] = mapped_column(UtcDateTime)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("process_instances.id"))
