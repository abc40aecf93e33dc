"""No task without an end: every user task needs a deadline and a boundary timer.

A user task nobody completes holds its process for ever, and with it a cycle (the peer input
that waited on one colleague, the escalated approval nobody took). So every user task of a
process has a deadline (property ``dueIn`` or ``dueDate``, engine.task_properties) *and* a
timer boundary event attached to it (interrupting or not), whose path says what the deadline
means: an escalation, a skip with a record, or a default. The bundled processes all keep the
rule (tests/test_bpmn_deadlines.py); for a process HR uploads, the modeler's "Periksa" warns
(:func:`tasks_without_end`) without refusing it, since a process may have reasons of its own.
"""
from __future__ import annotations

from typing import Any

from .definitions import NS, problem
from .texts import N_

NO_DEADLINE = N_("Tugas pengguna tanpa batas waktu: isi dueIn (mis. P7D) atau dueDate")
NO_BOUNDARY = N_("Tugas pengguna tanpa peristiwa batas waktu (boundary timer): tentukan apa yang terjadi bila "
                 "batas waktunya lewat (eskalasi, dilewati dengan catatan, atau nilai bawaan)")


def tasks_without_end(filename: str, root: Any) -> list[dict[str, Any]]:
    """A finding per user task of the BPMN tree ``root`` without a deadline, and per user task
    without an attached timer boundary event (file, element id, message)."""
    timed = {event.get("attachedToRef") for event in root.iterfind(".//bpmn:boundaryEvent", NS)
             if event.find("bpmn:timerEventDefinition", NS) is not None}
    findings = []
    for task in root.iterfind(".//bpmn:userTask", NS):
        properties = {p.get("name"): p.get("value") for p in task.iterfind(
            "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}
        if not (properties.get("dueIn") or properties.get("dueDate")):
            findings.append(problem(filename, task.get("id"), NO_DEADLINE))
        if task.get("id") not in timed:
            findings.append(problem(filename, task.get("id"), NO_BOUNDARY))
    return findings
