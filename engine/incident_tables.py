"""Incidents: steps that failed at run time and wait for someone to fix the cause.

A step that fails (a script error, a DMN table with no matching row, a sandbox limit) is
rolled back, so its instance stays at its last good state; the failure is kept as an
incident so that HR sees it, fixes the cause (deploys a corrected definition and moves the
instance to it) and retries — or cancels the instance with a reason. Camunda users know
the idea from Operate. Retrying many at once runs in the background; each such request is
an :class:`IncidentBatch` whose counters show how far it has got.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UtcDateTime

INCIDENT_KINDS = ("timer", "task")  # what failed: a timer's step, or a task's completion
INCIDENT_STATUSES = ("open", "resolved", "cancelled")
BATCH_STATUSES = ("queued", "running", "completed", "failed")  # failed: the run itself died
MAX_MESSAGE = 2000


class Incident(Base):
    """One failing step of one instance: while it keeps failing, one row counts the attempts."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_instance", "status", "instance_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"))
    kind: Mapped[str] = mapped_column(String(16))  # one of INCIDENT_KINDS
    element_id: Mapped[Optional[str]] = mapped_column(String(200))  # the BPMN/DMN element that failed
    message: Mapped[str] = mapped_column(String(MAX_MESSAGE))
    task_id: Mapped[Optional[int]] = mapped_column(ForeignKey("human_tasks.id"))
    # A failed completion's validated answer and who gave it, so that a retry can replay it.
    submitted: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    submitted_by: Mapped[Optional[str]] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")  # one of INCIDENT_STATUSES
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_failed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_failed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    closed_by: Mapped[Optional[str]] = mapped_column(String(64))
    resolution: Mapped[Optional[str]] = mapped_column(String(MAX_MESSAGE))


class IncidentBatch(Base):
    """One request to retry many incidents (a run of the retry-incidents flow) and its progress.

    ``done`` counts the incidents retried so far, ``failed`` those of them still failing (or
    refused: closed meanwhile), so ``done`` reaches ``total`` when the run is over; each
    entry of ``failures`` names an incident and why its retry did not resolve it."""

    __tablename__ = "incident_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None when an operator asked (the CLI reaches every organisation)
    organisation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisations.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # one of BATCH_STATUSES
    incident_ids: Mapped[list[int]] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # incident_id + message
    finished_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
