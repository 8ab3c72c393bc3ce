"""The audit page reads handles instead of UUIDs, and filters by actor, action and date."""

from __future__ import annotations

import re
from datetime import timedelta

from intake.models.base import today
from tests.helpers import full_report
from tests.web.review.test_audit_view import admin_client, seqs
from tests.web.review.test_triage_views import form_token, load


def test_handles_instead_of_uuids_and_filters(app, make_user, sign_in):
    admin_c, admin = admin_client(app, make_user, sign_in)
    reviewer = make_user("reviewer", username="amina")
    client = app.test_client()
    sign_in(client, reviewer)
    [handle] = load(app, full_report("audit"))
    page = client.get(f"/review/reports/{handle}")
    client.post(f"/review/reports/{handle}/tags", data={"tag-csrf_token": form_token(page.data, "tag"),
                                                        "tag-name": "urgent"})
    html = admin_c.get("/admin/audit").get_data(as_text=True)
    assert f'<span title="report">report</span> <span class="handle">{handle}</span>' in html
    assert "tag=tag urgent" in html
    assert "<td>amina</td>" in html and str(reviewer.id) not in html

    mine = admin_c.get("/admin/audit?actor=amina").get_data(as_text=True)
    rows = len(seqs(mine))
    assert rows >= 2 and mine.count("<td>amina</td>") == rows
    assert '<span title="report.tag_add">tag added</span> <code dir="ltr" class="code">report.tag_add</code>' in mine
    only = admin_c.get("/admin/audit?action=report.tag_add").get_data(as_text=True)
    assert len(seqs(only)) == 1 and 'rel' not in re.findall(r'<nav aria-label="Pages">.*?</nav>', only, re.S)[0]
    tomorrow = (today() + timedelta(days=1)).isoformat()
    assert seqs(admin_c.get(f"/admin/audit?date_from={tomorrow}").get_data(as_text=True)) == []
    assert len(seqs(admin_c.get(f"/admin/audit?date_to={today().isoformat()}&actor=amina")
                    .get_data(as_text=True))) == rows
    unknown = admin_c.get("/admin/audit?actor=nobody-here")
    assert unknown.status_code == 200 and "no account has that username" in unknown.get_data(as_text=True)
    assert admin_c.get("/admin/audit?date_from=yesterday").status_code == 200
    assert admin.id is not None
