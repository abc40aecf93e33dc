"""The sandbox for BPMN scripts, conditions, timer expressions and DMN entries.

HR uploads definitions, and SpiffWorkflow's default script engine runs any Python they
hold, so every piece of code is compiled by RestrictedPython (the maintained sandbox that
tracks escapes such as the generator-frame walk, CVE-2023-37271) with a stricter policy
on top, and run with all of its guards installed:

- **Compile time** (:class:`KinerjaPolicy`): no imports, functions, classes, generators,
  ``try``, ``with``, ``global``; no name or attribute starting with ``_``; none of the
  frame, code and traceback attributes; no ``.format``/``.format_map``, no f-string
  format specs; no Python builtin the sandbox does not offer (``type``, ``vars``,
  ``globals``...). Operators that can allocate without bound are compiled into guarded
  calls and every loop body starts with a budget tick (see :mod:`engine.sandbox_limits`).
- **Run time**: attribute access goes through an allow-list per value type (and then
  through RestrictedPython's ``safer_getattr``); item access, iteration, unpacking,
  stores and augmented assignment through guards; builtins are a short allow-list.
- **Data**: after a script, task data may only hold :data:`DATA_TYPES` (finite floats,
  bounded in size); anything else fails the step.

:func:`script_problem` is the one policy decision: the deploy check asks it for each
element, and the runtime compiles through the same cached function, so a definition that
passed deploy behaves identically at run time and one that did not can never run.
"""
from __future__ import annotations

import ast
import builtins
import math
from datetime import date, datetime, time, timedelta
from functools import lru_cache, partial
from types import CodeType
from typing import Any, Literal, Optional

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence, safer_getattr
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from . import sandbox_limits as limits
from .errors import ScriptLimitExceeded, ScriptRejected

Mode = Literal["eval", "exec"]

# Builtins offered as they are (they only read or build bounded values lazily).
PLAIN_BUILTINS = ("abs", "all", "any", "bool", "enumerate", "float", "int", "isinstance", "len", "max", "min",
                  "round", "zip")
# Builtins offered through a size-checking wrapper (they build values).
BUILDING_BUILTINS = ("dict", "list", "set", "sorted", "tuple")
OFFERED_BUILTINS = frozenset(PLAIN_BUILTINS + BUILDING_BUILTINS + ("range", "str", "sum", "True", "False", "None"))
# Python's other builtins are refused by name at compile time, so `type(x)` fails at deploy.
REFUSED_NAMES = frozenset(name for name in dir(builtins) if name not in OFFERED_BUILTINS)

# Value types task data may hold after a script has run.
DATA_TYPES = frozenset({dict, list, tuple, str, int, float, bool, type(None), date, datetime, time, timedelta})

_STRING_METHODS = frozenset({
    "capitalize", "casefold", "count", "endswith", "find", "index", "isalnum", "isalpha", "isdecimal", "isdigit",
    "islower", "isnumeric", "isspace", "istitle", "isupper", "join", "lower", "lstrip", "partition", "removeprefix",
    "removesuffix", "replace", "rfind", "rindex", "rpartition", "rsplit", "rstrip", "split", "splitlines",
    "startswith", "strip", "swapcase", "title", "upper"})
_DATE_ATTRIBUTES = frozenset({"year", "month", "day", "weekday", "isoweekday", "isoformat", "toordinal"})
_TIME_ATTRIBUTES = frozenset({"hour", "minute", "second", "microsecond", "isoformat"})
# What scripts may read or call on each value type; everything else is refused.
ALLOWED_ATTRIBUTES: dict[type, frozenset[str]] = {
    str: _STRING_METHODS,
    list: frozenset({"append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse",
                     "sort"}),
    dict: frozenset({"clear", "copy", "get", "items", "keys", "pop", "setdefault", "update", "values"}),
    tuple: frozenset({"count", "index"}),
    set: frozenset({"add", "copy", "difference", "discard", "intersection", "issubset", "issuperset", "remove",
                    "union"}),
    int: frozenset({"bit_length"}),
    float: frozenset({"is_integer"}),
    date: _DATE_ATTRIBUTES,
    datetime: _DATE_ATTRIBUTES | _TIME_ATTRIBUTES | frozenset({"date", "time"}),
    time: _TIME_ATTRIBUTES,
    timedelta: frozenset({"days", "seconds", "total_seconds"}),
}
_GUARDED_OPERATORS = {ast.Pow: "**", ast.Mult: "*", ast.LShift: "<<", ast.Add: "+", ast.Mod: "%"}


class KinerjaPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, stricter, and with the budget and size guards compiled in."""

    def _refuse(self, node: ast.AST, message: str) -> None:
        self.error(node, message)

    def visit_Import(self, node: ast.Import) -> None:
        self._refuse(node, "imports are not allowed")

    visit_ImportFrom = visit_Import  # type: ignore[assignment]

    def visit_FunctionDef(self, node: ast.AST) -> None:
        self._refuse(node, "defining functions or classes is not allowed")

    visit_Lambda = visit_ClassDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Yield(self, node: ast.AST) -> None:
        self._refuse(node, "generators (yield) are not allowed")

    visit_YieldFrom = visit_Yield  # type: ignore[assignment]

    def visit_Try(self, node: ast.AST) -> None:
        self._refuse(node, "try/except is not allowed: a script may not catch the sandbox's own errors")

    visit_TryStar = visit_Try  # type: ignore[assignment]

    def visit_With(self, node: ast.AST) -> None:
        self._refuse(node, "with statements are not allowed")

    def visit_Global(self, node: ast.AST) -> None:
        self._refuse(node, "global/nonlocal statements are not allowed")

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id.startswith("_"):
            self._refuse(node, f"names starting with '_' are not allowed ({node.id})")
            return node
        if node.id in REFUSED_NAMES:
            self._refuse(node, f"'{node.id}' is not allowed")
            return node
        return super().visit_Name(node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr.startswith("_"):
            self._refuse(node, f"attributes starting with '_' are not allowed (.{node.attr})")
            return node
        if not isinstance(node.ctx, ast.Load):
            self._refuse(node, f"setting or deleting attributes is not allowed (.{node.attr})")
            return node
        if node.attr in ("format", "format_map"):
            # Format strings reach attributes by name ("{0.__class__}") and allocate by spec.
            self._refuse(node, f"'.{node.attr}' is not allowed; use an f-string")
            return node
        return super().visit_Attribute(node)

    def visit_Module(self, node: ast.Module) -> Any:
        return ast.fix_missing_locations(super().visit_Module(node))

    def visit_Expression(self, node: ast.Expression) -> Any:
        return ast.fix_missing_locations(super().visit_Expression(node))

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        key = _constant_string(node.slice)
        if key is not None and key.startswith("__"):
            # A dunder key built from pieces ('_' + '_builtins__') is what frame walks look up.
            self._refuse(node, f"keys starting with '__' are not allowed ({key[:40]})")
            return node
        return super().visit_Subscript(node)

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = super().visit_BinOp(node)
        symbol = _GUARDED_OPERATORS.get(type(node.op))
        if symbol is None:
            return node
        return _call("_binop_", node, ast.Constant(symbol), node.left, node.right)

    def visit_For(self, node: ast.For) -> Any:
        node = super().visit_For(node)
        node.body.insert(0, ast.Expr(_call("_tick_", node)))
        return node

    def visit_While(self, node: ast.While) -> Any:
        node = super().visit_While(node)
        node.body.insert(0, ast.Expr(_call("_tick_", node)))
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> Any:
        """f-strings become a size-checked join of their parts; format specs are refused."""
        node = super().visit_JoinedStr(node)
        parts: list[ast.expr] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                if part.format_spec is not None:
                    self._refuse(node, "format specs in f-strings ({value:...}) are not allowed")
                parts.append(_call("_fvalue_", part, part.value, ast.Constant(part.conversion)))
            else:
                parts.append(part)
        return _call("_fjoin_", node, *parts)


def _constant_string(node: ast.AST) -> Optional[str]:
    """The value of a string literal or a sum of string literals, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _constant_string(node.left), _constant_string(node.right)
        return left + right if left is not None and right is not None else None
    return None


