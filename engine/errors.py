"""Errors the service layer raises on purpose.

Each carries a stable ``code`` so the CLI and the web layer can map it to an exit status
or an HTTP status without parsing messages.
"""
from __future__ import annotations

from typing import Any


class KinerjaError(Exception):
    """Base class: a request the engine refuses, with a message meant for people."""

    code = "error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(KinerjaError):
    code = "not_found"


class Forbidden(KinerjaError):
    code = "forbidden"


class Conflict(KinerjaError):
    """The state changed under the caller (task already completed, concurrent update)."""

    code = "conflict"


class ValidationFailed(KinerjaError):
    """Input broke a rule; ``details`` lists the problems, each a dict with a location and a message."""

    code = "validation_failed"


class InvalidDefinition(ValidationFailed):
    """A BPMN/DMN/form file cannot be deployed; ``details`` names file, element id and problem."""

    code = "invalid_definition"


class ScriptRejected(KinerjaError):
    """A script or expression tried something the sandbox forbids."""

    code = "script_rejected"


class ProcessError(KinerjaError):
    """The process definition failed while running (a script error, no matching DMN rule).

    The step is rolled back; ``details`` names the BPMN element.
    """

    code = "process_error"


class ScriptLimitExceeded(ScriptRejected):
    """A script or expression ran past a limit: CPU time, allocations or the size of a value."""

    code = "script_limit_exceeded"


class Unavailable(KinerjaError):
    """The database cannot serve the request right now (unreachable, shutting down, locked past
    the busy timeout, disk full, read-only): nothing was changed, and the same request may
    succeed later. ``retry_after`` is the engine's hint in seconds; ``details.reason`` names
    the cause (:mod:`engine.availability`)."""

    code = "unavailable"

    def __init__(self, message: str, details: Any = None, retry_after: int = 5) -> None:
        super().__init__(message, details)
        self.retry_after = retry_after


class TooLarge(ValidationFailed):
    """Input past a size limit (an evidence file over ``KINERJA_EVIDENCE_MAX_BYTES``): 413,
    with the limit in the message and in ``details``."""

    code = "too_large"
