"""The keystore's public part is authenticated: a writer of the file without the passphrase cannot
slip in a key of their own, and its stored Argon2id cost is bounded before anything is derived."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from intake.crypto.errors import KeystoreError
from intake.crypto.keys import KemSuite, PrivateKey
from intake.crypto.keystore import LEGACY_FORMAT, Keystore
from intake.crypto.passphrase import bounds
from intake.crypto.vault import Vault
from intake.keyring import reset_vault, vault_problem
from tests.helpers import edit_keystore


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _edit(keys, change) -> None:  # noqa: ANN001 - an attacker's edit: no MAC recomputed
    data = json.loads(keys.keystore.read_text())
    change(data)
    keys.keystore.write_text(json.dumps(data))


def _swap_audit_public(data) -> None:  # noqa: ANN001
    entry = next(e for e in data["keys"] if e["kind"] == "audit")
    forged = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    entry["public"] = _b64(forged)  # same id, same sealed secret: only the public half is the attacker's


def _one_line_error(result) -> str:  # noqa: ANN001
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize("change", [
    _swap_audit_public,
    lambda d: d.update(escrow={"suite": "X25519", "public": _b64(PrivateKey.generate(KemSuite.X25519).public().raw)}),
    lambda d: next(e for e in d["keys"] if e["kind"] == "kek").update(state="previous"),
    lambda d: d.update(retired=[{"kind": "kek", "id": "00" * 16, "on": "2020-01-01"}]),
])
def test_a_tampered_public_part_is_refused_with_one_line(review_app, keys, change):
    _edit(keys, change)
    reset_vault(review_app)
    with review_app.app_context():
        assert "fails authentication" in vault_problem()
    for command in (["audit", "verify"], ["keys", "rotate"], ["keys", "add", "pseudonym"]):
        line = _one_line_error(review_app.test_cli_runner().invoke(args=command))
        assert "fails authentication" in line and "restore it from a backup" in line
        assert keys.passphrase not in line


def test_a_forged_audit_key_is_refused_even_with_a_recomputed_id(keys):
    """The attacker also makes the id match their key: the sealed secret no longer opens (its
    associated data names the id), and the MAC fails first."""
    def forge(data) -> None:  # noqa: ANN001
        entry = next(e for e in data["keys"] if e["kind"] == "audit")
        forged = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes_raw()
        entry["public"], entry["id"] = _b64(forged), forged[:16].hex()

    _edit(keys, forge)
    with pytest.raises(KeystoreError, match="fails authentication"):
        Vault.from_keystore(keys.keystore, "review", passphrase=keys.passphrase)


def test_a_swapped_public_half_is_caught_even_under_a_valid_mac(keys):
    """Defence in depth: whoever re-authenticates the file (an operator's mistake) still cannot pair a
    secret with another public key: unlocking derives each public half from its secret."""
    edit_keystore(keys.keystore, keys.passphrase, _swap_audit_public)
    with pytest.raises(KeystoreError, match="not the one its secret makes"):
        Vault.from_keystore(keys.keystore, "review", passphrase=keys.passphrase)


def test_argon2_cost_below_the_floor_is_refused(make_app, keys):
    """A keystore made with the test cost is below the strong profile's floor."""
    strong = make_app("review", INTAKE_KDF_PROFILE="strong")
    line = _one_line_error(strong.test_cli_runner().invoke(args=["keys", "add", "pseudonym"]))
    assert "outside the accepted range" in line and "m=8 KiB" in line
    with pytest.raises(KeystoreError, match="outside the accepted range"):
        Keystore.load(keys.keystore, bounds("strong", "keystore")).unlock(keys.passphrase)


def test_argon2_cost_above_the_ceiling_is_refused_before_deriving(review_app, keys):
    """A tampered cost of a terabyte of memory is refused at once, never attempted."""
    edit_keystore(keys.keystore, keys.passphrase, lambda d: d["kdf"].update(memory_cost=2**30))
    reset_vault(review_app)
    line = _one_line_error(review_app.test_cli_runner().invoke(args=["keys", "add", "pseudonym"]))
    assert "outside the accepted range" in line and "m=1073741824 KiB" in line
    for store in (Keystore.load(keys.keystore), Keystore.load(keys.keystore, bounds("test", "keystore"))):
        with pytest.raises(KeystoreError, match="outside the accepted range"):
            store.unlock(keys.passphrase)


def test_a_keystore_from_before_the_mac_is_upgraded_once(review_app, keys):
    _edit(keys, lambda d: (d.update(format=LEGACY_FORMAT), d.pop("public_mac")))
    reset_vault(review_app)
    with review_app.app_context():
        assert "upgrade-keystore" in vault_problem()
    result = review_app.test_cli_runner().invoke(args=["keys", "upgrade-keystore"])
    assert result.exit_code == 0, result.output
    escrow_id = Keystore.load(keys.keystore).escrow.key_id.hex()
    assert f"escrow key {escrow_id}" in result.output
    reset_vault(review_app)
    with review_app.app_context():
        assert vault_problem() is None
    again = review_app.test_cli_runner().invoke(args=["keys", "upgrade-keystore"])
    assert "already authenticated" in _one_line_error(again)


def test_a_legacy_keystore_with_a_swapped_public_half_is_not_upgraded(review_app, keys):
    _edit(keys, lambda d: (d.update(format=LEGACY_FORMAT), d.pop("public_mac"), _swap_audit_public(d)))
    before = keys.keystore.read_bytes()
    line = _one_line_error(review_app.test_cli_runner().invoke(args=["keys", "upgrade-keystore"]))
    assert "not the one its secret makes" in line
    assert keys.keystore.read_bytes() == before
