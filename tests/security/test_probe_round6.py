"""What the eighth outside probe found, on the public face and the researchers' side, each through
the web client as it was found.

- The headers of a multipart part (its Content-Disposition: the field's name, a file's name, any
  parameter) were bounded only by the form's memory limit, 8 MiB a part on the public face, and
  counted in neither the cap on a body's text (web/request.py) nor anything else; werkzeug decodes
  them and parses their parameters in Python. One POST to `/status` without a cookie, fifteen parts
  each naming a parameter of 8 MB (a 120 MB body, under MAX_CONTENT_LENGTH), cost 16.9 s of CPU
  before the CSRF check and any rate limit; on the review face's sign-in (500 KB a part), 300 parts
  cost 17.8 s. A file's name then went through the attachments' checks a character at a time, and
  a refused file's name came back whole, twice: five files named with 8 MB each cost 12.8 s when
  taken, and 7.8 s with an answer of 80 MB when refused. A part's headers are now refused past 8 KiB (a browser sends a few
  hundred bytes; a file name of 255 characters in any script fits), before werkzeug parses them.
- The report form's Chinese ID number was checked by python-stdnum whatever its length, after the
  field had already been refused as longer than 40 characters: its digits converted a character at
  a time in Python, then its letters upper-cased and cleaned. An ID number of 8 MB (one GET for a
  token; a form with an error is a free re-show) cost 2.0 s of CPU where a testimony of 8 MB costs
  0.17 s, and the page said "this one has 8000000 characters" under "shorten this to at most 40".
  A field already refused is no longer checked as an ID number.
- The answer to an expired page draws everything posted, so that a family's text is not lost; but
  CSRF is what fails for a form posted from another site, so any site could post to the public
  forms and have its own values drawn on this origin, under the words "Everything you typed is
  still here: please check it and send it again", with a fresh token: a report form with the boxes
  "the names of my detained relatives may be published" and "reviewers may contact me" ticked, a
  contact of the site's choosing filled in and the honeypot filled (the family's first send then
  refused as a robot's); a news form whose hidden fields (a receipt, a new situation, a date, which
  person) the family cannot see; a receipt page showing a receipt of the site's choosing. The
  session cookie is SameSite=Strict and Referrer-Policy: no-referrer makes browsers send
  `Origin: null` with every form, so `Sec-Fetch-Site` is what tells: a form posted from another
  site ("cross-site", "same-site") now gets a plain error page.
- The counts researchers see hide cells of 1 to 4, and a second cell when a table has only one
  hidden cell, since the total (shown: "persons ... as counted") would give it away. With fewer than
  5 persons in scope (a new service, a pilot) a table could have one hidden cell and nothing else
  but zeros: nothing to hide beside it, so the hidden cell was the total, and the zeros said which
  category everyone was in, in every table. With one person counted, `/research/statistics` gave
  that person's prefecture, detention year, status, gender and age band together. Below 5
  persons in all, every cell of every table is now "<5", zeros included.
"""

from __future__ import annotations

import io
import re

import pytest
import werkzeug.sansio.multipart as multipart

from intake.services import id_numbers

from tests.web.public.pages import field_value, post_report, receipt_of, relative, report_form, text_of

PAD = 300_000  # bytes of one parameter of a part's headers: far past any browser's, under both faces' limits


def _body(fields: dict[str, str], extra: list[bytes]) -> bytes:
    """A multipart body (boundary B): `fields`, then parts whose Content-Disposition ends with each of `extra`."""
    parts = [b'--B\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (k.encode(), v.encode())
             for k, v in fields.items()]
    parts += [b'--B\r\nContent-Disposition: form-data; %s\r\n\r\n\x00\x01\x02\r\n' % e for e in extra]
    return b"".join(parts) + b"--B--\r\n"


def _post(client, path: str, body: bytes):  # noqa: ANN001, ANN202
    return client.post(path, data=body, content_type="multipart/form-data; boundary=B")


@pytest.fixture
def parsed(monkeypatch):  # noqa: ANN001, ANN201
    """The lengths of every part's Content-Disposition werkzeug's decoder parsed."""
    seen: list[int] = []
    original = multipart.parse_options_header

    def spy(value):  # noqa: ANN001, ANN202
        seen.append(len(value or ""))
        return original(value)

    monkeypatch.setattr(multipart, "parse_options_header", spy)
    return seen


@pytest.mark.parametrize(("face", "path"), [("public", "/status"), ("public", "/report"),
                                            ("review", "/review/sign-in")])
def test_a_part_with_headers_no_browser_sends_is_refused_before_they_are_parsed(make_app, parsed, face, path):
    app = make_app(face)
    extra = [b'name="f%d"; pad="%s"' % (n, b"a" * PAD) for n in range(3)]
    answer = _post(app.test_client(), path, _body({}, extra))
    assert answer.status_code == 413, answer.status_code
    assert max(parsed, default=0) < PAD, "a part's headers of a megabyte were parsed"


