"""No task without an end: every user task of every bundled process has a deadline and a
timer boundary event (engine.task_deadlines), and the modeler's check warns about one that
has not, without refusing the upload."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from lxml import etree

from engine.actors import Operator
from engine.clock import FixedClock
from engine.definitions import DefinitionFile
from engine.deployment import definition_warnings
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.task_deadlines import NO_BOUNDARY, NO_DEADLINE, tasks_without_end
from engine.timers import fire_due_timers
from tests.support import BPMN_DIR, SmallOrg, do_task, inbox_task, login, open_cycle, submit_skp


@pytest.mark.parametrize("path", sorted(BPMN_DIR.glob("*.bpmn")), ids=lambda path: path.name)
def test_every_user_task_has_a_deadline_and_a_boundary_timer(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    assert root.find(".//{*}process") is not None
    findings = tasks_without_end(path.name, root)
    assert not findings, "\n".join(f"{f['element_id']}: {f['message']}" for f in findings)


HANGING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="cuti" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="Atasan"><bpmn:flowNodeRef>approve</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="approve" name="Setujui cuti"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve" />
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""


def test_an_uploaded_process_with_a_hanging_task_is_warned_about(deployed: Kinerja) -> None:
    warnings = definition_warnings(deployed, Operator("test"), [DefinitionFile.from_upload("cuti.bpmn", HANGING.encode())])
    assert [(w["element_id"], w["message"]) for w in warnings] == [("approve", NO_DEADLINE), ("approve", NO_BOUNDARY)]
    bundled = DefinitionFile.from_path(BPMN_DIR / "final_appraisal.bpmn")
    assert definition_warnings(deployed, Operator("test"), [bundled]) == []


def test_the_modelers_check_warns_in_indonesian_and_still_allows_the_deploy(app: Flask, org: SmallOrg) -> None:
    checked = login(app, "hr").post("/processes/check", json={"filename": "cuti.bpmn", "content": HANGING}).get_json()
    assert checked["problems"] == []
    assert [w["element_id"] for w in checked["warnings"]] == ["approve", "approve"]
    assert "batas waktu" in checked["warnings"][0]["message"]


def test_an_escalated_skp_approval_goes_to_the_ppk_when_it_is_late_too(
        org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    open_cycle(deployed, [org.cycle_employee])
    submit_skp(deployed, "rina")
    clock.advance(timedelta(days=7, hours=1))
    fire_due_timers(deployed)
    assert inbox_task(deployed, "kadis", "approve_skp_escalated")
    clock.advance(timedelta(days=7, hours=1))
    fire_due_timers(deployed)
    assert not [t for t in list_tasks(deployed, "kadis") if t.task_key == "approve_skp_escalated"]
    do_task(deployed, "ppk", "approve_skp_ppk", {"skp_decision": "approve"})
    assert inbox_task(deployed, "rina", "report_realisation"), "the SKP is set; the year goes on"
