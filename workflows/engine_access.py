"""One engine object per database URL and worker process, shared by the flows' tasks.

In embedded mode the web app shares its own engine (:func:`share`), so flows started from
a request use the same connection pool and clock as the request that started them.
"""
from __future__ import annotations

import threading

from engine.services import Kinerja

_engines: dict[str, Kinerja] = {}
_lock = threading.Lock()


def kinerja_for(database_url: str) -> Kinerja:
    with _lock:
        if database_url not in _engines:
            _engines[database_url] = Kinerja(database_url)
        return _engines[database_url]


def share(kinerja: Kinerja) -> None:
    """Let flows in this process use ``kinerja`` for its database."""
    with _lock:
        _engines[kinerja.database_url] = kinerja
