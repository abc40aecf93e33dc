"""What an employee file would do to an organisation (the dry run), and doing it, one batch
per transaction.

The plan compares every row of the file (:mod:`engine.org_import_rows`) with the
organisation as stored: a row creates an employee, changes some of their fields, leaves them
unchanged, or is refused with a reason. Writing a batch compares again, against what is
stored at that moment, so importing the same file twice changes nothing the second time
and a batch that is retried after committing writes nothing new.

An empty cell keeps what is stored (a file without an e-mail column does not erase
addresses). Employees are keyed by NIP; their account's user name is the NIP, created
without a password and with an activation link (:mod:`engine.activation`). A changed
supervisor or unit is a transfer with all its rules (:func:`engine.org_moves.apply_move`:
open tasks reassigned, the agreed SKP revised), effective on the day of the import.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from .activation import issue_activations
from .assignment import LOCAL_ZONE
from .models import Employee, Organisation, Unit, User
from .notifications import queue
from .org import EmployeeSpec, new_employee, new_user
from .org_moves import apply_move
from .org_import_rows import ImportRow, Refusal, jenis_jabatan_of, row_problem, supervisor_refusals, supervisors_first
from .unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from .kinerja import Kinerja

CREATE, CHANGE, UNCHANGED, REFUSED = "create", "change", "unchanged", "refused"
ACTIONS = (CREATE, CHANGE, UNCHANGED, REFUSED)
# Row field → the stored value it is compared with (Stored's attribute of the same name).
COMPARED = ("name", "pangkat", "position", "jenis_jabatan", "unit_code", "supervisor_nip", "email")
IN_CHUNKS = 900  # NIPs per IN (...) list: SQLite's older builds allow 999 parameters


@dataclass(frozen=True)
class RowOutcome:
    """What the import does with one row: ``fields`` it changes, or why it is refused."""

    line: int
    nip: str
    name: str
    action: str  # one of ACTIONS
    fields: tuple[str, ...] = ()
    refusal: Optional[Refusal] = None


@dataclass
class Plan:
    """The dry run of a file: an outcome per row (file order), the rows to write (supervisors
    first) and the units the file brings."""

    outcomes: list[RowOutcome]
    writes: list[ImportRow]
    new_units: dict[str, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        counted = {action: 0 for action in ACTIONS}
        for outcome in self.outcomes:
            counted[outcome.action] += 1
        return counted

    @property
    def refused(self) -> list[RowOutcome]:
        return [outcome for outcome in self.outcomes if outcome.action == REFUSED]


@dataclass(frozen=True)
class Stored:
    """An employee as the organisation has them, in the row's terms."""

    nip: str
    name: str
    pangkat: Optional[str]
    position: str
    jenis_jabatan: Optional[str]
    unit_code: str
    supervisor_nip: Optional[str]
    email: Optional[str]


def normalised(row: ImportRow) -> ImportRow:
    """The row with its jenis jabatan in the stored spelling (``JPT Pratama`` → ``jpt``)."""
    if row.jenis_jabatan is None:
        return row
    return ImportRow(**{**row.as_dict(), "jenis_jabatan": jenis_jabatan_of(row.jenis_jabatan)})


