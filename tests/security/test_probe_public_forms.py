"""What the third outside probe found in the public forms, each through the web client as it was found.

- A proof-of-work token whose signature part held a non-ASCII character reached
  `hmac.compare_digest` as a str, which raises TypeError for non-ASCII text: a 500, and on /report
  the family's text lost.
- The limit on relatives was counted over ASCII digits, but WTForms builds one block for every key
  whose index `str.isdigit()` accepts: Arabic-Indic digits (relatives-٣-...) and indices with six
  leading zeros passed the count. 2,000 such blocks took 12 s and answered a 39 MB page (an 80 KB
  request). Indices that isdigit() accepts but int() does not (a superscript two) were a 500, in
  the relatives' list, in the names' list and in the remove button.
- A date typed in superscript digits ("²⁰²⁰") passed the date fields' isdigit() check and reached
  int(): a 500 on /report (the testimony lost) and on the news form.
- The answer to an expired page (a missing or stale CSRF token, checked before any rate limit) drew
  every relative posted, with no limit on relatives and none on requests: 2,000 blocks in a 40 KB
  request without a cookie took 14 s and answered 39 MB.
- The page for a visitor over a rate limit held every key posted, as hidden fields: a 480 KB body
  of empty fields came back as 6.4 MB after 2.5 s of work, and that answer has no limit of its own.
- Each IPv6 address was a limit of its own, so one host with a /64 had 2^64 of them.
"""

from __future__ import annotations

import re

import pytest

from intake.extensions import db
from intake.models import Report
from tests.web.public.pages import open_status, post_report, receipt_of, relative, report_form

GENEROUS = {"INTAKE_SUBMIT_RATE_LIMIT": "1000/minute", "INTAKE_RESHOW_RATE_LIMIT": "1000/minute",
            "INTAKE_NOSCRIPT_CEILING": "1000/minute", "INTAKE_RECEIPT_RATE_LIMIT": "1000/minute",
            "INTAKE_MAX_RELATIVES": "3"}
BLOCK = re.compile(r'name="relatives-(\d+)-names-0-value"')


@pytest.fixture
def app(make_app):  # noqa: ANN001
    return make_app("both", **GENEROUS)


def _reports(app) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.query(Report).count()


@pytest.mark.parametrize("token", ["report.1.18.nonce.\u00e9", "a.b.c.d.\u4e2d\u6587", "x.y.z.w." + "\u0661" * 22])
def test_a_proof_of_work_token_in_other_characters_is_only_an_unsolved_one(app, token):
    family = app.test_client()
    data = report_form(family, relative(0, names__0__value="Tursun", testimony="kept"),
                       pow_token=token, pow_solution="1")
    answer = post_report(family, data)
    assert answer.status_code == 200, "the testimony must be stored (counted against the limits), not lost"
    assert _reports(app) == 1
    page = family.get("/status").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    looked_up = family.post("/status", data={"csrf_token": csrf, "receipt": "1" * 24, "pow_token": token,
                                            "pow_solution": "7"})
    assert looked_up.status_code == 422


ARABIC_INDIC = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")


@pytest.mark.parametrize("index", [lambda i: str(i).translate(ARABIC_INDIC), lambda i: "0" * 6 + str(i),
                                   lambda i: "\uff10" + str(i)])
@pytest.mark.parametrize("action", ["add_relative", "refresh", "send"])
def test_relatives_numbered_in_other_digits_do_not_pass_the_limit(app, index, action):
    family = app.test_client()
    data = report_form(family, relative(0, names__0__value="Tursun"), action=action)
    for i in range(1, 60):
        data.update({f"relatives-{index(i)}-names-0-value": f"N{i}", f"relatives-{index(i)}-testimony": "t"})
    answer = post_report(family, data)
    assert answer.status_code in (200, 422)
    blocks = set(BLOCK.findall(answer.get_data(as_text=True)))
    assert len(blocks) <= 3, f"{len(blocks)} relatives' blocks drawn with a limit of 3"
    assert _reports(app) <= 1


@pytest.mark.parametrize("fields", [
    {"relatives-\u00b2-names-0-value": "x"},           # superscript two: isdigit() but not int()
    {"relatives-0-names-\u00b2-value": "x"},
    {"relatives-0-names-\u00b9\u00b2-script": "Latn"},
    {"remove_relative": "\u00b2", "relatives-1-names-0-value": "Aygul"},
    {"remove_relative": "\u0661", "relatives-1-names-0-value": "Aygul", "relatives-\u00b2-testimony": "y"},
])
def test_indices_that_are_not_numbers_get_the_form_back(app, fields):
    family = app.test_client()
    data = report_form(family, relative(0, names__0__value="Tursun", testimony="kept"), action="refresh")
    data.update(fields)
    answer = post_report(family, data)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Tursun" in page and "kept" in page


