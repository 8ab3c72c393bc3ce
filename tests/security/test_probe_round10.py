"""What the tenth outside probe found, each through the interface it was found on (the web client; for
the export, a database writer and the build).

- The report form's one-time value (`once`, from which the receipt of a form sent twice is drawn
  again, test_probe_round9) was taken from any POST that carried one of the right shape, for ever
  and from any browser. Whoever held a family's sent form (its body: a browser's session history
  or restored tabs on a shared computer, a proxy or tool that logs request bodies) could post it
  again at any later time, from another browser without the family's cookie: the expired-page
  answer drew the form back with the family's value and a fresh token, one more send answered
  "already stored" with the family's receipt. The receipt opens the reviewers' replies, the names
  the family typed, news in their name and the withdrawal that destroys the testimony; before the
  ninth probe's change such a replay stored a copy under a receipt of its own and gave nothing of
  the family's. The value is now issued by the public face with the time it was drawn and bound to
  the visitor's session (an HMAC under a key derived from INTAKE_SECRET_KEY): it draws the same
  receipt again only in the browser session that got the page, while the page's CSRF token lives
  (WTF_CSRF_TIME_LIMIT) and an hour beyond; any other is replaced by a fresh one.
- The report form sent again after its files could not be stored (the answer says so, and a
  family reloads it to try again, or a double click's second answer is the one shown) answered with
  the same receipt and no word about the files: the page looked as if all had been stored, and the
  photos were lost without the family knowing. The answer now says again that the files were not
  saved while the stored testimony holds fewer files than the form sent.
- An export's privacy model (k, l, suppression, risk) lies in a column no seal covers
  (`exports.parameters`), and the build read it from there: a database writer who set k = 1 and
  l = 1 on an approved export had it released with classes of two persons, every class of one
  status (average risk 0.5), and the manifest, the verifier and the review page said k = 1 as if it
  had been chosen. The build now refuses a model weaker than the floor every proposal is held to
  (k 5, l 2, 5 % suppression, 3 % average risk), or one it cannot read, and builds nothing. The
  floor alone still let a writer lower a stricter approved model (k 10) down to it (k 5): the model
  is now sealed with the export's state (domain export-state-3), so any change to it fails
  verification as a changed status does, and the export is neither built nor offered.
- werkzeug refuses a multipart body of more than MAX_FORM_PARTS (1,000) parts, but splits a
  urlencoded body into every pair it holds, in Python, before the CSRF check: 8 MiB of empty
  fields (`a=&a=&...`, 2.8 million) to `/status` without a cookie cost 1.6 s of CPU, forty times
  one field of 8 MiB. A urlencoded body of more fields than that is now a 413, counted on its
  bytes before anything is split (0.03 s), on both faces.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.web.public.conftest import GENEROUS
from tests.web.public.pages import csrf_token, post_report, receipt_of, relative, report_form, text_of


def _once(page: str) -> dict[str, str]:
    field = re.search(r'<input[^>]*\bname="once"[^>]*>', page)
    assert field, "the form page carries a one-time value"
    return {"once": re.search(r'\bvalue="([^"]*)"', field.group(0)).group(1)}


def _family_sends(client):  # noqa: ANN001, ANN202
    """A family's report: the body their browser sent, and the receipt they were shown."""
    page = text_of(client.get("/report"))
    body = report_form(client, relative(0, names__0__value="ئابدۇرېھىم", testimony="Taken in 2017."),
                       contact="signal +90 555", consent_contact="y", **_once(page))
    sent = post_report(client, dict(body))
    assert sent.status_code == 200
    return body, receipt_of(text_of(sent))


def _replayed(client, body):  # noqa: ANN001, ANN202
    """The captured body posted again as a browser would: the expired-page answer, then its send."""
    expired = text_of(post_report(client, dict(body)))
    again = {**body, "csrf_token": csrf_token(expired)}
    again.update(_once(expired))  # what the page drawn back carries
    return text_of(post_report(client, again))


def test_a_captured_report_form_does_not_give_its_receipt_to_another_browser(make_app):
    app = make_app("public", **GENEROUS)
    body, receipt = _family_sends(app.test_client())
    page = _replayed(app.test_client(), body)  # another browser, without the family's cookie
    assert receipt_of(page) != receipt  # a copy under a receipt of its own, as any new form


def test_a_report_form_replayed_hours_later_does_not_give_its_receipt(make_app, monkeypatch):
    app = make_app("public", **GENEROUS)
    family = app.test_client()
    body, receipt = _family_sends(family)
    # The same browser, hours after (a shared computer's next user, the tab's history kept).
    later = time.time() + app.config["WTF_CSRF_TIME_LIMIT"] + 2 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert receipt_of(_replayed(family, body)) != receipt


def test_the_same_page_sent_twice_still_shows_one_receipt(make_app):
    """What the ninth probe fixed stays fixed: a double click, a reload of the answer."""
    app = make_app("public", **GENEROUS)
    client = app.test_client()
    body, receipt = _family_sends(client)
    assert receipt_of(text_of(post_report(client, dict(body)))) == receipt


