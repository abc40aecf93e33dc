"""Readiness: can this process serve requests that change data, right now?

Liveness (``/healthz``) asks only whether the process answers; readiness (``/readyz``) asks
the things a load balancer needs before it sends traffic: the database answers, it accepts a
write (one made in a transaction that is rolled back, so nothing changes), its schema is at
the newest migration, and the disk that holds the data has room. Each check reports its own
result, so an operator sees which one failed.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from .availability import as_unavailable
from .database import schema_is_current
from .errors import KinerjaError
from .kinerja import Kinerja

DEFAULT_MIN_FREE_BYTES = 100 * 1024 * 1024


class Check(NamedTuple):
    """One check's result; ``detail`` says what was found, for the operator reading ``/readyz``."""

    ok: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    """Every check by name; ready only when all pass."""

    checks: dict[str, Check]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks.values())

    @property
    def failing(self) -> list[str]:
        return [name for name, check in self.checks.items() if not check.ok]


def readiness(kinerja: Kinerja, min_free_bytes: int = DEFAULT_MIN_FREE_BYTES) -> Readiness:
    """Run every check (none stops the others): ``database``, ``write``, ``migrations``, ``disk``."""
    return Readiness({
        "database": _checked(lambda: _answers(kinerja)),
        "write": _checked(lambda: _accepts_a_write(kinerja)),
        "migrations": _checked(lambda: _migrations_current(kinerja)),
        "disk": _checked(lambda: _disk_has_room(data_directory(kinerja), min_free_bytes)),
    })


def data_directory(kinerja: Kinerja) -> Path:
    """Where the data lives on this machine: the SQLite file's folder; for a database server
    (whose disk this process cannot see) the working directory, which holds ``var/``."""
    url = make_url(kinerja.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent
    return Path.cwd()


def _checked(check: Callable[[], Check]) -> Check:
    try:
        return check()
    except KinerjaError as refused:  # Unavailable, translated by the unit of work
        return Check(False, refused.message)
    except SQLAlchemyError as error:
        unavailable = as_unavailable(error)
        return Check(False, unavailable.message if unavailable else str(error).splitlines()[0])


def _answers(kinerja: Kinerja) -> Check:
    with kinerja.reading() as uow:
        uow.session.execute(text("SELECT 1"))
    return Check(True, "answers")


def _accepts_a_write(kinerja: Kinerja) -> Check:
    """Rewrite the schema version row onto itself inside a unit of work that never commits:
    the database must take the write (a write lock on SQLite, a row version on PostgreSQL),
    and the rollback leaves nothing behind."""
    with kinerja.unit_of_work() as uow:
        uow.session.execute(text("UPDATE alembic_version SET version_num = version_num"))
    return Check(True, "accepts a write (rolled back)")


def _migrations_current(kinerja: Kinerja) -> Check:
    with kinerja.reading() as uow:
        current = schema_is_current(uow.session.connection())
    return Check(current, "at the newest migration" if current else "migrations pending: run kinerja init-db")


def _disk_has_room(directory: Path, min_free_bytes: int) -> Check:
    free = shutil.disk_usage(directory).free
    detail = f"{free // (1024 * 1024)} MB free in {directory} (at least {min_free_bytes // (1024 * 1024)} MB needed)"
    return Check(free >= min_free_bytes, detail)
