"""One employee's whole year through the web UI alone, in Debian's chromium.

The cycle is opened through the engine and the Kepala Dinas's SKP agreed through it; every
step after that is a person clicking in the browser: the Kepala Puskesmas's SKP, the
nurse's SKP with its cascade, draft, return and agreement, the cascade page, and the rest of
her year — quarterly realisation with evidence and feedback, the annual rating, the unit's
result and calibration (the head's own year reaches it through the engine), her predikat.
Screenshots of the SKP editor, the approval, the cascade page, the calibration and the
employee's stepper land in artifacts/screenshots/ (linked from the README).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from engine.actors import Operator
from engine.audit_trail import iter_events
from engine.audit_verification import verify_audit_chain
from engine.kinerja import Kinerja
from tests.support import BERAKHLAK, PDF, SCREENSHOTS, SmallOrg, agree_skp, complete_until, open_cycle

pytestmark = pytest.mark.browser


def fill(page: Page, values: dict[str, Any]) -> None:
    """Fill form fields by name, whatever widget the form generator chose."""
    for name, value in values.items():
        field = page.locator(f'[name="{name}"]').first
        kind = field.evaluate("e => e.type || e.tagName.toLowerCase()")
        if kind == "radio":
            page.locator(f'[name="{name}"][value="{value}"]').check()
        elif kind in ("select-one", "select"):
            field.select_option(str(value))
        else:
            field.fill(str(value))


def open_task(page: Page, task_key: str, form: bool = True) -> None:
    page.get_by_test_id("nav-inbox").click()
    row = page.locator(f'[data-testid="task-row"][data-task-key="{task_key}"]').first
    if row.count() == 0:
        page.get_by_test_id("tab-group").click()
        row = page.locator(f'[data-testid="task-row"][data-task-key="{task_key}"]').first
    row.get_by_test_id("task-link").click()
    if form:
        expect(page.locator('[data-testid="task-form"], [data-testid="skp-editor"]')).to_be_visible()


def submit(page: Page, done: str = "Tugas selesai") -> None:
    page.get_by_test_id("task-submit").click()
    expect(page.get_by_test_id("flash").first).to_contain_text(done)


def complete(page: Page, task_key: str, values: dict[str, Any]) -> None:
    open_task(page, task_key)
    fill(page, values)
    submit(page)


def add(page: Page, button: str) -> None:
    """Press an editor's add button (the server adds the row) and wait for the page to come back."""
    with page.expect_navigation():
        page.locator(f'[data-testid="{button}"]').last.click()


def choose(page: Page, name: str, label_start: str) -> None:
    """Pick the option of a select whose label starts with ``label_start``."""
    select = page.locator(f'[name="{name}"]')
    label = next(text for text in select.locator("option").all_inner_texts() if text.startswith(label_start))
    select.select_option(label=label)


KADIS, KAPUS = "197001012000011001", "198002022005012002"
QUARTERS = {"periods": "triwulan"}  # Triwulan I–IV, each with its realisation, feedback and predikat
HEAD_RHK = ["Meningkatnya cakupan imunisasi dasar di wilayah Puskesmas", "Meningkatnya kepuasan pasien Puskesmas"]
NURSE_RHK = ["Terlaksananya imunisasi dasar lengkap bagi bayi", "Meningkatnya kepuasan pasien rawat jalan",
             "Menjadi narasumber kelas ibu hamil"]


