"""HTML pages: the inbox, task pages, the employee's own cycle and the auditor's views.

Thin: parse the request, call the engine (which authorises and raises ``NotFound`` /
``Forbidden`` / ``Conflict``, mapped to pages by :mod:`web.errors`), render.

URL map (all but ``/login`` need a session):

=====================================  ======================================================
``GET  /``                             → ``/inbox``
``GET  /inbox``                        ``?scope=mine|group&unit=&cycle=&task_key=&q=``
``GET  /tasks/<id>``                   task page: employee, context, history, form
``POST /tasks/<id>``                   submit the form (422 with messages when invalid); an SKP
                                       draft's page is the SKP editor (``intent=draft|submit``)
``POST /tasks/<id>/claim|unclaim``     ``next`` (optional local URL) → redirect back
``POST /tasks/<id>/delegate``          ``to`` (one of the task's delegates) and ``reason``
``POST /tasks/<id>/bukti[/hapus]``     upload (multipart ``file-<indikator>``) or remove evidence of a realisation
``GET  /bukti/<id>``                   an evidence file, as an attachment
``GET  /my-cycle``                     the employee's own cycles
``GET  /audit…``                       the auditor's pages (see :mod:`web.pages.audit`)
``GET  /cycles``, ``POST /cycles``      HR: the organisation's cycles; open one (``year``)
``GET  /cycles/<id>``                   HR: progress of the cycle's opening (refreshes itself), reports
``POST /cycles/<id>/reports``           HR: make a predikat-distribution report (Prefect flow)
``GET  /reports/<id>.csv|.png``        HR: a report's exports
``POST /cycles/<id>/goals``             HR: the organisation's goals of the cycle (``goals``, one per line)
``GET|POST /cycles/<id>/tunjangan``     HR: the tunjangan kinerja percentage per predikat (``persen-<PREDIKAT>``)
``GET  /cascade``                       the units whose "Matriks peran hasil" the user reads
``GET  /units/<code>/cascade[.csv]``    a unit's cascade (``?cycle=``): HR, PPK, auditors, the unit's staff
``GET  /skp``                          the user's SKP versions (``?employee=<NIP>``: an employee's)
``GET  /skp/<id>``                     one SKP version as a document, with every version's changes
``POST /skp/<id>/revisions``           the employee or their Pejabat Penilai revises an agreed SKP
``GET  /calibration``                   HR, PPK: the cycles whose units they calibrate
``GET  /cycles/<id>/calibration``       HR, PPK: every unit with its status
``GET  /cycles/<id>/units/<u>/calibration``  one unit: result, pattern, shares, violations, predikat
``POST …/calibration/<evaluation id>``   move a predikat (``predikat``, ``reason``)
``POST /cycles/<id>/units/<u>/finalise`` make the unit's predikat final (``exception_reason``)
``POST /cycles/<id>/unit-results``       HR: start each unit's result step
``GET  /skp/<id>/document.pdf``       the SKP version as PDF (``?tanda_tangan=basah``: for wet signatures)
``GET  /evaluations/<id>/document.pdf``  the evaluation document (a period's or the year's) as PDF
``GET|POST /verify/<code>``            public, no login: a printed document's verification; POST ``berkas`` (PDF)
``GET|POST /account/password``          the signed-in user changes their password (ends other sessions)
``GET|POST /pegawai/impor``             HR: upload an employee file (CSV/XLSX) for a preview
``GET|POST /pegawai/impor/<id>``        HR: the preview (dry run) or the import's progress; POST imports
``GET|POST /aktivasi/<token>``          an imported employee sets the first password (no session)
=====================================  ======================================================
"""
from __future__ import annotations

from . import (  # noqa: F401  (views register on the blueprint)
    account,
    activation,
    audit,
    calibration,
    cascade,
    cycles,
    documents,
    evidence,
    feedback,
    inbox,
    incidents,
    my_cycle,
    notifications,
    org_import,
    processes,
    skp,
    staffing,
    tasks,
    transparency,
    tunjangan,
)
from .common import blueprint

__all__ = ["blueprint"]
