"""What the fourth outside probe found, against both faces run as deployed (gunicorn, production
configuration, PostgreSQL and Redis), each reproduced here through the web client.

- A Host header with a label longer than 63 characters (which IDNA cannot encode) made werkzeug
  refuse to bind the URL map; the error page then built its stylesheet link with url_for and had no
  URL adapter: a 500 on every route of both faces, each writing a full traceback to the error log.
- The admin audit page filtered to `date_to=9999-12-31` added a day to the last date there is: a 500.
"""

from __future__ import annotations

import pytest

LONG_LABEL = "a" * 64


@pytest.mark.parametrize("host", [LONG_LABEL, f"{LONG_LABEL}.example.org", f"intake.example.org.{LONG_LABEL}"])
@pytest.mark.parametrize("trusted", [None, "intake.example.org"])
def test_a_host_that_idna_cannot_encode_is_a_bad_request(make_app, caplog, host, trusted):
    overrides = {"INTAKE_TRUSTED_HOSTS": trusted} if trusted else {}
    app = make_app("both", **overrides)
    client = app.test_client()
    for path in ("/", "/report", "/review/sign-in", "/no-such-page"):
        answer = client.get(path, headers={"Host": host})
        assert answer.status_code == 400, (path, answer.status_code)
        assert host.encode() not in answer.data and b"Traceback" not in answer.data
        assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "Traceback" not in caplog.text and "unhandled" not in caplog.text


def test_the_audit_page_filtered_to_the_last_date_there_is_lists_everything(app, make_user, sign_in):
    client = app.test_client()
    sign_in(client, make_user("admin"))
    answer = client.get("/admin/audit?date_to=9999-12-31")
    assert answer.status_code == 200
    assert "Check the filter" not in answer.get_data(as_text=True)
    assert "auth.login" in answer.get_data(as_text=True)  # the sign-in just made is listed
    assert client.get("/admin/audit?date_from=9999-12-31").status_code == 200