def test_one_employees_year_through_the_browser(pages: Any, org: SmallOrg, deployed: Kinerja) -> None:
    heads_and_nurse = [org.employee_ids[KADIS], org.employee_ids[KAPUS], org.cycle_employee]  # Dedi: peer only
    cycle_id, (_kadis, kapus_year, _rina) = open_cycle(deployed, heads_and_nurse, settings=QUARTERS)
    agree_skp(deployed, org.employee_ids[KADIS], cycle_id)  # the Kepala Dinas's, agreed by HR
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    rina, kapus, dedi, ppk, kadis = pages("rina"), pages("kapus"), pages("dedi"), pages("ppk"), pages("kadis")
    hr = pages("hr")

    # The Kepala Puskesmas drafts her SKP, each RHK intervening one of the Kepala Dinas's; he agrees it.
    open_task(kapus, "draft_skp")
    choose(kapus, "rhk-0-intervensi", "1. ")
    fill(kapus, {"rhk-0-text": HEAD_RHK[0], "rhk-0-indicators-0-aspek": "kuantitas",
                 "rhk-0-indicators-0-text": "Cakupan imunisasi dasar lengkap",
                 "rhk-0-indicators-0-target_value": "95", "rhk-0-indicators-0-target_unit": "persen"})
    add(kapus, "add-rhk-utama")
    choose(kapus, "rhk-1-intervensi", "1. ")
    fill(kapus, {"rhk-1-text": HEAD_RHK[1], "rhk-1-indicators-0-aspek": "kualitas",
                 "rhk-1-indicators-0-text": "Indeks kepuasan masyarakat",
                 "rhk-1-indicators-0-target_value": "85", "rhk-1-indicators-0-target_unit": "indeks"})
    submit(kapus, "SKP diajukan")
    complete(kadis, "approve_skp", {"skp_decision": "approve"})

    # The nurse drafts hers: two RHK utama, each intervening one of the head's, chosen from the list...
    open_task(rina, "draft_skp")
    expect(rina.get_by_test_id("rhk-intervensi").first).to_contain_text(HEAD_RHK[1])
    choose(rina, "rhk-0-intervensi", f"1. {HEAD_RHK[0]}")
    fill(rina, {"rhk-0-text": NURSE_RHK[0], "rhk-0-indicators-0-aspek": "kuantitas",
                "rhk-0-indicators-0-text": "Persentase bayi diimunisasi lengkap",
                "rhk-0-indicators-0-target_value": "95", "rhk-0-indicators-0-target_unit": "persen"})
    add(rina, "add-indicator")  # ...two indicators on the first (kuantitas and waktu)...
    fill(rina, {"rhk-0-indicators-1-aspek": "waktu", "rhk-0-indicators-1-text": "Laporan imunisasi bulanan",
                "rhk-0-indicators-1-target_value": "12", "rhk-0-indicators-1-target_unit": "bulan"})
    rina.locator("details.actions-plan summary").first.click()
    fill(rina, {f"rhk-0-rencana_aksi-{quarter}": f"Posyandu keliling triwulan {quarter}" for quarter in range(1, 5)})
    add(rina, "add-rhk-utama")  # ...a qualitative target on the second...
    choose(rina, "rhk-1-intervensi", f"2. {HEAD_RHK[1]}")
    fill(rina, {"rhk-1-text": NURSE_RHK[1], "rhk-1-indicators-0-aspek": "kualitas",
                "rhk-1-indicators-0-text": "Keluhan pasien ditangani",
                "rhk-1-indicators-0-target_description": "Setiap keluhan dijawab dalam 3 hari kerja"})
    add(rina, "add-rhk-tambahan")  # ...one tambahan, and two Ekspektasi Khusus Pimpinan.
    fill(rina, {"rhk-2-text": NURSE_RHK[2], "rhk-2-indicators-0-aspek": "kuantitas",
                "rhk-2-indicators-0-text": "Kelas ibu hamil", "rhk-2-indicators-0-target_value": "4",
                "rhk-2-indicators-0-target_unit": "kegiatan",
                "perilaku-berorientasi_pelayanan": "Ramah kepada setiap pasien",
                "perilaku-kolaboratif": "Aktif dalam kegiatan lintas program"})
    rina.screenshot(path=str(SCREENSHOTS / "skp-editor.png"), full_page=True)

    # She saves a draft, leaves, comes back to it, and submits.
    rina.get_by_test_id("skp-save-draft").click()
    expect(rina.get_by_test_id("flash").first).to_contain_text("Draf SKP tersimpan")
    rina.get_by_test_id("nav-inbox").click()
    open_task(rina, "draft_skp")
    expect(rina.locator('[name="rhk-1-indicators-0-target_description"]')).to_have_value(
        "Setiap keluhan dijawab dalam 3 hari kerja")
    expect(rina.locator('[name="rhk-0-rencana_aksi-4"]')).to_have_value("Posyandu keliling triwulan 4")
    submit(rina, "SKP diajukan")

    # The head returns it with a comment on one RHK; the nurse sees it at the top and fixes it.
    kapus.get_by_test_id("nav-inbox").click()
    expect(kapus.locator('[data-testid="task-row"][data-task-key="approve_skp"]')).to_have_count(1)
    kapus.screenshot(path=str(SCREENSHOTS / "inbox.png"), full_page=True)
    open_task(kapus, "approve_skp")
    expect(kapus.get_by_test_id("skp")).to_contain_text(NURSE_RHK[2])
    kapus.screenshot(path=str(SCREENSHOTS / "skp-approval.png"), full_page=True)
    fill(kapus, {"skp_decision": "return", "skp_comment": "Target kepuasan pasien perlu angka"})
    choose(kapus, "rhk_comments-0-rhk", "Utama 2.")
    fill(kapus, {"rhk_comments-0-comment": "Gunakan indeks kepuasan pasien"})
    submit(kapus)
    open_task(rina, "draft_skp")
    expect(rina.get_by_test_id("return-comment")).to_contain_text("Target kepuasan pasien perlu angka")
    expect(rina.get_by_test_id("rhk-comment")).to_contain_text("Gunakan indeks kepuasan pasien")
    fill(rina, {"rhk-1-indicators-0-target_description": "", "rhk-1-indicators-0-target_value": "85",
                "rhk-1-indicators-0-target_unit": "indeks"})
    submit(rina, "SKP diajukan")
    complete(kapus, "approve_skp", {"skp_decision": "approve"})

    # The cascade page shows the head's RHK with the nurse's RHK under it.
    kapus.goto("/units/pkm-mb/cascade")
    head_rhk = kapus.locator('[data-testid="cascade-rhk"]', has_text=HEAD_RHK[0])
    expect(head_rhk.get_by_test_id("cascade-child")).to_contain_text(NURSE_RHK[0])
    kapus.screenshot(path=str(SCREENSHOTS / "cascade.png"), full_page=True)

    # Four quarters of realisation per indicator, and of feedback per RHK and per value with the quarter's
    # ratings; in the first, a PDF as evidence: it downloads back byte-identical, its hash is in the audit trail.
    for quarter in range(1, 5):
        open_task(rina, "report_realisation")
        expect(rina.get_by_test_id("indicator-target").first).to_contain_text("95 persen")
        # 102 % of 95 persen, 12 of 12 bulan, 101 % of 85 indeks, 4 of 4 kegiatan: every target reached
        inputs = rina.locator('[data-testid="realisation-form"] input[name$="-value"]').all()
        for value, realised in zip(inputs, ("97", "12", "86", "4"), strict=True):
            value.fill(realised)
        expect(rina.get_by_test_id("capaian").first).to_have_text("102,11 %")  # live, before any save
        if quarter == 1:
            rina.get_by_test_id("evidence-file-input").first.set_input_files(
                {"name": "laporan-pws.pdf", "mimeType": "application/pdf", "buffer": PDF})
            with rina.expect_navigation():
                rina.get_by_test_id("evidence-upload").first.click()
            expect(rina.get_by_test_id("evidence-file")).to_contain_text("laporan-pws.pdf")
            expect(rina.locator('input[name="realisations-0-value"]')).to_have_value("97")  # what was typed stays
            with rina.expect_download() as download:
                rina.get_by_test_id("evidence-link").click()
            assert Path(download.value.path()).read_bytes() == PDF
        submit(rina)
        complete(kapus, "give_feedback", {"rhk_feedback-0-feedback": f"Capaian triwulan {quarter} baik, pertahankan",
                                          "perilaku_feedback-berorientasi_pelayanan": "Ramah kepada pasien",
                                          "rating_hasil_kerja": "DIATAS_EKSPEKTASI",
                                          "rating_perilaku_kerja": "SESUAI_EKSPEKTASI"})

    # Final appraisal: self-assessment, the 360 input (her peer, in his own task), the supervisor's
    # per-value ratings with the input pooled beside them (kinerja proposes the perilaku rating),
    # the unit's result and calibration, her response.
    complete(rina, "self_assessment", {"self_assessment": "Semua target tercapai"})
    complete(dedi, "peer_input", {**{f"peer_behaviour-{key}": "DIATAS_EKSPEKTASI" for key in BERAKHLAK},
                                  "peer_comment": "Sigap melayani pasien"})
    open_task(kapus, "rate_performance")
    expect(kapus.get_by_test_id("input-360")).to_contain_text("Sigap melayani pasien")
    expect(kapus.get_by_test_id("input-360")).not_to_contain_text("Dedi")
    # kinerja proposes "sesuai" (every RHK reached its target, none by 110 %); she rates higher, with a reason.
    expect(kapus.get_by_test_id("hasil-proposal-rating")).to_have_text("Sesuai ekspektasi")
    fill(kapus, {"rating_hasil_kerja": "DIATAS_EKSPEKTASI",
                 **{f"behaviour_items-{key}": "DIATAS_EKSPEKTASI" for key in BERAKHLAK}})
    kapus.get_by_test_id("task-submit").click()
    expect(kapus.locator('[data-testid="field-error"][data-field="hasil_kerja_reason"]')).to_be_visible()
    fill(kapus, {"hasil_kerja_reason": "Memimpin sweeping imunisasi di desa terpencil"})
    submit(kapus)

    # The Kepala Puskesmas's own year (her supervisor's part, not this journey's) reaches the same
    # point through the engine, so the Puskesmas's set is the two of them.
    complete_until(deployed, kapus_year, "calibrate_predikat")

    # HR starts the unit results; the PPK sets the Puskesmas's result in her inbox.
    hr.goto(f"/cycles/{cycle_id}")
    with hr.expect_navigation():
        hr.get_by_test_id("start-unit-results").click()
    ppk.get_by_test_id("nav-inbox").click()
    ppk.get_by_test_id("tab-group").click()
    ppk.locator('[data-testid="task-row"][data-task-key="set_unit_result"]', has_text="Puskesmas") \
        .get_by_test_id("task-link").click()
    fill(ppk, {"unit_result": "BAIK", "unit_result_basis": "LAKIP Puskesmas 2026: capaian 92 %"})
    submit(ppk)

    # HR's task opens the unit's calibration: the set breaks the pattern; HR moves the head's
    # predikat with a reason, and makes the set final accepting the exception that remains.
    open_task(hr, "calibrate_predikat", form=False)
    with hr.expect_navigation():
        hr.get_by_test_id("open-unit-calibration").click()
    expect(hr.get_by_test_id("unit-status")).to_have_text("melanggar pola")
    head = hr.locator(f'tr[data-nip="{KAPUS}"]')
    head.get_by_test_id("calibrate-predikat").select_option("BAIK")
    head.get_by_test_id("calibrate-reason").fill("Satu RHK utama unit belum mencapai target")
    with hr.expect_navigation():
        head.get_by_test_id("calibrate-submit").click()
    expect(hr.locator(f'tr[data-nip="{KAPUS}"] [data-testid="predikat"]')).to_contain_text(
        "Sangat Baik → Baik: Satu RHK utama unit belum mencapai target")
    hr.get_by_test_id("exception-reason").fill("Unit dua pegawai: tidak ada kinerja Butuh Perbaikan yang beralasan")
    with hr.expect_navigation():
        hr.get_by_test_id("finalise").click()
    expect(hr.get_by_test_id("unit-status")).to_have_text("final")
    hr.screenshot(path=str(SCREENSHOTS / "calibration.png"), full_page=True)
    complete(rina, "review_predikat", {"file_objection": "tidak"})
    complete(kapus, "sign_evaluation", {"sign": "ya"})  # the final document, signed electronically

    # The DMN proposes a reward for "Sangat Baik"; rejecting it needs a reason, so the PPK approves it.
    open_task(ppk, "approve_follow_up")
    fill(ppk, {"follow_up_decision": "reject"})
    ppk.get_by_test_id("task-submit").click()
    expect(ppk.locator('[data-testid="field-error"][data-field="follow_up_reason"]')).to_be_visible()
    fill(ppk, {"follow_up_decision": "approve"})
    submit(ppk)

    # The employee sees her completed year and her predikat with its explanation.
    rina.get_by_test_id("nav-my-cycle").click()
    expect(rina.get_by_test_id("stepper-current")).to_have_attribute("data-phase", "completed")
    expect(rina.get_by_test_id("predikat-value")).to_have_text("Sangat Baik")
    expect(rina.get_by_test_id("predikat")).to_contain_text("Di atas ekspektasi")
    expect(rina.get_by_test_id("period-predikat")).to_have_text(["Baik"] * 4)  # each quarter's, from the DMN
    expect(rina.get_by_test_id("period-rhk-feedback").nth(1)).to_contain_text("Capaian triwulan 2 baik")
    rina.screenshot(path=str(SCREENSHOTS / "employee-stepper.png"), full_page=True)
    assert verify_audit_chain(deployed, Operator('test')).ok
    uploaded = [e["data"]["sha256"] for e in iter_events(deployed, cycle_id=cycle_id) if e["action"] == "evidence.uploaded"]
    assert uploaded == [hashlib.sha256(PDF).hexdigest()], "the evidence's hash is in the audit trail"


