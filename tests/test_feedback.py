"""Citizen feedback: anyone can rate a unit without login, within abuse limits; HR and the
unit head read and answer it; nobody else does."""
from __future__ import annotations

import re
from typing import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.kinerja import Kinerja
from tests.support import SmallOrg, login
from web import limiter

FORM_URL = "/public/bungo/pkm-mb/feedback"
SCORES = {"speed": "4", "friendliness": "5", "clarity": "3", "overall": "4"}


def solved_form(client: FlaskClient, **extra: str) -> dict[str, str]:
    """The form's fields with the arithmetic challenge answered as a person would."""
    page = client.get(FORM_URL).get_data(as_text=True)
    a, b = re.search(r'data-question="(\d+) \+ (\d+)"', page).groups()  # type: ignore[union-attr]
    token = re.search(r'name="challenge_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return {**SCORES, "challenge": str(int(a) + int(b)), "challenge_token": token, **extra}


@pytest.fixture
def app(org: SmallOrg, make_app: Callable[..., Flask]) -> Flask:
    """The web app with a submission limit far above what these tests send."""
    return make_app(FEEDBACK_RATE_LIMIT="1000 per hour")


def test_a_citizen_rates_without_login_and_the_unit_head_answers(app: Flask) -> None:
    citizen = app.test_client()
    response = citizen.post(FORM_URL, data=solved_form(citizen, comment="Antrean <script>alert(1)</script>lama"))
    assert response.status_code == 200 and "Terima kasih" in response.get_data(as_text=True)

    head = login(app, "kapus")
    page = head.get("/units/bungo/pkm-mb/feedback").get_data(as_text=True)
    assert "Antrean alert(1)lama" in page and "<script>alert" not in page
    assert "4,0" in page  # Indonesian decimal comma
    feedback_id = re.search(r"/feedback/(\d+)/answer", page).group(1)  # type: ignore[union-attr]
    assert head.post(f"/units/bungo/pkm-mb/feedback/{feedback_id}/answer",
                     data={"answer": "Kami tambah loket <b>pagi</b>"}).status_code == 303
    assert "Kami tambah loket pagi" in head.get("/units/bungo/pkm-mb/feedback").get_data(as_text=True)
    assert login(app, "hr").get("/units/bungo/pkm-mb/feedback").status_code == 200
    assert login(app, "rina").get("/units/bungo/pkm-mb/feedback").status_code == 403
    assert login(app, "kadis").get("/units/bungo/pkm-mb/feedback").status_code == 403


def test_wrong_challenge_honeypot_bad_scores_and_oversized_input_are_refused(app: Flask) -> None:
    citizen = app.test_client()
    assert citizen.post(FORM_URL, data=solved_form(citizen, challenge="999")).status_code == 422
    assert citizen.post(FORM_URL, data=solved_form(citizen, challenge_token="forged")).status_code == 422
    assert citizen.post(FORM_URL, data=solved_form(citizen, website="http://spam")).status_code == 422
    assert citizen.post(FORM_URL, data=solved_form(citizen, speed="9")).status_code == 422
    long_comment = citizen.post(FORM_URL, data=solved_form(citizen, comment="x" * 2001))
    assert long_comment.status_code == 422 and "2000" in long_comment.get_data(as_text=True)
    huge = citizen.post(FORM_URL, data=solved_form(citizen, comment="x" * 100_000))
    assert huge.status_code == 413 and "terlalu besar" in huge.get_data(as_text=True)
    assert app.test_client().get("/public/bungo/nope/feedback").status_code == 404
    assert "Belum ada masukan" in login(app, "hr").get("/units/bungo/pkm-mb/feedback").get_data(as_text=True)


def test_one_thousand_rapid_submissions_from_one_client_are_limited(app: Flask, make_app: Callable[..., Flask]) -> None:
    limiter.reset()  # the in-memory limits are per process; start from a clean slate
    citizen = make_app(FEEDBACK_RATE_LIMIT="10 per hour").test_client()
    form = solved_form(citizen)
    statuses = [citizen.post(FORM_URL, data=form).status_code for _ in range(1000)]
    assert statuses.count(200) == 10 and statuses.count(429) == 990
    hr_page = login(app, "hr").get("/units/bungo/pkm-mb/feedback").get_data(as_text=True)
    assert hr_page.count('data-testid="feedback-item"') == 10


def test_hr_and_unit_heads_find_their_units_feedback_from_the_navigation(deployed: Kinerja, app: Flask) -> None:
    from engine.feedback import submit_feedback

    submit_feedback(deployed, "bungo", "pkm-mb", {key: int(value) for key, value in SCORES.items()}, "Cepat")
    hr = login(app, "hr")
    assert 'data-testid="nav-feedback"' in hr.get("/inbox").get_data(as_text=True)
    overview = hr.get("/feedback").get_data(as_text=True)
    assert overview.count('data-testid="feedback-unit"') == 2  # every unit of the organisation
    assert "Puskesmas Muara Bungo" in overview and "4,00" in overview
    head = login(app, "kapus").get("/feedback").get_data(as_text=True)
    assert head.count('data-testid="feedback-unit"') == 1 and "Puskesmas Muara Bungo" in head
    nurse = login(app, "rina")
    assert 'data-testid="nav-feedback"' not in nurse.get("/inbox").get_data(as_text=True)
    assert nurse.get("/feedback").status_code == 403
