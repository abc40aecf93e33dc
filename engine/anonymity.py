"""Peer raters are anonymous to the employee (PP 30/2019 Pasal 41: input from peers).

What the employee reads about their own instances passes through here: the audit events of
peer-input tasks (lane :data:`engine.vocabulary.PEER_LANE`) that a person recorded (claimed,
released, handed on, completed) are withheld, and what the peers submitted comes back only
aggregated (:func:`aggregate_peer_input`: how many gave input, per value how many gave each
rating, comments without names and in no particular order). Events the system recorded (the
task created or cancelled, a rater skipped at the deadline) stay, without the fields that
would name the rater (each rater of the 360 input has their own task).

The hash chain would betray a withheld event: the next event's ``prev_hash`` is its hash,
and with the aggregate known, guessing the actor among a handful of colleagues is cheap.
So the employee's copy of that next event carries an empty ``prev_hash``; auditors verify
the chain (``/audit/verify``), not employees.

Supervisors, HR and auditors see each peer's input with the name, as before: the official
who rates weighs the input and is accountable for it; the regulation keeps raters
anonymous to the employee only.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from statistics import fmean
from typing import Any

from .actors import SYSTEM
from .evaluation_tables import RATINGS
from .inbox import TaskView
from .vocabulary import PEER_LANE

NAMING_FIELDS = {"assignee_user_id", "candidate_group", "rater_employee_id"}  # in a peer task's system events


def withhold_peer_actions(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``events`` (one instance's, in order) as the employee may read them, and the withheld
    ``task.completed`` events of peer input (for :func:`aggregate_peer_input`)."""
    peer_tasks = {event["task_id"] for event in events
                  if event["action"] == "task.created" and (event.get("data") or {}).get("lane") == PEER_LANE}
    shown: list[dict[str, Any]] = []
    completed: list[dict[str, Any]] = []
    withheld_seqs: set[int] = set()
    for event in events:
        if event["task_id"] in peer_tasks and event["actor"] != SYSTEM.name:
            withheld_seqs.add(event["seq"])
            if event["action"] == "task.completed":
                completed.append(event)
        else:
            if event["task_id"] in peer_tasks:
                event = {**event, "data": {key: value for key, value in (event.get("data") or {}).items()
                                           if key not in NAMING_FIELDS}}
            shown.append({**event, "prev_hash": ""} if event["seq"] - 1 in withheld_seqs else event)
    return shown, completed


def aggregate_peer_input(submissions: list[dict[str, Any]]) -> dict[str, Any]:
    """Several peers' submissions as one: ``raters`` (how many), numbers averaged (two
    decimals), ratings of the regulation's scale counted per rating, other texts as a sorted
    list of the non-empty ones, objects field by field; other values (booleans, lists) are
    left out, since they cannot be pooled without exposing one."""
    return {"raters": len(submissions), **_pooled(submissions)}


def _pooled(values: list[dict[str, Any]]) -> dict[str, Any]:
    pooled: dict[str, Any] = {}
    for key in dict.fromkeys(key for value in values for key in value):
        items = [value[key] for value in values if key in value]
        if all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in items):
            pooled[key] = round(fmean(items), 2)
        elif all(item in RATINGS for item in items):
            tally = Counter(items)
            pooled[key] = {rating: tally[rating] for rating in RATINGS}
        elif all(isinstance(item, str) for item in items):
            texts = sorted(item.strip() for item in items if item.strip())
            if texts:
                pooled[key] = texts
        elif all(isinstance(item, dict) for item in items):
            pooled[key] = _pooled(items)
    return pooled


def anonymous_task(view: TaskView) -> TaskView:
    """A peer-input task as the employee sees it: who holds it is not shown."""
    return replace(view, assignee_user_id=None, claimed_by_user_id=None) if view.lane == PEER_LANE else view
