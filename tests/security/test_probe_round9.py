"""What the ninth outside probe found, each through the interface it was found on (the web client,
the command line, the job queue).

- The job worker read every queued job's name to decide whether to queue the periodic take-in,
  trusting what the job Redis held: one job whose first argument was a list (unhashable), or whose
  payload was not JSON, stopped `flask jobs worker` with a traceback, and again at every restart
  while the job stayed queued, so nothing was taken in and no withdrawal was finished. The guard
  that refuses foreign jobs also raised on an unreadable payload instead of refusing it.
- The report form sent twice (a double click while the first send is still working, slow on Tor;
  a reload of the receipt page, which the browser offers to send again) stored two submissions with
  two receipts, and the family saw only the second. The first copy, with every name, ID number and
  contact they typed, was out of their reach: they could not check it, and withdrawing with the
  receipt they held left it in the store. The receipt is now drawn from a one-time value the form
  page carries and what the form holds, so the same page sent again shows the same receipt and is
  stored once.
- The admin import page's later steps take a form field as large as twice the import limit (the
  list, carried encrypted), and that limit also bounded a urlencoded body to them, which werkzeug
  decodes whole in Python before the CSRF check and before the admin's sign-in is looked at: one
  anonymous POST of 40 MB of percent-escapes to `/admin/imports/confirm`, without a cookie, cost the
  review face 15 s of CPU (every other POST there is refused past 500 KB). The page posts multipart
  bodies; only those get the larger field now.
- "Sign out" from a review page drawn more than four hours before (a tab left open while the
  reviewer worked in another; the session lasts 12 hours) failed: its CSRF token had expired after
  WTF_CSRF_TIME_LIMIT, the answer was a bare "Bad Request" page, and the session went on, open to
  the next person at a shared computer who believed it ended. A sign-out now takes any token of
  its own session, however old (none, or a forged one, still changes nothing).
- Disabling an account that had not been set up yet left its set-up link in place, only refused
  while the account stayed disabled: enabling it again brought the link back to life (within its
  48 hours), though an admin disables an invited account above all when its link went astray, and
  disabling otherwise ends everything the account held (sessions, API tokens) for good. Disabling
  now ends the link too; the account is shown with its link expired, ready for a new one.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from intake.extensions import db
from intake.jobs import queue as job_queue
from intake.models import Submission
from tests.conftest import REDIS_URL
from tests.helpers import full_report, submit
from tests.web.public.conftest import GENEROUS
from tests.web.public.pages import post_report, receipt_of, relative, report_form, text_of


def _taken_in(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.in_working_store.is_(True))) or 0


@pytest.fixture
def rq_app(make_app, redis_client) -> Flask:  # noqa: ANN001
    return make_app("review", INTAKE_JOBS_REDIS_URL=REDIS_URL)


@pytest.mark.redis
@pytest.mark.parametrize("simple", [True, False])
def test_a_malformed_queued_job_is_refused_and_the_worker_goes_on(public_app, rq_app, redis_client, simple):
    submit(public_app, full_report())
    queue = job_queue.queue(rq_app)
    listed = queue.enqueue(job_queue.EXECUTE, ["take-in"], {})  # a name that is a list
    number = queue.enqueue(job_queue.EXECUTE, 7, {})
    unreadable = queue.enqueue(job_queue.EXECUTE, "take-in", {})
    redis_client.hset(f"rq:job:{unreadable.id}", "data", b"\x00not json{")
    # One round: the periodic take-in is queued beside them and runs; the three are refused.
    job_queue.work(rq_app, burst=True, simple=simple)
    assert _taken_in(rq_app) == 1
    for job in (listed, number, unreadable):
        assert queue.fetch_job(job.id).get_status() == "failed", job.id


def _submissions(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Submission)) or 0


def _once(page: str) -> dict[str, str]:
    """The form page's one-time field, as a browser sends it back (none before the fix)."""
    field = re.search(r'<input[^>]*\bname="once"[^>]*>', page)
    return {"once": re.search(r'\bvalue="([^"]*)"', field.group(0)).group(1)} if field else {}


