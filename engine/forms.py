"""Validating submitted form data against the JSON Schema the task's form carries.

Forms are deployed with the processes (``bpmn/forms/<form key>.json``), so HR can change
a form together with the BPMN that uses it, and validation happens before any data
reaches the workflow.
"""
from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from .errors import ValidationFailed

_FORMAT_CHECKER = FormatChecker()


def validate_form_data(form_key: str, schema: dict[str, Any], data: Any) -> dict[str, Any]:
    """Return ``data`` if it satisfies the form, else raise with one message per field."""
    if not isinstance(data, dict):
        raise ValidationFailed("form data must be a JSON object",
                               details=[{"field": None, "message": "expected an object"}])
    validator = Draft202012Validator(schema, format_checker=_FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(data), key=lambda error: list(map(str, error.absolute_path)))
    if errors:
        details = [{"field": ".".join(map(str, error.absolute_path)) or None, "message": error.message}
                   for error in errors]
        raise ValidationFailed(f"form '{form_key}' is not filled in correctly: {details[0]['message']}",
                               details=details)
    return data
