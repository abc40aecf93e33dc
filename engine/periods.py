"""A cycle's period plan: the periods of the year with their dates, set by HR when the cycle
is opened, and the calendar deadlines the periodic review derives from it.

PermenPANRB 6/2022 evaluates performance per period (the official form has Triwulan I–IV and
Akhir); an agency may monitor monthly. The plan is stored in the cycle's settings as
``periods``: a list of ``{"name", "start", "end"}`` (ISO dates), with ``review_periods`` kept
as its length for processes deployed before the plan existed. HR chooses ``"triwulan"``
(the default), ``"bulanan"``, or gives their own list, which must be 1–12 periods in order,
not overlapping, inside the cycle's year, each named in 1–64 characters.

The periodic review's tasks are due on calendar dates: the realisation
:data:`REALISATION_DUE` after the period ends, the supervisor's feedback :data:`FEEDBACK_DUE`
after it and the escalated feedback :data:`ESCALATION_DUE` after it (the diagram's
``dueDate``/``dueIn`` say the same; its boundary timers read the moments computed here).
"""
from __future__ import annotations

import calendar
from datetime import date
from typing import Any, Mapping, NoReturn, Optional

from .errors import ValidationFailed
from .runtime import due_after
from .task_properties import calendar_moment
from .texts import N_

QUARTERLY, MONTHLY = "triwulan", "bulanan"
PLAN_CHOICES = (QUARTERLY, MONTHLY)
MAX_PERIODS, MAX_NAME = 12, 64
QUARTER_NAMES = (N_("Triwulan I"), N_("Triwulan II"), N_("Triwulan III"), N_("Triwulan IV"))
MONTH_NAMES = (N_("Januari"), N_("Februari"), N_("Maret"), N_("April"), N_("Mei"), N_("Juni"), N_("Juli"),
               N_("Agustus"), N_("September"), N_("Oktober"), N_("November"), N_("Desember"))
# After the period's end (its last day, end of day WIB): the diagram's dueIn values.
REALISATION_DUE, FEEDBACK_DUE, ESCALATION_DUE = "P14D", "P28D", "P42D"


def default_plan(year: int, choice: str = QUARTERLY) -> list[dict[str, str]]:
    """The four quarters (``triwulan``) or the twelve months (``bulanan``) of ``year``."""
    if choice == MONTHLY:
        return [_months(year, month, month, MONTH_NAMES[month - 1]) for month in range(1, 13)]
    return [_months(year, 3 * quarter + 1, 3 * quarter + 3, name) for quarter, name in enumerate(QUARTER_NAMES)]


def even_plan(year: int, count: int) -> list[dict[str, str]]:
    """``count`` periods of whole months splitting the year as evenly as possible: the plan of
    a cycle opened with only ``review_periods`` (before plans existed)."""
    if count == 4:
        return default_plan(year)
    if count == 12:
        return default_plan(year, MONTHLY)
    bounds = [round(12 * number / count) for number in range(count + 1)]
    return [_months(year, bounds[index] + 1, bounds[index + 1], f"Periode {index + 1}") for index in range(count)]


def plan_settings(year: int, settings: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    """The settings a cycle is stored with: ``periods`` resolved to a checked list (422 naming
    the row when HR's own list is wrong) and ``review_periods`` its length."""
    resolved = dict(settings or {})
    choice = resolved.get("periods")
    if choice is None:
        periods = even_plan(year, int(resolved["review_periods"])) if "review_periods" in resolved \
            else default_plan(year)
    elif isinstance(choice, str):
        if choice not in PLAN_CHOICES:
            raise ValidationFailed(f"unknown plan '{choice}': periods must be one of "
                                   f"{', '.join(PLAN_CHOICES)} or a list",
                                   details=[{"field": "periods", "message": f"unknown plan '{choice}'"}])
        periods = default_plan(year, choice)
    else:
        periods = checked_plan(year, choice)
    resolved.update(periods=periods, review_periods=len(periods))
    resolved.pop("midyear_period", None)  # the mid-year review became the periodic evaluation
    return resolved


def checked_plan(year: int, rows: Any) -> list[dict[str, str]]:
    """HR's own plan, checked: 1–12 rows of name, start and end, in order, not overlapping,
    inside ``year``."""
    if not isinstance(rows, list) or not 1 <= len(rows) <= MAX_PERIODS:
        raise ValidationFailed(f"a period plan has 1 to {MAX_PERIODS} periods",
                               details=[{"field": "periods", "message": f"give 1 to {MAX_PERIODS} periods"}])
    plan: list[dict[str, str]] = []
    for index, row in enumerate(rows):
        period = _checked_row(year, index, row)
        if plan and date.fromisoformat(period["start"]) <= date.fromisoformat(plan[-1]["end"]):
            _refuse(index, "start", f"starts on or before the end of period {index} ({plan[-1]['end']}): "
                                    "periods are in order and do not overlap")
        plan.append(period)
    return plan


def plan_of(settings: Optional[Mapping[str, Any]], year: int) -> list[dict[str, str]]:
    """The cycle's plan as stored (a cycle from before plans: its even split, quarters by default)."""
    periods = (settings or {}).get("periods")
    if isinstance(periods, list) and periods:
        return [dict(period) for period in periods]
    return even_plan(year, int((settings or {}).get("review_periods", 4)))


def with_deadlines(periods: list[dict[str, str]]) -> list[dict[str, str]]:
    """The plan as the periodic review reads it: each period with the moments (ISO, UTC) its
    boundary timers fire — the realisation, the feedback and the escalated feedback deadline."""
    timed = []
    for period in periods:
        end = calendar_moment(period["end"])
        assert end is not None  # checked when the plan was stored
        timed.append({**period, "realisation_due": due_after(end, REALISATION_DUE).isoformat(),
                      "feedback_due": due_after(end, FEEDBACK_DUE).isoformat(),
                      "escalation_due": due_after(end, ESCALATION_DUE).isoformat()})
    return timed


def _months(year: int, first: int, last: int, name: str) -> dict[str, str]:
    end = date(year, last, calendar.monthrange(year, last)[1])
    return {"name": name, "start": date(year, first, 1).isoformat(), "end": end.isoformat()}


def _checked_row(year: int, index: int, row: Any) -> dict[str, str]:
    if not isinstance(row, dict):
        _refuse(index, "", "each period is an object with name, start and end")
    name = row.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= MAX_NAME:
        _refuse(index, "name", f"a name of 1 to {MAX_NAME} characters is required")
    days = {}
    for key in ("start", "end"):
        try:
            days[key] = date.fromisoformat(row.get(key)) if isinstance(row.get(key), str) else None
        except ValueError:
            days[key] = None
        if days[key] is None:
            _refuse(index, key, "an ISO date such as 2026-03-31 is required")
        if days[key].year != year:
            _refuse(index, key, f"{days[key].isoformat()} is outside the cycle's year {year}")
    if days["end"] < days["start"]:
        _refuse(index, "end", "ends before it starts")
    return {"name": name.strip(), "start": days["start"].isoformat(), "end": days["end"].isoformat()}


def _refuse(index: int, key: str, message: str) -> NoReturn:
    where = f"periods.{index}.{key}" if key else f"periods.{index}"
    raise ValidationFailed(f"period {index + 1}: {message}", details=[{"field": where, "message": message}])
