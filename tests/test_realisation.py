"""A period's realisation per indicator of the agreed SKP version: the form lists the RHK
and indicators with target and unit and the period's Rencana Aksi; the step writes one row
per indicator and period with its capaian, links the evidence, and gives the workflow only
a summary; reporting a period again replaces its rows."""
from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.actors import Operator
from engine.definitions import DefinitionFile
from engine.deployment import deploy
from engine.errors import ValidationFailed
from engine.evidence import upload_evidence
from engine.kinerja import Kinerja
from engine.models import AuditEvent
from engine.realisation_tables import BuktiDukung, Realisasi
from engine.tasks import complete_task
from tests.support import (
    APPROVE_SKP,
    BUNDLED_DEFINITIONS,
    PDF,
    PERIOD_RATINGS,
    SmallOrg,
    do_task,
    elements,
    inbox_task,
    login,
    open_cycle,
    realisation_answer,
    skp_answer,
)


def agreed_skp_with_a_described_target(kinerja: Kinerja) -> None:
    """Rina's SKP agreed with a numeric indicator (95 persen), a described one, and Rencana
    Aksi for Triwulan I and II."""
    content = skp_answer(kinerja, inbox_task(kinerja, "rina", "draft_skp").id)
    content["rhk"][0]["indicators"].append({"aspek": "kualitas", "text": "Laporan PWS",
                                            "target_description": "Laporan lengkap setiap bulan"})
    content["rhk"][0]["rencana_aksi"] = [{"period": 1, "text": "Sweeping imunisasi desa A"},
                                         {"period": 2, "text": "Sweeping imunisasi desa B"}]
    do_task(kinerja, "rina", "draft_skp", content)
    do_task(kinerja, "kapus", "approve_skp", APPROVE_SKP)


def rows_of(kinerja: Kinerja) -> list[Realisasi]:
    with kinerja.reading() as uow:
        rows = list(uow.session.scalars(select(Realisasi).order_by(Realisasi.period, Realisasi.indikator_id)))
        uow.session.expunge_all()  # read after the unit of work
        return rows


def events(kinerja: Kinerja, action: str) -> list[dict[str, Any]]:
    with kinerja.reading() as uow:
        return [e.data for e in uow.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                                     .order_by(AuditEvent.seq))]


def test_the_realisation_is_written_per_indicator_with_its_capaian(cycle: int, deployed: Kinerja) -> None:
    agreed_skp_with_a_described_target(deployed)
    task = inbox_task(deployed, "rina", "report_realisation")
    answer = realisation_answer(deployed, task.id, value=90)
    numeric, described = (row["indikator"] for row in answer["realisations"])
    evidence_id = upload_evidence(deployed, "rina", task.id, "pws.pdf", "application/pdf", PDF, numeric)
    answer["realisations"][0].update(evidence=[evidence_id], links=["https://example.org/pws"])
    complete_task(deployed, "rina", task.id, answer)

    first, second = rows_of(deployed)
    assert (first.indikator_id, first.period, first.value, first.capaian) == (numeric, 1, 90, Decimal("94.74"))
    assert (second.indikator_id, second.value, second.description, second.capaian) == (
        described, None, "Laporan kegiatan periode ini", None)
    with deployed.reading() as uow:
        evidence = uow.session.scalars(select(BuktiDukung).order_by(BuktiDukung.id)).all()
        assert [(e.kind, e.realisasi_id, e.period) for e in evidence] == [("file", first.id, 1), ("link", first.id, 1)]
    (reported,) = events(deployed, "realisation.reported")
    assert reported["period"] == 1 and reported["realisations"][0]["capaian"] == "94.74"
    (completed,) = [e for e in events(deployed, "task.completed") if e["task_key"] == "report_realisation"]
    assert set(completed["changed"]) == {"realisation_count"}, "the workflow gets a summary, not the rows"


@pytest.mark.parametrize("change, field", [
    (lambda row: row.update(indikator=999999), "realisations.0.indikator"),
    (lambda row: row.update(value=None), "realisations.0.value"),
    (lambda row: row.update(evidence=[999999]), "realisations.0.evidence.0"),
    (lambda row: row.update(links=["ftp://example.org/x"]), "realisations.0.links.0"),
], ids=["foreign-indikator", "no-value", "evidence-not-uploaded-here", "not-http"])
def test_a_wrong_row_is_refused_naming_it(realisation_task: int, deployed: Kinerja, change: Any, field: str) -> None:
    answer = realisation_answer(deployed, realisation_task)
    change(answer["realisations"][0])
    with pytest.raises(ValidationFailed) as refused:
        complete_task(deployed, "rina", realisation_task, answer)
    assert field in [detail["field"] for detail in refused.value.details]
    assert rows_of(deployed) == [] and inbox_task(deployed, "rina", "report_realisation").id == realisation_task


