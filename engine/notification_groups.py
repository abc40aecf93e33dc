"""The notifications as a reader takes them in: grouped by kind and day.

One morning of a supervisor's cycle opening brings twenty "Tugas baru: Setujui SKP"; the bell
and the list show them as one line, "20 tugas baru: Setujui SKP", with a link to the inbox
filtered by that task type. Messages about tasks are grouped by kind, day (Asia/Jakarta) and
task type; decisions by kind, day and decision.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Hashable, Literal, Optional, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import Row, select

from .access import load_user
from .models import HumanTask, OutboxMessage
from .notifications import NotificationView

if TYPE_CHECKING:
    from .kinerja import Kinerja

LOCAL_ZONE = ZoneInfo("Asia/Jakarta")
MAX_READ = 1000  # newest messages grouped per read


@dataclass(frozen=True)
class NotificationGroup:
    """Messages of one kind and day about one task type (or one decision), newest first."""

    kind: str
    day: date
    items: list[NotificationView]
    task_key: Optional[str]  # the tasks' BPMN id: the inbox filter the group links to
    scope: Literal["mine", "group"]  # the inbox tab those tasks are on

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def unread(self) -> int:
        return sum(not item.read for item in self.items)

    @property
    def latest(self) -> NotificationView:
        return self.items[0]


def grouped_notifications(kinerja: Kinerja, username: str, limit: int = 50,
                          unread_only: bool = False) -> list[NotificationGroup]:
    """The user's newest messages grouped, the group with the newest message first; at most
    ``limit`` groups from the newest :data:`MAX_READ` messages."""
    with kinerja.reading() as uow:
        query = (select(OutboxMessage, HumanTask.task_key, HumanTask.assignee_user_id)
                 .outerjoin(HumanTask, HumanTask.id == OutboxMessage.task_id)
                 .where(OutboxMessage.user_id == load_user(uow.session, username).id))
        if unread_only:
            query = query.where(OutboxMessage.read_at.is_(None))
        rows = uow.session.execute(query.order_by(OutboxMessage.id.desc()).limit(MAX_READ)).all()
        return _grouped(rows, limit)


def _grouped(rows: Sequence[Row[Any]], limit: int) -> list[NotificationGroup]:
    groups: dict[Hashable, NotificationGroup] = {}
    for row, task_key, assignee in rows:
        day = row.created_at.astimezone(LOCAL_ZONE).date()
        params = dict(row.params or {})
        key = (row.kind, day, task_key if row.task_id else str(params.get("decision")))
        if key not in groups:
            if len(groups) == limit:
                continue
            groups[key] = NotificationGroup(row.kind, day, [], task_key,
                                            "mine" if row.task_id is None or assignee is not None else "group")
        groups[key].items.append(NotificationView(row.id, row.kind, row.subject, params, row.task_id,
                                                  row.created_at, row.read_at is not None))
    return list(groups.values())


def unread_groups(kinerja: Kinerja, username: str) -> int:
    """What the bell counts: the groups with an unread message."""
    return len(grouped_notifications(kinerja, username, limit=MAX_READ, unread_only=True))