def test_a_privacy_model_weakened_in_the_database_after_approval_is_not_built(make_app, tmp_path):
    from sqlalchemy import update

    from intake.extensions import db
    from intake.keyring import get_vault
    from intake.models import Export, ExportStatus
    from intake.services import exports
    from intake.services.errors import Conflict
    from tests.unit.test_exports_store import account, approved, population, take_in_all

    public, review = make_app("public"), make_app("review", INTAKE_EXPORT_DIR=str(tmp_path / "exports"))
    proposer, approver = account(review, "proposer"), account(review, "approver")
    population(public, 60)
    take_in_all(review)
    export_id = approved(review, proposer, approver)
    with review.app_context():
        db.session.execute(update(Export).where(Export.id == export_id).values(
            parameters={"k": 1, "l": 1, "max_suppression": 1.0, "max_average_risk": 1.0}))
        db.session.commit()
        with pytest.raises(Conflict):
            exports.build(db.session, get_vault(), export_id)
        db.session.rollback()
        export = db.session.get(Export, export_id)
        assert export.status == ExportStatus.APPROVED.value and export.measured_k is None
    assert not (tmp_path / "exports" / str(export_id)).exists()


def test_a_stricter_model_lowered_in_the_database_to_one_above_the_floor_is_not_built(make_app, tmp_path):
    """The floor alone let a database writer lower an approved k 10 to k 5 between approval and
    build. The model is now sealed with the export's state: the build refuses, nothing is released."""
    from sqlalchemy import select, update

    from intake.disclosure import Policy
    from intake.extensions import db
    from intake.keyring import get_vault
    from intake.models import AuditEvent, Export, ExportStatus
    from intake.services import export_states, exports
    from intake.services.errors import Conflict
    from tests.unit.test_exports_store import account, population, proposed, take_in_all

    public, review = make_app("public"), make_app("review", INTAKE_EXPORT_DIR=str(tmp_path / "exports"))
    proposer, approver = account(review, "proposer"), account(review, "approver")
    population(public, 120)  # enough for a release at k 5
    take_in_all(review)
    export_id = proposed(review, proposer, policy=Policy(k=10, l=3))
    with review.app_context():
        exports.approve(db.session, get_vault(), export_id, actor=approver)
        stricter = dict(db.session.get(Export, export_id).parameters)
        assert stricter["k"] == 10 and stricter["l"] == 3
        lowered = {**stricter, "k": 5, "l": 2}  # still above the floor: policy_of alone accepts it
        assert exports.within_floor(Policy(**lowered))
        db.session.execute(update(Export).where(Export.id == export_id).values(parameters=lowered))
        db.session.commit()
        assert not export_states.verified(get_vault(), db.session.get(Export, export_id))
        with pytest.raises(Conflict, match="failed verification"):
            exports.build(db.session, get_vault(), export_id)
        db.session.rollback()
        export = db.session.get(Export, export_id)
        assert export.status == ExportStatus.APPROVED.value and export.measured_k is None
        assert export.manifest is None and export.state_seq == 2  # proposed, approved: nothing since
        assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
            ["export.built", "export.failed"]))).all()
        db.session.execute(update(Export).where(Export.id == export_id).values(parameters=stricter))
        db.session.commit()
        assert export_states.verified(get_vault(), db.session.get(Export, export_id))  # the approved model, as sealed
    assert not (tmp_path / "exports" / str(export_id)).exists()


def test_a_form_sent_again_after_its_files_were_lost_says_so_again(make_app, monkeypatch):
    import io

    from intake.services import attachments
    from tests.web.public.test_submission import png_bytes

    real, calls = attachments.add_attachments, []

    def failing_once(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(attachments, "add_attachments", failing_once)
    app = make_app("public", **GENEROUS)
    client = app.test_client()
    page = text_of(client.get("/report"))
    body = report_form(client, relative(0, names__0__value="Tursun"), **_once(page))
    first = text_of(post_report(client, {**body, "attachments": [(io.BytesIO(png_bytes()), "photo.png")]}))
    assert "files could not be saved" in first
    again = text_of(post_report(client, {**body, "attachments": [(io.BytesIO(png_bytes()), "photo.png")]}))
    assert receipt_of(again) == receipt_of(first)
    assert "files could not be saved" in again


def test_a_reload_just_after_the_page_expired_still_shows_the_same_receipt(make_app, monkeypatch):
    """Sent just before the page's token expired, reloaded just after: the expired-page answer draws
    the form back with its value, and sending it shows the receipt already given, stores nothing."""
    app = make_app("public", **GENEROUS)
    family = app.test_client()
    body, receipt = _family_sends(family)
    later = time.time() + app.config["WTF_CSRF_TIME_LIMIT"] + 600
    monkeypatch.setattr(time, "time", lambda: later)
    assert receipt_of(_replayed(family, body)) == receipt


def test_a_urlencoded_body_of_millions_of_empty_fields_is_refused_before_it_is_split(make_app):
    """werkzeug refuses a multipart body of more than MAX_FORM_PARTS parts, but splits a urlencoded
    one into every pair, in Python, before the CSRF check: 8 MiB of `a=&` (2.8 million empty fields)
    to `/status` without a cookie cost 1.6 s of CPU, forty times as much as one field of 8 MiB."""
    import werkzeug.formparser

    app = make_app("public")
    parts = app.config["MAX_FORM_PARTS"]
    split = []
    real = werkzeug.formparser.parse_qsl

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        found = real(*args, **kwargs)
        split.append(len(found))
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(werkzeug.formparser, "parse_qsl", counting)
        client = app.test_client()
        body = b"a=&" * (2 * 1024 * 1024)  # 6 MiB, under the cap of one field
        response = client.post("/status", data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 413 and not split
        # A form of the usual size is read as before (its expired-page answer, without a cookie).
        usual = b"&".join(b"f%d=x" % i for i in range(parts - 2))
        assert client.post("/status", data=usual, content_type="application/x-www-form-urlencoded").status_code == 400
        assert split == [parts - 2]
    review = make_app("review")
    assert review.test_client().post("/review/sign-in", data=b"a=&" * 100_000,
                                     content_type="application/x-www-form-urlencoded").status_code == 413
