"""SQLAlchemy models: the database is the source of truth.

Groups of tables:
- org model: organisations, units, employees (with their supervisor), users and roles;
- definitions: immutable file versions (BPMN, DMN, forms) and deployments, each a full
  snapshot of which file versions are current, so an instance pins one deployment;
- runtime: process instances (serialized Spiff state + revision for optimistic locking),
  cycles, and the two projections the hot paths query: human tasks and timers;
- audit: the append-only, hash-chained event log, its head and signed checkpoints.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator):
    """Stores UTC without a zone and always hands back aware UTC datetimes.

    SQLite keeps no time zone, PostgreSQL would convert to the session zone; storing naive
    UTC and re-attaching UTC on the way out makes both behave alike.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    pass


MAX_COMPLETION_KEY = 200  # characters of an Idempotency-Key (a UUID is 36)


# --- org model ---------------------------------------------------------------------------


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"))


class Employee(Base):
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    nip: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200))
    # Pangkat/golongan ruang as SIASN carries it and the SKP and evaluation document print it
    # ("Penata Muda, III/a"); None until known.
    pangkat: Mapped[Optional[str]] = mapped_column(String(100))
    supervisor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employees.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # One of engine.org_import_rows.JENIS_JABATAN (jpt, administrator, pengawas, pelaksana,
    # fungsional), as SIASN carries it; None until known.
    jenis_jabatan: Mapped[Optional[str]] = mapped_column(String(16))

    unit: Mapped[Unit] = relationship()
    supervisor: Mapped[Optional["Employee"]] = relationship(remote_side=[id])


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    employee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employees.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[Optional[str]] = mapped_column(String(254))  # no address: notifications stay in-app
    # Raised by signing out, a password change or a token revocation: every browser session and
    # bearer token carries the version it was issued under and is refused once it is stale.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    employee: Mapped[Optional[Employee]] = relationship()
    roles: Mapped[list["UserRole"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}


class UserRole(Base):
    """Roles beyond what the org model implies (being someone's supervisor is implied)."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class LoginFailure(Base):
    """One refused sign-in, kept for the throttling window (:mod:`engine.login_throttle`).

    In the database rather than in a worker's memory, so every worker process counts the
    same attempts; ``account`` is the name that was tried (existing or not; cleared when the
    account signs in successfully), ``client`` the address the request came from."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_account", "account", "failed_at"),
                      Index("ix_login_failures_client", "client", "failed_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[Optional[str]] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- definitions -------------------------------------------------------------------------


class DefinitionVersion(Base):
    """One immutable version of one definition file (a BPMN, a DMN or a form)."""

    __tablename__ = "definition_versions"
    __table_args__ = (UniqueConstraint("kind", "name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # bpmn | dmn | form
    name: Mapped[str] = mapped_column(String(200))  # file stem, e.g. target_setting
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    provides: Mapped[list[str]] = mapped_column(JSON)  # process ids / decision ids / form key
    deployed_by: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Deployment(Base):
    """A snapshot of every current definition file version; instances pin one."""

    __tablename__ = "deployments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployed_by: Mapped[str] = mapped_column(String(64))
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    files: Mapped[list[DefinitionVersion]] = relationship(
        secondary="deployment_files", lazy="selectin", order_by=DefinitionVersion.id
    )


class DeploymentFile(Base):
    __tablename__ = "deployment_files"

    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"), primary_key=True)
    definition_version_id: Mapped[int] = mapped_column(
        ForeignKey("definition_versions.id"), primary_key=True
    )


# --- runtime -----------------------------------------------------------------------------


class Cycle(Base):
    """One organisation's evaluation year for one process."""

    __tablename__ = "cycles"
    __table_args__ = (UniqueConstraint("organisation_id", "year", "process_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int] = mapped_column(Integer)
    process_key: Mapped[str] = mapped_column(String(200))
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CycleRun(Base):
    """One request to open a cycle (a run of the open-cycle flow) and how it ended.

    Progress while it runs is counted from the instances themselves (each batch commits);
    this row says who asked, when, whether it is still going, and the final summary.
    """

    __tablename__ = "cycle_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | completed | failed
    finished_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    started: Mapped[Optional[int]] = mapped_column(Integer)  # instances this run started
    skipped: Mapped[Optional[int]] = mapped_column(Integer)  # employees who already had one
    failures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # employee_ids + reason per batch


class CycleReport(Base):
    """A predikat-distribution report of a cycle, with its exports, kept in the database so
    every web process can serve it whichever worker produced it."""

    __tablename__ = "cycle_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    units: Mapped[int] = mapped_column(Integer)
    flagged_units: Mapped[int] = mapped_column(Integer)  # units breaking a quota: calibration by HR
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # per unit: counts, shares, quotas, flags
    csv: Mapped[str] = mapped_column(Text)
    png: Mapped[bytes] = mapped_column(LargeBinary)


class ProcessInstance(Base):
    __tablename__ = "process_instances"
    __table_args__ = (UniqueConstraint("business_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"))
    process_key: Mapped[str] = mapped_column(String(200))
    business_key: Mapped[str] = mapped_column(String(200))
    cycle_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cycles.id"), index=True)
    subject_employee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employees.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | completed
    state: Mapped[str] = mapped_column(Text)  # Spiff state as JSON, without the specs
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    # Outcome fields (predikat, follow-up, ...) copied out of the workflow data, so reports
    # and next year's instance can read them without deserializing the state.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    subject: Mapped[Optional[Employee]] = relationship()

    __mapper_args__ = {"version_id_col": revision}


class HumanTask(Base):
    """Projection of a READY user task, so inbox queries never deserialize workflows."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        UniqueConstraint("instance_id", "spiff_task_id"),
        Index("ix_human_tasks_assignee_open", "assignee_user_id", "status", "due_at"),
        Index("ix_human_tasks_group_open", "candidate_group", "status", "due_at"),
        Index("ix_human_tasks_open_due", "status", "due_at"),  # the reminder sweep
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    task_key: Mapped[str] = mapped_column(String(200))  # BPMN element id
    name: Mapped[str] = mapped_column(String(300))
    process_key: Mapped[str] = mapped_column(String(200))  # process the task belongs to
    lane: Mapped[Optional[str]] = mapped_column(String(100))
    form_key: Mapped[Optional[str]] = mapped_column(String(200))
    subject_employee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employees.id"), index=True)
    assignee_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    candidate_group: Mapped[Optional[str]] = mapped_column(String(100))
    claimed_by_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | completed | cancelled
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    completed_by_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    # The completer's Idempotency-Key: a repeat of their request with it gets the original answer.
    completion_key: Mapped[Optional[str]] = mapped_column(String(MAX_COMPLETION_KEY))
    reminded: Mapped[Optional[str]] = mapped_column(String(16))  # None | due_soon | overdue (reminders sent)
    # The SKP version the task is about (engine.skp_tables): the one being drafted or approved,
    # or the agreed one an evaluation task was created under, so it keeps showing that version.
    skp_id: Mapped[Optional[int]] = mapped_column(ForeignKey("skp.id"))


class Timer(Base):
    """Projection of a waiting timer event with the due time the engine decided."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("instance_id", "spiff_task_id"),
        Index("ix_timers_waiting_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    event_key: Mapped[str] = mapped_column(String(200))  # BPMN element id of the timer event
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting | fired | cancelled
    fired_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)


# --- audit -------------------------------------------------------------------------------


class AuditEvent(Base):
    """Append-only and hash-chained; nothing in the application updates or deletes a row."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    instance_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    task_id: Mapped[Optional[int]] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """Single row holding the chain's last sequence number and hash.

    Appending locks this row, which serialises appends across processes and lets a
    verification notice a truncated tail.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signed copy of the chain head at one moment (HMAC with the audit key).

    The head row can be rewritten by whoever can delete the tail; a checkpoint cannot be
    forged without the key, so a chain that ends before a checkpoint was truncated.
    """

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(64))


# --- citizen feedback ----------------------------------------------------------------------


class ServiceFeedback(Base):
    """A citizen's rating of a unit's service (no account, no personal data kept).

    ``scores`` maps question key → 1..5; ``answer`` is the unit head's or HR's public reply.
    """

    __tablename__ = "service_feedback"
    __table_args__ = (Index("ix_service_feedback_unit_time", "unit_id", "submitted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    average: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[Optional[str]] = mapped_column(Text)
    answered_by: Mapped[Optional[str]] = mapped_column(String(64))
    answered_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)


class OutboxMessage(Base):
    """A notification for one user, written in the same transaction as the event it reports;
    email delivery retries with backoff (``attempts``/``next_attempt_at``) until ``sent_at``."""

    __tablename__ = "notification_outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # see engine.notifications.KINDS
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    task_id: Mapped[Optional[int]] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    # How email goes out, fixed when the message is queued from the user's preferences:
    # immediate | daily (in the next digest) | none (in-app only: no address or email off)
    delivery: Mapped[str] = mapped_column(String(16), default="immediate", server_default="immediate")
    # What the in-app list renders in the reader's language (subject/body are the email's text).
    params: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)


class NotificationPreference(Base):
    """What a user wants to hear about and how; users without a row get every kind, emailed
    immediately."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    muted_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    email_delivery: Mapped[str] = mapped_column(String(16), default="immediate")  # immediate | daily | off