def test_wrong_input_is_explained_next_to_the_field(pages: Any, org: SmallOrg, deployed: Kinerja) -> None:
    open_cycle(deployed, [org.cycle_employee])
    rina = pages("rina", width=390)  # a phone-sized screen
    open_task(rina, "draft_skp")
    choose(rina, "rhk-0-sasaran", "1. ")  # her supervisor takes no part: she intervenes a goal
    fill(rina, {"rhk-0-text": "Cakupan imunisasi", "rhk-0-indicators-0-aspek": "kuantitas",
                "rhk-0-indicators-0-text": "IDL", "rhk-0-indicators-0-target_value": "sembilan puluh",
                "rhk-0-indicators-0-target_unit": "persen"})
    rina.get_by_test_id("task-submit").click()
    error = rina.locator('[data-testid="field-error"][data-field="rhk.0.indicators.0.target_value"]')
    expect(error).to_be_visible()
    expect(rina.locator('[name="rhk-0-indicators-0-target_value"]')).to_have_value("sembilan puluh")
    assert rina.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"

    # Removing a filled row asks first; declining keeps it.
    add(rina, "add-indicator")
    fill(rina, {"rhk-0-indicators-1-text": "Laporan bulanan"})
    rina.once("dialog", lambda dialog: dialog.dismiss())
    rina.locator('[data-row="rhk-0-indicators-1"] [data-testid="remove-indicator"]').click()
    expect(rina.locator('[name="rhk-0-indicators-1-text"]')).to_have_value("Laporan bulanan")
    rina.once("dialog", lambda dialog: dialog.accept())
    with rina.expect_navigation():
        rina.locator('[data-row="rhk-0-indicators-1"] [data-testid="remove-indicator"]').click()
    expect(rina.locator('[name="rhk-0-indicators-1-text"]')).to_have_count(0)

    # Leaving with unsaved changes asks first; staying keeps what was typed.
    fill(rina, {"rhk-0-text": "Cakupan imunisasi dasar lengkap"})
    asked: list[str] = []
    rina.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    rina.get_by_test_id("nav-inbox").click(no_wait_after=True)
    expect(rina.locator('[name="rhk-0-text"]')).to_have_value("Cakupan imunisasi dasar lengkap")
    assert asked == ["beforeunload"]
