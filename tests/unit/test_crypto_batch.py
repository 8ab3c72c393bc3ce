"""The batch forms of the field, wrap and seal checks (used by the bulk path) give exactly the
verdicts of the one-at-a-time forms: the same plaintexts, the same refusals, the same bytes."""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime, timezone

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from intake.crypto import fields, wraps
from intake.crypto import integrity as seals
from intake.crypto.encoding import pack
from intake.crypto.errors import CryptoError, DecryptionError, UnknownKeyError
from intake.crypto.integrity import SealCheck
from intake.crypto.keys import SymmetricKey

COLUMNS = ("names", "gender", "testimony")


def _row(dek: bytes, dek_id: bytes, row_id: uuid.UUID) -> list[bytes | None]:
    return [fields.encrypt_field(dek, dek_id, "reports", "names", row_id, b'[{"value":"x"}]'), None,
            fields.encrypt_field(dek, dek_id, "reports", "testimony", row_id, "証言".encode() * 50)]


def _one_by_one(dek: bytes, dek_id: bytes, row_id: uuid.UUID, blobs: list[bytes | None]) -> list[bytes | None]:
    return [None if b is None else fields.decrypt_field(dek, dek_id, "reports", c, row_id, b)
            for c, b in zip(COLUMNS, blobs, strict=True)]


def test_columns_opener_opens_what_the_row_opener_opens() -> None:
    dek, dek_id, row_id = os.urandom(32), os.urandom(16), uuid.uuid4()
    blobs = _row(dek, dek_id, row_id)
    opened = fields.ColumnsOpener("reports", COLUMNS).open_row(AESGCM(dek), dek_id, row_id, blobs)
    assert opened == _one_by_one(dek, dek_id, row_id, blobs)
    assert opened[1] is None and opened[2] == "証言".encode() * 50


def _damaged(kind: str, dek: bytes, dek_id: bytes, row_id: uuid.UUID) -> tuple[list[bytes | None], uuid.UUID]:
    blobs = _row(dek, dek_id, row_id)
    testimony = blobs[2]
    assert testimony is not None
    if kind == "flipped":
        blobs[2] = testimony[:-1] + bytes([testimony[-1] ^ 1])
    elif kind == "swapped columns":
        blobs[0], blobs[2] = blobs[2], blobs[0]
    elif kind == "other row":
        return blobs, uuid.uuid4()
    elif kind == "other key":
        blobs[2] = fields.encrypt_field(os.urandom(32), os.urandom(16), "reports", "testimony", row_id, b"x")
    elif kind == "malformed":
        blobs[2] = b"\x02" + testimony[1:]
    elif kind == "truncated":
        blobs[2] = testimony[:40]
    return blobs, row_id


@pytest.mark.parametrize("kind", ["flipped", "swapped columns", "other row", "other key", "malformed", "truncated"])
def test_columns_opener_refuses_what_the_row_opener_refuses(kind: str) -> None:
    dek, dek_id = os.urandom(32), os.urandom(16)
    blobs, row_id = _damaged(kind, dek, dek_id, uuid.uuid4())
    with pytest.raises(CryptoError) as one:
        _one_by_one(dek, dek_id, row_id, blobs)
    with pytest.raises(CryptoError) as batch:
        fields.ColumnsOpener("reports", COLUMNS).open_row(AESGCM(dek), dek_id, row_id, blobs)
    assert type(batch.value) is type(one.value)
    assert str(batch.value) == str(one.value)
    assert isinstance(batch.value, UnknownKeyError if kind == "other key" else DecryptionError)


def test_a_working_store_wrap_is_bound_as_before() -> None:
    kek, owner = SymmetricKey.generate(), uuid.uuid4()
    dek = os.urandom(32)
    blob = wraps.kek_wrap(kek, "submissions", owner, dek)
    # The associated data is still pack(domain, version, table, owner, key id), byte for byte.
    aad = pack("intake/kek-wrap", wraps.WRAP_VERSION, "submissions", owner, kek.key_id)
    assert AESGCM(kek.secret).decrypt(blob[17:29], blob[29:], aad) == dek
    assert wraps.kek_unwrap({kek.key_id: kek}, "submissions", owner, blob, aeads={}) == dek
    for table, other in (("submissions", uuid.uuid4()), ("status_events", owner)):
        with pytest.raises(DecryptionError):
            wraps.kek_unwrap({kek.key_id: kek}, table, other, blob, aeads={})


PARTS = (uuid.uuid4(), uuid.uuid4(), "R-AAAA", "detained", "reported", None, 3, True, date(2024, 1, 2),
         datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc), 0.5, b"\x00\x01")


def test_the_batch_seal_checker_gives_the_verdicts_of_check() -> None:
    key, other = SymmetricKey.generate(), SymmetricKey.generate()
    keys = {key.key_id: key}
    good = seals.seal(key, "report-state", *PARTS)
    cases = {
        "ok": (good, PARTS, "report-state"),
        "missing": (None, PARTS, "report-state"),
        "a part changed": (good, (*PARTS[:3], "released", *PARTS[4:]), "report-state"),
        "None for empty": (good, (*PARTS[:5], "", *PARTS[6:]), "report-state"),
        "other domain": (good, PARTS, "submission-state"),
        "unknown key": (seals.seal(other, "report-state", *PARTS), PARTS, "report-state"),
        "malformed": (good[:-1], PARTS, "report-state"),
        "flipped": (good[:-1] + bytes([good[-1] ^ 1]), PARTS, "report-state"),
    }
    checker = seals.Checker(keys)
    verdicts = {name: checker(blob, domain, parts) for name, (blob, parts, domain) in cases.items()}
    assert verdicts == {name: seals.check(keys, blob, domain, *parts) for name, (blob, parts, domain) in cases.items()}
    assert verdicts["ok"] is SealCheck.OK and verdicts["missing"] is SealCheck.MISSING
    assert verdicts["unknown key"] is SealCheck.UNKNOWN_KEY
    assert {verdicts[n] for n in ("a part changed", "None for empty", "other domain", "malformed", "flipped")} == {
        SealCheck.INVALID}
    # The prepared key is reused, not changed, by a check: the same seal still verifies.
    assert checker(good, "report-state", PARTS) is SealCheck.OK


def test_a_seal_is_still_the_documented_hmac() -> None:
    # Seals already stored must keep verifying: HMAC-SHA256 over pack("intake/seal", version, key
    # id, domain, *canonical parts), whatever shortcut builds the message.
    import hashlib
    import hmac

    key = SymmetricKey.generate()
    message = pack("intake/seal", seals.SEAL_VERSION, key.key_id, "report-state",
                   *(seals._canonical(p) for p in PARTS))
    assert seals.seal(key, "report-state", *PARTS) == (bytes([seals.SEAL_VERSION]) + key.key_id
                                                        + hmac.new(key.secret, message, hashlib.sha256).digest())


@given(st.lists(st.one_of(st.none(), st.uuids(), st.text(), st.integers(), st.booleans(), st.dates(),
                          st.datetimes(), st.floats(allow_nan=False), st.binary()), max_size=12))
def test_the_fast_message_is_the_canonical_packing(parts: list) -> None:
    key_id = bytes(range(16))
    assert seals._message(key_id, "report-state", tuple(parts)) == pack(
        "intake/seal", seals.SEAL_VERSION, key_id, "report-state", *(seals._canonical(p) for p in parts))
