"""What the fifth outside probe found, each through the web client as it was found.

- On SQLite a recovery code could be spent twice: the code step reads the account with a row lock
  that SQLite ignores, so two sign-ins with one code, both past the read before either wrote, both
  got in. The code is now taken with a conditional UPDATE on the list it was matched against.
- The lockout was judged against the account as read before the check: a burst of concurrent
  guesses was each checked, past the threshold (9 wrong passwords sent together were all
  checked, against a threshold of 5; 10 codes likewise on SQLite, where the code step's row lock
  is a no-op), and a right one among them got in although the account had locked meanwhile. The
  lock is now asked with a conditional UPDATE that holds the row (or SQLite's write lock) until
  the attempt is decided.
- A set-up link could be used twice: two set-ups posted together both passed the link check (the
  password's Argon2id between check and write leaves a wide window) and both got a page of
  recovery codes, the last writer's password and authenticator winning. Someone who intercepted
  the link could race its owner, each told they had set the account up. The link is now used up
  by a conditional UPDATE before anything is written.
- The counts researchers see (`/research/statistics`, cells under 5 shown as "<5") were replaced by
  every `flask stats refresh`, however little had changed. A researcher who kept the page from
  before and after one family reported read, from the cells that went up by one, that person's
  prefecture, detention year, status, gender and age band together: the combination an export's
  k-anonymity is there to hide. A refresh now keeps the shown counts until at least 5 persons'
  worth of change has built up in every table that changed.
- werkzeug's routing redirects (`/review` to `/review/`, a doubled slash) are absolute URLs built
  from the Host header, made into paths when they name this host. A Host werkzeug cannot make a
  netloc of ("a@evil.example", "evil.example#") gave `Location: http:///review/`, which a browser
  reads as the host "review", elsewhere. Such a Location is now a path too.
- The static route's own 404 (and any other static answer that is not the asset) went out without
  `Cache-Control: no-store`, the one page of the site a shared computer's cache could keep.
"""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select, update

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import AuditEvent, User
from intake.services import accounts, clock, signin, take_in, totp, users
from tests.security.test_withdrawal_race import PATIENCE, wait_for_lock_wait
from tests.unit.test_exports_store import family, relative
from tests.web.review.test_accounts import secret_from_page
from tests.web.review.test_accounts_signin import code_step, password_step
from tests.web.review.test_exports_views import store
from tests.web_fixtures import csrf_token


class PauseFirst:
    """Wraps a function so that its first call stops after it ran, until released; later calls pass."""

    def __init__(self, function) -> None:  # noqa: ANN001
        self.function, self.reached, self.release = function, threading.Event(), threading.Event()
        self.calls, self.lock = 0, threading.Lock()

    def __call__(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN204
        result = self.function(*args, **kwargs)
        with self.lock:
            self.calls += 1
            first = self.calls == 1
        if first:
            self.reached.set()
            assert self.release.wait(PATIENCE), "never released"
        return result


class Request(threading.Thread):
    """One POST through the test client, in a thread of its own."""

    def __init__(self, client, path: str, data: dict) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self.client, self.path, self.data, self.answer = client, path, data, None

    def run(self) -> None:
        self.answer = self.client.post(self.path, data=self.data)

    def finish(self):  # noqa: ANN201
        self.join(PATIENCE)
        assert not self.is_alive(), "a request never finished"
        return self.answer


class Attempt(threading.Thread):
    """One sign-in's code step, in a thread of its own (its own request, session and connection)."""

    def __init__(self, client, code: str) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self.client, self.code, self.status = client, code, None

    def run(self) -> None:
        self.status = code_step(self.client, self.code).status_code

    def finish(self) -> int | None:
        self.join(PATIENCE)
        assert not self.is_alive(), "a sign-in never finished"
        return self.status


def test_one_recovery_code_signs_in_once_when_two_sign_ins_race(app, make_user, credentials, db_url,
                                                                monkeypatch):
    user = make_user("reviewer")
    creds = credentials[user.id]
    code = creds.recovery_codes[0]
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        assert password_step(client, creds.username).status_code == 302
    pause = PauseFirst(totp.matching_recovery_code)  # the first stops after matching, before it writes
    monkeypatch.setattr(totp, "matching_recovery_code", pause)

    one = Attempt(first, code)
    one.start()
    assert pause.reached.wait(PATIENCE)
    two = Attempt(second, code)
    two.start()
    if db_url.startswith("postgresql"):
        wait_for_lock_wait(db_url, ("postgres",))  # it waits for the first's row lock
    # (On SQLite it waits for the first's write lock, or, before that was taken, went straight through.)
    pause.release.set()
    outcomes = sorted([one.finish(), two.finish()])
    assert outcomes == [200, 302], f"one sign-in, not {outcomes.count(302)}, with one recovery code"
    with app.app_context():
        assert len(db.session.get(User, user.id).recovery_code_hashes) == 9


def test_a_spent_recovery_code_is_refused_and_the_others_still_work(app, make_user, credentials):
    user = make_user("reviewer")
    creds = credentials[user.id]
    client = app.test_client()
    password_step(client, creds.username)
    assert code_step(client, creds.recovery_codes[1]).status_code == 302
    other = app.test_client()
    password_step(other, creds.username)
    again = code_step(other, creds.recovery_codes[1])
    assert again.status_code == 200 and str(signin.CODE_REFUSED) in again.get_data(as_text=True)
    assert code_step(other, creds.recovery_codes[2]).status_code == 302
    with app.app_context():
        assert len(db.session.get(User, user.id).recovery_code_hashes) == 8


def _failures(app, user_id, count: int) -> None:  # noqa: ANN001
    with app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(failed_logins=count))
        db.session.commit()


