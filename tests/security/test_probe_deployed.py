"""What the fourth outside probe found, against both faces run as deployed (gunicorn, production
configuration, PostgreSQL and Redis), each reproduced here through the web client.

- A Host header with a label longer than 63 characters (which IDNA cannot encode) made werkzeug
  refuse to bind the URL map; the error page then built its stylesheet link with url_for and had no
  URL adapter: a 500 on every route of both faces, each writing a full traceback to the error log.
- A multipart part whose Content-Disposition names no field came out of werkzeug under the key None,
  and the readers of the fields take keys for text: a 500 on every POST of both faces (the public
  forms, the sign-in, a reviewer's note), whatever else the body held.
- A reviewer's status event dated "2020-02-30" or "0000" was stored: the date's pattern was checked,
  not whether the day exists (the family's date fields check both, and years from 1900).
- Disabling a researcher's account refused its API tokens only while the account stayed disabled:
  enabling it again (or a database writer setting `is_active`, which no seal covers) brought every
  token back, though SECURITY.md says disabling ends them. Disabling now revokes them (sealed).
- The withdrawal's confirmation page told the family "Your receipt will still open this page, which
  will then say only that the testimony was withdrawn", and the page shown after it "To come back, you
  will need your receipt again"; but a withdrawal clears the receipt (SECURITY.md, "What survives a
  withdrawal"), and the receipt then opens nothing: "No testimony opens with this receipt. Please
  check each digit", to a family told it would work.
- An admin could create accounts named "system" or "cli": on the audit page their reads of reports
  showed as the service's own entries, and the actor filter for those words found only the service's,
  never the account's. The audit log's own actor names are now taken.
- The public face's database role may UPDATE any submission's `reply_public_key` (granted for a
  legacy receipt's move), and nothing the review face checked covered that column. A compromised
  public face swapped in a key of its own; every later reviewer reply to that family was sealed to
  it and read back through the same role, with no receipt, while the family could no longer open
  it. Found on the deployment as the public role. Replies are now sealed to the key the review face
  pinned at take-in (`submissions.reply_key_pinned`, which the public role cannot write).
- The public face's role may insert messages of any kind and author: as that role, an internal note
  and a reply "by" a reviewer, sealed under keys of their own with inbox wraps, showed on the report
  page as that reviewer's note and reply (before and after take-in). SECURITY.md allows a compromised
  public face forged news *as the family's*; a row with a key of its own is now always shown so.
- Likewise a status event the public role wrote "recorded by" a reviewer: take-in sealed it with the
  integrity key as it stood, so it showed (and verified) as that reviewer's, made the report's status
  and could be retracted as a reviewer's. Take-in now refuses a family's news that names a reviewer.
- The admin audit page filtered to `date_to=9999-12-31` added a day to the last date there is: a 500.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from intake.crypto import receipts
from intake.crypto.keys import KemSuite, PrivateKey
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import ApiToken, Message, MessageKind, Report, StatusEvent, Submission, User
from intake.models.sealed import data_keys
from intake.services import api_tokens, take_in
from intake.services import messages as message_service
from tests.helpers import full_report, submit
from tests.web.public.pages import csrf_token as page_csrf
from tests.web.public.pages import open_status, text_of
from tests.web.review.test_corrections_and_files import post_form
from tests.web.review.test_triage_views import load
from tests.web_fixtures import csrf_token

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


def _nameless(token: str, *fields: tuple[str, str]) -> tuple[bytes, str]:
    """A multipart body with the CSRF token, `fields`, and a part (and a file) that names no field."""
    parts = [f'Content-Disposition: form-data; name="csrf_token"\r\n\r\n{token}',
             *(f'Content-Disposition: form-data; name="{k}"\r\n\r\n{v}' for k, v in fields),
             "Content-Disposition: form-data\r\n\r\nnameless",
             'Content-Disposition: form-data; filename="a.png"\r\nContent-Type: image/png\r\n\r\nPNG']
    body = "".join(f"--XyZ\r\n{part}\r\n" for part in parts) + "--XyZ--\r\n"
    return body.encode(), "multipart/form-data; boundary=XyZ"


@pytest.mark.parametrize("path", ["/report", "/status", "/status/news", "/status/withdraw", "/receipt"])
def test_a_part_that_names_no_field_is_left_out_on_the_public_face(app, path):
    client = app.test_client()
    token = csrf_token(client.get("/status" if path.startswith("/status") else "/report").data)
    body, content_type = _nameless(token, ("receipt", "1234"), ("relatives-0-testimony", "kept text"))
    answer = client.post(path, data=body, content_type=content_type)
    assert answer.status_code in (200, 400, 422), answer.status_code
    assert b"Something went wrong" not in answer.data
    if path == "/report":  # the family's text comes back with the form
        assert b"kept text" in answer.data


def test_a_part_that_names_no_field_is_left_out_on_the_review_face(app, make_user, sign_in):
    client = app.test_client()
    page = client.get("/review/sign-in")
    body, content_type = _nameless(csrf_token(page.data), ("username", "nobody"), ("password", "x" * 12))
    answer = client.post("/review/sign-in", data=body, content_type=content_type)
    assert answer.status_code == 200 and b"The username or password is not right" in answer.data
    sign_in(client, make_user("reviewer"))
    page = client.get("/review/search").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body, content_type = _nameless(token, ("kind", "name"), ("query", "nobody"))
    assert client.post("/review/search", data=body, content_type=content_type).status_code == 200


@pytest.mark.parametrize("when", ["2020-02-30", "2019-02-29", "2021-04-31", "0000", "1066-10"])
def test_a_status_event_on_a_day_that_does_not_exist_is_refused(app, make_user, sign_in, when):
    client = app.test_client()
    sign_in(client, make_user("reviewer"))
    [handle] = load(app, full_report("calendar"))
    answer = post_form(client, handle, "status-events", "event",
                       {"event-kind": "released", "event-event_date": when, "event-source": "probe"})
    assert answer.status_code == 422  # the report page again, with the form as typed
    page = answer.get_data(as_text=True)
    assert "Status event added." not in page and "the date is a year, year-month or full date" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StatusEvent)) == 0
    answer = post_form(client, handle, "status-events", "event",
                       {"event-kind": "released", "event-event_date": "2020-02-29", "event-source": "probe"})
    assert "Status event added." in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_a_token_stays_ended_when_its_account_is_enabled_again(app, make_user, sign_in):
    researcher = make_user("researcher")
    with app.app_context():
        token = api_tokens.create(db.session, get_vault(), user_id=researcher.id, actor="test").token
    api = app.test_client()
    assert api.get("/api/v1/exports", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    admin = app.test_client()
    sign_in(admin, make_user("admin"))
    for step in ("disable", "enable"):
        page = admin.get("/admin/users").get_data(as_text=True)
        form = re.search(rf'action="/admin/users/{researcher.id}/{step}".*?</form>', page, re.S).group(0)
        assert admin.post(f"/admin/users/{researcher.id}/{step}",
                          data={"csrf_token": csrf_token(form)}).status_code == 302
        assert api.get("/api/v1/exports", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    with app.app_context():
        assert db.session.scalar(select(User.is_active).where(User.id == researcher.id))
        assert db.session.scalar(select(ApiToken.revoked_at)) is not None
        db.session.execute(ApiToken.__table__.update().values(revoked_at=None))  # a database writer
        db.session.commit()
    assert api.get("/api/v1/exports", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_withdrawal_promises_nothing_the_receipt_will_not_do(make_app):
    public_app = make_app("public")
    client = public_app.test_client()
    stored = submit(public_app, full_report("a"))
    page = text_of(open_status(client, stored.receipt))
    start = {"csrf_token": page_csrf(page), "receipt": re.search(r'name="receipt" type="hidden" value="(\d{24})"',
                                                                 page).group(1)}
    confirm = text_of(client.post("/status/withdraw", data=start))
    assert "This cannot be undone." in confirm and "receipt will still open" not in confirm
    done = text_of(client.post("/status/withdraw", data={**start, "step": "confirm", "action": "send", "confirm": "y"}))
    assert "Your testimony was withdrawn and destroyed." in done
    assert "you will need your receipt again" not in done
    again = open_status(client, stored.receipt)
    assert again.status_code == 422 and "No testimony opens with this receipt" in text_of(again)


@pytest.mark.parametrize("name", ["system", "cli", "anonymous", " System "])
def test_an_account_cannot_take_the_name_the_audit_log_gives_the_service(app, make_user, sign_in, name):
    admin = app.test_client()
    sign_in(admin, make_user("admin"))
    page = admin.get("/admin/users").get_data(as_text=True)
    answer = admin.post("/admin/users/invite", data={"csrf_token": csrf_token(page), "username": name,
                                                     "role": "reviewer"})
    assert answer.status_code == 409 and "/review/setup/" not in answer.get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["users", "create", name, "--role", "reviewer"])
    assert result.exit_code != 0 and "/review/setup/" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(
            User.username == name.strip().lower())) == 0


def test_a_compromised_public_face_cannot_read_replies_by_swapping_the_reply_key(app, make_app, make_user,
                                                                                 sign_in):
    public_app = make_app("public")
    stored = submit(public_app, full_report("reply"))
    with app.app_context():
        take_in.take_in(db.session, get_vault())
    intruder = PrivateKey(KemSuite.MLKEM768_X25519, bytes(range(96)))
    with public_app.app_context():  # the public face's own connection (its role, on PostgreSQL)
        db.session.execute(Submission.__table__.update().where(Submission.id == stored.submission_id)
                           .values(reply_public_key=intruder.public().raw))
        db.session.commit()
    reviewer = app.test_client()
    sign_in(reviewer, make_user("reviewer"))
    post_form(reviewer, stored.report_handles[0], "reply", "reply", {"reply-body": "Which prison?"})
    with public_app.app_context():
        [(message_id, sealed)] = db.session.execute(select(Message.id, Message.for_family).where(
            Message.submission_id == stored.submission_id, Message.for_family.is_not(None))).all()
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever refuses it, the intruder reads nothing
        receipts.open_for_family([intruder], stored.submission_id, message_id, sealed)
    # The family, with its receipt, still reads it on the status page.
    assert "Which prison?" in text_of(open_status(public_app.test_client(), stored.receipt))


def _taken_in_with_a_reviewer(app, make_app, make_user, tag: str):  # noqa: ANN001, ANN202
    """A public face, one submission taken in, and the reviewer a forgery will name."""
    public_app = make_app("public")
    stored = submit(public_app, full_report(tag))
    with app.app_context():
        take_in.take_in(db.session, get_vault())
    return public_app, stored, make_user("reviewer", username="amina")


def test_a_note_or_reply_the_public_face_writes_is_shown_as_the_familys(app, make_app, make_user, sign_in):
    public_app, stored, user = _taken_in_with_a_reviewer(app, make_app, make_user, "forged")
    with public_app.app_context():  # a compromised public face, through its own role
        report = db.session.scalar(select(Report).where(Report.handle == stored.report_handles[0]))
        for kind, text in ((MessageKind.INTERNAL_NOTE, "FORGED NOTE"), (MessageKind.TO_FAMILY, "FORGED REPLY")):
            message = Message(submission_id=report.submission_id, report_id=report.id, kind=kind.value,
                              own_key=True, author_id=user.id,
                              sequence=message_service.next_sequence(db.session, report.submission_id))
            db.session.add(message)
            data_keys(db.session).create("messages", message.id, via="inbox")
            message.body = text
        db.session.commit()
    reviewer = app.test_client()
    sign_in(reviewer, user)
    for moment in ("before take-in", "after take-in"):
        page = reviewer.get(f"/review/reports/{stored.report_handles[0]}").get_data(as_text=True)
        family = page.split('id="from-family-h"')[1].split("</section>")[0]
        replies = page.split('id="replies-h"')[1].split("</section>")[0]
        notes = page.split('id="notes-h"')[1].split("</section>")[0]
        assert "FORGED NOTE" in family and "FORGED REPLY" in family, moment
        assert "FORGED" not in replies and "FORGED" not in notes and "amina" not in notes + replies, moment
        with app.app_context():
            take_in.take_in(db.session, get_vault())


def test_a_status_event_the_public_face_writes_as_a_reviewers_is_not_sealed(app, make_app, make_user, sign_in):
    public_app, stored, user = _taken_in_with_a_reviewer(app, make_app, make_user, "event")
    with public_app.app_context():  # a compromised public face, through its own role
        report = db.session.scalar(select(Report).where(Report.handle == stored.report_handles[0]))
        event = StatusEvent(report_id=report.id, submission_id=report.submission_id, own_key=True, kind="died",
                            sequence=1, recorded_by_id=user.id)
        db.session.add(event)
        data_keys(db.session).create("status_events", event.id, via="inbox")
        event.source, event.reported_kind, event.event_date = "official notice", "died", "2020-01-02"
        db.session.commit()
        event_id = event.id
    reviewer = app.test_client()
    sign_in(reviewer, user)
    for moment in ("before take-in", "after take-in"):
        page = reviewer.get(f"/review/reports/{stored.report_handles[0]}").get_data(as_text=True)
        timeline = page.split('id="timeline"')[1].split("</section>")[0]
        assert "official notice" in timeline and "amina" not in timeline, moment
        with app.app_context():
            take_in.take_in(db.session, get_vault())
    with app.app_context():
        stored_event = db.session.get(StatusEvent, event_id)
        assert stored_event.mac is None  # never sealed, so never counted as verified
        assert db.session.get(Report, stored_event.report_id).status != "died"
    page = reviewer.get(f"/review/reports/{stored.report_handles[0]}").get_data(as_text=True)
    token = re.search(r'name="note-csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = reviewer.post(f"/review/reports/{stored.report_handles[0]}/retract/status_event/{event_id}",
                           data={f"retract-{event_id}-csrf_token": token})
    assert answer.status_code == 422  # the report page again, saying why
    page = answer.get_data(as_text=True)
    assert "Retracted" not in page and "cannot be retracted by a reviewer" in page
