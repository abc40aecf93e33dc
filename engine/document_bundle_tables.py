"""Bundles of a cycle's printed documents: one ZIP HR downloads for the whole cycle or one unit.

A row is HR's request and, while the document-bundle flow runs, its progress: ``items``
fixes at the start which documents go in (kind, id, path in the ZIP, and once rendered the
storage key of its PDF), ``done`` counts those rendered, ``failed`` those of them that
could not be (each named in ``failures``); when all are through, the ZIP is written to the
document storage under its SHA-256 (``zip_sha256``, ``zip_size``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UtcDateTime

BUNDLE_STATUSES = ("queued", "running", "done", "failed")


class DocumentBundle(Base):
    """One request for a ZIP of a cycle's documents (of one unit, or all) and its progress."""

    __tablename__ = "document_bundles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"))  # None: the whole cycle
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    verify_base: Mapped[str] = mapped_column(String(300))  # where the documents' QR codes point
    status: Mapped[str] = mapped_column(String(16))  # one of BUNDLE_STATUSES
    # [{"kind": "skp"|"evaluation", "id", "path", "key"}]: key is None until rendered
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    reused: Mapped[int] = mapped_column(Integer)  # of those done, taken from storage without rendering
    failures: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # {"path", "message"}
    zip_name: Mapped[Optional[str]] = mapped_column(String(200))
    zip_sha256: Mapped[Optional[str]] = mapped_column(String(64))  # the ZIP's key in the document storage
    zip_size: Mapped[Optional[int]] = mapped_column(Integer)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UtcDateTime)
    error: Mapped[Optional[str]] = mapped_column(String(2000))