def test_a_right_password_sent_with_a_burst_of_wrong_ones_is_refused_once_the_account_locked(
        app, make_user, credentials, monkeypatch):
    user = make_user("reviewer")
    creds = credentials[user.id]
    _failures(app, user.id, 4)  # one failure short of the threshold (5)
    right, wrong = app.test_client(), app.test_client()
    right_page, wrong_page = right.get("/review/sign-in"), wrong.get("/review/sign-in")
    pause = PauseFirst(signin.verify_password)  # the right one stops after its Argon2id, before its verdict
    monkeypatch.setattr(signin, "verify_password", pause)

    first = Request(right, "/review/sign-in", {"csrf_token": csrf_token(right_page.data), "username": creds.username,
                                              "password": creds.password})
    first.start()
    assert pause.reached.wait(PATIENCE)
    locked_it = wrong.post("/review/sign-in", data={"csrf_token": csrf_token(wrong_page.data),
                                                    "username": creds.username, "password": "a wrong guess indeed"})
    assert locked_it.status_code == 200  # the fifth failure: the account locks
    pause.release.set()
    answer = first.finish()
    assert answer.status_code == 200 and str(signin.REFUSED) in answer.get_data(as_text=True), \
        "a guess judged against the account as it was before the lock got in"
    with app.app_context():
        reasons = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "auth.login_failed")
                                     .order_by(AuditEvent.seq)).all()
    assert [r["reason"] for r in reasons] == ["password", "locked"]


def test_a_burst_of_codes_gets_no_more_tries_than_the_threshold(app, make_user, credentials, db_url):
    user = make_user("reviewer")
    creds = credentials[user.id]
    clients = [app.test_client() for _ in range(8)]
    for client in clients:
        assert password_step(client, creds.username).status_code == 302
    pages = [client.get("/review/sign-in/code") for client in clients]
    threads = [Request(c, "/review/sign-in/code", {"csrf_token": csrf_token(p.data), "code": "000000"})
               for c, p in zip(clients, pages)]
    for thread in threads:  # together, as near as threads start
        thread.start()
    answers = [t.finish() for t in threads]
    assert all(a.status_code == 200 for a in answers)
    with app.app_context():
        reasons = [d["reason"] for d in db.session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "auth.totp_failed").order_by(AuditEvent.seq))]
    checked = [r for r in reasons if r != "locked"]
    assert len(reasons) == len(clients)
    assert len(checked) == 5, f"{len(checked)} codes checked in a burst of {len(clients)}, with a threshold of 5"