def _call(function: str, where: ast.AST, *args: ast.expr) -> ast.Call:
    call = ast.Call(func=ast.Name(function, ast.Load()), args=list(args), keywords=[])
    return ast.copy_location(call, where) if hasattr(where, "lineno") else call


@lru_cache(maxsize=4096)
def _compile(source: str, mode: Mode) -> tuple[Optional[CodeType], Optional[str]]:
    """Compiled code for ``source``, or why it may not run. Cached: definitions repeat."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as error:
        return None, f"syntax error: {error.msg} (line {error.lineno})"
    compile_mode = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compile_mode(tree, filename="<script>", policy=KinerjaPolicy)
    if result.errors:
        return None, "; ".join(dict.fromkeys(_plain(error) for error in result.errors))
    return result.code, None


def _plain(error: str) -> str:
    """RestrictedPython's 'Line 1: message' as 'message' (and 'line 3: message' past line 1)."""
    line, _, message = error.partition(": ")
    return message if line == "Line 1" or not message else f"{line.lower()}: {message}"


def script_problem(source: str, mode: Mode) -> Optional[str]:
    """Why ``source`` may not run in the sandbox, or None if it may (deploy and run time)."""
    return _compile(source, mode)[1]


def compiled(source: str, mode: Mode) -> CodeType:
    code, problem = _compile(source, mode)
    if code is None:
        raise ScriptRejected(f"script rejected: {problem}", details={"source": source[:200]})
    return code


# -- run-time guards -----------------------------------------------------------------------


def _guarded_getattr(budget: limits.Budget, obj: Any, name: str, default: Any = None) -> Any:
    if name not in ALLOWED_ATTRIBUTES.get(type(obj), ()):
        raise ScriptRejected(f"script rejected: '.{name}' is not allowed on a {type(obj).__name__} value")
    if type(obj) is str and name == "join":
        return limits.guarded_join(budget, obj)
    if type(obj) is str and name == "replace":
        return limits.guarded_replace(budget, obj)
    attribute = safer_getattr(obj, name, default)
    if not callable(attribute):
        return attribute

    def call(*args: Any, **kwargs: Any) -> Any:
        result = attribute(*args, **kwargs)
        if isinstance(obj, (list, dict, set)) and len(obj) > limits.MAX_SEQUENCE_ITEMS:
            raise ScriptLimitExceeded(f"a {type(obj).__name__} would hold more than "
                                      f"{limits.MAX_SEQUENCE_ITEMS} items")
        return budget.built(result)
    return call


def _guarded_getitem(budget: limits.Budget, obj: Any, key: Any) -> Any:
    if isinstance(key, str) and key.startswith("__"):
        raise ScriptRejected(f"script rejected: the key '{key[:40]}' is not allowed")
    value = obj[key]
    return budget.built(value) if type(key) is slice else value


def _guarded_write(obj: Any) -> Any:
    """``_write_``: items of lists and dicts may be set (within the size limit); nothing else."""
    if type(obj) not in (list, dict):
        raise ScriptRejected(f"script rejected: a {type(obj).__name__} value cannot be changed")
    if len(obj) >= limits.MAX_SEQUENCE_ITEMS:
        raise ScriptLimitExceeded(f"a {type(obj).__name__} would hold more than {limits.MAX_SEQUENCE_ITEMS} items")
    return obj


def _guarded_sum(budget: limits.Budget, values: Any, start: Any = 0) -> Any:
    if type(start) not in (int, float):
        raise ScriptRejected("script rejected: sum() adds numbers only")
    return sum(budget.iterate(values), start)


