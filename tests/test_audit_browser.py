"""The auditor (Inspektorat) in chromium, on the demo organisation: find an employee, open
the timeline and the diagram, see the predikat decision with its matched rule, export."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from engine.demo import DEMO_PASSWORD, seed_demo_organisation
from engine.kinerja import Kinerja
from engine.models import AuditEvent, Employee, User
from tests.support import SCREENSHOTS, finish_year, open_cycle

pytestmark = pytest.mark.browser


def _demo_year(kinerja: Kinerja) -> tuple[str, int]:
    """The demo employee's finished year: (their name, the instance id)."""
    seed_demo_organisation(kinerja)
    with kinerja.unit_of_work() as uow:
        employee = uow.session.scalar(select(Employee).join(User, User.employee_id == Employee.id)
                                      .where(User.username == "pegawai"))
        name, employee_id = employee.name, employee.id
    (instance_id,) = open_cycle(kinerja, [employee_id]).instance_ids
    finish_year(kinerja, instance_id)
    return name, instance_id


def _stored(kinerja: Kinerja, instance_id: int) -> list[dict]:
    with kinerja.unit_of_work() as uow:
        return [{"seq": e.seq, "occurred_at": e.occurred_at.isoformat(), "actor": e.actor, "action": e.action,
                 "instance_id": e.instance_id, "task_id": e.task_id, "data": e.data, "prev_hash": e.prev_hash,
                 "hash": e.hash}
                for e in uow.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                             .order_by(AuditEvent.seq))]


def test_the_auditor_traces_the_predikat_and_exports_the_trail(browser: Browser, live_server: str,
                                                             deployed: Kinerja, tmp_path: Path) -> None:
    name, instance_id = _demo_year(deployed)
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900}, locale="id-ID",
                                  accept_downloads=True)
    page = context.new_page()
    page.goto("/login")
    page.get_by_test_id("login-username").fill("auditor")
    page.get_by_test_id("login-password").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()

    # Find the employee by (part of) her name.
    page.get_by_test_id("nav-audit").click()
    page.get_by_test_id("audit-employee-search").fill(name.split()[0])
    page.get_by_test_id("audit-action").select_option("decision.evaluated")
    page.get_by_test_id("audit-search-submit").click()
    hits = page.locator(f'[data-testid="audit-hit"][data-instance-id="{instance_id}"]')
    expect(hits.first).to_be_visible()
    hits.first.get_by_test_id("audit-hit-link").click()

    # The timeline and the predikat decision, its matched row highlighted.
    expect(page.get_by_test_id("audit-employee-name")).to_have_text(name)
    expect(page.get_by_test_id("audit-predikat")).to_have_text("Sangat Baik")
    predikat = page.locator('[data-testid="decision"][data-decision-id="predikat_kinerja"]').last  # the year's
    matched = predikat.get_by_test_id("matched-rule")
    expect(matched).to_have_count(1)
    expect(matched).to_have_attribute("data-rule-id", "rule_diatas_diatas")
    expect(matched).to_contain_text('"Sangat Baik"')
    expect(predikat.get_by_test_id("decision-source")).to_contain_text("predikat_kinerja versi 1")
    expect(page.get_by_test_id("timeline-event")).to_have_count(len(_stored(deployed, instance_id)))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    predikat.screenshot(path=str(SCREENSHOTS / "audit-decision.png"))

    # The diagram: the path taken is marked; a click on a task lists its events.
    expect(page.locator("#diagram-canvas .kinerja-done").first).to_be_attached()
    page.get_by_test_id("diagram-select").select_option(label="final_appraisal")
    task = page.locator('#diagram-canvas .djs-element[data-element-id="rate_performance"]')
    expect(task).to_have_class(re.compile(r"\bkinerja-done\b"))
    task.click()
    listed = page.locator('[data-testid="element-event-list"][data-element="rate_performance"] li')
    expect(listed).to_have_count(len([e for e in _stored(deployed, instance_id)
                                      if e["data"].get("task_key") == "rate_performance"]))
    page.screenshot(path=str(SCREENSHOTS / "audit-diagram.png"), full_page=False)

    # Exports: what is downloaded is what the database holds.
    with page.expect_download() as csv_download:
        page.get_by_test_id("export-csv").click()
    rows = list(csv.DictReader(io.StringIO(Path(csv_download.value.path()).read_text(encoding="utf-8"))))
    with page.expect_download() as json_download:
        page.get_by_test_id("export-json").click()
    exported = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    stored = _stored(deployed, instance_id)
    assert exported == stored
    assert [{**row, "data": json.loads(row["data"])} for row in rows] == [
        {key: ("" if value is None else value if key == "data" else str(value)) for key, value in event.items()}
        for event in stored]
    context.close()
