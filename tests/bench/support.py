"""Shared helpers of the benchmark scripts: PostgreSQL schemas, gunicorn servers, a small HTTP client.

Nothing here measures anything by itself. Every server listens on 127.0.0.1 only, on a free port,
and every request goes there; servers are subprocesses this module started and stops (by pid).
"""

from __future__ import annotations

import http.client
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from tests.pg_schema import fresh_pg_schema as _fresh_pg_schema  # noqa: E402
from tests.pg_schema import pg_problem  # noqa: E402, F401 - re-exported for the scripts

HOST = "127.0.0.1"
DEFAULT_PG = os.environ.get("INTAKE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------- databases ----------

def fresh_pg_schema(base_url: str, prefix: str = "bench") -> tuple[str, Callable[[], None]]:
    return _fresh_pg_schema(base_url, prefix)


def tear_down(apps: Iterable[Any], drop: Callable[[], None] | None, tmp: Path) -> None:
    """Close every app's database connections, drop the run's PostgreSQL schema, delete the temp dir."""
    import shutil

    from intake.extensions import db

    for app in apps:
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    if drop:
        drop()
    shutil.rmtree(tmp, ignore_errors=True)


def postgres_missing(db_arg: str) -> bool:
    """True (and a SKIPPED line on stderr saying why) when `--db` names a PostgreSQL that does not
    answer; False for 'sqlite' or a reachable server."""
    if db_arg == "sqlite" or not (problem := pg_problem(db_arg)):
        return False
    print(f"SKIPPED: PostgreSQL is not reachable ({problem}); give --db URL, or --db sqlite", file=sys.stderr)
    return True


def review_store(tmp: Path, db_arg: str, **settings: Any) -> tuple[Any, str, "Secrets", Callable[[], None] | None]:
    """A review-face app ("production" config) over a fresh database with its tables and keys: SQLite
    under `tmp` when `db_arg` is "sqlite", else a throwaway schema of that PostgreSQL. Returns (app,
    database URL, keys, drop); give app and drop to tear_down. Nothing is left behind if it fails."""
    from intake import create_app
    from intake.extensions import db

    url, drop = f"sqlite:///{tmp / 'intake.sqlite3'}", None
    if db_arg != "sqlite":
        url, drop = fresh_pg_schema(db_arg)
    try:
        keys = Secrets(tmp / "keys")
        keys.create_keys()
        app = create_app("production", {**keys.settings("review", url), **settings})
        with app.app_context():
            db.create_all()
    except BaseException:
        if drop:
            drop()
        raise
    return app, url, keys, drop


def backend(url: str) -> str:
    return make_url(url).get_backend_name()


# ---------- secrets and key files ----------

@dataclass
class Secrets:
    """Generated for one run, kept in memory and in the run's temporary directory only; never printed."""

    directory: Path
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    pepper: str = field(default_factory=lambda: secrets.token_hex(32))
    passphrase: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def keystore(self) -> Path:
        return self.directory / "keystore.json"

    @property
    def public_keys(self) -> Path:
        return self.directory / "public-keys.json"

    def create_keys(self) -> None:
        """Review keys, the public bundle and an escrow file, as `flask keys init` writes them.

        The keystore passphrase uses the STRONG Argon2id profile, as production requires (a weaker
        stored cost is refused before use): it is derived once per process at start-up (the public
        face never derives it at all), so it costs nothing in any measured request.
        """
        from intake.crypto.keys import KemSuite
        from intake.crypto.passphrase import PROFILES
        from intake.services import keys as key_service

        self.directory.mkdir(parents=True, exist_ok=True)
        key_service.init_keys(self.keystore, self.public_keys, self.passphrase, suite=KemSuite.MLKEM768_X25519,
                              kdf=PROFILES["strong"]["keystore"], escrow_out=self.directory / "escrow-private.json")

    def settings(self, face: str, url: str) -> dict[str, Any]:
        """create_app overrides for this face (the names of Config, not of the environment)."""
        out: dict[str, Any] = {"INTAKE_FACE": face, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": self.secret_key,
                               "INTAKE_RECEIPT_PEPPER": self.pepper, "INSTANCE_PATH": str(self.directory / "instance")}
        if face == "public":
            out["INTAKE_PUBLIC_KEYS"] = str(self.public_keys)
        else:
            # The keystore's stored cost must lie in the profile's range, whichever config runs it.
            out.update(INTAKE_KEYSTORE=str(self.keystore), INTAKE_KEY_PASSPHRASE=self.passphrase,
                       INTAKE_KDF_PROFILE="strong")
        return out

    def environment(self, env_name: str, face: str, url: str) -> dict[str, str]:
        """The same settings as an operator gives them: INTAKE_* environment variables."""
        names = {"SQLALCHEMY_DATABASE_URI": "INTAKE_DATABASE_URL", "SECRET_KEY": "INTAKE_SECRET_KEY"}
        env = {"INTAKE_ENV": env_name}
        for key, value in self.settings(face, url).items():
            if key != "INSTANCE_PATH":
                env[names.get(key, key)] = str(value)
        return env


# ---------- gunicorn ----------

WSGI_TEMPLATE = '''"""Generated by tests/bench: wsgi.py plus create_app overrides the environment cannot carry."""
import sys
sys.path.insert(0, {root!r})
from intake import create_app
from intake.keyring import ensure_ready

app = create_app(None, {overrides!r})
if app.config["ENV_NAME"] == "production":
    ensure_ready(app)
'''

TRIVIAL_TEMPLATE = '''"""Generated by tests/bench: the trivial baseline, one Flask route."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "ok"
'''


def write_module(directory: Path, name: str, source: str) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.py").write_text(source, encoding="utf-8")
    return name


def intake_module(directory: Path, name: str, overrides: dict[str, Any]) -> str:
    """A WSGI module like wsgi.py (INTAKE_ENV and secrets from the environment) plus `overrides`:
    non-secret settings such as INSTANCE_PATH (not an INTAKE_* setting) and the raised rate limits."""
    return write_module(directory, name, WSGI_TEMPLATE.format(root=str(ROOT), overrides=overrides))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def gunicorn_executable() -> str:
    local = Path(sys.executable).parent / "gunicorn"
    return str(local) if local.exists() else "gunicorn"


class Server:
    """gunicorn -c gunicorn.conf.py with our bind, worker count and log files; everything else from the file."""

    def __init__(self, name: str, module: str, directory: Path, *, workers: int, env: dict[str, str],
                 extra_args: Sequence[str] = ()) -> None:
        self.name, self.port, self.directory = name, free_port(), directory
        self.access_log, self.error_log = directory / f"{name}-access.log", directory / f"{name}-error.log"
        base = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
        self.command = [gunicorn_executable(), "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"{HOST}:{self.port}",
                        "--workers", str(workers), "--access-logfile", str(self.access_log),
                        "--error-logfile", str(self.error_log), "--pythonpath", f"{directory},{ROOT}",
                        *extra_args, f"{module}:app"]
        self.process = subprocess.Popen(self.command, cwd=directory, env={**base, **env}, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_ready(self, path: str = "/", timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited with {self.process.returncode}:\n{self.error_tail()}")
            try:
                status = Browser(self.port).get(path).status
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} server not ready after {timeout:.0f} s:\n{self.error_tail()}")

    def error_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.error_log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no error log)"

    def log_size(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def access_lines(self, since: int = 0) -> list[str]:
        with self.access_log.open("rb") as handle:
            handle.seek(since)
            return handle.read().decode("utf-8", errors="replace").splitlines()

    def stop(self) -> None:
        """Graceful stop (SIGTERM to the master, which lets workers finish their request), then wait."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# gunicorn.conf.py: access_log_format = '- - %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
ACCESS = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S*)" (?P<status>\d{3}) \S+ (?P<ms>\d+)ms')


def parse_access(lines: Iterable[str]) -> list[tuple[str, str, int, int]]:
    """(method, path, status, milliseconds) of each access log line."""
    return [(m["method"], m["path"], int(m["status"]), int(m["ms"])) for m in map(ACCESS.search, lines) if m]


# ---------- a small HTTP client ----------

@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    text: str
    seconds: float  # from opening the connection to the last byte of the body

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class Browser:
    """One visitor: a cookie jar and http.client, a new connection per request (gunicorn's sync workers
    close every connection anyway). Cookies are kept whatever their Secure flag (production sets it;
    this is loopback without TLS), as a TLS-terminating proxy in front of gunicorn would pass them."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = self.cookie_header()
        start = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            seconds = time.perf_counter() - start
            answer = Answer(response.status, response.getheaders(), data.decode("utf-8", errors="replace"), seconds)
        finally:
            conn.close()
        for name, value in answer.headers:
            if name.lower() == "set-cookie":
                self._store(value)
        return answer

    def _store(self, header: str) -> None:
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str]) -> Answer:
        return self.request("POST", path, urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def post_multipart(self, path: str, fields: Sequence[tuple[str, str]], empty_files: Sequence[str] = ()) -> Answer:
        body, content_type = multipart(fields, empty_files)
        return self.request("POST", path, body, {"Content-Type": content_type})


def multipart(fields: Sequence[tuple[str, str]], empty_files: Sequence[str] = (),
              boundary: str | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends it (an empty file part per file input left empty)."""
    boundary = boundary or "----benchBoundary" + secrets.token_hex(8)
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name in empty_files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
                     f'Content-Type: application/octet-stream\r\n\r\n\r\n'.encode())
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def csrf_token(page: str, prefix: str = "") -> str:
    """The CSRF token of the form whose fields carry `prefix` (Flask-WTF names it prefix-csrf_token)."""
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    found = re.search(r'<input[^>]*\bname="%s"[^>]*>' % re.escape(name), page)
    value = re.search(r'\bvalue="([^"]+)"', found.group(0)) if found else None
    if value is None:
        raise RuntimeError(f"no {name} in the page")
    return value.group(1)


# ---------- statistics and formatting ----------

def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); values need not be sorted."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def fmt_ms(seconds: float) -> str:
    if math.isnan(seconds):
        return "-"
    ms = seconds * 1000
    return f"{ms:8.2f} ms" if ms < 100 else f"{ms:8.1f} ms"


def taken_in_state(vault: Any, dek: bytes, dek_id: bytes, submission: dict[str, Any],
                   reports: Sequence[dict[str, Any]]) -> None:
    """Complete generated rows as take-in leaves them: each report's packed copy of its fields and the
    family's consent sealed under the data key, the first review-side state sealed under the
    integrity key (so pages verify real seals)."""
    from intake.crypto import fields
    from intake.crypto import integrity as seals
    from intake.models.sealed import Codec
    from intake.services import consent, integrity

    from intake.models import Report
    from intake.services import packed_fields

    for row in reports:  # each report's packed copy of its fields, from its field ciphertexts
        plain = [None if row.get(name) is None else getattr(Report, name).codec.decode(
                 fields.decrypt_field(dek, dek_id, "reports", name, row["id"], row[name]))
                 for name in packed_fields.ALL_FIELDS]
        row["packed"] = fields.encrypt_field(dek, dek_id, "reports", packed_fields.COLUMN, row["id"],
                                             packed_fields.pack(plain))
        row["packed_version"] = packed_fields.PACKED_VERSION
    key = vault.current_integrity_key()
    submission["consent"] = fields.encrypt_field(dek, dek_id, "submissions", "consent", submission["id"], Codec.JSON.encode(
        consent.consent_record(share_research=True, contact=False, publish_name=False)))
    for spec, row in [(integrity.SUBMISSION, submission), *((integrity.REPORT, r) for r in reports)]:
        row["state_seq"] = 1
        row[spec.mac] = seals.seal(key, spec.domain, *(row.get(c) for c in spec.columns))
