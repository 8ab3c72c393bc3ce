"""The Server header names no software and no version, under gunicorn and the development server."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from intake.web.serving import QuietRequestHandler

ROOT = Path(__file__).resolve().parents[2]


def server_header(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a local test server
        return response.headers.get("Server", "")


def test_the_development_server_names_nothing(public_app):
    server = make_server("127.0.0.1", 0, public_app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        header = server_header(f"http://127.0.0.1:{server.server_port}/")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
    assert header == ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_with_the_shipped_configuration_names_nothing(keys, tmp_path):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed (the dev extra)")
    port = free_port()
    env = {"PATH": os.environ.get("PATH", ""), "INTAKE_ENV": "test", "INTAKE_FACE": "public",
           "INTAKE_SECRET_KEY": secrets.token_hex(32), "INTAKE_RECEIPT_PEPPER": keys.pepper,
           "INTAKE_PUBLIC_KEYS": str(keys.public), "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    process = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "--workers", "1", "--bind",
                                f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                header = server_header(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "gunicorn" not in header.lower() and header == ""
