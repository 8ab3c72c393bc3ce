"""A refused bulk action draws the inbox again (422): the same filters and page, the rows still
ticked, what was typed kept, the reason next to the field or in the form's bar, where the page opens
(the form posts to its bar's fragment). Nothing is changed."""

from __future__ import annotations

import re

import pytest

from tests.helpers import full_report
from tests.web.review.test_triage_views import audit_entries, audit_head, form_token, load, reviewer, rows_of  # noqa: F401


def ticked(html: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="report" value="(R-[^"]+)"[^>]*\bchecked\b', html)


def bulk_form(client, path: str) -> dict[str, str]:  # noqa: ANN001
    page = client.get(path).get_data(as_text=True)
    return {"bulk-csrf_token": form_token(page.encode(), "bulk"), "next": path}


@pytest.fixture
def second_page(app, reviewer):  # noqa: F811
    """The inbox filtered by verification, on its second (older) page: a keyset cursor in the URL."""
    client, _ = reviewer
    handles = load(app, *[full_report(str(i)) for i in range(27)])  # a page of 25, then 2
    first = client.get("/review/inbox?verification=reported").get_data(as_text=True)
    older = re.search(r'href="([^"]*older=[^"]*)" rel="next"', first).group(1).replace("&amp;", "&")
    on_page = rows_of(client.get(older).get_data(as_text=True))
    assert len(on_page) == 2 and set(on_page) <= set(handles)
    return client, older, on_page


def test_an_unknown_tag_draws_the_same_page_again_with_the_rows_ticked(app, second_page):
    client, older, on_page = second_page
    before = audit_head(app)
    response = client.post("/review/inbox/bulk", data={**bulk_form(client, older), "report": on_page[:1],
                                                       "bulk-tag": "Not A Tag!", "bulk-add_tag": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert rows_of(html) == on_page  # the same page of the same filter
    assert ticked(html) == on_page[:1]  # what was ticked, and only that
    assert re.search(r'name="bulk-tag"[^>]*value="Not A Tag!"[^>]*> <span class="error">[^<]*lower-case', html)
    assert f'name="next" value="{older.replace("&", "&amp;")}"' in html  # still goes back to this page
    assert re.search(r'<select[^>]*name="verification".*?<option selected value="reported"', html, re.S)
    assert [e[0] for e in audit_entries(app, before) if e[0] != "inbox.view"] == []  # nothing changed


def language_links(html: str) -> dict[str, str]:
    """The language switch's links, by the language code each one sets (`lang=`)."""
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'<a href="([^"]*)" lang="[^"]*" hreflang=', html)]
    return {h.rpartition("lang=")[2]: h for h in hrefs}


def test_the_refused_pages_language_links_lead_to_the_same_inbox_page(app, second_page):
    """Not to the workspace's front page: the filter and the page go on, in the other language."""
    client, older, on_page = second_page
    response = client.post("/review/inbox/bulk", data={**bulk_form(client, older), "report": on_page[:1],
                                                       "bulk-tag": "Not A Tag!", "bulk-add_tag": "y"})
    links = language_links(response.get_data(as_text=True))
    assert response.status_code == 422 and links["ug"] == f"{older}&lang=ug"
    assert rows_of(client.get(links["ug"]).get_data(as_text=True)) == on_page


