"""All printed documents of a cycle as one ZIP for HR (issue 16, bulk): built in the
background a batch at a time with progress, one PDF per document in a folder per unit, the
same verification codes as a single download; a second run reuses what is unchanged and
issues anew only what changed; only HR of the cycle's organisation asks and downloads."""
from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from flask import Flask

from engine.demo import seed_demo_organisation, seed_demo_skp
from engine.document_bundles import (
    bundle_download,
    bundle_started,
    document_bundle,
    finish_bundle,
    render_bundle_batch,
    request_document_bundle,
    run_bundle,
)
from engine.documents import evaluation_pdf, skp_pdf
from engine.errors import Conflict, Forbidden, NotFound
from engine.kinerja import Kinerja
from engine.models import Employee, Unit
from tests.support import (
    ApiClient,
    SmallOrg,
    agreed_skp_id,
    do_task,
    elements,
    error_of,
    evaluated_year,
    evaluation_ids,
    follow_until_finished,
    login,
    open_cycle,
    pdf_text,
    text,
)

BASE = "https://kinerja.bungokab.go.id"
RINA = "199003032015031003"
FOLDER = "pkm-mb Puskesmas Muara Bungo"
OBJECTION = "Realisasi triwulan IV belum dihitung"
CODE = re.compile(r"Kode verifikasi: ([A-Z2-7]{10})")
RINAS = {f"{FOLDER}/SKP-{RINA}-2026-v1.pdf", f"{FOLDER}/Evaluasi-{RINA}-2026-periode-1.pdf",
         f"{FOLDER}/Evaluasi-{RINA}-2026-tahunan.pdf"}


@pytest.fixture
def year(org: SmallOrg, deployed: Kinerja) -> int:
    """Rina's evaluated year (tests.support.evaluated_year), waiting for her response; the cycle id."""
    return evaluated_year(deployed, org).cycle_id


def files_of(deployed: Kinerja, bundle_id: int) -> dict[str, bytes]:
    """The ZIP's entries, as HR downloads it."""
    name, content = bundle_download(deployed, "hr", bundle_id)
    assert name == "dokumen-bungo-2026.zip"
    return entries(content)


