"""One transaction per step.

A :class:`UnitOfWork` owns a session and the audit events raised during the step; on
:meth:`commit` the events are chained onto the audit log and everything (instance state,
task and timer projections, audit rows) commits together or not at all.

Database errors are translated where they surface (session begin, query, flush, commit):
a lost race becomes :class:`~engine.errors.Conflict`, an unavailable database
:class:`~engine.errors.Unavailable` (:mod:`engine.availability`); other errors pass unchanged.
"""
from __future__ import annotations

from types import TracebackType
from typing import Any, Optional

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from .audit import PendingEvent, append_events
from .availability import as_unavailable
from .clock import Clock
from .errors import Conflict


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock, *, read_only: bool = False) -> None:
        """``read_only``: a unit of work for queries (:meth:`engine.kinerja.Kinerja.reading`);
        on SQLite its transaction takes no write lock, so committing it is a programming error."""
        self._session_factory = session_factory
        self.clock = clock
        self.read_only = read_only
        self._events: list[PendingEvent] = []

    def __enter__(self) -> "UnitOfWork":
        self.session = self._session_factory()
        self.session.info["clock"] = self.clock  # rules that depend on the day read it (engine.assignment)
        self._events = []
        return self

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        try:
            try:
                self.session.rollback()
            finally:
                self.session.close()
        except DBAPIError as cleanup_error:  # the connection died with the step
            if exc is None:
                raise _translated(cleanup_error) from cleanup_error
        if exc is not None:
            translated = _translated(exc)
            if translated is not exc:
                raise translated from exc

    def record(self, actor: str, action: str, data: dict[str, Any], *,
               instance_id: Optional[int] = None, task_id: Optional[int] = None) -> None:
        """Queue an audit event; it is written only if the step commits."""
        self._events.append(PendingEvent(self.clock.now(), actor, action, instance_id, task_id, data))

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a reading unit of work cannot commit; use kinerja.unit_of_work()")
        self.flush()
        append_events(self.session, self._events)
        self.session.commit()
        self._events = []


def _translated(error: BaseException) -> BaseException:
    """``error`` as the engine names it: a lost race as Conflict, an unavailable database as
    Unavailable (wherever it surfaced: explicit flush, autoflush, query or commit)."""
    message = _lost_race_message(error)
    if message is not None:
        return Conflict(message)
    return as_unavailable(error) or error


def _lost_race_message(error: BaseException) -> Optional[str]:
    """A message for errors that mean another step won, or None for any other error."""
    if isinstance(error, StaleDataError):
        return "the process instance was changed by someone else; reload and try again"
    if isinstance(error, IntegrityError):
        return "this collides with data stored meanwhile (a duplicate or a removed reference); reload and try again"
    if isinstance(error, OperationalError) and getattr(error.orig, "sqlstate", None) in {"40001", "40P01"}:
        return "a concurrent change collided with this one; try again"
    return None
