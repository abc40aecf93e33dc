"""Hostile input through both doors, pages and the REST API: JSON nested 10,000 deep, numbers
that stall or break conversion (``1E999999``, 5,000 digits, ``NaN``, ``Infinity``), texts of
megabytes, row numbers of 5,000 digits in field names, form schemas nested too deep, file names
with NUL or bidirectional control characters, a migration request without a body. Each gets a
precise 4xx at once, naming the field or file, and nothing is stored."""
from __future__ import annotations

import io
import json
import re
import time
from typing import Any, Optional

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from engine.actors import Operator
from engine.definitions import DefinitionFile
from engine.deployment import check_definitions, deploy
from engine.errors import InvalidDefinition, ValidationFailed
from engine.forms import DEFAULT_MAX_TEXT_LENGTH
from engine.json_limits import MAX_DEPTH, MAX_NUMBER_LENGTH
from engine.kinerja import Kinerja
from engine.read_models import task_detail
from engine.tasks import complete_task
from engine.skp_tables import MAX_TEXT
from tests.support import (
    BPMN_DIR,
    SKP,
    SmallOrg,
    complete_until,
    inbox_task,
    login,
    open_cycle,
    skp_answer,
)
from web import forms
from web.auth import issue_token
from web.limits import TooLargeNumber

AT_ONCE = 3.0  # seconds: far below the minutes a conversion of 1E999999 took, far above a normal request
UNREADABLE_NUMBERS = ["1E999999", "9" * 5000, "NaN", "Infinity", "-Infinity"]
# The SKP editor's fields (web/skp_form.py) for one RHK; it intervenes nothing yet: fine for
# what is refused before the cascade is checked (see :func:`valid_page`).
SKP_PAGE = {"rhk-0-kind": "utama", "rhk-0-text": "Meningkatnya cakupan imunisasi dasar lengkap",
            "rhk-0-indicators-0-aspek": "kuantitas", "rhk-0-indicators-0-text": "Cakupan IDL",
            "rhk-0-indicators-0-target_value": "95", "rhk-0-indicators-0-target_unit": "persen", "intent": "submit"}
TARGET = "rhk-0-indicators-0-target_value"


@pytest.fixture
def skp_task(app: Flask, deployed: Kinerja) -> int:
    """Rina's SKP draft, waiting for her."""
    open_cycle(deployed)
    return inbox_task(deployed, "rina", "draft_skp").id


def valid_skp(kinerja: Kinerja, task_id: int) -> dict[str, Any]:
    """An SKP the engine accepts for the task (her head's SKP agreed first)."""
    return skp_answer(kinerja, task_id)


def valid_page(kinerja: Kinerja, task_id: int) -> dict[str, str]:
    """:data:`SKP_PAGE` intervening the head's RHK, so that it is accepted."""
    return {**SKP_PAGE, "rhk-0-intervensi": str(valid_skp(kinerja, task_id)["rhk"][0]["intervensi"])}


def with_target(value: Any) -> dict[str, Any]:
    """:data:`SKP` with another target value in its indicator."""
    (rhk,) = SKP["rhk"]
    return {"rhk": [{**rhk, "indicators": [{**rhk["indicators"][0], "target_value": value}]}]}


def bearer(app: Flask, username: str) -> dict[str, str]:
    with app.app_context():
        return {"Authorization": f"Bearer {issue_token(username, 0)}"}


def at_once(send: Any) -> TestResponse:
    started = time.perf_counter()
    response = send()
    assert time.perf_counter() - started < AT_ONCE, "answered at once, not after a long conversion"
    return response


def api_error(response: TestResponse, status: int, code: Optional[str] = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "details"} and error["message"]
    assert code is None or error["code"] == code, error
    return error


def field_errors(page: str) -> dict[str, str]:
    return {field: " ".join(re.sub(r"<[^>]+>", " ", html).split()) for field, html in re.findall(
        r'data-testid="field-error" data-field="([^"]*)">(.*?)</div>', page, re.S)}


def still_open(kinerja: Kinerja, task_id: int) -> bool:
    return inbox_task(kinerja, "rina", "draft_skp").id == task_id


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# -- JSON bodies ------------------------------------------------------------------------------

