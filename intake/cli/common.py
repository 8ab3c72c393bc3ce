"""Helpers shared by the commands: passphrase input, the vault, clean errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import current_app

from ..crypto.errors import CryptoError
from ..crypto.passphrase import KdfParams
from ..crypto.vault import Vault
from .. import keyring
from ..keyring import get_vault, reset_vault, vault_problem
from ..public.text import escaped
from ..services.errors import ServiceError

F = TypeVar("F", bound=Callable[..., Any])


def clean_errors(fn: F) -> F:
    """Domain errors become one line on stderr and exit status 1; never a traceback, never a secret.
    What they quote from a file (a sheet's name) is escaped for the terminal."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (CryptoError, ServiceError, ValueError) as exc:
            raise click.ClickException(escaped(str(exc))) from None

    return wrapper  # type: ignore[return-value]


def passphrase(confirm: bool = False) -> str:
    configured = current_app.config.get("INTAKE_KEY_PASSPHRASE")
    if configured:
        return str(configured)
    return str(click.prompt("Key passphrase", hide_input=True, confirmation_prompt=confirm, err=True))


def keystore_path() -> Path:
    path = current_app.config.get("INTAKE_KEYSTORE")
    if not path:
        raise click.ClickException("INTAKE_KEYSTORE is not set: where should the key file live?")
    return Path(path)


def public_bundle_path() -> Path:
    configured = current_app.config.get("INTAKE_PUBLIC_KEYS")
    return Path(configured) if configured else keystore_path().with_name("public-keys.json")


def kdf(purpose: str) -> KdfParams:
    return keyring.kdf(purpose)


def review_vault(unlock: bool = True) -> Vault:
    """The review vault, unlocked (prompting for the passphrase if none is configured)."""
    if current_app.config["INTAKE_FACE"] == "public":
        raise click.ClickException("this is the public face: it holds only public keys (set INTAKE_FACE=review)")
    vault = get_vault()
    if vault is None or vault.keystore is None:
        reset_vault(current_app._get_current_object())  # type: ignore[attr-defined]
        raise click.ClickException(f"no keystore: {vault_problem() or 'run `flask keys init`'}")
    if unlock and not vault.unlocked:
        vault.unlock(passphrase())
    return vault