def _building(budget: limits.Budget, constructor: Any, *args: Any, **kwargs: Any) -> Any:
    if args and not isinstance(args[0], (str, list, tuple, dict, set, range)):
        args = (list(budget.iterate(args[0])), *args[1:])
    result = constructor(*args, **kwargs)
    if len(result) > limits.MAX_SEQUENCE_ITEMS:
        raise ScriptLimitExceeded(f"the result would have {len(result)} items; the limit is "
                                  f"{limits.MAX_SEQUENCE_ITEMS}")
    return budget.built(result)


def _apply(function: Any, *args: Any, **kwargs: Any) -> Any:
    """``_apply_``: calls with ``*args``/``**kwargs`` (the callee is already guarded)."""
    return function(*args, **kwargs)


_PLAIN = {name: getattr(builtins, name) for name in PLAIN_BUILTINS}
_PLAIN["range"] = limits.bounded_range


def _scope(budget: limits.Budget) -> dict[str, Any]:
    """The globals one evaluation runs with: allow-listed builtins and the guards, bound to its budget."""
    offered = dict(_PLAIN)
    offered.update({name: partial(_building, budget, getattr(builtins, name)) for name in BUILDING_BUILTINS})
    offered["str"] = partial(limits.bounded_str, budget)
    offered["sum"] = partial(_guarded_sum, budget)
    return {
        "__builtins__": offered,
        "_getattr_": partial(_guarded_getattr, budget),
        "_getitem_": partial(_guarded_getitem, budget),
        "_getiter_": budget.iterate,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": _guarded_write,
        "_inplacevar_": partial(limits.inplace_op, budget),
        "_apply_": _apply,
        "_tick_": budget.tick,
        "_binop_": partial(limits.binary_op, budget),
        "_fvalue_": limits.format_value,
        "_fjoin_": partial(limits.join_fstring, budget),
    }


_GUARD_NAMES = frozenset(_scope(limits.Budget()))


def check_data_value(name: str, value: Any) -> None:
    """Refuse a value task data may not hold: an unknown type, a non-finite float, too many items."""
    seen, stack = 0, [value]
    while stack:
        item = stack.pop()
        seen += 1
        if seen > limits.MAX_TOTAL_ITEMS:
            raise ScriptLimitExceeded(f"'{name}' would hold more than {limits.MAX_TOTAL_ITEMS} values")
        kind = type(item)
        if kind not in DATA_TYPES:
            raise ScriptRejected(f"script rejected: '{name}' would hold a {kind.__name__} value; task data may "
                                 "hold only dicts, lists, strings, numbers, booleans, None and dates")
        if kind is float and not math.isfinite(item):
            raise ScriptRejected(f"script rejected: '{name}' would hold {item!r}; numbers must be finite")
        if kind is dict:
            if any(type(key) not in (str, int) for key in item):
                raise ScriptRejected(f"script rejected: '{name}' has a key that is not a string or an integer")
            stack.extend(item.values())
        elif kind in (list, tuple):
            stack.extend(item)


class RestrictedEnvironment(TaskDataEnvironment):
    """Spiff's task-data environment, running everything through the sandbox above."""

    def __init__(self) -> None:
        super().__init__({})

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: Optional[dict[str, Any]] = None) -> Any:
        code = compiled(expression, "eval")
        scope = {**(external_context or {}), **context, **_scope(limits.Budget())}
        result = eval(code, scope)
        check_data_value("the result", result)
        return result

    def execute(self, script: str, context: dict[str, Any],
                external_context: Optional[dict[str, Any]] = None) -> bool:
        code = compiled(script, "exec")
        external = external_context or {}
        scope = {**external, **context, **_scope(limits.Budget())}
        exec(code, scope)
        data = {key: value for key, value in scope.items() if key not in _GUARD_NAMES and key not in external}
        for key, value in data.items():
            check_data_value(key, value)
        # Only now, with every value checked, does the task's data change.
        context.clear()
        context.update(data)
        return True


def restricted_script_engine() -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment())
