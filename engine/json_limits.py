"""Reading JSON that people send or upload without letting its shape cost more than its size.

The standard library's decoder recurses once per nesting level (10,000 levels raise
``RecursionError``, and every later consumer — jsonschema, marshmallow, the JSON columns —
recurses again), turns ``1E999999`` into ``inf``, accepts ``NaN`` and ``Infinity``, and
converts integers of any length (quadratic time; ``ValueError`` past 4,300 digits). :func:`load`
decodes with hooks that keep such numbers as :class:`UnreadableNumber` markers instead of
converting them; :func:`inspect` then walks a value without recursion and reports what is
too deep and where the unreadable numbers are, so callers can name the field.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Union

MAX_DEPTH = 64  # nesting levels of arrays and objects
MAX_NUMBER_LENGTH = 100  # characters of one number as written


@dataclass(frozen=True)
class UnreadableNumber:
    """A number literal left unconverted: too long, or not finite (``NaN``, ``1E999999``)."""

    literal: str


@dataclass
class Findings:
    too_deep: bool = False
    number_paths: list[str] = field(default_factory=list)  # dotted paths, "" for the value itself

    @property
    def ok(self) -> bool:
        return not self.too_deep and not self.number_paths


def _parse_int(literal: str) -> Any:
    return int(literal) if len(literal) <= MAX_NUMBER_LENGTH else UnreadableNumber(literal)


def _parse_float(literal: str) -> Any:
    if len(literal) > MAX_NUMBER_LENGTH:
        return UnreadableNumber(literal)
    value = float(literal)
    return value if math.isfinite(value) else UnreadableNumber(literal)


def load(text: Union[str, bytes]) -> tuple[Any, Findings]:
    """The decoded value and what is wrong with it; ``ValueError`` when the text is no JSON."""
    try:
        value = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=UnreadableNumber)
    except RecursionError:
        return None, Findings(too_deep=True)
    return value, inspect(value)


def inspect(value: Any, max_depth: int = MAX_DEPTH) -> Findings:
    """Nesting beyond ``max_depth``, and the paths of unreadable or non-finite numbers."""
    findings = Findings()
    pending: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while pending:
        current, path = pending.pop()
        if isinstance(current, UnreadableNumber) or isinstance(current, float) and not math.isfinite(current):
            findings.number_paths.append(".".join(path))
        elif isinstance(current, (dict, list)):
            if len(path) >= max_depth:
                return Findings(too_deep=True)
            items = current.items() if isinstance(current, dict) else enumerate(current)
            pending.extend((item, (*path, str(key))) for key, item in items)
    findings.number_paths.sort()
    return findings
