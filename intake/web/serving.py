"""The development server without a `Server` header that names the software and its version.

http.server sends `Server: Werkzeug/x.y Python/x.y` on every response; that tells a prober which
versions to attack. gunicorn's own header is neutralised in gunicorn.conf.py.
"""

from __future__ import annotations

from werkzeug.serving import WSGIRequestHandler

SERVER_HEADER = ""  # sent empty: no software, no version


class QuietRequestHandler(WSGIRequestHandler):
    def version_string(self) -> str:
        return SERVER_HEADER
