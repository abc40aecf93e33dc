"""The printed documents (DESIGN §1.6): the SKP and the Dokumen Evaluasi Kinerja Pegawai as
PDF, rendered from the tables, read back here with pypdf: every field a reader needs, the
electronic approvals with their times, the verification code, Indonesian dates; the variant
for wet signatures; the same readers as the SKP and the evaluations."""
from __future__ import annotations

import os
import re
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.clock import FixedClock
from engine.documents import evaluation_pdf, skp_pdf
from engine.evaluation_signing import signed_hash
from engine.evaluation_tables import Evaluation
from engine.errors import NotFound
from engine.kinerja import Kinerja
from engine.models import ProcessInstance
from engine.timers import fire_due_timers
from engine.skp import list_skp, skp_editor
from tests.support import (
    APPROVE_SKP,
    EVIDENCE_NAME,
    ROOT,
    ApiClient,
    SmallOrg,
    agree_skp,
    agreed_skp_id,
    audit_events,
    do_task,
    elements,
    error_of,
    evaluated_year,
    evaluation_ids,
    inbox_task,
    login,
    open_cycle,
    pdf_text,
)

BASE = "https://kinerja.bungokab.go.id"
RINA, KAPUS = ("Rina Marlina, Amd.Kep", "199003032015031003"), ("Siti Aminah, SKM", "198002022005012002")
CODE = re.compile(r"Kode verifikasi: ([A-Z2-7]{10})")


def full_skp(kinerja: Kinerja, task_id: int) -> dict[str, Any]:
    """Rina's SKP with all its parts: two RHK utama (one with two indicators) and one tambahan,
    Rencana Aksi, an Ekspektasi Khusus Pimpinan and the lampiran."""
    parents = skp_editor(kinerja, "rina", task_id).parents
    reference = {"sasaran" if parents.top else "intervensi": parents.choices[0].id}
    return {"rhk": [
        {"kind": "utama", "text": "Meningkatnya cakupan imunisasi dasar lengkap", **reference, "indicators": [
            {"aspek": "kuantitas", "text": "Cakupan IDL", "target_value": 95, "target_unit": "persen"},
            {"aspek": "waktu", "text": "Laporan bulanan imunisasi", "target_value": 12, "target_unit": "laporan"}],
         "rencana_aksi": [{"period": 1, "text": "Sweeping imunisasi di posyandu"}]},
        {"kind": "utama", "text": "Terlaksananya pelayanan kesehatan ibu hamil", **reference, "indicators": [
            {"aspek": "kualitas", "text": "Ibu hamil mendapat pelayanan K4",
             "target_description": "Seluruh ibu hamil di wilayah kerja terlayani sesuai standar"}]},
        {"kind": "tambahan", "text": "Terlaksananya tugas sebagai bendahara posyandu", "indicators": [
            {"aspek": "kuantitas", "text": "Laporan keuangan posyandu", "target_value": 4, "target_unit": "laporan"}]}],
        "perilaku": {"kolaboratif": "Aktif membantu kader posyandu"},
        "lampiran": {"dukungan_sumber_daya": ["Vaksin dan rantai dingin"], "konsekuensi": ["Teguran tertulis"]}}


@pytest.fixture
def rina_skp(org: SmallOrg, deployed: Kinerja) -> int:
    """Rina's full SKP, signed by her and set by her Pejabat Penilai (Siti Aminah)."""
    cycle_id = open_cycle(deployed).cycle_id
    agree_skp(deployed, org.employee_ids[KAPUS[1]], cycle_id)
    task = inbox_task(deployed, "rina", "draft_skp")
    do_task(deployed, "rina", "draft_skp", full_skp(deployed, task.id))
    do_task(deployed, "kapus", "approve_skp", APPROVE_SKP)
    return agreed_skp_id(deployed, org.cycle_employee, cycle_id)


