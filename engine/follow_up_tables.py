"""The follow-up (tindak lanjut) as tables: each PPK decision on a proposal, and what coaching
recorded.

PermenPANRB 6/2022 (tindak lanjut hasil evaluasi kinerja) and PP 30/2019 Pasal 56–58 shape
them: every proposal — the annual one the DMN table ``tindak_lanjut_kinerja`` makes of the
predikat, and the transfer proposal at the end of the improvement path — is decided by the
PPK, who approves, rejects, or chooses another follow-up with a reason. A decision row keeps
the proposal next to the decision and the follow-up then in force, with the tunjangan
kinerja percentage that applied. Coaching keeps the employee's feedback (form B.1.8), the
competency evaluation after coaching (form B.1.9) and the follow-up review with its training
recommendations, one row each, as the forms were answered. The form steps of
:mod:`engine.follow_up` write these rows in the transaction of the step.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UtcDateTime

MAX_REASON = 2000
DECISIONS = ("approve", "reject", "other")  # the PPK's three answers to a proposal
STAGES = ("annual", "transfer")  # the annual follow-up proposal; the PP 30 transfer proposal
COACHING_KINDS = ("feedback_b18", "competency_b19", "followup_review")


class FollowUpDecision(Base):
    """One PPK decision on one follow-up proposal about one employee in one cycle."""

    __tablename__ = "follow_up_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    cycle_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cycles.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"))
    stage: Mapped[str] = mapped_column(String(16))  # one of STAGES
    predikat: Mapped[Optional[str]] = mapped_column(String(24))
    proposal: Mapped[str] = mapped_column(String(64))  # the proposed follow-up code
    decision: Mapped[str] = mapped_column(String(16))  # one of DECISIONS
    chosen_follow_up: Mapped[str] = mapped_column(String(64))  # the follow-up in force after the decision
    reason: Mapped[Optional[str]] = mapped_column(String(MAX_REASON))  # required unless approved
    tunjangan_percentage: Mapped[Optional[int]] = mapped_column(Integer)  # of the tunjangan kinerja
    decided_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CoachingRecord(Base):
    """One answered coaching form (B.1.8 feedback, B.1.9 competency evaluation, follow-up review)."""

    __tablename__ = "coaching_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    cycle_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cycles.id"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"))
    kind: Mapped[str] = mapped_column(String(24))  # one of COACHING_KINDS
    content: Mapped[dict[str, Any]] = mapped_column(JSON)  # the form's answer as validated
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
