"""Marking texts for the message catalog where they are defined, to translate where shown
(the one marker, :func:`engine.texts.N_`, shared with the engine)."""
from __future__ import annotations

from engine.texts import N_

__all__ = ["N_"]
