"""Report page: retracting or correcting a note, reply or status event (append-only, audited, the
family sees only the corrected reply); a form posted twice stored once; files listed and served
through audited, metadata-free copies with strict headers."""

from __future__ import annotations

import io
import re

import pikepdf
import pytest
from PIL import Image
from sqlalchemy import func, select, update

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Message, Report, Retraction
from intake.services import attachments, families, messages
from intake.services.corrections import RETRACTION
from intake.crypto.passphrase import PROFILES
from tests.helpers import full_report
from tests.web.review.test_triage_views import audit_entries, audit_head, form_token, load, reviewer  # noqa: F401


def post_form(client, handle: str, path: str, prefix: str, data: dict, page: bytes | None = None):
    page = page if page is not None else client.get(f"/review/reports/{handle}").data
    once = re.search(rf'name="{re.escape(prefix)}-once"[^>]*value="([^"]+)"', page.decode())
    fields = {f"{prefix}-csrf_token": form_token(page, prefix), **data}
    if once:
        fields[f"{prefix}-once"] = once.group(1)
    return client.post(f"/review/reports/{handle}/{path}", data=fields)


def message_id(app, body: str):
    with app.app_context():
        for m in db.session.scalars(select(Message)):
            if m.body == body:
                return m.id
    raise AssertionError("no such message")


def test_a_form_posted_twice_is_stored_once(app, reviewer):
    client, _ = reviewer
    [handle] = load(app, full_report("twice"))
    page = client.get(f"/review/reports/{handle}").data
    first = post_form(client, handle, "notes", "note", {"note-body": "call the cousin"}, page)
    assert first.status_code == 302 and first.headers["Location"].endswith("#notes")
    before = audit_head(app)
    again = post_form(client, handle, "notes", "note", {"note-body": "call the cousin"}, page)  # a reload
    assert again.status_code == 302 and audit_entries(app, before) == []
    assert "already sent" in client.get(f"/review/reports/{handle}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Message.id)).where(Message.kind == "internal_note")) == 1


def test_retract_and_correct_note_reply_and_status_event(app, reviewer):
    client, _ = reviewer
    stored_report = full_report("fix")
    [handle] = load(app, stored_report)
    post_form(client, handle, "notes", "note", {"note-body": "wrong cousin named"})
    post_form(client, handle, "reply", "reply", {"reply-body": "Wrong reply text"})
    post_form(client, handle, "status-events", "event", {"event-kind": "released", "event-event_date": "2024",
                                                         "event-source": "typo"})
    with app.app_context():
        assert db.session.scalar(select(Report.status).where(Report.handle == handle)) == "released"
    note, reply = message_id(app, "wrong cousin named"), message_id(app, "Wrong reply text")

    before = audit_head(app)
    done = post_form(client, handle, f"retract/note/{note}", f"retract-{note}",
                     {f"retract-{note}-correction": "right cousin"})
    assert done.status_code == 302 and done.headers["Location"].endswith("#notes")
    # Said where the page opens (the notes), not with the actions far below on one column.
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    notes = page[page.index('<section id="notes"'):]
    assert re.search(r'<h2 id="notes-h">[^<]*</h2>\s*<p class="notice" role="status">Corrected; the original stays',
                     notes)
    assert page.count("the original stays in the history") == 1
    post_form(client, handle, f"retract/reply/{reply}", f"retract-{reply}",
              {f"retract-{reply}-correction": "Corrected reply text"})
    html = client.get(f"/review/reports/{handle}").get_data(as_text=True)
    event = re.search(rf'/review/reports/{handle}/retract/status_event/([0-9a-f-]+)', html).group(1)
    post_form(client, handle, f"retract/status_event/{event}", f"retract-{event}", {}, html.encode())
    actions = [e[0] for e in audit_entries(app, before) if e[0] != "report.view"]
    assert actions == ["report.retract", "report.retract", "message.reply", "report.retract"]
    assert "cousin" not in repr(audit_entries(app, before)) and "reply text" not in repr(audit_entries(app, before))

    html = client.get(f"/review/reports/{handle}").get_data(as_text=True)
    # The originals stay, marked; the corrections are there.
    assert 'retracted" dir="auto">wrong cousin named' in html and "right cousin" in html
    assert 'retracted" dir="auto">Wrong reply text' in html and "Corrected reply text" in html
    with app.app_context():
        assert db.session.scalar(select(Report.status).where(Report.handle == handle)) == "detained"
        rows = db.session.scalars(select(Retraction)).all()
        assert len(rows) == 3 and {r.object_type for r in rows} == {"note", "reply", "status_event"}
    # Twice is refused (the page offers it no more; a crafted post is refused by the service).
    token = form_token(client.get(f"/review/reports/{handle}").data, "note")
    again = client.post(f"/review/reports/{handle}/retract/note/{note}", data={f"retract-{note}-csrf_token": token})
    assert again.status_code == 422  # the page again, saying why (a refused form keeps what was typed)
    assert "already retracted" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Retraction.id))) == 3


