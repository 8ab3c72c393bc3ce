"""`flask keys init`, escrow copies and their recovery."""

from __future__ import annotations

import json

from intake import create_app
from intake.crypto.keys import KemSuite, PrivateKey
from intake.crypto.keystore import open_escrow_copy, read_escrow_private, write_public_key_file
from intake.crypto.vault import Vault


def _app(tmp_path, **extra):
    settings = {"INTAKE_FACE": "review", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "INTAKE_KEYSTORE": str(tmp_path / "keys" / "keystore.json"),
                "INTAKE_KEY_PASSPHRASE": "a long enough passphrase", "INSTANCE_PATH": str(tmp_path)}
    settings.update(extra)
    return create_app("test", settings)


def test_keys_init_prints_fingerprints_and_no_secret(tmp_path):
    app = _app(tmp_path)
    result = app.test_cli_runner().invoke(args=["keys", "init"])
    assert result.exit_code == 0, result.output
    store = json.loads((tmp_path / "keys" / "keystore.json").read_text())
    ids = {e["kind"]: e["id"] for e in store["keys"]}
    for kind in ("review", "kek", "index", "audit", "integrity"):
        assert ids[kind] in result.output
    for entry in store["keys"]:
        assert entry["sealed"] not in result.output
    assert "a long enough passphrase" not in result.output
    escrow = read_escrow_private(tmp_path / "keys" / "escrow-private.json")
    assert escrow.public().key_id.hex() in result.output
    assert "move it offline" in result.output
    assert ((tmp_path / "keys" / "keystore.json").stat().st_mode & 0o777) == 0o600
    assert json.loads((tmp_path / "keys" / "public-keys.json").read_text())["suite"] == "MLKEM768_X25519"


def test_keys_init_refuses_to_overwrite(tmp_path):
    app = _app(tmp_path)
    assert app.test_cli_runner().invoke(args=["keys", "init"]).exit_code == 0
    before = (tmp_path / "keys" / "keystore.json").read_bytes()
    result = app.test_cli_runner().invoke(args=["keys", "init"])
    assert result.exit_code == 1 and "already exists" in result.output
    assert (tmp_path / "keys" / "keystore.json").read_bytes() == before


def test_imported_escrow_public_key_recovers_every_secret(tmp_path):
    offline = PrivateKey.generate(KemSuite.MLKEM768_X25519)  # generated elsewhere, kept offline
    write_public_key_file(tmp_path / "escrow-public.json", offline.public())
    app = _app(tmp_path)
    result = app.test_cli_runner().invoke(args=["keys", "init", "--escrow-public", str(tmp_path / "escrow-public.json")])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "keys" / "escrow-private.json").exists()

    store = json.loads((tmp_path / "keys" / "keystore.json").read_text())
    vault = Vault.from_keystore(tmp_path / "keys" / "keystore.json", "review", passphrase="a long enough passphrase")
    recovered = {(c["kind"], c["id"]): open_escrow_copy(offline, c)["secret"] for c in store["escrow_copies"]}
    assert len(recovered) == 7  # review, KEK, index, audit, integrity, export-signing and pseudonym keys
    assert recovered[("integrity", vault.current_integrity_id.hex())] == \
        vault.integrity_keys[vault.current_integrity_id].secret
    kek_id = vault.current_kek_id.hex()
    assert recovered[("kek", kek_id)] == vault.keks[vault.current_kek_id].secret
    review_id = vault.review_public.key_id.hex()
    assert PrivateKey(KemSuite.MLKEM768_X25519, recovered[("review", review_id)]).public() == vault.review_public


def test_a_short_passphrase_is_refused(tmp_path):
    app = _app(tmp_path, INTAKE_KEY_PASSPHRASE="short")
    result = app.test_cli_runner().invoke(args=["keys", "init"])
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    assert not (tmp_path / "keys" / "keystore.json").exists()


def test_a_lost_passphrase_is_recovered_from_escrow(public_app, review_app, keys, make_app, tmp_path):
    """The whole archive survives the loss of the operator passphrase, through the offline escrow key."""
    from sqlalchemy import select

    from intake.extensions import db
    from intake.keyring import get_vault
    from intake.models import Report
    from intake.services import take_in
    from tests.helpers import full_report, submit

    report = full_report()
    submit(public_app, report)
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())
    submit(public_app, full_report("still-in-inbox"))

    recovered_path = tmp_path / "recovered-keystore.json"
    recovering = make_app("review", INTAKE_KEY_PASSPHRASE="the brand new passphrase")
    result = recovering.test_cli_runner().invoke(
        args=["keys", "recover", "--escrow-key", str(keys.escrow), "--out", str(recovered_path)])
    assert result.exit_code == 0, result.output
    assert "recovered kek" in result.output and "recovered review" in result.output

    restored = make_app("review", INTAKE_KEYSTORE=str(recovered_path), INTAKE_KEY_PASSPHRASE="the brand new passphrase")
    with restored.app_context():
        testimonies = {r.testimony for r in db.session.scalars(select(Report))}
        assert report.testimony in testimonies and len(testimonies) == 2
        assert take_in.take_in(db.session, get_vault()) == (1, 0)  # the review private key came back too
    old = make_app("review", INTAKE_KEYSTORE=str(recovered_path), INTAKE_KEY_PASSPHRASE=keys.passphrase)
    with old.app_context():
        from intake.keyring import vault_problem

        assert "does not open" in vault_problem()  # the lost passphrase no longer opens anything new


def test_recovery_refuses_a_different_escrow_key(keys, make_app, tmp_path):
    from intake.crypto.keystore import write_escrow_private

    stranger = tmp_path / "stranger.json"
    write_escrow_private(stranger, PrivateKey.generate(KemSuite.MLKEM768_X25519))
    app = make_app("review", INTAKE_KEY_PASSPHRASE="the brand new passphrase")
    result = app.test_cli_runner().invoke(args=["keys", "recover", "--escrow-key", str(stranger),
                                                "--out", str(tmp_path / "out.json")])
    assert result.exit_code == 1 and "not the one" in result.output
    assert not (tmp_path / "out.json").exists()


def test_escrow_new_then_init_with_its_public_half(tmp_path):
    app = _app(tmp_path)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["keys", "escrow-new", "--out", str(tmp_path / "offline.json"),
                                 "--public-out", str(tmp_path / "escrow-public.json")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["keys", "init", "--escrow-public", str(tmp_path / "escrow-public.json")])
    assert result.exit_code == 0, result.output
    offline = read_escrow_private(tmp_path / "offline.json")
    assert offline.public().key_id.hex() in result.output
    # Giving the private file where the public one belongs is refused, with a hint.
    result = _app(tmp_path / "other").test_cli_runner().invoke(
        args=["keys", "init", "--escrow-public", str(tmp_path / "offline.json")])
    assert result.exit_code == 1 and "not a public key file" in result.output
