"""Child process for the crash test: works a little, then dies by SIGKILL mid-step.

Usage: python -m tests.crash_worker DATABASE_URL
It completes both nurses' SKP drafts, then starts the supervisor's approval and kills
itself after Spiff has moved the workflow but before the transaction commits.
"""
from __future__ import annotations

import os
import signal
import sys

from engine import unit_of_work
from engine.clock import FixedClock
from engine.kinerja import Kinerja
from tests.support import START, do_task, submit_skp


def main(database_url: str) -> None:
    kinerja = Kinerja(database_url, clock=FixedClock(START))
    submit_skp(kinerja, "rina")
    submit_skp(kinerja, "dedi")
    unit_of_work.append_events = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
    do_task(kinerja, "kapus", "approve_skp", {"skp_decision": "approve"})
    raise SystemExit("unreachable: the process should have been killed")


if __name__ == "__main__":
    main(sys.argv[1])
