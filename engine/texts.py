"""Marking texts for the message catalog where they are defined, to translate where shown.

The engine hands some words of the regulation to the pages (the BerAKHLAK values and their
guide behaviours, the quarters' names); it keeps them in Indonesian, marked with ``N_`` so
that ``pybabel extract`` (babel.cfg) puts them in the catalog the web layer translates with.
"""
from __future__ import annotations


def N_(text: str) -> str:  # noqa: N802 - the name pybabel looks for
    """Mark a string for the message catalog."""
    return text