@pytest.mark.parametrize("field", ["birth-year", "birth-month", "detention-year", "last_contact-month"])
def test_a_date_in_superscript_digits_is_asked_again(app, field):
    """Superscript digits pass str.isdigit() but not int(): a 500 that lost the testimony."""
    family = app.test_client()
    value = "\u00b2\u2070\u00b2\u2070" if field.endswith("year") else "\u00b9\u00b2"
    data = report_form(family, relative(0, names__0__value="Tursun", testimony="kept",
                                        **{field.replace("-", "__"): value}))
    answer = post_report(family, data)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Please use digits only." in page and "kept" in page
    assert _reports(app) == 0


def test_news_dated_in_superscript_digits_is_asked_again(app):
    family = app.test_client()
    stored = post_report(family, report_form(family, relative(0, names__0__value="Tursun")))
    receipt = receipt_of(stored.get_data(as_text=True))
    page = open_status(family, receipt).get_data(as_text=True)
    csrf = re.search(r'id="news-form".*?name="csrf_token" type="hidden" value="([^"]+)"', page, re.S).group(1)
    answer = family.post("/status/news", data={"csrf_token": csrf, "receipt": receipt, "news": "released",
                                               "when-year": "\u00b2\u2070\u00b2\u2070", "action": "send"},
                         content_type="multipart/form-data")
    assert answer.status_code == 422
    assert "Please use digits only." in answer.get_data(as_text=True)


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_an_expired_page_comes_back_with_no_more_relatives_than_the_limit(app, token):
    """The expired-page answer (CSRF is checked before any rate limit) drew every block posted:
    2,000 relatives in a 40 KB request took 14 s and came back as 39 MB, with no limit at all."""
    family = app.test_client()
    data = {"action": "send", **{f"relatives-{i}-names-0-value": f"Relative {i} Name" for i in range(60)}}
    if token:
        data["csrf_token"] = token
    answer = post_report(family, data)
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "This page had expired" in page
    assert sorted(set(BLOCK.findall(page)), key=int) == ["0", "1", "2"]
    assert "Relative 0 Name" in page and "Relative 2 Name" in page and "Relative 3 Name" not in page
    assert _reports(app) == 0


def test_a_held_page_keeps_the_forms_fields_not_every_key_posted(make_app):
    """The page for a visitor over a limit held every key posted: a 480 KB body of empty fields came
    back as 6.4 MB after 2.5 s of work, an answer with no limit (the visitor is over it already)."""
    # A urlencoded body of this many fields is now a 413 before it is split (test_probe_round10):
    # allowed here, so that the held page itself is what is tested.
    app = make_app("both", INTAKE_SUBMIT_RATE_LIMIT="1/minute", INTAKE_NOSCRIPT_CEILING="1000/minute",
                   INTAKE_MAX_RELATIVES="3", MAX_FORM_PARTS=100_000)
    family = app.test_client()
    assert post_report(family, report_form(family, relative(0, names__0__value="Tursun"))).status_code == 200
    data = report_form(family, relative(0, names__0__value="Aygul", testimony="held words"),
                       relative(1, names__0__value="Mehmet"), relative(7, names__0__value="Beyond"))
    body = "&".join([f"{k}={v}" for k, v in data.items()] + ["a="] * 20000 + [f"x{i}=" for i in range(20000)]
                    + ["relatives-1-testimony=again"] * 5000)
    held = family.post("/report", data=body.encode(), content_type="application/x-www-form-urlencoded")
    assert held.status_code == 429
    page = held.get_data(as_text=True)
    assert len(page) < 60_000, f"{len(page):,} characters held"
    assert 'name="relatives-0-testimony" value="held words"' in page and "Mehmet" in page
    assert "Beyond" not in page  # beyond the limit of relatives (3 here)
    assert 'name="action" value="send"' in page and 'name="a"' not in page


def test_addresses_of_one_ipv6_network_share_a_limit(make_app):
    """Each IPv6 address was its own limit: whoever holds a /64 (most hosts get one) has 2^64
    addresses, enough to use up the no-script ceiling that families without script share."""
    app = make_app("both", INTAKE_RECEIPT_RATE_LIMIT="2/minute", INTAKE_NOSCRIPT_CEILING="1000/minute")
    client = app.test_client()
    answers = [open_status(client, "1" * 24, environ_base={"REMOTE_ADDR": f"2001:db8:5:7:{i:x}::1"}).status_code
               for i in range(1, 4)]
    assert answers == [422, 422, 429]
    assert open_status(client, "1" * 24, environ_base={"REMOTE_ADDR": "2001:db8:5:8::1"}).status_code == 422
    mapped = [open_status(client, "1" * 24, environ_base={"REMOTE_ADDR": a}).status_code
              for a in ("192.0.2.9", "::ffff:192.0.2.9", "192.0.2.9")]
    assert mapped == [422, 422, 429]  # an IPv4 address written as IPv6 is the same visitor
