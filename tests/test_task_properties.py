"""A user task's properties in the diagram: its inbox title, its calendar deadline, and the
employee it is for (engine.task_properties)."""
from __future__ import annotations

from datetime import datetime, timezone

from engine.definitions import UserTaskInfo
from engine.task_properties import assigned_employee, calendar_moment, task_due, task_title

NOW = datetime(2026, 4, 2, 8, 0, tzinfo=timezone.utc)


def test_a_title_takes_scalar_values_of_the_task_data() -> None:
    data = {"period_name": "Triwulan II", "year": 2026}
    assert task_title("Laporkan realisasi — {period_name} {year}", "report", data) \
        == "Laporkan realisasi — Triwulan II 2026"


def test_a_title_never_evaluates_more_than_a_plain_name() -> None:
    data = {"period": {"name": "x"}, "flag": True, "name": "Rina"}
    template = "{period} {flag} {name.__class__} {name!r} {name:>9} {missing} {name}"
    assert task_title(template, "t", data) == "{period} {flag} {name.__class__} {name!r} {name:>9} {missing} Rina"


def test_without_a_title_the_element_name_is_shown() -> None:
    assert task_title(None, "Laporkan realisasi", {"period_name": "Triwulan I"}) == "Laporkan realisasi"


def test_a_due_date_is_the_end_of_that_day_in_jakarta_plus_the_duration() -> None:
    info = UserTaskInfo(form_key=None, due_in="P14D", due_date="period_end")
    assert task_due(NOW, info, {"period_end": "2026-06-30"}) == datetime(2026, 7, 14, 16, 59, 59, tzinfo=timezone.utc)
    assert task_due(NOW, UserTaskInfo(None, None, due_date="period_end"), {"period_end": "2026-06-30"}) \
        == datetime(2026, 6, 30, 16, 59, 59, tzinfo=timezone.utc)


def test_without_a_readable_date_the_duration_counts_from_now() -> None:
    info = UserTaskInfo(form_key=None, due_in="P7D", due_date="period_end")
    assert task_due(NOW, info, {"period_end": "end of June"}) == datetime(2026, 4, 9, 8, 0, tzinfo=timezone.utc)
    assert task_due(NOW, info, {}) == datetime(2026, 4, 9, 8, 0, tzinfo=timezone.utc)
    assert task_due(NOW, UserTaskInfo(None, None), {}) is None


def test_calendar_moments_are_utc() -> None:
    assert calendar_moment("2026-06-30T10:00:00+07:00") == datetime(2026, 6, 30, 3, 0, tzinfo=timezone.utc)
    assert calendar_moment("2026-06-30T10:00:00") == datetime(2026, 6, 30, 10, 0, tzinfo=timezone.utc)
    assert calendar_moment(20260630) is None


def test_a_task_names_its_employee_only_by_an_integer_id() -> None:
    info = UserTaskInfo(form_key=None, due_in=None, assignee_from="rater")
    assert assigned_employee(info, {"rater": 7}) == 7
    assert assigned_employee(info, {"rater": "7"}) is None and assigned_employee(info, {"rater": True}) is None
    assert assigned_employee(UserTaskInfo(None, None), {"rater": 7}) is None
