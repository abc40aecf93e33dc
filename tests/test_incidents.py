"""Incidents: a step that fails at run time leaves its instance at its last good state and
opens an incident HR can see, retry once the cause is fixed (one, or many in a background
batch whose progress HR follows), or end by cancelling the instance with a reason."""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, Callable

import pytest
from flask import Flask
from sqlalchemy import select

from engine.actors import Operator
from engine.clock import FixedClock
from engine.cycles import ensure_cycle, start_cycle_instances
from engine.definitions import DefinitionFile
from engine.deployment import deploy
from engine.demo import generate_organisation
from engine.errors import Conflict, Forbidden, NotFound, ProcessError, ValidationFailed
from engine.incident_batches import incident_batch, request_batch_retry
from engine.incidents import cancel_instance, list_incidents, retry_incident, retry_incidents
from engine.kinerja import Kinerja
from engine.migration import migrate_instances
from engine.models import AuditEvent, Employee, HumanTask, Organisation, ProcessInstance, Timer
from engine.tasks import complete_task
from engine.timers import fire_due_timers
from tests.support import ApiClient, SmallOrg, elements, error_of, follow_until_finished, inbox_task, login, text
from workflows import incidents as retry_flow
from workflows.incidents import retry_incident_batch

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="uji_insiden_definitions"
    targetNamespace="http://kinerja.local/bpmn">
  <bpmn:process id="uji_insiden" name="Uji insiden" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_pegawai" name="Pegawai">
        <bpmn:flowNodeRef>isi</bpmn:flowNodeRef><bpmn:flowNodeRef>lanjut</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="mulai"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="jalur" default="f_tugas">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f_tugas</bpmn:outgoing><bpmn:outgoing>f_waktu</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:userTask id="isi" name="Isi nilai"><bpmn:incoming>f_tugas</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:intermediateCatchEvent id="tunggu" name="Tunggu sehari">
      <bpmn:incoming>f_waktu</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="tunggu_timer">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression"
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"P1D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="nilai_waktu"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>nilai = "B"</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gabung">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:businessRuleTask id="tentukan" name="Tentukan hasil">
      <bpmn:extensionElements><spiffworkflow:calledDecisionId>uji_keputusan</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:userTask id="lanjut" name="Lanjutkan"><bpmn:incoming>f6</bpmn:incoming><bpmn:outgoing>f7</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="selesai"><bpmn:incoming>f7</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="mulai" targetRef="jalur" />
    <bpmn:sequenceFlow id="f_tugas" sourceRef="jalur" targetRef="isi" />
    <bpmn:sequenceFlow id="f_waktu" sourceRef="jalur" targetRef="tunggu">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">jalur == "waktu"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f2" sourceRef="isi" targetRef="gabung" />
    <bpmn:sequenceFlow id="f3" sourceRef="tunggu" targetRef="nilai_waktu" />
    <bpmn:sequenceFlow id="f4" sourceRef="nilai_waktu" targetRef="gabung" />
    <bpmn:sequenceFlow id="f5" sourceRef="gabung" targetRef="tentukan" />
    <bpmn:sequenceFlow id="f6" sourceRef="tentukan" targetRef="lanjut" />
    <bpmn:sequenceFlow id="f7" sourceRef="lanjut" targetRef="selesai" />
  </bpmn:process>
</bpmn:definitions>
"""


def decision(*rules: str) -> DefinitionFile:
    """The table ``uji_keputusan``: one rule per input value given (``-``: any value)."""
    rows = "".join(f"""
      <rule id="aturan_{i}"><inputEntry id="masuk_{i}"><text>{value}</text></inputEntry>
        <outputEntry id="keluar_{i}"><text>"ok"</text></outputEntry></rule>""" for i, value in enumerate(rules))
    return DefinitionFile("dmn", "uji_keputusan", f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="uji_keputusan_definitions"
    name="Uji" namespace="http://kinerja.local/dmn">
  <decision id="uji_keputusan" name="Uji keputusan">
    <decisionTable id="uji_keputusan_table" hitPolicy="UNIQUE">
      <input id="masukan" label="Nilai"><inputExpression id="ekspresi" typeRef="string"><text>nilai</text>
      </inputExpression></input>
      <output id="keluaran" label="Hasil" name="hasil" typeRef="string" />{rows}
    </decisionTable>
  </decision>
</definitions>
""")


BROKEN, FIXED = decision('"A"'), decision("-")
HR = Operator("hr")


def _start(kinerja: Kinerja, employee_ids: list[int], path: str, org: str = "bungo") -> list[int]:
    cycle_id = ensure_cycle(kinerja, HR, org, 2026, "uji_insiden", settings={"jalur": path})
    return start_cycle_instances(kinerja, HR, cycle_id, employee_ids)


