"""What the eleventh outside probe found, each through the interface it was found on.

- The expired-page answer of the public status pages (`/status`, `/status/news`,
  `/status/withdraw`, `/receipt`) drew the posted receipt back into the page whatever it held: a
  form posted without a token (from a page of another origin in a browser that sends no
  Sec-Fetch-Site, or by any client) was reflected as it came, the same size in and out, outside every
  rate limit (CSRF is checked before them). The answer to a malformed receipt on `/status` did the
  same within the limit. A receipt has a known alphabet and length: only text that could be one (or a
  receipt mistyped by a digit or two) is drawn back; anything else leaves the box empty.
- An export's seal covers its state number (`state_seq`), but nothing outside the row did: a
  database writer could put back the row as it was when approved, validly sealed, after the export
  had been released. The jobs runner then built it again (`approved_ids`): the released files were
  deleted and replaced by a second release of the same persons to the same researcher, under a
  fresh pseudonym salt and a recoding of the day, with no approval of it (two recodings side by
  side narrow each other's classes); a failed export put back as approved was built without a new
  approval likewise. Each audited step of an export now records its new state number in its signed
  audit entry, as reviews do for reports, and an export older than the newest state the audit log
  records fails verification: it is neither built, approved, nor offered.
- An API token's seal covers its revocation, and SECURITY.md said a database writer could not
  un-revoke one; but the row as it was before the revocation, validly sealed, could be put back,
  and the token (revoked because it leaked, or with the account disabled) downloaded exports
  again. A token is revoked for good: a signed audit entry of its revocation (`api_token.revoke`)
  now refuses it, whatever its row says, and the admins' list shows it revoked.
- The review face's forms (sign-in included, for anyone with the page's token) read a file part
  as the value of a text field, and a JSON body as form fields (Flask-WTF does both): a file named
  `username`, or `{"username": 5}` with the token in X-CSRFToken, reached the length check as an
  object without a length, and the answer was a 500. They now read the form body alone, and files
  only into the file fields they have (the import page's), as the public forms already did.
- Candidate pairs were sealed, but their seals carried no audited state number: a database writer
  could put back a pair's row as it was before a decision, validly sealed: pending after a
  rejection (back in the queue, offered on its page again), or accepted after an undo (a true
  duplicate hidden as decided). A pair's seal now covers a state number each decision records in
  its audit entry, and a pair older than its audited state fails verification wherever it is read.
- The names of an export's downloadable files were read from the database's copy of its manifest,
  which no seal covers: a name added there was offered and served from the export's folder. They
  now come from the signed manifest on disk, once it matches the digest the export sealed.
"""

from __future__ import annotations

import pytest

from tests.dedup_support import dedup_apps, model_file  # noqa: F401 - fixtures
from tests.web.public.conftest import GENEROUS
from tests.web.public.pages import text_of

_RECEIPT = "1234 5678 9012 3456 7890 1234"
_ODD = "CALL +44 20 7946 0000 NOW " * 4000  # 100 KB of the sender's text


@pytest.mark.parametrize("path", ["/status", "/status/news", "/status/withdraw", "/receipt"])
def test_an_expired_status_page_does_not_draw_back_a_receipt_that_cannot_be_one(make_app, path):
    client = make_app("public", **GENEROUS).test_client()
    answer = client.post(path, data={"receipt": _ODD, "news": "kept"})
    assert answer.status_code in (400, 422)
    page = text_of(answer)
    assert "CALL +44" not in page and len(page) < len(_ODD)


@pytest.mark.parametrize("path", ["/status", "/status/news", "/status/withdraw"])
def test_an_expired_status_page_still_draws_back_a_receipt_the_family_typed(make_app, path):
    client = make_app("public", **GENEROUS).test_client()
    page = text_of(client.post(path, data={"receipt": _RECEIPT}))
    assert _RECEIPT in page or _RECEIPT.replace(" ", "") in page


