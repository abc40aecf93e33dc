"""In chromium: the bell leads to the notifications, opening one goes to its task, and the
settings page switches email to a daily digest."""
from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from engine.kinerja import Kinerja
from engine.notifications import preferences_of
from tests.support import SCREENSHOTS, SmallOrg, open_cycle

pytestmark = pytest.mark.browser


def test_the_bell_opens_the_notifications_and_the_settings(
        live_server: str, pages: Any, org: SmallOrg, deployed: Kinerja) -> None:
    open_cycle(deployed, [org.cycle_employee])
    rina = pages("rina")
    rina.goto("/inbox")
    expect(rina.get_by_test_id("bell-count")).to_have_text("1")
    rina.get_by_test_id("bell").click()
    expect(rina.get_by_test_id("notification")).to_contain_text("Tugas baru: Susun SKP")
    rina.screenshot(path=str(SCREENSHOTS / "notifications.png"), full_page=True)
    rina.get_by_test_id("open-task").click()
    expect(rina).to_have_url(re.compile(r"/tasks/\d+$"))
    expect(rina.get_by_role("heading", level=1)).to_contain_text("Susun SKP")
    expect(rina.get_by_test_id("bell-count")).to_have_count(0)

    rina.get_by_test_id("bell").click()
    rina.get_by_test_id("notification-settings-link").click()
    rina.get_by_test_id("receive-due_soon").uncheck()
    rina.get_by_test_id("delivery-daily").check()
    rina.get_by_test_id("settings-save").click()
    expect(rina.get_by_test_id("flash")).to_have_text("Pengaturan pemberitahuan tersimpan.")
    saved = preferences_of(deployed, "rina")
    assert saved.muted_kinds == {"due_soon"} and saved.email_delivery == "daily"
    assert saved.email == "rina@bungo.example"
