"""The session cookie in production: __Host- prefixed, Secure, HttpOnly, SameSite=Strict, path /.

The __Host- prefix is what makes the browser enforce the rest: a cookie so named is refused unless
Secure, for path / and without Domain, so a sibling subdomain or a plain-http page cannot plant a
session cookie of its own (fixation) or overwrite the real one.
"""

from __future__ import annotations

import secrets

import pytest

from intake import create_app


def production_app(face: str, keys, tmp_path):  # noqa: ANN001, ANN201
    settings = {"INTAKE_FACE": face, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                "SECRET_KEY": secrets.token_hex(32), "INTAKE_RECEIPT_PEPPER": keys.pepper,
                "INTAKE_PUBLIC_KEYS": str(keys.public), "INTAKE_KEYSTORE": str(keys.keystore),
                "INTAKE_KEY_PASSPHRASE": keys.passphrase, "INSTANCE_PATH": str(tmp_path / "instance")}
    return create_app("production", settings)


@pytest.mark.parametrize(("face", "page"), [("public", "/?lang=ug"), ("review", "/review/sign-in?lang=ug")])
def test_the_production_session_cookie_is_host_prefixed_and_locked_down(face, page, keys, tmp_path):
    app = production_app(face, keys, tmp_path)
    response = app.test_client().get(page)
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1, cookies
    name, _, rest = cookies[0].partition("=")
    attributes = {a.strip().split("=")[0].lower(): a.strip() for a in rest.split(";")[1:]}
    assert name == "__Host-session"
    assert {"secure", "httponly", "samesite", "path"} <= set(attributes)
    assert attributes["samesite"] == "SameSite=Strict" and attributes["path"] == "Path=/"
    assert "domain" not in attributes
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_development_keeps_a_plain_cookie_name(keys, tmp_path):
    """Over plain http on localhost a __Host- cookie would be refused by the browser."""
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "INTAKE_FACE": "public",
                                     "INTAKE_PUBLIC_KEYS": str(keys.public), "INTAKE_RECEIPT_PEPPER": keys.pepper,
                                     "INSTANCE_PATH": str(tmp_path / "instance")})
    cookie = app.test_client().get("/?lang=ug").headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Secure" not in cookie