def test_json_nested_too_deep_is_a_400_on_every_endpoint_signed_in_or_not(app: Flask, skp_task: int) -> None:
    client = app.test_client()
    token = api_error(at_once(lambda: client.post("/api/v1/auth/token", data=nested(10_000),
                                                  content_type="application/json")), 400, "bad_request")
    assert str(MAX_DEPTH) in token["message"]
    body = '{"data": {"rhk": ' + nested(10_000) + "}}"
    api_error(client.post(f"/api/v1/tasks/{skp_task}/complete", data=body, content_type="application/json",
                          headers=bearer(app, "rina")), 400, "bad_request")
    modeler = login(app, "hr").post("/processes/check", data='{"filename": ' + nested(10_000) + "}",
                                        content_type="application/json")
    assert str(MAX_DEPTH) in api_error(modeler, 400)["message"] and "lapis" in modeler.get_json()["error"]["message"]

    just_too_deep = '{"username": ' + nested(MAX_DEPTH) + ', "password": "x"}'
    api_error(client.post("/api/v1/auth/token", data=just_too_deep, content_type="application/json"), 400)
    deepest_allowed = '{"username": ' + nested(MAX_DEPTH - 1) + ', "password": "x"}'
    assert client.post("/api/v1/auth/token", data=deepest_allowed,
                       content_type="application/json").status_code == 422, "then the schema speaks"


@pytest.mark.parametrize("literal", UNREADABLE_NUMBERS, ids=["1E999999", "5000-digits", "NaN", "Infinity", "-Infinity"])
def test_unreadable_json_numbers_are_422_naming_the_field_before_any_conversion(
        app: Flask, skp_task: int, deployed: Kinerja, literal: str) -> None:
    row = json.dumps(SKP["rhk"][0]).replace("95", literal)
    response = at_once(lambda: app.test_client().post(
        f"/api/v1/tasks/{skp_task}/complete", data='{"data": {"rhk": [' + row + "]}}",
        content_type="application/json", headers=bearer(app, "rina")))
    error = api_error(response, 422, "invalid_number")
    field = "data.rhk.0.indicators.0.target_value"
    assert error["details"] == [{"field": field, "message": error["details"][0]["message"]}]
    assert error["message"].startswith(f"{field}: ")
    assert still_open(deployed, skp_task), "nothing was stored"

    unauthenticated = app.test_client().post("/api/v1/auth/token", data='{"username": ' + literal + "}",
                                             content_type="application/json")
    assert api_error(unauthenticated, 422, "invalid_number")["details"][0]["field"] == "username"


def test_nan_is_never_stored_even_when_it_gets_past_the_web(skp_task: int, deployed: Kinerja) -> None:
    for value in (float("nan"), float("inf")):
        with pytest.raises(ValidationFailed) as refused:
            complete_task(deployed, "rina", skp_task, with_target(value))
        assert refused.value.details == [{"field": "rhk.0.indicators.0.target_value",
                                          "message": "not a finite number"}]
    assert still_open(deployed, skp_task)


# -- text length ------------------------------------------------------------------------------

def refused_on_the_api(app: Flask, task_id: int, data: dict[str, Any], field: str) -> None:
    """Rina's completion with ``data`` is refused at once naming only ``field``, without echoing it."""
    response = at_once(lambda: app.test_client().post(f"/api/v1/tasks/{task_id}/complete", json={"data": data},
                                                      headers=bearer(app, "rina")))
    error = api_error(response, 422, "validation_failed")
    assert [detail["field"] for detail in error["details"]] == [field]
    assert len(response.get_data()) < 2000, "the refused text is not echoed back"


