"""Testimony intake service: the application factory."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from .config import Config, resolve

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build an app. `config` is a Config class or its name; `overrides` win over everything.

    Wires configuration, the database, CSRF, security headers, error pages, the blueprints of the
    configured face and the CLI. Does no I/O: keys load on first use (see keyring.py).
    """
    settings = resolve(config, overrides)
    app = Flask(__name__, template_folder=str(ROOT / "templates"), 
                instance_path=str(settings.get("INSTANCE_PATH") or ROOT / "instance"))
    app.config.update(settings)
    if app.config["ENV_NAME"] == "development":
        _development_defaults(app)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'intake.sqlite3'}"

    from . import models  # noqa: F401 - registers every table with the metadata
    from .extensions import babel, csrf, db, limiter, migrate
    from .web import bidi, errors, headers, i18n, request_log

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("INTAKE_REDIS_URL") or "memory://")
    limiter.init_app(app)
    i18n.init_app(app)
    bidi.init_app(app)
    headers.init_app(app)
    request_log.init_app()
    errors.init_app(app)
    _register_blueprints(app)

    from .cli import register

    register(app)
    return app


def _register_blueprints(app: Flask) -> None:
    face = app.config["INTAKE_FACE"]
    if face in ("public", "both"):
        from .public.views import bp as public_bp

        app.register_blueprint(public_bp)
    if face in ("review", "both"):
        from .admin.views import bp as admin_bp
        from .research.views import bp as research_bp
        from .review.views import bp as review_bp

        app.register_blueprint(review_bp)
        app.register_blueprint(research_bp)
        app.register_blueprint(admin_bp)


def _development_defaults(app: Flask) -> None:
    """Point unset settings at the generated development files under ./instance (see `flask dev`)."""
    from .cli.dev import dev_paths

    paths = dev_paths(Path(app.instance_path))
    app.config.setdefault("INTAKE_KEYSTORE", None)
    app.config["INTAKE_KEYSTORE"] = app.config["INTAKE_KEYSTORE"] or str(paths["keystore"])
    app.config["INTAKE_PUBLIC_KEYS"] = app.config.get("INTAKE_PUBLIC_KEYS") or str(paths["public"])
    for key, name in (("INTAKE_KEY_PASSPHRASE", "passphrase"), ("INTAKE_RECEIPT_PEPPER", "pepper"),
                      ("SECRET_KEY", "secret")):
        if not app.config.get(key) and paths[name].exists():
            app.config[key] = paths[name].read_text(encoding="utf-8").strip()
    if not app.config.get("SECRET_KEY"):
        # Before `flask dev` has written one: a random key for this process only (sessions end with it).
        app.config["SECRET_KEY"] = secrets.token_urlsafe(48)
