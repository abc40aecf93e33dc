"""The HTML pages, as people use them: log in, work the inbox, fill in the forms generated
from the tasks' JSON Schemas, follow their own cycle. Plus unit tests of web/forms.py."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Callable, Iterator, Optional

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel
from werkzeug.datastructures import MultiDict

from engine.actors import Operator
from engine.clock import FixedClock
from engine.kinerja import Kinerja
from engine.models import HumanTask
from engine.read_models import instance_history
from engine.tasks import complete_task
from tests.support import (
    ANSWERS,
    APPROVE_SKP,
    BPMN_DIR,
    CATALOG,
    RHK_TEXT,
    SmallOrg,
    complete_until,
    do_task,
    elements,
    eligible_username,
    finish_all_open_work,
    inbox_task,
    login,
    open_cycle,
    skp_answer,
    submit_skp,
    text,
    work_until,
)
from web import forms

# -- helpers ---------------------------------------------------------------------------------

def field_value(html: str, name: str) -> Optional[str]:
    match = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*\bvalue="([^"]*)"', html)
    return match.group(1) if match else None


def completed_steps(kinerja: Kinerja, instance_id: int) -> list[dict[str, Any]]:
    return [event["data"] for event in instance_history(kinerja, Operator('test'), instance_id) if event["action"] == "task.completed"]


def one_rhk(intervensi: Any) -> dict[str, str]:
    """An SKP as typed into the editor: one RHK utama intervening the head's RHK ``intervensi``."""
    return {"rhk-0-kind": "utama", "rhk-0-intervensi": str(intervensi), "rhk-0-text": RHK_TEXT,
            "rhk-0-indicators-0-aspek": "kuantitas", "rhk-0-indicators-0-text": "Cakupan IDL",
            "rhk-0-indicators-0-target_value": "95", "rhk-0-indicators-0-target_unit": "persen", "intent": "submit"}


def skp_form(kinerja: Kinerja, task_id: int) -> dict[str, str]:
    """A valid SKP for the draft task as the editor's fields (the head's SKP agreed first)."""
    return one_rhk(skp_answer(kinerja, task_id)["rhk"][0]["intervensi"])


def agreed_skp_with_two_rhk(kinerja: Kinerja) -> None:
    """Rina's SKP agreed with two RHK utama: the helpers' one and "Posyandu lansia"."""
    content = skp_answer(kinerja, inbox_task(kinerja, "rina", "draft_skp").id)
    content["rhk"].append({**content["rhk"][0], "text": "Posyandu lansia"})
    do_task(kinerja, "rina", "draft_skp", content)
    do_task(kinerja, "kapus", "approve_skp", APPROVE_SKP)


# -- login -----------------------------------------------------------------------------------

