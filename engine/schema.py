"""Every table of the database, registered on one metadata.

The tables live in the modules of their subject (:mod:`engine.models`, :mod:`engine.skp_tables`,
:mod:`engine.evaluation_tables`);
whatever needs the whole schema (Alembic, the engine's handle, a test emptying the
database) imports :data:`METADATA` from here, so no table is missing from it.
"""
from __future__ import annotations

from . import evaluation_tables, skp_tables  # noqa: F401 - registers the SKP's and the evaluation's tables
from . import appraisal_tables  # noqa: F401 - registers the annual appraisal's 360 input and objections
from .models import Base

METADATA = Base.metadata
