"""Dates, numbers, handles and file names are isolated wherever they go into a sentence, so a
right-to-left page cannot reorder them (the browser tests measure the rendered order)."""

from __future__ import annotations

import io
import re

from markupsafe import Markup

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Report
from intake.services.messages import reply_to_family
from intake.web import bidi
from tests.helpers import full_report, submit
from tests.web.public.pages import csrf_token, open_status, post_report, relative, report_form

LTR = '<bdi dir="ltr">{}</bdi>'


def raw(response) -> str:  # noqa: ANN001 - the page as sent, isolates included
    return response.get_data(as_text=True)


def test_the_helpers_isolate_and_escape():
    assert bidi.isolate(2026) == "\u20662026\u2069"
    assert bidi.isolate("photo.jpg", ltr=False) == "\u2068photo.jpg\u2069"
    assert str(bidi.ltr("2026-11-30")) == LTR.format("2026-11-30")
    assert str(bidi.ltr("<b>")) == LTR.format("&lt;b&gt;")  # a value never becomes markup
    assert str(bidi.bdi("ئابدۇرېھىم")) == "<bdi>ئابدۇرېھىم</bdi>"
    assert str(bidi.bdi('<i>"&')) == "<bdi>&lt;i&gt;&#34;&amp;</bdi>" and str(bidi.ltr(None)) == LTR.format("None")
    assert str(bidi.bdi(Markup("<i>a</i>"))) == "<bdi><i>a</i></bdi>"  # markup already safe stays markup


def test_the_status_page_isolates_dates_numbers_and_names(client, public_app, review_app):
    stored = submit(public_app, full_report("a"), full_report("b"))
    with review_app.app_context():
        report = db.session.query(Report).filter_by(handle=stored.report_handles[1]).one()
        reply_to_family(db.session, get_vault(), submission_id=stored.submission_id, author_id=None,
                        text="سوئال", report_id=report.id)
    page = raw(open_status(client, stored.receipt, query_string={"lang": "ug"}))
    dates = re.findall(r"\d{4}-\d{2}-\d{2}", page)
    assert dates, "the status page shows no date"
    for date in dates:  # "Sent on", and the date of the reviewers' message
        assert LTR.format(date) in page, date
    # Each person: the label isolated as a whole, its number left to right, each name in its own
    # direction (a Chinese or Cyrillic name inside Uyghur words).
    for number in (1, 2):
        assert f"<bdi>كىشى \u2066{number}\u2069: \u2068ئابدۇرېھىم " in page, number
    assert "\u2069 / \u2068阿不都热依木 " in page
    # The reviewers' message says which person it is about, the label isolated inside the Uyghur words.
    assert re.search("<bdi>كىشى \u20662\u2069: [^<]*</bdi> ھەققىدە", page)


def test_counts_in_sentences_are_isolated(client):
    data = report_form(client, relative(0, names__0__value="A"), lang="ug", action="add_relative")
    page = raw(post_report(client, data))
    for number in ("1", "2"):  # the legends of both people and their "Name 1" labels
        assert "كىشى " + LTR.format(number) in page
    assert "ئىسىم " + LTR.format("1") in page
    assert re.search(r'ئەڭ كۆپ بولغاندا <bdi dir="ltr">\d+</bdi> ھۆججەت', page)  # the files hint


def test_messages_built_in_python_carry_unicode_isolates(client):
    data = report_form(client, relative(0, names__0__value="A", id_number="65310119840617", birth__year="1800"),
                       lang="ug")
    data["attachments"] = [(io.BytesIO(b"MZ\x90\x00"), "ھۆججەت.exe")]
    page = raw(post_report(client, data))
    assert "\u206614\u2069" in page  # "this one has 14"
    assert "\u20661900\u2069" in page  # the earliest year
    assert "\u2068ھۆججەت.exe\u2069" in page  # a file name keeps its own direction
    assert re.search("كىشى \u20661\u2069", page)  # "Person 1" in the error summary


def test_the_receipt_and_the_number_of_people(client):
    data = report_form(client, relative(0, names__0__value="A"), relative(1, names__0__value="B"), lang="ug")
    page = raw(post_report(client, data))
    assert LTR.format("2") in page  # "It describes 2 people"
    assert re.search(r'<p class="receipt" dir="ltr"', page)
    assert csrf_token(page)