def test_login_logout_and_a_wrong_password(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get("/login").get_data(as_text=True)
    assert elements(page, "login-username") and elements(page, "login-password") and elements(page, "login-submit")

    wrong = client.post("/login", data={"username": "rina", "password": "salah"})
    assert wrong.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in text(wrong.get_data(as_text=True), "flash")
    assert field_value(wrong.get_data(as_text=True), "username") == "rina", "the username is kept"

    right = client.post("/login", data={"username": "rina", "password": "rahasia-rina"})
    assert right.status_code == 302 and right.headers["Location"].endswith("/inbox")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert text(inbox, "user-name") == "Rina Marlina, Amd.Kep"
    assert elements(inbox, "nav-my-cycle"), "an employee has a cycle of her own"

    response = client.post("/logout")
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    assert client.get("/inbox").status_code == 302


def test_login_attempts_are_throttled(org: SmallOrg, make_app: Callable[..., Flask]) -> None:
    client = make_app(LOGIN_FAILURES_PER_ACCOUNT=2).test_client()
    for _attempt in range(2):
        assert client.post("/login", data={"username": "rina", "password": "salah"}).status_code == 401
    refused = client.post("/login", data={"username": "rina", "password": "rahasia-rina"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Terlalu banyak percobaan masuk" in text(refused.get_data(as_text=True), "flash")
    assert elements(refused.get_data(as_text=True), "login-form"), "the form stays, to try again later"


def test_hr_and_auditors_have_no_cycle_of_their_own(app: Flask, cycle: int) -> None:
    auditor = login(app, "auditor")
    assert not elements(auditor.get("/inbox").get_data(as_text=True), "nav-my-cycle")
    page = auditor.get("/my-cycle").get_data(as_text=True)
    assert "bukan akun pegawai" in text(page, "empty-state")


# -- inbox -----------------------------------------------------------------------------------

def test_the_inbox_lists_real_tasks_overdue_first_and_filters(app: Flask, cycle: int, deployed: Kinerja,
                                                               clock: FixedClock) -> None:
    submit_skp(deployed, "rina")
    clock.advance(timedelta(days=5))
    submit_skp(deployed, "dedi")
    clock.advance(timedelta(days=5))  # Rina's approval (P7D) is overdue, Dedi's is not yet
    kapus = login(app, "kapus")

    page = kapus.get("/inbox").get_data(as_text=True)
    rows = elements(page, "task-row")
    assert [row["data-task-key"] for row in rows] == ["approve_skp", "approve_skp", "report_realisation"]
    assert "Rina Marlina" in rows[0]["_text"] and "Terlambat" in rows[0]["_text"]
    assert rows[0].get("data-overdue") == "true" and "data-overdue" not in rows[1]
    assert "Dedi Saputra" in rows[1]["_text"] and "Terlambat" not in rows[1]["_text"]
    assert (text(page, "count-mine"), text(page, "count-group")) == ("3", "0")
    assert "1 tugas Anda sudah melewati batas waktu" in text(page, "count-overdue")
    assert text(page, "inbox-badge") == "3"
    link = elements(page, "task-link")[0]
    assert link["href"] == f"/tasks/{rows[0]['data-task-id']}"

    by_name = elements(kapus.get("/inbox?q=dedi").get_data(as_text=True), "task-subject")
    assert [row["_text"].count("Dedi Saputra") for row in by_name] == [1]
    by_nip = elements(kapus.get("/inbox?q=199003032015").get_data(as_text=True), "task-row")
    assert len(by_nip) == 1 and "Rina Marlina" in by_nip[0]["_text"]
    by_type = elements(kapus.get("/inbox?task_key=report_realisation").get_data(as_text=True), "task-row")
    assert [row["data-task-key"] for row in by_type] == ["report_realisation"]
    assert elements(kapus.get(f"/inbox?unit=pkm-mb&cycle={cycle}").get_data(as_text=True), "task-row")
    empty = kapus.get("/inbox?unit=dinkes").get_data(as_text=True)
    assert not elements(empty, "task-row") and "Tidak ada tugas yang cocok" in text(empty, "empty-state")
    assert kapus.get("/inbox?cycle=abc&scope=nonsense").status_code == 200, "bad filters are ignored"

    group = kapus.get("/inbox?scope=group").get_data(as_text=True)
    assert "Tidak ada tugas kelompok" in text(group, "empty-state")


# -- forms generated from a JSON Schema ------------------------------------------------------

def row_instance(kinerja: Kinerja, task_id: int) -> int:
    with kinerja.unit_of_work() as uow:
        return uow.session.get(HumanTask, task_id).instance_id


def coaching_plan_task(kinerja: Kinerja) -> int:
    """Kapus's coaching plan for rina (a period rated below expectation starts it): a form with rows."""
    task = inbox_task(kinerja, "rina", "draft_skp")
    weak = {"rating_hasil_kerja": "DIBAWAH_EKSPEKTASI", "rating_perilaku_kerja": "SESUAI_EKSPEKTASI"}
    return complete_until(kinerja, task.instance_id, "plan_coaching", {**ANSWERS, "give_feedback": weak})


SESSIONS = {"coaching_type": "bimbingan", "sessions-0-date": "2026-07-01", "sessions-0-topic": "Sweeping",
            "sessions-1-date": "2026-08-01", "sessions-1-topic": "Posyandu"}


def test_rows_can_be_added_and_removed_without_javascript(app: Flask, cycle: int, deployed: Kinerja) -> None:
    task_id = coaching_plan_task(deployed)
    kapus = login(app, "kapus")
    page = kapus.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert elements(page, "add-row")[0]["data-add-row"] == "sessions"
    one_row = {k: v for k, v in SESSIONS.items() if not k.startswith("sessions-1-")}
    added = kapus.post(f"/tasks/{task_id}", data={**one_row, "_add_row": "sessions"})
    assert added.status_code == 200
    page = added.get_data(as_text=True)
    assert len(elements(page, "remove-row")) == 2 + 1  # two rows + the template row
    assert field_value(page, "sessions-0-topic") == "Sweeping"
    assert field_value(page, "sessions-1-topic") == ""
    removed = kapus.post(f"/tasks/{task_id}", data={**SESSIONS, "_remove_row": "sessions-0"})
    assert field_value(removed.get_data(as_text=True), "sessions-0-topic") == "Posyandu"
    assert inbox_task(deployed, "kapus", "plan_coaching").id == task_id, "adding or removing rows submits nothing"


def test_wrong_values_in_a_generated_form_come_back_with_messages(app: Flask, cycle: int,
                                                                 deployed: Kinerja) -> None:
    task_id = coaching_plan_task(deployed)
    kapus = login(app, "kapus")
    bad = {**SESSIONS, "sessions-0-date": "kemarin", "sessions-1-topic": '"><script>x</script>'}
    response = kapus.post(f"/tasks/{task_id}", data=bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert list({e["data-field"] for e in elements(page, "field-error")}) == ["sessions.0.date"]
    assert field_value(page, "sessions-0-date") == "kemarin", "what was typed is shown again"
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page, "and escaped"
    assert inbox_task(deployed, "kapus", "plan_coaching").id == task_id, "the task is still open"


# -- group tasks -----------------------------------------------------------------------------

def test_a_rater_finds_the_peer_input_in_their_own_inbox(app: Flask, org: SmallOrg, deployed: Kinerja) -> None:
    open_cycle(deployed, [org.cycle_employee])  # only Rina's cycle
    peer_task_id = work_until(deployed, "peer_input")
    dedi = login(app, "dedi")

    mine = dedi.get("/inbox").get_data(as_text=True)
    (row,) = elements(mine, "task-row")
    assert row["data-task-key"] == "peer_input" and "Rina Marlina" in row["_text"]
    assert not elements(mine, "claim-button") and not elements(mine, "unclaim-button"), "named, not a team's task"
    assert not elements(dedi.get("/inbox?scope=group").get_data(as_text=True), "task-row")

    kapus = login(app, "kapus")
    assert kapus.post(f"/tasks/{peer_task_id}/claim").status_code == 303, "refused with a message"
    assert "tidak dapat diambil" in text(kapus.get("/inbox").get_data(as_text=True), "flash")

    page = dedi.get(f"/tasks/{peer_task_id}").get_data(as_text=True)
    for key in forms.FIELD_LABELS:
        if key in ANSWERS["peer_input"]["peer_behaviour"]:
            assert f'name="peer_behaviour-{key}"' in page
    answers = {f"peer_behaviour-{key}": value for key, value in ANSWERS["peer_input"]["peer_behaviour"].items()}
    assert dedi.post(f"/tasks/{peer_task_id}", data={**answers, "peer_comment": "Rajin"}).status_code == 303
    (peer,) = [s for s in completed_steps(deployed, row_instance(deployed, peer_task_id))
               if s["task_key"] == "peer_input"]
    assert peer["submitted"] == {**ANSWERS["peer_input"], "peer_comment": "Rajin"}


# -- who may see what ------------------------------------------------------------------------

def test_nobody_opens_or_completes_someone_elses_task_by_guessing_ids(app: Flask, cycle: int,
                                                                      deployed: Kinerja) -> None:
    task = inbox_task(deployed, "rina", "draft_skp")
    form = skp_form(deployed, task.id)
    dedi = login(app, "dedi")
    assert dedi.get(f"/tasks/{task.id}").status_code == 404
    assert dedi.post(f"/tasks/{task.id}", data=form).status_code == 404
    assert dedi.post(f"/tasks/{task.id}/delegate", data={"username": "dedi"}).status_code == 404
    assert dedi.get("/tasks/999999").status_code == 404
    missing = dedi.get("/tasks/999999").get_data(as_text=True)
    assert elements(missing, "error")[0]["data-status"] == "404"

    kapus = login(app, "kapus")  # her supervisor: may read, may not fill in
    page = kapus.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert elements(page, "read-only") and not elements(page, "task-form") and not elements(page, "skp-editor")
    assert kapus.post(f"/tasks/{task.id}", data=form).status_code == 403
    assert kapus.post(f"/tasks/{task.id}", data={**form, "intent": "draft"}).status_code == 403, \
        "nor save her draft"
    auditor = login(app, "auditor")
    assert elements(auditor.get(f"/tasks/{task.id}").get_data(as_text=True), "read-only")
    assert auditor.post(f"/tasks/{task.id}", data=form).status_code == 403
    assert inbox_task(deployed, "rina", "draft_skp").id == task.id
    assert [s["task_key"] for s in completed_steps(deployed, task.instance_id)] == []

    rina = login(app, "rina")
    assert rina.post(f"/tasks/{task.id}", data=form).status_code == 303
    assert rina.post(f"/tasks/{task.id}", data=form).status_code == 409, "a completed task takes no more input"


def test_a_post_without_the_csrf_token_is_refused(org: SmallOrg, cycle: int, deployed: Kinerja,
                                                  make_app: Callable[..., Flask]) -> None:
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    assert client.post("/login", data={"username": "rina", "password": "rahasia-rina"}).status_code == 400

    def token(page: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]

    login_page = client.get("/login").get_data(as_text=True)
    assert client.post("/login", data={"username": "rina", "password": "rahasia-rina",
                                       "csrf_token": token(login_page)}).status_code == 302
    task = inbox_task(deployed, "rina", "draft_skp")
    form = skp_form(deployed, task.id)
    refused = client.post(f"/tasks/{task.id}", data=form)
    assert refused.status_code == 400
    assert elements(refused.get_data(as_text=True), "error")[0]["data-status"] == "400"
    assert completed_steps(deployed, task.instance_id) == []
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert client.post(f"/tasks/{task.id}", data={**form, "csrf_token": token(page)}).status_code == 303


# -- languages -------------------------------------------------------------------------------

def test_the_english_switch_shows_english_labels(app: Flask, cycle: int, deployed: Kinerja) -> None:
    rina = login(app, "rina")
    indonesian = rina.get("/inbox").get_data(as_text=True)
    assert 'lang="id"' in indonesian and "Tugas saya" in indonesian
    assert elements(indonesian, "lang-en")[0]["href"].endswith("lang=en")

    english = rina.get("/inbox?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english
    assert "My tasks" in text(english, "tab-mine") and "Group tasks" in text(english, "tab-group")
    assert text(english, "task-link") == "Draft SKP"
    task = inbox_task(deployed, "rina", "draft_skp")
    page = rina.get(f"/tasks/{task.id}").get_data(as_text=True)  # the choice is kept in the session
    assert text(page, "task-title") == "Draft SKP" and text(page, "task-submit") == "Submit SKP"
    assert text(page, "add-rhk-utama") == "Add main RHK" and text(page, "skp-save-draft") == "Save draft"
    assert "Quantity" in page and "Action plan per period" in page and "Service-oriented" in page
    invalid = rina.post(f"/tasks/{task.id}", data={**one_rhk(""), "rhk-0-indicators-0-target_value": "abc"})
    assert text(invalid.get_data(as_text=True), "field-error") == "Enter a number."
    assert "Save draft" in text(invalid.get_data(as_text=True), "skp-save-draft")
    assert "Tugas saya" in rina.get("/inbox?lang=id").get_data(as_text=True)

    anonymous = app.test_client().get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in text(anonymous, "login-submit") and "Username" in anonymous


# -- my cycle --------------------------------------------------------------------------------

def test_my_cycle_shows_the_phase_the_predikat_and_the_objection_task(app: Flask, cycle: int,
                                                                       deployed: Kinerja) -> None:
    rina = login(app, "rina")
    page = rina.get("/my-cycle").get_data(as_text=True)
    (current,) = elements(page, "stepper-current")
    assert current["data-phase"] == "target_setting" and "Penetapan SKP" in current["_text"]
    assert [e["data-phase"] for e in elements(page, "cycle")] == ["target_setting"]
    assert "Belum disusun" in text(page, "skp-status") and not elements(page, "my-skp-link")
    assert text(page, "cycle-tasks-heading") == "Menunggu tindakan Anda"
    assert elements(page, "cycle-task-link")[0]["href"] == f"/tasks/{inbox_task(deployed, 'rina', 'draft_skp').id}"
    assert not elements(page, "predikat")

    review_id = work_until(deployed, "review_predikat")
    while eligible_username(deployed, review_id) != "rina":  # the other employees' reviews come first
        complete_task(deployed, eligible_username(deployed, review_id), review_id, ANSWERS["review_predikat"])
        review_id = work_until(deployed, "review_predikat")
    page = rina.get("/my-cycle").get_data(as_text=True)
    assert elements(page, "stepper-current")[0]["data-phase"] == "final_appraisal"
    assert text(page, "predikat") == ("Rating hasil kerja: Di atas ekspektasi, rating perilaku kerja: "
                                      "Di atas ekspektasi \u2192 predikat Sangat Baik")
    assert text(page, "predikat-value") == "Sangat Baik"
    assert "Disepakati" in text(page, "skp-status") and text(page, "my-skp") == f"Utama 1. {RHK_TEXT}"
    (skp,) = elements(page, "my-skp-link")
    assert text(rina.get(skp["href"]).get_data(as_text=True), "skp-version").startswith("Versi 1"), \
        "the SKP is read from its tables and links to its document"
    (link,) = elements(page, "cycle-task-link")
    assert link["href"] == f"/tasks/{review_id}" and link["_text"] == "Tanggapi predikat"

    form = rina.get(link["href"]).get_data(as_text=True)
    assert 'data-testid="choice-file_objection-ya"' in form
    objection = {"file_objection": "ya", "objection_reason": "Capaian triwulan IV belum dihitung."}
    assert rina.post(link["href"], data=objection).status_code == 303
    hearing = inbox_task(deployed, "kadis", "objection_hearing")
    assert hearing.subject_name == "Rina Marlina, Amd.Kep", "the supervisor's supervisor hears both sides first"

    finish_all_open_work(deployed)
    page = rina.get("/my-cycle").get_data(as_text=True)
    steps = elements(page, "stepper")
    assert steps and elements(page, "stepper-current")[0]["data-phase"] == "completed"
    assert "predikat Sangat Baik" in text(page, "predikat")
    assert "Penghargaan" in text(page, "follow-up")
    assert not elements(page, "cycle-task-link")


def test_the_objection_decision_says_when_revised_ratings_are_needed(app: Flask, cycle: int,
                                                                    deployed: Kinerja) -> None:
    work_until(deployed, "review_predikat")
    while True:
        review_id = work_until(deployed, "review_predikat")
        who = eligible_username(deployed, review_id)
        complete_task(deployed, who, review_id, {"file_objection": True, "objection_reason": "Bukti belum dihitung"}
                      if who == "rina" else {"file_objection": False})
        if who == "rina":
            break
    work_until(deployed, "decide_objection")  # after the hearing
    decision = inbox_task(deployed, "kadis", "decide_objection")
    kadis = login(app, "kadis")
    page = kadis.get(f"/tasks/{decision.id}").get_data(as_text=True)
    assert "Wajib diisi jika \u201cKeberatan diterima\u201d = Ya." in page
    response = kadis.post(f"/tasks/{decision.id}", data={"objection_upheld": "ya"})
    assert response.status_code == 422
    errors = {e["data-field"]: e["_text"] for e in elements(response.get_data(as_text=True), "field-error")}
    assert errors == {"revised_rating_hasil_kerja": "Wajib diisi.", "revised_rating_perilaku_kerja": "Wajib diisi.",
                      "decision_reason": "Wajib diisi."}


# -- web/forms.py ----------------------------------------------------------------------------

SKP_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["rhk"],
    "properties": {"rhk": {"type": "array", "minItems": 1, "title": "Rencana Hasil Kerja (RHK)", "items": {
        "type": "object", "required": ["description", "target_value"],
        "properties": {"description": {"type": "string", "minLength": 3},
                       "indicator_type": {"type": "string", "enum": ["kuantitas", "kualitas", "waktu"]},
                       "target_value": {"type": "number", "exclusiveMinimum": 0},
                       "count": {"type": "integer"}}}}},
}
MIXED_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["approved", "scores"],
    "properties": {
        "approved": {"type": "boolean"},
        "notes": {"type": "string"},
        "scores": {"type": "object", "required": ["a"], "properties": {
            "a": {"type": "integer", "minimum": 1, "maximum": 5},
            "b": {"type": "integer", "minimum": 1, "maximum": 5}}},
        "extra": {"type": "object", "properties": {"x": {"type": "string"}}},
        "achievements": {"type": "array", "items": {"type": "string"}},
        "when": {"type": "string", "format": "date"},
        "decision": {"type": "string", "enum": ["approve", "return", "x_y"], "description": "x_y = lain-lain"},
    },
}


@pytest.fixture
def babel_app() -> Iterator[Flask]:
    app = Flask(__name__)
    app.config["BABEL_DEFAULT_LOCALE"] = "id"
    Babel(app)
    with app.test_request_context():
        yield app


def test_numbers_are_converted_and_text_that_is_no_number_is_kept(babel_app: Flask) -> None:
    assert forms.to_number("95") == 95 and isinstance(forms.to_number("95"), int)
    assert forms.to_number("12,5") == 12.5 and forms.to_number(" 12.5 ") == 12.5
    assert forms.to_number("1e3") == 1000 and forms.to_number("-3") == -3
    assert forms.to_number("4.0", integer=True) == 4 and isinstance(forms.to_number("4.0", integer=True), int)
    assert forms.to_number("4.5", integer=True) == 4.5, "the validator reports it is no integer"
    assert forms.to_number("abc") == "abc" and forms.to_number("nan") == "nan" and forms.to_number("1,2,3") == "1,2,3"


def test_numbers_are_read_and_written_the_way_the_language_writes_them(babel_app: Flask) -> None:
    assert [forms.to_number(text, locale="id") for text in ("1.500", "1.500,25", "95,5", "12.5", "-3,5")] == [
        1500, 1500.25, 95.5, 12.5, -3.5]
    assert [forms.to_number(text, locale="en") for text in ("1,500", "1,500.25", "95.5", "12,5")] == [
        1500, 1500.25, 95.5, 12.5]
    for value in (1.234, 0.5, 1500.125):
        shown = forms.display_input(value, "number", "id")
        assert forms.to_number(shown, locale="id") == value, shown
    assert forms.display_input(1.234, "number", "id") == "1,234"
    assert forms.display_input(1.234, "number", "en") == "1.234"
    assert forms.display_input(95.0, "number", "id") == "95"


def test_booleans_accept_ya_tidak_and_checkbox_values(babel_app: Flask) -> None:
    assert [forms.to_boolean(v) for v in ("ya", "Tidak", "on", "true", "0", "mungkin")] == [
        True, False, True, True, False, "mungkin"]
    form = MultiDict({"approved": "tidak", "scores-a": "3"})
    assert forms.parse_form(MIXED_SCHEMA, form) == {"approved": False, "scores": {"a": 3}}
    assert forms.parse_form(MIXED_SCHEMA, MultiDict({"scores-a": "3"})) == {"scores": {"a": 3}}, \
        "an unanswered yes/no is left out, so the validator asks for it"


def test_rows_are_parsed_renumbered_and_blank_rows_dropped(babel_app: Flask) -> None:
    form = MultiDict({
        "rhk-0-description": "  Satu  ", "rhk-0-target_value": "10", "rhk-0-indicator_type": "",
        "rhk-3-description": "", "rhk-3-target_value": " ", "rhk-3-indicator_type": "",
        "rhk-10-description": "Tiga", "rhk-10-target_value": "7,5", "rhk-10-indicator_type": "waktu",
        "rhk-10-count": "2",
        "rhk-2-description": "Dua", "rhk-2-target_value": "abc",
        "rhk-__index__-description": "template", "csrf_token": "x", "_other": "y",
    })
    assert forms.parse_form(SKP_SCHEMA, form) == {"rhk": [
        {"description": "Satu", "target_value": 10},
        {"description": "Dua", "target_value": "abc"},
        {"description": "Tiga", "indicator_type": "waktu", "target_value": 7.5, "count": 2}]}
    kept = forms.parse_form(SKP_SCHEMA, form, keep_empty_rows=True)["rhk"]
    assert len(kept) == 4 and kept[2] == {}
    assert forms.parse_form(SKP_SCHEMA, MultiDict()) == {"rhk": []}, "a required list is sent empty"


def test_nested_objects_lists_of_text_dates_and_blank_optional_fields(babel_app: Flask) -> None:
    form = MultiDict({
        "approved": "ya", "notes": "   ", "scores-a": "5", "scores-b": "", "extra-x": "",
        "achievements": "Juara 1 lomba\r\n\r\n  Pelatihan BLS  \n", "when": "2026-07-01", "decision": "x_y",
    })
    assert forms.parse_form(MIXED_SCHEMA, form) == {
        "approved": True, "scores": {"a": 5}, "achievements": ["Juara 1 lomba", "Pelatihan BLS"],
        "when": "2026-07-01", "decision": "x_y"}


def test_enumerations_of_numbers_are_sent_as_numbers(babel_app: Flask) -> None:
    schema = {"type": "object", "properties": {"level": {"type": "integer", "enum": [1, 2, 3]},
                                               "weight": {"type": "number", "enum": [0.5, 1]}}}
    assert forms.parse_form(schema, MultiDict({"level": "2", "weight": "0.5"})) == {"level": 2, "weight": 0.5}
    (level, _weight) = forms.build_form(schema, {"level": 2}).fields
    assert level.kind == "radio" and level.value == "2" and level.choices[1] == ("2", "2")


def test_row_buttons_without_javascript(babel_app: Flask) -> None:
    data = {"rhk": [{"description": "a"}, {"description": "b"}]}
    assert forms.row_action(MultiDict({"_add_row": "rhk"})) == ("add", "rhk", -1)
    assert forms.row_action(MultiDict({"_remove_row": "rhk-1"})) == ("remove", "rhk", 1)
    assert forms.row_action(MultiDict({"_remove_row": "nonsense"})) is None
    assert forms.apply_row_action(SKP_SCHEMA, data, ("add", "rhk", -1))["rhk"][-1] == {}
    assert forms.apply_row_action(SKP_SCHEMA, data, ("remove", "rhk", 0))["rhk"] == [{"description": "b"}]
    assert forms.apply_row_action(SKP_SCHEMA, data, ("remove", "rhk", 9)) == data
    assert forms.apply_row_action(SKP_SCHEMA, data, ("add", "notes", -1)) == data


def test_validation_details_land_on_their_fields_in_plain_words(babel_app: Flask) -> None:
    details = [
        {"field": "rhk.0.target_value", "message": "'abc' is not of type 'number'"},
        {"field": "rhk.1", "message": "'description' is a required property"},
        {"field": "rhk.2.target_value", "message": "0 is less than or equal to the minimum of 0"},
        {"field": "rhk.2.description", "message": "'ab' is too short"},
        {"field": "rhk.2.indicator_type", "message": "'x' is not one of ['kuantitas', 'kualitas', 'waktu']"},
        {"field": None, "message": "'rhk' is a required property"},
        {"field": "rhk.3", "message": "Additional properties are not allowed ('zzz' was unexpected)"},
        {"field": None, "message": "something else"},
    ]
    errors = forms.map_errors(SKP_SCHEMA, details)
    assert errors == {
        "rhk.0.target_value": ["Isi dengan angka."],
        "rhk.1.description": ["Wajib diisi."],
        "rhk.2.target_value": ["Harus lebih besar dari 0."],
        "rhk.2.description": ["Paling sedikit 3 karakter."],
        "rhk.2.indicator_type": ["Pilih salah satu pilihan yang tersedia."],
        "rhk": ["Wajib diisi."],
        "rhk.3": ["Formulir berisi isian yang tidak dikenal."],
        "": ["something else"],
    }
    values = {"rhk": [{"target_value": "abc"}, {}, {"description": "ab", "target_value": 0}, {}]}
    built = forms.build_form(SKP_SCHEMA, values, errors)
    (rows,) = built.fields
    assert rows.errors == ["Wajib diisi."]
    assert [(c.name, c.value, c.errors) for c in rows.rows[0] if c.key == "target_value"] == [
        ("rhk-0-target_value", "abc", ["Isi dengan angka."])]
    assert built.errors == ["Rencana Hasil Kerja (RHK), baris 4: Formulir berisi isian yang tidak dikenal.",
                            "something else"]
    assert built.has_errors


def test_fields_are_built_from_the_schema(babel_app: Flask) -> None:
    built = forms.build_form(MIXED_SCHEMA, {"approved": True, "scores": {"a": 4}, "achievements": ["a", "b"],
                                            "decision": "return"})
    by_key = {f.key: f for f in built.fields}
    assert by_key["approved"].kind == "boolean" and by_key["approved"].value == "ya"
    assert by_key["approved"].choices == [("ya", "Ya"), ("tidak", "Tidak")]
    assert [(c.name, c.kind, c.value) for c in by_key["scores"].children] == [
        ("scores-a", "scale", "4"), ("scores-b", "scale", "")]
    assert by_key["scores"].children[0].choices[-1] == ("5", "5")
    assert by_key["achievements"].kind == "lines" and by_key["achievements"].value == "a\nb"
    assert by_key["when"].kind == "date" and by_key["notes"].kind == "textarea"
    assert by_key["decision"].kind == "radio"
    assert by_key["decision"].choices == [("approve", "Setujui"), ("return", "Kembalikan untuk perbaikan"),
                                          ("x_y", "Lain-lain")]
    skp = forms.build_form(SKP_SCHEMA).fields[0]
    assert skp.kind == "rows" and len(skp.rows) == 1, "a blank row to start with"
    assert [c.name for c in skp.columns][:2] == ["rhk-__index__-description", "rhk-__index__-indicator_type"]
    assert {c.key: c.kind for c in skp.rows[0]} == {"description": "text", "indicator_type": "select",
                                                     "target_value": "number", "count": "integer"}


def test_submitted_data_is_described_readably(babel_app: Flask) -> None:
    entries = forms.describe({"sessions": [{"date": "2026-07-01", "topic": "Rencana"}], "skp_decision": "approve",
                              "follow_up_approved": True, "peer_behaviour": {"kompeten": 4}, "achievements": ["a"],
                              "rating_hasil_kerja": "SESUAI_EKSPEKTASI"})
    by_key = {e.key: e for e in entries}
    assert by_key["sessions"].kind == "table" and by_key["sessions"].columns == ["Tanggal", "Topik"]
    assert by_key["sessions"].rows[0][1] == "Rencana"
    assert by_key["rating_hasil_kerja"].text == "Sesuai ekspektasi"
    assert by_key["skp_decision"].text == "Setujui" and by_key["follow_up_approved"].text == "Ya"
    assert by_key["peer_behaviour"].children[0].label == "Kompeten"
    assert by_key["achievements"].items == ["a"]


def test_every_bundled_label_and_ui_text_has_an_english_translation() -> None:
    import json

    with (CATALOG / "messages.po").open("rb") as source:
        catalog = read_po(source)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []

    def titles(schema: Any) -> Iterator[str]:
        if isinstance(schema, dict):
            for key in ("title", "description"):
                if isinstance(schema.get(key), str) and "=" not in schema[key]:
                    yield schema[key]
            for value in schema.values():
                yield from titles(value)

    wanted = {title for path in (BPMN_DIR / "forms").glob("*.json") for title in titles(json.loads(path.read_text()))}
    wanted |= set(re.findall(r'<bpmn:userTask id="[^"]+" name="([^"]+)"',
                             "".join(p.read_text() for p in BPMN_DIR.glob("*.bpmn"))))
    missing = sorted(title for title in wanted if catalog.get(title) is None)
    assert missing == [], "add these to web/forms.py (FIELD_LABELS, FORM_TEXTS or TASK_NAMES) and the catalog"


def test_pages_render_on_a_phone_sized_layout_hint(app: Flask) -> None:
    page = app.test_client().get("/login").get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    css = app.test_client().get("/static/kinerja.css")
    assert css.status_code == 200 and b"@media (max-width" in css.data
