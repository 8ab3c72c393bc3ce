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
- `review_app()` / `served()` / `enrol()` / `sign_in()` / `one_man_in_two_scripts()`: the app over SQLite with both faces and
  CSRF on, served for the length of a `with`; an account with its authenticator enrolled; signing
  in through the real pages with a code not used before; two reports of one man, scored.
- `Shots`: numbered full-page screenshots into test-output/screenshots/review-NN-name.png.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def review_app(tmp: Path, **config: Any) -> Flask:
    """Both faces in one app over SQLite in `tmp`, with real keys and CSRF on; the schema created."""
    from intake import create_app
    from intake.extensions import db
    from tests.conftest import make_keys

    keys = make_keys(tmp / "keys")
    app = create_app("test", {
        "INTAKE_FACE": "both", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'intake.sqlite3'}",
        "SECRET_KEY": secrets.token_hex(32), "INTAKE_RECEIPT_PEPPER": keys.pepper,
        "INSTANCE_PATH": str(tmp / "instance"), "INTAKE_KEYSTORE": str(keys.keystore),
        "INTAKE_KEY_PASSPHRASE": keys.passphrase, "WTF_CSRF_ENABLED": True, **config})
    with app.app_context():
        db.create_all()
    return app


@contextmanager
def served(app: Flask) -> Iterator[ReviewServer]:
    """`app` served on a free local port until the `with` ends; its connections closed after."""
    from intake.extensions import db

    server = ReviewServer(app).start()
    try:
        yield server
    finally:
        server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def enrol(app: Flask, username: str, password: str, role: str, secret: bytes) -> tuple[int, list[str]]:
    """An account with its authenticator enrolled: the time step whose code was used, and the
    recovery codes."""
    from intake.crypto.passphrase import PROFILES
    from intake.extensions import db
    from intake.keyring import get_vault
    from intake.services import accounts, users

    with app.app_context():
        vault = get_vault()
        user = users.create_user(db.session, vault, username=username, role=role, password=password,
                                 kdf=PROFILES["test"]["password"])
        step = totp_step()
        return step, accounts.enrol(db.session, vault, user.id, secret=secret, code=totp_code(secret, step))


def one_man_in_two_scripts(app: Flask) -> list[str]:
    """Two reports of one man (Latin and Uyghur Arabic), taken in and scored: one pending pair.
    Their handles."""
    from sqlalchemy import select

    from intake.extensions import db
    from intake.keyring import get_vault
    from intake.models import CandidatePair, PairStatus, Report
    from intake.services import take_in
    from tests.dedup_support import person
    from tests.helpers import submit

    submit(app, person("Ablimit Tursun", tag="one"))
    submit(app, person("ئابلىمىت تۇرسۇن", script="ug-Arab", birth="1981-03", tag="two"))
    with app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (2, 0)
        assert db.session.scalar(select(CandidatePair.status)) == PairStatus.PENDING.value
        return list(db.session.scalars(select(Report.handle)))


def sign_in(page: Any, url: str, username: str, password: str, secret: bytes, used: set[int]) -> None:
    """Sign in through the real pages, with a code of a time step not used before (each code is
    accepted once)."""
    page.goto(url + "/review/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    step = max(totp_step(), max(used, default=0) + 1)
    used.add(step)
    page.get_by_label(re.compile("Code from your authenticator app")).fill(totp_code(secret, step))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/sign-in" not in page.url, "sign-in refused"


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
