"""The append-only, hash-chained audit log.

Each event's hash covers its own fields and the previous event's hash, so changing or
deleting any row breaks every link after it. The ``audit_head`` row records the last
sequence number and hash: appending locks it (serialising writers on PostgreSQL; SQLite
has a single writer anyway), and verifying compares the table's tail against it, so a
truncated tail is noticed too.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Optional

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .models import AuditEvent, AuditHead

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


def verify_chain(session: Session, batch_size: int = 1000) -> VerificationResult:
    """Walk the whole chain in sequence order and report the first broken link."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    statement = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch_size)
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
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = session.get(AuditHead, 1)
    last_seq = head.last_seq if head else 0
    if last_seq != checked or (head is not None and head.last_hash != prev_hash):
        return VerificationResult(False, checked, checked + 1,
                                  f"the chain ends at event {checked} but its head records event {last_seq}")
    return VerificationResult(True, checked)


def event_as_dict(event: AuditEvent) -> dict[str, Any]:
    return {"seq": event.seq, "occurred_at": event.occurred_at.isoformat(), "actor": event.actor,
            "action": event.action, "instance_id": event.instance_id, "task_id": event.task_id,
            "data": event.data, "prev_hash": event.prev_hash, "hash": event.hash}


def instance_events(session: Session, instance_id: int) -> list[dict[str, Any]]:
    """Every audit event of one instance, in order."""
    statement = select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.seq)
    return [event_as_dict(event) for event in session.scalars(statement)]
