"""The predikat-distribution report: per unit and for the organisation, the unit's result, the
distribution pattern it fixes (the deployed DMN table ``kurva_distribusi``, see
:mod:`engine.distribution`), the actual shares of the annual predikat, the violations and
the calibrations made (:mod:`engine.calibration`).

The report is a snapshot HR asks for (the report flow computes and stores it with its CSV
and chart); the calibration page is the live view of the same figures. The organisation's
row sums its units: the regulation fixes a pattern per unit, so the organisation as a
whole has counts, shares, units that break their pattern and calibrations, not a pattern
of its own.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from .actors import Actor, actor_name
from .calibration_state import UnitState, unit_states
from .cycles import cycle_for
from .distribution import shares
from .errors import NotFound
from .evaluation_tables import PREDIKATS
from .kinerja import Kinerja
from .models import AuditEvent, CycleReport
from .permissions import RUN_CYCLES


def request_report(kinerja: Kinerja, actor: Actor, cycle_id: int) -> None:
    """Ask for a new distribution report of the cycle (HR of its organisation); the report
    flow (``workflows/reports.py``) computes and stores it."""
    with kinerja.unit_of_work() as uow:
        cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        uow.record(actor_name(actor), "report.requested", {"cycle_id": cycle_id})
        uow.commit()


PENDING_WINDOW = timedelta(minutes=10)  # how long a requested report is waited for


def report_pending(kinerja: Kinerja, actor: Actor, cycle_id: int) -> bool:
    """Whether a report HR asked for in the last :data:`PENDING_WINDOW` is not stored yet (the
    cycle page then refreshes itself until it is; a flow that died stops counting after it)."""
    with kinerja.reading() as uow:
        cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        since = uow.clock.now() - PENDING_WINDOW
        asked = [event.occurred_at for event in uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "report.requested", AuditEvent.occurred_at >= since)
            .order_by(AuditEvent.seq.desc()).limit(50)) if (event.data or {}).get("cycle_id") == cycle_id]
        if not asked:
            return False
        latest = uow.session.scalars(select(CycleReport).where(CycleReport.cycle_id == cycle_id)
                                     .order_by(CycleReport.id.desc()).limit(1)).first()
        return latest is None or latest.created_at < asked[0]


def predikat_distribution(kinerja: Kinerja, actor: Actor, cycle_id: int) -> list[dict[str, Any]]:
    """Per unit of the cycle's organisation (HR): its report row (see :meth:`UnitState.as_row`)."""
    with kinerja.reading() as uow:
        cycle = cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        states: list[UnitState] = unit_states(kinerja, uow.session, cycle)
    return [state.as_row() for state in states]


def organisation_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The organisation's totals over its units' rows (a report stored before the distribution
    table has quota ``flags`` instead of violations, and no unit results)."""
    counts = {p: sum(row["counts"].get(p, 0) for row in rows) for p in PREDIKATS}
    return {"units": len(rows), "employees": sum(row["employees"] for row in rows),
            "rated": sum(counts.values()), "counts": counts, "shares": shares(counts),
            "units_breaking_pattern": sum(1 for row in rows if row.get("violations", row.get("flags"))),
            "units_without_result": sum(1 for row in rows if row.get("unit_result") is None),
            "calibrations": sum(len(row.get("calibrations", [])) for row in rows)}


def save_report(kinerja: Kinerja, actor: Actor, cycle_id: int, units: list[dict[str, Any]],
                csv: str, png: bytes) -> int:
    """Store a report with its exports (audited); return its id."""
    with kinerja.unit_of_work() as uow:
        cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        report = CycleReport(cycle_id=cycle_id, requested_by=actor_name(actor), created_at=uow.clock.now(),
                             units=len(units),
                             flagged_units=sum(1 for unit in units if unit["violations"]),
                             rows=units, csv=csv, png=png)
        uow.session.add(report)
        uow.flush()
        uow.record(actor_name(actor), "report.created", {"cycle_id": cycle_id, "report_id": report.id,
                                                         "units": report.units,
                                            "flagged_units": report.flagged_units,
                                            "flagged": {u["unit_code"]: u["violations"]
                                                        for u in units if u["violations"]}})
        uow.commit()
        return report.id


def cycle_reports(kinerja: Kinerja, actor: Actor, cycle_id: int) -> list[dict[str, Any]]:
    """The cycle's reports, newest first, without their exports, each with its organisation's totals."""
    with kinerja.reading() as uow:
        cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        return [{"id": r.id, "requested_by": r.requested_by, "created_at": r.created_at, "units": r.units,
                 "flagged_units": r.flagged_units, "rows": r.rows, "organisation": organisation_row(r.rows)}
                for r in uow.session.scalars(select(CycleReport).where(CycleReport.cycle_id == cycle_id)
                                             .order_by(CycleReport.id.desc()))]


def report_export(kinerja: Kinerja, actor: Actor, report_id: int) -> tuple[int, str, bytes]:
    """A report's cycle id, CSV and PNG chart."""
    with kinerja.reading() as uow:
        report = uow.session.get(CycleReport, report_id)
        if report is None:
            raise NotFound(f"report {report_id} does not exist")
        try:
            cycle_for(uow.session, actor, report.cycle_id, RUN_CYCLES)
        except NotFound:
            raise NotFound(f"report {report_id} does not exist") from None
        return report.cycle_id, report.csv, report.png
