"""The annual evaluation's first and last steps for a unit: the PPK sets the unit's result in
its own task, HR or the PPK calibrate the unit's proposed predikat against the pattern that
result fixes (each change with a reason), and the set is made final only when it keeps the
pattern (or the exception is accepted with a reason)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engine.actors import Operator
from engine.calibration import calibrate_predikat, finalise_unit, unit_calibration, unit_overview
from engine.clock import FixedClock
from engine.cycles import ensure_cycle, start_cycle_instances
from engine.definitions import DefinitionFile
from engine.deployment import deploy
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.evaluation_tables import Evaluation, UnitResult
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.models import ProcessInstance, Unit
from engine.tasks import claim_task, complete_task
from engine.timers import fire_due_timers
from engine.unit_results import start_unit_results
from tests.support import (
    ApiClient,
    SmallOrg,
    audit_events,
    elements,
    error_of,
    login,
    propose_predikats,
    set_result,
    text,
)


def unit_id(kinerja: Kinerja, code: str) -> int:
    with kinerja.reading() as uow:
        return uow.session.scalar(select(Unit.id).where(Unit.code == code))


def audit_actions(kinerja: Kinerja, action: str) -> list[dict[str, Any]]:
    return [event.data for event in audit_events(kinerja, action)]


@pytest.fixture
def puskesmas(org: SmallOrg, deployed: Kinerja, cycle: int) -> int:
    """The Puskesmas (its head and two nurses) with the unit-result step started for the cycle."""
    start_unit_results(deployed, Operator("hr"), cycle)
    return unit_id(deployed, "pkm-mb")


def nip(org: SmallOrg, name: str) -> int:
    return org.employee_ids[{"kapus": "198002022005012002", "rina": "199003032015031003",
                             "dedi": "199104042016041004"}[name]]


def test_the_ppk_sets_the_unit_result_in_its_task(puskesmas: int, deployed: Kinerja, cycle: int) -> None:
    titles = sorted(t.name for t in list_tasks(deployed, "ppk", "group") if t.task_key == "set_unit_result")
    assert titles == ["Tetapkan capaian kinerja unit — Dinas Kesehatan 2026",
                      "Tetapkan capaian kinerja unit — Puskesmas Muara Bungo 2026"]
    assert start_unit_results(deployed, Operator("hr"), cycle) == [], "starting again starts nobody twice"
    with pytest.raises(ValidationFailed):  # the basis is required
        set_result(deployed, {"unit_result": "BAIK"})
    task = set_result(deployed, {"unit_result": "BAIK", "unit_result_basis": "LAKIP 2026: 92 %"})
    assert task.due_at is not None
    with deployed.reading() as uow:
        row = uow.session.scalar(select(UnitResult).where(UnitResult.unit_id == puskesmas))
        assert (row.cycle_id, row.result, row.basis) == (cycle, "BAIK", "LAKIP 2026: 92 %")
    assert audit_actions(deployed, "unit.result_set")[-1]["result"] == "BAIK"
    state = unit_calibration(deployed, "hr", cycle, puskesmas)
    assert state.result_label == "Baik" and state.status == "incomplete"
    assert state.pattern.startswith("Baik kelompok terbanyak")


def test_a_late_unit_result_is_escalated_to_hr(puskesmas: int, deployed: Kinerja, clock: FixedClock,
                                              cycle: int) -> None:
    clock.advance(timedelta(days=15))
    fire_due_timers(deployed)
    escalated = [t for t in list_tasks(deployed, "hr", "group") if t.task_key == "set_unit_result_escalated"]
    assert sorted(t.name for t in escalated) == [
        "Tetapkan capaian kinerja unit (eskalasi) — Dinas Kesehatan 2026",
        "Tetapkan capaian kinerja unit (eskalasi) — Puskesmas Muara Bungo 2026"]
    assert not [t for t in list_tasks(deployed, "ppk", "group") if t.task_key == "set_unit_result"]
    task = [t for t in escalated if "Puskesmas" in t.name][0]
    claim_task(deployed, "hr", task.id)
    complete_task(deployed, "hr", task.id, {"unit_result": "KURANG", "unit_result_basis": "LAKIP terlambat"})
    assert unit_calibration(deployed, "hr", cycle, puskesmas).result == "KURANG"


def test_a_set_that_breaks_the_pattern_is_calibrated_with_reasons_then_final(
        puskesmas: int, deployed: Kinerja, org: SmallOrg, cycle: int) -> None:
    with pytest.raises(Conflict) as refused:
        finalise_unit(deployed, "ppk", cycle, puskesmas)
    assert {r["reason"] for r in refused.value.details["reasons"]} == {"no_unit_result", "not_proposed"}
    set_result(deployed, {"unit_result": "BAIK", "unit_result_basis": "LAKIP 2026"})
    evaluations = propose_predikats(deployed, cycle, {nip(org, name): "BAIK" for name in ("kapus", "rina", "dedi")})

    state = unit_calibration(deployed, "ppk", cycle, puskesmas)
    assert state.status == "breaks_pattern" and state.shares["BAIK"] == 1.0
    assert [v.message for v in state.violations] == [
        "Baik 100% (3 dari 3 orang) — paling banyak 70% (2 orang, dibulatkan dari 2,1)",
        "Butuh Perbaikan dan/atau Kurang/Misconduct 0% (0 dari 3 orang) — harus ada paling sedikit 1 orang"]
    with pytest.raises(Conflict) as refused:
        finalise_unit(deployed, "hr", cycle, puskesmas)
    assert {r["reason"] for r in refused.value.details["reasons"]} == {"breaks_pattern"}

    dedi = evaluations[nip(org, "dedi")]
    for reason in (None, "", "  "):
        with pytest.raises(ValidationFailed):
            calibrate_predikat(deployed, "hr", dedi, "BUTUH_PERBAIKAN", reason)
    with pytest.raises(ValidationFailed):
        calibrate_predikat(deployed, "hr", dedi, "LUAR_BIASA", "alasan")
    calibrate_predikat(deployed, "hr", dedi, "BUTUH_PERBAIKAN", "Dua RHK utama di bawah target")
    assert audit_actions(deployed, "predikat.calibrated") == [{
        "evaluation_id": dedi, "employee_id": nip(org, "dedi"), "cycle_id": cycle, "unit_id": puskesmas,
        "from": "BAIK", "to": "BUTUH_PERBAIKAN", "reason": "Dua RHK utama di bawah target"}]
    assert unit_calibration(deployed, "hr", cycle, puskesmas).status == "ready"

    final = finalise_unit(deployed, "ppk", cycle, puskesmas)
    assert final.status == "final" and final.calibration_count == 1
    with deployed.reading() as uow:
        assert set(uow.session.scalars(select(Evaluation.status).where(Evaluation.unit_id == puskesmas))) == {"final"}
    assert audit_actions(deployed, "unit.finalised")[-1]["counts"] == {"BAIK": 2, "BUTUH_PERBAIKAN": 1}
    with pytest.raises(Conflict):
        calibrate_predikat(deployed, "hr", dedi, "BAIK", "Terlambat")
    with pytest.raises(Conflict):
        finalise_unit(deployed, "hr", cycle, puskesmas)


def test_an_exception_to_the_pattern_is_an_explicit_decision_with_a_reason(
        puskesmas: int, deployed: Kinerja, org: SmallOrg, cycle: int) -> None:
    set_result(deployed, {"unit_result": "BUTUH_PERBAIKAN", "unit_result_basis": "LAKIP"})
    propose_predikats(deployed, cycle, {nip(org, name): "BAIK" for name in ("kapus", "rina", "dedi")})
    with pytest.raises(ValidationFailed):
        finalise_unit(deployed, "hr", cycle, puskesmas, exception_reason=" ")
    finalise_unit(deployed, "hr", cycle, puskesmas, exception_reason="Unit baru dibentuk; pola belum dapat dipenuhi")
    event = audit_actions(deployed, "unit.finalised")[-1]
    assert event["exception_reason"] == "Unit baru dibentuk; pola belum dapat dipenuhi"
    assert event["violations"] == ["Butuh Perbaikan 0% (0 dari 3 orang) — paling sedikit 60% (2 orang, "
                                   "dibulatkan dari 1,8)"]
    assert event["table"]["name"] == "kurva_distribusi"


def test_the_cycle_lists_every_unit_with_its_status(puskesmas: int, deployed: Kinerja, org: SmallOrg,
                                                    cycle: int) -> None:
    propose_predikats(deployed, cycle, {nip(org, "rina"): "BAIK"})
    assert {s.unit_code: s.status for s in unit_overview(deployed, "hr", cycle)} == {
        "dinkes": "no_result", "pkm-mb": "no_result"}
    set_result(deployed, {"unit_result": "ISTIMEWA", "unit_result_basis": "LAKIP"})
    assert {s.unit_code: s.status for s in unit_overview(deployed, "ppk", cycle)}["pkm-mb"] == "incomplete"


def test_others_are_refused(puskesmas: int, deployed: Kinerja, org: SmallOrg, other_org: str, cycle: int) -> None:
    evaluation = propose_predikats(deployed, cycle, {nip(org, "rina"): "BAIK"})[nip(org, "rina")]
    for outsider in ("rina", "kapus", "auditor"):
        with pytest.raises(Forbidden):
            calibrate_predikat(deployed, outsider, evaluation, "BAIK", "alasan")
    with pytest.raises(NotFound):
        unit_calibration(deployed, "hr-kph", cycle, puskesmas)
    with pytest.raises(NotFound):
        calibrate_predikat(deployed, "hr-kph", evaluation, "SANGAT_BAIK", "alasan")
    with pytest.raises(NotFound):
        finalise_unit(deployed, "hr-kph", cycle, puskesmas)
    with pytest.raises(NotFound):
        unit_calibration(deployed, "hr", cycle, 9999)


# A yearly process that waits, in the HR lane, for its employee's final predikat (the bundled
# final appraisal's calibration task has this form).
WAITING_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="awaits_calibration" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="hr" name="HR">
      <bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>wait</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>late</bpmn:flowNodeRef><bpmn:flowNodeRef>e</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>e2</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="wait" name="Kalibrasi predikat">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="predikat_calibration" />
        <spiffworkflow:property name="dueIn" value="P30D" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="late" cancelActivity="false" attachedToRef="wait"><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P30D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="e2"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="e" />
    <bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="e2" />
  </bpmn:process>
</bpmn:definitions>
"""
WAITING_FORM = b'{"type": "object", "properties": {"predikat": {"type": "string"}}}'