def plan_import(session: Session, organisation: Organisation, rows: list[ImportRow]) -> Plan:
    """Compare the file with the organisation (reads only)."""
    refusals: dict[int, Refusal] = {}
    for row in rows:
        problem = row_problem(row)
        if problem is not None:
            refusals[row.line] = problem
    lines_of: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.line not in refusals:
            lines_of[row.nip].append(row.line)
    for nip, lines in lines_of.items():
        if len(lines) > 1:
            for line in lines:
                refusals[line] = Refusal("duplicate_nip", f"{nip} is on lines {', '.join(map(str, lines))}")
    valid = [normalised(row) for row in rows if row.line not in refusals]
    stored = stored_employees(session, organisation.id)
    elsewhere = _nips_elsewhere(session, organisation.id, [row.nip for row in valid if row.nip not in stored])
    units = set(session.scalars(select(Unit.code).where(Unit.organisation_id == organisation.id)))
    named_units = {row.unit_code: row.unit_name for row in valid if row.unit_name}
    for row in valid:
        if row.nip in elsewhere:
            refusals[row.line] = Refusal("other_organisation", f"{row.nip} is an employee of another organisation")
        elif row.unit_code not in units and row.unit_code not in named_units:
            refusals[row.line] = Refusal("unknown_unit", f"unit '{row.unit_code}' is not in the organisation "
                                                         "and the file gives it no name")
    valid = [row for row in valid if row.line not in refusals]
    supervisors = {nip: found.supervisor_nip for nip, found in stored.items()}
    supervisors.update({row.nip: row.supervisor_nip or _stored_supervisor(stored, row.nip) for row in valid})
    refused_in_file = {row.nip for row in rows if row.line in refusals} - set(supervisors)
    for nip, refusal in supervisor_refusals(supervisors, {row.nip for row in valid}).items():
        boss = supervisors[nip]
        if refusal.code == "supervisor_not_found" and boss in refused_in_file:
            refusal = Refusal("supervisor_refused", f"supervisor {boss} is refused on its own line")
        refusals[next(row.line for row in valid if row.nip == nip)] = refusal
    valid = [row for row in valid if row.line not in refusals]
    changes = {row.line: changed_fields(row, stored.get(row.nip)) for row in valid}
    outcomes = []
    for row in rows:
        if row.line in refusals:
            outcomes.append(RowOutcome(row.line, row.nip, row.name, REFUSED, (), refusals[row.line]))
        else:
            fields = changes[row.line]
            action = CREATE if row.nip not in stored else CHANGE if fields else UNCHANGED
            outcomes.append(RowOutcome(row.line, row.nip, row.name, action, () if action == CREATE else fields))
    writes = supervisors_first([row for row in valid if row.nip not in stored or changes[row.line]])
    used_units = {row.unit_code for row in writes}
    return Plan(outcomes, writes, {code: name for code, name in sorted(named_units.items())
                                   if code not in units and code in used_units})


def changed_fields(row: ImportRow, stored: Optional[Stored]) -> tuple[str, ...]:
    """The fields the row gives that differ from what is stored (all it gives, for a new one)."""
    return tuple(name for name in COMPARED
                 if getattr(row, name) is not None and (stored is None or getattr(row, name) != getattr(stored, name)))


def _stored_supervisor(stored: dict[str, Stored], nip: str) -> Optional[str]:
    found = stored.get(nip)
    return found.supervisor_nip if found else None


def stored_employees(session: Session, organisation_id: int, nips: Optional[Iterable[str]] = None) -> dict[str, Stored]:
    """The organisation's employees (or those with ``nips``) in the row's terms, by NIP."""
    boss = aliased(Employee)
    query = (select(Employee.nip, Employee.name, Employee.pangkat, Employee.position, Employee.jenis_jabatan,
                    Unit.code, boss.nip, User.email)
             .join(Unit, Unit.id == Employee.unit_id).outerjoin(boss, boss.id == Employee.supervisor_id)
             .outerjoin(User, User.employee_id == Employee.id).where(Employee.organisation_id == organisation_id))
    if nips is None:
        return {values[0]: Stored(*values) for values in session.execute(query)}
    found = {}
    for chunk in _chunks(sorted(set(nips))):
        found.update({values[0]: Stored(*values) for values in session.execute(query.where(Employee.nip.in_(chunk)))})
    return found


