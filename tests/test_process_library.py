"""HR's process library and modeler endpoints: versions, comparisons, checking and deploying
definitions from the browser, hostile files, other modelers' files, and migrating instances."""
from __future__ import annotations

import tracemalloc

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.kinerja import Kinerja
from engine.models import Deployment
from tests.support import (
    BPMN_DIR,
    EXPECTED_FROM_OTHER_MODELERS,
    OTHER_MODELERS,
    ApiClient,
    SmallOrg,
    login,
    open_cycle,
    submit_skp,
    target_setting_without_approval,
    upload,
)

PERIODIC = (BPMN_DIR / "periodic_review.bpmn").read_text()
SCRIPT = "<bpmn:script>period = 1</bpmn:script>"
BILLION_LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
                  + ']>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol9;'
                  "</bpmn:definitions>")
XXE = ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="x">&xxe;</bpmn:definitions>')

HOSTILE = [
    pytest.param(XXE, None, "unsafe XML refused", id="xxe"),
    pytest.param(BILLION_LAUGHS, None, "unsafe XML refused", id="billion-laughs"),
    pytest.param(PERIODIC.replace(SCRIPT, "<bpmn:script>import os\nperiod = 1</bpmn:script>"),
                 "start_periods", "imports are not allowed", id="import-os"),
    pytest.param(PERIODIC.replace(SCRIPT, "<bpmn:script>period = ().__class__.__bases__[0].__subclasses__()"
                                          "</bpmn:script>"),
                 "start_periods", "attributes starting with '_'", id="subclasses"),
    pytest.param(PERIODIC.replace(SCRIPT, "<bpmn:script>period = open('/etc/passwd').read()</bpmn:script>"),
                 "start_periods", "'open' is not allowed", id="open-etc-passwd"),
]


@pytest.fixture
def hr(app: Flask) -> FlaskClient:
    return login(app, "hr")


def _deployments(kinerja: Kinerja) -> int:
    with kinerja.unit_of_work() as uow:
        return uow.session.query(Deployment).count()


def _send(client: FlaskClient, endpoint: str, filename: str, content: str):  # type: ignore[no-untyped-def]
    return client.post(f"/processes/{endpoint}", json={"filename": filename, "content": content})


