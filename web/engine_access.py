"""The engine of the current app: the one way web code reaches it."""
from __future__ import annotations

from flask import current_app

from engine.kinerja import Kinerja


def kinerja() -> Kinerja:
    return current_app.extensions["kinerja"]
