"""The page a person uses in a browser: ``/`` (and ``/docs``), with its script and style sheet.

Static files: the script reads ``openapi.json`` (generated from the loaded schema) and builds one input
per feature (label, unit and range; a select for a categorical feature), filled with the example row.
"Predict" shows the answer; "Explain" draws the contributions as a waterfall from the bias through each
feature to the prediction. Self-contained (no CDN, no external font) and strict about what it may load.
"""

from __future__ import annotations

from pathlib import Path

_FOLDER = Path(__file__).resolve().parent / "page"
_INDEX = (_FOLDER / "index.html").read_bytes()
PAGE_ASSETS: dict[str, tuple[str, bytes]] = {
    "/": ("text/html; charset=utf-8", _INDEX),
    "/docs": ("text/html; charset=utf-8", _INDEX),
    "/page.js": ("text/javascript; charset=utf-8", (_FOLDER / "page.js").read_bytes()),
    "/page.css": ("text/css; charset=utf-8", (_FOLDER / "page.css").read_bytes()),
}
"""Path -> (media type, bytes), read once at import."""
REPORT_PATH = "/monitor"
"""The latest monitoring report (``MONITOR_REPORT``), which the page links to; this page where there is none."""
NO_REPORT = (_FOLDER / "no-report.html").read_bytes()
REPORT_SECURITY_HEADERS = {
    # The report is one self-contained page: its own inline style and SVG, nothing to fetch, no script.
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}
PAGE_SECURITY_HEADERS = {
    # Only this server's own script and style; requests to this server or, for a deployed API typed into the
    # page's "API" field, to an https origin.
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}
