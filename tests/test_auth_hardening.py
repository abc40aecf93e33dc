"""Web hardening: where a sign-in may lead, the headers every response carries, sessions and
tokens that end everywhere, the password policy, password-less accounts, login throttling that
every worker shares, and sign-ins that take as long for unknown names as for wrong passwords."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

import engine.accounts
from engine.accounts import password_problems, sign_in
from engine.actors import SYSTEM
from engine.clock import FixedClock
from engine.kinerja import Kinerja
from engine.org import add_user
from tests.support import SmallOrg, open_cycle
from web.security import local_path

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
RINA_NIP = "199003032015031003"
GOOD_PASSWORD = "kopi tubruk di muara bungo"


def login(app: Flask, username: str, password: str = "", next_url: str = "") -> tuple[FlaskClient, Any]:
    client = app.test_client()
    query = "?" + urlencode({"next": next_url}) if next_url else ""
    response = client.post("/login" + query, data={"username": username,
                                                   "password": password or f"rahasia-{username}"})
    return client, response


def token(client: FlaskClient, username: str, password: str = "") -> str:
    response = client.post("/api/v1/auth/token", json={"username": username,
                                                       "password": password or f"rahasia-{username}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def field_errors(html: str, field: str) -> str:
    """The text of the error block next to ``field`` on a page ("" when there is none)."""
    match = re.search(rf'data-field="{field}">(.*?)</div>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else ""


# --- where a sign-in leads -------------------------------------------------------------------

HOSTILE_TARGETS = [
    "/\t/evil.example",         # next=/%09/evil.example: browsers drop the tab, leaving //evil.example
    "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example",
    "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/inbox\\..\\\\evil.example",
    "https://evil.example", "http:evil.example", "javascript:alert(1)", "evil.example/inbox",
    "/\x00/evil.example", "/\x7f/evil.example", "/\u2028/evil.example", "/\u202e/evil.example", "/ /evil.example",
    "", None,
]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_only_paths_on_this_site_are_accepted_as_redirect_targets(target: str | None) -> None:
    assert local_path(target) is None


@pytest.mark.parametrize("target", ["/inbox", "/tasks/7?tab=history", "/audit/search?q=Rina+Marlina", "/"])
def test_paths_on_this_site_are_kept(target: str) -> None:
    assert local_path(target) == target


@pytest.mark.parametrize("target", ["/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example"])
def test_a_hostile_next_after_login_goes_to_the_inbox(app: Flask, target: str) -> None:
    _client, response = login(app, "rina", next_url=target)
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"


def test_a_local_next_after_login_is_followed(app: Flask) -> None:
    _client, response = login(app, "rina", next_url="/my-cycle?year=2026")
    assert response.headers["Location"] == "/my-cycle?year=2026"


def test_pages_redirecting_back_refuse_a_hostile_next_too(app: Flask) -> None:
    client, _ = login(app, "rina")
    response = client.post("/notifications/read-all", data={"next": "/\t/evil.example"})
    assert response.headers["Location"] == "/notifications"


# --- headers on every response ---------------------------------------------------------------

def assert_security_headers(response: Any) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "unsafe-eval" not in policy and "script-src 'self' 'unsafe-inline'" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_every_kind_of_response_carries_the_security_headers(app: Flask) -> None:
    client = app.test_client()
    responses = {
        "page": client.get("/login"), "redirect": client.get("/inbox"), "static": client.get("/static/kinerja.css"),
        "page 404": client.get("/tidak-ada"), "api": client.get("/api/v1/openapi.json"),
        "api 401": client.get("/api/v1/tasks"), "api 400": client.post("/api/v1/auth/token", data="{",
                                                                        content_type="application/json"),
        "health": client.get("/healthz"),
    }
    for kind, response in responses.items():
        assert_security_headers(response)
        assert "Strict-Transport-Security" not in response.headers, kind
    _client, signed_in = login(app, "rina")
    assert "Secure" not in signed_in.headers["Set-Cookie"], "plain HTTP in development: the cookie must still work"


def test_behind_https_the_session_cookie_is_secure_and_hsts_is_sent(org: SmallOrg, monkeypatch: pytest.MonkeyPatch,
                                                                    make_app: Callable[..., Flask]) -> None:
    monkeypatch.setenv("KINERJA_HTTPS", "1")
    app = make_app()
    _client, response = login(app, "rina")
    assert "; Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert app.test_client().get("/static/kinerja.css").headers["Strict-Transport-Security"]


@pytest.mark.parametrize("name, value", [("KINERJA_HTTPS", "yes"), ("KINERJA_TRUSTED_PROXIES", "-1"),
                                         ("KINERJA_TRUSTED_PROXIES", "two")])
def test_a_misspelt_security_setting_stops_the_start(monkeypatch: pytest.MonkeyPatch, name: str, value: str,
                                                     make_app: Callable[..., Flask]) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        make_app()


def test_no_template_has_inline_script_or_event_handlers() -> None:
    """The CSP runs no inline script, so none may be written: JavaScript lives in web/static."""
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text()
        for script in re.findall(r"<script\b[^>]*>", source):
            assert "src=" in script or 'type="application/json"' in script, (template.name, script)
        assert not re.search(r"\son[a-z]+\s*=", source), template.name
        assert "javascript:" not in source, template.name


# --- sessions and tokens end everywhere ------------------------------------------------------

def test_logging_out_ends_every_session_and_token_of_the_user(app: Flask) -> None:
    laptop, _ = login(app, "rina")
    phone, _ = login(app, "rina")
    dedi, _ = login(app, "dedi")
    api_token = token(app.test_client(), "rina")

    assert laptop.post("/logout").status_code == 303
    assert phone.get("/inbox").status_code == 302, "the other browser is signed out too"
    refused = app.test_client().get("/api/v1/tasks", headers=bearer(api_token))
    assert refused.status_code == 401 and "revoked" in refused.get_json()["error"]["message"]
    assert dedi.get("/inbox").status_code == 200, "other users stay signed in"
    again, response = login(app, "rina")
    assert response.status_code == 302 and again.get("/inbox").status_code == 200


def test_revoking_tokens_through_the_api_ends_them_and_the_browser_sessions(app: Flask) -> None:
    client = app.test_client()
    first, second = token(client, "rina"), token(client, "rina")
    browser, _ = login(app, "rina")
    assert client.post("/api/v1/auth/revoke").status_code == 401, "revoking needs a token"
    revoked = client.post("/api/v1/auth/revoke", headers=bearer(first))
    assert revoked.status_code == 204 and revoked.get_data() == b""
    for old in (first, second):
        assert client.get("/api/v1/tasks", headers=bearer(old)).status_code == 401
    assert browser.get("/inbox").status_code == 302
    assert client.get("/api/v1/tasks", headers=bearer(token(client, "rina"))).status_code == 200


def test_changing_the_password_on_the_page_keeps_this_browser_and_ends_the_rest(app: Flask,
                                                                               deployed: Kinerja) -> None:
    browser, _ = login(app, "rina")
    other, _ = login(app, "rina")
    api_token = token(app.test_client(), "rina")
    form = browser.get("/account/password").get_data(as_text=True)
    assert "Ganti kata sandi" in form and 'data-testid="nav-password"' in form

    changed = browser.post("/account/password", data={"current_password": "rahasia-rina",
                                                      "new_password": GOOD_PASSWORD, "confirm_password": GOOD_PASSWORD})
    assert changed.status_code == 303 and changed.headers["Location"] == "/inbox"
    assert "Kata sandi sudah diganti" in browser.get("/inbox").get_data(as_text=True)
    assert other.get("/inbox").status_code == 302
    assert app.test_client().get("/api/v1/tasks", headers=bearer(api_token)).status_code == 401
    assert sign_in(deployed, "rina", "rahasia-rina", "test") is None
    assert sign_in(deployed, "rina", GOOD_PASSWORD, "test") is not None


@pytest.mark.parametrize("current, new, confirm, field, message", [
    ("salah-sekali", GOOD_PASSWORD, GOOD_PASSWORD, "current_password", "Kata sandi saat ini salah."),
    ("rahasia-rina", "pendek", "pendek", "new_password", "minimal 10 karakter"),
    ("rahasia-rina", "rina-di-puskesmas", "rina-di-puskesmas", "new_password", "nama pengguna"),
    ("rahasia-rina", f"x{RINA_NIP}", f"x{RINA_NIP}", "new_password", "NIP"),
    ("rahasia-rina", "qwertyuiop", "qwertyuiop", "new_password", "terlalu umum"),
    ("rahasia-rina", GOOD_PASSWORD, GOOD_PASSWORD + "!", "confirm_password", "Konfirmasi tidak sama"),
])
def test_a_refused_password_change_says_why_next_to_the_field(app: Flask, deployed: Kinerja, current: str,
                                                              new: str, confirm: str, field: str,
                                                              message: str) -> None:
    browser, _ = login(app, "rina")
    refused = browser.post("/account/password", data={"current_password": current, "new_password": new,
                                                      "confirm_password": confirm})
    assert refused.status_code == 422
    assert message in field_errors(refused.get_data(as_text=True), field)
    assert browser.get("/inbox").status_code == 200, "a refused change ends nothing"
    assert sign_in(deployed, "rina", "rahasia-rina", "test") is not None


def test_the_password_page_speaks_english_from_the_catalog(app: Flask) -> None:
    browser, _ = login(app, "rina")
    page = browser.get("/account/password?lang=en").get_data(as_text=True)
    assert "Change password" in page and "Ganti kata sandi" not in page
    refused = browser.post("/account/password", data={"current_password": "x", "new_password": "pendek",
                                                      "confirm_password": "pendek"}).get_data(as_text=True)
    assert "The current password is wrong." in field_errors(refused, "current_password")
    assert "at least 10 characters" in field_errors(refused, "new_password")


def test_changing_the_password_through_the_api(app: Flask, deployed: Kinerja) -> None:
    client = app.test_client()
    old = token(client, "rina")
    refused = client.post("/api/v1/auth/password", headers=bearer(old),
                          json={"current_password": "rahasia-rina", "new_password": "password123"})
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "validation_failed" and "common_password" in error["message"]
    assert [d["rule"] for d in error["details"]] == ["common_password"]
    wrong = client.post("/api/v1/auth/password", headers=bearer(old),
                        json={"current_password": "tebakan", "new_password": "rina123456"})
    assert [d["rule"] for d in wrong.get_json()["error"]["details"]] == ["current_password", "contains_username"]
    missing = client.post("/api/v1/auth/password", headers=bearer(old), json={"new_password": GOOD_PASSWORD})
    assert missing.status_code == 422 and "current_password" in missing.get_json()["error"]["message"]
    assert client.post("/api/v1/auth/password", json={}).status_code == 401, "the token is checked first"

    changed = client.post("/api/v1/auth/password", headers=bearer(old),
                          json={"current_password": "rahasia-rina", "new_password": GOOD_PASSWORD})
    assert changed.status_code == 200
    assert client.get("/api/v1/tasks", headers=bearer(old)).status_code == 401
    assert client.get("/api/v1/tasks", headers=bearer(changed.get_json()["access_token"])).status_code == 200
    assert sign_in(deployed, "rina", GOOD_PASSWORD, "test") is not None


@pytest.mark.parametrize("password, rules", [
    ("kopi tubruk di muara bungo", []),
    ("123456789", ["min_length", "common_password"]),
    ("x" * 201, ["max_length"]),
    ("Rina-Marlina-2026", ["contains_username"]),
    (f"nip{RINA_NIP}!", ["contains_nip"]),
    ("1234567890", ["common_password"]),
    ("PASSWORD123", ["common_password"]),
])
def test_the_password_policy_names_each_broken_rule(password: str, rules: list[str]) -> None:
    assert [p.rule for p in password_problems(password, "rina", RINA_NIP)] == rules


def test_a_short_user_name_inside_a_good_password_is_no_problem() -> None:
    assert password_problems("three thrushes sing", "hr", None) == []


# --- accounts without a password -------------------------------------------------------------

def test_an_account_without_a_password_cannot_sign_in(org: SmallOrg, deployed: Kinerja, app: Flask) -> None:
    add_user(deployed, SYSTEM, "bungo", "tamu", "", "Akun tanpa kata sandi")
    client = app.test_client()
    for password in ("", "apa saja"):
        page = client.post("/login", data={"username": "tamu", "password": password})
        assert page.status_code == 401 and "Nama pengguna atau kata sandi salah." in page.get_data(as_text=True)
        api = client.post("/api/v1/auth/token", json={"username": "tamu", "password": password})
        assert api.status_code == 401 and api.get_json()["error"]["message"] == "wrong username or password"


# --- throttling ------------------------------------------------------------------------------

def failed_token_request(client: FlaskClient, username: str, **headers: str) -> int:
    return client.post("/api/v1/auth/token", json={"username": username, "password": "salah"},
                       headers=headers).status_code


def test_failures_count_per_account_and_expire_with_the_window(org: SmallOrg, clock: FixedClock,
                                                               make_app: Callable[..., Flask]) -> None:
    app = make_app(LOGIN_FAILURES_PER_ACCOUNT=3, LOGIN_THROTTLE_WINDOW_SECONDS=600)
    client = app.test_client()
    assert [failed_token_request(client, "rina") for _ in range(3)] == [401, 401, 401]
    clock.advance(timedelta(seconds=240))
    refused = client.post("/login", data={"username": "rina", "password": "rahasia-rina"})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "360"
    assert client.post("/login", data={"username": "dedi", "password": "rahasia-dedi"}).status_code == 302
    clock.advance(timedelta(seconds=360))
    assert client.post("/login", data={"username": "rina", "password": "rahasia-rina"}).status_code == 302


def test_unknown_account_names_are_throttled_like_real_ones(org: SmallOrg, make_app: Callable[..., Flask]) -> None:
    client = make_app(LOGIN_FAILURES_PER_ACCOUNT=2).test_client()
    assert [failed_token_request(client, "tidak-ada") for _ in range(3)] == [401, 401, 429]


def test_a_success_clears_the_account_count_but_not_the_address_count(
        org: SmallOrg, make_app: Callable[..., Flask]) -> None:
    client = make_app(LOGIN_FAILURES_PER_ACCOUNT=2, LOGIN_FAILURES_PER_CLIENT=3).test_client()
    assert failed_token_request(client, "rina") == 401
    assert token(client, "rina")
    assert [failed_token_request(client, "rina"), failed_token_request(client, "dedi")] == [401, 401]
    refused = client.post("/api/v1/auth/token", json={"username": "kapus", "password": "rahasia-kapus"})
    assert refused.status_code == 429 and "this address" in refused.get_json()["error"]["message"]


def test_behind_a_trusted_proxy_each_client_has_its_own_count(org: SmallOrg, make_app: Callable[..., Flask]) -> None:
    client = make_app(LOGIN_FAILURES_PER_CLIENT=2, TRUSTED_PROXIES=1).test_client()
    for username in ("rina", "dedi"):
        assert failed_token_request(client, username, **{"X-Forwarded-For": "203.0.113.7"}) == 401
    assert failed_token_request(client, "kapus", **{"X-Forwarded-For": "203.0.113.7"}) == 429
    assert failed_token_request(client, "kapus", **{"X-Forwarded-For": "198.51.100.9"}) == 401
    # a client adding its own X-Forwarded-For entry in front gains nothing: only the proxy's counts
    assert failed_token_request(client, "kadis", **{"X-Forwarded-For": "10.9.9.9, 203.0.113.7"}) == 429


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(
        org: SmallOrg, make_app: Callable[..., Flask]) -> None:
    client = make_app(LOGIN_FAILURES_PER_CLIENT=2).test_client()
    statuses = [failed_token_request(client, name, **{"X-Forwarded-For": f"192.0.2.{i}"})
                for i, name in enumerate(("rina", "dedi", "kapus"))]
    assert statuses == [401, 401, 429]


WORKER = """
import sys
from waitress import create_server
from engine.kinerja import Kinerja
from web import create_app
app = create_app(Kinerja(sys.argv[1]), {"SECRET_KEY": "workers", "WTF_CSRF_ENABLED": False,
                                        "LOGIN_FAILURES_PER_ACCOUNT": 4})