def test_the_agreed_skp_prints_every_part_with_its_approvals(rina_skp: int, deployed: Kinerja) -> None:
    document = skp_pdf(deployed, "rina", rina_skp, BASE)
    assert document.content.startswith(b"%PDF") and document.filename == f"SKP-{RINA[1]}-2026-v1.pdf"
    text = pdf_text(document.content)
    for expected in ("SASARAN KINERJA PEGAWAI", "Pemerintah Kabupaten Bungo", "1 Januari 2026 s.d. 31 Desember 2026",
                     *RINA, *KAPUS, "Pengatur, II/c", "Penata Tingkat I, III/d", "Perawat", "Kepala Puskesmas",
                     "Puskesmas Muara Bungo", "A. Utama", "B. Tambahan",
                     "Meningkatnya cakupan imunisasi dasar lengkap", "Cakupan IDL", "95 persen",
                     "Laporan bulanan imunisasi", "12 laporan", "Waktu", "Ibu hamil mendapat pelayanan K4",
                     "Seluruh ibu hamil di wilayah kerja terlayani sesuai standar",
                     "Terlaksananya tugas sebagai bendahara posyandu", "4 laporan",
                     "Sweeping imunisasi di posyandu", "Triwulan I", "Berorientasi Pelayanan", "Kolaboratif",
                     "Aktif membantu kader posyandu", "Vaksin dan rantai dingin", "Teguran tertulis",
                     "Bungo, 5 Januari 2026"):
        assert expected in text, expected
    assert f"Kode verifikasi: {document.code}" in text and f"{BASE}/verify/{document.code}" in text
    signed = f"Disetujui secara elektronik oleh {RINA[0]} (NIP {RINA[1]}) pada 5 Januari 2026 pukul"
    set_ = f"Disetujui secara elektronik oleh {KAPUS[0]} (NIP {KAPUS[1]}) pada 5 Januari 2026 pukul"
    assert signed in text and set_ in text
    assert re.search(r"pada 5 Januari 2026 pukul \d\d\.\d\d WIB", text)
    assert "KONSEP" not in text


def test_the_same_record_prints_the_same_bytes_and_code(rina_skp: int, deployed: Kinerja) -> None:
    first, again = skp_pdf(deployed, "rina", rina_skp, BASE), skp_pdf(deployed, "kapus", rina_skp, BASE)
    assert (again.code, again.content) == (first.code, first.content)


def test_the_wet_signature_variant_has_empty_blocks_and_its_own_code(rina_skp: int, deployed: Kinerja) -> None:
    electronic, wet = skp_pdf(deployed, "rina", rina_skp, BASE), skp_pdf(deployed, "rina", rina_skp, BASE, wet=True)
    text = pdf_text(wet.content)
    assert "Disetujui secara elektronik oleh" not in text
    assert "Pegawai yang Dinilai" in text and "Pejabat Penilai Kinerja" in text and f"NIP {KAPUS[1]}" in text
    assert wet.code != electronic.code and f"Kode verifikasi: {wet.code}" in text


def test_a_draft_prints_as_a_draft_without_approvals(org: SmallOrg, deployed: Kinerja) -> None:
    cycle_id = open_cycle(deployed).cycle_id
    agree_skp(deployed, org.employee_ids[KAPUS[1]], cycle_id)
    task = inbox_task(deployed, "rina", "draft_skp")
    do_task(deployed, "rina", "draft_skp", full_skp(deployed, task.id))  # signed, not yet set
    [submitted] = list_skp(deployed, "rina", cycle_id=cycle_id)
    text = pdf_text(skp_pdf(deployed, "rina", submitted.id, BASE).content)
    assert "KONSEP" in text and f"oleh {RINA[0]}" in text and f"oleh {KAPUS[0]}" not in text


def test_only_those_who_read_the_skp_get_its_document(rina_skp: int, deployed: Kinerja, app: Flask,
                                                       api: ApiClient) -> None:
    for reader in ("rina", "kapus", "kadis", "hr", "auditor"):
        assert skp_pdf(deployed, reader, rina_skp, BASE).code
    with pytest.raises(NotFound):
        skp_pdf(deployed, "dedi", rina_skp, BASE)
    assert login(app, "dedi").get(f"/skp/{rina_skp}/document.pdf").status_code == 404
    error_of(api.get(f"/skp/{rina_skp}/document.pdf", "dedi"), 404)
    page = login(app, "rina").get(f"/skp/{rina_skp}/document.pdf")
    assert page.status_code == 200 and page.mimetype == "application/pdf"
    assert page.headers["X-Verification-Code"] in pdf_text(page.data)
    response = api.get(f"/skp/{rina_skp}/document.pdf?tanda_tangan=basah", "kapus")
    assert response.status_code == 200 and "Disetujui secara elektronik" not in pdf_text(response.data)
    error_of(api.get(f"/skp/{rina_skp}/document.pdf?tanda_tangan=tinta", "kapus"), 422)
    error_of(api.get("/skp/999999/document.pdf", "kapus"), 404)
    error_of(api.get(f"/skp/{rina_skp}/document.pdf"), 401)


@pytest.fixture
def year(org: SmallOrg, deployed: Kinerja) -> dict[int, int]:
    """Rina's evaluated year (see tests.support.evaluated_year), accepted by her: final."""
    evaluated_year(deployed, org)
    do_task(deployed, "rina", "review_predikat", {"file_objection": False})
    return evaluation_ids(deployed, org.cycle_employee)


