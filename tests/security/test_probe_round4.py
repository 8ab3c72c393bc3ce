"""What the sixth outside probe found, each through the interface it was found on (the web client,
the command line, or two faces' services racing in two threads).

- A multipart body's text fields were capped one by one (8 MiB each, so a text far over its limit
  comes back to be shortened), not together: fifteen fields of 8 MiB in one POST to `/report`,
  with a token from one GET, cost 22.9 s of CPU and about 1 GB of memory, and the 126 MB of text
  came back in the answer; without a cookie, 4.9 s and the same answer. A refused form costs no
  rate limit, so it could be sent again at once. A urlencoded body was already capped at 8 MiB
  whole; a multipart one now is too, for its text (files keep their own limits). Under the cap, one
  field of 8 MiB still cost 1.8 s, checked for hidden characters a character at a time in Python
  (and a date part's digits likewise): now a regular expression, and a date part too long to be one
  is left as typed.
- A month of thousands of digits in a date of the report form was a 500, and the family's text was
  lost: int() refuses a string of more than 4,300 digits (Python's guard against quadratic
  conversion), and only the year's length was checked first. The admin import page's column count
  likewise (a 500 for an admin; its test is test_probe_review_faces'
  test_a_column_count_in_other_digits_asks_for_the_file_again).
- News sent while the same testimony was being withdrawn from another browser (the receipt opened
  before the withdrawal, the news stored after it) was a 500: the refusal (the submission is
  withdrawn) reached no handler. It is now the status page, saying the testimony was withdrawn.
- The command line printed what a list's header said as it was: `flask import` (the columns it
  read) and `flask dedup csv` (its notes). A hostile list could write escape sequences to the
  operator's terminal on the review host (set its title, on some terminals write the clipboard,
  move the cursor and erase lines) and, with a line break in a header, print lines of its own,
  such as a report of the dry run that is not the real one. Such characters are now shown escaped.
- On SQLite two reviewers deciding one candidate pair at once could both decide it: the pair is
  read with a row lock SQLite ignores, so a rejection that had read the pair as pending wrote
  "rejected" over an acceptance made meanwhile, and the pair said "different people" about two
  reports linked as one person, with both decisions in the audit log. The decision now first takes
  the database's write lock with a no-op UPDATE of the pair's row (a row lock on PostgreSQL), so
  the second reads the first's decision and is refused.
- On SQLite a withdrawal could commit between a take-in's reading of the submission and its first
  write (the submission's row lock is ignored there): the take-in then wrapped the shredded data
  key under the KEK again, and the withdrawn testimony opened on the review face until the worker
  next finished the withdrawal (and in any backup of that window). Reading a submission under its
  lock now first takes SQLite's write lock with a no-op UPDATE of its row.
"""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from intake.cli.dedup import dedup_cli
from intake.crypto import wraps
from intake.dedup.model import default_model
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import CandidatePair, Export, ExportStatus, PairStatus, Report
from intake.services import dedup_rows, export_states, exports, families
from tests.dedup_support import person
from tests.helpers import full_report, submit
from tests.security.test_probe_round3 import PATIENCE, PauseFirst, Request
from tests.security.test_withdrawal_race import Side, paused, taking_in, wait_for_lock_wait, withdrawing, wraps_of
from tests.unit.test_exports_store import account, proposed
from tests.unit.imports.test_store import HEADERS, csv_bytes
from tests.web.public.pages import field_value, open_status, post_report, relative, report_form, text_of
from tests.web.public.test_status import hidden_receipt, news_data
from tests.web.review.test_triage_views import audit_entries, audit_head, form_token, load
from tests.web_fixtures import csrf_token

PUBLIC_TEXT = 8 * 1024 * 1024  # web/request.py: the text of one public form, all fields together


