"""The caller's notifications and their settings (what to receive, how email arrives)."""
from __future__ import annotations

from typing import Any

from engine.notifications import list_notifications, mark_read, preferences_of, set_preferences, unread_count

from ..engine_access import kinerja
from .common import ID, caller, operation, protected_blueprint
from .schemas import MarkedReadSchema, NotificationListSchema, NotificationPreferencesSchema, NotificationQuerySchema

blueprint = protected_blueprint("notifications", __name__, "/api/v1/notifications", "The caller's notifications")


@blueprint.route("", methods=["GET"])
@operation(blueprint)
@blueprint.arguments(NotificationQuerySchema, location="query")
@blueprint.response(200, NotificationListSchema)
def list_(query: dict[str, Any]) -> dict[str, Any]:
    """The caller's messages, newest first, and how many are unread."""
    username = caller().username
    return {"items": list_notifications(kinerja(), username, query["limit"], unread_only=query["unread"]),
            "unread": unread_count(kinerja(), username)}


@blueprint.route(f"/<{ID}:notification_id>/read", methods=["POST"])
@operation(blueprint, errors=(404,))
@blueprint.response(200, MarkedReadSchema)
def read(notification_id: int) -> dict[str, int]:
    """Mark one of the caller's messages read (404 for anyone else's)."""
    return {"marked": mark_read(kinerja(), caller().username, notification_id)}


@blueprint.route("/read-all", methods=["POST"])
@operation(blueprint)
@blueprint.response(200, MarkedReadSchema)
def read_all() -> dict[str, int]:
    """Mark all the caller's messages read."""
    return {"marked": mark_read(kinerja(), caller().username)}


@blueprint.route("/preferences", methods=["GET"])
@operation(blueprint)
@blueprint.response(200, NotificationPreferencesSchema)
def preferences() -> Any:
    """What the caller receives and how email arrives."""
    return _dump(preferences_of(kinerja(), caller().username))


@blueprint.route("/preferences", methods=["PUT"])
@operation(blueprint, errors=(422,))
@blueprint.arguments(NotificationPreferencesSchema)
@blueprint.response(200, NotificationPreferencesSchema)
def update_preferences(body: dict[str, Any]) -> Any:
    """Replace the caller's settings; they apply to messages queued from now on."""
    return _dump(set_preferences(kinerja(), caller().username, body["muted_kinds"], body["email_delivery"],
                                 body.get("email")))


def _dump(preferences: Any) -> dict[str, Any]:
    return {"email": preferences.email, "muted_kinds": sorted(preferences.muted_kinds),
            "email_delivery": preferences.email_delivery}
