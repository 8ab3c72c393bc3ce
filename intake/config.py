"""Configuration classes. Values come from the environment (INTAKE_*); production fails fast.

INTAKE_ENV chooses the class: development, test or production (the default, so that a forgotten
setting never starts a real deployment on development keys).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .crypto.passphrase import PROFILES

FACES = ("public", "review", "both")
SUITES = ("MLKEM768_X25519", "X25519")


class ConfigError(RuntimeError):
    """A setting is missing or wrong. The message is one line an operator can act on."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _secret_from_env(name: str) -> str | None:
    """A secret given directly (NAME) or as a file (NAME_FILE, as secrets managers mount them)."""
    path = _env(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError:
            raise ConfigError(f"{name}_FILE points to {path}, which cannot be read") from None
    return _env(name)


class Config:
    ENV_NAME = "base"
    INTAKE_FACE = "both"
    SQLALCHEMY_DATABASE_URI: str | None = None
    SECRET_KEY: str | None = None
    # Review face: the keystore and the passphrase that unlocks it.
    INTAKE_KEYSTORE: str | None = None
    INTAKE_KEY_PASSPHRASE: str | None = None
    # Public face: the bundle with the review public key (written by `flask keys init`).
    INTAKE_PUBLIC_KEYS: str | None = None
    # Hex; verifies receipts. Needed by the public face.
    INTAKE_RECEIPT_PEPPER: str | None = None
    INTAKE_HPKE_SUITE = "MLKEM768_X25519"
    INTAKE_KDF_PROFILE = "strong"
    INTAKE_REDIS_URL: str | None = None
    # Review face: the Redis of the job queue (`flask jobs worker`); defaults to INTAKE_REDIS_URL.
    # Give it a database and ACL user the public face cannot reach (see intake/jobs/queue.py).
    INTAKE_JOBS_REDIS_URL: str | None = None
    # How often (seconds) `flask jobs worker` takes new submissions into the working store.
    INTAKE_TAKE_IN_INTERVAL = 30
    # How long backups of the database are kept (days). `flask keys destroy-expired` deletes the
    # escrow copies of key-encryption keys retired longer ago than this, so that a withdrawal also
    # reaches the backups; rotate the KEK at least this often.
    INTAKE_BACKUP_RETENTION_DAYS = 30
    # Deduplication (services/dedup_jobs.py, services/duplicates.py): the trained model's file (default
    # instance/dedup-model.json); pairs at or above the review threshold enter the queue; clusters
    # whose every link is at or above the cluster threshold can be accepted in one action.
    INTAKE_DEDUP_MODEL: str | None = None
    INTAKE_DEDUP_REVIEW_THRESHOLD = 0.5
    INTAKE_DEDUP_CLUSTER_THRESHOLD = 0.99
    # Public face: limits per (hashed, daily-rotated) address, in Flask-Limiter's syntax.
    INTAKE_SUBMIT_RATE_LIMIT = "10/hour;3/minute"
    INTAKE_RECEIPT_RATE_LIMIT = "5/minute;30/hour"
    INTAKE_FOLLOW_UP_RATE_LIMIT = "10/minute;60/hour"
    # Re-showing a public form (add or remove a person, change language, fix an error), per visitor and
    # form: the report form and the status page's news and withdrawal forms.
    INTAKE_RESHOW_RATE_LIMIT = "60/minute;600/hour"
    # Public forms (public/gate.py): proof-of-work difficulty in leading zero bits of SHA-256, the
    # lifetime of a form's token, and the ceiling for all visitors together on POSTs without a solution.
    INTAKE_POW_BITS = 18
    INTAKE_POW_TOKEN_SECONDS = 2 * 3600
    INTAKE_NOSCRIPT_CEILING = "120/minute;2000/hour"
    INTAKE_MAX_RELATIVES = 10  # relatives in one submission
    INTAKE_MAX_ATTACHMENTS = 5
    INTAKE_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
    # Lists imported on the admin page (admin/imports.py); `flask import` uses the same limit.
    INTAKE_IMPORT_MAX_BYTES = 20 * 1024 * 1024
    # Rows the admin page imports in one request (it must finish well within gunicorn's timeout);
    # longer lists go through `flask import`, which has no such limit (100,000 rows a file).
    INTAKE_IMPORT_PAGE_MAX_ROWS = 5000
    # Researcher API: refused tokens per address (Flask-Limiter's syntax); past it, 429 for a while.
    INTAKE_API_AUTH_FAILURE_LIMIT = "20/minute;200/hour"
    INTAKE_MAX_IMAGE_PIXELS = 40_000_000  # larger images are refused as decompression bombs
    # Public face: image pixels decoded a minute for all visitors together, solved proof of work or
    # not (public/limits.py); past it, images are stored and their viewing copy is made on the
    # review face. 300 million: 25 twelve-megapixel phone photos a minute, at most about 8 CPU-seconds.
    INTAKE_IMAGE_PIXELS_PER_MINUTE = 300_000_000
    # Public face: bytes of files stored an hour for all visitors together, solved proof of work or
    # not (public/limits.py); past it, a form with files gets the held page (429). A solved token
    # lifts every other limit, so without this a flood stored 50 MB a POST until the disk was full.
    # 2 GiB: 200 reports an hour with five 2 MB photos each. Size it to the database's free disk.
    INTAKE_UPLOAD_BYTES_PER_HOUR = 2 * 1024 ** 3
    # A PDF's first page, and an image's viewing copy the public face deferred, are made for reviewers
    # in a child process with these limits (services/render_child.py).
    INTAKE_PDF_RENDER_SECONDS = 15
    INTAKE_PDF_RENDER_MEMORY_MB = 1024
    INTAKE_QUICK_EXIT_URL = "https://www.wikipedia.org/"  # where "leave this site quickly" goes
    # Host names this face answers to, comma-separated ("intake.example.org,xyz.onion"; a leading dot
    # admits subdomains). Any other Host header gets 400 before a view runs. Unset: any host.
    INTAKE_TRUSTED_HOSTS: str | None = None
    # Largest request body, refused before it is read. Files are capped one by one while they stream
    # (web/request.py), so a larger body costs time, not memory; one oversized file then comes back as
    # a message on the form with everything typed, instead of this limit's error page.
    MAX_CONTENT_LENGTH = 128 * 1024 * 1024
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Strict"
    WTF_CSRF_TIME_LIMIT = 3600 * 4
    # Flask-WTF's HTTPS referrer check cannot work with Referrer-Policy: no-referrer (no Referer is
    # ever sent); the CSRF token and SameSite=Strict cookies are the protection instead.
    WTF_CSRF_SSL_STRICT = False
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    # Researcher exports (review face): where built exports are written (default: exports/ under the
    # instance folder). Statistics: the signed public snapshot (written by `flask stats publish` on
    # the review face, read by the public face; default public-statistics.json under the instance
    # folder), the export public key the public face checks it with (`flask stats public-key`), and
    # the total epsilon all publications together may spend.
    INTAKE_EXPORT_DIR: str | None = None
    INTAKE_STATISTICS_SNAPSHOT: str | None = None
    INTAKE_STATISTICS_PUBLIC_KEY: str | None = None
    INTAKE_PRIVACY_BUDGET = "3.0"
    # Accounts of the review face (admins, reviewers, researchers). Times in seconds.
    INTAKE_REVIEW_BASE_URL = "http://127.0.0.1:5000"  # where set-up links point (no trailing slash)
    INTAKE_SETUP_LINK_HOURS = 48
    INTAKE_IDLE_TIMEOUT = 30 * 60
    INTAKE_ABSOLUTE_TIMEOUT = 12 * 3600
    INTAKE_SECOND_FACTOR_TIMEOUT = 5 * 60  # between the password and the code
    INTAKE_LOCKOUT_THRESHOLD = 5  # failures (password or code) before the account locks
    INTAKE_LOCKOUT_BASE_SECONDS = 60  # first lock; doubles with every further failure
    INTAKE_LOCKOUT_MAX_SECONDS = 3600
    INTAKE_SIGN_IN_LIMIT = "10 per minute"  # per address and sign-in POST endpoint
    # Shown in the authenticator app. Neutral on purpose: a phone searched at a border should not
    # say what its owner works on.
    INTAKE_TOTP_ISSUER = "Intake"

    # Environment names that differ from the setting's own name.
    ENV_NAMES = {"SQLALCHEMY_DATABASE_URI": "INTAKE_DATABASE_URL", "SECRET_KEY": "INTAKE_SECRET_KEY"}
    SECRETS = ("SECRET_KEY", "INTAKE_KEY_PASSPHRASE", "INTAKE_RECEIPT_PEPPER")

    @classmethod
    def from_env(cls) -> dict[str, Any]:
        """Every INTAKE_* setting (and the database URL and secret key) may come from the environment,
        converted to the type of its default; secrets may also come from NAME_FILE."""
        out: dict[str, Any] = {}
        names = [k for k in dir(cls) if k.startswith("INTAKE_") and k.isupper()] + list(cls.ENV_NAMES)
        for key in names:
            env = cls.ENV_NAMES.get(key, key)
            value = _secret_from_env(env) if key in cls.SECRETS else _env(env)
            if value is not None:
                out[key] = _coerce(key, value, getattr(cls, key, None))
        return out


def setting(name: str, default: Any) -> Any:
    """A setting of the running app, or `default` outside one (a service called from a script or a test)."""
    from flask import current_app, has_app_context

    return current_app.config.get(name, default) if has_app_context() else default


def _coerce(key: str, value: str, default: Any) -> Any:
    if isinstance(default, bool):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{key} must be true or false, not {value!r}")
    if isinstance(default, int):
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{key} must be a whole number, not {value!r}") from None
    if isinstance(default, float):
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"{key} must be a number, not {value!r}") from None
    return value