def test_putting_back_the_state_from_before_a_retraction_is_detected(app, reviewer):
    client, _ = reviewer
    [handle] = load(app, full_report("replay"))
    post_form(client, handle, "status-events", "event", {"event-kind": "died", "event-event_date": "2024",
                                                         "event-source": "wrong family"})
    with app.app_context():
        before = db.session.execute(select(Report.status, Report.state_seq, Report.state_mac)
                                    .where(Report.handle == handle)).one()
    html = client.get(f"/review/reports/{handle}").get_data(as_text=True)
    event = re.search(rf'/review/reports/{handle}/retract/status_event/([0-9a-f-]+)', html).group(1)
    post_form(client, handle, f"retract/status_event/{event}", f"retract-{event}", {}, html.encode())
    with app.app_context():
        assert db.session.scalar(select(Report.status).where(Report.handle == handle)) == "detained"
        db.session.execute(update(Report).where(Report.handle == handle).values(  # a replay of the old row
            status=before.status, state_seq=before.state_seq, state_mac=before.state_mac))
        db.session.commit()
    html = client.get(f"/review/reports/{handle}").get_data(as_text=True)
    assert "an older state was put back" in html and "<dd>Died</dd>" not in html


def test_family_sees_only_the_corrected_reply(app, reviewer):
    from tests.helpers import submit
    from intake.services import take_in

    client, _ = reviewer
    stored = submit(app, full_report("fam"))
    with app.app_context():
        take_in.take_in(db.session, get_vault())
    [handle] = stored.report_handles
    post_form(client, handle, "reply", "reply", {"reply-body": "Sent by mistake"})
    reply = message_id(app, "Sent by mistake")
    post_form(client, handle, f"retract/reply/{reply}", f"retract-{reply}",
              {f"retract-{reply}-correction": "The right answer"})
    with app.app_context():
        holder = families.find_by_receipt(db.session, stored.receipt, check=families.ReceiptCheck(
            pepper=bytes.fromhex(app.config["INTAKE_RECEIPT_PEPPER"]), kdf=PROFILES["test"]["receipt"]))
        opened = messages.family_view(db.session, holder.submission, holder.reply_keys())
        assert [text for _, text in opened] == ["The right answer"]


def test_a_retraction_whose_seal_fails_hides_nothing(app, reviewer):
    client, _ = reviewer
    [handle] = load(app, full_report("seal"))
    post_form(client, handle, "notes", "note", {"note-body": "keep me"})
    note = message_id(app, "keep me")
    post_form(client, handle, f"retract/note/{note}", f"retract-{note}", {})
    with app.app_context():
        row = db.session.scalars(select(Retraction)).one()
        row.mac = bytes(len(row.mac))
        db.session.commit()
        assert RETRACTION.mac == "mac"
    html = client.get(f"/review/reports/{handle}").get_data(as_text=True)
    assert "failed verification" in html and 'retracted" dir="auto">keep me' not in html


def _pdf_with_metadata() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 100))
    pdf.docinfo["/Author"] = "SENTINEL-author"
    with pdf.open_metadata() as xmp:
        xmp["dc:creator"] = ["SENTINEL-xmp"]
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 20), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010E] = "SENTINEL-exif"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def with_files(app):
    [handle] = load(app, full_report("files"))
    with app.app_context():
        report = db.session.scalar(select(Report).where(Report.handle == handle))
        uploads = [attachments.inspect_upload("scan.pdf", _pdf_with_metadata()),
                   attachments.inspect_upload("photo.jpg", _jpeg_with_gps()),
                   attachments.inspect_upload("note.txt", "<b>not html</b>".encode()[3:] + b" plain")]
        rows = attachments.add_attachments(db.session, report.submission_id, uploads, report_id=report.id,
                                           own_key=False)
        db.session.commit()
        return handle, [(r.id, u) for r, u in zip(rows, uploads, strict=True)]


