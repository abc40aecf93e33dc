"""One engine object per database URL and worker process, shared by the flows' tasks.

Flows take ``database_url`` as an optional parameter: deployed flows leave it out, and a
worker uses its own ``KINERJA_DATABASE_URL``, so no database password is ever stored as a
flow-run parameter on the Prefect server. In embedded mode the web app shares its own
engine (:func:`share`), so flows started from a request use the same pool and clock.
"""
from __future__ import annotations

import os
import threading
from typing import Optional

from engine.database import DEFAULT_DATABASE_URL
from engine.errors import KinerjaError
from engine.kinerja import Kinerja

_engines: dict[str, Kinerja] = {}
_lock = threading.Lock()


def kinerja_for(database_url: Optional[str] = None) -> Kinerja:
    url = database_url or os.environ.get("KINERJA_DATABASE_URL") or DEFAULT_DATABASE_URL
    with _lock:
        if url not in _engines:
            _engines[url] = Kinerja(url)
        return _engines[url]


def share(kinerja: Kinerja) -> None:
    """Let flows in this process use ``kinerja`` for its database."""
    with _lock:
        _engines[kinerja.database_url] = kinerja


def reason_of(error: Exception) -> str:
    """What a flow records about an error: a refusal's own message, else its type and text."""
    return error.message if isinstance(error, KinerjaError) else f"{type(error).__name__}: {error}"
