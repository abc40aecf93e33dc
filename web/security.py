"""What every response and every redirect must respect, whatever view produced it.

- Security headers on every response (pages, API, static files, error pages): a Content
  Security Policy that runs scripts from this site only and lets no other site frame a page,
  ``X-Frame-Options`` for older browsers, ``nosniff`` and a same-origin referrer policy.
- Behind HTTPS (``KINERJA_HTTPS=1``): a ``Secure`` session cookie and HSTS.
- Behind reverse proxies (``KINERJA_TRUSTED_PROXIES=N``): the client address and scheme are
  taken from the last ``N`` ``X-Forwarded-*`` entries (werkzeug's ``ProxyFix``); with the
  default 0 the headers are ignored, since any client can send them.
- :func:`local_path`: the only redirect targets taken from a request are paths on this site.

The environment is read here and nowhere else (:func:`settings_from_environment`).
"""
from __future__ import annotations

import os
import unicodedata
from typing import Any, Optional
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

# style-src allows inline styles: bpmn-js and dmn-js set ``style`` attributes in the SVG and
# HTML they build (markers, labels, the decision table editor), which a strict style-src
# blocks. Scripts stay strict: no inline script, no eval.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def settings_from_environment() -> dict[str, Any]:
    """``HTTPS`` and ``TRUSTED_PROXIES`` config defaults from ``KINERJA_HTTPS`` and
    ``KINERJA_TRUSTED_PROXIES``; a value that is not understood stops the start-up."""
    https = os.environ.get("KINERJA_HTTPS", "0").strip()
    proxies = os.environ.get("KINERJA_TRUSTED_PROXIES", "0").strip()
    if https not in ("0", "1"):
        raise ValueError(f"KINERJA_HTTPS must be 0 or 1, not {https!r}")
    if not proxies.isdigit():
        raise ValueError(f"KINERJA_TRUSTED_PROXIES must be a number of proxy hops (0 or more), not {proxies!r}")
    return {"HTTPS": https == "1", "TRUSTED_PROXIES": int(proxies)}


def register(app: Flask) -> None:
    """Apply the ``HTTPS`` and ``TRUSTED_PROXIES`` config and add the headers to every response."""
    https = bool(app.config["HTTPS"])
    app.config["SESSION_COOKIE_SECURE"] = https
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if https:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def local_path(target: Optional[str]) -> Optional[str]:
    """``target`` if it is a path on this site (``/inbox?scope=group``), else None.

    Refused: other sites (``https://…``, ``//host``), backslashes (``/\\host``: browsers read
    ``\\`` as ``/``), and any control, format or whitespace character (``/\\t/host``: browsers
    drop tabs and newlines from URLs, which turns it into ``//host``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(unicodedata.category(char)[0] in "CZ" for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
