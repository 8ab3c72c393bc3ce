"""WSGI entry point: `gunicorn wsgi:app`. Refuses to serve with missing secrets or locked keys."""

from __future__ import annotations

import sys

from intake import create_app
from intake.config import ConfigError
from intake.keyring import ensure_ready

try:
    app = create_app()
    if app.config["ENV_NAME"] == "production":
        ensure_ready(app)
except ConfigError as exc:
    print(f"intake: {exc}", file=sys.stderr)
    raise SystemExit(2) from None
