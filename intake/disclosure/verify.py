"""Checking an export directory, for `flask export verify DIR` and the services.

The logic lives in `standalone_verify`, the single file recipients run without this package;
this module only gives it a typed face.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import standalone_verify


@dataclass(frozen=True)
class Verification:
    ok: bool
    lines: tuple[str, ...]  # one finding per line, "ok", "FAIL" or "note" first; no personal data


def verify_export(directory: Path, public_key: Ed25519PublicKey | bytes) -> Verification:
    """Signature, every checksum, and k, l, risk and suppression recomputed from each data file."""
    key = public_key if isinstance(public_key, Ed25519PublicKey) else standalone_verify.load_public_key(public_key)
    report = standalone_verify.verify(Path(directory), key)
    return Verification(ok=report.ok, lines=tuple(report.lines))


def standalone_path() -> Path:
    """The verifier file to hand to recipients along with an export and the public key."""
    return Path(standalone_verify.__file__)
