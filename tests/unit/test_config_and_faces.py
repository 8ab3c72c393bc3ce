"""Configuration: production fails fast; INTAKE_FACE chooses the blueprints; headers are set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from intake import create_app
from intake.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def _prod(**settings):
    return create_app("production", settings)


def test_production_refuses_to_start_without_its_secrets(monkeypatch):
    for name in list(os.environ):
        if name.startswith("INTAKE_"):
            monkeypatch.delenv(name)
    with pytest.raises(ConfigError) as excinfo:
        _prod()
    message = str(excinfo.value)
    assert "\n" not in message
    for needed in ("INTAKE_SECRET_KEY", "INTAKE_DATABASE_URL", "INTAKE_KEYSTORE", "INTAKE_KEY_PASSPHRASE",
                   "INTAKE_RECEIPT_PEPPER"):
        assert needed in message


def test_production_public_face_needs_only_public_material():
    with pytest.raises(ConfigError, match="INTAKE_PUBLIC_KEYS") as excinfo:
        _prod(INTAKE_FACE="public", SECRET_KEY="s" * 40, SQLALCHEMY_DATABASE_URI="sqlite://",
              INTAKE_RECEIPT_PEPPER="ab" * 32)
    assert "PASSPHRASE" not in str(excinfo.value) and "KEYSTORE" not in str(excinfo.value)


def test_production_refuses_the_test_kdf_and_a_weak_pepper():
    base = dict(INTAKE_FACE="public", SECRET_KEY="s" * 40, SQLALCHEMY_DATABASE_URI="sqlite://",
                INTAKE_PUBLIC_KEYS="/nonexistent")
    with pytest.raises(ConfigError, match="KDF"):
        _prod(**base, INTAKE_RECEIPT_PEPPER="ab" * 32, INTAKE_KDF_PROFILE="test")
    with pytest.raises(ConfigError, match="64 hex digits"):
        _prod(**base, INTAKE_RECEIPT_PEPPER="abcd")


def test_secrets_can_come_from_files(tmp_path, monkeypatch):
    (tmp_path / "secret").write_text("f" * 48 + "\n")
    monkeypatch.setenv("INTAKE_SECRET_KEY_FILE", str(tmp_path / "secret"))
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == "f" * 48


def test_unknown_face_is_refused():
    with pytest.raises(ConfigError, match="INTAKE_FACE"):
        create_app("test", {"INTAKE_FACE": "everything"})


def test_wsgi_refuses_with_a_one_line_message(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env.update(INTAKE_ENV="production", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("intake: production refuses to start without:")
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def _production_review(tmp_path, keystore, passphrase):
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env.update(INTAKE_ENV="production", PYTHONPATH=str(ROOT), INTAKE_SECRET_KEY="s" * 40,
               INTAKE_DATABASE_URL=f"sqlite:///{tmp_path / 'db'}", INTAKE_FACE="review",
               INTAKE_KEYSTORE=str(keystore), INTAKE_KEY_PASSPHRASE=passphrase)
    return subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_wsgi_refuses_locked_keys_in_production(tmp_path):
    from intake.crypto.keys import KemSuite
    from intake.crypto.passphrase import PROFILES
    from intake.services import keys as key_service

    keystore = tmp_path / "keys" / "keystore.json"  # at the production cost, as production requires
    key_service.init_keys(keystore, tmp_path / "keys" / "public.json", "the right passphrase", suite=KemSuite.X25519,
                          kdf=PROFILES["strong"]["keystore"], escrow_out=tmp_path / "keys" / "escrow.json")
    proc = _production_review(tmp_path, keystore, "wrong passphrase entirely")
    assert proc.returncode == 2
    assert "does not open the keystore" in proc.stderr and "Traceback" not in proc.stderr


def test_wsgi_refuses_a_keystore_below_the_production_cost(tmp_path, keys):
    """A keystore at the test cost (or one whose stored cost was lowered) is refused before anything
    is derived, in one line naming the accepted range."""
    proc = _production_review(tmp_path, keys.keystore, keys.passphrase)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert "m=8 KiB, outside the accepted range" in proc.stderr


@pytest.mark.parametrize(("face", "present", "absent"), [
    ("public", {"public.index"}, {"review.index"}),
    ("review", {"review.index"}, {"public.index"}),
    ("both", {"public.index", "review.index"}, set()),
])
def test_face_chooses_blueprints(face, present, absent):
    app = create_app("test", {"INTAKE_FACE": face, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert present <= endpoints
    assert not (absent & endpoints)


def test_public_face_answers_404_for_review_urls(public_app):
    response = public_app.test_client().get("/review/")
    assert response.status_code == 404
    assert b"Traceback" not in response.data


def test_security_headers_on_every_page(app):
    client = app.test_client()
    for url in ("/", "/review/", "/no-such-page"):
        response = client.get(url)
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
        assert "max-age" in response.headers["Strict-Transport-Security"]
        assert "geolocation=()" in response.headers["Permissions-Policy"]


def test_trusted_hosts_refuse_any_other_host_header(make_app):
    """With INTAKE_TRUSTED_HOSTS set, a forged Host header is refused before any view runs."""
    app = make_app("both", INTAKE_TRUSTED_HOSTS="intake.example.org, .abcdefgh.onion")
    client = app.test_client()
    assert client.get("/", headers={"Host": "intake.example.org"}).status_code == 200
    assert client.get("/", headers={"Host": "www.abcdefgh.onion"}).status_code == 200
    for forged in ("evil.example.com", "intake.example.org.evil.com", "localhost"):
        answer = client.get("/", headers={"Host": forged})
        assert answer.status_code == 400, forged
        assert b"Traceback" not in answer.data and forged.encode() not in answer.data
    assert client.post("/review/sign-in", headers={"Host": "evil.example.com"}).status_code == 400


def test_without_trusted_hosts_any_host_is_served(app):
    assert app.test_client().get("/", headers={"Host": "anything.example"}).status_code == 200