def test_files_are_listed_and_served_audited_with_strict_headers(app, reviewer, with_files):
    client, _ = reviewer
    handle, files = with_files
    html = client.get(f"/review/reports/{handle}").get_data(as_text=True)
    for _, upload in files:
        assert upload.sha256 in html and upload.filename in html
    (pdf_id, pdf), (jpg_id, jpg), (txt_id, _) = files
    before = audit_head(app)

    page = client.get(f"/review/attachments/{pdf_id}/view")
    assert page.status_code == 200 and page.headers["Content-Type"] == "image/png"
    assert page.data.startswith(b"\x89PNG") and page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Content-Disposition"].startswith("inline")

    clean = client.get(f"/review/attachments/{pdf_id}/clean")
    assert clean.headers["Content-Disposition"].startswith("attachment") and b"SENTINEL" not in clean.data
    with pikepdf.open(io.BytesIO(clean.data)) as reopened:
        assert len(reopened.pages) == 1 and "/Author" not in reopened.docinfo

    original = client.get(f"/review/attachments/{pdf_id}/original")
    assert original.data == pdf.original and original.headers["Content-Disposition"].startswith("attachment")
    assert original.headers["Content-Type"] == "application/pdf"

    photo = client.get(f"/review/attachments/{jpg_id}/view")
    assert photo.headers["Content-Type"] == "image/jpeg" and b"SENTINEL" not in photo.data
    assert b"SENTINEL-exif" in client.get(f"/review/attachments/{jpg_id}/original").data  # the evidence, unchanged
    text = client.get(f"/review/attachments/{txt_id}/view")
    assert text.headers["Content-Type"].startswith("text/plain")

    actions = [e[0] for e in audit_entries(app, before)]
    assert actions == ["attachment.view", "attachment.clean", "attachment.original", "attachment.view",
                       "attachment.original", "attachment.view"]
    assert client.get(f"/review/attachments/{jpg_id}/clean").status_code == 422  # only a PDF has one
    assert client.get(f"/review/attachments/{jpg_id}/anything").status_code == 422
    assert client.get("/review/attachments/00000000-0000-0000-0000-000000000000/view").status_code == 404


def test_files_are_reviewers_only(app, make_user, sign_in, with_files):
    _, files = with_files
    researcher = make_user("researcher", username="rita")
    client = app.test_client()
    sign_in(client, researcher)
    assert client.get(f"/review/attachments/{files[0][0]}/original").status_code in (403, 404)
    anonymous = app.test_client().get(f"/review/attachments/{files[0][0]}/original")
    assert anonymous.status_code in (302, 401, 403, 404) and b"%PDF" not in anonymous.data


@pytest.mark.parametrize("path", [
    "/review/inbox?older=1.zz", "/review/inbox?newer=" + "9" * 40, "/review/inbox?last=1&older=3.4",
    "/review/inbox?county=%00", "/review/inbox?county=" + "喀" * 500, "/review/inbox?view=everything",
    "/review/inbox?created_from=2020-13-45", "/review/inbox?assignee=not-a-uuid", "/review/inbox?tag=" + "x" * 99,
    "/review/attachments/not-a-uuid/view", "/admin/audit?date_to=31/12/2024", "/admin/audit?action=%00",
])
def test_bad_input_never_answers_500(app, reviewer, make_user, sign_in, path):
    client, _ = reviewer
    if path.startswith("/admin"):
        client = app.test_client()
        sign_in(client, make_user("admin"))
    response = client.get(path)
    assert response.status_code in (200, 400, 404), (path, response.status_code)
    assert b"Traceback" not in response.data


def test_bad_posts_change_nothing(app, reviewer):
    client, _ = reviewer
    [handle] = load(app, full_report("bad"))
    token = form_token(client.get(f"/review/reports/{handle}").data, "note")
    before = audit_head(app)
    for path, data in [
        (f"/review/reports/{handle}/retract/badkind/00000000-0000-0000-0000-000000000000", {}),
        (f"/review/reports/{handle}/retract/note/00000000-0000-0000-0000-000000000000", {}),
        ("/review/reports/R-NOPE/retract/note/00000000-0000-0000-0000-000000000000", {}),
        ("/review/inbox/bulk", {"report": ["R-X"] * 500, "bulk-tag": "x", "bulk-add_tag": "y"}),
        ("/review/inbox/bulk", {"report": [handle], "bulk-tag": "NOT A TAG!", "bulk-add_tag": "y"}),
        ("/review/inbox/bulk", {"report": [handle], "bulk-assignee": "00000000-0000-0000-0000-000000000000",
                                "bulk-assign": "y"}),
    ]:
        prefix = path.rsplit("/", 1)[-1] if "retract" in path else "bulk"
        fields = {"csrf_token": token, f"retract-{prefix}-csrf_token": token, "bulk-csrf_token": token, **data}
        response = client.post(path, data=fields)
        assert response.status_code in (302, 400, 404, 422), (path, response.status_code)
    assert [e[0] for e in audit_entries(app, before) if e[0] not in ("report.view", "inbox.view")] == []
