"""One transaction per step.

A :class:`UnitOfWork` owns a session and the audit events raised during the step; on
:meth:`commit` the events are chained onto the audit log and everything (instance state,
task and timer projections, audit rows) commits together or not at all.
"""
from __future__ import annotations

from types import TracebackType
from typing import Any, Optional

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from .audit import PendingEvent, append_events
from .clock import Clock
from .errors import Conflict


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self._session_factory = session_factory
        self.clock = clock
        self._events: list[PendingEvent] = []

    def __enter__(self) -> "UnitOfWork":
        self.session = self._session_factory()
        self._events = []
        return self

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
        # Translate a lost race wherever it surfaced (explicit flush, autoflush or commit).
        message = _lost_race_message(exc) if exc is not None else None
        if message is not None:
            raise Conflict(message) from exc

    def record(self, actor: str, action: str, data: dict[str, Any], *,
               instance_id: Optional[int] = None, task_id: Optional[int] = None) -> None:
        """Queue an audit event; it is written only if the step commits."""
        self._events.append(PendingEvent(self.clock.now(), actor, action, instance_id, task_id, data))

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        self.flush()
        append_events(self.session, self._events)
        self.session.commit()
        self._events = []


def _lost_race_message(error: BaseException) -> Optional[str]:
    """A message for errors that mean another step won, or None for any other error."""
    if isinstance(error, StaleDataError):
        return "the process instance was changed by someone else; reload and try again"
    if isinstance(error, IntegrityError):
        return "this collides with data stored meanwhile (a duplicate or a removed reference); reload and try again"
    if isinstance(error, OperationalError) and getattr(error.orig, "sqlstate", None) in {"40001", "40P01"}:
        return "a concurrent change collided with this one; try again"
    return None
