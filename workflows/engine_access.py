"""One engine object per database URL and worker process, shared by the flow's tasks."""
from __future__ import annotations

from functools import lru_cache

from engine.services import Kinerja


@lru_cache(maxsize=8)
def kinerja_for(database_url: str) -> Kinerja:
    return Kinerja(database_url)