def test_the_period_evaluation_prints_realisation_evidence_feedback_and_ratings(
        year: dict[int, int], deployed: Kinerja) -> None:
    document = evaluation_pdf(deployed, "rina", year[1], BASE)
    text = pdf_text(document.content)
    for expected in ("DOKUMEN EVALUASI KINERJA PEGAWAI", "PERIODE: PERIODE 1 2026", *RINA, *KAPUS,
                     "Meningkatnya cakupan imunisasi dasar lengkap", "Cakupan IDL", "95 persen",
                     "115 persen (capaian 121,05 %)", EVIDENCE_NAME, "Umpan balik RHK", "Laporan tepat waktu",
                     "Aktif di lokakarya mini", "Rating hasil kerja: Sesuai Ekspektasi",
                     "Rating perilaku kerja: Sesuai Ekspektasi", "PREDIKAT KINERJA PEGAWAI Baik", "CAPAIAN KINERJA ORGANISASI Baik",
                     f"Disetujui secara elektronik oleh {KAPUS[0]} (NIP {KAPUS[1]}) pada"):
        assert expected in text, expected
    assert f"Kode verifikasi: {document.code}" in text


def test_the_annual_evaluation_prints_the_unit_result_pattern_ratings_and_predikat(
        year: dict[int, int], deployed: Kinerja) -> None:
    text = pdf_text(evaluation_pdf(deployed, "kapus", year[0], BASE).content)
    for expected in ("PERIODE: TAHUNAN 2026", "1 Januari 2026 s.d. 31 Desember 2026", *RINA, *KAPUS,
                     "Baik \u2014 Laporan evaluasi kinerja unit (LAKIP) 2026", "Baik kelompok terbanyak",
                     "sebaran unit (final)", "115 persen", EVIDENCE_NAME, "Periode 1: Umpan balik RHK",
                     "Rating hasil kerja: Di Atas Ekspektasi", "Rating perilaku kerja: Di Atas Ekspektasi",
                     "PREDIKAT KINERJA PEGAWAI Sangat Baik", "Final",
                     f"Disetujui secara elektronik oleh {KAPUS[0]} (NIP {KAPUS[1]}) pada",
                     "Penetapan predikat final"):
        assert expected in text, expected
    assert "Atasan Pejabat Penilai Kinerja" not in text, "no objection: only the Pejabat Penilai signs"


def test_the_pejabat_penilai_signs_the_final_document_over_its_content_hash(
        year: dict[int, int], deployed: Kinerja, clock: FixedClock, app: Flask) -> None:
    before = evaluation_pdf(deployed, "kapus", year[0], BASE)
    task = inbox_task(deployed, "kapus", "sign_evaluation")
    assert task.due_at is not None, "the signature has its deadline"
    page = login(app, "kapus").get(f"/tasks/{task.id}").get_data(as_text=True)
    [link] = elements(page, "document-to-sign-link")
    assert link["href"] == f"/evaluations/{year[0]}/document.pdf", "the page links what is signed"
    with deployed.reading() as uow:
        expected = signed_hash(deployed, uow.session, uow.session.get(Evaluation, year[0]))
    clock.advance(timedelta(hours=2))
    do_task(deployed, "kapus", "sign_evaluation", {"sign": True})
    [signed] = audit_events(deployed, "evaluation.signed")
    assert signed.actor == "kapus" and signed.data["content_sha256"] == expected
    after = evaluation_pdf(deployed, "rina", year[0], BASE)
    assert after.code != before.code, "a signature is a new approval: the paper with it has its own code"
    text = pdf_text(after.content)
    assert f"Pejabat Penilai Kinerja (tanda tangan dokumen): {KAPUS[0]} (NIP {KAPUS[1]})" in text
    assert f"peristiwa no. {signed.seq}" in text, "the Pejabat Penilai's block shows the signature's event"
    with deployed.reading() as uow:
        assert signed_hash(deployed, uow.session, uow.session.get(Evaluation, year[0])) == expected, \
            "the hash covers the content, not the approvals, so the signed paper still matches it"
    assert inbox_task(deployed, "ppk", "approve_follow_up"), "the follow-up comes after the signature"


def test_an_unsigned_document_is_recorded_and_the_year_goes_on(year: dict[int, int], deployed: Kinerja,
                                                               clock: FixedClock) -> None:
    clock.advance(timedelta(days=8))
    fire_due_timers(deployed)
    [lapsed] = audit_events(deployed, "evaluation.signature_lapsed")
    assert lapsed.data["evaluation_id"] == year[0]
    assert inbox_task(deployed, "ppk", "approve_follow_up")
    assert "Disetujui secara elektronik oleh" in pdf_text(evaluation_pdf(deployed, "kapus", year[0], BASE).content)


