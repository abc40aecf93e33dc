"""A printed document checked by anyone, without logging in (DESIGN §1.6): its code names
the document and its approvers; the genuine PDF verifies byte for byte; a PDF with one byte
changed, an altered audit row, an edited record or an edited issue row each make the page
say that it does not match; an unknown code is a 404 page, not a 500."""
from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from engine.document_render import render_pdf, tanggal, waktu
from engine.document_tables import IssuedDocument
from engine.document_verification import mask_nip, verify_document
from engine.documents import DocumentFile, current_content, skp_pdf
from engine.kinerja import Kinerja
from engine.models import AuditEvent
from engine.skp_tables import Rhk
from tests.support import (
    SmallOrg,
    agree_skp,
    agreed_skp_id,
    elements,
    error_of,
    open_cycle,
    text,
)
from web import limiter

RINA_NIP = "199003032015031003"


@pytest.fixture
def issued(org: SmallOrg, deployed: Kinerja) -> DocumentFile:
    """Rina's agreed SKP as she downloaded it."""
    cycle_id = open_cycle(deployed).cycle_id
    agree_skp(deployed, org.cycle_employee, cycle_id)
    return skp_pdf(deployed, "rina", agreed_skp_id(deployed, org.cycle_employee, cycle_id), "http://localhost")


@pytest.fixture
def visitor(app: Flask) -> FlaskClient:
    """Someone who is not signed in."""
    limiter.reset()  # the in-memory limits are per process
    return app.test_client()


def _page(visitor: FlaskClient, code: str, **kwargs: Any) -> tuple[int, str]:
    response = visitor.post(f"/verify/{code}", **kwargs) if kwargs else visitor.get(f"/verify/{code}")
    return response.status_code, response.get_data(as_text=True)


def _upload(pdf: bytes) -> dict[str, Any]:
    return {"data": {"berkas": (io.BytesIO(pdf), "skp.pdf", "application/pdf")}, "content_type": "multipart/form-data"}


def test_the_genuine_document_verifies_without_login(issued: DocumentFile, visitor: FlaskClient) -> None:
    status, html = _page(visitor, issued.code)
    assert status == 200
    [result] = elements(html, "verify-result")
    assert result["data-matches"] == "true" and "cocok" in text(html, "verify-verdict")
    assert text(html, "verify-employee") == "Rina Marlina, Amd.Kep, NIP 1990\u2022\u2022\u2022\u2022\u2022\u2022" \
                                            "\u2022\u2022\u2022\u20221003"
    assert RINA_NIP not in html, "the full NIP is not shown"
    approvals = [item["_text"] for item in elements(html, "verify-approval")]
    assert len(approvals) == 2 and "Pegawai yang dinilai: Rina Marlina" in approvals[0]
    assert "Pejabat Penilai Kinerja: Siti Aminah, SKM (NIP 1980" in approvals[1]
    assert text(html, "verify-period") == "2026"
    status, html = _page(visitor, issued.code.lower())
    assert status == 200, "a code typed in lower case is the same code"


