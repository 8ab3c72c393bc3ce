"""The budget of image pixels the public face decodes a minute: it holds for POSTs with a solved proof
of work too; over it, the report and every original are stored and only the viewing copy waits,
made on the review face on first view, sealed and reused, audited like any view."""

from __future__ import annotations

import hashlib
import io
import struct
import time
import zlib

import pytest
from PIL import Image, ImageFile
from sqlalchemy import select

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Attachment
from intake.public import gate
from intake.services import render_child, take_in
from tests.web.public.pages import (csrf_token, field_value, open_status, post_report, receipt_of, relative,
                                    report_form, text_of)
from tests.web.public.test_gate import TOKEN
from tests.web.review.test_triage_views import audit_entries, audit_head

SIDE = 40  # every test image is SIDE x SIDE: 1,600 pixels
NOWHERE = "redis://127.0.0.1:1/0"


def photo(colour: tuple[int, int, int] = (200, 10, 10)) -> bytes:
    exif = Image.Exif()
    exif[0x010E] = "SENTINEL-exif"
    out = io.BytesIO()
    Image.new("RGB", (SIDE, SIDE), colour).save(out, "JPEG", exif=exif)
    return out.getvalue()


def undecodable_png() -> bytes:
    """A PNG whose chunks and checksums are all in order (it passes `verify()`) but whose pixel data
    is not zlib: only decoding finds out."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", SIDE, SIDE, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"not zlib" * 8) + chunk(b"IEND", b"")


def send_solved(client, files: list[tuple[str, bytes]], testimony: str = "kept"):  # noqa: ANN001, ANN201
    """A report with files and a solved proof of work (exempt from every per-request limit)."""
    data = report_form(client, relative(0, names__0__value="Tursun", testimony=testimony))
    token = TOKEN.search(text_of(client.get("/report"))).group(1)
    data.update(pow_token=token, pow_solution=gate.solve(token),
                attachments=[(io.BytesIO(body), name) for name, body in files])
    return post_report(client, data)


def stored(app) -> dict[str, tuple[Attachment, dict]]:  # noqa: ANN001
    with app.app_context():
        take_in.take_in(db.session, get_vault())
        rows = db.session.scalars(select(Attachment)).all()
        return {row.meta["filename"]: (row.id, row.meta, row.content, row.viewing_copy) for row in rows}


@pytest.fixture
def reviewer(app, make_user, sign_in):  # noqa: ANN001, ANN201
    client = app.test_client()
    sign_in(client, make_user("reviewer", username="amina"))
    return client, None


@pytest.fixture
def budget_app(app):  # noqa: ANN001, ANN201
    """Room for two test images a minute."""
    app.config["INTAKE_IMAGE_PIXELS_PER_MINUTE"] = 2 * SIDE * SIDE
    return app


def test_over_budget_the_report_and_originals_are_kept_and_only_the_viewing_copy_waits(budget_app):
    files = [(f"{n}.jpg", photo((n * 60, 10, 10))) for n in range(3)] + [("letter.txt", "خەت".encode())]
    response = send_solved(budget_app.test_client(), files)
    assert response.status_code == 200, text_of(response)
    receipt_of(text_of(response))  # no error, nothing to send again
    rows = stored(budget_app)
    assert sorted(rows) == ["0.jpg", "1.jpg", "2.jpg", "letter.txt"]
    for name, body in files:
        _, meta, content, _ = rows[name]
        assert content == body and meta["sha256"] == hashlib.sha256(body).hexdigest()
    assert [rows[f"{n}.jpg"][3] is not None for n in range(3)] == [True, True, False]
    assert [rows[f"{n}.jpg"][1].get("viewing_copy") for n in range(3)] == [None, None, "deferred"]


def test_the_public_face_decodes_no_image_over_budget(budget_app, monkeypatch):
    client = budget_app.test_client()
    assert send_solved(client, [("a.jpg", photo()), ("b.jpg", photo())]).status_code == 200  # the budget, spent
    decoded = []
    real_load = ImageFile.ImageFile.load

    def counting_load(image):  # noqa: ANN001, ANN202
        decoded.append(image.size)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting_load)
    response = send_solved(client, [("c.jpg", photo()), ("d.png", _png())])
    assert response.status_code == 200, text_of(response)
    assert decoded == []
    assert all(rows[3] is None for name, rows in stored(budget_app).items() if name in ("c.jpg", "d.png"))


def test_the_budget_refills_after_the_minute(budget_app, monkeypatch):
    client = budget_app.test_client()
    assert send_solved(client, [("a.jpg", photo()), ("b.jpg", photo()), ("c.jpg", photo())]).status_code == 200
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 61)  # the limits' store reads this clock
    assert send_solved(client, [("d.jpg", photo())]).status_code == 200
    rows = stored(budget_app)
    assert rows["c.jpg"][3] is None and rows["d.jpg"][3] is not None


def test_a_deferred_copy_is_made_on_first_view_sealed_kept_and_audited(budget_app, reviewer, monkeypatch):
    client, _ = reviewer
    budget_app.config["INTAKE_IMAGE_PIXELS_PER_MINUTE"] = 0  # every image waits
    original = photo()
    assert send_solved(budget_app.test_client(), [("photo.jpg", original)]).status_code == 200
    [(attachment_id, _, _, copy)] = stored(budget_app).values()
    assert copy is None
    before = audit_head(budget_app)
    first = client.get(f"/review/attachments/{attachment_id}/view")
    assert first.status_code == 200 and first.headers["Content-Type"] == "image/jpeg"
    assert b"SENTINEL" not in first.data and Image.open(io.BytesIO(first.data)).size == (SIDE, SIDE)
    [(_, _, _, kept)] = stored(budget_app).values()
    assert kept == first.data  # sealed, so later views reuse it

    def no_child(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the copy was made again")

    monkeypatch.setattr(render_child, "run", no_child)
    assert client.get(f"/review/attachments/{attachment_id}/view").data == first.data
    assert client.get(f"/review/attachments/{attachment_id}/original").data == original
    assert [e[0] for e in audit_entries(budget_app, before)] == ["attachment.view", "attachment.view",
                                                                 "attachment.original"]


def test_a_follow_up_photo_under_its_own_key_gets_its_deferred_copy_too(budget_app, reviewer):
    client, _ = reviewer
    budget_app.config["INTAKE_IMAGE_PIXELS_PER_MINUTE"] = 0
    family = budget_app.test_client()
    receipt = receipt_of(text_of(send_solved(family, [])))
    page = text_of(open_status(family, receipt))
    news = family.post("/status/news", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(page), "receipt": receipt.replace(" ", ""), "action": "send",
        "news": "a photo arrived", "attachments": [(io.BytesIO(photo()), "later.jpg")]})
    assert news.status_code == 200, text_of(news)
    [(attachment_id, meta, _, copy)] = stored(budget_app).values()
    assert copy is None and meta["viewing_copy"] == "deferred"
    view = client.get(f"/review/attachments/{attachment_id}/view")
    assert view.status_code == 200 and view.data.startswith(b"\xff\xd8")
    with budget_app.app_context():
        row = db.session.get(Attachment, attachment_id)
        assert row.own_key and row.viewing_copy == view.data


@pytest.mark.parametrize("case", ["undecodable", "over the review face's pixel limit"])
def test_a_deferred_image_that_cannot_be_decoded_gives_a_clear_message(budget_app, reviewer, case):
    client, _ = reviewer
    budget_app.config["INTAKE_IMAGE_PIXELS_PER_MINUTE"] = 0
    body = undecodable_png() if case == "undecodable" else photo()
    assert send_solved(budget_app.test_client(), [("p", body)]).status_code == 200
    if case != "undecodable":
        budget_app.config["INTAKE_MAX_IMAGE_PIXELS"] = SIDE * SIDE - 1
    [(attachment_id, _, _, _)] = stored(budget_app).values()
    before = audit_head(budget_app)
    page = client.get(f"/review/attachments/{attachment_id}/view")
    assert page.status_code == 422 and "download the original" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    assert client.get(f"/review/attachments/{attachment_id}/original").data == body
    assert [e[0] for e in audit_entries(budget_app, before)] == ["attachment.original"]
    [(_, _, _, copy)] = stored(budget_app).values()
    assert copy is None  # nothing half-made is kept


def test_the_budget_store_down_answers_503_and_keeps_the_text(make_app):
    app = make_app("public", RATELIMIT_STORAGE_URI=NOWHERE)  # the proof-of-work tokens stay in memory
    response = send_solved(app.test_client(), [("a.jpg", photo())], testimony="ئۇ 2017-يىلى تۇتۇلدى.")
    page = text_of(response)
    assert response.status_code == 503 and "NOT saved" in page and "Traceback" not in page
    assert field_value(page, "relatives-0-testimony") == "ئۇ 2017-يىلى تۇتۇلدى."


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (SIDE, SIDE), (10, 10, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.redis
def test_the_budget_is_kept_in_the_limits_store_shared_by_every_worker(make_app, redis_client):
    from tests.conftest import REDIS_URL

    review = make_app("review")
    app = make_app("public", INTAKE_REDIS_URL=REDIS_URL, INTAKE_IMAGE_PIXELS_PER_MINUTE=SIDE * SIDE)
    client = app.test_client()
    assert send_solved(client, [("a.jpg", photo())]).status_code == 200
    [key] = [k for k in redis_client.scan_iter("LIMITS:*") if b"image-pixels" in k]
    assert int(redis_client.get(key)) == SIDE * SIDE  # the header's pixels, before decoding
    redis_client.set(key, 0, keepttl=True)  # another worker's view: the counter is all there is
    assert send_solved(client, [("b.jpg", photo()), ("c.jpg", photo())]).status_code == 200
    assert int(redis_client.get(key)) == 2 * SIDE * SIDE
    rows = stored(review)
    assert [rows[name][3] is not None for name in ("a.jpg", "b.jpg", "c.jpg")] == [True, True, False]
