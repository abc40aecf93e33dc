"""The predikat-distribution report: per unit against the distribution-curve quotas, flags for
calibration, CSV and chart exports HR downloads from the cycle page."""
from __future__ import annotations

import csv
import io
import time

import pytest
from flask import Flask

from engine.actors import Operator
from engine.kinerja import Kinerja
from engine.read_models import instance_history
from engine.reports import predikat_distribution
from tests.support import SHORT_YEAR, SmallOrg, elements, finish_all_open_work, login, open_cycle, text

# The Dinas is rated ISTIMEWA this year and HR allows it any share of "Sangat Baik";
# the Puskesmas keeps the default rating (BAIK: at most 10 % "Sangat Baik").
QUOTAS = {"unit_ratings": {"dinkes": "ISTIMEWA"}, "quotas": {"ISTIMEWA": {"SANGAT_BAIK": 1.0}}}


@pytest.fixture
def appraised(org: SmallOrg, deployed: Kinerja) -> int:
    """A cycle whose four employees all finished the year with "Sangat Baik"."""
    cycle_id = open_cycle(deployed, settings={**SHORT_YEAR, "distribution_quotas": QUOTAS}).cycle_id
    finish_all_open_work(deployed)
    return cycle_id


def test_units_over_their_quota_are_flagged(appraised: int, deployed: Kinerja) -> None:
    units = {unit.unit_code: unit for unit in predikat_distribution(deployed, Operator('test'), appraised)}
    assert set(units) == {"dinkes", "pkm-mb"}
    puskesmas, dinas = units["pkm-mb"], units["dinkes"]
    assert (puskesmas.employees, puskesmas.rated, puskesmas.counts["SANGAT_BAIK"]) == (3, 3, 3)
    assert puskesmas.unit_rating == "BAIK" and puskesmas.quotas == {"SANGAT_BAIK": 0.10}
    assert puskesmas.flags == ["SANGAT_BAIK"], "100 % Sangat Baik breaks the 10 % quota"
    assert dinas.unit_rating == "ISTIMEWA" and dinas.flags == []


def test_quota_settings_stay_out_of_the_instances(appraised: int, deployed: Kinerja) -> None:
    started = [e for e in instance_history(deployed, Operator('test'), 1) if e["action"] == "instance.started"][0]
    assert "distribution_quotas" not in started["data"]["data"] and started["data"]["data"]["review_periods"] == 1


@pytest.mark.usefixtures("prefect_harness")
def test_hr_makes_a_report_and_downloads_its_csv_and_chart(appraised: int, app: Flask) -> None:
    hr = login(app, "hr")
    assert elements(hr.get(f"/cycles/{appraised}").get_data(as_text=True), "no-reports")
    assert hr.post(f"/cycles/{appraised}/reports").status_code == 303
    deadline = time.monotonic() + 120
    while not elements(page := hr.get(f"/cycles/{appraised}").get_data(as_text=True), "report-summary"):
        assert time.monotonic() < deadline, "the report flow did not finish"
        time.sleep(0.2)
    assert text(page, "report-summary").startswith("2 unit, 1 ditandai untuk kalibrasi.")
    csv_link = elements(page, "report-csv")[0]["href"]
    rows = {row["unit_code"]: row for row in csv.DictReader(io.StringIO(hr.get(csv_link).get_data(as_text=True)))}
    assert rows["pkm-mb"]["sangat_baik_count"] == "3" and rows["pkm-mb"]["flags"] == "SANGAT_BAIK"
    assert rows["dinkes"]["flags"] == ""
    chart = hr.get(elements(page, "report-png")[0]["href"])
    assert chart.mimetype == "image/png" and chart.data.startswith(b"\x89PNG")
    for other in ("kapus", "rina", "ppk"):
        assert login(app, other).get(csv_link).status_code == 403