def test_a_file_named_as_a_browser_names_it_is_still_taken(public_app):
    client = public_app.test_client()
    data = report_form(client, relative(0, names__0__value="Tursun", testimony="kept"))
    name = "ئۇيغۇر" * 42 + ".txt"  # 256 characters, 470 bytes: as long as a file system allows
    data["attachments"] = [(io.BytesIO(b"a letter"), name)]
    answer = post_report(client, data)
    assert answer.status_code == 200, text_of(answer)
    receipt_of(text_of(answer))


def test_a_file_name_of_a_megabyte_is_refused_not_checked_and_echoed(public_app):
    client = public_app.test_client()
    data = report_form(client, relative(0, names__0__value="Tursun", testimony="kept"))
    extra = [b'name="attachments"; filename="%s%d.bin"' % (b"a" * PAD, n) for n in range(2)]
    answer = _post(client, "/report", _body(data, extra))
    assert answer.status_code == 413
    assert len(answer.get_data()) < 100_000


def test_an_id_number_too_long_to_be_one_is_not_checked_as_one(public_app, monkeypatch):
    checked: list[int] = []
    original = id_numbers.check
    monkeypatch.setattr(id_numbers, "check", lambda value: checked.append(len(value)) or original(value))
    client = public_app.test_client()
    data = report_form(client, relative(0, names__0__value="Tursun", testimony="kept", id_number="1" * PAD))
    page = text_of(post_report(client, data))
    assert "Please shorten this to at most 40 characters." in page and "kept" in page
    assert "this one has" not in page, "an ID number already refused was checked again"
    assert max(checked, default=0) <= 40


FORGED = "forged-contact@example.org"
RECEIPT = "9876 5432 1098 7654 3210 9876"


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_report_form_posted_from_another_site_is_not_drawn_here(public_app, site):
    posted = {**relative(0, names__0__value="Tursun", testimony="planted"), "contact": FORGED,
              "consent_publish_name": "y", "consent_contact": "y", "website": "x", "action": "send"}
    answer = public_app.test_client().post("/report", data=posted, headers={"Sec-Fetch-Site": site})
    page = text_of(answer)
    assert answer.status_code == 400 and "Nothing was saved" in page
    assert FORGED not in page and "planted" not in page and "checked" not in page
    assert field_value(page, "website") in (None, "")


def test_a_report_form_posted_from_this_site_keeps_the_text(public_app):
    posted = {**relative(0, names__0__value="Tursun", testimony="kept"), "contact": FORGED, "action": "send"}
    for site in ("same-origin", None):  # None: a browser that does not send the header
        headers = {"Sec-Fetch-Site": site} if site else {}
        page = text_of(public_app.test_client().post("/report", data=posted, headers=headers))
        assert field_value(page, "relatives-0-testimony") == "kept" and field_value(page, "contact") == FORGED


@pytest.mark.parametrize(("path", "posted"), [
    ("/status/news", {"receipt": RECEIPT, "news": "planted", "new_status": "released",
                      "report": "R-planted"}),
    ("/status/withdraw", {"receipt": RECEIPT, "confirm": "y", "step": "confirm"}),
    ("/receipt", {"receipt": RECEIPT}),
    ("/status", {"receipt": RECEIPT}),
])
def test_a_receipt_form_posted_from_another_site_is_not_drawn_here(public_app, path, posted):
    answer = public_app.test_client().post(path, data=posted, headers={"Sec-Fetch-Site": "cross-site"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    for value in ("98765432", "9876 5432", "planted", "released", "checked"):
        assert value not in page, value


def _tables(page: str) -> list[list[str]]:
    """The shown counts of each table of a statistics page, as text."""
    return [[re.sub(r"<[^>]+>|[\u2066-\u2069]", "", cell) for cell in re.findall(r"<tr><td>.*?</td><td>(.*?)</td></tr>", body)]
            for body in re.findall(r"<tbody>(.*?)</tbody>", page, flags=re.S)]


@pytest.mark.parametrize("persons", [1, 3])
def test_counts_of_fewer_than_five_persons_say_nothing_of_them(app, make_user, sign_in, persons):
    from tests.web.review.test_exports_views import store

    store(app, persons)
    assert app.test_cli_runner().invoke(args=["stats", "refresh"]).exit_code == 0
    researcher = app.test_client()
    sign_in(researcher, make_user("researcher"))
    tables = _tables(researcher.get("/research/statistics").get_data(as_text=True))
    assert len(tables) >= 5
    for shown in tables:
        assert "0" not in shown, f"zeros tell which categories hold the {persons} counted: {shown}"