def test_an_expired_lookup_keeps_a_receipt_mistyped_by_a_digit(make_app):
    client = make_app("public", **GENEROUS).test_client()
    mistyped = _RECEIPT[:-1]  # one digit short: the family fixes it without typing all again
    assert mistyped in text_of(client.post("/status", data={"receipt": mistyped}))


def test_a_malformed_receipt_is_not_drawn_back_at_any_size(make_app):
    from tests.web.public.pages import csrf_token

    client = make_app("public", **GENEROUS).test_client()
    token = csrf_token(text_of(client.get("/status")))
    answer = client.post("/status", data={"csrf_token": token, "receipt": _ODD})
    assert answer.status_code == 422
    assert "CALL +44" not in text_of(answer)


def test_a_held_status_page_does_not_keep_a_receipt_that_cannot_be_one(make_app):
    from tests.web.public.pages import csrf_token

    app = make_app("public", **{**GENEROUS, "INTAKE_RECEIPT_RATE_LIMIT": "1/minute"})
    client = app.test_client()
    token = csrf_token(text_of(client.get("/status")))
    assert client.post("/status", data={"csrf_token": token, "receipt": _RECEIPT}).status_code == 422
    held = client.post("/status", data={"csrf_token": token, "receipt": _ODD})
    assert held.status_code == 429
    assert "CALL +44" not in text_of(held)
    kept = client.post("/status", data={"csrf_token": token, "receipt": _RECEIPT})
    assert kept.status_code == 429 and _RECEIPT in text_of(kept)


def _row(export):  # noqa: ANN001, ANN202
    from sqlalchemy import inspect

    return {c.key: getattr(export, c.key) for c in inspect(export).mapper.column_attrs}


@pytest.mark.parametrize("outcome", ["released", "failed"])
def test_an_export_put_back_as_it_was_when_approved_is_not_built_again(make_app, tmp_path, outcome):
    from sqlalchemy import select, update

    from intake.extensions import db
    from intake.keyring import get_vault
    from intake.models import AuditEvent, Export, ExportStatus
    from intake.services import export_access, exports
    from intake.services.errors import Conflict
    from tests.unit.test_exports_store import account, approved, population, take_in_all

    public, review = make_app("public"), make_app("review", INTAKE_EXPORT_DIR=str(tmp_path / "exports"))
    proposer, approver = account(review, "proposer"), account(review, "approver")
    population(public, 120 if outcome == "released" else 3)
    take_in_all(review)
    export_id = approved(review, proposer, approver)
    with review.app_context():
        as_approved = _row(db.session.get(Export, export_id))
        try:
            exports.build(db.session, get_vault(), export_id)
        except exports.ExportFailed:
            pass
        db.session.rollback()
        later = db.session.get(Export, export_id)
        assert later.status == outcome
        files = sorted((tmp_path / "exports").rglob("*"))
        db.session.execute(update(Export).where(Export.id == export_id).values(
            {k: v for k, v in as_approved.items() if k != "id"}))
        db.session.commit()
        db.session.expire_all()
        put_back = db.session.get(Export, export_id)
        assert put_back.status == ExportStatus.APPROVED.value
        assert not [v for v in export_access.list_exports(db.session, get_vault()) if v.verified]
        with pytest.raises(Conflict, match="failed verification"):
            exports.build(db.session, get_vault(), export_id)
        db.session.rollback()
        assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
            ["export.built", "export.failed"]))).all()) == 1
    assert sorted((tmp_path / "exports").rglob("*")) == files  # the released files stay as they were