def test_an_indicator_of_someone_elses_skp_is_foreign(realisation_task: int, deployed: Kinerja) -> None:
    kapus_task = inbox_task(deployed, "kapus", "report_realisation").id
    (kapus_row,) = realisation_answer(deployed, kapus_task)["realisations"]
    with pytest.raises(ValidationFailed) as refused:
        complete_task(deployed, "rina", realisation_task, {"realisations": [kapus_row]})
    assert refused.value.details[0]["field"] == "realisations.0.indikator"


def test_reporting_a_period_again_replaces_its_rows(org: SmallOrg, deployed: Kinerja) -> None:
    """A process whose next period is the same period (HR's model of a correction round)."""
    files = [DefinitionFile(f.kind, f.name, f.content.replace("period = period + 1", "period = period"))
             if f.name == "periodic_review" else f for f in BUNDLED_DEFINITIONS()]
    deploy(deployed, Operator("hr"), files)
    open_cycle(deployed)
    agreed_skp_with_a_described_target(deployed)
    task = inbox_task(deployed, "rina", "report_realisation")
    complete_task(deployed, "rina", task.id, realisation_answer(deployed, task.id, value=50))
    do_task(deployed, "kapus", "give_feedback", PERIOD_RATINGS)
    again = inbox_task(deployed, "rina", "report_realisation")
    assert again.id != task.id
    answer = realisation_answer(deployed, again.id, value=95)
    complete_task(deployed, "rina", again.id, {"realisations": answer["realisations"][:1]})
    (row,) = rows_of(deployed)
    assert (row.period, row.value, row.capaian, row.task_id) == (1, 95, Decimal("100.00"), again.id)


def test_the_page_shows_targets_units_and_the_periods_rencana_aksi(app: Flask, cycle: int,
                                                                   deployed: Kinerja) -> None:
    agreed_skp_with_a_described_target(deployed)
    task = inbox_task(deployed, "rina", "report_realisation")
    rina = login(app, "rina")
    page = rina.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert [e["_text"] for e in elements(page, "indicator-target")] == [
        "Target: 95 persen", "Target: Laporan lengkap setiap bulan"]
    assert elements(page, "rencana-aksi")[0]["_text"] == "Rencana Aksi Triwulan I: Sweeping imunisasi desa A"
    assert "Realisasi Triwulan I" in page and "desa B" not in elements(page, "realisation-form")[0]["_text"]

    answer = realisation_answer(deployed, task.id)
    numeric, described = (row["indikator"] for row in answer["realisations"])
    typed = {"realisations-0-indikator": str(numeric), "realisations-0-value": "abc",
             "realisations-1-indikator": str(described), "realisations-1-description": '"><script>x</script>'}
    refused = rina.post(f"/tasks/{task.id}", data=typed)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert {e["data-field"]: e["_text"] for e in elements(page, "field-error")} == {
        "realisations.0.value": "Isi dengan angka."}
    assert 'value="abc"' in page and "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page

    upload = {**typed, "realisations-0-value": "90,5", "upload": str(numeric),
              f"file-{numeric}": (io.BytesIO(PDF), "pws.pdf", "application/pdf")}
    uploaded = rina.post(f"/tasks/{task.id}/bukti", data=upload, content_type="multipart/form-data")
    assert uploaded.status_code == 200
    page = uploaded.get_data(as_text=True)
    (listed,) = elements(page, "evidence-file")
    assert "pws.pdf" in listed["_text"] and 'value="90,5"' in page, "the typed value survives the upload"
    assert elements(page, "capaian")[0]["_text"] == "95,26 %", "the capaian, computed on the server"

    done = rina.post(f"/tasks/{task.id}", data={**typed, "realisations-0-value": "90,5",
                                                "realisations-0-evidence": listed["data-evidence"],
                                                "realisations-1-description": "Lengkap"})
    assert done.status_code == 303
    first, _second = rows_of(deployed)
    assert first.value == Decimal("90.5") and first.capaian == Decimal("95.26")


def test_a_page_upload_over_the_limit_is_named_next_to_its_indicator(app: Flask, realisation_task: int,
                                                                     deployed: Kinerja,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINERJA_EVIDENCE_MAX_BYTES", "1024")
    (row,) = realisation_answer(deployed, realisation_task)["realisations"]
    response = login(app, "rina").post(
        f"/tasks/{realisation_task}/bukti", content_type="multipart/form-data",
        data={"realisations-0-indikator": str(row["indikator"]), "upload": str(row["indikator"]),
              f"file-{row['indikator']}": (io.BytesIO(PDF + bytes(2048)), "besar.pdf")})
    assert response.status_code == 413
    errors = {e["data-field"]: e["_text"] for e in elements(response.get_data(as_text=True), "field-error")}
    assert errors == {f"upload.{row['indikator']}": "berkas bukti dukung paling besar 1 KB"}
