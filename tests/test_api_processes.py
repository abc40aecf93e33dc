"""The REST API of the process library: checking files without deploying, the version list,
and moving running instances to a new version (HR only, own organisation only)."""
from __future__ import annotations

from engine.kinerja import Kinerja
from tests.support import (
    BPMN_DIR,
    ApiClient,
    SmallOrg,
    error_of,
    open_cycle,
    submit_skp,
    target_setting_without_approval,
    upload,
)


def test_check_reports_problems_without_storing_anything(cycle: int, api: ApiClient) -> None:
    source = (BPMN_DIR / "periodic_review.bpmn").read_bytes()
    hostile = source.replace(b"<bpmn:script>period = 1</bpmn:script>", b"<bpmn:script>import os</bpmn:script>")
    problems = api.ok("post", "/processes/check", "hr", **upload(("periodic_review.bpmn", hostile)))["problems"]
    assert [(p["file"], p["element_id"]) for p in problems] == [("periodic_review.bpmn", "start_periods")]
    assert api.ok("post", "/processes/check", "hr", **upload(("periodic_review.bpmn", source)))["problems"] == []
    too_big = api.ok("post", "/processes/check", "hr", **upload(("x.bpmn", b" " * (6 * 1024 * 1024))))
    assert "the limit is" in too_big["problems"][0]["message"]
    assert api.ok("get", "/processes", "hr")["deployment"]["id"] == 1, "nothing was stored"
    error_of(api.post("/processes/check", "ppk", **upload(("periodic_review.bpmn", source))), 403)


def test_versions_list_every_file_with_its_history(cycle: int, api: ApiClient) -> None:
    dmn = (BPMN_DIR / "predikat_kinerja.dmn").read_bytes().replace(b'"Sangat Baik"', b'"Sangat Baik (v2)"', 1)
    api.ok("post", "/processes", "hr", 201, **upload(("predikat_kinerja.dmn", dmn)))
    items = {(i["kind"], i["name"]): i for i in api.ok("get", "/processes/versions", "auditor")["items"]}
    versions = items[("dmn", "predikat_kinerja")]["versions"]
    assert [(v["version"], v["current"], v["running_instances"]) for v in versions] == [(2, True, 0), (1, False, 4)]
    assert items[("bpmn", "target_setting")]["versions"][0]["running_instances"] == 4
    error_of(api.get("/processes/versions", "rina"), 403)


def test_migration_through_the_api_moves_only_the_callers_organisation(
        org: SmallOrg, api: ApiClient, deployed: Kinerja, other_org: str) -> None:
    open_cycle(deployed, [org.employee_ids["199003032015031003"], org.employee_ids["199104042016041004"]])
    submit_skp(deployed, "dedi")  # their supervisor takes no part: they intervene the organisation's goals
    new = target_setting_without_approval()
    api.ok("post", "/processes", "hr", 201, **upload((new.filename, new.content.encode())))

    assert api.ok("get", "/processes/migrations/1", "hr-kph")["candidates"] == [], "not their instances"
    plan = api.ok("get", "/processes/migrations/1", "hr")
    assert plan["to_deployment_id"] == 2 and len(plan["candidates"]) == 2
    blocked = [c for c in plan["candidates"] if not c["movable"]]
    assert [c["subject_nip"] for c in blocked] == ["199104042016041004"]
    assert "approve_skp" in blocked[0]["blockers"][0]

    done = api.ok("post", "/processes/migrations/1", "hr", json={})
    assert sorted(c["migrated"] for c in done["candidates"]) == [False, True]
    assert api.ok("get", "/processes/migrations/1", "hr")["candidates"] == [blocked[0]]
    error_of(api.post("/processes/migrations/2", "hr", json={}), 409)
    error_of(api.post("/processes/migrations/99", "hr", json={}), 404)
    error_of(api.post("/processes/migrations/1", "hr", json={"instance_ids": ["x"]}), 422)
    error_of(api.post("/processes/migrations/1", "kapus", json={}), 403)
