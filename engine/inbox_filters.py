"""Saved inbox filters: a user names the view they keep coming back to ("SKP tim saya,
terlama dulu") and finds it above the list after every sign-in.

A saved filter is the inbox's query parameters (tab, task type, sort, search, unit, cycle),
checked here as the inbox checks them, and belongs to its user alone: others' filters do
not exist for them (404).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import select

from .access import authorise
from .actors import Actor
from .errors import Forbidden, NotFound, ValidationFailed
from .inbox import checked_sort
from .inbox_tables import SavedInboxFilter
from .kinerja import Kinerja
from .models import User
from .unit_of_work import UnitOfWork

FILTER_PARAMS = ("scope", "task_key", "sort", "q", "unit", "cycle")  # the inbox page's query parameters
SCOPES = ("mine", "group")
MAX_NAME = 80
MAX_VALUE = 200
MAX_FILTERS = 30  # per user


@dataclass(frozen=True)
class SavedFilter:
    id: int
    name: str
    params: dict[str, str]


def saved_filters(kinerja: Kinerja, actor: Actor) -> list[SavedFilter]:
    """The user's saved filters, by name."""
    with kinerja.reading() as uow:
        user = _user(uow, actor)
        rows = uow.session.scalars(select(SavedInboxFilter).where(SavedInboxFilter.user_id == user.id)
                                   .order_by(SavedInboxFilter.name, SavedInboxFilter.id)).all()
        return [SavedFilter(row.id, row.name, dict(row.params)) for row in rows]


def save_filter(kinerja: Kinerja, actor: Actor, name: str, params: Mapping[str, Any]) -> SavedFilter:
    """Save the current inbox view under ``name`` (saving a name again replaces its view).

    Unknown parameters, an unknown tab or sort, or values too long are refused (422 naming
    the field), as is a user's filter beyond :data:`MAX_FILTERS`."""
    name, kept = (name or "").strip(), checked_params(params)
    if not 0 < len(name) <= MAX_NAME:
        raise ValidationFailed(f"a filter's name has 1 to {MAX_NAME} characters",
                               details=[{"field": "name", "message": f"1 to {MAX_NAME} characters"}])
    with kinerja.unit_of_work() as uow:
        user = _user(uow, actor)
        mine = uow.session.scalars(select(SavedInboxFilter).where(SavedInboxFilter.user_id == user.id)).all()
        row = next((r for r in mine if r.name == name), None)
        if row is None:
            if len(mine) >= MAX_FILTERS:
                raise ValidationFailed(f"at most {MAX_FILTERS} saved filters; delete one first",
                                       details=[{"field": "name", "message": f"at most {MAX_FILTERS} filters"}])
            row = SavedInboxFilter(user_id=user.id, name=name, created_at=uow.clock.now())
            uow.session.add(row)
        row.params = kept
        uow.flush()
        uow.record(user.username, "inbox.filter_saved", {"filter_id": row.id, "name": name, "params": kept})
        uow.commit()
        return SavedFilter(row.id, name, kept)


def delete_filter(kinerja: Kinerja, actor: Actor, filter_id: int) -> None:
    """Delete one of the user's saved filters (404 for another's, or one that is gone)."""
    with kinerja.unit_of_work() as uow:
        user = _user(uow, actor)
        row = uow.session.get(SavedInboxFilter, filter_id)
        if row is None or row.user_id != user.id:
            raise NotFound(f"saved filter {filter_id} does not exist")
        uow.session.delete(row)
        uow.record(user.username, "inbox.filter_deleted", {"filter_id": filter_id, "name": row.name})
        uow.commit()


def checked_params(params: Mapping[str, Any]) -> dict[str, str]:
    """The inbox parameters worth keeping (empty ones dropped), each checked."""
    kept = {key: str(value).strip() for key, value in params.items() if value is not None and str(value).strip()}
    problems = [{"field": key, "message": "not an inbox filter"} for key in kept if key not in FILTER_PARAMS]
    problems += [{"field": key, "message": f"at most {MAX_VALUE} characters"}
                 for key, value in kept.items() if len(value) > MAX_VALUE]
    if kept.get("scope", "mine") not in SCOPES:
        problems.append({"field": "scope", "message": f"one of {', '.join(SCOPES)}"})
    if kept.get("cycle") is not None and not kept["cycle"].isdigit():
        problems.append({"field": "cycle", "message": "a cycle number"})
    if problems:
        raise ValidationFailed("the filter cannot be saved", details=problems)
    checked_sort(kept.get("sort"))
    return kept


def _user(uow: UnitOfWork, actor: Actor) -> User:
    user = authorise(uow.session, actor)
    if user is None:
        raise Forbidden("saved filters belong to signed-in people, not operators")
    return user
