"""Limits on one evaluation of code from a definition: CPU time, allocations and value sizes.

RestrictedPython decides *what* code may touch; it does not bound *how much* it does.
Three mechanisms do, all inside the evaluating thread (no extra process, no signals):

- **A CPU-time budget.** The compiler (see :mod:`engine.scripting`) puts a ``_tick_()``
  call at the top of every loop body, and every guarded iteration ticks once per item.
  Every few ticks the budget reads the thread's CPU clock and fails the evaluation past
  its limit; it also sleeps for zero seconds there, which releases the GIL so that other
  requests of the same process keep being served while a hostile loop spins.
- **Size checks before the work.** ``**``, ``*``, ``<<``, ``+`` and ``%`` are compiled into
  :func:`binary_op`, which estimates the size of the result from its operands (an int's
  bit length, a sequence's length times the count, a string's length) and refuses it
  before Python allocates anything; f-strings, ``str()``, ``join`` and ``replace`` do the
  same.
- **An allocation budget.** Each guarded operation charges the estimated size of what it
  built; past :data:`MAX_ALLOCATED_BYTES` the evaluation fails. It is an estimate of what
  the script built, not the process's resident memory.

Every refusal is a :class:`~engine.errors.ScriptLimitExceeded` whose message says which
limit and by how much; the service layer names the BPMN/DMN element and rolls the step back.
"""
from __future__ import annotations

import math
import operator
import os
import re
import time
from typing import Any, Callable, Iterable, Iterator

from .errors import ScriptLimitExceeded

TIME_LIMIT_ENV = "KINERJA_SCRIPT_TIME_LIMIT_MS"
DEFAULT_TIME_LIMIT_MS = 200
MAX_STRING_LENGTH = 1_000_000  # characters in one string
MAX_SEQUENCE_ITEMS = 100_000  # items in one list, tuple, dict or set (and in a range)
MAX_INT_BITS = 10_000  # about 3,000 decimal digits
MAX_ALLOCATED_BYTES = 64 * 1024 * 1024  # estimated bytes one evaluation may build
MAX_TOTAL_ITEMS = MAX_SEQUENCE_ITEMS  # nested items in a value a script leaves in task data

# How often (in ticks) the budget reads the CPU clock and lets other threads run.
_TICKS_PER_CHECK = 64
_BYTES_PER_ITEM = 8  # one reference in a list, tuple or dict slot


def time_limit_ms() -> int:
    """The CPU-time limit of one evaluation: ``KINERJA_SCRIPT_TIME_LIMIT_MS`` or 200 ms."""
    raw = os.environ.get(TIME_LIMIT_ENV, "")
    return int(raw) if raw.strip().isdigit() and int(raw) > 0 else DEFAULT_TIME_LIMIT_MS


class Budget:
    """The CPU time and allocations one evaluation may still spend."""

    __slots__ = ("limit_ms", "_deadline", "_countdown", "_allocated")

    def __init__(self) -> None:
        self.limit_ms = time_limit_ms()
        self._deadline = time.thread_time() + self.limit_ms / 1000
        self._countdown = _TICKS_PER_CHECK
        self._allocated = 0

    def tick(self, cost: int = 1) -> None:
        """Count work; every so often check the clock and let other threads run."""
        self._countdown -= cost
        if self._countdown <= 0:
            self._countdown = _TICKS_PER_CHECK
            if time.thread_time() > self._deadline:
                # Every later tick fails too, so nothing can carry on past the limit.
                self._deadline = -math.inf
                raise ScriptLimitExceeded(f"the script ran longer than {self.limit_ms} ms of CPU time")
            time.sleep(0)

    def charge(self, size: int) -> None:
        """Account for ``size`` estimated bytes just built (or about to be)."""
        self._allocated += size
        if self._allocated > MAX_ALLOCATED_BYTES:
            raise ScriptLimitExceeded(f"the script built more than {MAX_ALLOCATED_BYTES // (1024 * 1024)} MB "
                                      "of values")
        self.tick(1 + size // 65536)

    def iterate(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """``_getiter_``: iterate with one tick per item (loops and comprehensions)."""
        for item in iterable:
            self.tick()
            yield item

    def built(self, value: Any) -> Any:
        """Charge a freshly built value and hand it back."""
        self.charge(_shallow_size(value))
        return value


# -- size estimates ------------------------------------------------------------------------


def _shallow_size(value: Any) -> int:
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, int):
        return value.bit_length() // 8
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        return len(value) * _BYTES_PER_ITEM
    return _BYTES_PER_ITEM


def _too_big(what: str, size: int, limit: int) -> ScriptLimitExceeded:
    shown = f"10^{len(str(size)) - 1}" if size >= 10_000_000 else str(size)
    return ScriptLimitExceeded(f"the result would have {shown} {what}; the limit is {limit}")


def _check_size(value_kind: str, size: int) -> None:
    if value_kind == "str" and size > MAX_STRING_LENGTH:
        raise _too_big("characters", size, MAX_STRING_LENGTH)
    if value_kind == "seq" and size > MAX_SEQUENCE_ITEMS:
        raise _too_big("items", size, MAX_SEQUENCE_ITEMS)
    if value_kind == "int" and size > MAX_INT_BITS:
        raise _too_big("bits", size, MAX_INT_BITS)


def _kind(value: Any) -> str:
    if isinstance(value, (str, bytes)):
        return "str"
    if isinstance(value, (list, tuple)):
        return "seq"
    if isinstance(value, int):
        return "int"
    return "other"


def _repeat_count(value: Any) -> int:
    return max(int(value), 0) if isinstance(value, int) else 0


def _estimate(op: str, left: Any, right: Any) -> tuple[str, int]:
    """The kind and size of ``left <op> right``'s result, computed without computing it."""
    left_kind, right_kind = _kind(left), _kind(right)
    if op == "**" and left_kind == right_kind == "int" and right > 0:
        if abs(left) <= 1:
            return "int", 1
        return "int", left.bit_length() * right
    if op == "<<" and left_kind == right_kind == "int" and left != 0:
        return "int", left.bit_length() + max(right, 0)
    if op == "*":
        if left_kind in ("str", "seq") and right_kind == "int":
            return left_kind, len(left) * _repeat_count(right)
        if right_kind in ("str", "seq") and left_kind == "int":
            return right_kind, len(right) * _repeat_count(left)
        if left_kind == right_kind == "int":
            return "int", left.bit_length() + right.bit_length()
    if op == "+" and left_kind == right_kind and left_kind in ("str", "seq"):
        return left_kind, len(left) + len(right)
    if op == "%" and isinstance(left, (str, bytes)):
        template = left if isinstance(left, str) else left.decode("latin-1")
        return "str", len(left) + _percent_format_room(template, right)
    return "other", 0


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?[hlL]?[a-zA-Z%]")


def _percent_format_room(template: str, values: Any) -> int:
    """Characters a ``%`` format may add: its widths, and the values as strings."""
    room = 0
    for width, precision in _PERCENT_SPEC.findall(template):
        if "*" in (width, precision):
            raise ScriptLimitExceeded("'%' formats with '*' widths are not allowed")
        room += int(width or 0) + int(precision or 0)
    parts = values.values() if isinstance(values, dict) else values if isinstance(values, tuple) else (values,)
    return room + sum(string_length(part) for part in parts)


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
    "%": operator.mod, "**": operator.pow, "<<": operator.lshift, ">>": operator.rshift, "|": operator.or_,
    "^": operator.xor, "&": operator.and_, "@": operator.matmul,
}


