"""The engine's handle: one per process, shared by threads.

A :class:`Kinerja` holds what every use case needs and nothing that decides: the database
and its session factories, the clock, the audit key, the cache of parsed definitions and
the evidence and document storages.
The behaviours themselves are module functions of one shape, ``verb(kinerja, actor, ...)``,
grouped by subject (:mod:`engine.tasks`, :mod:`engine.cycles`, ...); docs/ARCHITECTURE.md
lists them all.
"""
from __future__ import annotations

from typing import Optional

from .clock import Clock, SystemClock
from .database import make_engine, make_read_session_factory, make_session_factory, upgrade_schema
from .definition_cache import DefinitionCache
from .evidence_storage import EvidenceStorage, documents_storage_from_environment, storage_from_environment
from .schema import METADATA  # noqa: F401 - every table is mapped before the first unit of work
from .unit_of_work import UnitOfWork


class Kinerja:
    def __init__(self, database_url: str, clock: Optional[Clock] = None, audit_key: Optional[str] = None,
                 evidence_storage: Optional[EvidenceStorage] = None,
                 documents_storage: Optional[EvidenceStorage] = None) -> None:
        """``audit_key``: the secret that signs audit checkpoints (``KINERJA_AUDIT_KEY``); kept
        out of the database so that whoever can rewrite the audit tables cannot forge one.
        ``evidence_storage``: where evidence files go (default: ``KINERJA_EVIDENCE_DIR``);
        ``documents_storage``: the rendered PDFs and bulk ZIPs (default: ``KINERJA_DOCUMENTS_DIR``)."""
        self.database_url = database_url
        self.audit_key = audit_key
        self.db = make_engine(database_url)
        self.session_factory = make_session_factory(self.db)
        self._read_session_factory = make_read_session_factory(self.db)
        self.clock = clock or SystemClock()
        self.definitions = DefinitionCache()
        self.evidence = evidence_storage or storage_from_environment()
        self.documents = documents_storage or documents_storage_from_environment()

    def init_db(self) -> None:
        upgrade_schema(self.db)

    def unit_of_work(self) -> UnitOfWork:
        """One transaction: everything a use case changes commits together or not at all."""
        return UnitOfWork(self.session_factory, self.clock)

    def reading(self) -> UnitOfWork:
        """A unit of work for queries only: on SQLite it reads a snapshot without waiting for a
        writer (a deferred transaction); it cannot commit."""
        return UnitOfWork(self._read_session_factory, self.clock, read_only=True)

    def dispose(self) -> None:
        self.db.dispose()
