"""Database engines and schema migrations for SQLite (embedded default) and PostgreSQL.

SQLite gets WAL, foreign keys and ``BEGIN IMMEDIATE`` transactions: a writer takes the
write lock when it begins instead of when it first writes, so two writers queue instead
of deadlocking on a lock upgrade. That makes SQLite a single-writer database, which the
engine relies on there; on PostgreSQL, row locks and the revision column do the job.
Sessions that only read (``Kinerja.reading``) begin a plain deferred transaction instead:
in WAL mode they read a snapshot and never wait on a writer.

A writer waits for the write lock at most ``KINERJA_SQLITE_BUSY_TIMEOUT_MS`` (default 5 s);
past it the step fails as :class:`~engine.errors.Unavailable` (a 503 with ``Retry-After``),
so a user learns quickly that the database is busy instead of watching a page hang. Long jobs
(opening a cycle) commit in batches, so they hold the lock for one batch at a time.
"""
from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DEFAULT_DATABASE_URL = "sqlite:///var/kinerja.sqlite3"
# Execution option of sessions that only read (see make_read_session_factory).
READ_ONLY = "kinerja_read_only"
BUSY_TIMEOUT_ENV = "KINERJA_SQLITE_BUSY_TIMEOUT_MS"
DEFAULT_BUSY_TIMEOUT_MS = 5000


def sqlite_busy_timeout_ms() -> int:
    """How long a SQLite writer waits for the write lock: ``KINERJA_SQLITE_BUSY_TIMEOUT_MS`` or 5000."""
    raw = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    return int(raw) if raw.isdigit() else DEFAULT_BUSY_TIMEOUT_MS


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        busy_timeout_ms = sqlite_busy_timeout_ms()
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000})
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        # A reader needs no write lock: in WAL mode it reads a snapshot while a step writes.
        read_only = connection.get_execution_options().get(READ_ONLY)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def make_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for queries only: on SQLite they begin a deferred transaction, so a long
    step that holds the write lock (a script running to its time limit) does not stall them."""
    return sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade_schema(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    command.upgrade(_alembic_config(engine), "head")


def schema_is_current(connection: Connection) -> bool:
    """Whether the database's schema is at the newest migration (what ``upgrade_schema`` would reach)."""
    heads = set(ScriptDirectory.from_config(_alembic_config(connection.engine)).get_heads())
    return set(MigrationContext.configure(connection).get_current_heads()) == heads
