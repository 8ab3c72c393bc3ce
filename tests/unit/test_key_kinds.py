"""The key kinds of crypto/kinds.py: export-signing and pseudonym keys made by `keys init`, added and
rotated by `keys add`, escrowed like the others, and reached through the vault's accessors."""

from __future__ import annotations

import json

from intake.crypto.keystore import Keystore, open_escrow_copy, read_escrow_private
from intake.crypto.kinds import KINDS
from intake.extensions import db
from intake.keyring import get_vault, reset_vault


def _current(keystore_path, kind):
    return Keystore.load(keystore_path).current(kind).key_id


def test_init_makes_one_key_of_every_kind_each_escrowed(keys):
    store = json.loads(keys.keystore.read_text())
    assert sorted(e["kind"] for e in store["keys"]) == sorted(KINDS)
    escrow = read_escrow_private(keys.escrow)
    copies = {c["kind"]: open_escrow_copy(escrow, c) for c in store["escrow_copies"]}
    assert set(copies) == set(KINDS)
    assert len(copies["pseudonym"]["secret"]) == 32


def test_export_signer_signs_and_verify_keys_verify(review_app, keys):
    with review_app.app_context():
        vault = get_vault()
        key_id, signer = vault.current_export_signer()
        assert key_id == _current(keys.keystore, "export-signing")
        signature = signer.sign(b"manifest bytes")
        vault.export_verify_keys()[key_id.hex()].verify(signature, b"manifest bytes")
        pseudonym_id, secret = vault.current_pseudonym_secret()
        assert pseudonym_id == _current(keys.keystore, "pseudonym") and len(secret) == 32
        assert secret != vault.index_root


def test_keys_add_rotates_and_older_versions_still_verify(review_app, keys):
    with review_app.app_context():
        old_id, old_signer = get_vault().current_export_signer()
        old_signature = old_signer.sign(b"old manifest")
        _, old_pseudonym = get_vault().current_pseudonym_secret()
    for kind in ("export-signing", "pseudonym"):
        result = review_app.test_cli_runner().invoke(args=["keys", "add", kind])
        assert result.exit_code == 0, result.output
        assert f"new {kind} key {_current(keys.keystore, kind).hex()}" in result.output
    reset_vault(review_app)  # a fresh process
    with review_app.app_context():
        vault = get_vault()
        new_id, _ = vault.current_export_signer()
        assert new_id != old_id and set(vault.export_verify_keys()) == {old_id.hex(), new_id.hex()}
        vault.export_verify_keys()[old_id.hex()].verify(old_signature, b"old manifest")
        assert vault.current_pseudonym_secret()[1] != old_pseudonym
    store = json.loads(keys.keystore.read_text())
    assert sum(c["kind"] == "export-signing" for c in store["escrow_copies"]) == 2

    # Until retired: then the old key verifies nothing any more.
    result = review_app.test_cli_runner().invoke(args=["keys", "retire", old_id.hex()])
    assert result.exit_code == 0, result.output
    reset_vault(review_app)
    with review_app.app_context():
        assert set(get_vault().export_verify_keys()) == {new_id.hex()}


def test_keys_add_refuses_kinds_that_rotate_otherwise(review_app, keys):
    before = keys.keystore.read_bytes()
    result = review_app.test_cli_runner().invoke(args=["keys", "add", "kek"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "'kek' is not one of" in result.output
    assert keys.keystore.read_bytes() == before


def test_a_keystore_made_before_the_kind_gets_it_by_keys_add(review_app, keys):
    # Remove the pseudonym key as a keystore made before it existed would lack it.
    with review_app.app_context():
        vault = get_vault()
        store = vault.keystore
        store.unlock(keys.passphrase)
        store.entries = [e for e in store.entries if e.kind != "pseudonym"]
        store.save()
    reset_vault(review_app)
    with review_app.app_context():
        try:
            get_vault().current_pseudonym_secret()
        except Exception as exc:  # noqa: BLE001 - the message is what is tested
            assert "`flask keys add pseudonym`" in str(exc)
        else:
            raise AssertionError("a missing pseudonym key must be refused")
    result = review_app.test_cli_runner().invoke(args=["keys", "add", "pseudonym"])
    assert result.exit_code == 0, result.output
    reset_vault(review_app)
    with review_app.app_context():
        assert get_vault().current_pseudonym_secret()[0] == _current(keys.keystore, "pseudonym")
        db.session.remove()
