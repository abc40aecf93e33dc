"""A citizen rates a puskesmas without an account; its head reads the feedback, and the
supervisor sees the unit's citizen score on a final-appraisal task (an audited use)."""
from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from engine.kinerja import Kinerja
from engine.models import AuditEvent
from tests.support import SCREENSHOTS, SmallOrg, open_cycle, work_until

pytestmark = pytest.mark.browser


def test_citizen_feedback_reaches_the_unit_head_and_the_appraisal(
        browser: Browser, live_server: str, pages: Any, org: SmallOrg, deployed: Kinerja) -> None:
    citizen = browser.new_context(base_url=live_server, locale="id-ID").new_page()
    citizen.goto("/public/bungo/pkm-mb/feedback")
    for key, score in {"speed": 5, "friendliness": 4, "clarity": 4, "overall": 5}.items():
        citizen.get_by_test_id(f"score-{key}-{score}").check()
    citizen.get_by_test_id("feedback-comment").fill("Pelayanan imunisasi cepat <script>alert('x')</script>")
    a, b = citizen.get_by_test_id("feedback-challenge").get_attribute("data-question").split(" + ")  # type: ignore[union-attr]
    citizen.get_by_test_id("feedback-challenge").fill(str(int(a) + int(b)))
    citizen.get_by_test_id("feedback-submit").click()
    expect(citizen.get_by_test_id("feedback-thanks")).to_be_visible()
    citizen.context.close()

    kapus = pages("kapus")
    kapus.goto("/units/bungo/pkm-mb/feedback")
    expect(kapus.get_by_test_id("feedback-comment")).to_have_text("Pelayanan imunisasi cepat alert('x')")
    kapus.get_by_test_id("answer-input").fill("Terima kasih, kami pertahankan")
    kapus.get_by_test_id("answer-submit").click()
    expect(kapus.get_by_test_id("feedback-answer")).to_contain_text("kami pertahankan")

    # The head treats it as a complaint: a follow-up task in their own inbox, answered there.
    kapus.get_by_test_id("open-follow-up").click()
    expect(kapus.get_by_test_id("follow-up")).to_have_attribute("data-status", "waiting")
    kapus.goto("/inbox")
    kapus.get_by_role("link", name="Tanggapi pengaduan").click()
    expect(kapus.get_by_test_id("complaint")).to_contain_text("Pelayanan imunisasi cepat alert('x')")
    kapus.get_by_label("Tanggapan kepada warga").fill("Terima kasih atas masukannya")
    kapus.get_by_label("Tindakan perbaikan yang dilakukan").fill("Jadwal imunisasi diumumkan di papan")
    kapus.get_by_test_id("task-submit").click()
    kapus.goto("/units/bungo/pkm-mb/feedback")
    expect(kapus.get_by_test_id("follow-up")).to_have_attribute("data-status", "answered")
    expect(kapus.get_by_test_id("follow-up-response")).to_contain_text("Terima kasih atas masukannya")
    kapus.screenshot(path=str(SCREENSHOTS / "feedback-follow-up.png"), full_page=True)

    open_cycle(deployed, [org.cycle_employee])
    task_id = work_until(deployed, "rate_performance")
    kapus.goto(f"/tasks/{task_id}")
    expect(kapus.get_by_test_id("citizen-score")).to_contain_text("4,50 / 5")
    with deployed.unit_of_work() as uow:
        used = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "feedback.score_shown")).all()
        assert [(e.actor, e.task_id, e.data["average"]) for e in used] == [("kapus", task_id, 4.5)]
    kapus.reload()  # the same figure seen again is not recorded again
    expect(kapus.get_by_test_id("citizen-score")).to_contain_text("4,50 / 5")
    with deployed.unit_of_work() as uow:
        assert len(uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "feedback.score_shown")).all()) == 1
