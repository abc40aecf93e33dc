"""Notifications reach people: what is queued for whom, what each user chose to receive, and
email through a local SMTP sink (aiosmtpd) that loses nothing when the server is down."""
from __future__ import annotations

import socket
from dataclasses import replace
from datetime import timedelta
from typing import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from flask import Flask

from engine.clock import FixedClock
from engine.errors import ValidationFailed
from engine.kinerja import Kinerja
from engine.mail import SmtpSettings, send_digests, send_due
from engine.notifications import list_notifications, queue_reminders, set_preferences, unread_count
from engine.timers import fire_due_timers
from tests.support import SignedIn, SmallOrg, finish_all_open_work, login, open_cycle, submit_skp


class Sink(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []  # type: ignore[type-arg]

    def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sink() -> Iterator[tuple[Sink, SmtpSettings]]:
    handler, port = Sink(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, SmtpSettings("127.0.0.1", port, "kinerja@bungo.go.id")
    controller.stop()


def kinds(kinerja: Kinerja, username: str) -> list[str]:
    return [n.kind for n in reversed(list_notifications(kinerja, username))]


def test_assigning_a_task_emails_exactly_one_message_to_the_assignee(
        org: SmallOrg, deployed: Kinerja, sink: tuple[Sink, SmtpSettings]) -> None:
    handler, smtp = sink
    open_cycle(deployed, [org.cycle_employee])  # rina's draft_skp is assigned to her
    assert unread_count(deployed, "rina") == 1
    with_links = replace(smtp, app_url="https://kinerja.bungo.example")
    assert send_due(deployed, with_links) == 1
    assert send_due(deployed, with_links) == 0
    assert [m["To"] for m in handler.messages] == ["rina@bungo.example"]
    assert handler.messages[0]["Subject"] == "Tugas baru: Susun SKP"
    (message,) = list_notifications(deployed, "rina")
    assert f"https://kinerja.bungo.example/tasks/{message.task_id}" in handler.messages[0].get_payload()


def test_a_failed_smtp_connection_retries_later_and_loses_nothing(
        org: SmallOrg, deployed: Kinerja, clock: FixedClock, sink: tuple[Sink, SmtpSettings]) -> None:
    handler, working = sink
    open_cycle(deployed, [org.cycle_employee])
    assert send_due(deployed, SmtpSettings("127.0.0.1", free_port(), "kinerja@bungo.go.id")) == 0  # nobody listens
    assert send_due(deployed, working) == 0  # not due yet: backoff
    clock.advance(timedelta(minutes=2))
    assert send_due(deployed, working) == 1
    assert [m["To"] for m in handler.messages] == ["rina@bungo.example"]


def test_a_group_task_tells_every_member_of_the_group(org: SmallOrg, deployed: Kinerja) -> None:
    # The head of the Dinas has no supervisor in the system: his SKP approval goes to HR's group.
    open_cycle(deployed, [org.employee_ids["197001012000011001"]])
    submit_skp(deployed, "kadis")
    assert kinds(deployed, "hr") == ["task_assigned"]
    assert list_notifications(deployed, "hr")[0].params["task"] == "Setujui SKP"


def test_due_soon_and_overdue_are_each_sent_once_and_a_missed_deadline_tells_who_lost_the_task(
        org: SmallOrg, deployed: Kinerja, clock: FixedClock) -> None:
    open_cycle(deployed, [org.cycle_employee])
    submit_skp(deployed, "rina")  # kapus has 7 days to approve
    clock.advance(timedelta(days=5))
    assert queue_reminders(deployed) == {"due_soon": 0, "overdue": 0}
    clock.advance(timedelta(days=1, hours=1))
    assert queue_reminders(deployed) == {"due_soon": 1, "overdue": 0}
    assert queue_reminders(deployed) == {"due_soon": 0, "overdue": 0}, "once"
    clock.advance(timedelta(hours=23, minutes=30))
    assert queue_reminders(deployed) == {"due_soon": 0, "overdue": 1}
    assert queue_reminders(deployed) == {"due_soon": 0, "overdue": 0}, "once"
    assert kinds(deployed, "kapus") == ["task_assigned", "due_soon", "overdue"]

    assert fire_due_timers(deployed).fired == 1  # the approval escalates to kadis
    assert kinds(deployed, "kapus")[-1] == "escalated"
    assert kinds(deployed, "kadis") == ["task_assigned"]


def test_the_employee_hears_of_the_decisions_about_them(org: SmallOrg, deployed: Kinerja) -> None:
    open_cycle(deployed, [org.cycle_employee])
    finish_all_open_work(deployed)
    decisions = [n for n in reversed(list_notifications(deployed, "rina")) if n.kind == "decision_made"]
    assert [(n.params["decision"], n.params["value"]) for n in decisions] == [
        ("skp_status", "agreed"), *[("period_predikat", "BAIK")] * 4, ("predikat_label", "Sangat Baik"),
        ("follow_up_approved", True)]
    assert [n.subject for n in decisions[:3]] == ["SKP disepakati", "Predikat Triwulan I: Baik",
                                                  "Predikat Triwulan II: Baik"]
    assert decisions[5].subject == "Predikat kinerja: Sangat Baik"


def test_muted_kinds_are_not_queued(org: SmallOrg, deployed: Kinerja) -> None:
    set_preferences(deployed, "rina", ["task_assigned"], "immediate", "rina@bungo.example")
    open_cycle(deployed, [org.cycle_employee])
    assert kinds(deployed, "rina") == []


def test_a_daily_digest_gathers_the_days_messages_into_one_email(
        org: SmallOrg, deployed: Kinerja, clock: FixedClock, sink: tuple[Sink, SmtpSettings]) -> None:
    handler, smtp = sink
    set_preferences(deployed, "kapus", [], "daily", "siti@puskesmas.example")
    open_cycle(deployed, [org.cycle_employee])
    submit_skp(deployed, "rina")
    open_cycle(deployed, [org.employee_ids["199104042016041004"]])
    submit_skp(deployed, "dedi")  # kapus now has two approvals (15:00 WIB)
    assert send_due(deployed, smtp) == 2, "rina's and dedi's own messages go out at once"
    assert send_digests(deployed, smtp) == 0, "queued after today's digest hour"
    clock.advance(timedelta(hours=15))  # 06:00 WIB the next day
    assert send_digests(deployed, smtp) == 0, "before the digest hour"
    clock.advance(timedelta(hours=1))
    assert send_digests(deployed, smtp) == 1
    assert send_digests(deployed, smtp) == 0, "one digest a day"
    digest = handler.messages[-1]
    assert digest["To"] == "siti@puskesmas.example"
    assert digest["Subject"] == "Ringkasan harian kinerja: 2 pemberitahuan"
    assert digest.get_payload().count("Tugas baru: Setujui SKP") == 2


def test_email_off_keeps_messages_in_app_only(
        org: SmallOrg, deployed: Kinerja, sink: tuple[Sink, SmtpSettings]) -> None:
    handler, smtp = sink
    set_preferences(deployed, "rina", [], "off", "rina@bungo.example")
    open_cycle(deployed, [org.cycle_employee])
    assert send_due(deployed, smtp) == 0 and handler.messages == []
    assert unread_count(deployed, "rina") == 1


def test_preferences_refuse_unknown_kinds_and_bad_addresses(org: SmallOrg, deployed: Kinerja) -> None:
    with pytest.raises(ValidationFailed) as refused:
        set_preferences(deployed, "rina", ["gossip"], "weekly", "not an address")
    assert [p["location"] for p in refused.value.details] == ["muted_kinds", "email_delivery", "email"]


# -- the web app ------------------------------------------------------------------------------


def test_the_bell_counts_unread_messages_and_opening_one_marks_it_read(org: SmallOrg, deployed: Kinerja,
                                                                       app: Flask) -> None:
    open_cycle(deployed, [org.cycle_employee])
    client = login(app, "rina")
    assert 'data-testid="bell-count">1<' in client.get("/inbox").get_data(as_text=True)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Tugas baru: Susun SKP" in page and 'class="notification unread"' in page
    (message,) = list_notifications(deployed, "rina")
    opened = client.post(f"/notifications/{message.id}/read", data={"next": f"/tasks/{message.task_id}"})
    assert opened.status_code == 303 and opened.location == f"/tasks/{message.task_id}"
    assert 'data-testid="bell-count"' not in client.get("/inbox").get_data(as_text=True)
    assert "New task: Draft SKP" in client.get("/notifications?lang=en").get_data(as_text=True)


def test_someone_elses_message_cannot_be_marked(org: SmallOrg, deployed: Kinerja, app: Flask) -> None:
    open_cycle(deployed, [org.cycle_employee])
    (message,) = list_notifications(deployed, "rina")
    assert login(app, "dedi").post(f"/notifications/{message.id}/read").status_code == 404
    assert unread_count(deployed, "rina") == 1


def test_the_settings_page_stores_what_to_receive_and_how(org: SmallOrg, deployed: Kinerja, app: Flask) -> None:
    client = login(app, "rina")
    refused = client.post("/notifications/settings", data={"receive": ["overdue"], "email_delivery": "daily",
                                                           "email": "no address"})
    assert refused.status_code == 422 and "Alamat email tidak valid." in refused.get_data(as_text=True)
    saved = client.post("/notifications/settings", data={"receive": ["overdue", "decision_made"],
                                                         "email_delivery": "daily", "email": "rina@rumah.example"})
    assert saved.status_code == 303
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert 'value="rina@rumah.example"' in page
    assert 'value="daily" data-testid="delivery-daily"\n               checked' in page
    open_cycle(deployed, [org.cycle_employee])
    assert kinds(deployed, "rina") == [], "task_assigned is now muted"


def test_the_api_lists_marks_and_sets_preferences(org: SmallOrg, deployed: Kinerja, app: Flask) -> None:
    open_cycle(deployed, [org.cycle_employee])
    rina = SignedIn(app, "rina")
    client, auth = rina.page, rina.headers
    listed = client.get("/api/v1/notifications?unread=true", headers=auth).json
    assert listed["unread"] == 1 and listed["items"][0]["kind"] == "task_assigned"
    assert listed["items"][0]["params"]["task"] == "Susun SKP"
    assert client.post("/api/v1/notifications/read-all", headers=auth).json == {"marked": 1}
    assert client.get("/api/v1/notifications?unread=true", headers=auth).json["items"] == []
    assert client.post("/api/v1/notifications/2147483647/read", headers=auth).status_code == 404
    body = {"email": "rina@rumah.example", "muted_kinds": ["due_soon"], "email_delivery": "off"}
    assert client.put("/api/v1/notifications/preferences", json=body, headers=auth).json == body
    assert client.get("/api/v1/notifications/preferences", headers=auth).json == body
    bad = client.put("/api/v1/notifications/preferences", headers=auth,
                     json={"muted_kinds": ["gossip"], "email_delivery": "weekly"})
    assert bad.status_code == 422 and bad.json["error"]["code"]
