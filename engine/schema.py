"""Every table of the database, registered on one metadata.

The tables live in the modules of their subject (:mod:`engine.models`, :mod:`engine.skp_tables`,
:mod:`engine.evaluation_tables`, :mod:`engine.incident_tables`);
whatever needs the whole schema (Alembic, the engine's handle, a test emptying the
database) imports :data:`METADATA` from here, so no table is missing from it.
"""
from __future__ import annotations

from . import appraisal_tables  # noqa: F401 - the annual appraisal's 360 input and objections
from . import calibration_tables  # noqa: F401 - the calibrations
from . import document_bundle_tables  # noqa: F401 - the ZIPs of a cycle's documents
from . import document_tables  # noqa: F401 - the issued documents and their verification codes
from . import evaluation_tables  # noqa: F401 - the evaluations and unit results
from . import feedback_tables  # noqa: F401 - umpan_balik (the periodic feedback)
from . import follow_up_tables  # noqa: F401 - the follow-up decisions and coaching records
from . import inbox_tables  # noqa: F401 - the inbox's saved filters
from . import incident_tables  # noqa: F401 - incidents
from . import org_import_tables  # noqa: F401 - employee imports and account activation
from . import org_moves_tables  # noqa: F401 - transfers, leavings and acting officials
from . import realisation_tables  # noqa: F401 - the realisation and its evidence
from . import skp_tables  # noqa: F401 - the SKP document
from .models import Base

METADATA = Base.metadata
