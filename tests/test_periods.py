"""The cycle's period plan: HR sets the periods with dates when opening the cycle, and the
periodic review's tasks carry the period's name and calendar deadlines."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

import pytest

from engine.actors import Operator
from engine.cycles import cycle_info, ensure_cycle
from engine.errors import ValidationFailed
from engine.kinerja import Kinerja
from engine.skp_rules import periods_of
from tests.support import (
    ApiClient,
    SmallOrg,
    agree_skp,
    complete_until,
    error_of,
    inbox_task,
    login,
    open_cycle,
    run,
)

WIB_END_OF_DAY = (16, 59, 59)  # 23:59:59 in Asia/Jakarta, in UTC


def plan(kinerja: Kinerja, year: int = 2026, **settings: Any) -> list[dict[str, str]]:
    cycle_id = ensure_cycle(kinerja, Operator("hr"), "bungo", year, settings=settings or None)
    return cycle_info(kinerja, Operator("hr"), cycle_id)["periods"]


def wait_until_opened(kinerja: Kinerja, cycle_id: int, timeout: float = 120) -> None:
    """The open-cycle flow a request started has finished (so the next test's database is free)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = cycle_info(kinerja, Operator("hr"), cycle_id)["latest_run"]
        if run is not None and run["finished_at"] is not None:
            return
        time.sleep(0.2)
    raise AssertionError(f"the opening of cycle {cycle_id} did not finish in {timeout} s")


def test_a_cycle_is_planned_in_the_four_quarters_of_its_year_by_default(org: SmallOrg, deployed: Kinerja) -> None:
    periods = plan(deployed)
    assert periods == [
        {"name": "Triwulan I", "start": "2026-01-01", "end": "2026-03-31"},
        {"name": "Triwulan II", "start": "2026-04-01", "end": "2026-06-30"},
        {"name": "Triwulan III", "start": "2026-07-01", "end": "2026-09-30"},
        {"name": "Triwulan IV", "start": "2026-10-01", "end": "2026-12-31"},
    ]
    info = cycle_info(deployed, Operator("hr"), ensure_cycle(deployed, Operator("hr"), "bungo", 2026))
    assert info["settings"]["review_periods"] == 4 and "midyear_period" not in info["settings"]


def test_a_monthly_plan_has_the_twelve_months_with_their_last_days(org: SmallOrg, deployed: Kinerja) -> None:
    periods = plan(deployed, 2028, periods="bulanan")
    assert [p["name"] for p in periods][:3] == ["Januari", "Februari", "Maret"] and len(periods) == 12
    assert periods[1] == {"name": "Februari", "start": "2028-02-01", "end": "2028-02-29"}  # a leap year
    assert periods[-1]["end"] == "2028-12-31"


def test_the_rencana_aksi_follow_the_plan(org: SmallOrg, deployed: Kinerja) -> None:
    cycle_id = ensure_cycle(deployed, Operator("hr"), "bungo", 2026, settings={"periods": [
        {"name": "Semester I", "start": "2026-01-01", "end": "2026-06-30"},
        {"name": "Semester II", "start": "2026-07-01", "end": "2026-12-31"}]})
    with deployed.reading() as uow:
        assert periods_of(uow.session, cycle_id) == ["Semester I", "Semester II"]


@pytest.mark.parametrize("periods, where, words", [
    ("kuartal", "periods", "unknown plan"),
    ([], "periods", "1 to 12"),
    ([{"name": "P", "start": "2026-01-01", "end": "2026-01-31"}] * 13, "periods", "1 to 12"),
    ([{"name": "", "start": "2026-01-01", "end": "2026-03-31"}], "periods.0.name", "1 to 64"),
    ([{"name": "x" * 65, "start": "2026-01-01", "end": "2026-03-31"}], "periods.0.name", "1 to 64"),
    ([{"name": "A", "start": "2026-01-01", "end": "2026-06-30"},
      {"name": "B", "start": "2026-06-01", "end": "2026-12-31"}], "periods.1.start", "overlap"),
    ([{"name": "A", "start": "2026-07-01", "end": "2026-12-31"},
      {"name": "B", "start": "2026-01-01", "end": "2026-06-30"}], "periods.1.start", "in order"),
    ([{"name": "A", "start": "2025-12-01", "end": "2026-03-31"}], "periods.0.start", "outside the cycle's year"),
    ([{"name": "A", "start": "2026-01-01", "end": "2027-01-31"}], "periods.0.end", "outside the cycle's year"),
    ([{"name": "A", "start": "2026-03-31", "end": "2026-01-01"}], "periods.0.end", "ends before it starts"),
    ([{"name": "A", "start": "31-03-2026", "end": "2026-06-30"}], "periods.0.start", "ISO date"),
    (["Triwulan I"], "periods.0", "object"),
])
def test_a_wrong_plan_is_refused_naming_the_row(org: SmallOrg, deployed: Kinerja, periods: Any, where: str,
                                                 words: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        ensure_cycle(deployed, Operator("hr"), "bungo", 2026, settings={"periods": periods})
    assert refused.value.details[0]["field"] == where and words in refused.value.message


@pytest.mark.usefixtures("prefect_harness")
def test_the_api_opens_a_monthly_cycle_and_refuses_a_wrong_row_with_422(api: ApiClient, deployed: Kinerja) -> None:
    opened = api.ok("post", "/cycles", "hr", 202, json={"org": "bungo", "year": 2026,
                                                        "settings": {"periods": "bulanan"}})
    assert len(opened["periods"]) == 12 and opened["settings"]["review_periods"] == 12
    wait_until_opened(deployed, opened["id"])
    refused = api.post("/cycles", "hr", json={"org": "bungo", "year": 2027, "settings": {"periods": [
        {"name": "A", "start": "2027-01-01", "end": "2027-06-30"},
        {"name": "B", "start": "2027-05-01", "end": "2027-12-31"}]}})
    error = error_of(refused, 422)
    assert "period 2" in error["message"] and error["details"][0]["field"] == "periods.1.start"


@pytest.mark.usefixtures("prefect_harness")
def test_hr_chooses_the_plan_on_the_cycle_page_and_sees_it(app: Any, deployed: Kinerja) -> None:
    hr = login(app, "hr")
    assert 'name="periods"' in hr.get("/cycles").get_data(as_text=True)
    opened = hr.post("/cycles", data={"year": "2026", "periods": "bulanan"})
    assert opened.status_code == 303
    wait_until_opened(deployed, int(opened.headers["Location"].rstrip("/").rsplit("/", 1)[1]))
    page = hr.get(opened.headers["Location"]).get_data(as_text=True)
    assert page.count('data-testid="period-row"') == 12 and "Desember" in page
    refused = hr.post("/cycles", data={"year": "2027", "periods": "kuartal"}, follow_redirects=True)
    assert "rencana periode" in refused.get_data(as_text=True)


@pytest.mark.usefixtures("prefect_harness")
def test_the_cli_opens_a_cycle_with_a_monthly_plan(deployed: Kinerja, org: SmallOrg, database_url: str) -> None:
    result = run(database_url, "cycle", "open", "--org", "bungo", "--year", "2026", "--periods", "bulanan")
    assert result.exit_code == 0, result.output
    assert len(plan(deployed)) == 12


def test_tasks_carry_the_period_in_their_title_and_are_due_on_calendar_dates(org: SmallOrg,
                                                                             deployed: Kinerja) -> None:
    (instance_id,) = open_cycle(deployed, [org.cycle_employee]).instance_ids
    agree_skp(deployed, org.cycle_employee, open_cycle(deployed, []).cycle_id)
    first = inbox_task(deployed, "rina", "report_realisation")
    assert first.name == "Laporkan realisasi — Triwulan I 2026"
    assert first.due_at == datetime(2026, 4, 14, *WIB_END_OF_DAY, tzinfo=timezone.utc)  # 31 March + 14 days
    complete_until(deployed, instance_id, "give_feedback")
    feedback = inbox_task(deployed, "kapus", "give_feedback")
    assert feedback.name == "Umpan balik dan penilaian — Triwulan I 2026"
    assert feedback.due_at == datetime(2026, 4, 28, *WIB_END_OF_DAY, tzinfo=timezone.utc)
    complete_until(deployed, instance_id, "report_realisation")
    second = inbox_task(deployed, "rina", "report_realisation")
    assert second.name == "Laporkan realisasi — Triwulan II 2026"
    assert second.due_at == datetime(2026, 7, 14, *WIB_END_OF_DAY, tzinfo=timezone.utc)
