"""Every evaluation of code from a definition is bounded, and a step that breaks a bound
fails cleanly: a clear message naming the element, nothing of the step saved, the failure
in the audit trail, and the rest of the server answering at its normal speed meanwhile.

The hostile code passes the deploy check (it is valid, harmless-looking Python); only the
limits stop it, at run time, inside a real step of the bundled evaluation cycle.
"""
from __future__ import annotations

import hashlib
import re
import statistics
import threading
import time
from typing import Any, Callable

import pytest
from flask import Flask
from sqlalchemy import select

from engine.actors import Operator
from engine.definitions import DefinitionFile
from engine.deployment import check_definitions, deploy
from engine.errors import ProcessError, ScriptLimitExceeded
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.models import AuditEvent, HumanTask, ProcessInstance, Timer
from engine.sandbox_limits import DEFAULT_TIME_LIMIT_MS, MAX_INT_BITS, MAX_SEQUENCE_ITEMS, MAX_STRING_LENGTH
from engine.scripting import RestrictedEnvironment
from engine.tasks import claim_task, complete_task
from tests.support import ANSWERS, BPMN_DIR, SmallOrg, answer, eligible_username, login, open_cycle

# The unbounded forms of the issue; in an expression a loop is a comprehension over ranges.
HOSTILE_SCRIPTS = {
    "endless-loop": ("while True:\n    pass", f"ran longer than {DEFAULT_TIME_LIMIT_MS} ms"),
    "huge-power": ("period = 10**10**9", f"10^9 bits; the limit is {MAX_INT_BITS}"),
    "huge-list": ("period = [0]*10**9", f"10^9 items; the limit is {MAX_SEQUENCE_ITEMS}"),
    "huge-string": ("period = 'x'*10**10", f"10^10 characters; the limit is {MAX_STRING_LENGTH}"),
}
HOSTILE_EXPRESSIONS = {
    "endless-loop": ("sum(1 for a in range(100000) for b in range(100000)) > 0",
                     f"ran longer than {DEFAULT_TIME_LIMIT_MS} ms"),
    "huge-power": ("10**10**9 > 0", f"10^9 bits; the limit is {MAX_INT_BITS}"),
    "huge-list": ("len([0]*10**9) > 0", f"10^9 items; the limit is {MAX_SEQUENCE_ITEMS}"),
    "huge-string": ("len('x'*10**10) > 0", f"10^10 characters; the limit is {MAX_STRING_LENGTH}"),
}
PERIODIC = (BPMN_DIR / "periodic_review.bpmn").read_text()
PREDIKAT = (BPMN_DIR / "predikat_kinerja.dmn").read_text()
# Where the hostile code goes: (file, text it replaces, element the failure names).
PLACES = {
    "script": ("periodic_review", "<bpmn:script>period = period + 1</bpmn:script>", "next_period"),
    "condition": ("periodic_review", "period &lt; len(periods)", "more_periods"),
    "dmn-cell": ("predikat_kinerja", '<text>"DIATAS_EKSPEKTASI"</text>', "determine_period_predikat"),
}


def _hostile_file(where: str, code: str) -> DefinitionFile:
    name, old, _ = PLACES[where]
    content = PREDIKAT if name == "predikat_kinerja" else PERIODIC
    assert old in content
    escaped = code.replace("&", "&amp;").replace("<", "&lt;")
    new = (f"<bpmn:script>{escaped}</bpmn:script>" if where == "script"
           else f"<text>{escaped}</text>" if where == "dmn-cell" else escaped)
    return DefinitionFile(kind="dmn" if name == "predikat_kinerja" else "bpmn", name=name,
                          content=content.replace(old, new, 1))