def test_every_skp_text_has_its_maximum_length_on_both_doors(app: Flask, skp_task: int, deployed: Kinerja) -> None:
    schema = task_detail(deployed, "rina", skp_task).form_schema
    row = schema["properties"]["rhk"]["items"]["properties"]
    assert row["text"]["maxLength"] == MAX_TEXT == 2000, "the form names its own limit"
    assert "maxLength" not in row["indicators"]["items"]["properties"]["target_value"], "numbers stay as they are"

    refused_on_the_api(app, skp_task, {"rhk": [{**SKP["rhk"][0], "text": "x" * (10 * 1024 * 1024)}]}, "rhk.0.text")

    rina = login(app, "rina")
    page = rina.get(f"/tasks/{skp_task}").get_data(as_text=True)
    assert re.search(rf'name="rhk-0-text"[^>]*maxlength="{MAX_TEXT}"', page)
    for length in (MAX_TEXT + 1, 10 * 1024 * 1024):
        for intent in ("submit", "draft"):
            typed = {**SKP_PAGE, "rhk-0-text": "x" * length, "intent": intent}
            too_long = at_once(lambda: rina.post(f"/tasks/{skp_task}", data=typed))
            assert too_long.status_code == 422
            assert field_errors(too_long.get_data(as_text=True)) == {"rhk.0.text": "Paling banyak 2000 karakter."}
    assert still_open(deployed, skp_task)

    longest = valid_skp(deployed, skp_task)
    longest["rhk"][0]["text"] = "x" * MAX_TEXT
    assert app.test_client().post(f"/api/v1/tasks/{skp_task}/complete", json={"data": longest},
                                  headers=bearer(app, "rina")).status_code == 200


def test_a_text_whose_form_names_no_limit_gets_the_default_on_both_doors(app: Flask, org: SmallOrg,
                                                                          deployed: Kinerja) -> None:
    (instance_id,) = open_cycle(deployed, [org.cycle_employee], settings={"review_periods": 1}).instance_ids
    task_id = complete_until(deployed, instance_id, "self_assessment")
    schema = task_detail(deployed, "rina", task_id).form_schema
    assessment = schema["properties"]["self_assessment"]
    assert assessment["maxLength"] == DEFAULT_MAX_TEXT_LENGTH, "bpmn/forms/self_assessment.json names none"

    refused_on_the_api(app, task_id, {"self_assessment": "x" * (10 * 1024 * 1024)}, "self_assessment")

    rina = login(app, "rina")
    page = rina.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert re.search(rf'name="self_assessment"[^>]*maxlength="{DEFAULT_MAX_TEXT_LENGTH}"', page)
    for length in (DEFAULT_MAX_TEXT_LENGTH + 1, 10 * 1024 * 1024):
        too_long = at_once(lambda: rina.post(f"/tasks/{task_id}", data={"self_assessment": "x" * length}))
        assert too_long.status_code == 422
        assert field_errors(too_long.get_data(as_text=True)) == {
            "self_assessment": f"Paling banyak {DEFAULT_MAX_TEXT_LENGTH} karakter."}
    assert inbox_task(deployed, "rina", "self_assessment").id == task_id, "nothing was stored"
    assert app.test_client().post(f"/api/v1/tasks/{task_id}/complete",
                                  json={"data": {"self_assessment": "x" * DEFAULT_MAX_TEXT_LENGTH}},
                                  headers=bearer(app, "rina")).status_code == 200


# -- HTML forms -------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["1E999999", "1" * 5000, "1,5E99999", "9" * (MAX_NUMBER_LENGTH + 1)])
def test_form_numbers_too_large_to_convert_are_field_errors_at_once(app: Flask, skp_task: int, deployed: Kinerja,
                                                                    typed: str) -> None:
    response = at_once(lambda: login(app, "rina").post(f"/tasks/{skp_task}",
                                                           data={**SKP_PAGE, TARGET: typed}))
    assert response.status_code == 422
    message = f"Angka ini terlalu panjang atau terlalu besar (paling banyak {MAX_NUMBER_LENGTH} digit)."
    assert field_errors(response.get_data(as_text=True)) == {"rhk.0.indicators.0.target_value": message}
    assert still_open(deployed, skp_task)


def test_form_numbers_are_read_without_unbounded_conversion() -> None:
    for typed in ("1E999999", "1e400", "-1E999999", "1" * 5000):
        assert isinstance(at_once(lambda: forms.to_number(typed, locale="id")), TooLargeNumber), typed
    assert forms.to_number("1e3", locale="id") == 1000 and forms.to_number("1.500", locale="id") == 1500
    assert forms.to_number("x" * 5000) == "x" * 5000, "long text that is no number is only text"