def test_an_objection_adds_the_supervisors_supervisor(org: SmallOrg, deployed: Kinerja) -> None:
    evaluated_year(deployed, org)
    do_task(deployed, "rina", "review_predikat", {"file_objection": True,
                                                  "objection_reason": "Realisasi triwulan IV belum dihitung"})
    do_task(deployed, "kadis", "objection_hearing", {"question_to_rater": "Apa dasar rating hasil kerja?",
                                                     "question_to_employee": "Bukti apa yang belum dipertimbangkan?"})
    do_task(deployed, "kapus", "explain_rater", {"explanation": "Realisasi sesuai laporan"})
    do_task(deployed, "rina", "explain_employee", {"explanation": "Laporan terlambat diunggah"})
    do_task(deployed, "kadis", "decide_objection", {"objection_upheld": False,
                                                    "decision_reason": "Penilaian sesuai bukti realisasi"})
    text = pdf_text(evaluation_pdf(deployed, "rina", evaluation_ids(deployed, org.cycle_employee)[0], BASE).content)
    assert "Atasan Pejabat Penilai Kinerja" in text and "Realisasi triwulan IV belum dihitung" in text
    assert "Disetujui secara elektronik oleh dr. Hasan Basri (NIP 197001012000011001) pada" in text
    assert "ditolak \u2014 Penilaian sesuai bukti realisasi" in text


def test_only_those_who_read_the_evaluations_get_the_document(year: dict[int, int], deployed: Kinerja,
                                                               api: ApiClient) -> None:
    with pytest.raises(NotFound):
        evaluation_pdf(deployed, "dedi", year[0], BASE)
    response = api.get(f"/evaluations/{year[0]}/document.pdf", "hr")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    error_of(api.get(f"/evaluations/{year[0]}/document.pdf", "dedi"), 404)
    error_of(api.get("/evaluations/999999/document.pdf", "hr"), 404)


@pytest.mark.skipif(os.environ.get("KINERJA_WRITE_DOC_IMAGES") != "1",
                    reason="writes docs/images/*.png only when KINERJA_WRITE_DOC_IMAGES=1")
def test_write_the_page_images_of_the_readme(year: dict[int, int], org: SmallOrg, deployed: Kinerja,
                                              tmp_path: Path) -> None:
    """The first page of each document as the README shows it (pdftoppm, poppler-utils)."""
    [agreed] = list_skp(deployed, "rina")
    skp = skp_pdf(deployed, "rina", agreed.id, BASE)
    evaluation = evaluation_pdf(deployed, "rina", year[0], BASE)
    images = ROOT / "docs" / "images"
    images.mkdir(parents=True, exist_ok=True)
    for name, document in (("skp", skp), ("evaluasi", evaluation)):
        source = tmp_path / f"{name}.pdf"
        source.write_bytes(document.content)
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(source),
                        str(images / name)], check=True)
        assert (images / f"{name}.png").stat().st_size > 10_000



def test_the_pages_link_each_document_for_its_readers(year: dict[int, int], org: SmallOrg, deployed: Kinerja,
                                                      app: Flask) -> None:
    rina = login(app, "rina")
    html = rina.get("/my-cycle").get_data(as_text=True)
    links = [elements(html, testid)[0]["href"] for testid in ("my-skp-pdf", "period-document-link",
                                                              "annual-document-link")]
    assert links[1:] == [f"/evaluations/{year[1]}/document.pdf", f"/evaluations/{year[0]}/document.pdf"]
    for link in links:
        response = rina.get(link)
        assert response.status_code == 200 and response.mimetype == "application/pdf", link
    [skp] = list_skp(deployed, "rina")
    skp_page = rina.get(f"/skp/{skp.id}").get_data(as_text=True)
    assert elements(skp_page, "skp-pdf-wet")[0]["href"] == f"/skp/{skp.id}/document.pdf?tanda_tangan=basah"
    auditor = login(app, "auditor")
    instance_page = auditor.get(f"/audit/instances/{_instance(deployed, org)}").get_data(as_text=True)
    assert {item["href"] for item in elements(instance_page, "evaluation-document-link")} == {
        f"/evaluations/{year[1]}/document.pdf", f"/evaluations/{year[0]}/document.pdf"}
    assert auditor.get(f"/evaluations/{year[0]}/document.pdf").status_code == 200


def _instance(kinerja: Kinerja, org: SmallOrg) -> int:
    with kinerja.reading() as uow:
        return uow.session.scalar(select(ProcessInstance.id).where(
            ProcessInstance.subject_employee_id == org.cycle_employee, ProcessInstance.cycle_id.is_not(None)))
