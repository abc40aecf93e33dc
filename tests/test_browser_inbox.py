"""In chromium: the supervisor agrees four SKPs at once after reading each summary, and
moves through the inbox with the keyboard."""
from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.kinerja import Kinerja
from engine.models import AuditEvent
from engine.notifications import list_notifications
from tests.support import SCREENSHOTS

pytestmark = pytest.mark.browser


def test_the_supervisor_agrees_four_skps_at_once_after_expanding_each(
        live_server: str, pages: Any, skps_to_approve: list[str], deployed: Kinerja) -> None:
    kapus = pages("kapus")
    kapus.goto("/inbox?task_key=approve_skp")
    rows = kapus.get_by_test_id("task-row")
    expect(rows).to_have_count(4)
    for index in range(4):
        row = rows.nth(index)
        row.get_by_test_id("task-summary").locator("summary").click()
        expect(row.get_by_test_id("skp-rhk-text")).to_contain_text("Meningkatnya cakupan imunisasi")
        row.get_by_test_id("bulk-check").check()
    kapus.get_by_test_id("bulk-comment").fill("Sudah selaras dengan rencana Puskesmas.")
    kapus.screenshot(path=str(SCREENSHOTS / "inbox-bulk.png"), full_page=True)
    kapus.get_by_test_id("bulk-approve").click()

    expect(kapus.get_by_test_id("flash").first).to_contain_text("4 tugas diselesaikan")
    expect(kapus.get_by_test_id("task-row")).to_have_count(0)
    with deployed.reading() as uow:
        completed = uow.session.scalars(select(AuditEvent.data).where(
            AuditEvent.action == "task.completed", AuditEvent.actor == "kapus")).all()
    approvals = [data for data in completed if data["task_key"] == "approve_skp"]
    assert len(approvals) == 4
    assert all(data["submitted"] == {"skp_decision": "approve",
                                     "skp_comment": "Sudah selaras dengan rencana Puskesmas."} for data in approvals)
    for username in skps_to_approve:
        assert [n.subject for n in list_notifications(deployed, username) if n.kind == "decision_made"] == [
            "SKP disepakati"], username


def test_the_inbox_answers_the_keyboard(live_server: str, pages: Any, skps_to_approve: list[str]) -> None:
    kapus = pages("kapus")
    kapus.goto("/inbox?task_key=approve_skp")
    kapus.keyboard.press("?")
    expect(kapus.get_by_test_id("shortcuts-help")).to_be_visible()
    expect(kapus.get_by_test_id("shortcuts-help")).to_contain_text("Tugas berikutnya")
    kapus.keyboard.press("Escape")
    expect(kapus.get_by_test_id("shortcuts-help")).to_be_hidden()

    kapus.keyboard.press("j")
    kapus.keyboard.press("j")
    kapus.keyboard.press("k")
    rows = kapus.get_by_test_id("task-row")
    expect(rows.nth(0)).to_have_class(re.compile(r"is-selected"))
    kapus.keyboard.press("x")
    expect(rows.nth(0).get_by_test_id("bulk-check")).to_be_checked()
    first_task = rows.nth(0).get_attribute("data-task-id")
    kapus.keyboard.press("Enter")
    expect(kapus).to_have_url(re.compile(rf"/tasks/{first_task}$"))
