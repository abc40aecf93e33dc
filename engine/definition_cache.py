"""Parsed definitions per deployment, kept for the life of the process.

Deployments never change once stored, so a deployment's BPMN, DMN and forms are parsed
once (the costly part of loading an instance) and the DMN file behind each decision is
looked up once.
"""
from __future__ import annotations

import threading
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .definitions import DefinitionFile, DefinitionSet
from .errors import NotFound
from .models import DefinitionVersion, Deployment, DeploymentFile


class DefinitionCache:
    def __init__(self) -> None:
        self._sets: dict[int, DefinitionSet] = {}
        self._decision_sources: dict[tuple[int, str], Optional[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def of(self, session: Session, deployment_id: int) -> DefinitionSet:
        """The parsed definitions of a deployment."""
        cached = self._sets.get(deployment_id)
        if cached is not None:
            return cached
        deployment = session.get(Deployment, deployment_id)
        if deployment is None:
            raise NotFound(f"deployment {deployment_id} does not exist")
        definitions = DefinitionSet([DefinitionFile(f.kind, f.name, f.content) for f in deployment.files])
        with self._lock:
            return self._sets.setdefault(deployment_id, definitions)

    def remember(self, deployment_id: int, definitions: DefinitionSet) -> None:
        """Keep the set a deploy has just validated (it is the deployment's, parsed already)."""
        with self._lock:
            self._sets[deployment_id] = definitions

    def decision_source(self, session: Session, deployment_id: int, decision_id: str) -> Optional[dict[str, Any]]:
        """The DMN file version of ``deployment_id`` that provides ``decision_id``: its
        definition version id, name, version and content hash (None if no file provides it)."""
        key = (deployment_id, decision_id)
        if key not in self._decision_sources:
            versions = session.scalars(
                select(DefinitionVersion).join(DeploymentFile,
                                               DeploymentFile.definition_version_id == DefinitionVersion.id)
                .where(DeploymentFile.deployment_id == deployment_id, DefinitionVersion.kind == "dmn")).all()
            source = next(({"definition_version_id": v.id, "name": v.name, "version": v.version,
                            "content_hash": v.content_hash} for v in versions if decision_id in v.provides), None)
            with self._lock:
                self._decision_sources[key] = source
        return self._decision_sources[key]


def newest_deployment(session: Session) -> Optional[Deployment]:
    """The deployment new instances start on (None before the first deploy)."""
    return session.scalar(select(Deployment).order_by(Deployment.id.desc()).limit(1))
