"""Citizen feedback: turning a complaint into a follow-up process for the unit head."""
from __future__ import annotations

from typing import Any

from engine.feedback import open_follow_up

from ..engine_access import kinerja
from .common import ID, caller, operation, protected_blueprint
from .schemas import FollowUpSchema

blueprint = protected_blueprint("feedback", __name__, "/api/v1/feedback", "Citizen feedback")


@blueprint.route(f"/<{ID}:feedback_id>/follow-up", methods=["POST"])
@operation(blueprint, errors=(403, 404, 409))
@blueprint.response(201, FollowUpSchema)
def follow_up(feedback_id: int) -> dict[str, Any]:
    """Start the complaint follow-up process (HR or the unit's head): the unit head answers
    within 5 days, else the head's supervisor. Once per feedback (409 after)."""
    return {"instance_id": open_follow_up(kinerja(), caller().username, feedback_id)}
