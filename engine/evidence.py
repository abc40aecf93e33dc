"""Evidence files (bukti dukung): uploading them to an open realisation task, reading them
back, removing one while the task is open.

A file is checked and stored (:mod:`engine.evidence_storage`) before the transaction that
records it: its row and the ``evidence.uploaded`` audit event with its SHA-256 commit
together, so the audit trail names the bytes a download returns. Only whoever may complete
the realisation task uploads to it (:func:`engine.assignment.may_work_on`); whoever may read
the employee's file reads the evidence (:func:`engine.access.may_view_employee`), others get
404 like for any record of an employee they may not read. The task's step links the uploads
its answer names to the realisation rows (:mod:`engine.realisation_step`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from .access import authorise, may_view_employee, note_auditor_read, reads_task_context
from .actors import Actor
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .evidence_storage import check_upload
from .kinerja import Kinerja
from .models import HumanTask, ProcessInstance, User
from .realisation_step import indicators_of
from .realisation_tables import BuktiDukung
from .skp_tables import Skp
from .tasks import open_task_for
from .unit_of_work import UnitOfWork
from .vocabulary import REALISATION_FORM


@dataclass(frozen=True)
class EvidenceFile:
    """A stored evidence file: what a download sends."""

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    content: Optional[bytes]  # None when only the facts were asked for


def upload_evidence(kinerja: Kinerja, actor: Actor, task_id: int, filename: str, content_type: Optional[str],
                    content: bytes, indikator_id: Optional[int] = None) -> int:
    """Store an evidence file for an open realisation task (and, optionally, one indicator of
    its SKP); its id. 403/404/409 as for completing the task, 413 past the size limit, 422 for
    a refused type or an indicator of another SKP."""
    with kinerja.reading() as uow:  # refuse who may not upload before reading what they sent
        _realisation_task(uow, actor, task_id, indikator_id)
    checked = check_upload(filename, content_type, content)
    key = kinerja.evidence.put(content)
    with kinerja.unit_of_work() as uow:
        task, user = _realisation_task(uow, actor, task_id, indikator_id)
        employee_id, cycle_id = _employee_and_cycle(uow, task)
        row = BuktiDukung(employee_id=employee_id, cycle_id=cycle_id, indikator_id=indikator_id, kind="file",
                          filename=checked.filename, content_type=checked.content_type, size=checked.size,
                          sha256=checked.sha256, storage_key=key, uploaded_by_user_id=user.id,
                          uploaded_at=uow.clock.now(), task_id=task.id)
        uow.session.add(row)
        uow.flush()
        uow.record(user.username, "evidence.uploaded",
                   {"evidence_id": row.id, "filename": row.filename, "content_type": row.content_type,
                    "size": row.size, "sha256": row.sha256, "indikator_id": indikator_id},
                   instance_id=task.instance_id, task_id=task.id)
        uow.commit()
        return row.id


def evidence_file(kinerja: Kinerja, actor: Actor, evidence_id: int, with_content: bool = True) -> EvidenceFile:
    """An evidence file with its bytes (``with_content``), for whoever may read the employee's
    file (404 otherwise)."""
    with kinerja.unit_of_work() as uow:
        user = authorise(uow.session, actor)
        row = uow.session.get(BuktiDukung, evidence_id)
        if row is None or row.kind != "file" or row.storage_key is None or (
                user is not None and not may_view_employee(uow.session, user, row.employee_id)):
            raise NotFound(f"evidence file {evidence_id} does not exist")
        found = EvidenceFile(row.id, row.filename or "", row.content_type or "application/octet-stream",
                             row.size or 0, row.sha256 or "", row.uploaded_at,
                             kinerja.evidence.open(row.storage_key) if with_content else None)
        if user is not None:
            note_auditor_read(uow, user, "evidence", evidence_id=row.id, employee_id=row.employee_id)
        return found


def remove_evidence(kinerja: Kinerja, actor: Actor, evidence_id: int) -> None:
    """Take an upload back while its realisation task is open (the stored bytes stay: they
    may be another row's too, and the audit trail names them)."""
    with kinerja.unit_of_work() as uow:
        row = uow.session.get(BuktiDukung, evidence_id)
        if row is None:
            raise NotFound(f"evidence file {evidence_id} does not exist")
        task, user = _realisation_task(uow, actor, row.task_id, None)
        uow.record(user.username, "evidence.removed", {"evidence_id": row.id, "sha256": row.sha256},
                   instance_id=task.instance_id, task_id=task.id)
        uow.session.delete(row)
        uow.commit()


def _realisation_task(uow: UnitOfWork, actor: Actor, task_id: int,
                      indikator_id: Optional[int]) -> tuple[HumanTask, User]:
    """The open realisation task ``actor`` may complete: 404 for a task they may not even
    read (another team's), else the refusals of :func:`engine.tasks.open_task_for`."""
    try:
        task, user = open_task_for(uow, actor, task_id)
    except Forbidden:
        task, user = uow.session.get(HumanTask, task_id), authorise(uow.session, actor)
        if task is None or user is None or not reads_task_context(uow.session, user, task):
            raise NotFound(f"task {task_id} does not exist") from None
        raise
    if task.form_key != REALISATION_FORM:
        raise Conflict(f"task {task_id} does not report a realisation; evidence goes to a realisation task",
                       details={"reason": "not_realisation"})
    if indikator_id is not None and indikator_id not in indicators_of(uow.session, task.skp_id):
        raise ValidationFailed(f"indikator {indikator_id} bukan bagian dari SKP tugas ini",
                               details=[{"field": "indikator", "message": "bukan bagian dari SKP tugas ini"}])
    return task, user


def _employee_and_cycle(uow: UnitOfWork, task: HumanTask) -> tuple[int, int]:
    skp = uow.session.get(Skp, task.skp_id) if task.skp_id else None
    if skp is not None:
        return skp.employee_id, skp.cycle_id
    instance = uow.session.get(ProcessInstance, task.instance_id)
    if instance is None or instance.subject_employee_id is None or instance.cycle_id is None:
        raise Conflict("this process is about no employee's cycle, so it takes no evidence",
                       details={"reason": "no_cycle"})
    return instance.subject_employee_id, instance.cycle_id
