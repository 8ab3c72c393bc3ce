"""`flask dev`: the embedded single-machine default, ready in one command.

SQLite under ./instance, development keys generated on first run (passphrase kept beside them, which
is exactly what production must never do), migrations applied, an admin account created and its
login printed once. Refuses to run unless INTAKE_ENV=development.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import run_simple

from ..crypto.keys import KemSuite
from ..crypto.keystore import Keystore
from ..crypto.kinds import KINDS
from ..crypto.passphrase import PROFILES
from ..extensions import db
from .. import keyring
from ..keyring import get_vault
from ..models import Role, User
from ..services import keys as key_service
from ..services import users
from ..web.serving import QuietRequestHandler


def dev_paths(instance: Path) -> dict[str, Path]:
    keys = instance / "keys"
    return {"keystore": keys / "keystore.json", "public": keys / "public-keys.json",
            "escrow": keys / "escrow-private.json", "passphrase": keys / "dev-passphrase",
            "pepper": keys / "receipt-pepper", "secret": instance / "dev-secret-key"}


def _write_secret(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=False)
    path.write_text(value, encoding="utf-8")


def ensure_dev_secrets(instance: Path, suite: str) -> bool:
    """Generate development keys and secrets if missing. True if anything was created."""
    p = dev_paths(instance)
    created = False
    for name, make in (("secret", lambda: secrets.token_urlsafe(48)), ("pepper", lambda: secrets.token_hex(32)),
                       ("passphrase", lambda: secrets.token_urlsafe(24))):
        if not p[name].exists():
            _write_secret(p[name], make())
            created = True
    if not p["keystore"].exists():
        key_service.init_keys(p["keystore"], p["public"], p["passphrase"].read_text().strip(),
                              suite=KemSuite(suite), kdf=PROFILES["strong"]["keystore"], escrow_out=p["escrow"])
        created = True
    else:
        created = _add_missing_kinds(p["keystore"], p["passphrase"].read_text().strip()) or created
    return created


def _add_missing_kinds(path: Path, passphrase: str) -> bool:
    """A development keystore made before a key kind existed gets one (export-signing, pseudonym...)."""
    keystore = Keystore.load(path)
    missing = [name for name, k in KINDS.items() if k.addable and not keystore.of_kind(name)]
    if not missing:
        return False
    master = keystore.unlock(passphrase)
    for name in missing:
        keystore.add_new(master, name)
    keystore.save()
    return True


@click.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Set everything up, then exit.")
def dev_command(host: str, port: int, no_serve: bool) -> None:
    """Start on the embedded default: SQLite, generated development keys, a printed admin login."""
    from .. import create_app

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["ENV_NAME"] != "development":
        raise click.ClickException("`flask dev` runs only with INTAKE_ENV=development")
    instance = Path(app.instance_path)
    if ensure_dev_secrets(instance, app.config["INTAKE_HPKE_SUITE"]):
        click.echo(f"development keys and secrets generated under {instance}")
    app = create_app("development")  # again, now that the key files exist
    with app.app_context():
        upgrade()
        vault = get_vault(app)
        if vault is None or not vault.unlocked:
            raise click.ClickException("development keys could not be unlocked")
        if db.session.scalar(select(User).where(User.role == Role.ADMIN.value)) is None:
            password = users.generated_password()
            users.create_user(db.session, vault, username="admin", role=Role.ADMIN, password=password,
                              kdf=keyring.kdf("password", app))
            click.echo(f"admin login (shown once, development only): admin / {password}")
    if not no_serve:
        click.echo(f"serving both faces on http://{host}:{port}/ (public) and /review")
        # app.run() is ignored inside a `flask` command; serve with werkzeug directly.
        run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True,
                   request_handler=QuietRequestHandler)