@pytest.mark.parametrize("content, element_id, reason", HOSTILE)
def test_hostile_files_are_refused_naming_the_element_and_nothing_is_stored(
        hr: FlaskClient, api: ApiClient, deployed: Kinerja, content: str, element_id: str, reason: str) -> None:
    before = _deployments(deployed)
    tracemalloc.start()
    checked = _send(hr, "check", "periodic_review.bpmn", content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert checked.status_code == 200
    (problem,) = checked.get_json()["problems"]
    assert problem["file"] == "periodic_review.bpmn" and problem["element_id"] == element_id
    assert reason in problem["message"]
    assert peak < 20 * 1024 * 1024, f"checking used {peak} bytes: entities must not be expanded"

    deployed_response = _send(hr, "deploy", "periodic_review.bpmn", content)
    assert deployed_response.status_code == 422
    assert reason in deployed_response.get_json()["error"]["details"][0]["message"]

    refused = api.post("/processes", "hr", **upload(("periodic_review.bpmn", content.encode())))
    assert refused.status_code == 422 and reason in refused.get_json()["error"]["details"][0]["message"]
    assert _deployments(deployed) == before, "nothing was stored"


def test_a_50_mb_file_is_refused_before_it_is_parsed(hr: FlaskClient, api: ApiClient, deployed: Kinerja) -> None:
    huge = "<!--" + "x" * (50 * 1024 * 1024) + "-->"
    response = _send(hr, "check", "periodic_review.bpmn", huge)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large" and "limit" in response.get_json()["error"]["details"]
    refused = api.post("/processes", "hr", **upload(("periodic_review.bpmn", huge.encode())))
    assert refused.status_code == 413 and refused.get_json()["error"]["code"] == "too_large"


def test_a_file_over_the_definition_limit_gets_its_size_named(hr: FlaskClient) -> None:
    large = "<!--" + "x" * (6 * 1024 * 1024) + "-->"
    (problem,) = _send(hr, "check", "periodic_review.bpmn", large).get_json()["problems"]
    assert "the limit is 5242880" in problem["message"]


@pytest.mark.parametrize("filename", sorted(EXPECTED_FROM_OTHER_MODELERS))
def test_files_from_other_modelers_get_specific_findings(hr: FlaskClient, filename: str) -> None:
    response = _send(hr, "check", filename, (OTHER_MODELERS / filename).read_text())
    assert response.status_code == 200
    found = response.get_json()["problems"]
    expected = EXPECTED_FROM_OTHER_MODELERS[filename]
    assert [p["element_id"] for p in found] == [element for element, _ in expected]
    for problem, (_, message) in zip(found, expected):
        assert message in problem["message"]


def test_a_clean_file_from_another_modeler_deploys_as_a_new_process(hr: FlaskClient, deployed: Kinerja) -> None:
    exported = (OTHER_MODELERS / "bpmnio_sederhana.bpmn").read_text()
    content = exported.replace('isExecutable="false"', 'isExecutable="true"')  # HR ticks "Executable"
    response = _send(hr, "deploy", "bpmnio_sederhana.bpmn", content)
    assert response.status_code == 201
    assert response.get_json()["changed_files"][0]["provides"] == ["arsip_dokumen"]
    assert _send(hr, "deploy", "bpmnio_sederhana.bpmn", content).get_json()["created"] is False


def test_the_library_lists_versions_with_running_instances_downloads_and_diffs(
        hr: FlaskClient, deployed: Kinerja, org: SmallOrg) -> None:
    open_cycle(deployed, [org.cycle_employee])
    changed = (BPMN_DIR / "target_setting.bpmn").read_text().replace('"P7D"</bpmn:timeDuration>',
                                                                     '"P3D"</bpmn:timeDuration>')
    assert _send(hr, "deploy", "target_setting.bpmn", changed).status_code == 201

    page = hr.get("/processes").get_data(as_text=True)
    assert "target_setting.bpmn" in page and "predikat_kinerja.dmn" in page and "skp_draft.json" in page
    assert 'data-version="2"' in page and "berlaku" in page
    download = hr.get("/processes/bpmn/target_setting/v1")
    assert download.status_code == 200 and download.mimetype == "application/xml"
    assert '"P7D"' in download.get_data(as_text=True)
    assert 'filename="target_setting.v1.bpmn"' in download.headers["Content-Disposition"]
    diff = hr.get("/processes/bpmn/target_setting/compare?from=1&to=2").get_data(as_text=True)
    assert 'class="diff-del">-' in diff and "&#34;P7D&#34;" in diff and "&#34;P3D&#34;" in diff
    assert hr.get("/processes/bpmn/target_setting/v9").status_code == 404

    editor = hr.get("/processes/bpmn/target_setting/edit").get_data(as_text=True)
    assert "dist/process-modeler.js" in editor and "P3D" in editor
    assert "dist/decision-modeler.js" in hr.get("/processes/dmn/predikat_kinerja/edit").get_data(as_text=True)


def test_reading_the_library_is_for_hr_ppk_and_auditors_and_changing_it_for_hr(app: Flask) -> None:
    for reader in ("ppk", "auditor"):
        client = login(app, reader)
        assert client.get("/processes").status_code == 200
        assert client.get("/processes/bpmn/target_setting/edit").status_code == 403
        assert _send(client, "deploy", "target_setting.bpmn", PERIODIC).status_code == 403
    employee = login(app, "rina")
    assert employee.get("/processes").status_code == 403
    assert employee.get("/processes/bpmn/target_setting/v1").status_code == 403
    assert app.test_client().get("/processes").status_code == 302, "sign in first"


def test_hr_moves_instances_to_the_new_version_from_the_migration_page(
        hr: FlaskClient, deployed: Kinerja, org: SmallOrg) -> None:
    drafting, waiting = open_cycle(deployed, [org.cycle_employee, org.employee_ids["199104042016041004"]]).instance_ids
    submit_skp(deployed, "dedi")
    assert 'data-testid="older-deployments"' not in hr.get("/processes").get_data(as_text=True), \
        "one version only: nothing runs on an older one"
    new_version = target_setting_without_approval()
    assert _send(hr, "deploy", new_version.filename, new_version.content).status_code == 201

    assert 'data-testid="migrate-1"' in hr.get("/processes").get_data(as_text=True)
    plan = hr.get("/processes/migrations/1").get_data(as_text=True)
    assert f'data-instance-id="{drafting}" data-movable="true"' in plan
    assert f'data-instance-id="{waiting}" data-movable="false"' in plan
    assert "waits on &#39;Setujui SKP&#39; (approve_skp)" in plan

    done = hr.post("/processes/migrations/1", data={"instance_id": [str(drafting)], "to_deployment": "2"})
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and f'data-instance-id="{drafting}" data-movable="true" data-migrated="true"' in page
    assert "1 instans dipindahkan ke deployment 2; 0 tetap." in page
    assert hr.post("/processes/migrations/1", data={}).status_code == 303
    assert hr.get("/processes/migrations/2").status_code == 409, "the newest has nowhere newer to go"
