"""Claiming, completing and authorisation of human tasks; bad form data never reaches the workflow."""
from __future__ import annotations

import pytest

from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.inbox import list_tasks
from engine.services import Kinerja
from tests.support import ANSWERS, SHORT_YEAR, SKP, SmallOrg, do_task, inbox_task, open_cycle


@pytest.fixture
def started(org: SmallOrg, deployed: Kinerja) -> int:
    (instance_id,) = open_cycle(deployed, [org.cycle_employee], settings=SHORT_YEAR).instance_ids
    return instance_id


def test_wrong_types_are_refused_field_by_field_and_nothing_changes(started: int, deployed: Kinerja) -> None:
    task = inbox_task(deployed, "rina", "draft_skp")
    history_before = deployed.instance_history(started)
    bad = {"rhk": [{**SKP["rhk"][0], "target_value": "sembilan puluh", "indicator_type": "banyak"}]}
    with pytest.raises(ValidationFailed) as refused:
        deployed.complete_task(task.id, "rina", bad)
    fields = {d["field"] for d in refused.value.details}
    assert fields == {"rhk.0.target_value", "rhk.0.indicator_type"}
    assert deployed.instance_history(started) == history_before
    assert inbox_task(deployed, "rina", "draft_skp").id == task.id


def test_unknown_fields_cannot_overwrite_process_data(started: int, deployed: Kinerja) -> None:
    task = inbox_task(deployed, "rina", "draft_skp")
    with pytest.raises(ValidationFailed, match="Additional properties"):
        deployed.complete_task(task.id, "rina", {**SKP, "employee": {"nip": "palsu"}})


def test_only_the_assignee_may_complete(started: int, deployed: Kinerja) -> None:
    task = inbox_task(deployed, "rina", "draft_skp")
    for intruder in ("dedi", "kapus", "auditor"):
        with pytest.raises(Forbidden):
            deployed.complete_task(task.id, intruder, SKP)
    with pytest.raises(NotFound):
        deployed.complete_task(9999, "rina", SKP)


def test_completing_twice_is_a_conflict(started: int, deployed: Kinerja) -> None:
    task = do_task(deployed, "rina", "draft_skp", SKP)
    with pytest.raises(Conflict, match="already completed"):
        deployed.complete_task(task.id, "rina", SKP)


def test_peer_input_goes_to_the_team_but_never_to_the_subject(started: int, deployed: Kinerja) -> None:
    for task_key in ("draft_skp", "approve_skp", "report_realisation", "give_feedback", "midyear_review",
                     "self_assessment"):
        user = "kapus" if task_key in ("approve_skp", "give_feedback", "midyear_review") else "rina"
        do_task(deployed, user, task_key, ANSWERS[task_key])
    (peer_task,) = list_tasks(deployed, "dedi", "group")
    assert peer_task.task_key == "peer_input" and peer_task.candidate_group.startswith("team@")
    assert list_tasks(deployed, "rina", "group") == []
    with pytest.raises(Forbidden):
        deployed.claim_task(peer_task.id, "rina")

    deployed.claim_task(peer_task.id, "dedi")
    assert [t.id for t in list_tasks(deployed, "dedi", "mine")] == [peer_task.id]
    assert list_tasks(deployed, "dedi", "group") == []
    deployed.unclaim_task(peer_task.id, "dedi")
    assert [t.id for t in list_tasks(deployed, "dedi", "group")] == [peer_task.id]