def post_encoded(client, path: str, data: dict[str, str]):  # noqa: ANN001, ANN201
    # Encoded here: the test client would spool a body this large to a temporary file, left open.
    boundary, body = encode_multipart(MultiDict(data))
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_the_text_fields_of_a_multipart_form_are_capped_together(app):
    client = app.test_client()
    part = "x" * (PUBLIC_TEXT // 3 + 1)  # each field under the cap, the three together over it
    data = report_form(client, relative(0, testimony=part, occupation=part), contact=part)
    answer = post_encoded(client, "/report", data)
    assert answer.status_code == 413
    assert len(answer.data) < 100_000, "nothing posted comes back"
    assert "x" * 100 not in answer.get_data(as_text=True)


def test_a_long_text_under_the_cap_still_comes_back_to_be_shortened(app):
    client = app.test_client()
    long_text = "她于2018年被带走。" * 30_000  # 300,000 characters, 750 KB
    data = report_form(client, relative(0, names__0__value="阿依古丽", testimony=long_text, occupation="教师" * 1000))
    answer = post_encoded(client, "/report", data)
    assert answer.status_code == 422
    assert field_value(text_of(answer), "relatives-0-testimony") == long_text


@pytest.mark.parametrize("field", ["birth__month", "detention__month", "last_contact__month"])
def test_a_month_of_thousands_of_digits_is_asked_again_with_the_text_kept(app, field):
    client = app.test_client()
    digits = "1" * 5000
    data = report_form(client, relative(0, names__0__value="Ali", testimony="They took him.",
                                        **{field.replace("month", "year"): "2017", field: digits}))
    answer = post_report(client, data)
    page = text_of(answer)
    assert answer.status_code == 422
    assert "The month is a number from 1 to 12." in page
    assert field_value(page, "relatives-0-testimony") == "They took him."


def test_news_sent_while_the_testimony_is_withdrawn_elsewhere_gets_the_status_page(app, monkeypatch):
    stored = submit(app, full_report("a"))
    family, elsewhere = app.test_client(), app.test_client()
    page = text_of(open_status(family, stored.receipt))
    other = text_of(open_status(elsewhere, stored.receipt))
    opened = families.find_by_receipt

    def withdrawn_meanwhile(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        holder = opened(*args, **kwargs)  # the family's news opened the receipt; then, elsewhere:
        monkeypatch.setattr(families, "find_by_receipt", opened)
        answers = []
        # Another thread: a request of its own, with its own database session, as another browser's.
        withdraw = threading.Thread(target=lambda: answers.append(elsewhere.post("/status/withdraw", data={
            "csrf_token": csrf_token(other), "receipt": hidden_receipt(other), "step": "confirm", "action": "send",
            "confirm": "y"}).status_code))
        withdraw.start()
        withdraw.join(60)
        assert answers == [200]
        return holder

    monkeypatch.setattr(families, "find_by_receipt", withdrawn_meanwhile)
    answer = family.post("/status/news", data=news_data(page, news="He was moved to another camp."))
    assert answer.status_code == 409
    assert "withdrawn" in text_of(answer).lower()


HOSTILE_HEADER = "Notes\x1b]0;owned\x07\x1b[1A\x1b[2K\u202e\nnothing to import"


def test_a_lists_headers_reach_the_terminal_escaped_from_flask_import(review_app, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes(headers=HEADERS[:-1] + [HOSTILE_HEADER]))
    result = review_app.test_cli_runner().invoke(args=["import", str(path), "--source", "Friends", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output and "\x07" not in result.output
    assert "\nnothing to import" not in result.output  # no line of the file's own
    assert "6. Notes\\x1b]0;owned\\x07" in result.output  # shown, escaped, on its line


def test_a_lists_headers_reach_the_terminal_escaped_from_flask_dedup_csv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # Recognised as given_name (punctuation, controls and spacing fold away), so its note prints it.
    (tmp_path / "list.csv").write_text('report_id,"\x1b=\u202egiven name\x1b>"\nR1,Ablimit\nR2,Tursun\n', "utf-8")
    result = CliRunner().invoke(dedup_cli, ["csv", "list.csv", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "\\x1b=\\u202egiven name\\x1b> -> given_name" in result.output


def test_two_reviewers_deciding_one_pair_at_once_decide_it_once(make_app, make_user, sign_in, db_url, tmp_path,
                                                                monkeypatch):
    model = tmp_path / "dedup-model.json"
    default_model().save(model)
    app = make_app("both", INTAKE_DEDUP_MODEL=str(model))
    a, b = load(app, person("Ablimit Tursun", tag="a"), person("Ablimit Tursun", birth="1981-03", tag="b"))
    with app.app_context():
        pair_id = db.session.scalars(select(CandidatePair.id)).one()
    url = f"/review/duplicates/{pair_id}"
    rejecting, accepting = app.test_client(), app.test_client()
    sign_in(rejecting, make_user("reviewer", username="amina"))
    sign_in(accepting, make_user("reviewer", username="bilal"))
    reject = {"reject-csrf_token": form_token(rejecting.get(url).data, "reject")}
    accept = {"accept-csrf_token": form_token(accepting.get(url).data, "accept")}
    before = audit_head(app)
    pause = PauseFirst(dedup_rows.fingerprints)  # the rejection stops after it read the pair as open
    monkeypatch.setattr(dedup_rows, "fingerprints", pause)
    one = Request(rejecting, f"{url}/reject", reject)
    one.start()
    assert pause.reached.wait(PATIENCE)
    two = Request(accepting, f"{url}/accept", accept)
    two.start()
    if db_url.startswith("postgresql"):
        wait_for_lock_wait(db_url, ("postgres",))  # the acceptance waits for the rejection's lock
    pause.release.set()
    one.finish(), two.finish()
    decisions = [e[0] for e in audit_entries(app, before) if e[0] in ("duplicates.reject", "duplicates.accept")]
    assert len(decisions) == 1, decisions
    with app.app_context():
        status = db.session.get(CandidatePair, pair_id).status
        people = set(db.session.scalars(select(Report.person_id).where(Report.handle.in_([a, b]))))
    linked = len(people) == 1 and None not in people
    assert (status, linked) in ((PairStatus.REJECTED.value, False), (PairStatus.ACCEPTED.value, True))


def test_a_withdrawal_during_a_take_in_leaves_no_wrap_that_opens_the_testimony(public_app, review_app, monkeypatch):
    stored = submit(public_app, full_report())
    pause = paused(monkeypatch, wraps, "inbox_unwrap")  # take-in has read the submission and its wrap, wrote nothing
    taking = taking_in(review_app)
    assert pause.reached.wait(PATIENCE)
    withdraw = withdrawing(public_app, stored.submission_id)
    withdraw.join(1)  # time for it to go through, had nothing held it back
    pause.release.set()
    taking.finish()
    withdraw.finish()
    assert wraps_of(review_app, stored.submission_id) == []


def test_two_approvals_of_one_export_at_once_approve_it_once(make_app, tmp_path, monkeypatch):
    """Two people approving one export at the same moment: one approval, the other told it is no
    longer awaiting approval (on SQLite both once read it as requested and both were recorded)."""
    review = make_app("review", INTAKE_EXPORT_DIR=str(tmp_path / "exports"))
    proposer, first, second = (account(review, name) for name in ("proposer", "first", "second"))
    export_id = proposed(review, proposer)
    before = audit_head(review)
    pause = PauseFirst(export_states.sealed_under)  # the first approval stops after it read the export as requested
    monkeypatch.setattr(export_states, "sealed_under", pause)
    one = Side(review, lambda: exports.approve(db.session, get_vault(), export_id, actor=first))
    one.start()
    assert pause.reached.wait(PATIENCE)
    two = Side(review, lambda: exports.approve(db.session, get_vault(), export_id, actor=second))
    two.start()
    two.join(1)  # time for it to go through, had nothing held it back
    pause.release.set()
    outcomes = []
    for side in (one, two):
        side.join(PATIENCE)
        outcomes.append(type(side.error).__name__ if side.error else "approved")
    assert sorted(outcomes) == ["Conflict", "approved"], outcomes
    assert [e[0] for e in audit_entries(review, before)].count("export.approved") == 1
    with review.app_context():
        export = db.session.get(Export, export_id)
        assert export.status == ExportStatus.APPROVED.value
        assert export.approved_by_id == (first if outcomes[0] == "approved" else second)
