"""The employee import's use cases: stage a file, preview it (the dry run), import it.

Every door goes the same way: :func:`stage_import` keeps the file's rows as an
``org_import_runs`` row; :func:`preview_import` reports what they would do; the import
fixes the rows to write (:func:`start_import`), writes them in batches, one transaction
and one audit event each (:func:`import_batch`), and closes the run
(:func:`finish_import`). :func:`run_import` does all three in this process (the CLI, the
API and small files on the page); a large file's batches run in a Prefect flow
(``workflows/org_import.py``) while the page shows the run's progress
(:func:`import_run_info`), as the open-cycle flow does. Only HR (or an operator) imports.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import authorise, require_own_organisation
from .actors import Actor, actor_name
from .errors import Conflict, NotFound
from .models import Organisation
from .org_import import Plan, plan_import, write_batch
from .org_import_rows import ImportRow
from .org_import_tables import OrgImportRun
from .permissions import IMPORT_ORGANISATION

if TYPE_CHECKING:
    from .kinerja import Kinerja

BATCH_SIZE = 500  # rows per transaction
BACKGROUND_ROWS = 2000  # files with more rows import in a background flow (the pages and the API)


@dataclass(frozen=True)
class ImportPreview:
    """The dry run of a staged file."""

    run_id: int
    organisation: str
    filename: str
    plan: Plan


def stage_import(kinerja: "Kinerja", actor: Actor, organisation_code: str, filename: str,
                 rows: list[ImportRow]) -> int:
    """Keep a file's rows for a preview and an import; returns the run's id."""
    with kinerja.unit_of_work() as uow:
        organisation = _organisation(uow.session, actor, organisation_code)
        run = OrgImportRun(organisation_id=organisation.id, filename=filename[:200], requested_by=actor_name(actor),
                           requested_at=uow.clock.now(), status="staged", rows=[row.as_dict() for row in rows],
                           processed=0, counts={})
        uow.session.add(run)
        uow.commit()
        return run.id


def preview_import(kinerja: "Kinerja", actor: Actor, run_id: int) -> ImportPreview:
    """What importing the staged file would do now, row by row (writes nothing)."""
    with kinerja.reading() as uow:
        run, organisation = _run(uow.session, actor, run_id)
        return ImportPreview(run.id, organisation.code, run.filename,
                             plan_import(uow.session, organisation, _rows(run)))


def start_import(kinerja: "Kinerja", actor: Actor, run_id: int) -> int:
    """Fix the rows to write (the plan at this moment) and mark the run running; returns how
    many rows it will write. A run that was started already is a 409."""
    with kinerja.unit_of_work() as uow:
        run, organisation = _run(uow.session, actor, run_id)
        if run.status != "staged":
            raise Conflict(f"import {run_id} was started already ({run.status})")
        plan = plan_import(uow.session, organisation, _rows(run))
        position = {row["line"]: index for index, row in enumerate(run.rows)}
        run.order = [position[row.line] for row in plan.writes]
        counts = plan.counts
        run.counts = {"refused": counts["refused"], "unchanged": counts["unchanged"], "create": 0, "change": 0,
                      "moved": 0}
        run.status = "running"
        uow.record(actor_name(actor), "org.import_started",
                   {"organisation": organisation.code, "run_id": run.id, "filename": run.filename,
                    "rows": len(run.rows), "to_write": len(run.order), "refused": counts["refused"]})
        uow.commit()
        return len(run.order)


def import_batch(kinerja: "Kinerja", actor: Actor, run_id: int, number: int, batch_size: int = BATCH_SIZE) -> int:
    """Write batch ``number`` (from 0) of a running import in one transaction; returns the
    rows it covered. A batch the run has already counted (a retry after its commit) is skipped."""
    with kinerja.unit_of_work() as uow:
        run, organisation = _run(uow.session, actor, run_id)
        start, end = number * batch_size, min((number + 1) * batch_size, len(run.order or []))
        if run.status != "running" or run.processed >= end:
            return 0
        rows = [ImportRow(**run.rows[index]) for index in (run.order or [])[start:end]]
        counts = write_batch(kinerja, uow, actor_name(actor), organisation, rows)
        run.counts = {key: run.counts.get(key, 0) + counts.get(key, 0) for key in {*run.counts, *counts}}
        run.processed = end
        uow.commit()
        return end - start


def finish_import(kinerja: "Kinerja", actor: Actor, run_id: int, error: Optional[str] = None) -> None:
    """Close the run: completed, or failed with the reason (batches already written stay)."""
    with kinerja.unit_of_work() as uow:
        run, organisation = _run(uow.session, actor, run_id)
        run.status = "failed" if error else "completed"
        run.error = error[:2000] if error else None
        run.finished_at = uow.clock.now()
        uow.record(actor_name(actor), "org.import_finished",
                   {"organisation": organisation.code, "run_id": run.id, "status": run.status, **run.counts})
        uow.commit()


def batches_of(kinerja: "Kinerja", actor: Actor, run_id: int, batch_size: int = BATCH_SIZE) -> int:
    """How many batches a started run has."""
    info = import_run_info(kinerja, actor, run_id)
    return -(-info["total"] // batch_size)


def run_import(kinerja: "Kinerja", actor: Actor, run_id: int, batch_size: int = BATCH_SIZE) -> dict[str, Any]:
    """Start, write every batch and finish, in this process; returns :func:`import_run_info`."""
    total = start_import(kinerja, actor, run_id)
    try:
        for number in range(-(-total // batch_size)):
            import_batch(kinerja, actor, run_id, number, batch_size)
    except Exception as error:
        finish_import(kinerja, actor, run_id, getattr(error, "message", None) or f"{type(error).__name__}: {error}")
        raise
    finish_import(kinerja, actor, run_id)
    return import_run_info(kinerja, actor, run_id)


def import_run_info(kinerja: "Kinerja", actor: Actor, run_id: int,
                    organisation_code: Optional[str] = None) -> dict[str, Any]:
    """A run's state and progress: ``processed`` of ``total`` rows to write, and its counts;
    with ``organisation_code``, a run of another organisation is not found."""
    with kinerja.reading() as uow:
        run, organisation = _run(uow.session, actor, run_id)
        if organisation_code is not None and organisation.code != organisation_code:
            raise NotFound(f"import {run_id} of '{organisation_code}' does not exist")
        return {"id": run.id, "organisation": organisation.code, "filename": run.filename, "status": run.status,
                "rows": len(run.rows), "total": len(run.order or []), "processed": run.processed,
                "counts": dict(run.counts), "requested_by": run.requested_by, "requested_at": run.requested_at,
                "finished_at": run.finished_at, "error": run.error}


def _organisation(session: Session, actor: Actor, code: str) -> Organisation:
    user = authorise(session, actor, IMPORT_ORGANISATION)
    organisation = session.scalar(select(Organisation).where(Organisation.code == code))
    if organisation is None:
        raise NotFound(f"organisation '{code}' does not exist")
    require_own_organisation(user, organisation.id, f"organisation '{code}'")
    return organisation


def _run(session: Session, actor: Actor, run_id: int) -> tuple[OrgImportRun, Organisation]:
    user = authorise(session, actor, IMPORT_ORGANISATION)
    run = session.get(OrgImportRun, run_id)
    if run is None:
        raise NotFound(f"import {run_id} does not exist")
    require_own_organisation(user, run.organisation_id, f"import {run_id}")
    organisation = session.get(Organisation, run.organisation_id)
    assert organisation is not None
    return run, organisation


def _rows(run: OrgImportRun) -> list[ImportRow]:
    return [ImportRow(**row) for row in run.rows]

