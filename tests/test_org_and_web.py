"""Accounts sign in against hashed passwords; the web app answers its health check."""
from __future__ import annotations

from flask import Flask

from engine.accounts import sign_in
from engine.actors import Operator
from engine.cycles import cycle_progress
from engine.deployment import deploy
from engine.kinerja import Kinerja
from tests.support import BUNDLED_DEFINITIONS, SmallOrg, open_cycle


def test_passwords_are_checked_against_their_hash(org: SmallOrg, deployed: Kinerja) -> None:
    assert sign_in(deployed, "rina", "rahasia-rina", "test") is not None
    assert sign_in(deployed, "rina", "salah", "test") is None
    assert sign_in(deployed, "tidak-ada", "rahasia-rina", "test") is None


def test_health_check_and_login_page_in_indonesian(deployed: Kinerja, app: Flask) -> None:
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    login_page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'lang="id"' in login_page and "Masuk" in login_page


def test_the_demo_organisation_gives_every_role_something_to_do(kinerja: Kinerja) -> None:
    from engine.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo_organisation, submit_demo_drafts
    from engine.inbox import list_tasks

    deploy(kinerja, Operator("demo"), BUNDLED_DEFINITIONS())
    seed_demo_organisation(kinerja)
    cycle_id = open_cycle(kinerja, actor="demo").cycle_id
    assert submit_demo_drafts(kinerja) == 5
    assert all(sign_in(kinerja, a.username, DEMO_PASSWORD, "test") for a in DEMO_ACCOUNTS)
    assert [t.task_key for t in list_tasks(kinerja, "pegawai")] == ["draft_skp"]
    assert sorted({t.task_key for t in list_tasks(kinerja, "atasan")}) == ["approve_skp", "draft_skp"]
    assert cycle_progress(kinerja, Operator('test'), cycle_id) == {"employees": 31, "started": 31, "completed": 0}
