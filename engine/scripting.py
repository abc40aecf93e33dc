"""The sandbox for BPMN scripts, conditions, timer expressions and DMN entries.

SpiffWorkflow's default script engine runs any Python, including ``import os``; since HR
uploads definitions, that would be a back door. Here every piece of code is first checked
on its syntax tree (no imports, no dunder names or attributes, no dangerous builtins) and
then run with a small allow-list of builtins. The same check runs at deploy time, so a
bad definition is refused with its element id before it can reach a workflow.
"""
from __future__ import annotations

import ast
import builtins
from functools import lru_cache
from typing import Any, Literal, Optional

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .errors import ScriptRejected

SAFE_BUILTIN_NAMES = (
    "abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "len", "list", "max",
    "min", "range", "round", "set", "sorted", "str", "sum", "tuple", "zip", "isinstance",
    "True", "False", "None",
)
SAFE_BUILTINS = {name: getattr(builtins, name) for name in SAFE_BUILTIN_NAMES}

FORBIDDEN_NAMES = frozenset({
    "eval", "exec", "compile", "open", "input", "globals", "locals", "vars", "getattr",
    "setattr", "delattr", "breakpoint", "help", "memoryview", "type", "object", "super",
    "classmethod", "staticmethod", "property", "exit", "quit",
})

# Format strings can reach dunder attributes ("{0.__class__}") without an underscore name.
FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map"})

Mode = Literal["eval", "exec"]


@lru_cache(maxsize=4096)
def find_script_problem(source: str, mode: Mode) -> Optional[str]:
    """Why ``source`` may not run in the sandbox, or None if it may."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as error:
        return f"syntax error: {error.msg} (line {error.lineno})"
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return "imports are not allowed"
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            return "global/nonlocal statements are not allowed"
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return "defining functions or classes is not allowed"
        if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith, ast.Yield, ast.YieldFrom)):
            return "async code and generators are not allowed"
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                return f"names starting with '_' are not allowed ({node.id})"
            if node.id in FORBIDDEN_NAMES:
                return f"'{node.id}' is not allowed"
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            return f"attributes starting with '_' are not allowed (.{node.attr})"
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            return f"'.{node.attr}' is not allowed"
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("__"):
            return "strings naming dunder attributes are not allowed"
    return None


def check_script(source: str, mode: Mode) -> None:
    problem = find_script_problem(source, mode)
    if problem is not None:
        raise ScriptRejected(f"script rejected: {problem}", details={"source": source})


class RestrictedEnvironment(TaskDataEnvironment):
    """Task-data environment that checks code first and offers only safe builtins."""

    def __init__(self) -> None:
        super().__init__({"__builtins__": SAFE_BUILTINS})

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: Optional[dict[str, Any]] = None) -> Any:
        check_script(expression, "eval")
        return super().evaluate(expression, context, external_context)

    def execute(self, script: str, context: dict[str, Any],
                external_context: Optional[dict[str, Any]] = None) -> bool:
        check_script(script, "exec")
        return super().execute(script, context, external_context)


def restricted_script_engine() -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment())
