"""Org model maintenance: organisations, units, employees and user accounts.

These are the calls an HR import, the demo seed and the tests use to build an
organisation; each is one audited unit of work.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from .access import active_user, require_operator
from .actors import Actor, actor_name
from .errors import Conflict, NotFound, ValidationFailed
from .kinerja import Kinerja
from .models import Employee, Organisation, Unit, User, UserRole


@dataclass(frozen=True)
class EmployeeSpec:
    nip: str
    name: str
    position: str
    unit_code: str
    supervisor_nip: Optional[str] = None
    username: Optional[str] = None
    password: Optional[str] = None
    roles: tuple[str, ...] = ()
    email: Optional[str] = None
    pangkat: Optional[str] = None  # pangkat/golongan ruang, e.g. "Penata Muda (III/a)", printed on the documents
    jenis_jabatan: Optional[str] = None  # one of engine.org_import_rows.JENIS_JABATAN


def create_organisation(kinerja: Kinerja, actor: Actor, code: str, name: str, units: Iterable[tuple[str, str]]) -> int:
    """Create an organisation with its units (code, name); refuses a duplicate code."""
    require_operator(actor, "setting up an organisation")
    with kinerja.unit_of_work() as uow:
        if uow.session.scalar(select(Organisation.id).where(Organisation.code == code)) is not None:
            raise Conflict(f"organisation '{code}' already exists")
        organisation = Organisation(code=code, name=name)
        uow.session.add(organisation)
        uow.flush()
        unit_list = list(units)
        for unit_code, unit_name in unit_list:
            uow.session.add(Unit(organisation_id=organisation.id, code=unit_code, name=unit_name))
        uow.flush()
        uow.record(actor_name(actor), "org.created", {"code": code, "name": name, "units": [c for c, _ in unit_list]})
        uow.commit()
        return organisation.id


def add_employees(kinerja: Kinerja, actor: Actor, organisation_code: str,
                  employees: Iterable[EmployeeSpec]) -> dict[str, int]:
    """Add employees (supervisors before their staff) and their user accounts; return nip → id."""
    require_operator(actor, "adding employees")
    with kinerja.unit_of_work() as uow:
        organisation = uow.session.scalar(select(Organisation).where(Organisation.code == organisation_code))
        if organisation is None:
            raise NotFound(f"organisation '{organisation_code}' does not exist")
        units = {u.code: u.id for u in uow.session.scalars(
            select(Unit).where(Unit.organisation_id == organisation.id))}
        ids: dict[str, int] = {}
        added = []
        for spec in employees:
            if spec.unit_code not in units:
                raise NotFound(f"unit '{spec.unit_code}' does not exist in '{organisation_code}'")
            supervisor_id = None
            if spec.supervisor_nip is not None:
                supervisor_id = ids.get(spec.supervisor_nip) or uow.session.scalar(
                    select(Employee.id).where(Employee.nip == spec.supervisor_nip))
                if supervisor_id is None:
                    raise NotFound(f"supervisor {spec.supervisor_nip} of {spec.nip} does not exist")
            employee = new_employee(uow.session, organisation.id, units[spec.unit_code], spec, supervisor_id)
            ids[spec.nip] = employee.id
            added.append(spec.nip)
        uow.record(actor_name(actor), "org.employees_added", {"organisation": organisation_code, "nips": added})
        uow.commit()
        return ids


def add_user(kinerja: Kinerja, actor: Actor, organisation_code: str, username: str, password: str,
             display_name: str, roles: Iterable[str] = (), email: Optional[str] = None) -> int:
    """Add an account that is not an employee of the org (e.g. an Inspektorat auditor)."""
    require_operator(actor, "adding an account")
    with kinerja.unit_of_work() as uow:
        organisation = uow.session.scalar(select(Organisation).where(Organisation.code == organisation_code))
        if organisation is None:
            raise NotFound(f"organisation '{organisation_code}' does not exist")
        user = new_user(uow.session, organisation.id, username, password, display_name, None, tuple(roles), email)
        uow.record(actor_name(actor), "org.user_added", {"username": username, "roles": sorted(roles)})
        uow.commit()
        return user.id


def new_employee(session: Session, organisation_id: int, unit_id: int, spec: EmployeeSpec,
                 supervisor_id: Optional[int]) -> Employee:
    """Add one employee, and their account when ``spec`` names a username (the step commits).

    The one place an employee row is made: :func:`add_employees` and the import
    (:mod:`engine.org_import`) both come here."""
    employee = Employee(organisation_id=organisation_id, unit_id=unit_id, nip=spec.nip, name=spec.name,
                        position=spec.position, supervisor_id=supervisor_id, pangkat=spec.pangkat,
                        jenis_jabatan=spec.jenis_jabatan)
    session.add(employee)
    session.flush()
    if spec.username:
        new_user(session, organisation_id, spec.username, spec.password or "", spec.name, employee.id, spec.roles,
                 spec.email)
    return employee


def new_user(session: Session, organisation_id: int, username: str, password: str, display_name: str,
             employee_id: Optional[int], roles: tuple[str, ...], email: Optional[str] = None) -> User:
    """Add an account (no password: an empty hash, which no sign-in matches)."""
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username '{username}' is taken")
    # No password: an empty hash, which no sign-in matches (see engine.accounts.sign_in).
    user = User(username=username, password_hash=generate_password_hash(password) if password else "",
                display_name=display_name,
                organisation_id=organisation_id, employee_id=employee_id, email=email,
                roles=[UserRole(role=role) for role in roles])
    session.add(user)
    session.flush()
    return user


def organisation_exists(kinerja: Kinerja, code: str) -> bool:
    with kinerja.reading() as uow:
        return uow.session.scalar(select(Organisation.id).where(Organisation.code == code)) is not None


def organisation_id_of(kinerja: Kinerja, code: str) -> int:
    with kinerja.reading() as uow:
        found = uow.session.scalar(select(Organisation.id).where(Organisation.code == code))
        if found is None:
            raise NotFound(f"organisation '{code}' does not exist")
        return found


def staff_usernames(kinerja: Kinerja, supervisor_username: str) -> list[str]:
    """Usernames of the employees who report directly to this user's employee record."""
    with kinerja.reading() as uow:
        supervisor = active_user(uow.session, supervisor_username)
        if supervisor is None or supervisor.employee_id is None:
            raise NotFound(f"user '{supervisor_username}' is not an employee")
        return list(uow.session.scalars(
            select(User.username).join(Employee, Employee.id == User.employee_id)
            .where(Employee.supervisor_id == supervisor.employee_id).order_by(Employee.id)))


def only_organisation(kinerja: Kinerja) -> str:
    """The code of the database's one organisation (the CLI's default); ``ValidationFailed``
    when there are none or several, naming them."""
    with kinerja.reading() as uow:
        codes = list(uow.session.scalars(select(Organisation.code).order_by(Organisation.code).limit(11)))
    if len(codes) != 1:
        raise ValidationFailed("name the organisation (--org): " + (", ".join(codes) or "there is none yet"),
                               [{"location": "org", "message": "one of: " + ", ".join(codes)}])
    return codes[0]