def binary_op(budget: Budget, op: str, left: Any, right: Any) -> Any:
    """``left <op> right`` after checking that its result stays within the size limits."""
    kind, size = _estimate(op, left, right)
    if kind != "other":
        _check_size(kind, size)
        budget.charge(size // 8 if kind == "int" else size if kind == "str" else size * _BYTES_PER_ITEM)
    return _OPERATORS[op](left, right)


def inplace_op(budget: Budget, op: str, left: Any, right: Any) -> Any:
    """``_inplacevar_``: ``x += y`` and friends, guarded like their binary forms."""
    return binary_op(budget, op[:-1], left, right)


# -- strings -------------------------------------------------------------------------------


def string_length(value: Any, limit: int = MAX_STRING_LENGTH) -> int:
    """An upper estimate of ``len(str(value))``, walking nested values at most ``limit`` steps."""
    if isinstance(value, str):
        return len(value) + 2
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3 + 2
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
            total += 2 + 4 * len(item)
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
            total += 2 + 2 * len(item)
        else:
            total += string_length(item) if isinstance(item, (str, int)) and not isinstance(item, bool) else 32
    return total


def bounded_str(budget: Budget, value: Any = "") -> str:
    """``str()`` that refuses to render a value larger than a string may be."""
    size = string_length(value)
    _check_size("str", size)
    return budget.built(str(value))


def format_value(value: Any, conversion: int) -> str:
    """One ``{value!r}`` of an f-string (format specs are refused when compiling)."""
    _check_size("str", string_length(value))
    if conversion == ord("r"):
        return repr(value)
    if conversion == ord("a"):
        return ascii(value)
    return str(value)


def join_fstring(budget: Budget, *parts: str) -> str:
    _check_size("str", sum(len(part) for part in parts))
    return budget.built("".join(parts))


def guarded_join(budget: Budget, separator: str) -> Callable[[Iterable[Any]], str]:
    def join(items: Iterable[Any]) -> str:
        items = list(budget.iterate(items))
        _check_size("seq", len(items))
        _check_size("str", sum(len(item) if isinstance(item, str) else 0 for item in items)
                    + len(separator) * max(len(items) - 1, 0))
        return budget.built(separator.join(items))
    return join


def guarded_replace(budget: Budget, text: str) -> Callable[..., str]:
    def replace(old: str, new: str, count: int = -1) -> str:
        if isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
            occurrences = (len(text) + 1) if old == "" else text.count(old)
            if count >= 0:
                occurrences = min(occurrences, count)
            _check_size("str", len(text) + occurrences * (len(new) - len(old)))
        return budget.built(text.replace(old, new, count))
    return replace


def bounded_range(*args: int) -> range:
    """``range`` with at most :data:`MAX_SEQUENCE_ITEMS` numbers."""
    numbers = range(*args)
    try:
        count = len(numbers)
    except OverflowError:  # more numbers than a C integer can count
        count = MAX_SEQUENCE_ITEMS + 1
    _check_size("seq", count)
    return numbers


def total_items(value: Any) -> int:
    """How many values ``value`` holds, nested ones included (stops counting past the limit)."""
    count, stack = 0, [value]
    while stack and count <= MAX_TOTAL_ITEMS:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return count
