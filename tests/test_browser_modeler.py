"""HR changes the cycle in the browser modeler: a deadline in the BPMN diagram and a cell of
the predikat decision table. New instances follow the new rules; running ones keep theirs.

Runs in Debian's chromium against the real app; the diagram and the table are edited the way
a person does it (click the element, type in the properties panel or the table cell).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from engine.actors import Operator
from engine.clock import FixedClock
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.library import definition_version
from engine.models import ProcessInstance
from engine.timers import fire_due_timers
from tests.support import (
    EXPECTED_FROM_OTHER_MODELERS,
    OTHER_MODELERS,
    SCREENSHOTS,
    SHORT_YEAR,
    SmallOrg,
    finish_all_open_work,
    open_cycle,
    submit_skp,
)

pytestmark = pytest.mark.browser
DEDI = "199104042016041004"


def deploy_from_editor(page: Page) -> None:
    page.get_by_test_id("editor-check").click()
    expect(page.get_by_test_id("editor-status")).to_contain_text("Tidak ada masalah")
    page.get_by_test_id("editor-deploy").click()
    expect(page.get_by_test_id("editor-status")).to_contain_text("Diterapkan sebagai deployment")


def open_editor(page: Page, kind: str, name: str) -> None:
    page.get_by_test_id("nav-processes").click()
    page.locator(f'[data-testid="definition"][data-kind="{kind}"][data-name="{name}"]').get_by_test_id("edit").click()
    expect(page.get_by_test_id("editor-status")).to_contain_text("Berkas dimuat")


def test_hr_changes_a_deadline_and_a_predikat_cell_in_the_browser(
        pages: Any, org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    (old_instance,) = open_cycle(deployed, [org.cycle_employee], settings=SHORT_YEAR).instance_ids
    submit_skp(deployed, "rina")  # rina's approval waits, with the 7-day deadline

    page = pages("hr", width=1400)
    open_editor(page, "bpmn", "target_setting")
    page.locator('.djs-element[data-element-id="approval_overdue"]').click()
    timer_group = page.locator('[data-group-id="group-timer"]')
    if not timer_group.locator("#bio-properties-panel-timerEventDefinitionValue").is_visible():
        timer_group.locator(".bio-properties-panel-group-header").click()
    value = page.locator("#bio-properties-panel-timerEventDefinitionValue")
    expect(value).to_have_value('"P7D"')
    value.fill('P3D')  # the way another modeler would write it: the check must say what is wrong
    page.get_by_test_id("editor-check").click()
    expect(page.get_by_test_id("editor-problems")).to_contain_text('must be written in quotes, "P3D"')
    expect(page.locator('.djs-element.kinerja-problem[data-element-id="approval_overdue"]')).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / "modeler-finding.png"))
    value.fill('"P3D"')
    page.locator('.djs-element[data-element-id="approve_skp"]').click(position={"x": 30, "y": 8})
    due = page.locator("#bio-properties-panel-kinerja-due")  # the "Kinerja" group: form and due period
    expect(due).to_have_value("P7D")
    expect(page.locator("#bio-properties-panel-kinerja-form")).to_have_value("skp_approval")
    due.fill("P5D")
    deploy_from_editor(page)
    expect(page.locator(".kinerja-problem")).to_have_count(0)

    open_editor(page, "dmn", "predikat_kinerja")
    cell = page.locator('td[data-element-id="rule_diatas_diatas_predikat"]')
    expect(cell).to_contain_text('"SANGAT_BAIK"')
    cell.locator("[contenteditable]").click()
    page.keyboard.press("Control+A")
    page.keyboard.type('"BAIK"')
    expect(cell).to_contain_text('"BAIK"')
    page.screenshot(path=str(SCREENSHOTS / "decision-table-editor.png"))
    deploy_from_editor(page)

    page.get_by_test_id("nav-processes").click()
    versions = page.locator('[data-testid="definition"][data-name="target_setting"] [data-testid="version"]')
    expect(versions).to_have_count(2)
    page.screenshot(path=str(SCREENSHOTS / "process-library.png"), full_page=False)

    deployed_xml = definition_version(deployed, Operator('test'), "bpmn", "target_setting").content
    assert '<spiffworkflow:property name="dueIn" value="P5D" />' in deployed_xml
    assert '<spiffworkflow:property name="formKey" value="skp_approval" />' in deployed_xml

    (new_instance,) = open_cycle(deployed, [org.employee_ids[DEDI]]).instance_ids  # the same cycle
    submit_skp(deployed, "dedi")
    clock.advance(timedelta(days=3, hours=1))
    assert fire_due_timers(deployed).fired == 1, "only the new instance has the 3-day deadline"
    assert [t.subject_nip for t in list_tasks(deployed, "kadis")] == [DEDI]

    finish_all_open_work(deployed)
    with deployed.unit_of_work() as uow:
        predikat = {i.id: i.summary["predikat"] for i in uow.session.query(ProcessInstance)
                    if i.id in (old_instance, new_instance)}
    assert predikat == {old_instance: "SANGAT_BAIK", new_instance: "BAIK"}, \
        "the same ratings: the old table for the old instance, the edited one for the new"


def test_files_from_other_modelers_open_in_the_modeler_and_get_specific_findings(
        pages: Any, org: SmallOrg) -> None:
    page = pages("hr", width=1400)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_editor(page, "bpmn", "target_setting")
    for filename, expected in sorted(EXPECTED_FROM_OTHER_MODELERS.items()):
        page.get_by_test_id("editor-import").set_input_files(str(OTHER_MODELERS / filename))
        expect(page.get_by_test_id("editor-status")).to_have_text("Berkas dimuat.")
        for element_id, _ in expected:  # every finding is about an element the diagram shows
            expect(page.locator(f'#editor-canvas [data-element-id="{element_id}"]').first).to_be_attached()
        page.get_by_test_id("editor-check").click()
        problems = page.get_by_test_id("editor-problems").locator("li:not(.editor-warning)")
        expect(problems).to_have_count(len(expected))  # a user task without a deadline is only warned about
        for element_id, message in expected:
            expect(page.get_by_test_id("editor-problems")).to_contain_text(f"{element_id}: ")
            expect(page.get_by_test_id("editor-problems")).to_contain_text(message)
        if filename == "camunda_modeler_cuti.bpmn":
            page.screenshot(path=str(SCREENSHOTS / "modeler-camunda-import.png"))
    assert errors == [], "no script errors in the page"