RECOVERY_CODE = re.compile(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>")


def _setup_post(client, path: str, password: str) -> dict:  # noqa: ANN001
    page = client.get(path).get_data(as_text=True)
    secret = secret_from_page(page)
    return {"csrf_token": csrf_token(page), "password": password, "confirm": password,
            "code": totp.code_for(secret, totp.counter_at(clock.timestamp()))}


def test_a_setup_link_sets_an_account_up_once_when_two_posts_race(app, monkeypatch):
    with app.app_context():
        invitation = accounts.invite(db.session, get_vault(), username="raced", role="reviewer", actor="cli",
                                    hours=48)
    path = f"/review/setup/{invitation.token}"
    intruder, owner = app.test_client(), app.test_client()
    intruder_post = _setup_post(intruder, path, "the intruder's chosen words")
    owner_post = _setup_post(owner, path, "the owner's own chosen words")
    pause = PauseFirst(users.check_password_policy)  # the first has checked the link, not yet written
    monkeypatch.setattr(users, "check_password_policy", pause)

    first = Request(intruder, path, intruder_post)
    first.start()
    assert pause.reached.wait(PATIENCE)
    second = owner.post(path, data=owner_post)
    pause.release.set()
    answers = [first.finish(), second]
    given_codes = [len(RECOVERY_CODE.findall(a.get_data(as_text=True))) for a in answers]
    assert given_codes == [0, 10], f"recovery codes given to {sum(1 for n in given_codes if n)} set-ups of one link"
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "user.password_set")).all()
        assert len(actions) == 1


SHOWN_COUNT = re.compile(r'<td><bdi dir="ltr">([^<]*)</bdi></td></tr>')


def _research_counts(client) -> list[str]:  # noqa: ANN001
    page = client.get("/research/statistics").get_data(as_text=True)
    persons = re.search(r"sharing with researchers, as counted on .*?: (?:<bdi[^>]*>)?(\d+)", page)
    return [persons.group(1) if persons else "?"] + SHOWN_COUNT.findall(page)


def _new_family(app, numbers: range) -> None:  # noqa: ANN001
    family(app, [relative(i, gender="female", home_county="653101", status="released") for i in numbers])
    with app.app_context():
        assert take_in.take_in(db.session, get_vault())[1] == 0


def test_a_refresh_does_not_single_out_the_few_persons_added_since_the_last(app, make_user, sign_in):
    store(app, 60)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["stats", "refresh"]).exit_code == 0
    researcher = app.test_client()
    sign_in(researcher, make_user("researcher"))
    before = _research_counts(researcher)
    assert before[0] == "60" and len(before) > 10

    _new_family(app, range(1000, 1001))  # one family reports one relative
    held = runner.invoke(args=["stats", "refresh"])
    assert _research_counts(researcher) == before, "the counts moved by one person: that person is singled out"
    assert held.exit_code == 0 and "fewer than 5 persons changed" in held.output

    _new_family(app, range(1001, 1005))  # five persons' change in all: the counts may move
    assert "counted 65 persons" in runner.invoke(args=["stats", "refresh"]).output
    after = _research_counts(researcher)
    assert after[0] == "65" and after != before


@pytest.mark.parametrize("host", ["a@evil.example", "evil.example#", "127.0.0.1/@evil.example", "evil.example"])
@pytest.mark.parametrize("path", ["/review", "//review", "/review//inbox"])
def test_a_routing_redirect_never_leaves_the_site_whatever_the_host_header(app, host, path):
    answer = app.test_client().get(path, headers={"Host": host})
    assert answer.status_code in (301, 302, 308), answer.status_code
    location = answer.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location


@pytest.mark.parametrize("path", ["/static/nope.css", "/static/%2e%2e/config.py", "/static/sub/", "/static/pow.js/x"])
def test_a_static_404_is_not_kept_in_a_cache(app, path):
    answer = app.test_client().get(path)
    assert answer.status_code == 404
    assert answer.headers["Cache-Control"] == "no-store"


def test_a_static_range_that_cannot_be_served_is_not_kept_in_a_cache(app):
    with app.test_client().get("/static/site.css", headers={"Range": "bytes=999999999-"}) as answer:
        assert answer.status_code == 416
        assert answer.headers["Cache-Control"] == "no-store"


def test_static_assets_may_still_be_cached_and_say_what_they_are(app):
    client = app.test_client()
    with client.get("/static/pow.js") as asset:
        assert asset.status_code == 200
        assert "no-store" not in asset.headers.get("Cache-Control", "")
        assert asset.headers["X-Content-Type-Options"] == "nosniff"
        assert asset.mimetype == "text/javascript"
        etag = asset.headers["ETag"]
    with client.get("/static/pow.js", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
        assert "no-store" not in again.headers.get("Cache-Control", "")
