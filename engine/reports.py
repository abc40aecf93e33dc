"""The distribution curve (kurva distribusi): each unit's predikat shares against quotas.

Quotas are the *largest* share of a unit's rated employees that may receive a predikat,
and they depend on the unit's own performance rating (a unit rated ``ISTIMEWA`` may give
more "Sangat Baik" than one rated ``KURANG``). They are cycle configuration: the cycle's
``settings["distribution_quotas"]`` overrides :data:`DEFAULT_DISTRIBUTION` key by key.
A unit over a quota is flagged for calibration by HR, never corrected silently.

The defaults below are a starting point for HR to adjust, not a quotation of a regulation.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from .actors import Actor, actor_name
from .cycles import cycle_for
from .errors import NotFound
from .kinerja import Kinerja
from .models import CycleReport, Employee, ProcessInstance, Unit
from .permissions import RUN_CYCLES

PREDIKATS = ("SANGAT_BAIK", "BAIK", "BUTUH_PERBAIKAN", "KURANG", "SANGAT_KURANG")
UNIT_RATINGS = ("ISTIMEWA", "BAIK", "BUTUH_PERBAIKAN", "KURANG", "SANGAT_KURANG")

DEFAULT_DISTRIBUTION: dict[str, Any] = {
    "default_unit_rating": "BAIK",
    "unit_ratings": {},  # unit code → its performance rating this year
    "quotas": {  # unit rating → predikat → maximum share (predikats not named: no limit)
        "ISTIMEWA": {"SANGAT_BAIK": 0.20},
        "BAIK": {"SANGAT_BAIK": 0.10},
        "BUTUH_PERBAIKAN": {"SANGAT_BAIK": 0.05, "BAIK": 0.70},
        "KURANG": {"SANGAT_BAIK": 0.0, "BAIK": 0.50},
        "SANGAT_KURANG": {"SANGAT_BAIK": 0.0, "BAIK": 0.30},
    },
}


@dataclass(frozen=True)
class UnitDistribution:
    unit_code: str
    unit_name: str
    unit_rating: str
    employees: int  # with an instance in the cycle
    rated: int  # with a predikat so far
    counts: dict[str, int]
    shares: dict[str, float]
    quotas: dict[str, float]
    flags: list[str]  # predikats whose share exceeds the quota

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


def distribution_settings(cycle_settings: dict[str, Any]) -> dict[str, Any]:
    configured = (cycle_settings or {}).get("distribution_quotas") or {}
    return {**DEFAULT_DISTRIBUTION, **configured,
            "quotas": {**DEFAULT_DISTRIBUTION["quotas"], **configured.get("quotas", {})}}


def request_report(kinerja: Kinerja, actor: Actor, cycle_id: int) -> None:
    """Ask for a new distribution report of the cycle (HR of its organisation); the report
    flow (``workflows/reports.py``) computes and stores it."""
    with kinerja.unit_of_work() as uow:
        cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        uow.record(actor_name(actor), "report.requested", {"cycle_id": cycle_id})
        uow.commit()


def predikat_distribution(kinerja: Kinerja, actor: Actor, cycle_id: int) -> list[UnitDistribution]:
    """Per unit of the cycle's organisation: predikat counts and shares, quotas and flags.

    Reads the predikat from each instance's summary (no workflow is deserialized).
    """
    with kinerja.reading() as uow:
        cycle = cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        config = distribution_settings(cycle.settings)
        rows = uow.session.execute(
            select(Unit.code, Unit.name, ProcessInstance.summary)
            .join(Employee, Employee.unit_id == Unit.id)
            .join(ProcessInstance, ProcessInstance.subject_employee_id == Employee.id)
            .where(ProcessInstance.cycle_id == cycle_id).order_by(Unit.code)).all()
    units: dict[tuple[str, str], Counter[str]] = {}
    employees: Counter[str] = Counter()
    for code, name, summary in rows:
        counts = units.setdefault((code, name), Counter())
        employees[code] += 1
        predikat = (summary or {}).get("predikat")
        if predikat in PREDIKATS:
            counts[predikat] += 1
    result = []
    for (code, name), counts in units.items():
        rating = config["unit_ratings"].get(code, config["default_unit_rating"])
        quotas = dict(config["quotas"].get(rating, {}))
        rated = sum(counts.values())
        shares = {p: round(counts[p] / rated, 4) if rated else 0.0 for p in PREDIKATS}
        flags = [p for p, limit in quotas.items() if rated and shares.get(p, 0.0) > limit]
        result.append(UnitDistribution(code, name, rating, employees[code], rated,
                                       {p: counts[p] for p in PREDIKATS}, shares, quotas, flags))
    return result


def save_report(kinerja: Kinerja, actor: Actor, cycle_id: int, units: list[UnitDistribution],
                csv: str, png: bytes) -> int:
    """Store a report with its exports (audited); return its id."""
    with kinerja.unit_of_work() as uow:
        cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        report = CycleReport(cycle_id=cycle_id, requested_by=actor_name(actor), created_at=uow.clock.now(),
                             units=len(units),
                             flagged_units=sum(1 for unit in units if unit.flags),
                             rows=[unit.as_row() for unit in units], csv=csv, png=png)
        uow.session.add(report)
        uow.flush()
        uow.record(actor_name(actor), "report.created", {"cycle_id": cycle_id, "report_id": report.id,
                                                         "units": report.units,
                                            "flagged_units": report.flagged_units,
                                            "flagged": {u.unit_code: u.flags for u in units if u.flags}})
        uow.commit()
        return report.id


def cycle_reports(kinerja: Kinerja, actor: Actor, cycle_id: int) -> list[dict[str, Any]]:
    """The cycle's reports, newest first, without their exports."""
    with kinerja.reading() as uow:
        cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        return [{"id": r.id, "requested_by": r.requested_by, "created_at": r.created_at, "units": r.units,
                 "flagged_units": r.flagged_units, "rows": r.rows}
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
