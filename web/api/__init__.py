"""REST API under /api/v1 (flask-smorest, marshmallow schemas, OpenAPI document)."""
from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    """Attach the API blueprints to ``app``."""
