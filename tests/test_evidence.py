"""Evidence files (bukti dukung): uploaded to an open realisation task, checked (size, type
sniffed from the content, the optional virus scanner), stored under their SHA-256, read back
byte-identical by whoever may read the employee's file, the hash in the audit trail."""
from __future__ import annotations

import hashlib

import pytest
from flask import Flask

from engine.errors import Conflict
from engine.evidence import remove_evidence, upload_evidence
from engine.kinerja import Kinerja
from engine.realisation import reported_for_task
from engine.tasks import complete_task
from tests.support import (
    EXE,
    HTML,
    PDF,
    ApiClient,
    audit_events,
    elements,
    error_of,
    evidence_upload,
    inbox_task,
    login,
    realisation_answer,
)


def audit_data(kinerja: Kinerja, action: str) -> list[dict]:
    return [event.data for event in audit_events(kinerja, action)]


def test_an_uploaded_file_downloads_byte_identical_and_its_hash_is_in_the_audit_trail(
        api: ApiClient, realisation_task: int, deployed: Kinerja) -> None:
    uploaded = api.post(f"/tasks/{realisation_task}/evidence", "rina", **evidence_upload(PDF))
    assert uploaded.status_code == 201, uploaded.get_json()
    facts = uploaded.get_json()
    digest = hashlib.sha256(PDF).hexdigest()
    assert (facts["filename"], facts["content_type"], facts["size"], facts["sha256"]) == (
        "laporan.pdf", "application/pdf", len(PDF), digest)

    download = api.get(f"/evidence/{facts['id']}", "rina")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment") and "laporan.pdf" in \
        download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert [event["sha256"] for event in audit_data(deployed, "evidence.uploaded")] == [digest]

    answer = realisation_answer(deployed, realisation_task)
    answer["realisations"][0]["evidence"] = [facts["id"]]
    complete_task(deployed, "rina", realisation_task, answer)
    (reported,) = audit_data(deployed, "realisation.reported")
    assert reported["realisations"][0]["evidence"] == [{"id": facts["id"], "sha256": digest,
                                                        "filename": "laporan.pdf"}]


def test_who_may_read_the_employee_downloads_others_do_not_learn_it_exists(
        api: ApiClient, app: Flask, realisation_task: int, deployed: Kinerja) -> None:
    evidence_id = upload_evidence(deployed, "rina", realisation_task, "foto.png", "image/png", PNG)
    for reader in ("rina", "kapus", "kadis", "hr"):
        assert api.get(f"/evidence/{evidence_id}", reader).data == PNG, reader
    error_of(api.get(f"/evidence/{evidence_id}", "dedi"), 404)  # a peer
    page = login(app, "kapus").get(f"/bukti/{evidence_id}")
    assert page.status_code == 200 and page.data == PNG and page.headers["Content-Type"] == "image/png"


def test_the_supervisors_feedback_task_shows_the_periods_evidence_as_downloads_and_links(
        app: Flask, realisation_task: int, deployed: Kinerja) -> None:
    evidence_id = upload_evidence(deployed, "rina", realisation_task, "laporan.pdf", "application/pdf", PDF)
    answer = realisation_answer(deployed, realisation_task)
    answer["realisations"][0].update(evidence=[evidence_id], links=["https://dinkes.example.go.id/idl-q1"])
    complete_task(deployed, "rina", realisation_task, answer)
    feedback = inbox_task(deployed, "kapus", "give_feedback").id
    kapus = login(app, "kapus")
    page = kapus.get(f"/tasks/{feedback}").get_data(as_text=True)

    assert "Realisasi yang dilaporkan — Triwulan I" in page
    (link,) = elements(page, "evidence-link")
    assert (link["href"], link["_text"]) == (f"/bukti/{evidence_id}", "laporan.pdf")
    (listed,) = elements(page, "reported-evidence-file")
    assert f"SHA-256 {hashlib.sha256(PDF).hexdigest()[:12]}…" in listed["_text"] and " KB" in listed["_text"]
    (url,) = elements(page, "evidence-url")
    assert url["href"] == "https://dinkes.example.go.id/idl-q1" and "noopener" in url["rel"]
    download = kapus.get(link["href"])
    assert download.status_code == 200 and download.data == PDF

    assert reported_for_task(deployed, "dedi", feedback) is None, "a peer does not read Rina's evidence"
    assert reported_for_task(deployed, "rina", realisation_task) is None, "only beside the feedback form"


