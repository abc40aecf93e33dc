"""The append-only, hash-chained audit log.

Each event's hash covers its own fields and the previous event's hash, so changing or
deleting any row breaks every link after it. The ``audit_head`` row records the last
sequence number and hash: appending locks it (serialising writers on PostgreSQL; SQLite
has a single writer anyway), and verifying compares the table's tail against it, so a
truncated tail is noticed too.

Whoever can delete the tail can also rewrite the head, so ``audit_checkpoints`` keeps
signed copies of the head (HMAC-SHA256 with the audit key, which the database does not
hold): a chain that ends before, or differs at, a checkpoint was cut or rewritten.
Checkpoints can also be kept outside the database (a file, as JSON lines) and handed to
:func:`verify_chain`, so deleting the checkpoint rows does not hide a truncation either.

Restoring a backup legitimately cuts the tail: the checkpoints kept since the backup now
point past the chain's end (or at events that will be written again differently). The
restore is therefore itself recorded, signed like a checkpoint: a ``database.restored``
event right after the restored head, whose :class:`RestoreRecord` says "the chain was
restored at head N at time T". Checkpoints made before T beyond N belong to the discarded
timeline; verification reports them as superseded instead of failing. Nothing else is
excused: a tail cut after the restore still fails against the checkpoint written then, and
a restore record needs the audit key to be believed.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Optional

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .errors import ValidationFailed
from .models import AuditCheckpoint, AuditEvent, AuditHead

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """One byte-exact JSON spelling per value, so hashes do not depend on dict order."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(prev_hash: str, seq: int, occurred_at: datetime, actor: str, action: str,
               instance_id: Optional[int], task_id: Optional[int], data: Any) -> str:
    payload = canonical_json([seq, occurred_at.isoformat(), actor, action, instance_id, task_id, data])
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PendingEvent:
    occurred_at: datetime
    actor: str
    action: str
    instance_id: Optional[int]
    task_id: Optional[int]
    data: dict[str, Any]


