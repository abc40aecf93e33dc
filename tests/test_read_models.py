"""What people see: filtered inboxes with counts, a task with its context, their own cycle."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.actors import Operator
from engine.clock import FixedClock
from engine.errors import NotFound
from engine.inbox import InboxFilter, list_tasks, task_counts
from engine.kinerja import Kinerja
from engine.read_models import employee_instances, instance_detail, latest_deployment, task_detail
from tests.support import BPMN_DIR, RHK_TEXT, SHORT_YEAR, SmallOrg, answer, do_task, inbox_task, open_cycle, submit_skp


def test_inbox_filters_and_counts(cycle: int, deployed: Kinerja, clock: FixedClock) -> None:
    submit_skp(deployed, "rina")
    submit_skp(deployed, "dedi")
    assert [t.subject_name for t in list_tasks(deployed, "kapus", filters=InboxFilter(search="rina"))] == [
        "Rina Marlina, Amd.Kep"]
    assert len(list_tasks(deployed, "kapus", filters=InboxFilter(search="199104042016"))) == 1
    assert len(list_tasks(deployed, "kapus", filters=InboxFilter(task_key="approve_skp"))) == 2
    assert len(list_tasks(deployed, "kapus", filters=InboxFilter(unit_code="dinkes"))) == 0
    assert len(list_tasks(deployed, "kapus", filters=InboxFilter(cycle_id=cycle))) == 3  # + her own realisation (her SKP was agreed first)
    assert len(list_tasks(deployed, "kapus", filters=InboxFilter(cycle_id=cycle + 1))) == 0
    clock.advance(timedelta(days=10))
    counts = task_counts(deployed, "kapus")
    assert (counts.mine, counts.group, counts.overdue) == (3, 0, 2)  # approvals: P7D; her realisation later


def test_a_task_shows_its_form_prefill_and_the_history_so_far(cycle: int, deployed: Kinerja) -> None:
    submit_skp(deployed, "rina")
    do_task(deployed, "kapus", "approve_skp", {"skp_decision": "return", "skp_comment": "Tambah indikator"})
    redraft = inbox_task(deployed, "rina", "draft_skp")
    detail = task_detail(deployed, "rina", redraft.id)
    assert detail.can_complete and detail.form_schema["title"]
    assert [row["text"] for row in detail.prefill["rhk"]] == [RHK_TEXT], "a returned SKP comes back filled in"
    assert [step.task_key for step in detail.history] == ["draft_skp", "approve_skp"]
    assert detail.history[1].submitted["skp_comment"] == "Tambah indikator"
    assert detail.employee["supervisor"] == "Siti Aminah, SKM"

    as_supervisor = task_detail(deployed, "kapus", redraft.id)
    assert not as_supervisor.can_complete, "the supervisor may read it but not fill it in"
    as_auditor = task_detail(deployed, "auditor", redraft.id)
    assert not as_auditor.can_complete
    with pytest.raises(NotFound):
        task_detail(deployed, "dedi", redraft.id)


def test_the_employee_sees_their_own_cycle_and_phase(cycle: int, deployed: Kinerja) -> None:
    (mine,) = employee_instances(deployed, "rina")
    assert mine.phase == "target_setting" and mine.subject_name == "Rina Marlina, Amd.Kep"
    assert instance_detail(deployed, "kadis", mine.id).id == mine.id, "the supervisor's supervisor may read"
    with pytest.raises(NotFound):
        instance_detail(deployed, "dedi", mine.id)
    assert employee_instances(deployed, "auditor") == []


def test_latest_deployment_lists_every_file(cycle: int, deployed: Kinerja) -> None:
    view = latest_deployment(deployed, Operator('test'))
    assert view.running_instances == 4
    assert {f.name for f in view.files if f.kind == "dmn"} == {path.stem for path in BPMN_DIR.glob("*.dmn")}


def test_a_peer_sees_the_peer_task_but_not_the_employees_file(org: SmallOrg, deployed: Kinerja) -> None:
    open_cycle(deployed, [org.cycle_employee], settings=SHORT_YEAR)
    for task_key, user in [("draft_skp", "rina"), ("approve_skp", "kapus"), ("report_realisation", "rina"),
                           ("give_feedback", "kapus"), ("self_assessment", "rina")]:
        do_task(deployed, user, task_key, answer(deployed, inbox_task(deployed, user, task_key).id))
    peer_task = inbox_task(deployed, "dedi", "peer_input")
    as_peer = task_detail(deployed, "dedi", peer_task.id)
    assert as_peer.can_complete and as_peer.history == [] and as_peer.summary == {}
    assert len(task_detail(deployed, "kapus", peer_task.id).history) == 5


def test_a_second_approval_round_does_not_preselect_the_last_decision(cycle: int, deployed: Kinerja) -> None:
    submit_skp(deployed, "rina")
    do_task(deployed, "kapus", "approve_skp", {"skp_decision": "return", "skp_comment": "Perbaiki"})
    submit_skp(deployed, "rina")
    second_round = inbox_task(deployed, "kapus", "approve_skp")
    assert task_detail(deployed, "kapus", second_round.id).prefill == {}
