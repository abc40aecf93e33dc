"""One employee's whole year through the web UI alone, in Debian's chromium.

The cycle is opened through the engine (HR's cycle page is another issue); every step
after that is a person clicking in the browser. Screenshots of the inbox, the SKP form
and the employee's stepper land in artifacts/screenshots/ (linked from the README).
"""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from engine.actors import Operator
from engine.audit_verification import verify_audit_chain
from engine.kinerja import Kinerja
from tests.support import BERAKHLAK, SCREENSHOTS, SHORT_YEAR, SmallOrg, open_cycle

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


def open_task(page: Page, task_key: str) -> None:
    page.get_by_test_id("nav-inbox").click()
    row = page.locator(f'[data-testid="task-row"][data-task-key="{task_key}"]').first
    if row.count() == 0:
        page.get_by_test_id("tab-group").click()
        row = page.locator(f'[data-testid="task-row"][data-task-key="{task_key}"]').first
    row.get_by_test_id("task-link").click()
    expect(page.get_by_test_id("task-form")).to_be_visible()


def submit(page: Page) -> None:
    page.get_by_test_id("task-submit").click()
    expect(page.get_by_test_id("flash").first).to_contain_text("Tugas selesai")


def complete(page: Page, task_key: str, values: dict[str, Any]) -> None:
    open_task(page, task_key)
    fill(page, values)
    submit(page)


def test_one_employees_year_through_the_browser(pages: Any, org: SmallOrg, deployed: Kinerja) -> None:
    open_cycle(deployed, settings=SHORT_YEAR)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    rina, kapus, dedi, ppk = pages("rina"), pages("kapus"), pages("dedi"), pages("ppk")

    # The employee drafts her SKP with two targets (the second row added with the button).
    open_task(rina, "draft_skp")
    fill(rina, {"rhk-0-description": "Cakupan imunisasi dasar lengkap", "rhk-0-indicator": "Cakupan IDL",
                "rhk-0-indicator_type": "kuantitas", "rhk-0-target_value": "60", "rhk-0-unit": "persen"})
    rina.get_by_test_id("add-row").first.click()
    fill(rina, {"rhk-1-description": "Kunjungan rumah balita gizi kurang", "rhk-1-indicator": "Kunjungan",
                "rhk-1-indicator_type": "kuantitas", "rhk-1-target_value": "120", "rhk-1-unit": "kunjungan"})
    rina.screenshot(path=str(SCREENSHOTS / "skp-form.png"), full_page=True)
    submit(rina)

    # The supervisor sees it in his inbox and returns it.
    kapus.get_by_test_id("nav-inbox").click()
    expect(kapus.locator('[data-testid="task-row"][data-task-key="approve_skp"]')).to_have_count(1)
    kapus.screenshot(path=str(SCREENSHOTS / "inbox.png"), full_page=True)
    complete(kapus, "approve_skp", {"skp_decision": "return", "skp_comment": "Target imunisasi terlalu rendah"})

    # She fixes the target in the prefilled form; he approves.
    open_task(rina, "draft_skp")
    expect(rina.locator('[name="rhk-1-description"]')).to_have_value("Kunjungan rumah balita gizi kurang")
    expect(rina.get_by_test_id("history-item")).to_have_count(2)
    fill(rina, {"rhk-0-target_value": "95"})
    submit(rina)
    complete(kapus, "approve_skp", {"skp_decision": "approve"})

    # A period of realisation and feedback, then the mid-year review.
    complete(rina, "report_realisation", {"realisations-0-rhk_index": "0", "realisations-0-realised_value": "97",
                                          "realisations-0-evidence": "Laporan PWS imunisasi"})
    complete(kapus, "give_feedback", {"feedback": "Capaian baik, pertahankan"})
    complete(kapus, "midyear_review", {"midyear_rating": "DIATAS_EKSPEKTASI"})

    # Final appraisal: self-assessment, a peer's input, the supervisor's ratings.
    complete(rina, "self_assessment", {"self_assessment": "Semua target tercapai"})
    complete(dedi, "peer_input", {f"peer_behaviour-{key}": "5" for key in BERAKHLAK})
    complete(kapus, "rate_performance", {"rating_hasil_kerja": "DIATAS_EKSPEKTASI",
                                         "rating_perilaku_kerja": "DIATAS_EKSPEKTASI",
                                         **{f"behaviour_items-{key}": "DIATAS_EKSPEKTASI" for key in BERAKHLAK}})
    complete(rina, "review_predikat", {"file_objection": "tidak"})

    # The DMN proposes a reward for "Sangat Baik"; the PPK approves it.
    complete(ppk, "approve_follow_up", {"follow_up_approved": "ya", "follow_up_notes": "Diusulkan ke talent pool"})

    # The employee sees her completed year and her predikat with its explanation.
    rina.get_by_test_id("nav-my-cycle").click()
    expect(rina.get_by_test_id("stepper-current")).to_have_attribute("data-phase", "completed")
    expect(rina.get_by_test_id("predikat-value")).to_have_text("Sangat Baik")
    expect(rina.get_by_test_id("predikat")).to_contain_text("Di atas ekspektasi")
    rina.screenshot(path=str(SCREENSHOTS / "employee-stepper.png"), full_page=True)
    assert verify_audit_chain(deployed, Operator('test')).ok


def test_wrong_input_is_explained_next_to_the_field(pages: Any, org: SmallOrg, deployed: Kinerja) -> None:
    open_cycle(deployed, [org.cycle_employee])
    rina = pages("rina", width=390)  # a phone-sized screen
    open_task(rina, "draft_skp")
    fill(rina, {"rhk-0-description": "Cakupan imunisasi", "rhk-0-indicator": "IDL",
                "rhk-0-indicator_type": "kuantitas", "rhk-0-target_value": "sembilan puluh", "rhk-0-unit": "persen"})
    rina.get_by_test_id("task-submit").click()
    expect(rina.locator('[data-testid="field-error"][data-field="rhk.0.target_value"]')).to_be_visible()
    expect(rina.locator('[name="rhk-0-target_value"]')).to_have_value("sembilan puluh")
