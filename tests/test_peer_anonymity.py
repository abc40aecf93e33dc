"""Peer raters are anonymous to the employee: she reads their input pooled and unsigned,
wherever she can reach it (her task pages, her cycle, the API, her instance's history);
her supervisor still sees who said what."""
from __future__ import annotations

import json

from flask import Flask

from engine.actors import Operator
from engine.anonymity import aggregate_peer_input
from engine.kinerja import Kinerja
from engine.read_models import employee_instances, instance_history, task_detail
from engine.tasks import claim_task, complete_task
from tests.support import ANSWERS, BERAKHLAK, SHORT_YEAR, SignedIn, SmallOrg, complete_until, open_cycle

PEER_ANSWER = {"peer_behaviour": {key: "SESUAI_EKSPEKTASI" for key in BERAKHLAK}, "peer_comment": "Rajin dan teliti"}


def test_peer_input_reaches_the_employee_pooled_and_unsigned(org: SmallOrg, deployed: Kinerja) -> None:
    (instance_id,) = open_cycle(deployed, [org.cycle_employee], settings=SHORT_YEAR).instance_ids
    peer_task = complete_until(deployed, instance_id, "peer_input")
    claim_task(deployed, "dedi", peer_task)
    (mine,) = employee_instances(deployed, "rina")
    assert [(t.task_key, t.claimed_by_user_id) for t in mine.open_tasks if t.task_key == "peer_input"] == [
        ("peer_input", None)], "who took the peer input is not shown to her"
    assert task_detail(deployed, "rina", peer_task).task.claimed_by_user_id is None
    complete_task(deployed, "dedi", peer_task, PEER_ANSWER)
    review = complete_until(deployed, instance_id, "review_predikat")

    hers = task_detail(deployed, "rina", review)
    (pooled,) = [step for step in hers.history if step.task_key == "peer_input"]
    assert pooled.actor == "" and pooled.submitted == {
        "raters": 1, "peer_comment": ["Rajin dan teliti"],
        "peer_behaviour": {key: {"DIATAS_EKSPEKTASI": 0, "SESUAI_EKSPEKTASI": 1, "DIBAWAH_EKSPEKTASI": 0}
                           for key in BERAKHLAK}}
    assert "dedi" not in {step.actor for step in hers.history}
    supervisors = task_detail(deployed, "kapus", review)
    assert [(s.actor, s.submitted) for s in supervisors.history if s.task_key == "peer_input"] == [
        ("dedi", PEER_ANSWER)], "the supervisor who rated sees who gave the input"

    everything = instance_history(deployed, Operator('test'), instance_id)
    by_dedi = [event for event in everything if event["actor"] == "dedi"]
    assert {event["action"] for event in by_dedi} == {"task.claimed", "task.completed"}
    seen = instance_history(deployed, "rina", instance_id)
    assert all(event["actor"] != "dedi" for event in seen)
    assert len(seen) == len(everything) - len(by_dedi), "only what the peer did is withheld"
    withheld_hashes = {event["hash"] for event in by_dedi}
    assert not withheld_hashes & {event["prev_hash"] for event in seen}, \
        "the chain does not hand her the hash to guess the peer's name against"
    assert [e["actor"] for e in instance_history(deployed, "kapus", instance_id)].count("dedi") == 2


def test_pages_and_api_show_her_no_peer_name(org: SmallOrg, deployed: Kinerja, app: Flask) -> None:
    (instance_id,) = open_cycle(deployed, [org.cycle_employee], settings=SHORT_YEAR).instance_ids
    review = complete_until(deployed, instance_id, "review_predikat", answers={"peer_input": PEER_ANSWER})
    rina = SignedIn(app, "rina")
    task_page = rina.page.get(f"/tasks/{review}").get_data(as_text=True)
    assert "Rekan kerja (anonim)" in task_page and "Rajin dan teliti" in task_page
    assert "Jumlah rekan pemberi masukan" in task_page
    for html in (task_page, rina.page.get("/my-cycle").get_data(as_text=True)):
        assert "Dedi" not in html and "dedi" not in html
    for path in (f"/tasks/{review}", f"/instances/{instance_id}/history", f"/instances/{instance_id}"):
        status, body = rina.api("get", path)
        assert status == 200 and "dedi" not in json.dumps(body).lower(), path
    kapus_page = SignedIn(app, "kapus").page.get(f"/tasks/{review}").get_data(as_text=True)
    assert "Dedi Saputra" in kapus_page


def test_several_peers_are_pooled_without_order_or_names() -> None:
    pooled = aggregate_peer_input([
        {"peer_behaviour": {"akuntabel": 5, "harmonis": 3}, "peer_comment": "Tepat waktu", "anonymous": True},
        {"peer_behaviour": {"akuntabel": 4, "harmonis": 4}, "peer_comment": "  "},
        {"peer_behaviour": {"akuntabel": 2, "harmonis": 4}, "peer_comment": "Aktif berdiskusi"},
    ])
    assert pooled == {"raters": 3, "peer_behaviour": {"akuntabel": 3.67, "harmonis": 3.67},
                      "peer_comment": ["Aktif berdiskusi", "Tepat waktu"]}
    assert aggregate_peer_input([ANSWERS["peer_input"]])["raters"] == 1
