"""Ed25519 signatures over canonical JSON (manifests, public statistics snapshots).

The key is passed in; where it lives (the keystore, escrowed and rotatable) is the caller's
business. Canonical form and verification live in `standalone_verify`, which recipients run
without this package, so both sides read one definition.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .standalone_verify import canonical_bytes, key_id, verify_signature

__all__ = ["key_id", "sign", "verify_signature"]


def sign(document: dict[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """`document` with a "signature" over everything else in it (any old signature replaced)."""
    body = {k: v for k, v in document.items() if k != "signature"}
    value = private_key.sign(canonical_bytes(body))
    return {**body, "signature": {"algorithm": "Ed25519", "key_id": key_id(private_key.public_key()),
                                  "value": base64.b64encode(value).decode("ascii")}}
