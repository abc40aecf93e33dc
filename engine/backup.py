"""Backing up and restoring kinerja's database, consistently, on both databases.

A plain copy of a SQLite file taken while kinerja runs misses what is still in its WAL
(the last completions and audit events), so a backup here is always a consistent
snapshot taken by the database itself:

- **SQLite**: the online backup API (``sqlite3.Connection.backup``), which copies pages
  under a read transaction while writers go on;
- **PostgreSQL**: ``pg_dump --format=custom`` on a snapshot exported from a repeatable-read
  transaction, the same transaction in which the audit head is read, so the manifest's head
  is exactly the dump's.

Each backup writes a manifest beside it (``<file>.json``: database kind, time, the audit
chain's head in the snapshot, the file's SHA-256). Restoring replaces the database with the
snapshot and then records the restore in the audit chain (:func:`record_restore`), signed
with the audit key, so checkpoints kept since the backup are recognised as belonging to the
discarded timeline instead of reporting the chain cut (see :mod:`engine.audit`).
docs/DEPLOYMENT.md gives the procedure.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from sqlalchemy import text
from sqlalchemy.engine import make_url

from .access import authorise
from .actors import Actor, actor_name
from .audit import GENESIS_HASH, RESTORED, Checkpoint, restore_record, write_checkpoint
from .errors import Conflict, ValidationFailed
from .kinerja import Kinerja
from .permissions import AUDIT

TOOL_TIMEOUT_S = 3600  # pg_dump / pg_restore of a large database


@dataclass(frozen=True)
class BackupManifest:
    """What a backup holds: its database kind, when it was taken, the audit chain's head in
    the snapshot, and the backup file's SHA-256."""

    database: str  # sqlite | postgresql
    created_at: str
    head_seq: int
    head_hash: str
    sha256: str

    def write_beside(self, backup: Path) -> Path:
        path = manifest_path(backup)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def read_beside(cls, backup: Path) -> "BackupManifest":
        path = manifest_path(backup)
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as error:
            raise ValidationFailed(f"{path}: not a kinerja backup manifest ({error})") from None


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".json")


def backup_database(kinerja: Kinerja, actor: Actor, target: Path) -> BackupManifest:
    """Write a consistent snapshot of the database to ``target`` and its manifest beside it."""
    with kinerja.reading() as uow:
        authorise(uow.session, actor, AUDIT)
        now = uow.clock.now()
    if target.exists():
        raise Conflict(f"{target} exists; choose a new file so that no backup is overwritten")
    url = make_url(kinerja.database_url)
    if url.get_backend_name() == "sqlite":
        seq, head_hash = _sqlite_backup(_sqlite_path(kinerja.database_url), target)
        kind = "sqlite"
    else:
        seq, head_hash = _postgres_backup(kinerja, target)
        kind = "postgresql"
    manifest = BackupManifest(kind, now.isoformat(), seq, head_hash, file_sha256(target))
    manifest.write_beside(target)
    return manifest


def restore_database(database_url: str, source: Path) -> BackupManifest:
    """Replace the database at ``database_url`` with the snapshot in ``source`` (checked
    against its manifest). Nothing may be using the database meanwhile: stop the servers
    and workers first. The caller records the restore (:func:`record_restore`) next."""
    manifest = BackupManifest.read_beside(source)
    if file_sha256(source) != manifest.sha256:
        raise ValidationFailed(f"{source} does not match its manifest (SHA-256 differs): the file is damaged")
    kind = "sqlite" if make_url(database_url).get_backend_name() == "sqlite" else "postgresql"
    if kind != manifest.database:
        raise ValidationFailed(f"{source} is a {manifest.database} backup; the database is {kind}")
    if kind == "sqlite":
        target = _sqlite_path(database_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as snapshot, sqlite3.connect(target) as database:
            snapshot.backup(database)
    else:
        _run_tool(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                   "--dbname", _libpq_url(database_url), str(source)])
    return manifest


def record_restore(kinerja: Kinerja, actor: Actor, manifest: BackupManifest, reason: str) -> Optional[Checkpoint]:
    """Record in the chain that it was restored from ``manifest``'s backup (signed when the
    audit key is configured), and sign a checkpoint over that record; the checkpoint, to be
    kept with the others outside the database (None without a key)."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("a restore needs a reason (which incident it answers)",
                               details=[{"field": "reason", "message": "wajib diisi"}])
    with kinerja.unit_of_work() as uow:
        authorise(uow.session, actor, AUDIT)
        record = restore_record(uow.session, kinerja.audit_key, uow.clock.now())
        if (record.seq, record.hash) != (manifest.head_seq, manifest.head_hash):
            raise Conflict(f"the database's audit head (event {record.seq}) is not the backup's "
                           f"(event {manifest.head_seq}); restore the backup first")
        uow.record(actor_name(actor), RESTORED, {**record.as_data(), "reason": reason[:2000],
                                                 "backup": {"created_at": manifest.created_at,
                                                            "sha256": manifest.sha256}})
        uow.commit()
    if not kinerja.audit_key:
        return None
    with kinerja.unit_of_work() as uow:
        checkpoint = write_checkpoint(uow.session, kinerja.audit_key, actor_name(actor), uow.clock.now())
        uow.commit()
        return checkpoint


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise ValidationFailed("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _sqlite_backup(source: Path, target: Path) -> tuple[int, str]:
    """Copy with the online backup API, then read the head from the copy itself."""
    with sqlite3.connect(source) as database, sqlite3.connect(target) as copy:
        database.backup(copy)
        row = copy.execute("SELECT last_seq, last_hash FROM audit_head WHERE id = 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def _postgres_backup(kinerja: Kinerja, target: Path) -> tuple[int, str]:
    """pg_dump on a snapshot exported by a repeatable-read transaction that also reads the head."""
    with kinerja.db.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            row = connection.execute(text("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")).first()
            _run_tool(["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--file", str(target),
                       _libpq_url(kinerja.database_url)])
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def _libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL as libpq tools read it (no ``+driver``)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run_tool(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise Conflict(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)")
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise Conflict(f"{command[0]} did not finish within {TOOL_TIMEOUT_S} s") from None
    if finished.returncode != 0:
        raise Conflict(f"{command[0]} failed: {finished.stderr.strip()[-2000:]}")