def append_events(session: Session, events: Iterable[PendingEvent]) -> None:
    """Chain ``events`` onto the log inside the caller's transaction."""
    events = list(events)
    if not events:
        return
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_seq=0, last_hash=GENESIS_HASH)
        session.add(head)
    seq, prev_hash = head.last_seq, head.last_hash
    rows = []
    for event in events:
        seq += 1
        # Round-trip the data through JSON so the hash covers exactly what is stored.
        data = json.loads(canonical_json(event.data))
        digest = event_hash(prev_hash, seq, event.occurred_at, event.actor, event.action,
                            event.instance_id, event.task_id, data)
        rows.append({"seq": seq, "occurred_at": event.occurred_at, "actor": event.actor, "action": event.action,
                     "instance_id": event.instance_id, "task_id": event.task_id, "data": data,
                     "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    # One executemany for the whole step: opening a cycle appends thousands of events at once.
    session.execute(insert(AuditEvent.__table__), rows)
    head.last_seq, head.last_hash = seq, prev_hash


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    events_checked: int
    first_bad_seq: Optional[int] = None
    problem: Optional[str] = None
    checkpoints_checked: int = 0
    checkpoints_superseded: int = 0  # made on a timeline a recorded restore discarded
    restores: int = 0


@dataclass(frozen=True)
class Checkpoint:
    """The chain head at ``created_at``, signed; also the JSON-lines record of a checkpoint file."""

    seq: int
    hash: str
    created_at: datetime
    created_by: str
    signature: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "created_at": self.created_at.isoformat(),
                "created_by": self.created_by, "signature": self.signature}

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> "Checkpoint":
        try:
            return cls(int(value["seq"]), str(value["hash"]), datetime.fromisoformat(value["created_at"]),
                       str(value["created_by"]), str(value["signature"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ValidationFailed(f"not a checkpoint record: {error}") from None


def checkpoint_signature(key: str, seq: int, head_hash: str, created_at: datetime, kind: str = "head") -> str:
    """HMAC-SHA256 of a checkpoint (``head``) or a restore record (``restore``): the kind is
    signed too, so a checkpoint can never be passed off as a restore."""
    fields = [seq, head_hash, created_at.isoformat()] if kind == "head" else [kind, seq, head_hash,
                                                                               created_at.isoformat()]
    return hmac.new(key.encode("utf-8"), canonical_json(fields).encode("utf-8"), hashlib.sha256).hexdigest()


RESTORED = "database.restored"  # the audit action of a restore record
_NOTHING_BEYOND = 2 ** 62  # the head of an unreadable restore record: it excuses no checkpoint


@dataclass(frozen=True)
class RestoreRecord:
    """The chain was restored from a backup at head ``seq``/``hash`` at ``restored_at``."""

    seq: int
    hash: str
    restored_at: datetime
    signature: str

    def as_data(self) -> dict[str, Any]:
        return {"restored_seq": self.seq, "restored_hash": self.hash,
                "restored_at": self.restored_at.isoformat(), "signature": self.signature}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Optional["RestoreRecord"]:
        try:
            return cls(int(data["restored_seq"]), str(data["restored_hash"]),
                       datetime.fromisoformat(data["restored_at"]), str(data["signature"]))
        except (KeyError, TypeError, ValueError):
            return None

    def supersedes(self, checkpoint: "Checkpoint") -> bool:
        """Whether ``checkpoint`` belongs to the timeline this restore discarded."""
        return checkpoint.created_at < self.restored_at and checkpoint.seq > self.seq

    def is_signed_by(self, key: str) -> bool:
        return hmac.compare_digest(self.signature, checkpoint_signature(key, self.seq, self.hash,
                                                                        self.restored_at, "restore"))


def restore_record(session: Session, key: Optional[str], now: datetime) -> RestoreRecord:
    """The record of a restore that has just put the chain back at its current head."""
    head = session.get(AuditHead, 1)
    seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    signature = checkpoint_signature(key, seq, head_hash, now, "restore") if key else ""
    return RestoreRecord(seq, head_hash, now, signature)


def write_checkpoint(session: Session, key: str, actor: str, now: datetime) -> Checkpoint:
    """Sign the current head and store it (in the caller's transaction)."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    checkpoint = Checkpoint(seq, head_hash, now, actor, checkpoint_signature(key, seq, head_hash, now))
    session.add(AuditCheckpoint(seq=seq, hash=head_hash, created_at=now, created_by=actor,
                                signature=checkpoint.signature))
    return checkpoint


def stored_checkpoints(session: Session) -> list[Checkpoint]:
    return [Checkpoint(row.seq, row.hash, row.created_at, row.created_by, row.signature)
            for row in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))]


def verify_chain(session: Session, batch_size: int = 1000, key: Optional[str] = None,
                 extra_checkpoints: Iterable[Checkpoint] = (), through: Optional[int] = None) -> VerificationResult:
    """Walk the whole chain in sequence order and report the first broken link.

    Checkpoints (stored ones and ``extra_checkpoints``, e.g. from a file) must match the
    chain; with ``key`` their signatures are checked too, without it they are trusted.
    ``through``: only the chain's prefix up to that event (what a printed document rests
    on): its links, hashes and the checkpoints within it, not the head.
    """
    checkpoints = [*stored_checkpoints(session), *extra_checkpoints]
    if key is not None:
        for checkpoint in checkpoints:
            if not hmac.compare_digest(checkpoint.signature, checkpoint_signature(
                    key, checkpoint.seq, checkpoint.hash, checkpoint.created_at)):
                return VerificationResult(False, 0, checkpoint.seq,
                                          f"the checkpoint of event {checkpoint.seq} made "
                                          f"{checkpoint.created_at.isoformat()} has an invalid signature")
    restores = _restore_records(session)
    if key is not None:
        for record in restores:
            if not record.is_signed_by(key):
                return VerificationResult(False, 0, record.seq + 1,
                                          f"the restore recorded after event {record.seq} at "
                                          f"{record.restored_at.isoformat()} is not signed with the audit key")
    superseded = [c for c in checkpoints if any(record.supersedes(c) for record in restores)]
    checkpoints = [c for c in checkpoints if c not in superseded]
    expected_at = {checkpoint.seq: checkpoint for checkpoint in checkpoints}
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    statement = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch_size)
    if through is not None:
        statement = statement.where(AuditEvent.seq <= through)
        checkpoints = [checkpoint for checkpoint in checkpoints if checkpoint.seq <= through]
    for event in session.scalars(statement):
        if event.seq != expected_seq:
            return VerificationResult(False, checked, expected_seq,
                                      f"event {expected_seq} is missing (next stored event is {event.seq})")
        if event.prev_hash != prev_hash:
            return VerificationResult(False, checked, event.seq,
                                      f"event {event.seq} does not link to the event before it")
        recomputed = event_hash(prev_hash, event.seq, event.occurred_at, event.actor, event.action,
                                event.instance_id, event.task_id, event.data)
        if recomputed != event.hash:
            return VerificationResult(False, checked, event.seq,
                                      f"event {event.seq} was altered (its content no longer matches its hash)")
        checkpoint = expected_at.get(event.seq)
        if checkpoint is not None and checkpoint.hash != event.hash:
            return VerificationResult(False, checked, event.seq,
                                      f"event {event.seq} differs from the checkpoint made "
                                      f"{checkpoint.created_at.isoformat()} (the chain was rewritten)")
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    if through is not None:
        if checked != through:
            return VerificationResult(False, checked, checked + 1, f"the chain ends at event {checked}, "
                                      f"before event {through}")
        return VerificationResult(True, checked, checkpoints_checked=len(checkpoints),
                                  checkpoints_superseded=len(superseded), restores=len(restores))
    head = session.get(AuditHead, 1)
    last_seq = head.last_seq if head else 0
    if last_seq != checked or (head is not None and head.last_hash != prev_hash):
        return VerificationResult(False, checked, checked + 1,
                                  f"the chain ends at event {checked} but its head records event {last_seq}")
    beyond = [checkpoint for checkpoint in checkpoints if checkpoint.seq > checked]
    if beyond:
        latest = max(beyond, key=lambda checkpoint: checkpoint.seq)
        return VerificationResult(False, checked, checked + 1,
                                  f"the chain ends at event {checked} but the checkpoint made "
                                  f"{latest.created_at.isoformat()} records event {latest.seq} (its tail was removed)")
    return VerificationResult(True, checked, checkpoints_checked=len(checkpoints),
                              checkpoints_superseded=len(superseded), restores=len(restores))


def _restore_records(session: Session) -> list[RestoreRecord]:
    """The restores the chain records (an unreadable record is kept, unsigned, so it fails
    verification with a key rather than being skipped)."""
    records = []
    for data in session.scalars(select(AuditEvent.data).where(AuditEvent.action == RESTORED)):
        record = RestoreRecord.from_data(data or {})
        records.append(record or RestoreRecord(_NOTHING_BEYOND, GENESIS_HASH, datetime.min.replace(tzinfo=timezone.utc),
                                               ""))
    return records


def event_as_dict(event: AuditEvent) -> dict[str, Any]:
    return {"seq": event.seq, "occurred_at": event.occurred_at.isoformat(), "actor": event.actor,
            "action": event.action, "instance_id": event.instance_id, "task_id": event.task_id,
            "data": event.data, "prev_hash": event.prev_hash, "hash": event.hash}


def instance_events(session: Session, instance_id: int) -> list[dict[str, Any]]:
    """Every audit event of one instance, in order."""
    statement = select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.seq)
    return [event_as_dict(event) for event in session.scalars(statement)]
