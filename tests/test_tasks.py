"""Claiming, completing and authorisation of human tasks; bad form data never reaches the workflow."""
from __future__ import annotations

import pytest

from engine.actors import Operator
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.inbox import list_tasks
from engine.kinerja import Kinerja
from engine.read_models import instance_history
from engine.tasks import claim_task, complete_task
from tests.support import SHORT_YEAR, SKP, SmallOrg, answer, do_task, inbox_task, open_cycle, submit_skp


@pytest.fixture
def started(org: SmallOrg, deployed: Kinerja) -> int:
    (instance_id,) = open_cycle(deployed, [org.cycle_employee], settings=SHORT_YEAR).instance_ids
    return instance_id


def test_wrong_types_are_refused_field_by_field_and_nothing_changes(started: int, deployed: Kinerja) -> None:
    task = inbox_task(deployed, "rina", "draft_skp")
    history_before = instance_history(deployed, Operator('test'), started)
    indicator = {**SKP["rhk"][0]["indicators"][0], "target_value": "sembilan puluh", "aspek": "banyak"}
    bad = {"rhk": [{**SKP["rhk"][0], "indicators": [indicator]}]}
    with pytest.raises(ValidationFailed) as refused:
        complete_task(deployed, "rina", task.id, bad)
    fields = {d["field"] for d in refused.value.details}
    assert fields == {"rhk.0.indicators.0.target_value", "rhk.0.indicators.0.aspek"}
    assert instance_history(deployed, Operator('test'), started) == history_before
    assert inbox_task(deployed, "rina", "draft_skp").id == task.id


def test_unknown_fields_cannot_overwrite_process_data(started: int, deployed: Kinerja) -> None:
    task = inbox_task(deployed, "rina", "draft_skp")
    with pytest.raises(ValidationFailed, match="Additional properties"):
        complete_task(deployed, "rina", task.id, {**SKP, "employee": {"nip": "palsu"}})


def test_only_the_assignee_may_complete(started: int, deployed: Kinerja) -> None:
    task = inbox_task(deployed, "rina", "draft_skp")
    for intruder in ("dedi", "kapus", "auditor"):
        with pytest.raises(Forbidden):
            complete_task(deployed, intruder, task.id, SKP)
    with pytest.raises(NotFound):
        complete_task(deployed, "rina", 9999, SKP)


def test_completing_twice_is_a_conflict(started: int, deployed: Kinerja) -> None:
    task = submit_skp(deployed, "rina")
    with pytest.raises(Conflict, match="already completed"):
        complete_task(deployed, "rina", task.id, SKP)


def test_peer_input_goes_to_a_named_colleague_but_never_to_the_subject(started: int, deployed: Kinerja) -> None:
    for task_key in ("draft_skp", "approve_skp", "report_realisation", "give_feedback", "self_assessment"):
        user = "kapus" if task_key in ("approve_skp", "give_feedback") else "rina"
        do_task(deployed, user, task_key, answer(deployed, inbox_task(deployed, user, task_key).id))
    (peer_task,) = list_tasks(deployed, "dedi", "mine")
    assert peer_task.task_key == "peer_input" and peer_task.candidate_group is None, "each rater has their own task"
    assert list_tasks(deployed, "rina", "group") == [] and list_tasks(deployed, "dedi", "group") == []
    with pytest.raises(Forbidden):
        claim_task(deployed, "rina", peer_task.id)
