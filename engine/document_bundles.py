"""Every printed document of a cycle (or of one unit) as one ZIP, for HR to file or hand on.

HR asks (:func:`request_document_bundle`: permission ``run_cycles``, the cycle's own work
like opening it or the predikat report), which fixes the documents that go in — each
employee's agreed SKP and every rated evaluation (periods and the year) — and queues a
``document_bundles`` row. The document-bundle flow (``workflows/document_bundles.py``)
renders them a batch at a time (:func:`render_bundle_batch`), each through the same use
cases as a single download (:func:`engine.documents.skp_pdf`,
:func:`~engine.documents.evaluation_pdf`) in the name of the HR user who asked, so a
document in the ZIP has the same verification code as the one downloaded alone, and the
per-employee read check still applies. After each batch the row counts how far it got;
the cycle page and the API show it. :func:`finish_bundle` writes the ZIP, one folder per
unit, to the document storage (content-addressed, :mod:`engine.evidence_storage`'s
interface) and :func:`bundle_download` reads it back for HR.

Re-running reuses what is unchanged: every PDF rendered is kept in the document storage
under its SHA-256, which the issued document records, so an unchanged document is read
back instead of rendered (``reused``), keeping its code and bytes; a changed one (a rating
calibrated) is issued anew with a new code. The ZIP's entries carry a fixed date, so the
same documents make the same ZIP, byte for byte.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import authorise, require_own_organisation
from .actors import Actor, actor_name
from .cycles import cycle_for
from .document_bundle_tables import DocumentBundle
from .documents import DocumentFile, evaluation_pdf, skp_pdf
from .errors import Conflict, KinerjaError, NotFound
from .evaluation_tables import Evaluation
from .kinerja import Kinerja
from .models import Cycle, Employee, Organisation, Unit
from .permissions import RUN_CYCLES
from .skp_tables import Skp

BATCH_SIZE = 100  # documents per batch (about 50 employees: an SKP and an annual evaluation each)
MAX_FAILURE_MESSAGE = 500
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # every entry's date: the same documents make the same ZIP
REQUESTED, FINISHED = "document.bundle_requested", "document.bundle_finished"


@dataclass(frozen=True)
class BundleView:
    """A bundle and its progress: ``done`` of ``total`` documents through, ``failed`` of them
    not rendered (named in ``failures``), ``reused`` of them read back unchanged."""

    id: int
    cycle_id: int
    unit_id: Optional[int]
    unit_name: Optional[str]
    status: str
    requested_by: str
    requested_at: datetime
    finished_at: Optional[datetime]
    total: int
    done: int
    failed: int
    reused: int
    failures: list[dict[str, Any]]
    zip_name: Optional[str]
    zip_sha256: Optional[str]
    zip_size: Optional[int]
    error: Optional[str]


def request_document_bundle(kinerja: Kinerja, actor: Actor, cycle_id: int, unit_id: Optional[int],
                            verify_base: str) -> BundleView:
    """Queue a ZIP of the cycle's documents (of ``unit_id``'s employees, or all); the caller
    then starts the document-bundle flow with the bundle's id. Another organisation's cycle
    or unit does not exist (404)."""
    with kinerja.unit_of_work() as uow:
        cycle = cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        unit = uow.session.get(Unit, unit_id) if unit_id is not None else None
        if unit_id is not None and (unit is None or unit.organisation_id != cycle.organisation_id):
            raise NotFound(f"unit {unit_id} does not exist")
        items = _documents(uow.session, cycle.id, unit_id)
        bundle = DocumentBundle(organisation_id=cycle.organisation_id, cycle_id=cycle.id, unit_id=unit_id,
                                requested_by=actor_name(actor), requested_at=uow.clock.now(),
                                verify_base=verify_base[:300], status="queued", items=items, total=len(items),
                                done=0, failed=0, reused=0, failures=[])
        uow.session.add(bundle)
        uow.flush()
        uow.record(actor_name(actor), REQUESTED, {"bundle_id": bundle.id, "cycle_id": cycle.id,
                                                  "unit": unit.code if unit else None, "documents": len(items)})
        uow.commit()
        return _view(uow.session, bundle)


def bundle_started(kinerja: Kinerja, actor: Actor, bundle_id: int) -> int:
    """Mark a queued bundle as running; the number of documents it holds."""
    with kinerja.unit_of_work() as uow:
        bundle = _bundle(uow.session, actor, bundle_id)
        if bundle.status == "queued":
            bundle.status = "running"
        uow.commit()
        return bundle.total


def render_bundle_batch(kinerja: Kinerja, actor: Actor, bundle_id: int, number: int,
                        batch_size: int = BATCH_SIZE) -> int:
    """Render batch ``number`` (from 0) of a running bundle, each document through its own use
    case, then count them in one transaction; returns how many it covered. A batch already
    counted (a retry after its commit) is skipped; a document that cannot be rendered is
    counted as failed with the reason, never fatal."""
    with kinerja.reading() as uow:
        bundle = _bundle(uow.session, actor, bundle_id)
        start, end = number * batch_size, min((number + 1) * batch_size, bundle.total)
        if bundle.status != "running" or bundle.done + bundle.failed >= end:
            return 0
        wanted, verify_base = [dict(item) for item in bundle.items[start:end]], bundle.verify_base
    failures, reused = [], 0
    for item in wanted:
        try:
            document = _render(kinerja, actor, item, verify_base)
        except (KinerjaError, OSError, ValueError) as error:
            message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
            failures.append({"path": f"{item['folder']}/{item['kind']}-{item['id']}",
                             "message": message[:MAX_FAILURE_MESSAGE]})
            continue
        item.update(path=f"{item['folder']}/{document.filename}", key=_sha(document), code=document.code)
        reused += document.reused
    with kinerja.unit_of_work() as uow:
        bundle = _bundle(uow.session, actor, bundle_id)
        bundle.items = [*bundle.items[:start], *wanted, *bundle.items[end:]]  # a new list: JSON sees assignments
        bundle.done += len(wanted) - len(failures)
        bundle.failed += len(failures)
        bundle.reused += reused
        bundle.failures = [*bundle.failures, *failures]
        uow.commit()
    return end - start


def finish_bundle(kinerja: Kinerja, actor: Actor, bundle_id: int, error: Optional[str] = None) -> BundleView:
    """Write the ZIP of the rendered documents and mark the bundle done, or failed with
    ``error`` when the run itself died. The first account of how a bundle ended stands."""
    with kinerja.reading() as uow:
        bundle = _bundle(uow.session, actor, bundle_id)
        if bundle.finished_at is not None:
            return _view(uow.session, bundle)
        entries = [(item["path"], item["key"]) for item in bundle.items if item.get("key")]
        name = _zip_name(uow.session, bundle)
    content = b"" if error else _zip(kinerja, entries)
    key = kinerja.documents.put(content) if not error else None  # the file before the row that names it
    with kinerja.unit_of_work() as uow:
        bundle = _bundle(uow.session, actor, bundle_id)
        bundle.status, bundle.finished_at = ("failed" if error else "done"), uow.clock.now()
        bundle.error = error[:2000] if error else None
        if key is not None:
            bundle.zip_name, bundle.zip_sha256, bundle.zip_size = name, key, len(content)
        uow.record(actor_name(actor), FINISHED, {
            "bundle_id": bundle.id, "status": bundle.status, "total": bundle.total, "done": bundle.done,
            "failed": bundle.failed, "reused": bundle.reused, "zip_sha256": key, **({"error": error} if error else {})})
        uow.commit()
        return _view(uow.session, bundle)


def run_bundle(kinerja: Kinerja, actor: Actor, bundle_id: int, batch_size: int = BATCH_SIZE) -> BundleView:
    """Every batch and the ZIP, in this process (the flow does the same a task per batch)."""
    total = bundle_started(kinerja, actor, bundle_id)
    for number in range(-(-total // batch_size)):
        render_bundle_batch(kinerja, actor, bundle_id, number, batch_size)
    return finish_bundle(kinerja, actor, bundle_id)


def document_bundle(kinerja: Kinerja, actor: Actor, bundle_id: int) -> BundleView:
    """One bundle and its progress (another organisation's does not exist)."""
    with kinerja.reading() as uow:
        return _view(uow.session, _bundle(uow.session, actor, bundle_id))


def cycle_bundles(kinerja: Kinerja, actor: Actor, cycle_id: int, limit: int = 3) -> list[BundleView]:
    """The cycle's latest bundles, newest first."""
    with kinerja.reading() as uow:
        cycle_for(uow.session, actor, cycle_id, RUN_CYCLES)
        return [_view(uow.session, bundle) for bundle in uow.session.scalars(
            select(DocumentBundle).where(DocumentBundle.cycle_id == cycle_id)
            .order_by(DocumentBundle.id.desc()).limit(limit))]


def bundle_download(kinerja: Kinerja, actor: Actor, bundle_id: int) -> tuple[str, bytes]:
    """The finished ZIP's file name and bytes; a bundle not done yet is a 409."""
    with kinerja.reading() as uow:
        bundle = _bundle(uow.session, actor, bundle_id)
        if bundle.status != "done" or bundle.zip_sha256 is None or bundle.zip_name is None:
            raise Conflict(f"document bundle {bundle_id} is not ready ({bundle.status})")
        name, key = bundle.zip_name, bundle.zip_sha256
    return name, kinerja.documents.open(key)


def _documents(session: Session, cycle_id: int, unit_id: Optional[int]) -> list[dict[str, Any]]:
    """What goes in, employee by employee (by unit, then NIP): the agreed SKP, then the rated
    evaluations in period order (the year last)."""
    people = select(Employee.id, Unit.code, Unit.name).join(Unit, Unit.id == Employee.unit_id)
    if unit_id is not None:
        people = people.where(Employee.unit_id == unit_id)
    folders = {employee_id: _folder(code, name) for employee_id, code, name in session.execute(people)}
    skps = session.execute(select(Skp.employee_id, Skp.id).where(Skp.cycle_id == cycle_id, Skp.status == "agreed"))
    evaluations = session.execute(select(Evaluation.employee_id, Evaluation.period, Evaluation.id).where(
        Evaluation.cycle_id == cycle_id, Evaluation.rating_hasil_kerja.is_not(None)))
    documents = [(employee_id, 0, "skp", skp_id) for employee_id, skp_id in skps if employee_id in folders]
    documents += [(employee_id, period or 10_000, "evaluation", evaluation_id)
                  for employee_id, period, evaluation_id in evaluations if employee_id in folders]
    nips = dict(session.execute(select(Employee.id, Employee.nip).where(Employee.id.in_(folders))).all())
    documents.sort(key=lambda row: (folders[row[0]], nips[row[0]], row[1], row[3]))
    return [{"kind": kind, "id": record_id, "folder": folders[employee_id], "path": None, "key": None, "code": None}
            for employee_id, _order, kind, record_id in documents]


def _render(kinerja: Kinerja, actor: Actor, item: dict[str, Any], verify_base: str) -> DocumentFile:
    use_case = skp_pdf if item["kind"] == "skp" else evaluation_pdf
    return use_case(kinerja, actor, item["id"], verify_base, store=kinerja.documents)


def _zip(kinerja: Kinerja, entries: list[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, key in entries:
            info = zipfile.ZipInfo(path, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, kinerja.documents.open(key))
    return buffer.getvalue()


def _folder(code: str, name: str) -> str:
    """A unit's folder in the ZIP: its code and name, without path separators."""
    return re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "-", f"{code} {name}").strip() or "unit"


def _zip_name(session: Session, bundle: DocumentBundle) -> str:
    organisation = session.get(Organisation, bundle.organisation_id)
    cycle = session.get(Cycle, bundle.cycle_id)
    unit = session.get(Unit, bundle.unit_id) if bundle.unit_id is not None else None
    assert organisation is not None and cycle is not None
    scope = f"-{unit.code}" if unit is not None else ""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", f"dokumen-{organisation.code}-{cycle.year}{scope}") + ".zip"


def _sha(document: DocumentFile) -> str:
    return hashlib.sha256(document.content).hexdigest()


def _bundle(session: Session, actor: Actor, bundle_id: int) -> DocumentBundle:
    user = authorise(session, actor, RUN_CYCLES)
    bundle = session.get(DocumentBundle, bundle_id)
    if bundle is None:
        raise NotFound(f"document bundle {bundle_id} does not exist")
    require_own_organisation(user, bundle.organisation_id, f"document bundle {bundle_id}")
    return bundle


def _view(session: Session, bundle: DocumentBundle) -> BundleView:
    unit = session.get(Unit, bundle.unit_id) if bundle.unit_id is not None else None
    return BundleView(bundle.id, bundle.cycle_id, bundle.unit_id, unit.name if unit else None, bundle.status,
                      bundle.requested_by, bundle.requested_at, bundle.finished_at, bundle.total, bundle.done,
                      bundle.failed, bundle.reused, list(bundle.failures or []), bundle.zip_name, bundle.zip_sha256,
                      bundle.zip_size, bundle.error)