def entries(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {entry: archive.read(entry) for entry in archive.namelist()}


def codes_of(files: dict[str, bytes]) -> dict[str, str]:
    return {path: CODE.findall(pdf_text(pdf))[0] for path, pdf in files.items()}


def test_the_bundle_holds_one_readable_pdf_per_document_in_unit_folders(year: int, org: SmallOrg,
                                                                         deployed: Kinerja) -> None:
    queued = request_document_bundle(deployed, "hr", year, None, BASE)
    assert (queued.status, queued.total, queued.done) == ("queued", 3, 0)
    with pytest.raises(Conflict):
        bundle_download(deployed, "hr", queued.id)
    finished = run_bundle(deployed, "hr", queued.id, batch_size=2)
    assert (finished.status, finished.done, finished.failed, finished.reused) == ("done", 3, 0, 0)
    files = files_of(deployed, queued.id)
    assert set(files) == RINAS
    assert "Rina Marlina" in pdf_text(files[f"{FOLDER}/SKP-{RINA}-2026-v1.pdf"])
    single = skp_pdf(deployed, "rina", agreed_skp_id(deployed, org.cycle_employee, year), BASE)
    assert files[f"{FOLDER}/SKP-{RINA}-2026-v1.pdf"] == single.content, "the same code and bytes as one download"


def test_a_second_run_reuses_the_unchanged_and_reissues_the_changed(year: int, org: SmallOrg,
                                                                      deployed: Kinerja) -> None:
    first = request_document_bundle(deployed, "hr", year, None, BASE)
    run_bundle(deployed, "hr", first.id)
    before = files_of(deployed, first.id)
    again = run_bundle(deployed, "hr", request_document_bundle(deployed, "hr", year, None, BASE).id)
    assert (again.reused, again.zip_sha256) == (3, document_bundle(deployed, "hr", first.id).zip_sha256)
    do_task(deployed, "rina", "review_predikat", {"file_objection": True, "objection_reason": OBJECTION})
    changed = run_bundle(deployed, "hr", request_document_bundle(deployed, "hr", year, None, BASE).id)
    assert changed.reused == 2
    after = files_of(deployed, changed.id)
    annual = f"{FOLDER}/Evaluasi-{RINA}-2026-tahunan.pdf"
    assert {path for path in RINAS if after[path] == before[path]} == RINAS - {annual}
    old, new = codes_of(before), codes_of(after)
    assert old[annual] != new[annual] and OBJECTION in pdf_text(after[annual])
    assert new[annual] == evaluation_pdf(deployed, "hr", evaluation_ids(deployed, org.cycle_employee)[0], BASE).code


def test_one_units_bundle_and_who_may_ask(year: int, org: SmallOrg, deployed: Kinerja, other_org: str) -> None:
    with deployed.reading() as uow:
        unit_id = uow.session.get(Employee, org.cycle_employee).unit_id
        other_unit = next(unit.id for unit in uow.session.query(Unit) if unit.id != unit_id)
    assert run_bundle(deployed, "hr", request_document_bundle(deployed, "hr", year, unit_id, BASE).id).total == 3
    assert run_bundle(deployed, "hr", request_document_bundle(deployed, "hr", year, other_unit, BASE).id).total == 0
    for refused in ("rina", "kapus", "auditor"):
        with pytest.raises(Forbidden):
            request_document_bundle(deployed, refused, year, None, BASE)
    with pytest.raises(NotFound):
        request_document_bundle(deployed, "hr-kph", year, None, BASE)
    bundle = request_document_bundle(deployed, "hr", year, None, BASE)
    with pytest.raises(NotFound):
        document_bundle(deployed, "hr-kph", bundle.id)
    with pytest.raises(NotFound):
        request_document_bundle(deployed, "hr", year, 999999, BASE)


def test_hr_follows_the_bundle_on_the_cycle_page_and_downloads_it(year: int, app: Flask) -> None:
    hr = login(app, "hr")
    response = hr.post(f"/cycles/{year}/documents", data={"unit": ""})
    assert response.status_code == 303
    page = follow_until_finished(hr, f"/cycles/{year}")
    assert elements(page, "bundle")[0]["data-status"] == "done"
    assert text(page, "bundle-progress") == "3 / 3 dokumen"
    download = hr.get(elements(page, "bundle-download")[0]["href"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert set(entries(download.data)) == RINAS
    assert hr.post(f"/cycles/{year}/documents", data={"unit": "x"}).status_code == 303  # told to choose
    kapus = login(app, "kapus")
    assert kapus.post(f"/cycles/{year}/documents", data={"unit": ""}).status_code == 403
    assert kapus.get(elements(page, "bundle-download")[0]["href"]).status_code == 403


def test_the_api_queues_follows_and_downloads_a_bundle(year: int, api: ApiClient, other_org: str) -> None:
    queued = api.ok("post", f"/cycles/{year}/documents", "hr", 202, json={})
    assert (queued["status"], queued["total"], queued["unit_id"]) == ("queued", 3, None)
    deadline = time.monotonic() + 120
    while (bundle := api.ok("get", f"/document-bundles/{queued['id']}", "hr"))["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, bundle
        time.sleep(0.2)
    assert (bundle["status"], bundle["done"], bundle["failed"]) == ("done", 3, 0)
    download = api.get(f"/document-bundles/{queued['id']}/download", "hr")
    assert download.status_code == 200 and set(entries(download.data)) == RINAS
    error_of(api.post(f"/cycles/{year}/documents", "hr", json={"unit_id": "satu"}), 422)
    error_of(api.post(f"/cycles/{year}/documents", "rina", json={}), 403)
    error_of(api.get(f"/document-bundles/{queued['id']}", "kapus"), 403)
    error_of(api.post(f"/cycles/{year}/documents", "hr-kph", json={}), 404)
    error_of(api.get(f"/document-bundles/{queued['id']}", "hr-kph"), 404)
    error_of(api.get(f"/document-bundles/{queued['id']}/download", "hr-kph"), 404)


@pytest.mark.slow
def test_the_demo_organisations_bundle_has_one_skp_per_employee_who_agreed_one(deployed: Kinerja) -> None:
    seed_demo_organisation(deployed)
    cycle_id = open_cycle(deployed, actor="demo").cycle_id
    agreed = seed_demo_skp(deployed, cycle_id).agreed
    queued = request_document_bundle(deployed, "hr", cycle_id, None, BASE)
    assert queued.total == agreed == 15
    bundle_started(deployed, "hr", queued.id)
    seen = []
    for number in range(4):  # as the flow runs it, four documents a batch
        render_bundle_batch(deployed, "hr", queued.id, number, 4)
        seen.append(document_bundle(deployed, "hr", queued.id).done)
    assert seen == [4, 8, 12, 15], "the progress HR sees, batch by batch"
    finished = finish_bundle(deployed, "hr", queued.id)
    assert (finished.status, finished.done, finished.failed) == ("done", agreed, 0)
    files = entries(bundle_download(deployed, "hr", queued.id)[1])
    nips = {path.rsplit("/", 1)[1].split("-")[1] for path in files}
    assert len(files) == len(nips) == agreed and all(path.endswith("-2026-v1.pdf") for path in files)
    assert all(CODE.search(pdf_text(pdf)) for pdf in files.values())
    again = run_bundle(deployed, "hr", request_document_bundle(deployed, "hr", cycle_id, None, BASE).id)
    assert again.reused == agreed and again.zip_sha256 == finished.zip_sha256, "re-running renders nothing"
