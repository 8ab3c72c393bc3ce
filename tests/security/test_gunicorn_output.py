"""What gunicorn itself writes and answers, under the shipped gunicorn.conf.py.

Its access lines carry no client address, query string or set-up token; its warnings about malformed
requests (which by default begin "Invalid request from ip=<address>") name no address; and its own
answers to requests it cannot parse quote nothing the client sent and carry the security headers.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.security.test_server_header import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "c2VjcmV0LXNldC11cC10b2tlbi0" + secrets.token_hex(8)


def exchange(port: int, raw: bytes, deadline: float) -> bytes:
    """Send raw bytes, read the whole answer (retrying while the worker boots)."""
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
                s.sendall(raw)
                chunks = []
                while chunk := s.recv(65536):
                    chunks.append(chunk)
                answer = b"".join(chunks)
                if answer:
                    return answer
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("gunicorn did not answer")
        time.sleep(0.3)


def test_gunicorn_logs_and_error_answers_give_nothing_away(keys, tmp_path):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed (the dev extra)")
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {"PATH": os.environ.get("PATH", ""), "INTAKE_ENV": "test", "INTAKE_FACE": "public",
           "INTAKE_SECRET_KEY": secrets.token_hex(32), "INTAKE_RECEIPT_PEPPER": keys.pepper,
           "INTAKE_PUBLIC_KEYS": str(keys.public), "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    with log.open("wb") as out:
        process = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "--workers", "1", "--bind",
                                    f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + 90
            ok = exchange(port, f"GET /review/setup/{TOKEN}?lang=ug HTTP/1.1\r\nHost: x\r\n\r\n".encode(), deadline)
            bad_line = exchange(port, f"GET /review/setup/{TOKEN}?q=\x01<b>x HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
                                deadline)
            bad_header = exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nX-<b>\x01: y\r\n\r\n", deadline)
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert ok.startswith(b"HTTP/1.1 404")
    for answer in (bad_line, bad_header):
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), answer[:200]
        assert b"<b>" not in answer and TOKEN.encode() not in answer and b"&lt;b&gt;" not in answer
        assert b"X-Content-Type-Options: nosniff" in head and b"Content-Security-Policy: default-src 'none'" in head
        assert b"Cache-Control: no-store" in head and b"X-Frame-Options: DENY" in head
    lines = [line for line in log.read_text(errors="replace").splitlines() if "Listening at" not in line]
    text = "\n".join(lines)
    assert "GET /review/setup/-" in text  # the access line is there, without its token
    assert TOKEN not in text and "lang=ug" not in text and "q=" not in text
    assert "127.0.0.1" not in text and "Invalid request from ip=-" in text
