"""The electronic approvals a printed document rests on: audit events of the chain.

kinerja's electronic approval *is* the audit event of the step (DESIGN §1.6): the employee
signs the SKP version they submit (``skp.signed``) and the Pejabat Penilai sets it
(``skp.set``), both over the content hash; the Pejabat Penilai rates a period
(``evaluation.period_rated``) or the year (``evaluation.rated``) and signs the year's document
once final (``evaluation.signed``, :mod:`engine.evaluation_signing`); the supervisor's supervisor
decides an objection (``objection.decided``); HR or the PPK make the unit's predikat final
(``unit.finalised``), or the process does (``evaluation.finalised``). Each approval is found
here with who did it (name and NIP from the org model) and when; the document prints it and
keeps the event's sequence number and hash, so verification can check the chain up to it.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .evaluation_tables import ANNUAL, Evaluation
from .models import AuditEvent, Employee, User
from .skp_tables import Skp

SKP_SIGNED, SKP_SET = "skp.signed", "skp.set"
PERIOD_RATED, RATED, OBJECTION_DECIDED = "evaluation.period_rated", "evaluation.rated", "objection.decided"
SIGNED = "evaluation.signed"
UNIT_FINALISED, EVALUATION_FINALISED = "unit.finalised", "evaluation.finalised"

# Who approves in each event, as the document names them.
ROLES = {
    SKP_SIGNED: "Pegawai yang dinilai",
    SKP_SET: "Pejabat Penilai Kinerja",
    PERIOD_RATED: "Pejabat Penilai Kinerja",
    RATED: "Pejabat Penilai Kinerja",
    SIGNED: "Pejabat Penilai Kinerja (tanda tangan dokumen)",
    OBJECTION_DECIDED: "Atasan Pejabat Penilai Kinerja",
    UNIT_FINALISED: "Penetapan predikat final (kalibrasi unit)",
    EVALUATION_FINALISED: "Penetapan predikat final",
}


def approval(session: Session, event: AuditEvent) -> dict[str, Any]:
    """One approval as the document keeps it: the event and the person behind its actor."""
    name, nip = approver(session, event.actor)
    return {"seq": event.seq, "hash": event.hash, "action": event.action, "role": ROLES[event.action],
            "name": name, "nip": nip, "at": event.occurred_at.isoformat()}


def approver(session: Session, actor: str) -> tuple[str, Optional[str]]:
    """The name and NIP of an event's actor (a user who is an employee); a user who is not,
    an operator or the system by their recorded name, without NIP."""
    user = session.scalar(select(User).where(User.username == actor))
    if user is None:
        return ("sistem kinerja" if actor == "system" else actor), None
    employee = session.get(Employee, user.employee_id) if user.employee_id else None
    return (employee.name, employee.nip) if employee is not None else (user.display_name, None)


def skp_approvals(session: Session, skp: Skp) -> list[dict[str, Any]]:
    """The employee's last signature of the version and, once agreed, its setting."""
    if skp.instance_id is None:
        return []
    events = _instance_events(session, skp.instance_id, (SKP_SIGNED, SKP_SET))
    mine = [event for event in events if (event.data or {}).get("skp_id") == skp.id]
    chosen = [_last(mine, SKP_SIGNED)]
    if skp.status in ("agreed", "revised"):
        chosen.append(_last(mine, SKP_SET))
    return [approval(session, event) for event in chosen if event is not None]


def evaluation_approvals(session: Session, evaluation: Evaluation) -> list[dict[str, Any]]:
    """The rating of the period or the year and, for the year, the objection's decision,
    the finalisation and the Pejabat Penilai's signature of the final document."""
    if evaluation.instance_id is None:
        return []
    if evaluation.period != ANNUAL:
        events = [event for event in _instance_events(session, evaluation.instance_id, (PERIOD_RATED,))
                  if (event.data or {}).get("period") == evaluation.period]
        rated = events[-1] if events else None
        return [approval(session, rated)] if rated is not None else []
    events = _instance_events(session, evaluation.instance_id,
                              (RATED, OBJECTION_DECIDED, EVALUATION_FINALISED, SIGNED))
    chosen = [_last([e for e in events if (e.data or {}).get("evaluation_id") == evaluation.id], RATED),
              _last(events, OBJECTION_DECIDED)]
    if evaluation.status == "final":
        mine = [e for e in events if (e.data or {}).get("evaluation_id") == evaluation.id]
        chosen += [_last(mine, EVALUATION_FINALISED) or _unit_finalised(session, evaluation), _last(mine, SIGNED)]
    return [approval(session, event) for event in chosen if event is not None]


def _unit_finalised(session: Session, evaluation: Evaluation) -> Optional[AuditEvent]:
    """The calibration that made the evaluation's unit final in its cycle (few per cycle)."""
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == UNIT_FINALISED)
                             .order_by(AuditEvent.seq)).all()
    mine = [event for event in events if (event.data or {}).get("cycle_id") == evaluation.cycle_id
            and (event.data or {}).get("unit_id") == evaluation.unit_id]
    return mine[-1] if mine else None


def _instance_events(session: Session, instance_id: int, actions: Iterable[str]) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id,
                                                         AuditEvent.action.in_(tuple(actions)))
                                .order_by(AuditEvent.seq)))


def _last(events: list[AuditEvent], action: str) -> Optional[AuditEvent]:
    found = [event for event in events if event.action == action]
    return found[-1] if found else None
