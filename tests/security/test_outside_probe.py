"""What an outside probe of the running service found, each through the web client as it was found.

- A line break in the `next` field of the inbox's bulk form went into the Location header: werkzeug
  refused the header, the reviewer got a 500 (after the change had been stored).
- Routing redirects (a doubled slash, a missing trailing slash) were absolute URLs built from the
  request's Host header and the scheme of the last hop (plain http behind the TLS proxy).
- Files a family attached to the report form itself were stored but never shown to reviewers: the
  report page listed, and the attachment route served, only files tied to one person.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from intake.extensions import db
from intake.keyring import get_vault
from intake.services import take_in
from tests.helpers import full_report, submit
from tests.web.public.pages import post_report, relative, report_form
from tests.web_fixtures import audit_head, audit_since

GENEROUS = {"INTAKE_SUBMIT_RATE_LIMIT": "1000/minute", "INTAKE_RESHOW_RATE_LIMIT": "1000/minute",
            "INTAKE_NOSCRIPT_CEILING": "1000/minute"}


@pytest.fixture
def app(make_app):  # noqa: ANN001
    return make_app("both", **GENEROUS)


@pytest.fixture
def reviewer(app, make_user, sign_in):  # noqa: ANN001
    client = app.test_client()
    sign_in(client, make_user("reviewer"))
    return client


def _bulk_form(client) -> dict[str, str]:  # noqa: ANN001
    page = client.get("/review/inbox").get_data(as_text=True)
    fields = dict(re.findall(r'name="(bulk-(?:csrf_token|once))" type="hidden" value="([^"]+)"', page))
    assert "bulk-csrf_token" in fields, "no bulk form on the inbox page"
    return fields


@pytest.mark.parametrize("target", ["/review/inbox\r\nSet-Cookie: planted=1", "/review/inbox?view=mine\n",
                                    "/review/inbox\x0bx", "/review/inbox\x7f"])
def test_a_control_character_in_the_return_address_goes_back_to_the_inbox(app, reviewer, target):
    [handle] = submit(app, full_report("ctl")).report_handles
    with app.app_context():
        take_in.take_in(db.session, get_vault())
    form = _bulk_form(reviewer)
    before = audit_head(app)
    answer = reviewer.post("/review/inbox/bulk", data={**form, "report": [handle],
                                                       "bulk-tag": "urgent", "bulk-add_tag": "y", "next": target})
    assert answer.status_code == 302 and answer.headers["Location"] == "/review/inbox#main"
    assert "planted" not in answer.headers.get("Set-Cookie", "")
    assert [e["action"] for e in audit_since(app, before)] == ["report.tag_add"]  # the change was made once


@pytest.mark.parametrize(("path", "where"), [
    ("/review//sign-in", "/review/sign-in"), ("/research", "/research/"), ("/admin", "/admin/"),
    ("/review//inbox?view=mine", "/review/inbox?view=mine")])
def test_routing_redirects_stay_on_this_site_whatever_the_host_header(app, path, where):
    answer = app.test_client().get(path, headers={"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"})
    assert answer.status_code == 308
    assert answer.headers["Location"] == where
    assert answer.headers["Cache-Control"] == "no-store"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 10)).save(out, "PNG")
    return out.getvalue()


def test_files_sent_with_the_report_form_reach_the_reviewer(app, reviewer):
    family = app.test_client()
    data = report_form(family, relative(0, names__0__value="Tursun", testimony="see the photo"),
                       relative(1, names__0__value="Aygul", testimony="her sister"))
    data["attachments"] = [(io.BytesIO(_png()), "photo.png"), (io.BytesIO("خەت".encode()), "letter.txt")]
    assert post_report(family, data).status_code == 200
    with app.app_context():
        take_in.take_in(db.session, get_vault())
    inbox = reviewer.get("/review/inbox").get_data(as_text=True)
    handles = re.findall(r'class="handle" href="/review/reports/(R-[^"?]+)', inbox)
    assert len(handles) == 2
    assert inbox.count('<td><bdi dir="ltr">2</bdi></td></tr>') == 2  # the Files column of both rows
    for handle in handles:  # the files are about the whole submission: shown with each of its people
        page = reviewer.get(f"/review/reports/{handle}").get_data(as_text=True)
        assert "photo.png" in page and "letter.txt" in page
        links = sorted(set(re.findall(r'/review/attachments/([0-9a-f-]{36})/view', page)))
        assert len(links) == 2
    before = audit_head(app)
    served = [reviewer.get(f"/review/attachments/{link}/view") for link in links]
    assert [s.status_code for s in served] == [200, 200]
    assert sorted(s.headers["Content-Type"].split(";")[0] for s in served) == ["image/jpeg", "text/plain"]
    assert [e["action"] for e in audit_since(app, before)] == ["attachment.view", "attachment.view"]
