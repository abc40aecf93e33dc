"""Marking texts for the message catalog where they are defined, to translate where shown."""
from __future__ import annotations


def N_(text: str) -> str:
    """Mark a string for the message catalog (``pybabel extract`` finds ``N_``)."""
    return text