class DevelopmentConfig(Config):
    """The embedded single-machine default: SQLite and generated keys under ./instance."""

    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False  # plain http on localhost


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    INTAKE_KDF_PROFILE = "test"
    SESSION_COOKIE_SECURE = False
    INTAKE_TAKE_IN_INTERVAL = 0
    INTAKE_POW_BITS = 8  # tests that solve a token do it in Python


class ProductionConfig(Config):
    ENV_NAME = "production"
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, for path / and has no
    # Domain: no sibling subdomain or plain-http page can plant or overwrite it (session fixation).
    SESSION_COOKIE_NAME = "__Host-session"


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig,
}


def resolve(config: type[Config] | str | None, overrides: dict[str, Any] | None, *,
            check: bool = True) -> dict[str, Any]:
    """Merge class defaults, the environment and explicit overrides, then validate (unless `check`
    is False: only for an app that prints command help and serves nothing)."""
    if config is None:
        config = _env("INTAKE_ENV", "production")
    if isinstance(config, str):
        if config not in CONFIGS:
            raise ConfigError(f"INTAKE_ENV must be one of {', '.join(CONFIGS)}, not {config!r}")
        config = CONFIGS[config]
    settings = {k: getattr(config, k) for k in dir(config) if k.isupper()}
    settings.update(config.from_env())
    settings.update(overrides or {})
    if settings.get("INTAKE_TRUSTED_HOSTS"):  # Flask then checks every request's Host header against it
        settings["TRUSTED_HOSTS"] = [h.strip() for h in str(settings["INTAKE_TRUSTED_HOSTS"]).split(",") if h.strip()]
    if check:
        validate(settings)
    return settings


