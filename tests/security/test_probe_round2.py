"""What the fourth outside probe found, each through the web client as it was found.

- The public forms refused bidi overrides and control characters but took every other invisible
  format character: a zero-width space, a word joiner, a BOM, a soft hyphen, the deprecated format
  controls and the tag characters (U+E0000 block, which can carry a whole hidden sentence) were
  stored and shown to reviewers, so "Tur<U+200B>sun" looked like "Tursun" and was not.
- A decrypted attachment was served with a Content-Security-Policy of its own that named no
  `frame-ancestors`: the one page family content is shown raw on was the one page without the
  framing rule SECURITY.md promises for every page.
- A body that is not multipart was capped only by MAX_CONTENT_LENGTH (128 MB, sized for files):
  werkzeug reads a urlencoded body whole and decodes its percent-escapes in Python with no cap per
  field, before the CSRF check and any rate limit. One 60 MiB POST to /status, without a cookie,
  cost 11 s of CPU and gigabytes of memory; a shorter one had its "receipt" echoed back whole.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Submission
from intake.services import take_in
from tests.web.public.pages import field_value, post_report, relative, report_form, text_of
from tests.web_fixtures import csrf_token

GENEROUS = {"INTAKE_SUBMIT_RATE_LIMIT": "1000/minute", "INTAKE_RESHOW_RATE_LIMIT": "1000/minute",
            "INTAKE_NOSCRIPT_CEILING": "1000/minute"}
REFUSED = "invisible control or direction characters"


@pytest.fixture
def app(make_app):  # noqa: ANN001
    return make_app("both", **GENEROUS)


def _submissions(app) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.query(Submission).count()


@pytest.mark.parametrize("hidden", ["\u200b", "\u2060", "\ufeff", "\u00ad", "\u206e", "\ufff9", "\U000e0041"])
def test_invisible_format_characters_are_refused_and_shown_without_them(app, hidden):
    family = app.test_client()
    data = report_form(family, relative(0, names__0__value=f"Tur{hidden}sun", testimony=f"taken{hidden} in 2017"))
    answer = post_report(family, data)
    page = text_of(answer)
    assert answer.status_code == 422
    assert _submissions(app) == 0
    assert page.count(REFUSED) >= 2
    assert field_value(page, "relatives-0-names-0-value") == "Tursun"
    assert field_value(page, "relatives-0-testimony") == "taken in 2017"


@pytest.mark.parametrize("kept", ["\u200c", "\u200d", "\u200e", "\u200f", "\u061c"])
def test_joiners_and_direction_marks_of_ordinary_writing_still_pass(app, kept):
    family = app.test_client()
    data = report_form(family, relative(0, names__0__value=f"ئابدۇ{kept}رېھىم", testimony=f"ئۇ{kept} تۇتۇلدى"))
    answer = post_report(family, data)
    assert answer.status_code == 200, text_of(answer)[:500]
    assert _submissions(app) == 1


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 10)).save(out, "PNG")
    return out.getvalue()


def test_a_decrypted_attachment_cannot_be_framed(app, make_user, sign_in):
    family = app.test_client()
    data = report_form(family, relative(0, names__0__value="Tursun", testimony="see the photo"))
    data["attachments"] = [(io.BytesIO(_png()), "photo.png"), (io.BytesIO("خەت".encode()), "letter.txt")]
    assert post_report(family, data).status_code == 200
    with app.app_context():
        take_in.take_in(db.session, get_vault())
    reviewer = app.test_client()
    sign_in(reviewer, make_user("reviewer"))
    inbox = reviewer.get("/review/inbox").get_data(as_text=True)
    [handle] = re.findall(r'class="handle" href="/review/reports/(R-[^"?]+)', inbox)
    page = reviewer.get(f"/review/reports/{handle}").get_data(as_text=True)
    links = sorted(set(re.findall(r'/review/attachments/[0-9a-f-]{36}/view', page)))
    assert len(links) == 2
    for link in links:
        served = reviewer.get(link)
        assert served.status_code == 200
        policy = served.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "sandbox" in policy and "default-src 'none'" in policy
        assert served.headers["X-Frame-Options"] == "DENY"
        assert served.headers["Cache-Control"] == "no-store"


PUBLIC_FIELD = 8 * 1024 * 1024  # web/request.py: one text field of a public form


@pytest.mark.parametrize(("path", "size"), [("/status", PUBLIC_FIELD + 1024), ("/status/withdraw", PUBLIC_FIELD + 1024),
                                            ("/review/sign-in", 600_000)])
def test_a_urlencoded_body_larger_than_one_field_is_refused_unread(app, path, size):
    client = app.test_client()
    token = csrf_token(client.get("/status").data)
    answer = client.post(path, data={"csrf_token": token, "receipt": "1" * size, "username": "a" * size})
    assert answer.status_code == 413
    assert len(answer.data) < 10_000, "nothing posted comes back"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


def test_a_long_answer_in_any_script_still_reaches_the_form(app):
    """The answer form under a reply is urlencoded: the longest news text, in the script that takes
    the most bytes per character, is far below the cap and gets the form's own answer."""
    client = app.test_client()
    token = csrf_token(client.get("/status").data)
    answer = client.post("/status/news", data={"csrf_token": token, "receipt": "1" * 24, "news": "\U00020000" * 60_000})
    assert answer.status_code == 422