def test_finalising_completes_each_waiting_calibration_task(org: SmallOrg, deployed: Kinerja) -> None:
    deploy(deployed, Operator("hr"), [DefinitionFile.from_upload("awaits_calibration.bpmn", WAITING_PROCESS.encode()),
                                      DefinitionFile.from_upload("predikat_calibration.json", WAITING_FORM)])
    cycle = ensure_cycle(deployed, Operator("hr"), "bungo", 2026, "awaits_calibration")
    people = {name: nip(org, name) for name in ("kapus", "rina", "dedi")}
    instances = dict(zip(people.values(), start_cycle_instances(deployed, Operator("hr"), cycle, people.values())))
    start_unit_results(deployed, Operator("hr"), cycle)
    set_result(deployed, {"unit_result": "BAIK", "unit_result_basis": "LAKIP"})
    evaluations = propose_predikats(deployed, cycle, {people["kapus"]: "SANGAT_BAIK", people["rina"]: "BAIK",
                                                      people["dedi"]: "BAIK"})
    calibrate_predikat(deployed, "ppk", evaluations[people["kapus"]], "BUTUH_PERBAIKAN", "Target utama tidak tercapai")
    finalise_unit(deployed, "ppk", cycle, unit_id(deployed, "pkm-mb"))
    with deployed.reading() as uow:
        finished = {instance.subject_employee_id: (instance.status, instance.summary.get("predikat"))
                    for instance in uow.session.scalars(select(ProcessInstance).where(
                        ProcessInstance.id.in_(instances.values())))}
    assert finished == {people["kapus"]: ("completed", "BUTUH_PERBAIKAN"), people["rina"]: ("completed", "BAIK"),
                        people["dedi"]: ("completed", "BAIK")}
    completed = audit_actions(deployed, "task.completed")
    assert {"predikat": "BUTUH_PERBAIKAN", "predikat_label": "Butuh Perbaikan", "calibrated": True} in [
        event["submitted"] for event in completed]


