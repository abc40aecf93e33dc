"""Email notifications through a local SMTP sink (aiosmtpd): one message per assignment,
and a failed connection is retried later without losing the message."""
from __future__ import annotations

import socket
from datetime import timedelta
from typing import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from engine.clock import FixedClock
from engine.notifications import SmtpSettings, send_due, unread_count
from engine.services import Kinerja
from tests.support import SmallOrg


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
def sink() -> Iterator[tuple[Sink, int]]:
    handler, port = Sink(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def open_cycle(kinerja: Kinerja, org: SmallOrg) -> None:
    cycle_id = kinerja.ensure_cycle("bungo", 2026, "evaluation_cycle", actor="hr")
    kinerja.start_cycle_instances(cycle_id, [org.cycle_employee], actor="hr")


def test_assigning_a_task_emails_exactly_one_message_to_the_assignee(
        org: SmallOrg, deployed: Kinerja, sink: tuple[Sink, int]) -> None:
    handler, port = sink
    open_cycle(deployed, org)  # rina's draft_skp is assigned to her
    assert unread_count(deployed, "rina") == 1
    smtp = SmtpSettings("127.0.0.1", port, "kinerja@bungo.go.id")
    assert send_due(deployed, smtp) == 1
    assert send_due(deployed, smtp) == 0
    assert [m["To"] for m in handler.messages] == ["rina@127.0.0.1"]
    assert handler.messages[0]["Subject"].startswith("Tugas baru:")


def test_a_failed_smtp_connection_retries_later_and_loses_nothing(
        org: SmallOrg, deployed: Kinerja, clock: FixedClock, sink: tuple[Sink, int]) -> None:
    handler, port = sink
    open_cycle(deployed, org)
    assert send_due(deployed, SmtpSettings("127.0.0.1", free_port(), "kinerja@bungo.go.id")) == 0  # nobody listens
    working = SmtpSettings("127.0.0.1", port, "kinerja@bungo.go.id")
    assert send_due(deployed, working) == 0  # not due yet: backoff
    clock.advance(timedelta(minutes=2))
    assert send_due(deployed, working) == 1
    assert len(handler.messages) == 1 and handler.messages[0]["To"].startswith("rina@")


def test_the_bell_shows_the_unread_count(org: SmallOrg, deployed: Kinerja) -> None:
    from web import create_app

    open_cycle(deployed, org)
    client = create_app(deployed, {"SECRET_KEY": "test", "WTF_CSRF_ENABLED": False}).test_client()
    client.post("/login", data={"username": "rina", "password": "rahasia-rina"})
    assert 'data-testid="bell-count">1<' in client.get("/inbox").get_data(as_text=True)
