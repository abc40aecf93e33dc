"""The nurse downloads her agreed SKP from "Siklus saya"; a visitor without an account scans
(opens) the code printed on it and sees that it matches, with the people who approved it."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from engine.kinerja import Kinerja
from tests.support import SCREENSHOTS, SmallOrg, agree_skp, open_cycle, pdf_text

pytestmark = pytest.mark.browser


def test_the_nurse_downloads_her_skp_and_a_visitor_verifies_it(
        browser: Browser, live_server: str, pages: Any, org: SmallOrg, deployed: Kinerja) -> None:
    agree_skp(deployed, org.cycle_employee, open_cycle(deployed).cycle_id)
    rina = pages("rina")
    rina.goto("/my-cycle")
    with rina.expect_download() as download:
        rina.get_by_test_id("my-skp-pdf").click()
    assert download.value.suggested_filename == "SKP-199003032015031003-2026-v1.pdf"
    text = pdf_text(Path(download.value.path()).read_bytes())
    [url] = set(re.findall(r"(http://127\.0\.0\.1:\d+/verify/[A-Z2-7]{10})", text))
    assert "Disetujui secara elektronik oleh Siti Aminah, SKM" in text

    visitor = browser.new_context(locale="id-ID").new_page()
    visitor.goto(url)
    expect(visitor.get_by_test_id("verify-result")).to_have_attribute("data-matches", "true")
    expect(visitor.get_by_test_id("verify-verdict")).to_contain_text("cocok")
    expect(visitor.get_by_test_id("verify-approval")).to_have_count(2)
    expect(visitor.get_by_test_id("verify-approvals")).to_contain_text("Rina Marlina, Amd.Kep")
    expect(visitor.get_by_test_id("verify-approvals")).to_contain_text("Siti Aminah, SKM")
    expect(visitor.get_by_test_id("user-name")).to_have_count(0)  # nobody is signed in
    visitor.get_by_test_id("upload-file").set_input_files(download.value.path())
    visitor.get_by_test_id("upload-submit").click()
    expect(visitor.get_by_test_id("upload-verdict")).to_have_attribute("data-matches", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visitor.screenshot(path=str(SCREENSHOTS / "verify-document.png"), full_page=True)
    visitor.context.close()
