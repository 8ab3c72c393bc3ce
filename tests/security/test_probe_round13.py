"""What the thirteenth probe found on the public face, each through the web client.

- A shared computer's browser kept what a family typed. Only the names, the ID number and the
  dates were marked `autocomplete="off"`; the family's own contact details, the home place,
  occupation, place of detention, facility and sentence, the testimony and news text areas were
  not, so a browser saves them in its form history when the form is sent and offers them to the
  next person who types in a field of that name (Firefox: on any site). The contact field says
  who reported. Every field a family types in is now kept out of form history.
- Characters that draw nothing but are not format characters passed the check for hidden ones:
  the Hangul fillers (letters), the Braille blank (a symbol), the combining grapheme joiner and the
  Khmer inherent vowels (marks). "Tur\u3164sun" was stored as a name that reads "Tursun" on every
  page and compares unequal to it, and a name of fillers alone passed "at least one name" while a
  reviewer saw none. They are now refused like the other hidden characters.
- Nothing bounded what a solved proof of work may store. Such a POST is exempt from every
  per-request limit, and each report or news may carry five files of 10 MiB: for about 0.1 s of
  SHA-256 a token, a flood stored 50 MiB a POST, as fast as it could upload, until the database's
  disk was full and no family could send anything. Files are now charged, as they are read, to a
  budget of bytes an hour for all visitors together that a token does not lift; past it, the form
  comes back on the held page with everything typed, as for any other limit.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest

from intake.public import gate

from intake.extensions import db
from intake.keyring import get_vault
from intake.services.messages import reply_to_family
from tests.helpers import full_report, submit
from tests.web.public.conftest import GENEROUS
from intake.models import Submission
from tests.web.public.pages import field_value, open_status, post_report, relative, report_form, text_of

_TYPED = {"text", "search", "email", "tel", "url", "number", ""}


class _Remembered(HTMLParser):
    """The fields a browser would save in its form history: text inputs and text areas whose own
    autocomplete, or else their form's, is not "off"."""

    def __init__(self) -> None:
        super().__init__()
        self.form_off = False
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.form_off = attributes.get("autocomplete") == "off"
        typed = tag == "textarea" or (tag == "input" and (attributes.get("type") or "") in _TYPED)
        if not typed:
            return
        own = attributes.get("autocomplete")
        if own != "off" and not (own is None and self.form_off):
            self.found.append(str(attributes.get("name")))


def remembered(page: str) -> list[str]:
    parser = _Remembered()
    parser.feed(page)
    return parser.found


def test_nothing_a_family_types_on_the_report_form_goes_into_the_browsers_form_history(make_app):
    client = make_app("public", **GENEROUS).test_client()
    assert remembered(client.get("/report").get_data(as_text=True)) == []


def test_nothing_a_family_types_on_the_status_page_goes_into_the_browsers_form_history(make_app):
    public_app, review_app = make_app("public", **GENEROUS), make_app("review")
    stored = submit(public_app, full_report("a"))
    with review_app.app_context():
        reply_to_family(db.session, get_vault(), submission_id=stored.submission_id, author_id=None,
                        text="A question")
    page = open_status(public_app.test_client(), stored.receipt).get_data(as_text=True)
    assert "A question" in page
    assert remembered(page) == []


@pytest.mark.parametrize("blank", ["\u3164", "\uffa0", "\u115f", "\u1160", "\u2800", "\u034f", "\u17b4"])
def test_letters_and_marks_that_draw_nothing_are_refused_like_hidden_characters(make_app, blank):
    app = make_app("public", **GENEROUS)
    family = app.test_client()
    data = report_form(family, relative(0, names__0__value=f"Tur{blank}sun", names__1__value=blank * 3,
                                        testimony=f"taken{blank} in 2017"))
    answer = post_report(family, data)
    page = text_of(answer)
    assert answer.status_code == 422
    with app.app_context():
        assert db.session.query(Submission).count() == 0
    assert page.count("invisible control or direction characters") >= 3
    assert field_value(page, "relatives-0-names-0-value") == "Tursun"
    assert field_value(page, "relatives-0-testimony") == "taken in 2017"


def test_korean_and_khmer_writing_still_pass(make_app):
    app = make_app("public", **GENEROUS)
    family = app.test_client()
    answer = post_report(family, report_form(family, relative(0, names__0__value="김철수 សុខា")))
    assert answer.status_code == 200, text_of(answer)[:500]


def _send_with_file(client, size: int, name: str):  # noqa: ANN001, ANN202
    page = text_of(client.get("/report"))
    token = re.search(r'name="pow_token" value="([^"]+)"', page).group(1)
    data = report_form(client, relative(0, names__0__value=name), pow_token=token,
                       pow_solution=gate.solve(token))
    data["attachments"] = (io.BytesIO(b"news from home\n" * (size // 15)), "letter.txt")
    return post_report(client, data)


def test_files_sent_with_solved_tokens_are_charged_to_a_budget_of_stored_bytes(make_app):
    app = make_app("public", **{**GENEROUS, "INTAKE_SUBMIT_RATE_LIMIT": "1/hour", "INTAKE_NOSCRIPT_CEILING": "1/hour",
                                "INTAKE_UPLOAD_BYTES_PER_HOUR": 100_000, "RATELIMIT_STORAGE_URI": "memory://"})
    client = app.test_client()
    for number in range(3):  # exempt from the limit of one report an hour: the tokens are solved
        assert _send_with_file(client, 30_000, f"Tursun {number}").status_code == 200
    held = _send_with_file(client, 30_000, "Tursun held")
    assert held.status_code == 429
    assert 'value="Tursun held"' in text_of(held)  # the held page keeps what was typed
    with app.app_context():
        assert db.session.query(Submission).count() == 3


def test_files_sent_as_news_with_solved_tokens_are_charged_to_the_same_budget(make_app):
    app = make_app("public", **{**GENEROUS, "INTAKE_FOLLOW_UP_RATE_LIMIT": "1/hour",
                                "INTAKE_UPLOAD_BYTES_PER_HOUR": 50_000, "RATELIMIT_STORAGE_URI": "memory://"})
    stored = submit(app, full_report("a"))
    client = app.test_client()
    answers = []
    for _ in range(2):
        page = text_of(open_status(client, stored.receipt))
        token = re.search(r'name="pow_token" value="(news[^"]+)"', page).group(1)
        data = {"csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1),
                "receipt": stored.receipt, "once": field_value(page, "once") or "", "action": "send",
                "news": "He was moved", "pow_token": token, "pow_solution": gate.solve(token),
                "attachments": (io.BytesIO(b"news from home\n" * 2000), "letter.txt")}
        answers.append(client.post("/status/news", data=data, content_type="multipart/form-data"))
    assert answers[0].status_code == 200
    assert answers[1].status_code == 429
    assert 'value="He was moved"' in text_of(answers[1])
