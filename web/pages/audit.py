"""The auditor's pages (Inspektorat): search, an instance's timeline with its diagram and
decisions, the integrity check, exports and a printable report per employee.

Read-only like every auditor view; the engine checks the auditor role and logs the reads.

=========================================  ==============================================
``GET /audit``                             search (employee, unit, cycle, actor, action,
                                           dates, predikat), 50 events a page
``GET /audit/instances/<id>``              timeline (``?action=&actor=&element=``), diagram,
                                           decisions with their tables
``GET /audit/instances/<id>/export.<fmt>`` the instance's events, ``csv`` or ``json``
``GET /audit/cycles/<id>/export.<fmt>``    a cycle's events, streamed
``GET /audit/employees/<nip>/report``      printable report of one employee's instances
``GET /audit/verify``                      verify the hash chain and its checkpoints
=========================================  ==============================================
"""
from __future__ import annotations

from typing import Any, Optional

from flask import g, render_template, request
from marshmallow import ValidationError

from engine.audit_trail import (
    EXPORT_FORMATS,
    TimelineFilter,
    employee_report,
    export_events,
    instance_audit,
    search_events,
)
from engine.audit_verification import verify_audit_chain
from engine.deployment import element_names
from engine.evaluations import annual_evaluation_of, list_evaluations

from ..api.schemas import AuditSearchQuerySchema
from ..audit_support import audit_query, export_response
from ..auth import current_username, login_required
from ..engine_access import kinerja
from ..forms import N_, enum_label, task_name, tr
from .common import blueprint

PAGE_SIZE = 50
FORMATS = ", ".join(EXPORT_FORMATS)  # the export formats, as a route converter's choices
ACTION_LABELS = {
    "instance.started": N_("Proses dimulai"),
    "instance.completed": N_("Proses selesai"),
    "instance.migrated": N_("Dipindahkan ke versi proses lain"),
    "task.created": N_("Tugas dibuat"),
    "task.claimed": N_("Tugas diambil"),
    "task.unclaimed": N_("Tugas dikembalikan ke kelompok"),
    "task.delegated": N_("Tugas dialihkan"),
    "task.completed": N_("Tugas diselesaikan"),
    "task.cancelled": N_("Tugas dibatalkan"),
    "timer.scheduled": N_("Pengatur waktu dijadwalkan"),
    "timer.fired": N_("Pengatur waktu berjalan (eskalasi/batas waktu)"),
    "decision.evaluated": N_("Keputusan DMN dievaluasi"),
    "definitions.deployed": N_("Definisi proses dipasang"),
    "cycle.opened": N_("Siklus dibuka"),
    "cycle.tunjangan_set": N_("Persentase tunjangan kinerja diubah"),
    "audit.viewed": N_("Dilihat auditor"),
}


def action_label(action: str) -> str:
    return tr(ACTION_LABELS[action]) if action in ACTION_LABELS else action


def _optional(name: str) -> Optional[str]:
    return (request.args.get(name) or "").strip() or None


def element_name(element_id: str) -> str:
    """An element of the audit trail by its name in the deployed diagram (a business rule task
    as "Tentukan predikat periode", not its id), the names read once per request."""
    if "element_names" not in g:
        g.element_names = element_names(kinerja(), current_username())
    return task_name(element_id, g.element_names.get(element_id))


@blueprint.app_context_processor
def _audit_helpers() -> dict[str, Any]:
    return {"action_label": action_label, "enum_label": enum_label, "task_name": task_name,
            "element_name": element_name}


@blueprint.get("/audit")
@login_required
def audit_search():  # type: ignore[no-untyped-def]
    arguments = {key: value.strip() for key, value in request.args.items() if value.strip()}
    errors: dict[str, Any] = {}
    try:
        values = AuditSearchQuerySchema().load({**arguments, "limit": PAGE_SIZE})
    except ValidationError as error:
        errors, values = error.messages, {"limit": PAGE_SIZE, "offset": 0}  # type: ignore[assignment]
    results = search_events(kinerja(), current_username(), audit_query(values))
    return render_template("audit_search.html", args=arguments, errors=errors, results=results,
                           actions=sorted(ACTION_LABELS), predikats=("SANGAT_BAIK", "BAIK", "BUTUH_PERBAIKAN",
                                                                     "KURANG", "SANGAT_KURANG"))


@blueprint.get("/audit/instances/<int:instance_id>")
@login_required
def audit_instance(instance_id: int):  # type: ignore[no-untyped-def]
    filters = TimelineFilter(action=_optional("action"), actor=_optional("actor"), element=_optional("element"))
    audit = instance_audit(kinerja(), current_username(), instance_id, filters)
    return render_template("audit_instance.html", audit=audit, filters=filters,
                           filtering=any(vars(filters).values()), evaluations=_evaluations(audit))


def _evaluations(audit: Any) -> list[Any]:
    """The employee's rated evaluations of the instance's cycle, each with its document."""
    cycle_id, nip = audit.instance.cycle_id, (audit.employee or {}).get("nip")
    if cycle_id is None or not nip:
        return []
    username = current_username()
    rated = [period for period in list_evaluations(kinerja(), username, cycle_id, nip) if period.evaluation_id]
    annual = annual_evaluation_of(kinerja(), username, cycle_id, nip)
    return rated + ([annual] if annual else [])


@blueprint.get(f"/audit/instances/<int:instance_id>/export.<any({FORMATS}):output_format>")
@login_required
def audit_instance_export(instance_id: int, output_format: str):  # type: ignore[no-untyped-def]
    events = export_events(kinerja(), current_username(), instance_id=instance_id)
    return export_response(events, output_format, f"audit-instance-{instance_id}")


@blueprint.get(f"/audit/cycles/<int:cycle_id>/export.<any({FORMATS}):output_format>")
@login_required
def audit_cycle_export(cycle_id: int, output_format: str):  # type: ignore[no-untyped-def]
    events = export_events(kinerja(), current_username(), cycle_id=cycle_id)
    return export_response(events, output_format, f"audit-cycle-{cycle_id}")


@blueprint.get("/audit/employees/<nip>/report")
@login_required
def audit_report(nip: str):  # type: ignore[no-untyped-def]
    report = employee_report(kinerja(), current_username(), nip)
    return render_template("audit_report.html", report=report, printed_at=kinerja().clock.now())


@blueprint.get("/audit/verify")
@login_required
def audit_verify():  # type: ignore[no-untyped-def]
    return render_template("audit_verify.html", result=verify_audit_chain(kinerja(), current_username()))
