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
    # Take new submissions into the working store at most this often (seconds) on the review face.
    INTAKE_TAKE_IN_INTERVAL = 30
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Strict"
    WTF_CSRF_TIME_LIMIT = 3600 * 4
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}

    @classmethod
    def from_env(cls) -> dict[str, Any]:
        """Settings present in the environment override the class defaults."""
        out: dict[str, Any] = {}
        for key, env in (("INTAKE_FACE", "INTAKE_FACE"), ("SQLALCHEMY_DATABASE_URI", "INTAKE_DATABASE_URL"),
                         ("INTAKE_KEYSTORE", "INTAKE_KEYSTORE"), ("INTAKE_PUBLIC_KEYS", "INTAKE_PUBLIC_KEYS"),
                         ("INTAKE_HPKE_SUITE", "INTAKE_HPKE_SUITE"), ("INTAKE_REDIS_URL", "INTAKE_REDIS_URL"),
                         ("INTAKE_KDF_PROFILE", "INTAKE_KDF_PROFILE")):
            value = _env(env)
            if value is not None:
                out[key] = value
        for key, env in (("SECRET_KEY", "INTAKE_SECRET_KEY"), ("INTAKE_KEY_PASSPHRASE", "INTAKE_KEY_PASSPHRASE"),
                         ("INTAKE_RECEIPT_PEPPER", "INTAKE_RECEIPT_PEPPER")):
            value = _secret_from_env(env)
            if value is not None:
                out[key] = value
        return out


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


class ProductionConfig(Config):
    ENV_NAME = "production"


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig,
}


def resolve(config: type[Config] | str | None, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Merge class defaults, the environment and explicit overrides, then validate."""
    if config is None:
        config = _env("INTAKE_ENV", "production")
    if isinstance(config, str):
        if config not in CONFIGS:
            raise ConfigError(f"INTAKE_ENV must be one of {', '.join(CONFIGS)}, not {config!r}")
        config = CONFIGS[config]
    settings = {k: getattr(config, k) for k in dir(config) if k.isupper()}
    settings.update(config.from_env())
    settings.update(overrides or {})
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
