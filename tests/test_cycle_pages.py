"""HR opens the organisation's cycle from the web app and watches it fill up."""
from __future__ import annotations


import pytest
from flask import Flask

from engine.actors import SYSTEM, Operator
from engine.cycles import (
    cycle_run_started,
    employees_without_instance,
    finish_cycle_run,
    organisation_cycles,
    request_cycle_opening,
    start_cycle_instances,
)
from engine.kinerja import Kinerja
from tests.support import elements, follow_until_finished, login, text


@pytest.mark.usefixtures("prefect_harness")
def test_hr_opens_the_cycle_and_sees_everyone_started(app: Flask) -> None:
    hr = login(app, "hr")
    assert elements(hr.get("/inbox").get_data(as_text=True), "nav-cycles"), "HR finds the page in the menu"
    assert elements(hr.get("/cycles").get_data(as_text=True), "no-cycles")

    response = hr.post("/cycles", data={"year": "2026"})
    assert response.status_code == 303
    path = response.headers["Location"]
    page = follow_until_finished(hr, path)
    assert text(page, "progress-text") == "4 / 4 dimulai"
    assert elements(page, "cycle-run")[0]["data-status"] == "completed"
    assert (text(page, "run-started"), text(page, "run-skipped"), text(page, "run-failed")) == ("4", "0", "0")

    hr.post("/cycles", data={"year": "2026"})  # again: nobody is started twice
    page = follow_until_finished(hr, path)
    assert text(page, "progress-text") == "4 / 4 dimulai"
    assert (text(page, "run-started"), text(page, "run-skipped")) == ("0", "4")
    listing = hr.get("/cycles?lang=en").get_data(as_text=True)
    assert "4 / 4 started" in text(listing, "cycle-list")


def test_a_running_opening_refreshes_itself_and_counts_what_is_stored(app: Flask, deployed: Kinerja) -> None:
    cycle_id, _run_id = request_cycle_opening(deployed, Operator("hr"), "bungo", 2026, "evaluation_cycle")
    cycle_run_started(deployed, SYSTEM, _run_id)
    first_two = employees_without_instance(deployed, Operator('test'), cycle_id)[:2]
    start_cycle_instances(deployed, Operator("hr"), cycle_id, first_two)  # the flow's first batch has committed
    page = login(app, "hr").get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in page
    assert text(page, "progress-text") == "2 / 4 dimulai"
    assert elements(page, "cycle-run")[0]["data-status"] == "running"


def test_failures_are_listed_with_their_reasons(app: Flask, deployed: Kinerja) -> None:
    cycle_id, run_id = request_cycle_opening(deployed, Operator("hr"), "bungo", 2026, "evaluation_cycle")
    finish_cycle_run(deployed, SYSTEM, run_id, 0, 0, [{"employee_ids": [1, 2], "reason": "database unavailable"}])
    page = login(app, "hr").get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    assert text(page, "run-failed") == "2" and "database unavailable" in text(page, "run-failures")


def test_only_hr_opens_or_follows_cycles(app: Flask, deployed: Kinerja) -> None:
    cycle_id, _ = request_cycle_opening(deployed, Operator("hr"), "bungo", 2026, "evaluation_cycle")
    for username in ("rina", "kapus", "ppk", "auditor"):
        client = login(app, username)
        assert not elements(client.get("/inbox").get_data(as_text=True), "nav-cycles")
        assert client.get("/cycles").status_code == 403
        assert client.get(f"/cycles/{cycle_id}").status_code == 403
        assert client.post("/cycles", data={"year": "2027"}).status_code == 403
    assert organisation_cycles(deployed, Operator('test'), "bungo")[0]["year"] == 2026, "nothing was opened for 2027"
    bad_year = login(app, "hr").post("/cycles", data={"year": "dua ribu"}, follow_redirects=True)
    assert "Tahun harus antara 2000 dan 2100." in bad_year.get_data(as_text=True)