def test_an_uploaded_pdf_matches_only_byte_for_byte(issued: DocumentFile, visitor: FlaskClient) -> None:
    status, html = _page(visitor, issued.code, **_upload(issued.content))
    assert status == 200 and elements(html, "upload-verdict")[0]["data-matches"] == "true"
    altered = bytearray(issued.content)
    altered[len(altered) // 2] ^= 0x01
    status, html = _page(visitor, issued.code, **_upload(bytes(altered)))
    assert status == 200 and elements(html, "upload-verdict")[0]["data-matches"] == "false"
    assert "TIDAK cocok" in text(html, "upload-verdict") and "diubah atau dipalsukan" in text(html, "upload-verdict")
    status, html = _page(visitor, issued.code, data={}, content_type="multipart/form-data")
    assert status == 422 and "Pilih berkas PDF" in text(html, "upload-verdict")


def _tamper(kinerja: Kinerja, statement: Any) -> None:
    with kinerja.unit_of_work() as uow:
        uow.session.execute(statement)
        uow.session.commit()


def test_an_altered_audit_row_breaks_the_match(issued: DocumentFile, deployed: Kinerja,
                                               visitor: FlaskClient) -> None:
    with deployed.reading() as uow:
        signed = uow.session.scalar(select(AuditEvent.seq).where(AuditEvent.action == "skp.signed")
                                    .order_by(AuditEvent.seq.desc()).limit(1))
    _tamper(deployed, update(AuditEvent).where(AuditEvent.seq == signed - 1).values(actor="dipalsukan"))
    status, html = _page(visitor, issued.code)
    assert status == 200 and elements(html, "verify-result")[0]["data-matches"] == "false"
    assert "TIDAK cocok" in text(html, "verify-verdict")
    assert f"peristiwa no. {signed - 1} telah diubah" in text(html, "verify-problems")


def test_a_record_changed_after_printing_no_longer_matches(issued: DocumentFile, deployed: Kinerja,
                                                           visitor: FlaskClient) -> None:
    _tamper(deployed, update(Rhk).values(text="Teks RHK yang diubah langsung di basis data"))
    status, html = _page(visitor, issued.code)
    assert elements(html, "verify-result")[0]["data-matches"] == "false"
    assert "Isi catatan kinerja telah berubah" in text(html, "verify-problems")


def test_an_edited_issue_row_no_longer_matches_its_audit_event(issued: DocumentFile, deployed: Kinerja) -> None:
    forged = "0" * 64
    _tamper(deployed, update(IssuedDocument).values(pdf_hash=forged))
    result = verify_document(deployed, issued.code)
    assert not result.matches and not result.chain_ok
    assert "tidak sama dengan yang tercatat di jejak audit" in result.problems[0]


def test_an_unknown_code_is_a_404_page(issued: DocumentFile, visitor: FlaskClient) -> None:
    for code in ("ABCDEFGHIJ", "bukan-kode", "A" * 500, "ABCDEFGHI1"):
        status, html = _page(visitor, code)
        assert status == 404 and elements(html, "error")[0]["data-status"] == "404", code
    assert visitor.post("/verify/ABCDEFGHIJ", **_upload(issued.content)).status_code == 404


def test_the_api_verifies_without_a_token(issued: DocumentFile, visitor: FlaskClient) -> None:
    response = visitor.get(f"/api/v1/verify/{issued.code}")
    body = response.get_json()
    assert response.status_code == 200 and body["matches"] and body["chain_ok"] and body["record_ok"]
    assert (body["kind"], body["version"], body["employee_nip"]) == ("skp", 1, mask_nip(RINA_NIP))
    assert [item["name"] for item in body["approvals"]] == ["Rina Marlina, Amd.Kep", "Siti Aminah, SKM"]
    error_of(visitor.get("/api/v1/verify/ABCDEFGHIJ"), 404)


def test_the_public_page_is_rate_limited(issued: DocumentFile, make_app: Any) -> None:
    limiter.reset()
    client = make_app(VERIFY_RATE_LIMIT="2 per hour").test_client()
    assert [client.get(f"/verify/{issued.code}").status_code for _ in range(3)] == [200, 200, 429]


def test_rendering_is_byte_stable_so_a_document_can_be_rendered_again(issued: DocumentFile,
                                                                      deployed: Kinerja) -> None:
    with deployed.reading() as uow:
        row = uow.session.scalar(select(IssuedDocument).where(IssuedDocument.code == issued.code))
        content = current_content(deployed, uow, row)
    again = [render_pdf(content, issued.code, f"http://localhost/verify/{issued.code}", False) for _ in range(2)]
    assert again[0] == again[1] == issued.content


def test_indonesian_dates_in_jakarta_time() -> None:
    assert tanggal("2026-01-31") == "31 Januari 2026"
    assert tanggal("2026-08-16T20:00:00+00:00") == "17 Agustus 2026", "03.00 WIB is the next day"
    assert waktu("2026-01-31T03:15:00+00:00") == "31 Januari 2026 pukul 10.15 WIB"
