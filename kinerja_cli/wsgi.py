"""The web app for a WSGI server of several processes (gunicorn), configured by environment.

    KINERJA_DATABASE_URL=postgresql+psycopg://… KINERJA_SECRET_KEY=… KINERJA_FLOWS=deployments \\
        gunicorn --workers 4 --bind 0.0.0.0:8000 kinerja_cli.wsgi:app

Every process builds its own engine (connection pool) and is stateless otherwise: sessions
and tokens are signed with the shared ``KINERJA_SECRET_KEY``; organisation-wide work goes
to the Prefect deployments (``KINERJA_FLOWS=deployments``), not to threads of a web
process that gunicorn may recycle.
"""
from __future__ import annotations

import os

from engine.database import DEFAULT_DATABASE_URL
from engine.kinerja import Kinerja
from web import create_app
from workflows.launcher import launcher_from_environment

kinerja = Kinerja(os.environ.get("KINERJA_DATABASE_URL", DEFAULT_DATABASE_URL))
app = create_app(kinerja, {"FLOW_LAUNCHER": launcher_from_environment(kinerja)})
