"""The process's key vault: built on first use from the configured key files, then cached.

create_app does no I/O; the first request, CLI command or `ensure_ready` (called by wsgi.py before
serving) loads the keys. The public face reads only the public bundle. The review face reads the
keystore and unlocks it with the configured passphrase; without one (or with a wrong one outside
production) it stays locked and says so instead of serving decrypted content.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app

from .config import ConfigError
from .crypto.errors import CryptoError, WrongPassphraseError
from .crypto.passphrase import PROFILES, KdfParams
from .crypto.passphrase import bounds as passphrase_bounds
from .crypto.vault import Vault

log = logging.getLogger(__name__)
_KEY = "intake.vault"
_PROBLEM = "intake.vault_problem"


def get_vault(app: Flask | None = None) -> Vault | None:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if _KEY not in app.extensions:
        app.extensions[_KEY], app.extensions[_PROBLEM] = _load(app)
    return app.extensions[_KEY]


def vault_problem(app: Flask | None = None) -> str | None:
    """Why the vault is missing or locked, in words fit for an operator (never a secret)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    get_vault(app)
    return app.extensions.get(_PROBLEM)


def set_vault(app: Flask, vault: Vault | None, problem: str | None = None) -> None:
    app.extensions[_KEY] = vault
    app.extensions[_PROBLEM] = problem


def reset_vault(app: Flask) -> None:
    app.extensions.pop(_KEY, None)
    app.extensions.pop(_PROBLEM, None)


def _load(app: Flask) -> tuple[Vault | None, str | None]:
    face = app.config["INTAKE_FACE"]
    try:
        if face == "public":
            bundle = app.config.get("INTAKE_PUBLIC_KEYS")
            if not bundle:
                return None, "INTAKE_PUBLIC_KEYS is not set"
            return Vault.public_only(Path(bundle)), None
        keystore = app.config.get("INTAKE_KEYSTORE")
        if not keystore:
            return None, "INTAKE_KEYSTORE is not set"
        vault = Vault.from_keystore(Path(keystore), face,
                                    bounds=passphrase_bounds(app.config["INTAKE_KDF_PROFILE"], "keystore"))
        passphrase = app.config.get("INTAKE_KEY_PASSPHRASE")
        if not passphrase:
            return vault, "the review keys are locked: no passphrase was given"
        try:
            vault.unlock(passphrase)
        except WrongPassphraseError:
            return vault, "the review keys are locked: the configured passphrase does not open the keystore"
        return vault, None
    except CryptoError as exc:
        return None, str(exc)


def kdf(purpose: str, app: Flask | None = None) -> KdfParams:
    """The Argon2id parameters of the configured profile for `purpose` (keystore, receipt, password)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return PROFILES[app.config["INTAKE_KDF_PROFILE"]][purpose]


def ensure_ready(app: Flask) -> None:
    """Before serving in production: refuse to start with keys missing or locked."""
    vault = get_vault(app)
    problem = vault_problem(app)
    if vault is None or problem:
        raise ConfigError(f"refusing to start the {app.config['INTAKE_FACE']} face: {problem}")