@pytest.mark.parametrize("name", ["rhk-" + "9" * 5000 + "-text", "rhk-1000-text",
                                  "rhk-0-indicators-" + "9" * 5000 + "-text", "rhk-0-indicators-1000-aspek",
                                  "rhk-0-rencana_aksi-" + "9" * 5000, "rhk-0-rencana_aksi-1000"],
                         ids=["rhk-5000-digits", "rhk-1000", "indicator-5000-digits", "indicator-1000",
                              "period-5000-digits", "period-1000"])
def test_row_numbers_in_field_names_are_bounded(app: Flask, skp_task: int, deployed: Kinerja, name: str) -> None:
    rina = login(app, "rina")
    for intent in ("submit", "draft"):
        response = at_once(lambda: rina.post(f"/tasks/{skp_task}", data={**SKP_PAGE, name: "Uraian",
                                                                         "intent": intent}))
        assert response.status_code == 400
        assert "paling banyak 1000 baris" in response.get_data(as_text=True)
    assert still_open(deployed, skp_task)


def test_row_buttons_naming_rows_that_do_not_exist_change_nothing(app: Flask, skp_task: int,
                                                                  deployed: Kinerja) -> None:
    rina = login(app, "rina")
    for button in ({"_remove_row": "rhk-" + "9" * 5000}, {"_remove_row": "rhk-999"},
                   {"_remove_row": "rhk-0-indicators-" + "9" * 5000}, {"_add_row": "rhk-" + "9" * 5000 + "-indicators"},
                   {"_add_row": "rhk-nonsense"}):
        response = at_once(lambda: rina.post(f"/tasks/{skp_task}", data={**SKP_PAGE, **button}))
        assert response.status_code == 200, button
        assert ">Meningkatnya cakupan imunisasi dasar lengkap</textarea>" in response.get_data(as_text=True), \
            "the page comes back as typed"
    assert still_open(deployed, skp_task)


def test_the_last_row_number_is_fine(app: Flask, skp_task: int, deployed: Kinerja) -> None:
    page = valid_page(deployed, skp_task)
    last_row = {key.replace("rhk-0-", "rhk-999-").replace("indicators-0-", "indicators-999-"): value
                for key, value in page.items()}
    assert login(app, "rina").post(f"/tasks/{skp_task}", data={**page, **last_row}).status_code == 303, \
        "row 999 is fine"


def test_numbers_typed_into_the_library_pages_are_bounded(app: Flask, skp_task: int) -> None:
    hr = login(app, "hr")
    huge = "9" * 5000
    assert hr.post("/processes/migrations/1", data={"instance_id": [huge, "\u00b2"], "to_deployment": huge}
                   ).status_code == 303, "no instance chosen"
    assert hr.get(f"/processes/bpmn/target_setting/compare?from=1&to={huge}").status_code == 303
    assert hr.post("/cycles", data={"year": huge}).status_code == 303


# -- uploaded definitions ---------------------------------------------------------------------

def deep_form(depth: int) -> str:
    schema: dict[str, Any] = {"type": "object", "properties": {}}
    inner = schema
    for _level in range(depth):
        inner["properties"]["a"] = {"type": "object", "properties": {}}
        inner = inner["properties"]["a"]
    return json.dumps(schema)


def upload(app: Flask, endpoint: str, filename: str, content: str) -> TestResponse:
    return app.test_client().post(f"/api/v1/processes{endpoint}", headers=bearer(app, "hr"),
                                  data={"files": [(io.BytesIO(content.encode()), filename)]},
                                  content_type="multipart/form-data")


