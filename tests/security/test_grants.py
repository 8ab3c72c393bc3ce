"""The database roles of the two faces (data/grants.sql, `flask db grants`).

Every public-face test on PostgreSQL already runs as the public role (tests/conftest.py), so what
the public face does is within its grants. Here: what it must NOT be able to do fails at the
database, whatever the application code says; the review role cannot rewrite the audit log; the
command is idempotent and clear when it cannot work."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from intake.extensions import db
from intake.keyring import get_vault
from intake.services import take_in
from tests.helpers import full_report, submit

postgres_only = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)

# Statements a compromised public face would like to run; each must be refused by PostgreSQL.
PUBLIC_REFUSED = [
    "UPDATE reports SET verification = 'documented'",
    "UPDATE reports SET status = 'released'",
    "UPDATE reports SET person_id = NULL",
    "UPDATE reports SET testimony = NULL",
    "UPDATE submissions SET consent = NULL",
    "UPDATE submissions SET in_working_store = false",
    "UPDATE submissions SET state_mac = NULL",
    "UPDATE submissions SET purged_on = NULL",
    "UPDATE status_events SET kind = 'released'",
    "UPDATE messages SET body = NULL",
    "UPDATE record_keys SET wrapped = wrapped",
    "DELETE FROM reports",
    "DELETE FROM submissions",
    "DELETE FROM messages",
    "DELETE FROM status_events",
    "DELETE FROM attachments",
    "DELETE FROM blind_indexes",
    "DELETE FROM person_link_events",
    "DELETE FROM audit_events",
    "SELECT wrapped FROM record_keys",
    "SELECT count(*) FROM users",
    "SELECT count(*) FROM auth_sessions",
    "SELECT count(*) FROM audit_events",
    "SELECT count(*) FROM blind_indexes",
    "SELECT count(*) FROM person_link_events",
    "SELECT count(*) FROM persons",
    "SELECT count(*) FROM tags",
    "SELECT count(*) FROM exports",
    "SELECT count(*) FROM api_tokens",
    "INSERT INTO api_tokens (id, user_id, token_hash, scope, label, created_by, created_at) "
    "SELECT gen_random_uuid(), id, '\\x00', 'researcher', '', 'x', now() FROM users LIMIT 1",
    "SELECT count(*) FROM import_sources",
    "SELECT count(*) FROM imported_rows",
    "INSERT INTO persons (id, handle, created_on) VALUES (gen_random_uuid(), 'P-X', current_date)",
    "INSERT INTO reports (id, handle, submission_id, position, created_on, verification) "
    "SELECT gen_random_uuid(), 'R-X', id, 9, current_date, 'documented' FROM submissions LIMIT 1",
    "CREATE TABLE planted (id int)",
]


def refused(app: Flask, statement: str) -> bool:
    with app.app_context():
        try:
            db.session.execute(text(statement))
        except ProgrammingError as exc:
            db.session.rollback()
            return "permission denied" in str(exc.orig)
        db.session.rollback()
        return False


@postgres_only
@pytest.mark.parametrize("statement", PUBLIC_REFUSED)
def test_the_public_role_cannot_touch_review_side_state(public_app: Flask, review_app: Flask, statement: str) -> None:
    submit(public_app, full_report())
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())
    assert refused(public_app, statement), statement


@postgres_only
def test_the_public_role_may_do_what_the_public_face_does(public_app: Flask) -> None:
    stored = submit(public_app, full_report())
    with public_app.app_context():
        allowed = [
            "SELECT count(*) FROM reports", "SELECT owner_table, owner_id FROM record_keys",
            "UPDATE messages SET read_by_family = true",
            f"UPDATE submissions SET status = 'withdrawn', receipt_verifier = NULL WHERE id = '{stored.submission_id}'",
            f"DELETE FROM record_keys WHERE owner_id = '{stored.submission_id}'",
        ]
        for statement in allowed:
            db.session.execute(text(statement))
        db.session.rollback()


@postgres_only
def test_the_public_role_deletes_only_wraps_of_withdrawn_submissions_and_inserts_only_inbox_wraps(
        public_app: Flask, review_app: Flask, make_user) -> None:
    """Row-level security: no silent shredding of a live testimony, an account's or a person's key."""
    make_user("reviewer")  # an account with a data key of its own (its TOTP secret)
    live = submit(public_app, full_report("live"))
    gone = submit(public_app, full_report("gone"))
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())
    with public_app.app_context():
        assert db.session.execute(text("DELETE FROM record_keys")).rowcount == 0
        db.session.rollback()
        db.session.execute(text("UPDATE submissions SET status = 'withdrawn' WHERE id = :i"), {"i": gone.submission_id})
        assert db.session.execute(text("DELETE FROM record_keys")).rowcount == 1  # the withdrawn one's only
        db.session.rollback()
        with pytest.raises(ProgrammingError, match="row-level security"):
            db.session.execute(text(
                "INSERT INTO record_keys (id, owner_table, owner_id, dek_id, holder, holder_key_id, wrapped, "
                "created_on) VALUES (gen_random_uuid(), 'submissions', :i, '\\x00', 'kek', '\\x00', '\\x00', "
                "current_date)"), {"i": live.submission_id})
        db.session.rollback()
    with review_app.app_context():
        owners = dict(db.session.execute(text("SELECT owner_table, count(*) FROM record_keys GROUP BY owner_table")).all())
        assert owners == {"submissions": 2, "users": 1}


@postgres_only
@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'someone'", "DELETE FROM audit_events",
                                       "TRUNCATE audit_events"])
def test_the_review_role_cannot_rewrite_the_audit_log(review_app: Flask, public_app: Flask, statement: str) -> None:
    submit(public_app, full_report())
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())  # writes an audit entry: appending works
    assert refused(review_app, statement), statement


@postgres_only
def test_the_command_is_idempotent_and_prints_what_it_runs(app: Flask, public_app: Flask) -> None:
    # `app` connects as the schema's owner; the conftest made the roles of public_app and review_app.
    public_role = public_app.config["SQLALCHEMY_DATABASE_URI"].split("://", 1)[1].split("@", 1)[0]
    review_role = public_role.replace("intake_public_", "intake_review_")
    runner = app.test_cli_runner()
    args = ["db", "grants", "--public-role", public_role, "--review-role", review_role]
    printed = runner.invoke(args=[*args, "--print"])
    assert printed.exit_code == 0, printed.output
    assert 'GRANT UPDATE (read_by_family) ON' in printed.output and f"TO {public_role}" in printed.output
    for _ in range(2):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        assert "statements applied" in result.output
    stored = submit(public_app, full_report())  # still works after applying twice
    assert stored.receipt
    assert refused(public_app, "DELETE FROM reports")
    unknown = runner.invoke(args=["db", "grants", "--public-role", "nobody_here_x", "--review-role", review_role])
    assert unknown.exit_code == 1 and "there is no role nobody_here_x" in unknown.output
    bad = runner.invoke(args=["db", "grants", "--public-role", "x; DROP TABLE reports", "--review-role", review_role])
    assert bad.exit_code == 1 and "plain identifier" in bad.output


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_command_says_sqlite_has_no_roles(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["db", "grants", "--public-role", "a", "--review-role", "b"])
    assert result.exit_code == 1 and "PostgreSQL matter" in result.output
    assert "Traceback" not in result.output
