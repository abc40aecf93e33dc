"""Which database errors mean "the database cannot serve this now", as opposed to a bug.

A request that meets an unreachable, shutting-down, locked, full or read-only database did
nothing wrong and changed nothing (the unit of work rolls back), so it gets
:class:`~engine.errors.Unavailable` (a 503 with ``Retry-After`` on the web), never a 500.
Everything else a driver raises stays what it is: an unexpected error.

The classification reads what the drivers report, not message texts where a code exists:

- PostgreSQL (psycopg): the SQLSTATE. Class 08 (connection exception), 57P01/57P02/57P03
  (the server shuts down, crashed, or is starting), class 53 (insufficient resources: disk
  full 53100, out of memory, too many connections) and 25006 (a read-only transaction, e.g. a
  standby or ``default_transaction_read_only``). A psycopg ``OperationalError`` without a
  SQLSTATE is a failure to connect or a connection lost mid-request.
- SQLite: the primary result code Python's ``sqlite3`` reports (``sqlite_errorcode``):
  BUSY/LOCKED (the write lock stayed taken past the busy timeout), FULL, READONLY, IOERR and
  CANTOPEN (the file or its directory went away or became unreadable).
- SQLAlchemy: a connection it invalidated (a disconnect it detected) and a pool that had no
  connection to give within its timeout.
"""
from __future__ import annotations

import sqlite3
from typing import Optional

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .errors import Unavailable

# Why the database is unavailable, and how many seconds a client should wait before retrying.
UNREACHABLE, BUSY, FULL, READ_ONLY = "unreachable", "busy", "disk_full", "read_only"
RETRY_AFTER_SECONDS = {UNREACHABLE: 10, BUSY: 2, FULL: 60, READ_ONLY: 60}
MESSAGES = {
    UNREACHABLE: "the database cannot be reached right now; try again shortly",
    BUSY: "the database is busy with other changes; try again shortly",
    FULL: "the database has no room left to store changes; try again later",
    READ_ONLY: "the database accepts no changes right now; try again later",
}

_PG_STATES = {"57P01": UNREACHABLE, "57P02": UNREACHABLE, "57P03": UNREACHABLE,
              "53100": FULL, "25006": READ_ONLY}
_PG_CLASSES = {"08": UNREACHABLE, "53": BUSY}
_SQLITE_CODES = {sqlite3.SQLITE_BUSY: BUSY, sqlite3.SQLITE_LOCKED: BUSY, sqlite3.SQLITE_FULL: FULL,
                 sqlite3.SQLITE_READONLY: READ_ONLY, sqlite3.SQLITE_IOERR: UNREACHABLE,
                 sqlite3.SQLITE_CANTOPEN: UNREACHABLE}


def unavailable_reason(error: BaseException) -> Optional[str]:
    """The reason (:data:`UNREACHABLE`, :data:`BUSY`, :data:`FULL`, :data:`READ_ONLY`) when
    ``error`` means the database cannot serve requests right now; None for any other error."""
    if isinstance(error, PoolTimeout):
        return BUSY
    if not isinstance(error, DBAPIError):
        return None
    original = error.orig
    sqlite_code = getattr(original, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return _SQLITE_CODES.get(sqlite_code & 0xFF)
    state = getattr(original, "sqlstate", None)
    if state:
        return _PG_STATES.get(state) or _PG_CLASSES.get(state[:2])
    if error.connection_invalidated:
        return UNREACHABLE
    if type(original).__name__ == "OperationalError" and type(original).__module__.startswith("psycopg"):
        return UNREACHABLE  # no SQLSTATE: the client could not connect, or lost the connection
    return None


def as_unavailable(error: BaseException) -> Optional[Unavailable]:
    """:class:`Unavailable` for an error that means the database is unavailable, else None."""
    reason = unavailable_reason(error)
    if reason is None:
        return None
    return Unavailable(MESSAGES[reason], details={"reason": reason}, retry_after=RETRY_AFTER_SECONDS[reason])
