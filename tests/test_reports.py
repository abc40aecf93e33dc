"""The predikat-distribution report: per unit and for the organisation, the unit's result, the
pattern it fixes (the deployed table), the actual shares, the violations and the
calibrations, with CSV and chart exports HR downloads from the cycle page."""
from __future__ import annotations

import csv
import io

import pytest
from flask import Flask

from engine.actors import Operator
from engine.calibration import calibrate_predikat
from engine.kinerja import Kinerja
from engine.reports import organisation_row, predikat_distribution
from engine.unit_results import start_unit_results
from tests.support import (
    SHORT_YEAR,
    SmallOrg,
    elements,
    follow_until_finished,
    login,
    open_cycle,
    propose_predikats,
    set_result,
    text,
)


@pytest.fixture
def appraised(org: SmallOrg, deployed: Kinerja) -> int:
    """The Dinas (its head only) is Istimewa, the Puskesmas Baik; everyone was proposed
    "Sangat Baik", and HR calibrated one nurse down to "Baik"."""
    cycle_id = open_cycle(deployed, settings=SHORT_YEAR).cycle_id
    start_unit_results(deployed, Operator("hr"), cycle_id)
    set_result(deployed, {"unit_result": "ISTIMEWA", "unit_result_basis": "LAKIP"}, "Dinas Kesehatan")
    set_result(deployed, {"unit_result": "BAIK", "unit_result_basis": "LAKIP"})
    everyone = {employee: "SANGAT_BAIK" for employee in org.employee_ids.values()}
    evaluations = propose_predikats(deployed, cycle_id, everyone)
    calibrate_predikat(deployed, "hr", evaluations[org.cycle_employee], "BAIK", "Satu RHK utama di bawah target")
    return cycle_id


def test_each_unit_is_checked_against_the_pattern_its_result_fixes(appraised: int, deployed: Kinerja) -> None:
    rows = predikat_distribution(deployed, Operator("test"), appraised)
    units = {row["unit_code"]: row for row in rows}
    puskesmas, dinas = units["pkm-mb"], units["dinkes"]
    assert (puskesmas["employees"], puskesmas["rated"], puskesmas["counts"]["SANGAT_BAIK"]) == (3, 3, 2)
    assert puskesmas["unit_result"] == "BAIK" and puskesmas["pattern"].startswith("Baik kelompok terbanyak")
    assert puskesmas["violations"] == [
        "Baik 33,3% (1 dari 3 orang) — harus kelompok terbanyak, tetapi Sangat Baik 2 orang",
        "Butuh Perbaikan dan/atau Kurang/Misconduct 0% (0 dari 3 orang) — harus ada paling sedikit 1 orang"]
    assert [c["reason"] for c in puskesmas["calibrations"]] == ["Satu RHK utama di bawah target"]
    assert dinas["unit_result"] == "ISTIMEWA" and dinas["violations"] == [] and dinas["shares"]["SANGAT_BAIK"] == 1.0
    total = organisation_row(rows)
    assert (total["rated"], total["counts"]["SANGAT_BAIK"], total["units_breaking_pattern"], total["calibrations"]) \
        == (4, 3, 1, 1)


@pytest.mark.usefixtures("prefect_harness")
def test_hr_makes_a_report_and_downloads_its_csv_and_chart(appraised: int, app: Flask) -> None:
    hr = login(app, "hr")
    assert elements(hr.get(f"/cycles/{appraised}").get_data(as_text=True), "no-reports")
    assert hr.post(f"/cycles/{appraised}/reports").status_code == 303
    page = follow_until_finished(hr, f"/cycles/{appraised}")  # the page refreshes itself until the report is in
    assert not elements(page, "report-pending")
    assert text(page, "report-summary").startswith("2 unit, 1 melanggar pola distribusi.")
    assert "harus kelompok terbanyak" in page and text(page, "report-organisation").startswith("Organisasi")
    csv_link = elements(page, "report-csv")[0]["href"]
    rows = {row["unit_code"]: row for row in csv.DictReader(io.StringIO(hr.get(csv_link).get_data(as_text=True)))}
    assert rows["pkm-mb"]["sangat_baik_count"] == "2" and rows["pkm-mb"]["unit_result"] == "BAIK"
    assert "harus ada paling sedikit 1 orang" in rows["pkm-mb"]["violations"] and rows["pkm-mb"]["calibrations"] == "1"
    assert rows["dinkes"]["violations"] == "" and rows["*"]["rated"] == "4"
    chart = hr.get(elements(page, "report-png")[0]["href"])
    assert chart.mimetype == "image/png" and chart.data.startswith(b"\x89PNG")
    for other in ("kapus", "rina", "ppk"):
        assert login(app, other).get(csv_link).status_code == 403
