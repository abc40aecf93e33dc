"""Backup and restore: a consistent snapshot taken while kinerja writes, restored into a new
database, and an audit chain that verifies afterwards against the checkpoints kept outside
it — the ones made since the backup reported as superseded by the signed restore, a cut
made after the restore still caught."""
from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import make_url

from engine.database import make_engine
from engine.kinerja import Kinerja
from engine.models import AuditEvent, AuditHead, HumanTask
from kinerja_cli.main import cli
from tests.support import PG_URL, work_on

AUDIT_KEY = "kunci-audit-uji"


def run(database_url: str, *args: str, key: str | None = AUDIT_KEY) -> Result:
    return CliRunner().invoke(cli, ["--database-url", database_url, *args], env={"KINERJA_AUDIT_KEY": key or ""})


@pytest.fixture
def restore_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty database to restore into (a file, or a database in the same cluster)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"kinerja_restore_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _head(kinerja: Kinerja) -> int:
    with kinerja.reading() as uow:
        return uow.session.scalar(select(func.max(AuditEvent.seq))) or 0


def test_a_backup_taken_under_load_restores_and_verifies_against_the_kept_checkpoints(
        cycle: int, deployed: Kinerja, database_url: str, restore_url: str, tmp_path: Path) -> None:
    checkpoints, backup = tmp_path / "checkpoints.jsonl", tmp_path / "kinerja.backup"
    assert run(database_url, "audit", "checkpoint", "--file", str(checkpoints)).exit_code == 0

    load = threading.Thread(target=work_on, args=(deployed, 12))
    load.start()
    made = run(database_url, "backup", str(backup))
    load.join()
    assert made.exit_code == 0, made.output
    manifest = backup.with_name(backup.name + ".json").read_text()
    assert _head(deployed) > 0 and "head_seq" in manifest
    assert run(database_url, "audit", "checkpoint", "--file", str(checkpoints)).exit_code == 0  # after the backup
    live_head = _head(deployed)

    restored = run(restore_url, "restore", str(backup), "--reason", "Insiden 12: disk rusak",
                   "--checkpoint-file", str(checkpoints))
    assert restored.exit_code == 0, restored.output + restored.stderr
    copy = Kinerja(restore_url)
    try:
        backup_head = _head(copy) - 1  # the restore record follows the restored head
        assert backup_head < live_head
        with copy.reading() as uow:
            action, data = uow.session.execute(select(AuditEvent.action, AuditEvent.data)
                                               .order_by(AuditEvent.seq.desc()).limit(1)).one()
            open_tasks = uow.session.scalar(select(func.count()).select_from(HumanTask)
                                            .where(HumanTask.status == "open"))
        assert action == "database.restored" and data["restored_seq"] == backup_head
        assert data["reason"] == "Insiden 12: disk rusak" and open_tasks > 0  # the work restored is still to do
        verified = run(restore_url, "audit", "verify", "--checkpoint-file", str(checkpoints))
        assert verified.exit_code == 0, verified.stderr
        assert "1 restore(s) from backup recorded; 1 checkpoint(s) of the discarded timeline superseded" \
            in verified.output

        # A tail cut after the restore is still caught by the checkpoint signed at the restore.
        with copy.unit_of_work() as uow:
            kept_hash = uow.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == backup_head))
            uow.session.execute(delete(AuditEvent).where(AuditEvent.seq > backup_head))
            uow.session.execute(update(AuditHead).where(AuditHead.id == 1)
                                .values(last_seq=backup_head, last_hash=kept_hash))
            uow.session.commit()
        cut = run(restore_url, "audit", "verify", "--checkpoint-file", str(checkpoints))
        assert cut.exit_code == 1 and "its tail was removed" in cut.stderr
    finally:
        copy.dispose()


def test_a_restore_without_the_audit_key_does_not_excuse_the_cut(
        cycle: int, deployed: Kinerja, database_url: str, restore_url: str, tmp_path: Path) -> None:
    checkpoints, backup = tmp_path / "checkpoints.jsonl", tmp_path / "kinerja.backup"
    assert run(database_url, "backup", str(backup)).exit_code == 0
    work_on(deployed, 3)
    assert run(database_url, "audit", "checkpoint", "--file", str(checkpoints)).exit_code == 0
    unsigned = run(restore_url, "restore", str(backup), "--reason", "uji", key=None)
    assert unsigned.exit_code == 0 and "NOT signed" in unsigned.output
    result = run(restore_url, "audit", "verify", "--checkpoint-file", str(checkpoints))
    assert result.exit_code == 1 and "is not signed with the audit key" in result.stderr


def test_a_damaged_or_foreign_backup_is_refused(cycle: int, deployed: Kinerja, database_url: str,
                                                restore_url: str, tmp_path: Path) -> None:
    backup = tmp_path / "kinerja.backup"
    assert run(database_url, "backup", str(backup)).exit_code == 0
    again = run(database_url, "backup", str(backup))
    assert again.exit_code == 1 and "exists" in again.stderr
    assert run(restore_url, "restore", str(backup)).exit_code == 2  # --reason is required
    backup.write_bytes(backup.read_bytes()[:-10] + b"0123456789")
    damaged = run(restore_url, "restore", str(backup), "--reason", "uji")
    assert damaged.exit_code == 1 and "does not match its manifest" in damaged.stderr
