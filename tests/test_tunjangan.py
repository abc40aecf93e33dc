"""HR's tunjangan kinerja percentage per predikat for a cycle: shown beside the deployed
table's defaults, changed on its page through the engine (0–100, 422 naming the predikat),
recorded in the audit trail, refused to anyone but HR."""
from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from engine.actors import Operator
from engine.cycles import cycle_info, ensure_cycle
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.kinerja import Kinerja
from engine.models import AuditEvent
from engine.tunjangan import set_tunjangan_percentages, tunjangan_setting
from tests.support import SmallOrg, elements, login, open_cycle


def fields(page: str) -> dict[str, str]:
    return {field["name"]: field["value"] for field in elements(page, "tunjangan-field")}


def test_hr_sees_the_tables_defaults_and_sets_the_organisations_percentages(
        org: SmallOrg, app: Flask, deployed: Kinerja) -> None:
    cycle_id = open_cycle(deployed, []).cycle_id
    hr = login(app, "hr")
    assert elements(hr.get(f"/cycles/{cycle_id}").get_data(as_text=True), "tunjangan-link")[0]["href"] == \
        f"/cycles/{cycle_id}/tunjangan"
    page = hr.get(f"/cycles/{cycle_id}/tunjangan").get_data(as_text=True)
    assert set(fields(page).values()) == {""} and "Bawaan tabel: 90 %" in page, "Butuh Perbaikan: the table's 90"
    assert [row.default for row in tunjangan_setting(deployed, "hr", cycle_id).rows] == [100, 100, 90, 80, 70]

    saved = hr.post(f"/cycles/{cycle_id}/tunjangan", data={"persen-BUTUH_PERBAIKAN": "85", "persen-KURANG": " 60 "})
    assert saved.status_code == 303
    assert fields(hr.get(saved.headers["Location"]).get_data(as_text=True))["persen-KURANG"] == "60"
    assert cycle_info(deployed, "hr", cycle_id)["settings"]["tunjangan_kinerja"] == {"BUTUH_PERBAIKAN": 85,
                                                                                     "KURANG": 60}
    with deployed.reading() as uow:
        (event,) = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "cycle.tunjangan_set")).all()
        assert (event.actor, event.data["before"], event.data["after"]) == (
            "hr", {}, {"BUTUH_PERBAIKAN": 85, "KURANG": 60})


def test_a_percentage_outside_0_to_100_or_not_whole_is_422_naming_the_predikat(
        org: SmallOrg, app: Flask, deployed: Kinerja) -> None:
    cycle_id = open_cycle(deployed, [], settings={"tunjangan_kinerja": {"BAIK": 95}}).cycle_id
    hr = login(app, "hr")
    refused = hr.post(f"/cycles/{cycle_id}/tunjangan",
                      data={"persen-SANGAT_BAIK": "120", "persen-BAIK": "90", "persen-KURANG": "sepuluh",
                            "persen-SANGAT_KURANG": "7,5"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert [error["data-field"] for error in elements(page, "field-error")] == [
        "SANGAT_BAIK", "KURANG", "SANGAT_KURANG"]
    assert "Persentase untuk Sangat Baik harus bilangan bulat 0–100." in page
    assert fields(page)["persen-KURANG"] == "sepuluh", "the form comes back as typed"
    assert cycle_info(deployed, "hr", cycle_id)["settings"]["tunjangan_kinerja"] == {"BAIK": 95}, "nothing saved"
    with pytest.raises(ValidationFailed) as wrong:
        set_tunjangan_percentages(deployed, "hr", cycle_id, {"HEBAT": 50, "BAIK": -1})
    assert [problem["field"] for problem in wrong.value.details] == ["tunjangan_kinerja.HEBAT",
                                                                     "tunjangan_kinerja.BAIK"]
    with pytest.raises(ValidationFailed, match="SANGAT_KURANG"):
        ensure_cycle(deployed, Operator("hr"), "bungo", 2027, settings={"tunjangan_kinerja": {"SANGAT_KURANG": 101}})


def test_only_hr_of_the_organisation_reads_or_changes_the_percentages(
        org: SmallOrg, app: Flask, deployed: Kinerja, other_org: str) -> None:
    cycle_id = open_cycle(deployed, []).cycle_id
    for username in ("rina", "kapus", "ppk", "auditor"):
        client = login(app, username)
        assert client.get(f"/cycles/{cycle_id}/tunjangan").status_code == 403, username
        assert client.post(f"/cycles/{cycle_id}/tunjangan", data={"persen-BAIK": "10"}).status_code == 403, username
        with pytest.raises(Forbidden):
            set_tunjangan_percentages(deployed, username, cycle_id, {"BAIK": 10})
    with pytest.raises(NotFound):
        set_tunjangan_percentages(deployed, "hr-kph", cycle_id, {"BAIK": 10})
    assert login(app, "hr-kph").get(f"/cycles/{cycle_id}/tunjangan").status_code == 404
    assert tunjangan_setting(deployed, "hr", cycle_id).rows[1].percentage is None
