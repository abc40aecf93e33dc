"""Who may see what, and the one check every use case starts with (:func:`authorise`).

Role rules are named in :mod:`engine.permissions`. Working on a task is decided by
:func:`engine.assignment.may_work_on`; this module
decides reading. An employee sees their own data; a supervisor sees the data of everyone
below them in the hierarchy; HR, PPK and auditors see their whole organisation (auditors
read-only: they have no tasks to work on).

Auditors' own reads of personal data are logged (:func:`note_auditor_read`) as
``audit.viewed`` events in the same hash chain as everything else: the log of who looked
at whose file is then as tamper-evident as the file itself, and one export answers both
"what happened" and "who has seen it". The events carry no instance id, so an instance's
timeline stays the story of the process.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Collection, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actors import Actor, Operator
from .assignment import ROLE_AUDITOR, ROLE_HR, ROLE_PPK, is_unit_head, may_work_on
from .errors import Forbidden, NotFound
from .models import Employee, HumanTask, Organisation, User
from .permissions import Permission, allowed_by
from .vocabulary import PEER_LANE

if TYPE_CHECKING:
    from .kinerja import Kinerja
    from .unit_of_work import UnitOfWork

ORGANISATION_WIDE_ROLES = {ROLE_HR, ROLE_PPK, ROLE_AUDITOR}
READ_FEEDBACK = "read_feedback"  # a profile key beside engine.permissions' (a data rule: HR or a unit head)


def active_user(session: Session, username: str) -> Optional[User]:
    """The active user with this name (the one place a username becomes a user)."""
    return session.scalar(select(User).where(User.username == username, User.active.is_(True)))


def load_user(session: Session, username: str) -> User:
    user = active_user(session, username)
    if user is None:
        raise NotFound(f"user '{username}' does not exist")
    return user


def authorise(session: Session, actor: Actor, permission: Optional[Permission] = None) -> Optional[User]:
    """The acting user, refused unless they hold ``permission``'s roles; None for an operator.

    Every use case begins here; data rules (whose task, whose organisation) follow with the
    user this returns."""
    if isinstance(actor, Operator):
        return None
    user = load_user(session, actor)
    if permission is not None:
        permission.check(user.role_names)
    return user


def require_operator(actor: Actor, action: str) -> None:
    """Changes only an operator makes (the CLI, the demo seeder) until users get a door to them."""
    if not isinstance(actor, Operator):
        raise Forbidden(f"{action} is done by an operator (the kinerja command line)")


def require_own_organisation(user: Optional[User], organisation_id: int, what: str) -> None:
    """Another organisation's records do not exist for a user (404: their existence is not
    theirs to learn); operators reach every organisation."""
    if user is not None and user.organisation_id != organisation_id:
        raise NotFound(f"{what} does not exist")


def may_view_employee(session: Session, viewer: User, employee_id: Optional[int]) -> bool:
    if employee_id is None:
        return False
    employee = session.get(Employee, employee_id)
    if employee is None or employee.organisation_id != viewer.organisation_id:
        return False
    if viewer.role_names & ORGANISATION_WIDE_ROLES:
        return True
    if viewer.employee_id is None:
        return False
    # Walk up from the employee: the viewer must be the employee or one of their supervisors.
    seen: set[int] = set()
    current: Optional[Employee] = employee
    while current is not None and current.id not in seen:
        if current.id == viewer.employee_id:
            return True
        seen.add(current.id)
        current = current.supervisor
    return False


def task_shown_to_reader(session: Session, username: str, task_id: int,
                         forms: Collection[str]) -> Optional[HumanTask]:
    """The task when it has one of ``forms`` and is about an employee whose file ``username``
    may read (:func:`may_view_employee`); None otherwise. For what a page shows beside a task
    it already loaded with its own checks (the 360 input, the proposed rating): a reader of
    the task who may not read the file gets no card, never an error."""
    task = session.get(HumanTask, task_id)
    if task is None or task.form_key not in forms or task.subject_employee_id is None:
        return None
    return task if may_view_employee(session, load_user(session, username), task.subject_employee_id) else None


def reads_task_context(session: Session, viewer: User, task: HumanTask) -> bool:
    """Whether ``viewer`` sees the employee's file (card, SKP, earlier steps) on ``task``'s page.

    Whoever may read the employee's data does; so does whoever holds the task, unless it is
    peer input: a task handed on to another official of the unit shows its new holder what
    it showed the supervisor it was meant for.
    """
    return may_view_employee(session, viewer, task.subject_employee_id) or (
        task.lane != PEER_LANE and may_work_on(task, viewer))


def is_subject(viewer: User, employee_id: Optional[int]) -> bool:
    """Whether ``viewer`` is the employee a task or instance is about (peer raters stay
    anonymous to them, whatever other roles they have)."""
    return viewer.employee_id is not None and viewer.employee_id == employee_id


def is_auditor(user: User) -> bool:
    return ROLE_AUDITOR in user.role_names


def note_auditor_read(uow: "UnitOfWork", user: User, view: str, **what: Any) -> None:
    """Log an auditor's read of personal data (``view`` names the page or export; ``what``
    the instance, employee or cycle) and commit it; other users' reads are not logged."""
    if is_auditor(user):
        uow.record(user.username, "audit.viewed", {"view": view, **what})
        uow.commit()


@dataclass(frozen=True)
class UserProfile:
    """What the web layer needs to authorise a request and greet the user."""

    username: str
    display_name: str
    organisation_id: int
    organisation_code: str
    roles: frozenset[str]
    employee_id: Optional[int]
    allowed: frozenset[str]  # keys of what the user may do (engine.permissions), for the navigation


def user_profile(kinerja: "Kinerja", username: str) -> UserProfile:
    with kinerja.reading() as uow:
        return profile_of(uow.session, load_user(uow.session, username))


def profile_of(session: Session, user: User) -> UserProfile:
    organisation = session.get(Organisation, user.organisation_id)
    allowed = allowed_by(user.role_names) | ({READ_FEEDBACK} if reads_feedback(user) else set())
    return UserProfile(user.username, user.display_name, user.organisation_id, organisation.code,
                       frozenset(user.role_names), user.employee_id, frozenset(allowed))


def reads_feedback(user: User) -> bool:
    """HR and the heads of units read their citizens' feedback (:mod:`engine.feedback`)."""
    return ROLE_HR in user.role_names or (user.employee is not None and is_unit_head(user.employee))
