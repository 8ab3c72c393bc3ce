"""Unambiguous byte encodings for associated data and HPKE info strings."""

from __future__ import annotations

import uuid


def pack(*parts: bytes | str | int | uuid.UUID) -> bytes:
    """Concatenate parts with a 4-byte length prefix each, so no two tuples encode alike."""
    out = bytearray()
    for part in parts:
        if isinstance(part, uuid.UUID):
            data = part.bytes
        elif isinstance(part, str):
            data = part.encode("utf-8")
        elif isinstance(part, int):
            data = part.to_bytes(8, "big", signed=False)
        else:
            data = bytes(part)
        out += len(data).to_bytes(4, "big") + data
    return bytes(out)
