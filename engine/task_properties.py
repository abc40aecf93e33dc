"""What a user task's properties in the diagram make of its row: title, deadline, assignee.

A user task's ``spiffworkflow:property`` elements (set in the modeler's properties panel):

==============  ===========================================================================
``formKey``     the form the task asks for (and the domain step it runs, engine.form_steps)
``title``       the inbox title, with ``{name}`` replaced by the task data's scalar value of
                ``name`` ("Laporkan realisasi — {period_name} {year}"); the element's name
                when absent. Only plain names are replaced: no attribute, index or format
                spec, so a title can never run code or reveal more than a value.
``dueIn``       an ISO 8601 duration from the task's creation (``P14D``)
``dueDate``     the name of a task-data value holding an ISO date or date-time: the deadline
                is that day's end in Asia/Jakarta (a date) or that moment; ``dueIn`` is then
                added to it ("14 days after the period ends"). Calendar deadlines come from
                the cycle's period plan this way.
``assigneeFrom`` the name of a task-data value holding an employee id: the task goes to that
                employee's user instead of the lane's (each rater of a multi-instance 360
                input gets their own task); the lane still names the role.
==============  ===========================================================================
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from typing import Any, Mapping, Optional
from zoneinfo import ZoneInfo

from .definitions import UserTaskInfo
from .runtime import due_after

LOCAL_ZONE = ZoneInfo("Asia/Jakarta")
MAX_TITLE = 200  # the task row's name column
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def task_title(template: Optional[str], fallback: str, data: Mapping[str, Any]) -> str:
    """The title with each ``{name}`` replaced by the data's scalar value (left as written when
    the value is missing or not a string or number)."""
    if not template:
        return fallback[:MAX_TITLE]

    def value(match: re.Match[str]) -> str:
        found = data.get(match.group(1))
        if isinstance(found, bool) or not isinstance(found, (str, int, float)):
            return match.group(0)
        return str(found)
    return _PLACEHOLDER.sub(value, template)[:MAX_TITLE]


def task_due(now: datetime, info: UserTaskInfo, data: Mapping[str, Any]) -> Optional[datetime]:
    """The task's deadline: ``dueIn`` after ``dueDate``'s value when the task has one, else
    ``dueIn`` after now; None when the diagram gives neither (or the date is unreadable)."""
    if info.due_date:
        anchor = calendar_moment(data.get(info.due_date))
        if anchor is not None:
            return due_after(anchor, info.due_in) if info.due_in else anchor
    return due_after(now, info.due_in)


def calendar_moment(value: Any) -> Optional[datetime]:
    """An ISO date (its last second in Asia/Jakarta) or date-time (UTC when naive), in UTC."""
    if not isinstance(value, str):
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day, time(23, 59, 59), LOCAL_ZONE).astimezone(timezone.utc)
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def assigned_employee(info: UserTaskInfo, data: Mapping[str, Any]) -> Optional[int]:
    """The employee id the task names through ``assigneeFrom``, if any."""
    if not info.assignee_from:
        return None
    value = data.get(info.assignee_from)
    return value if isinstance(value, int) and not isinstance(value, bool) else None
