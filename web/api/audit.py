"""Verifying the hash-chained audit log (auditors)."""
from __future__ import annotations

from typing import Any

from engine.assignment import ROLE_AUDITOR

from .common import engine, operation, protected_blueprint
from .schemas import VerificationSchema

blueprint = protected_blueprint("audit", __name__, "/api/v1/audit", "Audit log")


@blueprint.route("/verify", methods=["GET"])
@operation(blueprint, roles=(ROLE_AUDITOR,))
@blueprint.response(200, VerificationSchema)
def verify() -> Any:
    """Recompute the whole chain; ``ok`` is false with the first altered, missing or truncated event."""
    return engine().verify_audit_chain()
