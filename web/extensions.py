"""Flask extensions shared by the app factory and the views that configure them per route."""
from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

limiter = Limiter(key_func=get_remote_address, default_limits=[], storage_uri="memory://")
csrf = CSRFProtect()
