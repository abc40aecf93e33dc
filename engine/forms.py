"""Validating submitted form data against the JSON Schema the task's form carries.

Forms are deployed with the processes (``bpmn/forms/<form key>.json``), so HR can change
a form together with the BPMN that uses it, and validation happens before any data
reaches the workflow. Every text has a maximum length: the form's own ``maxLength``, else
:data:`DEFAULT_MAX_TEXT_LENGTH`, added when the form is loaded (:func:`with_text_limits`),
so pages, the API and the validation all see the same limit.
"""
from __future__ import annotations

import reprlib
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from . import json_limits
from .errors import ValidationFailed

DEFAULT_MAX_TEXT_LENGTH = 5000  # characters of a text field whose schema names no maxLength
_FORMAT_CHECKER = FormatChecker()
_VALIDATORS: dict[int, Draft202012Validator] = {}  # by id of the schema
_DRAFT_SCHEMAS: dict[int, tuple[Any, Any]] = {}  # by id of the form schema: (that schema, its draft_schema)
_MAX_CACHED_VALIDATORS = 512  # forms of many deployments; past this the cache starts over
# Subschemas that describe values which are stored (a limit there only ever refuses more):
# not "not", "if" or "contains", where adding a limit would change what else is accepted.
_ONE_SCHEMA = ("items", "additionalProperties", "then", "else", "unevaluatedItems", "unevaluatedProperties")
_SCHEMA_LISTS = ("prefixItems", "allOf", "anyOf", "oneOf")
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_VALUE_REPR = reprlib.Repr()
_VALUE_REPR.maxstring = _VALUE_REPR.maxother = 60


def with_text_limits(schema: Any) -> Any:
    """A copy of ``schema`` where every subschema that may hold text has a ``maxLength``.

    ``maxLength`` only constrains strings, so adding it to a subschema of another (or no)
    type changes nothing else. The schema must be bounded in depth (``json_limits``)."""
    if not isinstance(schema, dict):
        return schema
    limited = dict(schema)
    if _may_be_text(schema):
        limited.setdefault("maxLength", DEFAULT_MAX_TEXT_LENGTH)
    for key in _ONE_SCHEMA:
        if key in schema:
            limited[key] = with_text_limits(schema[key])
    for key in _SCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            limited[key] = [with_text_limits(sub) for sub in schema[key]]
    for key in _SCHEMA_MAPS:
        if isinstance(schema.get(key), dict):
            limited[key] = {name: with_text_limits(sub) for name, sub in schema[key].items()}
    return limited


def draft_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` that a half-filled form satisfies: nothing is required and no
    list or text has a minimum, while types, choices and maximums still hold. Drafts (an
    SKP saved to finish later) are checked against it; submitting checks the full schema.

    Made once per form schema (like its validator), not at every save."""
    cached = _DRAFT_SCHEMAS.get(id(schema))
    if cached is None or cached[0] is not schema:
        if len(_DRAFT_SCHEMAS) >= _MAX_CACHED_VALIDATORS:
            _DRAFT_SCHEMAS.clear()
        cached = _DRAFT_SCHEMAS[id(schema)] = (schema, _without_minimums(schema))
    return cached[1]


def _without_minimums(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_without_minimums(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {key: _without_minimums(value) if key not in ("enum", "const", "default") else value
            for key, value in schema.items() if key not in ("required", "minItems", "minLength", "minProperties")}


def _may_be_text(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return "string" in kinds or (kind is None and "enum" not in schema and "const" not in schema
                                 and "$ref" not in schema)


def validate_form_data(form_key: str, schema: dict[str, Any], data: Any) -> dict[str, Any]:
    """Return ``data`` if it satisfies the form, else raise with one message per field."""
    if not isinstance(data, dict):
        raise ValidationFailed("form data must be a JSON object",
                               details=[{"field": None, "message": "expected an object"}])
    findings = json_limits.inspect(data)
    if not findings.ok:
        details = [{"field": path or None, "message": "not a finite number"} for path in findings.number_paths] \
            or [{"field": None, "message": f"nested deeper than {json_limits.MAX_DEPTH} levels"}]
        raise ValidationFailed(f"form '{form_key}' is not filled in correctly: {details[0]['message']}",
                               details=details)
    errors = sorted(_validator(schema).iter_errors(data), key=lambda error: list(map(str, error.absolute_path)))
    if errors:
        details = [{"field": ".".join(map(str, error.absolute_path)) or None, "message": _message(error)}
                   for error in errors]
        raise ValidationFailed(f"form '{form_key}' is not filled in correctly: {details[0]['message']}",
                               details=details)
    return data


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    """The validator of a form schema, built once: schemas live as long as their deployment's
    cached definitions, and a cached validator keeps its schema alive, so its id stays its own."""
    validator = _VALIDATORS.get(id(schema))
    if validator is None or validator.schema is not schema:
        if len(_VALIDATORS) >= _MAX_CACHED_VALIDATORS:
            _VALIDATORS.clear()
        validator = _VALIDATORS[id(schema)] = Draft202012Validator(schema, format_checker=_FORMAT_CHECKER)
    return validator


def _message(error: ValidationError) -> str:
    """jsonschema's message, with the offending value abbreviated (a 10 MB text is not echoed)."""
    full = repr(error.instance)
    if len(full) > 80 and error.message.startswith(full):
        return _VALUE_REPR.repr(error.instance) + error.message[len(full):]
    return error.message
