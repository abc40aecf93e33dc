"""The process library: every deployed definition file with its versions, for HR.

Read side only. A version's "running instances" are those running on a deployment that
contains that version (deployments are snapshots of every file, see ``Deployment``).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import func, select

from .access import authorise
from .actors import Actor
from .definition_cache import newest_deployment
from .definitions import filename_of
from .errors import NotFound
from .kinerja import Kinerja
from .models import DefinitionVersion, Deployment, DeploymentFile, ProcessInstance
from .permissions import READ_DEFINITIONS

MEDIA_TYPES = {"bpmn": "application/xml", "dmn": "application/xml", "form": "application/json"}


@dataclass(frozen=True)
class VersionInfo:
    version: int
    deployed_by: str
    deployed_at: datetime
    content_hash: str
    running_instances: int
    current: bool  # part of the newest deployment


@dataclass(frozen=True)
class LibraryEntry:
    kind: str  # bpmn | dmn | form
    name: str
    provides: list[str]  # process ids, decision ids or the form key, as of the newest version
    versions: list[VersionInfo]  # newest first

    @property
    def filename(self) -> str:
        return filename_of(self.kind, self.name)


@dataclass(frozen=True)
class VersionContent:
    kind: str
    name: str
    version: int
    content: str
    filename: str
    media_type: str


@dataclass(frozen=True)
class DeploymentSummary:
    id: int
    deployed_by: str
    deployed_at: datetime
    running_instances: int


def definition_library(kinerja: Kinerja, actor: Actor) -> list[LibraryEntry]:
    with kinerja.reading() as uow:
        authorise(uow.session, actor, READ_DEFINITIONS)
        running = dict(uow.session.execute(
            select(DeploymentFile.definition_version_id, func.count(ProcessInstance.id))
            .join(ProcessInstance, ProcessInstance.deployment_id == DeploymentFile.deployment_id)
            .where(ProcessInstance.status == "running").group_by(DeploymentFile.definition_version_id)).all())
        newest = uow.session.scalar(select(func.max(Deployment.id)))
        current = set(uow.session.scalars(select(DeploymentFile.definition_version_id)
                                          .where(DeploymentFile.deployment_id == newest)))
        rows = uow.session.scalars(select(DefinitionVersion).order_by(
            DefinitionVersion.kind, DefinitionVersion.name, DefinitionVersion.version.desc())).all()
        entries: dict[tuple[str, str], LibraryEntry] = {}
        for row in rows:
            entry = entries.setdefault((row.kind, row.name), LibraryEntry(row.kind, row.name, list(row.provides), []))
            entry.versions.append(VersionInfo(row.version, row.deployed_by, row.deployed_at, row.content_hash,
                                              running.get(row.id, 0), row.id in current))
        return list(entries.values())


def definition_version(kinerja: Kinerja, actor: Actor, kind: str, name: str,
                       version: Optional[int] = None) -> VersionContent:
    """One version's content; without ``version``, the one in the newest deployment."""
    with kinerja.reading() as uow:
        authorise(uow.session, actor, READ_DEFINITIONS)
        query = select(DefinitionVersion).where(DefinitionVersion.kind == kind, DefinitionVersion.name == name)
        if version is None:
            newest = select(func.max(Deployment.id)).scalar_subquery()
            query = query.join(DeploymentFile, DeploymentFile.definition_version_id == DefinitionVersion.id) \
                .where(DeploymentFile.deployment_id == newest)
        else:
            query = query.where(DefinitionVersion.version == version)
        row = uow.session.scalar(query)
        if row is None:
            raise NotFound(f"{kind} '{name}'{f' version {version}' if version else ''} does not exist")
        return VersionContent(row.kind, row.name, row.version, row.content, filename_of(row.kind, row.name),
                              MEDIA_TYPES[row.kind])


def compare_versions(kinerja: Kinerja, actor: Actor, kind: str, name: str, old: int, new: int) -> list[str]:
    """A unified diff of two versions' text (what HR reviews before and after a change)."""
    before = definition_version(kinerja, actor, kind, name, old)
    after = definition_version(kinerja, actor, kind, name, new)
    return list(difflib.unified_diff(before.content.splitlines(), after.content.splitlines(),
                                     f"{before.filename} v{old}", f"{after.filename} v{new}", lineterm=""))


def deployments_with_running_instances(kinerja: Kinerja, actor: Actor) -> list[DeploymentSummary]:
    """Older deployments that still have running instances: the candidates for a migration
    (never the newest, which new instances start on: nothing is older than it)."""
    with kinerja.reading() as uow:
        authorise(uow.session, actor, READ_DEFINITIONS)
        newest = newest_deployment(uow.session)
        rows = uow.session.execute(
            select(Deployment, func.count(ProcessInstance.id))
            .join(ProcessInstance, ProcessInstance.deployment_id == Deployment.id)
            .where(ProcessInstance.status == "running", Deployment.id != (newest.id if newest else None))
            .group_by(Deployment.id).order_by(Deployment.id.desc())).all()
        return [DeploymentSummary(d.id, d.deployed_by, d.deployed_at, count) for d, count in rows]
