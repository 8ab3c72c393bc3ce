"""Browser tests: the real app on a local port, driven by Debian's Chromium through Playwright.

What they need, and what happens when it is missing:
- /usr/bin/chromium (Debian's package; never a Playwright browser download),
- the `playwright` Python package (the `dev` extra),
- axe-core, installed with `npm ci` in tests/browser (only the accessibility tests need it).
A missing piece skips the tests that need it, with the reason, unless INTAKE_REQUIRE_BROWSER=1 (as
.ci/run sets), which turns the skip into a failure.

The server is one app serving both faces over a SQLite file, with CSRF on and generous rate limits;
it runs in a thread with werkzeug's server on 127.0.0.1 and a port the system picks. Tests never
share data: each creates its own submission. Screenshots go to test-output/screenshots/ (ignored by git).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from intake import create_app
from intake.crypto.passphrase import PROFILES
from intake.extensions import db
from intake.services import families
from tests.conftest import KeyFiles, make_keys

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
REQUIRE_BROWSER = os.environ.get("INTAKE_REQUIRE_BROWSER") == "1"

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 320, "height": 640}
LOCAL_HOST = "127.0.0.1"
TIMEOUT_MS = 15_000


def missing(what: str, how: str) -> None:
    """Skip (or, with INTAKE_REQUIRE_BROWSER=1, fail) because a browser-test prerequisite is absent."""
    if REQUIRE_BROWSER:
        pytest.fail(f"{what} is required (INTAKE_REQUIRE_BROWSER=1) but missing: {how}")
    pytest.skip(f"{what} is missing ({how}); set INTAKE_REQUIRE_BROWSER=1 to make this an error")


# --- the live server ----------------------------------------------------------------------------

@dataclass
class LiveServer:
    app: Flask
    url: str
    keys: KeyFiles

    def receipt_check(self) -> families.ReceiptCheck:
        return families.ReceiptCheck(pepper=bytes.fromhex(self.keys.pepper),
                                     kdf=PROFILES[self.app.config["INTAKE_KDF_PROFILE"]]["receipt"])


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app (both faces, one process, as the embedded default) served on 127.0.0.1:<free port>."""
    base = tmp_path_factory.mktemp("browser-site")
    keys = make_keys(base / "keys")
    app = create_app("test", {
        "INTAKE_FACE": "both",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{base / 'intake.sqlite3'}",
        "SECRET_KEY": secrets.token_hex(32),
        "INTAKE_RECEIPT_PEPPER": keys.pepper,
        "INTAKE_KEYSTORE": str(keys.keystore),
        "INTAKE_KEY_PASSPHRASE": keys.passphrase,
        "INSTANCE_PATH": str(base / "instance"),
        "WTF_CSRF_ENABLED": True,
        "INTAKE_SUBMIT_RATE_LIMIT": "10000/minute",
        "INTAKE_RECEIPT_RATE_LIMIT": "10000/minute",
        "INTAKE_FOLLOW_UP_RATE_LIMIT": "10000/minute",
        "INTAKE_RESHOW_RATE_LIMIT": "10000/minute",
        "INTAKE_NOSCRIPT_CEILING": "10000/minute",
    })
    yield from serve(app, keys)


def serve(app: Flask, keys: KeyFiles) -> Iterator[LiveServer]:
    """Create the schema, serve `app` on 127.0.0.1:<free port> in a thread until the generator closes."""
    with app.app_context():
        db.create_all()
    server = make_server(LOCAL_HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="intake-live-site", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://{LOCAL_HOST}:{server.server_port}", keys=keys)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# --- the browser --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, launched by Playwright (which gives it a fresh temporary profile).

    Per module, not per session: Playwright's sync API cannot run two instances at once, and a test
    module may start its own (test_review_journey.py does)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing("Debian's Chromium", f"{CHROMIUM} does not exist or is not executable (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("The playwright Python package", "pip install -e '.[dev]'")
    # Never let Playwright fetch a browser of its own, whatever the environment says.
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE.is_file():
        missing("axe-core", f"{AXE.relative_to(ROOT)} not found: run `npm ci` in tests/browser")
    return AXE


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "about", "blob"):
        return True
    return parts.scheme in ("http", "https") and parts.hostname == LOCAL_HOST


@dataclass
class Tab:
    """One browser context with one page, and every request it made (by the page or its subresources)."""

    context: Any
    page: Any
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not is_local(url)]

    def assert_only_local_requests(self) -> None:
        foreign = self.foreign_requests()
        assert not foreign, "requests to hosts other than 127.0.0.1:\n  " + "\n  ".join(foreign)
        assert self.requests, "no request was recorded at all (is the recorder attached?)"


@pytest.fixture
def open_tab(browser: Any) -> Iterator[Callable[..., Tab]]:
    """Open a fresh context (no cookies, no cache) with one page; keyword arguments go to new_context.

    Requests to any host but 127.0.0.1 are recorded and then refused, so a page that reaches out
    fails its test instead of waiting for a network this machine does not have.
    """
    opened: list[Any] = []

    def factory(**options: Any) -> Tab:
        options.setdefault("viewport", DESKTOP)
        options.setdefault("locale", "en-US")
        context = browser.new_context(**options)
        opened.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        tab = Tab(context=context, page=None)
        context.on("request", lambda request: tab.requests.append(request.url))
        context.route(lambda url: not is_local(url), lambda route: route.abort())
        tab.page = context.new_page()
        tab.page.on("console", lambda message: tab.console_errors.append(message.text)
                    if message.type == "error" else None)
        return tab

    yield factory
    for context in opened:
        context.close()


class Shots:
    """Numbered full-page screenshots of one test, in a folder of their own."""

    def __init__(self, directory: Path) -> None:
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir(parents=True)
        self.directory = directory
        self.count = 0
        self.taken: list[Path] = []

    def take(self, page: Any, name: str) -> Path:
        self.count += 1
        path = self.directory / f"{self.count:02d}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture
def shots(screenshot_dir: Path) -> Callable[[str], Shots]:
    def factory(folder: str) -> Shots:
        return Shots(screenshot_dir / folder)

    return factory
