"""The user's notifications: the list behind the bell, marking read, and the settings of
what to receive and how email arrives (immediately, in a daily digest, or not at all)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import ValidationFailed
from engine.notification_groups import grouped_notifications
from engine.notifications import EMAIL_DELIVERIES, KINDS, mark_read, preferences_of, set_preferences

from ..auth import current_username, login_required
from ..engine_access import kinerja
from ..forms import task_name
from .common import blueprint, safe_next

PAGE_SIZE = 100


def kind_labels() -> dict[str, str]:
    return {"task_assigned": _("Tugas baru untuk saya atau kelompok saya"),
            "due_soon": _("Tugas segera jatuh tempo (sehari sebelumnya)"),
            "overdue": _("Tugas melewati batas waktu"),
            "escalated": _("Tugas saya dieskalasi karena batas waktu terlewati"),
            "decision_made": _("Keputusan tentang saya (predikat, tindak lanjut)")}


def delivery_labels() -> dict[str, str]:
    return {"immediate": _("Segera, satu email per pemberitahuan"),
            "daily": _("Ringkasan harian (pukul 07.00 WIB)"),
            "off": _("Tanpa email, hanya di aplikasi")}


@blueprint.get("/notifications")
@login_required
def notifications():  # type: ignore[no-untyped-def]
    groups = grouped_notifications(kinerja(), current_username(), limit=PAGE_SIZE)
    return render_template("notifications.html", groups=groups, page_size=PAGE_SIZE, task_name=task_name)


@blueprint.post("/notifications/<int:notification_id>/read")
@login_required
def notification_read(notification_id: int):  # type: ignore[no-untyped-def]
    mark_read(kinerja(), current_username(), notification_id)
    return redirect(safe_next(url_for("pages.notifications")), code=303)


@blueprint.post("/notifications/read-all")
@login_required
def notifications_read_all():  # type: ignore[no-untyped-def]
    mark_read(kinerja(), current_username())
    flash(_("Semua pemberitahuan ditandai sudah dibaca."), "success")
    return redirect(url_for("pages.notifications"), code=303)


@blueprint.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def notification_settings():  # type: ignore[no-untyped-def]
    username = current_username()
    errors: list[str] = []
    if request.method == "POST":
        muted = [kind for kind in KINDS if kind not in request.form.getlist("receive")]
        try:
            set_preferences(kinerja(), username, muted, request.form.get("email_delivery", ""),
                            request.form.get("email"))
        except ValidationFailed as refused:
            messages = {"email": _("Alamat email tidak valid."),
                        "email_delivery": _("Pilih cara pengiriman email."),
                        "muted_kinds": _("Jenis pemberitahuan tidak dikenal.")}
            errors = [messages.get(problem["location"], problem["message"]) for problem in refused.details]
        else:
            flash(_("Pengaturan pemberitahuan tersimpan."), "success")
            return redirect(url_for("pages.notification_settings"), code=303)
    return render_template("notification_settings.html", preferences=preferences_of(kinerja(), username),
                           kinds=kind_labels(), deliveries={key: delivery_labels()[key] for key in EMAIL_DELIVERIES},
                           errors=errors), 422 if errors else 200
