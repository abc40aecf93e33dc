"""Who a use case acts for: a signed-in user (by username) or an operator.

Users come through the web pages and the REST API; every permission rule applies to them.
An :class:`Operator` is someone who holds the database credentials anyway: the CLI, the
Prefect flows and the timer sweep, the demo seeder, benchmarks. Checking roles against
them would protect nothing (they can write the tables directly), so the engine records
their name in the audit log and checks only the data's own rules (a task must be open,
an organisation must exist).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class Operator:
    name: str  # as the audit log records it: "system", "cli", "demo", ...

    def __str__(self) -> str:
        return self.name


SYSTEM = Operator("system")
Actor = Union[str, Operator]  # a username, or an operator


def actor_name(actor: Actor) -> str:
    """The name the audit log records for ``actor``."""
    return actor.name if isinstance(actor, Operator) else actor