@pytest.mark.parametrize("content, reason", [
    (deep_form(150), f"nested deeper than {MAX_DEPTH} levels"),
    (nested(10_000), f"nested deeper than {MAX_DEPTH} levels"),
    ('{"type": "object", "properties": {"n": {"type": "integer", "maximum": ' + "9" * 5000 + "}}}",
     "unreadable number"),
    ('{"type": "object", "properties": {"n": {"type": "number", "maximum": NaN}}}', "unreadable number"),
])
def test_form_schemas_too_deep_or_with_unreadable_numbers_are_refused_naming_the_file(
        app: Flask, deployed: Kinerja, content: str, reason: str) -> None:
    (problem,) = api_error(at_once(lambda: upload(app, "", "deep_form.json", content)), 422, "invalid_definition")[
        "details"]
    assert problem["file"] == "deep_form.json" and reason in problem["message"]
    (checked,) = upload(app, "/check", "deep_form.json", content).get_json()["problems"]
    (on_the_page,) = login(app, "hr").post("/processes/check", json={"filename": "deep_form.json",
                                                                         "content": content}).get_json()["problems"]
    assert checked == on_the_page == problem
    with pytest.raises(InvalidDefinition, match="deep_form.json"):
        deploy(deployed, Operator("hr"), [DefinitionFile.from_upload("deep_form.json", content.encode())])
    deepest_allowed = deep_form(MAX_DEPTH // 2 - 1)  # two JSON levels a property, plus the root's two
    assert check_definitions(deployed, Operator('test'), [DefinitionFile.from_upload("deep_form.json", deepest_allowed.encode())]) == []


@pytest.mark.parametrize("filename", ["evil\x00.bpmn", "gaji\u202egnp.bpmn", "x" * 201 + ".bpmn"],
                         ids=["NUL", "bidi", "too-long"])
def test_file_names_follow_one_rule_on_the_page_and_the_api(app: Flask, deployed: Kinerja, filename: str) -> None:
    content = (BPMN_DIR / "periodic_review.bpmn").read_text()
    hr = login(app, "hr")
    page = api_error(hr.post("/processes/deploy", json={"filename": filename, "content": content}), 422)
    api = api_error(upload(app, "", filename, content), 422, "invalid_definition")
    assert page["details"] == api["details"] and "printable" in api["details"][0]["message"]
    assert "\x00" not in api["message"] and "\u202e" not in api["message"], "what is hidden is shown escaped"
    (problem,) = hr.post("/processes/check", json={"filename": filename, "content": content}).get_json()["problems"]
    assert problem == api["details"][0]
    assert DefinitionFile.from_upload("C:\\Users\\hr\\periodic_review.bpmn", content.encode()).name == \
        "periodic_review", "a browser's path counts by its last part"


# -- the API does what its document says --------------------------------------------------------

def test_a_migration_request_without_a_body_moves_nothing(app: Flask, skp_task: int, deployed: Kinerja) -> None:
    dmn = (BPMN_DIR / "predikat_kinerja.dmn").read_text().replace('"Sangat Baik"', '"Sangat Baik (v2)"', 1)
    deploy(deployed, Operator("hr"), [DefinitionFile.from_upload("predikat_kinerja.dmn", dmn.encode())])
    hr = bearer(app, "hr")
    error = api_error(app.test_client().post("/api/v1/processes/migrations/1", headers=hr), 422)
    assert "JSON body is required" in error["message"]
    not_json = app.test_client().post("/api/v1/processes/migrations/1", headers=hr, data="instance_ids=1",
                                      content_type="application/x-www-form-urlencoded")
    assert api_error(not_json, 415)["message"].startswith("the body must be JSON")
    plan = app.test_client().get("/api/v1/processes/migrations/1", headers=hr).get_json()
    assert plan["to_deployment_id"] == 2 and plan["candidates"] and not any(c["migrated"] for c in plan["candidates"])
    assert all(c["movable"] for c in plan["candidates"]), "still there to be moved"


def test_unknown_query_parameters_and_multipart_fields_are_named(app: Flask) -> None:
    hr = bearer(app, "hr")
    unknown = api_error(app.test_client().get("/api/v1/audit/events?employe=rina", headers=bearer(app, "auditor")), 422)
    assert unknown["message"] == "the request is not valid: query.employe: Unknown field."
    content = (BPMN_DIR / "periodic_review.bpmn").read_bytes()
    stray = app.test_client().post("/api/v1/processes/check", headers=hr, content_type="multipart/form-data",
                                   data={"files": [(io.BytesIO(content), "periodic_review.bpmn")], "comment": "x"})
    assert api_error(stray, 422)["message"] == "the request is not valid: files.comment: Unknown field."
    text_not_file = app.test_client().post("/api/v1/processes/check", headers=hr, content_type="multipart/form-data",
                                           data={"files": "not a file"})
    assert "Must be a file." in api_error(text_not_file, 422)["message"]
    refused_method = app.test_client().delete("/api/v1/auth/token")
    assert refused_method.status_code == 405 and set(refused_method.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
