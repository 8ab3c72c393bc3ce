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
    config: dict = {"__file__": str(ROOT / "gunicorn.conf.py")}
    exec((ROOT / "gunicorn.conf.py").read_text(), config)  # noqa: S102 - our own config file
    for token in ("%(h)s", "%(a)s", "%(f)s", "{x-forwarded-for}i"):
        assert token not in config["access_log_format"]
    assert config["forwarded_allow_ips"] == ""
    proc = subprocess.run([sys.executable, "-c", "import gunicorn"], capture_output=True)
    assert proc.returncode == 0


def werkzeug_line(request_line: str, code: str = "200") -> logging.LogRecord:
    return logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '203.0.113.77 - - [21/Nov/2026 10:00:00] "%s" %s -',
                             (request_line, code), None)


def test_werkzeug_access_lines_lose_the_query_string_and_set_up_tokens():
    token = "Zm9vYmFyYmF6cXV4LXNlY3JldC10b2tlbi0xMjM0NTY3"
    for line in (f"GET /review/setup/{token} HTTP/1.1", f"POST /review/setup/{token}?lang=ug HTTP/1.1",
                 "GET /review/inbox?county=Kashgar&tag=x HTTP/1.1", f"\x1b[33mGET /review/setup/{token} HTTP/1.1\x1b[0m"):
        record = werkzeug_line(line)
        assert DropClientAddress().filter(record)
        message = record.getMessage()
        assert token not in message and "Kashgar" not in message and "lang=" not in message, message
        assert "203.0.113.77" not in message
    record = werkzeug_line(f"GET /review/setup/{token}?lang=ug HTTP/1.1")
    DropClientAddress().filter(record)
    assert '"GET /review/setup/- HTTP/1.1"' in record.getMessage()


def test_werkzeug_error_lines_about_bad_requests_are_scrubbed_too():
    token = "c2VjcmV0LXRva2VuLWZvci10aGUtc2V0LXVwLWxpbms"
    record = logging.LogRecord("werkzeug", logging.ERROR, __file__, 1,
                               "203.0.113.77 - - [21/Nov/2026 10:00:00] code %s, message %s",
                               ("400", f"Bad request syntax ('GET /review/setup/{token}?q=x HTTP/1.1')"), None)
    DropClientAddress().filter(record)
    assert token not in record.getMessage() and "203.0.113.77" not in record.getMessage()
    assert "q=x" not in record.getMessage()
