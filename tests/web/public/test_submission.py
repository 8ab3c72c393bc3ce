"""Submitting through the public form: what is stored, what is shown, and that nothing typed is lost."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from intake.extensions import db
from intake.keyring import get_vault
from intake.services import consent, integrity_states, take_in
from intake.models import Attachment, Report, Submission
from tests.web.public.pages import (csrf_token, field_value, post_report, receipt_of, relative, report_form,
                                    text_of)

UG_NAME = "ئابدۇرېھىم ئابدۇللا"
ZH_NAME = "阿不都热依木·阿不都拉"
UG_TESTIMONY = "ئۇ 2017-يىلى قەشقەردە تۇتۇلدى.\nبىز ئۇنىڭدىن خەۋەر ئالالمىدۇق."
ZH_TESTIMONY = "她于2018年3月在和田被带走，至今没有消息。"
VALID_ID = "653101198406171232"


def first_relative() -> dict[str, str]:
    return relative(0, names__0__value=UG_NAME, names__0__script="ug-Arab", names__1__value=ZH_NAME,
                    names__1__script="", names__2__value="Abdurehim Abdulla", gender="male",
                    birth__year="1984", birth__month="6", birth__day="17", ethnicity="uyghur",
                    home_county="653101", id_number=VALID_ID, occupation="مۇئەللىم",
                    detention__year="2017", detention__month="04", detention_place="قەشقەر",
                    facility_type="camp", facility="Kashgar No. 3", status="detained", sentence="",
                    last_contact__year="2017", relationship="sibling", testimony=UG_TESTIMONY)


def second_relative() -> dict[str, str]:
    return relative(1, names__0__value="阿依古丽", names__1__value="Ayگül Tursun", gender="female",
                    birth__year="1990", home_place_text="和田市", status="sentenced", sentence="15年",
                    relationship="spouse", testimony=ZH_TESTIMONY)


def count(app, model) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_two_relatives_in_uyghur_and_chinese_are_stored_and_the_receipt_is_shown_once(client, public_app,
                                                                                       review_app):
    data = report_form(client, first_relative(), lang="ug")
    # The second block comes from the server-side "add another person" button.
    added = post_report(client, {**data, "action": "add_relative"})
    assert added.status_code == 200
    page = text_of(added)
    assert 'name="relatives-1-names-0-value"' in page
    assert field_value(page, "relatives-0-testimony") == UG_TESTIMONY

    data.update(second_relative(), csrf_token=csrf_token(page), contact="Signal +90 555 000 00 00",
                consent_contact="y", consent_share_research="y")
    response = post_report(client, data)
    page = text_of(response)
    assert response.status_code == 200, page
    receipt = receipt_of(page)
    assert 'lang="ug-Arab" dir="rtl"' in page

    # Never in a redirect, a header or a cookie: only in the body of this one response.
    digits = receipt.replace(" ", "")
    assert "Location" not in response.headers
    for name, value in response.headers.items():
        assert digits not in value.replace(" ", "") and receipt not in value, name
    with client.session_transaction() as session:
        assert digits not in repr(dict(session)).replace(" ", "")
    for url in ("/", "/report", "/status"):
        assert digits[:12] not in text_of(client.get(url)).replace(" ", "")

    assert count(public_app, Submission) == 1
    assert count(public_app, Report) == 2
    with review_app.app_context():  # the review face reads what the public face sealed
        assert take_in.take_in(db.session, get_vault()) == (1, 0)
        submission = db.session.scalars(select(Submission)).one()
        assert submission.language == "ug"
        assert consent.consents(db.session, [submission.id])[submission.id] == consent.Consent(
            share_research=True, contact=True, publish_name=False, origin="family")
        assert submission.contact == "Signal +90 555 000 00 00"
        first, second = submission.reports
        assert first.names == [{"value": UG_NAME, "script": "ug-Arab"}, {"value": ZH_NAME, "script": "zh-Hans"},
                               {"value": "Abdurehim Abdulla", "script": "Latn"}]
        assert first.birth_date == "1984-06-17" and first.detention_date == "2017-04"
        assert first.last_contact == "2017" and first.id_number == VALID_ID
        assert first.home_county == "653101" and first.ethnicity == "uyghur" and first.gender == "male"
        states = integrity_states.report_states(db.session, get_vault(), [r.id for r in submission.reports])
        assert first.facility == "Kashgar No. 3" and first.facility_type == "camp"
        assert first.reported_status == states[first.id].status == "detained" and states[first.id].verified
        assert first.submitter_relationship == "sibling" and first.testimony == UG_TESTIMONY
        assert second.names[0] == {"value": "阿依古丽", "script": "zh-Hans"}
        assert second.testimony == ZH_TESTIMONY and second.sentence == "15年"
        assert states[second.id].status == "sentenced" and states[second.id].verification == "reported"
        assert second.home_place_text == "和田市" and second.home_county is None and second.birth_date == "1990"


def test_validation_errors_keep_every_typed_value_and_point_to_the_fields(client, public_app):
    data = report_form(client, relative(0, names__0__value="", testimony=ZH_TESTIMONY, birth__year="1984",
                                        birth__month="13", id_number="65310119840617123X",
                                        occupation="دېھقان"), contact="أحمد@example.org")
    response = post_report(client, data)
    page = text_of(response)
    assert response.status_code == 422
    assert count(public_app, Submission) == 0
    assert field_value(page, "relatives-0-testimony") == ZH_TESTIMONY
    assert field_value(page, "relatives-0-occupation") == "دېھقان"
    assert field_value(page, "relatives-0-birth-month") == "13"
    assert field_value(page, "contact") == "أحمد@example.org"
    # The summary comes first, as an alert, with a link to each field in error.
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', page, re.S).group(0)
    for field_id in ("relatives-0-names-0-value", "relatives-0-birth-month", "relatives-0-id_number", "contact"):
        assert f'href="#{field_id}"' in summary
        tag = re.search(r'<(?:input|select|textarea)[^>]*id="%s"[^>]*>' % field_id, page).group(0)
        assert 'aria-invalid="true"' in tag and f'{field_id}-error' in tag
    assert "at least one name" in page
    assert "1 to 12" in page
    assert "does not match the others" in page  # the ID's check digit
    assert "tick the box" in page  # contact without consent to be contacted


@pytest.mark.parametrize(("number", "expected"), [
    ("65310119840617", "has 14"),
    ("6531011984061712A2", "digits only"),
    ("653101198406171233", "does not match the others"),
    ("653101198413171230", "not a real date"),
    ("999900198406171233", "not a place code"),
    ("650125198103170038", "not a place code"),  # stdnum raises KeyError for this region
])
def test_id_number_messages_say_what_is_wrong(client, number, expected):
    data = report_form(client, relative(0, names__0__value="Tursun", id_number=number))
    page = text_of(post_report(client, data))
    assert expected in page
    assert field_value(page, "relatives-0-id_number") == number


def test_a_valid_id_number_with_spaces_and_a_lowercase_x_is_accepted(client, review_app):
    from stdnum.cn import ric

    number = "65310119840617100"
    number += ric.calc_check_digit(number + "0")
    typed = f"{number[:6]} {number[6:14]} {number[14:]}".lower()
    response = post_report(client, report_form(client, relative(0, names__0__value="Tursun", id_number=typed)))
    assert response.status_code == 200, text_of(response)
    with review_app.app_context():
        assert db.session.scalars(select(Report)).one().id_number == number


def test_add_and_remove_relatives_keep_the_text_of_the_others(client, public_app):
    data = report_form(client, relative(0, names__0__value="Birinchi", testimony="first"))
    page = text_of(post_report(client, {**data, "action": "add_relative"}))
    data.update(relative(1, names__0__value="Ikkinchi", testimony="second"), csrf_token=csrf_token(page))
    page = text_of(post_report(client, {**data, "action": "add_relative"}))
    data.update(relative(2, names__0__value="Üchinchi", testimony="third"), csrf_token=csrf_token(page))

    response = post_report(client, {**data, "remove_relative": "1"})
    page = text_of(response)
    assert response.status_code == 200
    assert field_value(page, "relatives-0-names-0-value") == "Birinchi"
    assert field_value(page, "relatives-1-names-0-value") == "Üchinchi"  # renumbered, text intact
    assert field_value(page, "relatives-1-testimony") == "third"
    assert "Ikkinchi" not in page and 'name="relatives-2-names-0-value"' not in page
    assert "error-summary" not in page  # adding and removing never shows validation errors
    assert count(public_app, Submission) == 0


def test_the_language_buttons_post_the_form_and_keep_the_text(client):
    data = report_form(client, relative(0, names__0__value=UG_NAME, testimony=UG_TESTIMONY))
    page = text_of(client.post("/report?lang=ug", data={**data, "action": "language"}))
    assert 'lang="ug-Arab" dir="rtl"' in page
    assert field_value(page, "relatives-0-testimony") == UG_TESTIMONY
    assert 'formaction="/report?lang=en"' in page


def test_enter_in_a_field_redisplays_instead_of_removing_a_relative(client):
    """The first submit button in tree order is the one Enter presses: it must be the harmless one."""
    page = text_of(client.get("/report"))
    first_button = re.search(r"<button[^>]*>", page).group(0)
    assert 'value="refresh"' in first_button and 'form="report-form"' in first_button


@pytest.mark.parametrize("bad", ["\u202e", "\u2066", "\x00", "\x07", "\u202a"])
def test_control_and_bidi_override_characters_are_refused_and_shown_without_them(client, public_app, bad):
    data = report_form(client, relative(0, names__0__value=f"Abdu{bad}rehim", testimony=f"one{bad} two"))
    response = post_report(client, data)
    page = text_of(response)
    assert response.status_code == 422
    assert count(public_app, Submission) == 0
    assert page.count("invisible control or direction characters") >= 2
    assert field_value(page, "relatives-0-names-0-value") == "Abdurehim"
    assert field_value(page, "relatives-0-testimony") == "one two"
    assert bad not in page


def test_text_is_stored_in_nfc(client, review_app):
    response = post_report(client, report_form(client, relative(0, names__0__value="Me\u0301ryem")))
    assert response.status_code == 200
    with review_app.app_context():
        assert db.session.scalars(select(Report)).one().names[0]["value"] == "M\u00e9ryem"


def test_the_honeypot_stores_nothing_and_keeps_the_text(client, public_app):
    data = report_form(client, relative(0, names__0__value="Tursun", testimony="kept"), website="http://spam")
    response = post_report(client, data)
    page = text_of(response)
    assert response.status_code == 422
    assert count(public_app, Submission) == 0
    assert field_value(page, "relatives-0-testimony") == "kept"
    assert field_value(page, "website") == ""  # a person whose browser filled it can simply send again
    assert "could not be sent" in page
    data.update(website="", csrf_token=csrf_token(page))
    assert post_report(client, data).status_code == 200
    assert count(public_app, Submission) == 1


def test_the_honeypot_is_hidden_from_people(client):
    page = text_of(client.get("/report"))
    block = re.search(r'<div class="hp" aria-hidden="true">(.*?)</div>', page, re.S).group(1)
    assert 'name="website"' in block and 'tabindex="-1"' in block and "Leave this field empty" in block


def test_approximate_dates_are_checked(client):
    cases = {"birth__year": "84", "detention__day": "31", "detention__month": "2", "detention__year": "2019",
             "last_contact__month": "5"}
    page = text_of(post_report(client, report_form(client, relative(0, names__0__value="T", **cases))))
    assert "four digits" in page
    assert "no such day" in page
    assert "give the year too" in page
    future = text_of(post_report(client, report_form(client, relative(0, names__0__value="T",
                                                                      detention__year="2999"))))
    assert "between 1900" in future


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


def test_attachments_are_sealed_with_the_submission(client, review_app):
    data = report_form(client, relative(0, names__0__value="Tursun"))
    data["attachments"] = [(io.BytesIO(png_bytes()), "photo.png"), (io.BytesIO("خەت".encode()), "letter.txt")]
    response = post_report(client, data)
    assert response.status_code == 200, text_of(response)
    with review_app.app_context():
        rows = db.session.scalars(select(Attachment)).all()
        assert sorted(a.meta["filename"] for a in rows) == ["letter.txt", "photo.png"]
        assert all(not a.own_key for a in rows)


def test_a_rejected_file_keeps_the_text_and_asks_to_choose_files_again(client, public_app):
    data = report_form(client, relative(0, names__0__value="Tursun", testimony="kept text"))
    data["attachments"] = [(io.BytesIO(b"<html><script>x</script>"), "page.html")]
    response = post_report(client, data)
    page = text_of(response)
    assert response.status_code == 422
    assert "page.html" in page and "cannot be accepted" in page
    assert "choose them again" in page
    assert field_value(page, "relatives-0-testimony") == "kept text"
    assert 'href="#attachments"' in page
    assert count(public_app, Submission) == 0


def test_too_many_files_are_refused(make_app):
    app = make_app("public", INTAKE_MAX_ATTACHMENTS=1)
    client = app.test_client()
    data = report_form(client, relative(0, names__0__value="Tursun"))
    data["attachments"] = [(io.BytesIO(png_bytes()), "a.png"), (io.BytesIO(png_bytes()), "b.png")]
    page = text_of(post_report(client, data))
    assert "at most 1 files" in page
    assert count(app, Submission) == 0


def test_a_file_over_the_size_limit_is_refused_with_the_text_kept(make_app):
    app = make_app("public", INTAKE_MAX_ATTACHMENT_BYTES=1024)
    client = app.test_client()
    data = report_form(client, relative(0, names__0__value="Tursun", testimony="kept"))
    data["attachments"] = [(io.BytesIO(b"x" * 2048), "big.txt")]
    page = text_of(post_report(client, data))
    assert "big.txt" in page and "larger than" in page
    assert field_value(page, "relatives-0-testimony") == "kept"


def test_several_relatives_are_capped(make_app):
    app = make_app("public", INTAKE_MAX_RELATIVES=2)
    client = app.test_client()
    data = report_form(client, relative(0, names__0__value="A"), relative(1, names__0__value="B"))
    page = text_of(post_report(client, {**data, "action": "add_relative"}))
    assert 'name="relatives-2-names-0-value"' not in page
    assert "up to 2 people" in page
    assert 'value="add_relative"' not in page


def test_files_that_fail_to_store_do_not_cost_the_family_their_receipt(client, public_app, monkeypatch):
    from intake.services import attachments

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("disk full")

    monkeypatch.setattr(attachments, "add_attachments", broken)
    data = report_form(client, relative(0, names__0__value="Tursun"))
    data["attachments"] = [(io.BytesIO(png_bytes()), "photo.png")]
    response = post_report(client, data)
    page = text_of(response)
    assert response.status_code == 200
    receipt_of(page)
    assert "files could not be saved" in page
    assert count(public_app, Submission) == 1 and count(public_app, Attachment) == 0


def test_changing_language_on_the_receipt_page_keeps_the_receipt(client, public_app):
    page = text_of(post_report(client, report_form(client, relative(0, names__0__value="Tursun"))))
    receipt = receipt_of(page)
    assert 'formaction="/receipt?lang=ug"' in page and 'form="receipt-form"' in page
    again = client.post("/receipt?lang=ug", data={"csrf_token": csrf_token(page),
                                                  "receipt": receipt.replace(" ", ""), "action": "language"})
    assert again.status_code == 200
    assert receipt_of(text_of(again)) == receipt
    assert 'lang="ug-Arab" dir="rtl"' in text_of(again)
    assert count(public_app, Submission) == 1  # shown again, not stored again


def test_line_breaks_are_stored_as_lf():
    from intake.public import text

    assert text.normalise("first line\r\nsecond\rthird\n") == "first line\nsecond\nthird"
