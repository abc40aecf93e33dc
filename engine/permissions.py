"""Who may do what, by role: the one table every door asks.

Each use case that needs a role names one :class:`Permission` from here and checks it
through :func:`engine.access.authorise`; the REST API and the pages ask the same object
before parsing a request (so a refused caller learns nothing from validation errors) and
the OpenAPI document lists its roles. Finer rules that need data (the task's holder, the
employee's supervisors, the caller's own organisation) live in :mod:`engine.access` and
:mod:`engine.assignment`. docs/ARCHITECTURE.md ("Refusals") says when a refusal is a 404
and when a 403.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .assignment import ROLE_AUDITOR, ROLE_HR, ROLE_PPK
from .errors import Forbidden


@dataclass(frozen=True)
class Permission:
    key: str  # its name in a user profile's ``allowed`` (the navigation asks it)
    action: str  # what it allows, as the refusal tells it
    roles: frozenset[str]

    def check(self, roles: Iterable[str]) -> None:
        """Refuse (403) a caller who has none of the roles."""
        if not self.roles & set(roles):
            raise Forbidden(f"{self.action} needs one of the roles: {', '.join(sorted(self.roles))}",
                            details={"reason": "role_required", "roles": sorted(self.roles)})


READ_DEFINITIONS = Permission("read_definitions", "reading the process library",
                              frozenset({ROLE_HR, ROLE_PPK, ROLE_AUDITOR}))
CHANGE_DEFINITIONS = Permission("change_definitions", "deploying definitions and moving running instances",
                                frozenset({ROLE_HR}))
RUN_CYCLES = Permission("run_cycles", "opening and following the organisation's cycles", frozenset({ROLE_HR}))
READ_CYCLES = Permission("read_cycles", "reading a cycle's progress", frozenset({ROLE_HR, ROLE_PPK, ROLE_AUDITOR}))
CALIBRATE = Permission("calibrate", "setting units' results and calibrating their predikat",
                       frozenset({ROLE_HR, ROLE_PPK}))
AUDIT = Permission("audit", "the audit views", frozenset({ROLE_AUDITOR}))
MANAGE_INCIDENTS = Permission("manage_incidents", "seeing, retrying and cancelling failed steps", frozenset({ROLE_HR}))
IMPORT_ORGANISATION = Permission("import_organisation", "importing the organisation's employees and units",
                                 frozenset({ROLE_HR}))
MANAGE_STAFFING = Permission("manage_staffing", "recording transfers, leavings and acting officials",
                             frozenset({ROLE_HR}))
ALL = (READ_DEFINITIONS, CHANGE_DEFINITIONS, RUN_CYCLES, READ_CYCLES, CALIBRATE, AUDIT, MANAGE_INCIDENTS,
       IMPORT_ORGANISATION, MANAGE_STAFFING)


def allowed_by(roles: Iterable[str]) -> frozenset[str]:
    """The keys of the permissions these roles hold."""
    held = set(roles)
    return frozenset(permission.key for permission in ALL if permission.roles & held)