def test_a_revoked_api_token_put_back_as_it_was_does_not_open_the_api(app, make_user):
    from sqlalchemy import update

    from intake.extensions import db
    from intake.keyring import get_vault
    from intake.models import ApiToken
    from intake.services import api_tokens

    researcher = make_user("researcher")
    with app.app_context():
        new = api_tokens.create(db.session, get_vault(), user_id=researcher.id, actor="test", label="laptop")
        before = _row(db.session.get(ApiToken, new.id))
    client = app.test_client()
    assert client.get("/api/v1/exports", headers={"Authorization": f"Bearer {new.token}"}).status_code == 200
    with app.app_context():
        api_tokens.revoke(db.session, get_vault(), new.id, actor="test")
    assert client.get("/api/v1/exports", headers={"Authorization": f"Bearer {new.token}"}).status_code == 401
    with app.app_context():  # a database writer puts back the row as it was before the revocation
        db.session.execute(update(ApiToken).where(ApiToken.id == new.id).values(
            {k: v for k, v in before.items() if k not in ("id", "last_used_at")}))
        db.session.commit()
        assert db.session.get(ApiToken, new.id).revoked_at is None
        assert [line.state for line in api_tokens.listing(db.session, get_vault())] == ["revoked"]
    assert client.get("/api/v1/exports", headers={"Authorization": f"Bearer {new.token}"}).status_code == 401


def _hostile_bodies(token: str):  # noqa: ANN202
    import io
    import json

    yield {"data": {"csrf_token": token, "username": (io.BytesIO(b"x"), "a.txt"), "password": "x",
                    "recipient": (io.BytesIO(b"x"), "r.txt"), "purpose": (io.BytesIO(b"x"), "p.txt")}}
    yield {"data": json.dumps({"username": 5, "password": ["a"], "recipient": {"a": 1}, "purpose": 7,
                               "label": 3, "days": "x"}),
           "content_type": "application/json", "headers": {"X-CSRFToken": token}}


@pytest.mark.parametrize("role, page, path", [
    (None, "/review/sign-in", "/review/sign-in"),
    ("reviewer", "/review/exports", "/review/exports/propose"),
    ("admin", "/admin/users", "/admin/users/invite"),
    ("admin", "/admin/tokens", "/admin/tokens"),
])
def test_a_file_or_json_where_the_review_face_reads_text_is_no_server_error(app, make_user, sign_in, role, page, path):
    from tests.web_fixtures import csrf_token

    client = app.test_client()
    if role:
        sign_in(client, make_user(role))
    token = csrf_token(client.get(page).data)
    for body in _hostile_bodies(token):
        answer = client.post(path, **body)
        assert answer.status_code < 500, f"{answer.status_code} for {body.get('content_type', 'a file')}"


def test_a_file_name_added_to_an_export_s_database_row_is_not_served(make_app, tmp_path):
    """The files a researcher may download are the ones the signed manifest on disk lists (the one
    the export sealed by its SHA-256), not the unsealed copy in the database: a name a database
    writer adds there is neither offered nor served, whatever lies in the export's folder."""
    from sqlalchemy import update

    from intake.extensions import db
    from intake.keyring import get_vault
    from intake.models import Export, Role, User
    from intake.services import export_access, exports
    from intake.services.errors import NotFound
    from tests.unit.test_exports_store import account, approved, population, take_in_all

    public, review = make_app("public"), make_app("review", INTAKE_EXPORT_DIR=str(tmp_path / "exports"))
    proposer, approver = account(review, "proposer"), account(review, "approver")
    admin = account(review, "overseer", Role.ADMIN)
    population(public, 120)
    take_in_all(review)
    export_id = approved(review, proposer, approver)
    with review.app_context():
        exports.build(db.session, get_vault(), export_id)
        export = db.session.get(Export, export_id)
        listed = export_access.file_names(export)
        assert len(listed) > 2
        stray = tmp_path / "exports" / str(export_id) / "stray.txt"
        stray.write_text("not part of the release", encoding="utf-8")
        manifest = dict(export.manifest)
        manifest["files"] = {**manifest["files"], "stray.txt": "0" * 64}
        db.session.execute(update(Export).where(Export.id == export_id).values(manifest=manifest))
        db.session.commit()
        db.session.expire_all()
        viewer = db.session.get(User, admin)
        export = db.session.get(Export, export_id)
        assert export_access.file_names(export) == listed
        with pytest.raises(NotFound):
            export_access.export_file(db.session, export_id, "stray.txt", viewer)
        assert export_access.export_file(db.session, export_id, listed[1], viewer).is_file()