def test_an_assignee_who_is_not_a_reviewer_is_refused_beside_the_field(app, second_page, make_user):
    client, older, on_page = second_page
    researcher = make_user("researcher", username="rahile")
    before = audit_head(app)
    response = client.post("/review/inbox/bulk", data={**bulk_form(client, older), "report": on_page,
                                                       "bulk-assignee": str(researcher.id), "bulk-assign": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and ticked(html) == on_page
    assert re.search(r'name="bulk-assignee".*?</select> <span class="error">', html, re.S)
    assert [e[0] for e in audit_entries(app, before) if e[0] != "inbox.view"] == []


def test_no_row_selected_says_so_beside_the_selection_and_keeps_the_tag(app, second_page):
    client, older, on_page = second_page
    response = client.post("/review/inbox/bulk", data={**bulk_form(client, older), "bulk-tag": "urgent",
                                                       "bulk-add_tag": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and rows_of(html) == on_page and ticked(html) == []
    assert re.search(r'<fieldset class="bulk-bar"[^>]*>\s*<legend>[^<]*</legend>\s*<p class="error" id="bulk-refusal"'
                     r'[^>]*>[^<]*select at least one report', html)
    assert re.search(r'name="bulk-tag"[^>]*value="urgent"', html)


def test_a_stale_csrf_token_draws_the_page_again_with_a_fresh_one(app, second_page, make_user, sign_in):
    """A token of an earlier session (the reviewer signed in again since the page was drawn): the app
    signed it, but it is not this session's."""
    client, older, on_page = second_page
    form = bulk_form(client, older)
    earlier = app.test_client()
    sign_in(earlier, make_user("reviewer", username="gulnar"))
    stale = form_token(earlier.get("/review/inbox").data, "bulk")
    before = audit_head(app)
    response = client.post("/review/inbox/bulk", data={**form, "bulk-csrf_token": stale,
                                                       "report": on_page, "bulk-tag": "urgent", "bulk-add_tag": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and ticked(html) == on_page
    assert "nothing was changed" in html and re.search(r'name="bulk-tag"[^>]*value="urgent"', html)
    fresh = form_token(html.encode(), "bulk")
    assert fresh != stale
    assert [e[0] for e in audit_entries(app, before) if e[0] != "inbox.view"] == []
    again = client.post("/review/inbox/bulk", data={**form, "bulk-csrf_token": fresh, "report": on_page,
                                                    "bulk-tag": "urgent", "bulk-add_tag": "y"})
    assert again.status_code == 302 and again.headers["Location"] == f"{older}#main"  # the page's token works
    assert [e[0] for e in audit_entries(app, before) if e[0] != "inbox.view"] == ["report.tag_add"] * 2


def test_a_forged_post_without_any_token_is_still_a_bad_request(app, second_page):
    client, older, on_page = second_page
    form = bulk_form(client, older)
    before = audit_head(app)
    for token in ({}, {"bulk-csrf_token": "forged"}, {"bulk-csrf_token": form["bulk-csrf_token"] + "x"}):
        response = client.post("/review/inbox/bulk", data={**token, "report": on_page, "bulk-tag": "x",
                                                           "bulk-add_tag": "y"})
        assert response.status_code == 400, token
    assert audit_entries(app, before) == []


def bulk_action(html: str) -> str:
    return re.search(r'<form method="post" action="([^"]*)" id="bulk">', html).group(1)


def test_a_refused_bulk_action_opens_at_the_forms_bar_with_the_reason_and_the_rows_ticked(
        app, second_page, make_user, sign_in):
    """The form posts to its bar's fragment: a browser opens the redrawn page there (and focuses the
    bar, which takes focus), not at the top, with why in the bar and the rows still ticked."""
    client, older, on_page = second_page
    assert bulk_action(client.get(older).get_data(as_text=True)) == "/review/inbox/bulk#bulk-actions"
    form = bulk_form(client, older)
    earlier = app.test_client()
    sign_in(earlier, make_user("reviewer", username="gulnar"))
    stale = form_token(earlier.get("/review/inbox").data, "bulk")  # signed by the app, not this session's
    for sent, ticks in (({"bulk-csrf_token": stale, "bulk-tag": "urgent"}, on_page),  # the form expired
                        ({"bulk-tag": "urgent"}, [])):  # no row ticked
        refused = client.post("/review/inbox/bulk", data={**form, **sent, "report": ticks, "bulk-add_tag": "y"})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422 and ticked(html) == ticks
        assert bulk_action(html) == "/review/inbox/bulk#bulk-actions"  # sent again, it opens there again
        bar = re.search(r'<fieldset class="bulk-bar" id="bulk-actions" tabindex="-1" aria-describedby="bulk-refusal">'
                        r'\s*<legend>[^<]*</legend>\s*<p class="error" id="bulk-refusal" role="alert">([^<]+)</p>',
                        html)
        assert bar, "the bar is not the fragment's target, cannot take focus, or does not say why"
        assert "nothing was changed" in bar.group(1) or "select at least one report" in bar.group(1), bar.group(1)
        assert html.count(bar.group(1)) == 1  # said once, where the page opens
    # Done, the reviewer goes back to the top of the page, where the confirmation is.
    done = client.post("/review/inbox/bulk", data={**form, "report": on_page[:1], "bulk-tag": "urgent",
                                                   "bulk-add_tag": "y"})
    assert done.status_code == 302 and done.headers["Location"] == f"{older}#main"
