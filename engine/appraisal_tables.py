"""The annual appraisal's own tables: the 360 input of several raters, and the objection with
its hearing and decision.

PP 30/2019 Pasal 41(4) lets the Pejabat Penilai take input from peers at the same level and
from the employee's subordinates; kinerja asks several of each (how many is a cycle setting,
``raters``), one row per rater. A rater who has not answered when the deadline passes is
*skipped*, with the time, never waited for. The employee and the Pejabat Penilai read the
rows only pooled (:func:`engine.appraisal_input.pooled_input`): counts per value and scale,
comments without names.

An objection (keberatan, PermenPANRB 6/2022) is one row per filing: the employee's reason,
the hearing the supervisor's supervisor holds (questions to the rater and the employee,
their explanations or the fact that none came), and the final decision with its reason.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .evaluation_tables import MAX_REASON
from .models import Base, UtcDateTime

RELATIONS = ("peer", "subordinate")
INPUT_STATUSES = ("pending", "submitted", "skipped")
HEARING_RESPONSES = ("given", "skipped")  # skipped: no explanation by the deadline
OBJECTION_OUTCOMES = ("upheld", "rejected", "lapsed")  # lapsed: nobody decided in time, the predikat stays


class AppraisalInput(Base):
    """One rater's 360 input on one employee's annual appraisal."""

    __tablename__ = "appraisal_inputs"
    __table_args__ = (UniqueConstraint("instance_id", "rater_employee_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))  # the employee appraised
    cycle_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cycles.id"))
    rater_employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    relation: Mapped[str] = mapped_column(String(16))  # one of RELATIONS
    status: Mapped[str] = mapped_column(String(16), default="pending")  # one of INPUT_STATUSES
    ratings: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)  # BerAKHLAK value → rating
    comment: Mapped[Optional[str]] = mapped_column(String(MAX_REASON))
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    skipped_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)


class Objection(Base):
    """One objection to an annual predikat, from filing to the final decision."""

    __tablename__ = "appraisal_objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    evaluation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("evaluations.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    reason: Mapped[str] = mapped_column(String(MAX_REASON))
    original_predikat: Mapped[Optional[str]] = mapped_column(String(24))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    question_to_rater: Mapped[Optional[str]] = mapped_column(String(MAX_REASON))
    question_to_employee: Mapped[Optional[str]] = mapped_column(String(MAX_REASON))
    heard_by_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    heard_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    rater_response: Mapped[Optional[str]] = mapped_column(String(16))  # one of HEARING_RESPONSES
    rater_explanation: Mapped[Optional[str]] = mapped_column(String(MAX_REASON))
    rater_explained_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    employee_response: Mapped[Optional[str]] = mapped_column(String(16))
    employee_explanation: Mapped[Optional[str]] = mapped_column(String(MAX_REASON))
    employee_explained_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    outcome: Mapped[Optional[str]] = mapped_column(String(16))  # one of OBJECTION_OUTCOMES
    decision_reason: Mapped[Optional[str]] = mapped_column(String(MAX_REASON))
    decided_by_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    final_predikat: Mapped[Optional[str]] = mapped_column(String(24))