def _nips_elsewhere(session: Session, organisation_id: int, nips: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(nips):
        found.update(session.scalars(select(Employee.nip).where(Employee.nip.in_(chunk),
                                                                Employee.organisation_id != organisation_id)))
    return found


def _chunks(items: list[str]) -> Iterable[list[str]]:
    return (items[start:start + IN_CHUNKS] for start in range(0, len(items), IN_CHUNKS))


# -- writing one batch ----------------------------------------------------------------------


def write_batch(kinerja: "Kinerja", uow: UnitOfWork, actor: str, organisation: Organisation,
                rows: list[ImportRow]) -> dict[str, int]:
    """Create or update the batch's employees (supervisors first: earlier batches or earlier
    in this one), their accounts and activation links, and record the batch; the caller
    commits. Rows found unchanged now (a retried batch) write nothing."""
    session = uow.session
    rows = [normalised(row) for row in rows]
    units = {unit.code: unit.id for unit in session.scalars(select(Unit).where(Unit.organisation_id == organisation.id))}
    nips = {row.nip for row in rows} | {row.supervisor_nip for row in rows if row.supervisor_nip}
    employees = {e.nip: e for chunk in _chunks(sorted(nips))
                 for e in session.scalars(select(Employee).where(Employee.nip.in_(chunk),
                                                                 Employee.organisation_id == organisation.id))}
    stored = stored_employees(session, organisation.id, [row.nip for row in rows])
    counts = {CREATE: 0, CHANGE: 0, UNCHANGED: 0, "moved": 0}
    created: list[str] = []
    new_users: list[User] = []
    for row in rows:
        if row.unit_code not in units:
            unit = Unit(organisation_id=organisation.id, code=row.unit_code, name=row.unit_name or row.unit_code)
            session.add(unit)
            session.flush()
            units[row.unit_code] = unit.id
            uow.record(actor, "org.unit_added", {"organisation": organisation.code, "code": row.unit_code})
        supervisor = employees.get(row.supervisor_nip) if row.supervisor_nip else None
        employee = employees.get(row.nip)
        if employee is None:
            spec = EmployeeSpec(row.nip, row.name, row.position, row.unit_code, row.supervisor_nip,
                                pangkat=row.pangkat, jenis_jabatan=row.jenis_jabatan)
            employee = employees[row.nip] = new_employee(session, organisation.id, units[row.unit_code], spec,
                                                         supervisor.id if supervisor else None)
            new_users.append(new_user(session, organisation.id, row.nip, "", row.name, employee.id, (), row.email))
            created.append(row.nip)
            counts[CREATE] += 1
            continue
        fields = changed_fields(row, stored.get(row.nip))
        if not fields:
            counts[UNCHANGED] += 1
            continue
        _update(kinerja, uow, actor, employee, row, fields, units, supervisor, new_users, counts)
    session.flush()
    queue(uow, issue_activations(uow, new_users))
    uow.record(actor, "org.import_batch", {"organisation": organisation.code, **counts, "created": created})
    return counts


def _update(kinerja: "Kinerja", uow: UnitOfWork, actor: str, employee: Employee, row: ImportRow,
            fields: tuple[str, ...], units: dict[str, int], supervisor: Optional[Employee], new_users: list[User],
            counts: dict[str, int]) -> None:
    """Apply a row's changed fields to a stored employee (and their account's e-mail)."""
    for name in ("name", "pangkat", "position", "jenis_jabatan"):
        if name in fields:
            setattr(employee, name, getattr(row, name))
    user = uow.session.scalar(select(User).where(User.employee_id == employee.id))
    if user is None:
        new_users.append(new_user(uow.session, employee.organisation_id, row.nip, "", employee.name, employee.id,
                                  (), row.email))
    elif "email" in fields:
        user.email = row.email
    if "unit_code" in fields or "supervisor_nip" in fields:
        boss = supervisor if "supervisor_nip" in fields else employee.supervisor
        unit_id = units[row.unit_code] if "unit_code" in fields else employee.unit_id
        apply_move(kinerja, uow, actor, employee, unit_id, boss, uow.clock.now().astimezone(LOCAL_ZONE).date(),
                   "Impor data pegawai")
        counts["moved"] += 1
    counts[CHANGE] += 1