def validate(s: dict[str, Any]) -> None:
    if s["INTAKE_FACE"] not in FACES:
        raise ConfigError(f"INTAKE_FACE must be one of {', '.join(FACES)}, not {s['INTAKE_FACE']!r}")
    if s["INTAKE_HPKE_SUITE"] not in SUITES:
        raise ConfigError(f"INTAKE_HPKE_SUITE must be one of {', '.join(SUITES)}")
    if s["INTAKE_KDF_PROFILE"] not in PROFILES:
        raise ConfigError(f"INTAKE_KDF_PROFILE must be one of {', '.join(PROFILES)}")
    if s["ENV_NAME"] != "production":
        return
    missing = []
    if not s.get("SECRET_KEY") or len(str(s["SECRET_KEY"])) < 32:
        missing.append("INTAKE_SECRET_KEY (32+ random characters)")
    if not s.get("SQLALCHEMY_DATABASE_URI"):
        missing.append("INTAKE_DATABASE_URL")
    if s["INTAKE_FACE"] in ("public", "both"):
        if not s.get("INTAKE_RECEIPT_PEPPER"):
            missing.append("INTAKE_RECEIPT_PEPPER (64 hex digits)")
    if s["INTAKE_FACE"] == "public" and not s.get("INTAKE_PUBLIC_KEYS"):
        missing.append("INTAKE_PUBLIC_KEYS (the public key bundle)")
    if s["INTAKE_FACE"] in ("review", "both"):
        if not s.get("INTAKE_KEYSTORE"):
            missing.append("INTAKE_KEYSTORE (the key file)")
        if not s.get("INTAKE_KEY_PASSPHRASE"):
            missing.append("INTAKE_KEY_PASSPHRASE or INTAKE_KEY_PASSPHRASE_FILE")
    if missing:
        raise ConfigError("production refuses to start without: " + "; ".join(missing))
    if s["INTAKE_KDF_PROFILE"] != "strong":
        raise ConfigError("production refuses INTAKE_KDF_PROFILE other than 'strong'")
    pepper = s.get("INTAKE_RECEIPT_PEPPER")
    if pepper is not None:
        try:
            if len(bytes.fromhex(pepper)) < 32:
                raise ValueError
        except ValueError:
            raise ConfigError("INTAKE_RECEIPT_PEPPER must be at least 64 hex digits") from None