def _failed_timers(kinerja: Kinerja, clock: FixedClock, employee_ids: list[int], org: str = "bungo") -> list[int]:
    """The employees' instances stuck at the broken decision after their timer: the incidents' ids."""
    instance_ids = _start(kinerja, employee_ids, "waktu", org)
    clock.advance(timedelta(days=2))
    assert fire_due_timers(kinerja).failed == len(instance_ids)
    return sorted(incident.id for incident in list_incidents(kinerja, HR, limit=1000)
                  if incident.instance_id in instance_ids)


def _api_batch_finished(api: ApiClient, batch_id: int, username: str = "hr", timeout: float = 120) -> dict[str, Any]:
    """Follow a batch through the API, as a client does, until it has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = api.ok("get", f"/incidents/batches/{batch_id}", username)
        if batch["finished_at"]:
            return batch
        time.sleep(0.2)
    raise AssertionError(f"batch {batch_id} still running after {timeout} s: {batch}")


def _fix_and_migrate(kinerja: Kinerja) -> None:
    with kinerja.reading() as uow:
        broken = uow.session.scalar(select(ProcessInstance.deployment_id).where(
            ProcessInstance.process_key == "uji_insiden"))
    fixed = deploy(kinerja, Operator("hr"), [FIXED]).deployment_id
    plan = migrate_instances(kinerja, HR, broken, fixed)
    assert plan.candidates and all(candidate.migrated for candidate in plan.candidates)


@pytest.fixture
def broken(org: SmallOrg, deployed: Kinerja) -> Kinerja:
    deploy(deployed, HR, [DefinitionFile("bpmn", "uji_insiden", PROCESS), BROKEN])
    return deployed


def test_a_completion_that_fails_is_an_incident_until_the_fix_and_a_retry(org: SmallOrg, broken: Kinerja) -> None:
    (instance_id,) = _start(broken, [org.cycle_employee], "tugas")
    task = inbox_task(broken, "rina", "isi")
    with broken.reading() as uow:
        revision = uow.session.get(ProcessInstance, instance_id).revision
    with pytest.raises(ProcessError, match="has no rule for the inputs") as failed:
        complete_task(broken, "rina", task.id, {"nilai": "B"})
    assert failed.value.details["element_id"] == "tentukan"
    with pytest.raises(ProcessError):
        complete_task(broken, "rina", task.id, {"nilai": "B"})  # tried again before the fix: one incident

    (incident,) = list_incidents(broken, "hr")
    assert (incident.kind, incident.element_id, incident.task_name, incident.attempts) == ("task", "tentukan",
                                                                                          "Isi nilai", 2)
    assert "has no rule for the inputs" in incident.message and incident.instance_id == instance_id
    with broken.reading() as uow:
        assert uow.session.get(ProcessInstance, instance_id).revision == revision  # left at its last good state
        assert uow.session.get(HumanTask, task.id).status == "open"

    failed_again = retry_incident(broken, "hr", incident.id)  # nothing fixed yet
    assert not failed_again.resolved and "has no rule" in failed_again.message
    assert list_incidents(broken, "hr")[0].attempts == 3

    _fix_and_migrate(broken)
    outcome = retry_incident(broken, "hr", incident.id)
    assert outcome.resolved
    assert list_incidents(broken, "hr") == []
    (closed,) = list_incidents(broken, "hr", status="resolved")
    assert closed.closed_by == "hr"
    with broken.reading() as uow:
        completed = uow.session.get(HumanTask, task.id)
        assert completed.status == "completed" and completed.completed_by_user_id is not None
    assert inbox_task(broken, "rina", "lanjut")  # the instance went on with the answer rina gave


def test_failing_timers_are_set_aside_and_retried_as_a_batch(org: SmallOrg, broken: Kinerja,
                                                             clock: FixedClock) -> None:
    instance_ids = _start(broken, list(org.employee_ids.values())[1:], "waktu")  # kapus, rina, dedi
    clock.advance(timedelta(days=2))
    sweep = fire_due_timers(broken)
    assert (sweep.fired, sweep.failed) == (0, 3)  # each instance failed; the sweep went through them all
    assert fire_due_timers(broken).failed == 0  # set aside: the next sweep does not trip over them again
    incidents = list_incidents(broken, "hr")
    assert sorted(i.instance_id for i in incidents) == sorted(instance_ids)
    assert {(i.kind, i.element_id) for i in incidents} == {("timer", "tentukan")}
    with broken.reading() as uow:
        assert set(uow.session.scalars(select(Timer.status).where(Timer.instance_id.in_(instance_ids)))) \
            == {"failed"}

    _fix_and_migrate(broken)
    outcomes = retry_incidents(broken, "hr", [i.id for i in incidents] + [incidents[0].id])
    assert [o.resolved for o in outcomes] == [True, True, True]
    for name in ("rina", "dedi", "kapus"):
        assert inbox_task(broken, name, "lanjut")
    retried = retry_incidents(broken, "hr", [incidents[0].id])
    assert not retried[0].resolved and "only an open one can be retried" in retried[0].message


def test_hr_cancels_an_instance_that_cannot_go_on(org: SmallOrg, broken: Kinerja, clock: FixedClock) -> None:
    (instance_id,) = _start(broken, [org.cycle_employee], "waktu")
    clock.advance(timedelta(days=2))
    fire_due_timers(broken)
    with pytest.raises(ValidationFailed, match="needs a reason"):
        cancel_instance(broken, "hr", instance_id, " ")
    cancel_instance(broken, "hr", instance_id, "Pegawai pindah instansi")
    assert list_incidents(broken, "hr") == []
    (closed,) = list_incidents(broken, "hr", status="cancelled")
    assert closed.resolution == "Pegawai pindah instansi"
    with broken.reading() as uow:
        assert uow.session.get(ProcessInstance, instance_id).status == "cancelled"
        assert set(uow.session.scalars(select(Timer.status).where(Timer.instance_id == instance_id))) \
            == {"cancelled"}
    with pytest.raises(Conflict, match="only a running one"):
        cancel_instance(broken, "hr", instance_id, "lagi")


def test_incidents_are_hrs_of_their_own_organisation(org: SmallOrg, broken: Kinerja, other_org: str,
                                                     clock: FixedClock) -> None:
    (instance_id,) = _start(broken, [org.cycle_employee], "waktu")
    clock.advance(timedelta(days=2))
    fire_due_timers(broken)
    (incident,) = list_incidents(broken, "hr")
    assert list_incidents(broken, "hr-kph") == []
    with pytest.raises(NotFound):
        retry_incident(broken, "hr-kph", incident.id)
    with pytest.raises(NotFound):
        cancel_instance(broken, "hr-kph", instance_id, "bukan milik kami")
    with pytest.raises(Exception, match="needs one of the roles: hr"):
        list_incidents(broken, "rina")


@pytest.mark.usefixtures("prefect_harness")
def test_hr_sees_and_retries_incidents_in_the_browser_pages_and_the_api(
        org: SmallOrg, broken: Kinerja, clock: FixedClock, make_app: Callable[..., Flask]) -> None:
    instance_ids = _start(broken, list(org.employee_ids.values())[1:], "waktu")
    clock.advance(timedelta(days=2))
    fire_due_timers(broken)
    app = make_app()
    hr = login(app, "hr")
    page = hr.get("/insiden")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and len(elements(html, "incident")) == 3
    assert "has no rule for the inputs" in html and "pewaktu" in html
    assert login(app, "rina").get("/insiden").status_code == 403

    api = ApiClient(app.test_client())
    listed = api.ok("get", "/incidents", "hr", 200)["items"]
    assert {item["kind"] for item in listed} == {"timer"} and len(listed) == 3
    error_of(api.post("/instances/%d/cancel" % instance_ids[0], "hr", json={"reason": ""}), 422)
    assert api.post("/instances/%d/cancel" % instance_ids[0], "hr", json={"reason": "Pegawai pensiun"}).status_code == 204
    _fix_and_migrate(broken)
    cancelled = next(item["id"] for item in listed if item["instance_id"] == instance_ids[0])
    first = next(item["id"] for item in listed if item["id"] != cancelled)

    ticked = hr.post("/insiden/ulang", data={"incident_id": [str(first)]})  # in the background, on the page
    assert ticked.status_code == 303
    page = follow_until_finished(hr, "/insiden")
    (batch,) = elements(page, "incident-batch")
    assert batch["data-status"] == "completed" and text(page, "batch-progress") == "1 / 1 dicoba, 0 masih gagal"

    queued = api.ok("post", "/incidents/retry", "hr", 202, json={"incident_ids": [item["id"] for item in listed]})
    assert (queued["status"], queued["total"], queued["done"]) == ("queued", 3, 0)
    finished = _api_batch_finished(api, queued["id"])
    assert (finished["status"], finished["done"], finished["failed"]) == ("completed", 3, 2)
    assert sorted(failure["incident_id"] for failure in finished["failures"]) == sorted([cancelled, first])
    assert all("only an open one can be retried" in f["message"] for f in finished["failures"])
    assert list_incidents(broken, "hr") == []
    error_of(api.post("/incidents/retry", "hr", json={"incident_ids": []}), 422)
    closed = error_of(api.post(f"/incidents/{listed[0]['id']}/retry", "hr"), 409)
    assert closed["details"] == {"reason": "incident_closed"}


@pytest.mark.usefixtures("prefect_harness")
def test_a_batch_retry_of_many_runs_in_small_batches_until_every_incident_is_resolved(
        org: SmallOrg, broken: Kinerja, clock: FixedClock, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    generate_organisation(broken, "tebo", "Pemerintah Kabupaten Tebo", 30, "rahasia")
    with broken.reading() as uow:
        employees = list(uow.session.scalars(select(Employee.id).join(Organisation).where(Organisation.code == "tebo")))
    incident_ids = _failed_timers(broken, clock, employees, "tebo")
    assert len(incident_ids) == 30
    _fix_and_migrate(broken)

    batch = request_batch_retry(broken, "hr-tebo", incident_ids)
    assert (batch.status, batch.total, batch.done) == ("queued", 30, 0)
    progress: list[int] = []
    real_record = retry_flow.record_batch_progress

    def record_and_watch(*args: Any) -> None:
        real_record(*args)
        progress.append(incident_batch(broken, "hr-tebo", batch.id).done)

    monkeypatch.setattr(retry_flow, "record_batch_progress", record_and_watch)
    summary = retry_incident_batch(batch.id, "hr-tebo", database_url, chunk_size=8)

    assert progress == [8, 16, 24, 30], "progress is recorded after each small batch"
    assert (summary["status"], summary["done"], summary["failed"], summary["total"]) == ("completed", 30, 0, 30)
    assert list_incidents(broken, "hr-tebo") == []
    with broken.reading() as uow:
        retried = uow.session.scalars(select(AuditEvent.actor).where(AuditEvent.action == "incident.resolved")).all()
        assert retried == ["hr-tebo"] * 30, "each retry is an audit event in the name of who asked"
        assert set(uow.session.scalars(select(ProcessInstance.status).where(
            ProcessInstance.subject_employee_id.in_(employees)))) == {"running"}


@pytest.mark.usefixtures("prefect_harness")
def test_a_retry_that_fails_is_counted_and_the_batch_goes_on(
        org: SmallOrg, broken: Kinerja, clock: FixedClock, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    incident_ids = _failed_timers(broken, clock, list(org.employee_ids.values())[1:])  # the cause is not fixed
    batch = request_batch_retry(broken, "hr", incident_ids)
    real_retry, calls = retry_flow.retry_incidents, []

    def database_lost_once(*args: Any) -> Any:
        calls.append(args)
        if len(calls) == 1:
            raise ConnectionError("the database went away")
        return real_retry(*args)

    monkeypatch.setattr(retry_flow, "retry_incidents", database_lost_once)
    summary = retry_incident_batch(batch.id, "hr", database_url, chunk_size=2)

    assert (summary["status"], summary["done"], summary["failed"]) == ("completed", 3, 3)
    messages = {failure["incident_id"]: failure["message"] for failure in summary["failures"]}
    assert messages[incident_ids[0]] == messages[incident_ids[1]] == "ConnectionError: the database went away"
    assert "has no rule for the inputs" in messages[incident_ids[2]]
    attempts = {incident.id: incident.attempts for incident in list_incidents(broken, "hr")}
    assert attempts == {incident_ids[0]: 1, incident_ids[1]: 1, incident_ids[2]: 2}, "still open, one more try each"


def test_only_hr_of_the_incidents_organisation_retries_them_in_a_batch(
        org: SmallOrg, broken: Kinerja, clock: FixedClock, other_org: str, make_app: Callable[..., Flask]) -> None:
    incident_ids = _failed_timers(broken, clock, [org.cycle_employee])
    with pytest.raises(Forbidden):
        request_batch_retry(broken, "rina", incident_ids)
    with pytest.raises(NotFound):
        request_batch_retry(broken, "hr-kph", incident_ids)
    with pytest.raises(ValidationFailed, match="1 to 500"):
        request_batch_retry(broken, "hr", [])

    app = make_app()
    assert login(app, "rina").post("/insiden/ulang", data={"incident_id": [str(incident_ids[0])]}).status_code == 403
    api = ApiClient(app.test_client())
    error_of(api.post("/incidents/retry", "rina", json={"incident_ids": incident_ids}), 403)
    error_of(api.post("/incidents/retry", "hr-kph", json={"incident_ids": incident_ids}), 404)
    batch = request_batch_retry(broken, "hr", incident_ids)  # queued only: no flow runs here
    error_of(api.get(f"/incidents/batches/{batch.id}", "rina"), 403)
    error_of(api.get(f"/incidents/batches/{batch.id}", "hr-kph"), 404)
    assert api.ok("get", f"/incidents/batches/{batch.id}", "hr")["status"] == "queued"
