"""`flask` commands: keys, inbox, index, jobs, integrity, audit, users, dedup, import, api, export, stats, dev.
(`flask db ...` comes from Flask-Migrate.)"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from .api import api_cli
    from .audit import audit_cli
    from .dedup import dedup_cli
    from flask_migrate.cli import db as db_group

    from .dev import dev_command
    from .exports import export_cli, stats_cli
    from .grants import grants
    from .imports import import_command
    from .inbox import inbox_cli
    from .index import index_cli
    from .jobs import jobs_cli
    from .integrity import integrity_cli
    from .keys import keys_cli
    from .users import users_cli

    app.cli.add_command(keys_cli)
    app.cli.add_command(inbox_cli)
    app.cli.add_command(index_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(integrity_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(dev_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(dedup_cli)
    app.cli.add_command(import_command)
    app.cli.add_command(api_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(stats_cli)
    db_group.add_command(grants)  # `flask db grants`, beside Flask-Migrate's `flask db upgrade`
    from .dedup_store import register as register_dedup_store

    register_dedup_store(app)  # after any other `dedup` commands: it joins their group
