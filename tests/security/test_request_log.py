"""Access logs never carry the visitor's address."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from intake.web.request_log import DropClientAddress

ROOT = Path(__file__).resolve().parents[2]


def test_werkzeug_access_lines_lose_the_address():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - [21/Nov/2026 10:00:00] "%s" %s -',
                               ("203.0.113.77", "POST /submit HTTP/1.1", "200"), None)
    assert DropClientAddress().filter(record)
    assert "203.0.113.77" not in record.getMessage()
    assert "POST /submit" in record.getMessage()


def test_the_filter_is_installed_by_create_app(app):
    assert any(isinstance(f, DropClientAddress) for f in logging.getLogger("werkzeug").filters)


def test_gunicorn_access_format_has_no_address_agent_or_referrer():
    config: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), config)  # noqa: S102 - our own config file
    for token in ("%(h)s", "%(a)s", "%(f)s", "{x-forwarded-for}i"):
        assert token not in config["access_log_format"]
    assert config["forwarded_allow_ips"] == ""
    proc = subprocess.run([sys.executable, "-c", "import gunicorn"], capture_output=True)
    assert proc.returncode == 0
