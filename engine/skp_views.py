"""What people read of an SKP version: the document with names instead of ids.

Built from the tables only (never from workflow data), so the same view serves the page,
the API, the approval task and, later, the printed document.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Cycle, Employee, Organisation, Unit, User
from .skp_content import content_of, differences, number_of
from .skp_rules import periods_of
from .skp_tables import OrganisationGoal, Rhk, Skp
from .texts import N_

# The BerAKHLAK core values with their guide behaviours (SE MenPANRB 20/2021).
BERAKHLAK_VALUES = {
    "berorientasi_pelayanan": (N_("Berorientasi Pelayanan"), N_(
        "Memahami dan memenuhi kebutuhan masyarakat; ramah, cekatan, solutif, dan dapat diandalkan; "
        "melakukan perbaikan tiada henti.")),
    "akuntabel": (N_("Akuntabel"), N_(
        "Melaksanakan tugas dengan jujur, bertanggung jawab, cermat, disiplin dan berintegritas tinggi; "
        "menggunakan kekayaan dan barang milik negara secara bertanggung jawab, efektif, dan efisien; "
        "tidak menyalahgunakan kewenangan jabatan.")),
    "kompeten": (N_("Kompeten"), N_(
        "Meningkatkan kompetensi diri untuk menjawab tantangan yang selalu berubah; membantu orang lain "
        "belajar; melaksanakan tugas dengan kualitas terbaik.")),
    "harmonis": (N_("Harmonis"), N_(
        "Menghargai setiap orang apapun latar belakangnya; suka menolong orang lain; membangun lingkungan"
        " kerja yang kondusif.")),
    "loyal": (N_("Loyal"), N_(
        "Memegang teguh ideologi Pancasila, UUD 1945, setia kepada NKRI serta pemerintahan yang sah; "
        "menjaga nama baik sesama ASN, pimpinan, instansi, dan negara; menjaga rahasia jabatan dan "
        "negara.")),
    "adaptif": (N_("Adaptif"), N_(
        "Cepat menyesuaikan diri menghadapi perubahan; terus berinovasi dan mengembangkan kreativitas; "
        "bertindak proaktif.")),
    "kolaboratif": (N_("Kolaboratif"), N_(
        "Memberi kesempatan kepada berbagai pihak untuk berkontribusi; terbuka dalam bekerja sama untuk "
        "menghasilkan nilai tambah; menggerakkan pemanfaatan berbagai sumber daya untuk tujuan bersama.")),
}


@dataclass(frozen=True)
class Person:
    name: str
    nip: str
    position: str
    unit: str


@dataclass(frozen=True)
class RhkView:
    id: int
    number: int  # 1-based within its group (utama, tambahan)
    kind: str
    text: str
    intervenes: Optional[str]  # the supervisor's RHK or the organisation goal, as text
    intervenes_rhk_id: Optional[int]
    intervenes_goal_id: Optional[int]
    penugasan_dari: Optional[str]
    review_comment: Optional[str]
    indicators: list[dict[str, Any]]
    actions: list[tuple[str, str]]  # (period name, planned action)


@dataclass(frozen=True)
class VersionInfo:
    id: int
    version: int
    status: str
    set_at: Optional[datetime]
    superseded_at: Optional[datetime]
    revision_reason: Optional[str]
    changes: list[dict[str, Any]]  # from the version before (engine.skp_content.differences)


@dataclass(frozen=True)
class SkpSummary:
    id: int
    version: int
    status: str
    cycle_id: int
    year: int
    employee: Person
    layout: str
    approach: str
    signed_at: Optional[datetime]
    set_at: Optional[datetime]
    superseded_at: Optional[datetime]


@dataclass(frozen=True)
class SkpView:
    summary: SkpSummary
    organisation: str
    evaluator: Optional[Person]
    signed_by: Optional[str]
    set_by: Optional[str]
    content_hash: Optional[str]
    return_comment: Optional[str]
    revision_reason: Optional[str]
    rhk: list[RhkView]
    perilaku: list[tuple[str, str, Optional[str]]]  # (value, guide behaviour, Ekspektasi Khusus Pimpinan)
    lampiran: dict[str, list[str]]
    periods: list[str]
    content: dict[str, Any]  # the editor's shape (engine.skp_content.content_of)
    versions: list[VersionInfo] = field(default_factory=list)


def person(session: Session, employee: Optional[Employee]) -> Optional[Person]:
    if employee is None:
        return None
    unit = session.get(Unit, employee.unit_id)
    return Person(employee.name, employee.nip, employee.position, unit.name if unit else "")


def summary_of(session: Session, skp: Skp) -> SkpSummary:
    cycle = session.get(Cycle, skp.cycle_id)
    employee = person(session, session.get(Employee, skp.employee_id))
    assert cycle is not None and employee is not None  # foreign keys
    return SkpSummary(skp.id, skp.version, skp.status, skp.cycle_id, cycle.year, employee, skp.layout, skp.approach,
                      skp.signed_at, skp.set_at, skp.superseded_at)


def skp_view(session: Session, skp: Skp, with_versions: bool = True) -> SkpView:
    """The document of one version (and, ``with_versions``, the list of all versions with
    what each changed)."""
    periods = periods_of(session, skp.cycle_id)
    parents = _texts(session, select(Rhk.id, Rhk.text).where(
        Rhk.id.in_([row.parent_rhk_id for row in skp.rhk if row.parent_rhk_id])))
    goals = _texts(session, select(OrganisationGoal.id, OrganisationGoal.text).where(
        OrganisationGoal.id.in_([row.goal_id for row in skp.rhk if row.goal_id])))
    numbers: dict[str, int] = {}
    rhk = []
    for row in skp.rhk:
        numbers[row.kind] = numbers.get(row.kind, 0) + 1
        rhk.append(RhkView(
            row.id, numbers[row.kind], row.kind, row.text,
            parents.get(row.parent_rhk_id) if row.parent_rhk_id else goals.get(row.goal_id) if row.goal_id else None,
            row.parent_rhk_id, row.goal_id, row.penugasan_dari, row.review_comment,
            [{"aspek": ind.aspek, "text": ind.text, "target": target_text(ind.target_value, ind.target_unit,
                                                                         ind.target_description),
              "target_value": number_of(ind.target_value), "target_unit": ind.target_unit,
              "target_description": ind.target_description, "perspektif": ind.perspektif} for ind in row.indicators],
            [(periods[a.period - 1] if 0 < a.period <= len(periods) else str(a.period), a.text) for a in row.actions]))
    lampiran: dict[str, list[str]] = {}
    for item in skp.lampiran:
        lampiran.setdefault(item.kind, []).append(item.text)
    expectations = {row.value_key: row.ekspektasi_khusus for row in skp.perilaku}
    cycle = session.get(Cycle, skp.cycle_id)
    organisation = session.get(Organisation, cycle.organisation_id) if cycle else None
    evaluator = session.get(Employee, skp.evaluator_employee_id) if skp.evaluator_employee_id else None
    return SkpView(summary_of(session, skp), organisation.name if organisation else "", person(session, evaluator),
                   _name(session, skp.signed_by_user_id), _name(session, skp.set_by_user_id), skp.content_hash,
                   skp.return_comment, skp.revision_reason, rhk,
                   [(label, guide, expectations.get(key)) for key, (label, guide) in BERAKHLAK_VALUES.items()],
                   lampiran, periods, content_of(skp), versions_of(session, skp) if with_versions else [])


def versions_of(session: Session, skp: Skp) -> list[VersionInfo]:
    """Every version of the employee's SKP in the cycle, oldest first, each with its changes."""
    rows = session.scalars(select(Skp).where(Skp.employee_id == skp.employee_id, Skp.cycle_id == skp.cycle_id)
                           .order_by(Skp.version)).all()
    versions, before = [], None
    for row in rows:
        content = content_of(row)
        versions.append(VersionInfo(row.id, row.version, row.status, row.set_at, row.superseded_at,
                                    row.revision_reason, differences(before, content) if before else []))
        before = content
    return versions


def target_text(value: Any, unit: Optional[str], description: Optional[str]) -> str:
    if value is None:
        return description or ""
    number = f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)
    return f"{number} {unit or ''}".strip()


def _texts(session: Session, query: Any) -> dict[int, str]:
    return {row_id: text for row_id, text in session.execute(query).all()}


def _name(session: Session, user_id: Optional[int]) -> Optional[str]:
    user = session.get(User, user_id) if user_id else None
    return user.display_name if user else None
