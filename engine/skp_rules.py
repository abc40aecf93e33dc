"""The SKP's rules that need the database: which version is being worked on, which is in
force, and what an employee's RHK may intervene (the cascade).

The cascade (PermenPANRB 6/2022): each RHK utama intervenes one RHK of the supervisor's
agreed SKP in the same cycle, so a supervisor's SKP is agreed before their staff submit.
At the top of the tree, an employee with no supervisor taking part in the cycle (the head
of the organisation, a JPT), the RHK intervene the organisation's goals HR entered for the
cycle. RHK tambahan may intervene something but need not.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from .errors import Conflict, ValidationFailed
from .models import Cycle, Employee, ProcessInstance
from .periods import QUARTER_NAMES, plan_of
from .skp_tables import OrganisationGoal, Rhk, Skp

EDITABLE = ("draft", "submitted", "returned")


@dataclass(frozen=True)
class Choice:
    id: int
    label: str
    kind: str = ""  # utama | tambahan for a supervisor's RHK; empty for a goal


@dataclass(frozen=True)
class Parents:
    """What an employee's RHK can intervene in a cycle.

    ``top``: the employee is at the top of the tree and intervenes ``choices`` = the
    organisation's goals; otherwise ``choices`` are the RHK of ``supervisor``'s agreed SKP,
    empty while that SKP is not agreed (``waiting_for`` names the supervisor then)."""

    top: bool
    choices: list[Choice] = field(default_factory=list)
    supervisor: Optional[str] = None
    waiting_for: Optional[str] = None


def editable_skp(session: Session, instance_id: int) -> Optional[Skp]:
    """The version the instance's SKP tasks draft and approve (None before the first save)."""
    return session.scalars(select(Skp).where(Skp.instance_id == instance_id, Skp.status.in_(EDITABLE))
                           .order_by(Skp.version.desc()).limit(1)).first()


def agreed_skp(session: Session, employee_id: int, cycle_id: int) -> Optional[Skp]:
    """The version in force: the newest agreed one."""
    return session.scalars(select(Skp).where(Skp.employee_id == employee_id, Skp.cycle_id == cycle_id,
                                             Skp.status == "agreed").order_by(Skp.version.desc()).limit(1)).first()


def next_version(session: Session, employee_id: int, cycle_id: int) -> int:
    newest = session.scalar(select(func.max(Skp.version)).where(Skp.employee_id == employee_id,
                                                                Skp.cycle_id == cycle_id))
    return (newest or 0) + 1


def periods_of(session: Session, cycle_id: int) -> list[str]:
    """The names of the cycle's periods from its plan, in order (quarters by default), so the
    Rencana Aksi follow the plan."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        return list(QUARTER_NAMES)
    return [period["name"] for period in plan_of(cycle.settings, cycle.year)]


def parents_of(session: Session, employee: Employee, cycle_id: int) -> Parents:
    """What ``employee``'s RHK can intervene in the cycle (see the module's docstring)."""
    supervisor = employee.supervisor
    if supervisor is None or not _takes_part(session, supervisor.id, cycle_id):
        goals = session.scalars(select(OrganisationGoal).where(OrganisationGoal.cycle_id == cycle_id)
                                .order_by(OrganisationGoal.position)).all()
        return Parents(top=True, choices=[Choice(goal.id, f"{goal.position + 1}. {goal.text}") for goal in goals])
    agreed = agreed_skp(session, supervisor.id, cycle_id)
    if agreed is None:
        return Parents(top=False, supervisor=supervisor.name, waiting_for=supervisor.name)
    return Parents(top=False, supervisor=supervisor.name,
                   choices=[Choice(row.id, f"{row.position + 1}. {row.text}", row.kind) for row in agreed.rhk])


def _takes_part(session: Session, employee_id: int, cycle_id: int) -> bool:
    """Whether the employee has an SKP or an instance in the cycle."""
    return bool(session.scalar(select(
        exists().where(Skp.employee_id == employee_id, Skp.cycle_id == cycle_id)
        | exists().where(ProcessInstance.subject_employee_id == employee_id, ProcessInstance.cycle_id == cycle_id))))


def check_references(data: dict[str, Any], parents: Parents, *, submitting: bool) -> None:
    """Every reference names one of ``parents``' choices (422 naming the row); on submitting,
    every RHK utama has one, and the supervisor's SKP is agreed (409 while it is not)."""
    if submitting and parents.waiting_for:
        raise Conflict(f"SKP atasan ({parents.waiting_for}) belum disepakati; simpan SKP sebagai draf dan "
                       "ajukan setelah SKP atasan disepakati", details={"reason": "supervisor_skp_not_agreed"})
    if submitting and parents.top and not parents.choices:
        raise Conflict("sasaran organisasi siklus ini belum diisi BKPSDM; simpan SKP sebagai draf dan ajukan "
                       "setelah sasaran organisasi tersedia", details={"reason": "no_organisation_goals"})
    allowed = {choice.id for choice in parents.choices}
    field_name, other = ("sasaran", "intervensi") if parents.top else ("intervensi", "sasaran")
    what = "sasaran organisasi" if parents.top else "RHK atasan"
    details = []
    for r, rhk in enumerate(data.get("rhk") or []):
        reference = rhk.get(field_name)
        if rhk.get(other) is not None:
            details.append({"field": f"rhk.{r}.{other}",
                            "message": f"RHK {r + 1}: pilih {what} yang diintervensi, bukan "
                                       f"{'RHK atasan' if parents.top else 'sasaran organisasi'}"})
        elif reference is not None and reference not in allowed:
            details.append({"field": f"rhk.{r}.{field_name}",
                            "message": f"RHK {r + 1}: {what} {reference} tidak ada dalam "
                                       + ("sasaran organisasi siklus ini" if parents.top
                                          else "SKP atasan yang disepakati")})
        elif reference is None and submitting and rhk.get("kind", "utama") == "utama":
            details.append({"field": f"rhk.{r}.{field_name}",
                            "message": f"RHK {r + 1}: RHK utama harus mengintervensi {what}"})
    if details:
        raise ValidationFailed(f"SKP tidak dapat disimpan: {details[0]['message']}", details=details)


def rhk_of(session: Session, skp_id: int) -> dict[int, Rhk]:
    return {row.id: row for row in session.scalars(select(Rhk).where(Rhk.skp_id == skp_id)).all()}