def _drive_to_failing_step(kinerja: Kinerja, employee_id: int) -> tuple[int, str, ProcessError]:
    """Complete the cycle's tasks until one fails; return that task, its user and the error."""
    open_cycle(kinerja, [employee_id])
    for _ in range(60):
        with kinerja.unit_of_work() as uow:
            task = uow.session.scalars(select(HumanTask).where(HumanTask.status == "open")
                                       .order_by(HumanTask.id).limit(1)).one()
            task_id, assigned = task.id, task.assignee_user_id is not None
        username = eligible_username(kinerja, task_id)
        if not assigned:
            claim_task(kinerja, username, task_id)
        try:
            complete_task(kinerja, username, task_id, answer(kinerja, task_id))
        except ProcessError as error:
            return task_id, username, error
    raise AssertionError("no step failed")


def _stored(kinerja: Kinerja) -> dict[str, Any]:
    """Everything a step could change, for before/after comparison."""
    with kinerja.unit_of_work() as uow:
        instances = [(i.id, i.revision, i.status, hashlib.sha256(i.state.encode()).hexdigest())
                     for i in uow.session.scalars(select(ProcessInstance).order_by(ProcessInstance.id))]
        tasks = [(t.id, t.status, t.assignee_user_id, t.claimed_by_user_id)
                 for t in uow.session.scalars(select(HumanTask).order_by(HumanTask.id))]
        timers = [(t.id, t.status) for t in uow.session.scalars(select(Timer).order_by(Timer.id))]
        events = [(e.seq, e.action, e.data) for e in uow.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    return {"instances": instances, "tasks": tasks, "timers": timers, "events": events}


def _inbox_seconds(kinerja: Kinerja) -> float:
    started = time.perf_counter()
    list_tasks(kinerja, "kapus", "mine")
    return time.perf_counter() - started


@pytest.mark.parametrize("where", sorted(PLACES))
@pytest.mark.parametrize("hostile", sorted(HOSTILE_SCRIPTS))
def test_a_step_past_a_limit_fails_cleanly_while_the_inbox_keeps_its_speed(
        org: SmallOrg, deployed: Kinerja, where: str, hostile: str) -> None:
    code, reason = (HOSTILE_SCRIPTS if where == "script" else HOSTILE_EXPRESSIONS)[hostile]
    assert check_definitions(deployed, Operator('test'), [_hostile_file(where, code)]) == [], "the limits act at run time"
    deploy(deployed, Operator("hr"), [_hostile_file(where, code)])
    task_id, username, first = _drive_to_failing_step(deployed, org.cycle_employee)
    element = PLACES[where][2]
    assert element in first.message and reason in first.message
    assert first.details["element_id"] == element

    normal = statistics.median(_inbox_seconds(deployed) for _ in range(7))
    before = _stored(deployed)
    failure: list[BaseException] = []
    spent: list[float] = []

    def hostile_step() -> None:
        cpu = time.thread_time()
        try:
            complete_task(deployed, username, task_id, answer(deployed, task_id))
        except ProcessError as error:
            failure.append(error)
        finally:
            spent.append(time.thread_time() - cpu)

    worker = threading.Thread(target=hostile_step)
    worker.start()
    during = []
    while worker.is_alive() or not during:
        during.append(_inbox_seconds(deployed))
    worker.join()

    (error,) = failure
    assert error.message == first.message
    # At most the step's own work plus the limit (a DMN table is evaluated twice: for the
    # trail and for real); the size limits refuse before any work, so they cost even less.
    assert spent[0] < 2 * DEFAULT_TIME_LIMIT_MS / 1000 + 0.5
    if hostile == "endless-loop":
        # Only this one keeps the step busy for a while: meanwhile the inbox keeps its speed.
        assert statistics.median(during) <= 2 * normal, (normal, during)

    after = _stored(deployed)
    assert {key: after[key] for key in ("instances", "tasks", "timers")} == \
           {key: before[key] for key in ("instances", "tasks", "timers")}, "nothing of the step is saved"
    assert after["events"][:-2] == before["events"]
    (_, action, data), (_, attempt, counted) = after["events"][-2:]
    assert action == "step.failed" and data == {"element_id": element, "message": first.message}
    assert attempt == "incident.failed_again" and counted["attempts"] == 2  # the incident counts the retry


def _task_key(kinerja: Kinerja, task_id: int) -> str:
    with kinerja.unit_of_work() as uow:
        return uow.session.get(HumanTask, task_id).task_key


def test_the_time_limit_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KINERJA_SCRIPT_TIME_LIMIT_MS", "50")
    started = time.thread_time()
    with pytest.raises(ScriptLimitExceeded, match="ran longer than 50 ms"):
        RestrictedEnvironment().execute("while True:\n    pass", {})
    assert time.thread_time() - started < 0.15


@pytest.mark.parametrize("code, reason", [
    ("x = [1]\nwhile True:\n    x.extend(x)", f"more than {MAX_SEQUENCE_ITEMS} items"),
    ("x = 'a'\nwhile True:\n    x = x + x", f"the limit is {MAX_STRING_LENGTH}"),
    ("x = 2\nwhile True:\n    x = x * x", f"the limit is {MAX_INT_BITS}"),
    ("x = 1 << 10**6", f"the limit is {MAX_INT_BITS}"),
    ("x = '%0999999999d' % 1", f"the limit is {MAX_STRING_LENGTH}"),
    ("x = '-'.join(['y' * 900000] * 2)", f"the limit is {MAX_STRING_LENGTH}"),
    ("x = ('y' * 900000).replace('y', 'yy')", f"the limit is {MAX_STRING_LENGTH}"),
    ("x = list(range(10**9))", f"the limit is {MAX_SEQUENCE_ITEMS}"),
    ("x = str([[0] * 100000] * 100000)", f"the limit is {MAX_STRING_LENGTH}"),
    ("x = [[0] * 100000] * 100000", f"more than {MAX_SEQUENCE_ITEMS} values"),
    ("x = []\nwhile True:\n    x.append([0] * 99999)", "MB of values"),
    ("x = sum([[0] * 1000] * 1000, [])", "sum() adds numbers only"),
    ("x = f'{\"y\" * 900000}{\"y\" * 900000}'", f"the limit is {MAX_STRING_LENGTH}"),
])
def test_values_past_a_size_limit_are_refused_before_they_are_built(code: str, reason: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # The size limits, not the CPU-time limit, must stop these: on a slow machine the page faults
    # of building 64 MB can pass 200 ms of CPU time first, so the time limit is moved out of the way.
    monkeypatch.setenv("KINERJA_SCRIPT_TIME_LIMIT_MS", "5000")
    started = time.thread_time()
    with pytest.raises(Exception, match=re.escape(reason)):
        RestrictedEnvironment().execute(code, {})
    assert time.thread_time() - started < 1


def test_pages_and_api_answer_a_failed_step_with_422_and_its_message(org: SmallOrg, deployed: Kinerja,
                                                                      make_app: Callable[..., Flask]) -> None:
    from web.auth import issue_token

    deploy(deployed, Operator("hr"), [_hostile_file("script", HOSTILE_SCRIPTS["huge-list"][0])])
    task_id, username, first = _drive_to_failing_step(deployed, org.cycle_employee)
    app = make_app()
    page = login(app, username)
    answered = page.post(f"/tasks/{task_id}", data=ANSWERS["give_feedback"])
    page_text = answered.get_data(as_text=True)
    assert answered.status_code == 422 and "next_period" in page_text
    assert "Isian Anda belum tersimpan" in page_text and 'data-testid="form-errors"' in page_text, \
        "the task's form comes back with the failure on top, not a bare error page"

    with app.app_context():
        token = issue_token(username, 0)
    api = app.test_client().post(f"/api/v1/tasks/{task_id}/complete", json={"data": ANSWERS["give_feedback"]},
                                 headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 422
    assert api.get_json()["error"]["code"] == "process_error" and api.get_json()["error"]["message"] == first.message
