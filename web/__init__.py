"""Flask app factory. Thin: parse, authorise, call the engine, render.

The task inbox and the REST API arrive with their own issue; until then the app serves a
landing page and a health check so `make demo` has something to open.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template_string

from engine.services import Kinerja

_LANDING = """<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kinerja ASN</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<h1>Kinerja ASN</h1>
<p>Mesin proses manajemen kinerja ASN sedang berjalan.</p>
<ul>
  <li>Instans proses berjalan: {{ "{:,}".format(counts.running).replace(",", ".") }}</li>
  <li>Instans proses selesai: {{ "{:,}".format(counts.completed).replace(",", ".") }}</li>
  <li>Tugas terbuka: {{ "{:,}".format(counts.open_tasks).replace(",", ".") }}</li>
</ul>
<p>Kotak tugas (inbox) dan API REST sedang dibangun.</p>
</body></html>"""


def create_app(kinerja: Kinerja) -> Flask:
    app = Flask(__name__)
    app.extensions["kinerja"] = kinerja

    @app.get("/")
    def landing() -> str:
        return render_template_string(_LANDING, counts=kinerja.overview())

    @app.get("/healthz")
    def health():  # type: ignore[no-untyped-def]
        return jsonify(status="ok", **kinerja.overview().__dict__)

    return app