def _dedup_two(dedup_apps):  # noqa: ANN001, ANN202
    from tests.unit.test_duplicates import ABLIMIT, ABLIMIT_AGAIN, MARYAM
    from tests.unit.test_triage import make_reviewer, stored

    public, review = dedup_apps
    stored(public, review, ABLIMIT)
    stored(public, review, MARYAM)
    stored(public, review, ABLIMIT_AGAIN)
    return review, make_reviewer(review)


def _put_back(pair_id, row) -> None:  # noqa: ANN001
    from sqlalchemy import update

    from intake.extensions import db
    from intake.models import CandidatePair

    db.session.execute(update(CandidatePair).where(CandidatePair.id == pair_id).values(
        {k: v for k, v in row.items() if k != "id"}))
    db.session.commit()
    db.session.expire_all()


def test_a_rejected_pair_put_back_as_it_was_pending_does_not_come_back_into_the_queue(dedup_apps):
    from sqlalchemy import select

    from intake.extensions import db
    from intake.keyring import get_vault
    from intake.models import CandidatePair, PairStatus
    from intake.services import duplicates
    from intake.services import duplicate_decisions as decisions
    from intake.services.errors import Conflict

    review, reviewer = _dedup_two(dedup_apps)
    with review.app_context():
        s, v = db.session, get_vault()
        [pair] = s.scalars(select(CandidatePair)).all()
        pending = _row(pair)
        decisions.reject(s, v, pair.id, actor=reviewer)
        assert duplicates.queue(s, v).rows == []
        _put_back(pair.id, pending)  # a database writer puts back the row as it was before the rejection
        assert s.get(CandidatePair, pair.id).status == PairStatus.PENDING.value
        assert [r.verified for r in duplicates.queue(s, v).rows] == [False]
        assert duplicates.clusters(s, v) == []
        for decide in (decisions.accept, decisions.reject, decisions.defer):
            with pytest.raises(Conflict, match="verification"):
                decide(s, v, pair.id, actor=reviewer)
        with pytest.raises(Conflict, match="verification"):
            decisions.pair_view(s, v, pair.id, actor=reviewer)


def test_an_accepted_pair_put_back_after_its_undo_is_not_hidden_as_accepted(dedup_apps):
    from sqlalchemy import select

    from intake.extensions import db
    from intake.keyring import get_vault
    from intake.models import CandidatePair, PairStatus, Report
    from intake.services import dedup_jobs, duplicates
    from intake.services import duplicate_decisions as decisions
    from intake.services.errors import Conflict

    review, reviewer = _dedup_two(dedup_apps)
    with review.app_context():
        s, v = db.session, get_vault()
        [pair] = s.scalars(select(CandidatePair)).all()
        decisions.accept(s, v, pair.id, actor=reviewer)
        accepted = _row(s.get(CandidatePair, pair.id))
        decisions.undo_accept(s, v, pair.id, actor=reviewer, reason="two brothers, checked with the family")
        _put_back(pair.id, accepted)  # the true duplicate would leave the queue, shown as decided
        assert s.get(CandidatePair, pair.id).status == PairStatus.ACCEPTED.value
        assert [r.verified for r in duplicates.queue(s, v, status=PairStatus.ACCEPTED.value).rows] == [False]
        with pytest.raises(Conflict, match="verification"):
            decisions.undo_accept(s, v, pair.id, actor=reviewer, reason="again")
        # Take-in does not honour it as decided: the next score puts the pair back in the queue.
        right = s.get(Report, pair.right_id)
        dedup_jobs.score_new_report(s, v, right, dedup_jobs.current_model())
        s.commit()
        s.expire_all()
        [row] = duplicates.queue(s, v).rows
        assert row.id == pair.id and row.verified
