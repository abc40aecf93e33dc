"""Deploying BPMN, DMN and form files, checking them first, and trying a decision table.

A deployment is the whole set of definitions new instances start on; each upload replaces
the files of the same kind and name and is validated together with everything else, so
nothing is stored unless the resulting set works. Running instances stay on the
deployment they started on until moved (:mod:`engine.migration`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

from sqlalchemy import func, select

from .access import authorise
from .actors import Actor, actor_name
from .definition_cache import newest_deployment
from .definitions import DefinitionFile, DefinitionSet, parse_xml
from .errors import InvalidDefinition, NotFound
from .instance_run import guarded
from .kinerja import Kinerja
from .models import DefinitionVersion, Deployment
from .permissions import AUDIT, CHANGE_DEFINITIONS
from .runtime import DecisionRecord
from .runtime import evaluate_decision as run_decision
from .task_deadlines import tasks_without_end
from .unit_of_work import UnitOfWork


@dataclass(frozen=True)
class DeployResult:
    deployment_id: int
    changed_files: list[dict[str, Any]]  # kind, name, version, content_hash
    created: bool  # False when every file was already deployed unchanged


def deploy(kinerja: Kinerja, actor: Actor, files: Iterable[DefinitionFile]) -> DeployResult:
    """Validate the files together with everything already deployed; store a new deployment (HR)."""
    uploaded = list(files)
    with kinerja.unit_of_work() as uow:
        authorise(uow.session, actor, CHANGE_DEFINITIONS)
        current, current_files, definitions = _merged_definitions(uow, uploaded)
        changed = [f for f in uploaded if (f.kind, f.name) not in current_files
                   or current_files[(f.kind, f.name)].content_hash != f.content_hash]
        if current is not None and not changed:
            return DeployResult(current.id, [], created=False)
        now = uow.clock.now()
        versions = dict(current_files)
        changed_info = []
        for file in changed:
            latest = uow.session.scalar(select(func.max(DefinitionVersion.version)).where(
                DefinitionVersion.kind == file.kind, DefinitionVersion.name == file.name)) or 0
            row = DefinitionVersion(kind=file.kind, name=file.name, version=latest + 1,
                                    content=file.content, content_hash=file.content_hash,
                                    provides=definitions.provides(file), deployed_by=actor_name(actor),
                                    deployed_at=now)
            versions[(file.kind, file.name)] = row
            changed_info.append({"kind": file.kind, "name": file.name, "version": row.version,
                                 "content_hash": row.content_hash, "provides": row.provides})
        deployment = Deployment(deployed_by=actor_name(actor), deployed_at=now, files=list(versions.values()))
        uow.session.add(deployment)
        uow.flush()
        uow.record(actor_name(actor), "definitions.deployed", {"deployment_id": deployment.id, "files": changed_info})
        uow.commit()
        kinerja.definitions.remember(deployment.id, definitions)
        return DeployResult(deployment.id, changed_info, created=True)


def check_definitions(kinerja: Kinerja, actor: Actor, files: Iterable[DefinitionFile]) -> list[dict[str, Any]]:
    """The problems deploying these files now would be refused for; empty if it would succeed (HR)."""
    with kinerja.reading() as uow:
        authorise(uow.session, actor, CHANGE_DEFINITIONS)
        try:
            _merged_definitions(uow, list(files))
        except InvalidDefinition as error:
            return list(error.details or [])
    return []


def definition_warnings(kinerja: Kinerja, actor: Actor, files: Iterable[DefinitionFile]) -> list[dict[str, Any]]:
    """What deploying these files would allow but should not be left so (HR): user tasks
    without a deadline or a timer boundary event (engine.task_deadlines). A file too broken
    to read has problems (:func:`check_definitions`), not warnings."""
    with kinerja.reading() as uow:
        authorise(uow.session, actor, CHANGE_DEFINITIONS)
    warnings: list[dict[str, Any]] = []
    for file in files:
        root = parse_xml(file)[0] if file.kind == "bpmn" else None
        if root is not None:
            warnings += tasks_without_end(file.filename, root)
    return warnings


def evaluate_decision(kinerja: Kinerja, actor: Actor, decision_id: str, data: dict[str, Any],
                      deployment_id: Optional[int] = None) -> DecisionRecord:
    """Evaluate one deployed decision table on ``data`` (default: the newest deployment), as an
    auditor checks what a table answers."""
    with kinerja.reading() as uow:
        authorise(uow.session, actor, AUDIT)
        deployment = uow.session.get(Deployment, deployment_id) if deployment_id else newest_deployment(uow.session)
        if deployment is None:
            raise NotFound("nothing is deployed yet" if deployment_id is None
                           else f"deployment {deployment_id} does not exist")
        definitions = kinerja.definitions.of(uow.session, deployment.id)
    try:
        dmn_engine = definitions.decision_engine(decision_id)
    except KeyError:
        raise NotFound(f"decision '{decision_id}' is not deployed") from None
    return guarded(lambda: run_decision(dmn_engine, decision_id, data))


def _merged_definitions(uow: UnitOfWork, uploaded: list[DefinitionFile]) -> tuple[
        Optional[Deployment], dict[tuple[str, str], DefinitionVersion], DefinitionSet]:
    """The newest deployment with the uploaded files replacing theirs, parsed and validated as one set."""
    current = newest_deployment(uow.session)
    current_files = {(f.kind, f.name): f for f in (current.files if current else [])}
    merged = {key: DefinitionFile(v.kind, v.name, v.content) for key, v in current_files.items()}
    merged.update({(f.kind, f.name): f for f in uploaded})
    return current, current_files, DefinitionSet(list(merged.values()))  # raises InvalidDefinition


def element_names(kinerja: Kinerja, actor: Actor) -> dict[str, str]:
    """The name of every named element of the newest deployment's processes, by id, for any
    signed-in user: what pages show for an element id of the audit trail instead of the id
    (ids stay the same across versions of a diagram). Empty before anything is deployed."""
    with kinerja.reading() as uow:
        authorise(uow.session, actor)
        deployment = newest_deployment(uow.session)
        if deployment is None:
            return {}
        definitions = kinerja.definitions.of(uow.session, deployment.id)
    return definitions.element_names()