server = create_server(app, host="127.0.0.1", port=0, threads=2)
print(server.effective_port, flush=True)
server.run()
"""


@pytest.fixture
def two_workers(org: SmallOrg, database_url: str) -> Iterator[list[str]]:
    """Two server processes on the same database, as two gunicorn workers would be."""
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, database_url], stdout=subprocess.PIPE,
                                text=True, env=environment) for _ in range(2)]
    try:
        yield [f"http://127.0.0.1:{worker.stdout.readline().strip()}" for worker in workers]  # type: ignore[union-attr]
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=10)


def post(url: str, body: dict[str, str], as_json: bool = True) -> tuple[int, Any, str]:
    """POST to a running server: status, headers and body, errors included."""
    data = json.dumps(body).encode() if as_json else urlencode(body).encode()
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json" if as_json else "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.mark.slow
def test_throttling_holds_across_two_worker_processes(two_workers: list[str]) -> None:
    first, second = two_workers
    wrong = {"username": "rina", "password": "salah"}
    statuses = [post(f"{url}/api/v1/auth/token", wrong)[0] for url in (first, second, first, second)]
    assert statuses == [401, 401, 401, 401]
    right = {"username": "rina", "password": "rahasia-rina"}
    for url in (first, second):
        status, headers, _body = post(f"{url}/login", right, as_json=False)
        assert status == 429 and int(headers["Retry-After"]) > 0
        status, headers, body = post(f"{url}/api/v1/auth/token", right)
        assert status == 429 and json.loads(body)["error"]["code"] == "too_many_attempts"


# --- unknown names cost the same as wrong passwords ------------------------------------------

def test_every_refused_sign_in_checks_one_hash_of_the_same_kind(org: SmallOrg, deployed: Kinerja,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(deployed, SYSTEM, "bungo", "tamu", "", "Akun tanpa kata sandi")
    checked: list[str] = []
    real_check = engine.accounts.check_password_hash

    def counting_check(stored: str, password: str) -> bool:
        checked.append(stored.split("$")[0])  # the method and its cost parameters
        return real_check(stored, password)

    monkeypatch.setattr(engine.accounts, "check_password_hash", counting_check)
    for username, password in (("rina", "salah"), ("tidak-ada", "salah"), ("tamu", ""), ("x" * 500, "salah"),
                               ("rina", "rahasia-rina")):
        before = len(checked)
        sign_in(deployed, username, password, "test")
        assert len(checked) == before + 1, username
    assert len(set(checked)) == 1, f"every path hashes with the same method and cost: {checked}"


def test_a_megabyte_password_is_refused_without_hashing_it(org: SmallOrg, deployed: Kinerja,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    hashed: list[int] = []
    real_check = engine.accounts.check_password_hash
    monkeypatch.setattr(engine.accounts, "check_password_hash",
                        lambda stored, password: hashed.append(len(password)) or real_check(stored, password))
    assert sign_in(deployed, "rina", "rahasia-rina" * 100_000, "test") is None
    assert hashed == [0], "one check, of an empty password"


def test_an_unknown_name_takes_about_as_long_as_a_wrong_password(org: SmallOrg, deployed: Kinerja) -> None:
    def median_seconds(username: str) -> float:
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            sign_in(deployed, username, "salah", f"timing-{username}")
            timings.append(time.perf_counter() - started)
        return sorted(timings)[2]

    known, unknown = median_seconds("dedi"), median_seconds("tidak-ada")
    assert 0.5 < unknown / known < 2, (known, unknown)


# --- the policy in a real browser ------------------------------------------------------------

@pytest.mark.browser
def test_the_modelers_viewer_and_pages_run_under_the_content_security_policy(
        browser: Any, live_server: str, org: SmallOrg, deployed: Kinerja) -> None:
    """Chromium reports every blocked script, style, font or handler on the console ("Refused to …
    because it violates the following Content Security Policy directive"): none may appear, and
    no script may fail."""
    (instance_id,) = open_cycle(deployed, [org.cycle_employee]).instance_ids
    problems: list[str] = []
    paths = {"hr": ["/inbox", "/processes", "/processes/bpmn/target_setting/edit",
                    "/processes/dmn/predikat_kinerja/edit", "/account/password"],
             "auditor": [f"/audit/instances/{instance_id}", f"/audit/employees/{RINA_NIP}/report"]}
    for username, visits in paths.items():
        context = browser.new_context(base_url=live_server)
        page = context.new_page()
        page.on("console", lambda message: problems.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text or "Refused to" in message.text else None)
        page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
        page.goto("/login")
        page.get_by_test_id("login-username").fill(username)
        page.get_by_test_id("login-password").fill(f"rahasia-{username}")
        page.get_by_test_id("login-submit").click()
        page.get_by_test_id("user-name").wait_for()
        for path in visits:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            assert "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_load_state("networkidle")
        context.close()
    assert not problems, problems
