"""The calibration's own table: each predikat HR or the PPK moved while calibrating a unit.

SE MenPANRB 3/2023 asks that a unit's set of predikat that breaks the distribution pattern
is reviewed as a whole before it is final; every change made in that review is a row here
(from, to, why, who, when) beside its ``predikat.calibrated`` audit event, so the
distribution report and the evaluation document can list them without reading the chain.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .evaluation_tables import MAX_REASON
from .models import Base, UtcDateTime


class Calibration(Base):
    """One predikat changed in a unit's calibration."""

    __tablename__ = "calibrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    from_predikat: Mapped[str] = mapped_column(String(24))
    to_predikat: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(MAX_REASON))
    by_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))  # None: an operator
    at: Mapped[datetime] = mapped_column(UtcDateTime)