def test_only_whoever_may_complete_the_task_uploads_to_it(api: ApiClient, realisation_task: int) -> None:
    error_of(api.post(f"/tasks/{realisation_task}/evidence", "kapus", **evidence_upload(PDF)), 403)  # sees it
    error_of(api.post(f"/tasks/{realisation_task}/evidence", "dedi", **evidence_upload(PDF)), 404)  # does not


def test_a_file_over_the_limit_is_413_naming_the_limit(api: ApiClient, realisation_task: int,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINERJA_EVIDENCE_MAX_BYTES", str(64 * 1024))
    too_large = PDF + bytes(64 * 1024)
    error = error_of(api.post(f"/tasks/{realisation_task}/evidence", "rina", **evidence_upload(too_large)),
                     413, "too_large")
    assert "64 KB" in error["message"]
    assert api.post(f"/tasks/{realisation_task}/evidence", "rina",
                    **evidence_upload(PDF + bytes(1024))).status_code == 201, "under the limit is fine"


def test_a_request_over_the_body_limit_is_413_naming_it_not_a_reset(make_app, realisation_task: int) -> None:
    api = ApiClient(make_app(MAX_CONTENT_LENGTH=32 * 1024).test_client())
    error = error_of(api.post(f"/tasks/{realisation_task}/evidence", "rina", **evidence_upload(PDF + bytes(40_000))),
                     413, "too_large")
    assert "32 KB" in error["message"]


@pytest.mark.parametrize("content, filename, content_type", [
    (EXE, "laporan.pdf", "application/pdf"),
    (HTML, "laporan.pdf", "application/pdf"),
    (HTML, "laporan.html", "text/html"),
    (PDF, "laporan.png", "image/png"),  # a PDF is fine, but not named a PNG
    (b"", "kosong.pdf", "application/pdf"),
], ids=["exe-named-pdf", "html-named-pdf", "html", "pdf-named-png", "empty"])
def test_refused_types_are_422_naming_the_accepted_ones(api: ApiClient, realisation_task: int, deployed: Kinerja,
                                                        content: bytes, filename: str, content_type: str) -> None:
    response = api.post(f"/tasks/{realisation_task}/evidence", "rina",
                        **evidence_upload(content, filename, content_type))
    error = error_of(response, 422)
    if content:
        assert "PDF, PNG, JPEG, DOCX, XLSX, PPTX, ODT, ODS" in error["message"]
    assert audit_data(deployed, "evidence.uploaded") == [], "nothing was recorded"


def test_the_virus_scanner_hook_decides_when_it_is_set(api: ApiClient, realisation_task: int,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINERJA_EVIDENCE_SCAN_COMMAND", "false")
    error = error_of(api.post(f"/tasks/{realisation_task}/evidence", "rina", **evidence_upload(PDF)), 422)
    assert "ditolak oleh pemindai virus" in error["message"]
    monkeypatch.setenv("KINERJA_EVIDENCE_SCAN_COMMAND", "cmp -s - /dev/stdin")  # reads the file, exits 0
    assert api.post(f"/tasks/{realisation_task}/evidence", "rina", **evidence_upload(PDF)).status_code == 201


def test_an_indicator_of_another_skp_is_422(api: ApiClient, realisation_task: int) -> None:
    response = api.post(f"/tasks/{realisation_task}/evidence", "rina", **evidence_upload(PDF, indikator="999999"))
    assert "bukan bagian dari SKP" in error_of(response, 422)["message"]


def test_an_upload_is_removed_while_the_task_is_open_only(realisation_task: int, deployed: Kinerja) -> None:
    first = upload_evidence(deployed, "rina", realisation_task, "a.pdf", "application/pdf", PDF)
    second = upload_evidence(deployed, "rina", realisation_task, "b.pdf", "application/pdf", PDF + b" ")
    remove_evidence(deployed, "rina", first)
    assert [event["evidence_id"] for event in audit_data(deployed, "evidence.removed")] == [first]
    complete_task(deployed, "rina", realisation_task, realisation_answer(deployed, realisation_task))
    with pytest.raises(Conflict):
        remove_evidence(deployed, "rina", second)


PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
