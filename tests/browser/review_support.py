"""Helpers for the review-face browser journey (tests/browser/test_review_journey.py).

Kept apart from tests/browser/conftest.py (the public pages' fixtures) on purpose: nothing here is a
fixture pytest would pick up by itself, and every name says "review" so nothing collides.

- `require_browser()`: skip (or, with INTAKE_REQUIRE_BROWSER=1, fail) when Debian's Chromium or the
  playwright package is missing. Never a Playwright browser download.
- `ReviewServer`: a review+public app ("both") served by werkzeug's `make_server` in a thread.
- `launch_chromium()`: Debian's /usr/bin/chromium, headless, with the agreed flags.
- `in_own_thread()`: run the browser part in a thread of its own (see there why).
- `totp_code()` / `secret_from_manual_key()`: what an authenticator app does, with `cryptography`
  (independent of intake.services.totp, so the app's own TOTP code is checked, not reused).
- `Shots`: numbered full-page screenshots into test-output/screenshots/review-NN-name.png.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REQUIRE_BROWSER = os.environ.get("INTAKE_REQUIRE_BROWSER") == "1"
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
TOTP_STEP = 30
T = TypeVar("T")


def require_browser() -> None:
    """Skip with a reason when the browser cannot run here; fail instead if INTAKE_REQUIRE_BROWSER=1."""
    problems = []
    if importlib.util.find_spec("playwright") is None:
        problems.append("the playwright Python package is not installed")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        problems.append(f"{CHROMIUM} (Debian's chromium package) is missing or not executable")
    if not problems:
        return
    reason = "; ".join(problems)
    if REQUIRE_BROWSER:
        pytest.fail(f"a browser is required (INTAKE_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(f"{reason}; set INTAKE_REQUIRE_BROWSER=1 to make this an error")


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def in_own_thread(work: Callable[[], T], timeout: float = 120) -> T:
    """Run `work` in a fresh thread and return its result (its exception, assertion failures included,
    is re-raised here with the original traceback).

    Playwright's sync API refuses to start while another sync Playwright is live in the same thread
    ("using Playwright Sync API inside the asyncio loop"), which is the case whenever the
    session-wide `browser` fixture of tests/browser/conftest.py has been used earlier in the run.
    A thread of our own has an event loop of its own, so this journey never depends on it.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="review-browser") as pool:
        return pool.submit(work).result(timeout=timeout)


class ReviewServer:
    """Serve `app` on 127.0.0.1 (a free port) from a daemon thread until `stop()`."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="review-server", daemon=True)

    def start(self) -> ReviewServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)


def secret_from_manual_key(text: str) -> bytes:
    """The TOTP secret from the key shown for typing by hand (base32 in groups of four)."""
    compact = "".join(text.split()).upper()
    return base64.b32decode(compact + "=" * (-len(compact) % 8))


def totp_step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // TOTP_STEP)


def totp_code(secret: bytes, step: int) -> str:
    """The 6-digit code an authenticator app shows during time step `step` (RFC 6238, SHA-1, 30 s)."""
    return TOTP(secret, 6, SHA1(), TOTP_STEP).generate(step * TOTP_STEP).decode("ascii")  # noqa: S303


class Shots:
    """Numbered full-page screenshots: review-01-setup.png, review-02-recovery-codes.png, ..."""

    def __init__(self, page: Any, directory: Path = SCREENSHOTS) -> None:
        self.page = page
        self.directory = directory
        self.taken: list[Path] = []
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob("review-*.png"):  # only this journey's own files
            old.unlink()

    def __call__(self, name: str) -> Path:
        path = self.directory / f"review-{len(self.taken) + 1:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path