def test_the_report_form_sent_twice_is_stored_once_with_one_receipt(make_app):
    app = make_app("public", **GENEROUS)
    client = app.test_client()
    page = text_of(client.get("/report"))
    data = report_form(client, relative(0, names__0__value="ئابدۇرېھىم", testimony="Taken in 2017."),
                       contact="signal +90 555", consent_contact="y", **_once(page))
    first = post_report(client, dict(data))
    second = post_report(client, dict(data))  # the same page, sent again
    assert first.status_code == second.status_code == 200
    assert receipt_of(text_of(first)) == receipt_of(text_of(second))
    assert _submissions(app) == 1
    # A page of the same form with other words is another testimony, with a receipt of its own.
    other = post_report(client, {**data, "relatives-0-testimony": "Taken in 2018."})
    assert receipt_of(text_of(other)) != receipt_of(text_of(first))
    assert _submissions(app) == 2
    # Each new page gets a value of its own: two families' identical words are two submissions.
    fresh = text_of(client.get("/report"))
    assert _once(fresh) and _once(fresh) != _once(page)


def test_the_report_form_sent_twice_at_once_is_stored_once(make_app, monkeypatch):
    """Two sends of one page at the same moment both find its receipt free; the second's insert then
    meets the first's unique selector, and shows the first's receipt instead of failing."""
    from intake.crypto import receipts
    from intake.services import intake as intake_service

    real, looks = intake_service._receipt_of_form, []

    def racing(session, data, pepper, kdf, seed):  # noqa: ANN001, ANN202
        looks.append(seed)
        if len(looks) == 2:  # the second send looks before the first has committed: free
            return receipts.normalise(receipts.from_seed(pepper, seed, 0))
        return real(session, data, pepper, kdf, seed)

    monkeypatch.setattr(intake_service, "_receipt_of_form", racing)
    app = make_app("public", **GENEROUS)
    client = app.test_client()
    page = text_of(client.get("/report"))
    data = report_form(client, relative(0, names__0__value="Tursun"), **_once(page))
    first, second = post_report(client, dict(data)), post_report(client, dict(data))
    assert first.status_code == second.status_code == 200
    assert receipt_of(text_of(first)) == receipt_of(text_of(second))
    assert len(looks) == 3 and _submissions(app) == 1


def test_an_anonymous_urlencoded_body_to_the_import_step_is_capped_like_any_other(make_app):
    app = make_app("review")
    body = b"carried=" + b"%41" * 400_000  # 1.2 MB: over werkzeug's 500 KB a field, far under the import's
    response = app.test_client().post("/admin/imports/confirm", data=body,
                                      content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413  # refused before it is decoded, as at /review/sign-in
    assert app.test_client().post("/review/sign-in", data=body,
                                  content_type="application/x-www-form-urlencoded").status_code == 413


def test_sign_out_from_a_page_drawn_hours_ago_signs_out(app, make_user, sign_in, monkeypatch):
    from itsdangerous.timed import TimestampSigner

    from tests.web_fixtures import csrf_token

    client = app.test_client()
    sign_in(client, make_user("reviewer"))
    page = client.get("/review/")  # the tab left open, with its sign-out button
    assert page.status_code == 200
    token = csrf_token(page.data)
    later = TimestampSigner.get_timestamp(TimestampSigner("k")) + 5 * 3600  # five hours on, for the tokens
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    assert client.post("/review/sign-out", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/review/").status_code == 200  # a forged token ends nothing
    response = client.post("/review/sign-out", data={"csrf_token": token})
    assert response.status_code == 302 and response.location.endswith("/review/sign-in")
    assert client.get("/review/").status_code == 302  # signed out: to the sign-in page


def test_disabling_an_invited_account_ends_its_set_up_link_for_good(app):
    from intake.keyring import get_vault
    from intake.services import accounts

    with app.app_context():
        invitation = accounts.invite(db.session, get_vault(), username="invited", role="reviewer", actor="cli",
                                     hours=48)
    client = app.test_client()
    link = f"/review/setup/{invitation.token}"
    assert client.get(link).status_code == 200
    with app.app_context():
        accounts.disable(db.session, get_vault(), invitation.user_id, actor="cli")  # the link went astray
    assert client.get(link).status_code == 404
    with app.app_context():
        accounts.enable(db.session, get_vault(), invitation.user_id, actor="cli")
    assert client.get(link).status_code == 404  # enabled again: the old link stays dead
    with app.app_context():
        again = accounts.reissue(db.session, get_vault(), invitation.user_id, actor="cli", hours=48)
    assert client.get(f"/review/setup/{again.token}").status_code == 200