def test_an_employee_rated_after_the_unit_was_final_is_finalised_with_it_again(
        org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    deploy(deployed, Operator("hr"), [DefinitionFile.from_upload("awaits_calibration.bpmn", WAITING_PROCESS.encode()),
                                      DefinitionFile.from_upload("predikat_calibration.json", WAITING_FORM)])
    cycle = ensure_cycle(deployed, Operator("hr"), "bungo", 2026, "awaits_calibration")
    people = {name: nip(org, name) for name in ("kapus", "rina", "dedi")}
    start_cycle_instances(deployed, Operator("hr"), cycle, [people["kapus"], people["rina"]])
    start_unit_results(deployed, Operator("hr"), cycle)
    set_result(deployed, {"unit_result": "BAIK", "unit_result_basis": "LAKIP"})
    propose_predikats(deployed, cycle, {people["kapus"]: "BAIK", people["rina"]: "BUTUH_PERBAIKAN"})
    puskesmas = unit_id(deployed, "pkm-mb")
    assert finalise_unit(deployed, "hr", cycle, puskesmas).status == "final"
    first_final = clock.now()

    clock.advance(timedelta(days=3))  # Dedi's year started late and reaches the unit now
    (late,) = start_cycle_instances(deployed, Operator("hr"), cycle, [people["dedi"]])
    propose_predikats(deployed, cycle, {people["dedi"]: "BAIK"})
    reopened = unit_calibration(deployed, "hr", cycle, puskesmas)
    assert reopened.status == "ready", "the unit waits for the late employee, not for the two already final"
    assert finalise_unit(deployed, "hr", cycle, puskesmas).status == "final"
    with deployed.reading() as uow:
        assert uow.session.get(ProcessInstance, late).status == "completed"
        finalised = dict(uow.session.execute(select(Evaluation.employee_id, Evaluation.finalised_at)).all())
    assert finalised[people["rina"]] == first_final and finalised[people["dedi"]] == clock.now()


def test_the_waiting_task_has_one_door_the_units_calibration(org: SmallOrg, deployed: Kinerja, app: Flask,
                                                              api: ApiClient) -> None:
    deploy(deployed, Operator("hr"), [DefinitionFile.from_upload("awaits_calibration.bpmn", WAITING_PROCESS.encode()),
                                      DefinitionFile.from_upload("predikat_calibration.json", WAITING_FORM)])
    cycle = ensure_cycle(deployed, Operator("hr"), "bungo", 2026, "awaits_calibration")
    start_cycle_instances(deployed, Operator("hr"), cycle, [nip(org, "rina")])
    (task,) = [t for t in list_tasks(deployed, "hr", "group") if t.task_key == "wait"]
    claim_task(deployed, "hr", task.id)
    with pytest.raises(Conflict) as refused:
        complete_task(deployed, "hr", task.id, {"predikat": "SANGAT_BAIK"})
    puskesmas = unit_id(deployed, "pkm-mb")
    assert refused.value.details == {"reason": "calibrated_by_unit", "cycle_id": cycle, "unit_id": puskesmas}
    assert error_of(api.post(f"/tasks/{task.id}/complete", "hr", json={"data": {"predikat": "SANGAT_BAIK"}}),
                    409)["details"]["reason"] == "calibrated_by_unit"
    page = login(app, "hr").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert not elements(page, "task-form"), "no form completes it"
    [link] = elements(page, "open-unit-calibration")
    assert link["href"] == f"/cycles/{cycle}/units/{puskesmas}/calibration"
    assert not audit_actions(deployed, "task.completed")


def test_hr_calibrates_a_unit_on_its_page(puskesmas: int, deployed: Kinerja, org: SmallOrg, cycle: int,
                                          app: Flask) -> None:
    ppk = login(app, "ppk")
    task = [t for t in list_tasks(deployed, "ppk", "group") if t.name.endswith("Puskesmas Muara Bungo 2026")][0]
    form = ppk.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Capaian kinerja organisasi bagi unit" in form and ">Istimewa<" in form
    assert ppk.post(f"/tasks/{task.id}", data={"unit_result": "BAIK", "unit_result_basis": ""}).status_code == 422
    set_result(deployed, {"unit_result": "BAIK", "unit_result_basis": "LAKIP 2026"})
    evaluations = propose_predikats(deployed, cycle, {nip(org, name): "BAIK" for name in ("kapus", "rina", "dedi")})
    hr = login(app, "hr")
    overview = hr.get(f"/cycles/{cycle}").get_data(as_text=True)
    link = [e for e in elements(overview, "calibration-unit-link") if "Puskesmas" in e["_text"]][0]["href"]
    page = hr.get(link).get_data(as_text=True)
    assert text(page, "unit-status") == "melanggar pola" and text(page, "unit-result-label") == "Baik"
    assert [e["_text"] for e in elements(page, "violation")][1].startswith("Butuh Perbaikan dan/atau Kurang")
    refused = hr.post(f"{link}/{evaluations[nip(org, 'dedi')]}", data={"predikat": "BUTUH_PERBAIKAN", "reason": ""})
    assert refused.status_code == 422
    assert "alasan wajib diisi" in text(refused.get_data(as_text=True), "calibrate-error")
    blocked = hr.post(link.replace("/calibration", "/finalise"))
    assert blocked.status_code == 409 and "harus ada" in text(blocked.get_data(as_text=True), "finalise-errors")
    moved = hr.post(f"{link}/{evaluations[nip(org, 'dedi')]}", data={"predikat": "BUTUH_PERBAIKAN",
                                                                     "reason": "Target utama tidak tercapai"})
    assert moved.status_code == 303
    assert text(hr.get(link).get_data(as_text=True), "unit-status") == "siap"
    assert hr.post(link.replace("/calibration", "/finalise")).status_code == 303
    assert text(hr.get(link).get_data(as_text=True), "unit-status") == "final"
    assert login(app, "rina").get(link).status_code == 403


def test_the_api_calibrates_and_finalises(puskesmas: int, deployed: Kinerja, org: SmallOrg, cycle: int,
                                          api: ApiClient, other_org: str) -> None:
    set_result(deployed, {"unit_result": "BAIK", "unit_result_basis": "LAKIP 2026"})
    evaluations = propose_predikats(deployed, cycle, {nip(org, name): "BAIK" for name in ("kapus", "rina", "dedi")})
    assert api.ok("post", f"/cycles/{cycle}/unit-results", "hr") == {"started": []}
    unit = api.ok("get", f"/cycles/{cycle}/units/{puskesmas}/calibration", "ppk")
    assert unit["status"] == "breaks_pattern" and len(unit["violations"]) == 2
    reasons = error_of(api.post(f"/cycles/{cycle}/units/{puskesmas}/finalise", "ppk", json={}), 409)
    assert {r["reason"] for r in reasons["details"]["reasons"]} == {"breaks_pattern"}
    dedi = evaluations[nip(org, "dedi")]
    error_of(api.post(f"/evaluations/{dedi}/calibration", "ppk", json={"predikat": "KURANG"}), 422)
    error_of(api.post(f"/evaluations/{dedi}/calibration", "hr-kph", json={"predikat": "KURANG", "reason": "x y z"}),
             404)
    error_of(api.post(f"/evaluations/{dedi}/calibration", "rina", json={"predikat": "KURANG", "reason": "x y z"}),
             403)
    assert api.post(f"/evaluations/{dedi}/calibration", "ppk",
                    json={"predikat": "KURANG", "reason": "Pelanggaran disiplin kerja"}).status_code == 204
    final = api.ok("post", f"/cycles/{cycle}/units/{puskesmas}/finalise", "ppk", json={})
    assert final["status"] == "final" and final["counts"] == {"BAIK": 2, "KURANG": 1}
    assert {u["unit_code"]: u["status"] for u in api.ok("get", f"/cycles/{cycle}/calibration", "hr")["items"]} == {
        "dinkes": "no_result", "pkm-mb": "final"}
