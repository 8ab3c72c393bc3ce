"""Testimony intake service: the application factory."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any

from flask import Flask

from .config import Config, ConfigError, resolve

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build an app. `config` is a Config class or its name; `overrides` win over everything.

    Wires configuration, the database, CSRF, security headers, error pages, the blueprints of the
    configured face and the CLI. Does no I/O: keys load on first use (see keyring.py).
    """
    help_only = None
    try:
        settings = resolve(config, overrides)
    except ConfigError as exc:
        settings, help_only = _for_the_command_line(exc, config, overrides)
    app = Flask(__name__, template_folder=str(ROOT / "templates"), 
                instance_path=str(settings.get("INSTANCE_PATH") or ROOT / "instance"))
    app.config.update(settings)
    from .web.request import MemoryOnlyRequest

    app.request_class = MemoryOnlyRequest
    if app.config["ENV_NAME"] == "development":
        _development_defaults(app)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'intake.sqlite3'}"

    from . import models  # noqa: F401 - registers every table with the metadata
    from .extensions import babel, csrf, db, limiter, migrate
    from .web import access, bidi, errors, form_markup, headers, i18n, request_log, said
    from .web import request as request_hooks

    request_hooks.refuse_untrusted_hosts(app)  # a forged Host header: nothing else runs
    access.init_app(app)  # then default deny before anything else runs
    request_hooks.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("INTAKE_REDIS_URL") or "memory://")
    limiter.init_app(app)
    i18n.init_app(app)
    bidi.init_app(app)
    said.init_app(app)
    form_markup.init_app(app)
    headers.init_app(app)
    request_log.init_app()
    errors.init_app(app)
    _register_blueprints(app)

    from .cli import register

    register(app)
    if help_only:
        _refuse_to_serve(app, help_only)
    return app


# Options of the `flask` command itself, and whether each takes a value.
_FLASK_OPTIONS = {"--app": True, "-A": True, "--env-file": True, "-e": True, "--debug": False,
                  "--no-debug": False, "--version": False}


def _command_words(argv: list[str]) -> list[str]:
    words, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _FLASK_OPTIONS:
            skip = _FLASK_OPTIONS[arg]
        elif not arg.startswith("-"):
            words.append(arg)
    return words


def _help_requested(argv: list[str]) -> bool:
    """`flask ... --help`, or `flask --app intake` with no command (which prints the help too)."""
    if "--help" in argv or "-h" in argv:
        return True
    return not _command_words(argv)


def _needs_no_deployment(argv: list[str]) -> bool:
    """Commands that read and write plain files only (the matcher on an advocate's CSV)."""
    words = _command_words(argv)
    return words[:2] == ["dedup", "csv"] or (words[:2] == ["dedup", "train"] and "--csv" in argv)


def _for_the_command_line(exc: ConfigError, config: type[Config] | str | None,
                          overrides: dict[str, Any] | None) -> tuple[dict[str, Any], str]:
    """Under the `flask` command, a deployment's missing setting must not end in a traceback.

    Asking for help needs no deployment: the app is built without the checks (and serves nothing),
    so every command can describe itself. Anything else stops with the one-line reason.
    """
    import click

    if click.get_current_context(silent=True) is None:
        raise exc
    if not _help_requested(sys.argv[1:]) and not _needs_no_deployment(sys.argv[1:]):
        raise click.ClickException(f"intake: {exc}") from None
    try:
        return resolve(config, overrides, check=False), str(exc)
    except ConfigError:  # a malformed value in the environment: the class defaults describe enough
        return {k: getattr(Config, k) for k in dir(Config) if k.isupper()}, str(exc)


def _refuse_to_serve(app: Flask, problem: str) -> None:
    """An app built only to print help answers every request with 503, should anything serve it."""
    from werkzeug.exceptions import ServiceUnavailable

    app.config["INTAKE_CONFIG_PROBLEM"] = problem
    app.wsgi_app = ServiceUnavailable()  # type: ignore[method-assign]


def _register_blueprints(app: Flask) -> None:
    face = app.config["INTAKE_FACE"]
    if face in ("public", "both"):
        from .public.views import bp as public_bp

        app.register_blueprint(public_bp)
    if face in ("review", "both"):
        from .admin.views import bp as admin_bp
        from .api.views import bp as api_bp
        from .research.views import bp as research_bp
        from .review.views import bp as review_bp

        app.register_blueprint(review_bp)
        app.register_blueprint(research_bp)
        app.register_blueprint(admin_bp)
        app.register_blueprint(api_bp)


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
