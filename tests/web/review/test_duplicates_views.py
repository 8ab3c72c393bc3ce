"""The duplicates queue through the web, JavaScript off: plain forms with CSRF tokens read from the
pages. The queue decrypts nothing and records nothing; the pair page decrypts two reports and
records three entries; every decision is one `duplicates.*` entry per pair plus the persons entry."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.models import CandidatePair, PairStatus, Report
from tests.dedup_support import model_file, person  # noqa: F401 - fixture
from tests.web.review.test_triage_views import audit_entries, audit_head, form_token, load

ABLIMIT = person("Ablimit Tursun", tag="a")
ABLIMIT_AGAIN = person("Ablimit Tursun", birth="1981-03", tag="b")
ABLIMIT_YEAR = person("Ablimit Tursun", birth="1981", county=None, tag="c")
MARYAM = person("Maryam Qadir", birth="1990", county="650102", gender="female", tag="d")


@pytest.fixture
def app(make_app, model_file):  # noqa: F811 - this module's app scores with the test model
    return make_app("both", INTAKE_DEDUP_MODEL=str(model_file))


@pytest.fixture
def reviewer(app, make_user, sign_in):
    client = app.test_client()
    sign_in(client, make_user("reviewer"))
    return client


def pair_ids(app) -> dict:
    with app.app_context():
        return {p.id: p.status for p in db.session.scalars(select(CandidatePair))}


def post(client, page_url: str, action_url: str, prefix: str, **data):
    app = client.application
    page = client.get(page_url)
    assert page.status_code == 200
    before = audit_head(app)
    response = client.post(action_url, data={f"{prefix}-csrf_token": form_token(page.data, prefix),
                                             **{f"{prefix}-{k}": v for k, v in data.items()}})
    return response, [e[0] for e in audit_entries(app, before)]


def test_queue_pair_page_accept_and_undo_through_the_pages(app, reviewer):
    a, m, b = load(app, ABLIMIT, MARYAM, ABLIMIT_AGAIN)
    [pair_id] = pair_ids(app)
    before = audit_head(app)
    queue = reviewer.get("/review/duplicates")
    html = queue.get_data(as_text=True)
    assert queue.status_code == 200 and a in html and b in html and m not in html
    assert "SENTINEL" not in html and "Ablimit" not in html and audit_entries(app, before) == []
    assert 'href="/review/duplicates"' in html  # the nav link

    url = f"/review/duplicates/{pair_id}"
    page = reviewer.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ablimit Tursun" in html and "same month" in html
    assert "<svg" in html and "<script" not in html.split("<main", 1)[-1]
    assert [e[0] for e in audit_entries(app, before)] == ["duplicates.view", "report.view", "report.view"]

    response, actions = post(reviewer, url, f"{url}/accept", "accept", reason="same ID card photo")
    # On to the queue, which links back to the pair just decided (to check it, or undo the merge).
    assert response.status_code == 302 and response.location.endswith(f"/review/duplicates?decided={pair_id}#pairs")
    queue = reviewer.get(response.location).get_data(as_text=True)
    assert f'<a href="/review/duplicates/{pair_id}">Open the pair you just decided</a>' in queue
    assert actions == ["duplicates.accept", "person.join"]
    with app.app_context():
        people = set(db.session.scalars(select(Report.person_id).where(Report.handle.in_([a, b]))))
    assert len(people) == 1 and None not in people

    response, actions = post(reviewer, url, f"{url}/undo", "undo", reason="two cousins")
    assert response.status_code == 302 and actions == ["duplicates.undo", "person.undo"]
    assert pair_ids(app) == {pair_id: PairStatus.PENDING.value}


def test_a_rejection_made_by_mistake_is_put_back_through_the_pages(app, reviewer):
    load(app, ABLIMIT, ABLIMIT_AGAIN)
    [pair_id] = pair_ids(app)
    url = f"/review/duplicates/{pair_id}"
    assert "Put back in the queue" not in reviewer.get(url).get_data(as_text=True)  # pending: nothing to undo
    response, actions = post(reviewer, url, f"{url}/reject", "reject")
    assert response.status_code == 302 and actions == ["duplicates.reject"]
    html = reviewer.get(url).get_data(as_text=True)
    assert "Rejected by mistake?" in html and "Put back in the queue" in html and "Accept: same person" not in html

    response, actions = post(reviewer, url, f"{url}/reopen", "reopen")
    # Back to the pair's decision panel, the confirmation in it, beside the decision now open again.
    assert response.status_code == 302 and response.location.endswith(f"{url}#decision")
    assert actions == ["duplicates.reopen"]
    html = reviewer.get(url).get_data(as_text=True)
    panel = html.split('<aside class="side" id="decision" aria-labelledby="decision-h">', 1)[1].split("</aside>", 1)[0]
    assert "Put back: the pair is in the queue again." in panel and "Accept: same person" in panel
    assert pair_ids(app) == {pair_id: PairStatus.PENDING.value}

    # Posted again from the page drawn while it was rejected (a second tab): refused, with the reason.
    page = reviewer.get(url)
    response = reviewer.post(f"{url}/reopen", data={"reopen-csrf_token": form_token(page.data, "reject")})
    assert response.status_code == 422 and "only a rejected pair can be put back" in response.get_data(as_text=True)
    assert pair_ids(app) == {pair_id: PairStatus.PENDING.value}


def test_a_refused_undo_keeps_the_reason_typed(app, reviewer, make_user):
    a, b = load(app, ABLIMIT, ABLIMIT_AGAIN)
    [pair_id] = pair_ids(app)
    url = f"/review/duplicates/{pair_id}"
    assert post(reviewer, url, f"{url}/accept", "accept")[0].status_code == 302
    with app.app_context():  # a later change moves one of its reports: the merge can no longer be undone
        from intake.keyring import get_vault
        from intake.services import persons

        persons.split_report(db.session, get_vault(), b, reason="a later split", actor=make_user("reviewer").id)
    response, actions = post(reviewer, url, f"{url}/undo", "undo", reason="his sister says they are cousins")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and actions == ["duplicates.view", "report.view", "report.view"]
    assert "his sister says they are cousins</textarea>" in html  # nothing typed is lost
    assert f"a later change moved \u2068{b}\u2069; undo that later change first" in html  # said why
    assert pair_ids(app) == {pair_id: PairStatus.ACCEPTED.value}


def test_reject_and_defer_through_the_pages_and_refusals_explain(app, reviewer):
    load(app, ABLIMIT, ABLIMIT_AGAIN)
    [pair_id] = pair_ids(app)
    url = f"/review/duplicates/{pair_id}"
    response, actions = post(reviewer, url, f"{url}/defer", "defer")
    assert response.status_code == 302 and actions == ["duplicates.defer"]
    assert pair_ids(app) == {pair_id: PairStatus.DEFERRED.value}
    assert str(pair_id) in reviewer.get("/review/duplicates?status=deferred").get_data(as_text=True)

    response, actions = post(reviewer, url, f"{url}/reject", "reject")
    assert response.status_code == 302 and actions == ["duplicates.reject"]
    assert pair_ids(app) == {pair_id: PairStatus.REJECTED.value}
    # Decided: the page offers no decision, and a forged POST is refused with a message.
    page = reviewer.get(url).get_data(as_text=True)
    assert 'name="accept-csrf_token"' not in page and "Decided: rejected" in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # the sign-out form's
    before = audit_head(app)
    response = reviewer.post(f"{url}/accept", data={"accept-csrf_token": token})
    assert response.status_code == 422 and "already decided" in response.get_data(as_text=True)
    # The pair page drawn again (audited as a view); no decision was recorded.
    assert [e[0] for e in audit_entries(app, before)] == ["duplicates.view", "report.view", "report.view"]
    assert pair_ids(app) == {pair_id: PairStatus.REJECTED.value}


def test_without_a_csrf_token_nothing_is_decided(app, reviewer):
    load(app, ABLIMIT, ABLIMIT_AGAIN)
    [pair_id] = pair_ids(app)
    before = audit_head(app)
    response = reviewer.post(f"/review/duplicates/{pair_id}/accept", data={})
    assert response.status_code in (302, 400)
    assert audit_entries(app, before) == [] and pair_ids(app) == {pair_id: PairStatus.PENDING.value}


def test_a_cluster_is_accepted_from_the_queue_in_one_action(app, reviewer):
    handles = load(app, ABLIMIT, ABLIMIT_AGAIN, ABLIMIT_YEAR)
    assert len(pair_ids(app)) == 3
    response, actions = post(reviewer, "/review/duplicates", "/review/duplicates/clusters/accept", "cluster-0",
                             pairs=",".join(str(i) for i in sorted(pair_ids(app), key=str)))
    assert response.status_code == 302 and actions == ["duplicates.accept"] * 3 + ["person.join"]
    with app.app_context():
        people = set(db.session.scalars(select(Report.person_id).where(Report.handle.in_(handles))))
    assert len(people) == 1 and None not in people
    assert set(pair_ids(app).values()) == {PairStatus.ACCEPTED.value}


def test_a_refused_decisions_language_links_lead_to_the_pair_page(app, reviewer):
    load(app, ABLIMIT, ABLIMIT_AGAIN)
    [pair_id] = pair_ids(app)
    url = f"/review/duplicates/{pair_id}"
    page = reviewer.get(url)  # a pending pair: putting it back is refused, the page drawn again
    response = reviewer.post(f"{url}/reopen", data={"reopen-csrf_token": form_token(page.data, "reject")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<a href="{url}?lang=ug" lang="' in html and f'<a href="{url}?lang=en" lang="' in html


def test_unknown_pairs_and_bad_ids_are_404_not_500(app, reviewer):
    assert reviewer.get("/review/duplicates/not-a-uuid").status_code == 404
    assert reviewer.get("/review/duplicates/00000000-0000-0000-0000-000000000000").status_code == 404
    assert reviewer.get("/review/duplicates?status=nonsense&page=999999999999").status_code == 200


@pytest.mark.parametrize("decided", ["not-an-id", "x" * 300, ""])
def test_the_queue_ignores_a_decided_pair_that_is_not_an_id(app, reviewer, decided):
    response = reviewer.get(f"/review/duplicates?decided={decided}")
    assert response.status_code == 200 and "Open the pair you just decided" not in response.get_data(as_text=True)


def test_the_link_back_to_a_decided_pair_is_translated(app, reviewer):
    load(app, ABLIMIT, ABLIMIT_AGAIN)
    [pair_id] = pair_ids(app)
    html = reviewer.get(f"/review/duplicates?decided={pair_id}&lang=ug").get_data(as_text=True)
    assert f'<a href="/review/duplicates/{pair_id}">' in html and "Open the pair you just decided" not in html


def test_an_undo_without_a_reason_says_so_beside_the_field(app, reviewer):
    load(app, ABLIMIT, ABLIMIT_AGAIN)
    [pair_id] = pair_ids(app)
    url = f"/review/duplicates/{pair_id}"
    assert post(reviewer, url, f"{url}/accept", "accept")[0].status_code == 302
    response, _ = post(reviewer, url, f"{url}/undo", "undo", reason="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and pair_ids(app) == {pair_id: PairStatus.ACCEPTED.value}
    assert re.search(r'name="undo-reason"[^>]*>\s*</textarea> <span class="error">This field is required.</span>', html)


def test_a_decision_goes_back_to_the_tab_and_page_the_pair_was_opened_from(app, reviewer):
    """Opened from the deferred tab, a pair decided goes back to that tab, at its table of pairs, where
    the confirmation and the link to the pair decided are (not to the top of the pending tab, under
    the clusters); the pair page's way back goes there too. Unknown tabs and pages are dropped."""
    load(app, ABLIMIT, ABLIMIT_AGAIN)
    [pair_id] = pair_ids(app)
    url = f"/review/duplicates/{pair_id}"
    post(reviewer, url, f"{url}/defer", "defer")
    queue = reviewer.get("/review/duplicates?status=deferred").get_data(as_text=True)
    opened = f"/review/duplicates/{pair_id}?status=deferred"
    assert f'href="{opened}"' in queue  # the queue's link carries its tab
    page = reviewer.get(opened).get_data(as_text=True)
    assert f'action="/review/duplicates/{pair_id}/reject?status=deferred"' in page
    assert 'href="/review/duplicates?status=deferred#pairs">Back to the possible duplicates' in page
    response, actions = post(reviewer, opened, f"{url}/reject?status=deferred", "reject")
    assert response.status_code == 302 and actions == ["duplicates.reject"]
    assert response.location.endswith(f"/review/duplicates?decided={pair_id}&status=deferred#pairs")
    queue = reviewer.get(response.location).get_data(as_text=True)
    after_table_heading = queue.split('<h2 id="pairs"', 1)[1]
    assert 'role="status">Rejected: not suggested again' in after_table_heading
    assert f'href="/review/duplicates/{pair_id}?status=deferred">Open the pair you just decided' in after_table_heading
    odd = reviewer.get(f"/review/duplicates/{pair_id}?status=nonsense&page=x").get_data(as_text=True)
    assert 'href="/review/duplicates#pairs">Back to the possible duplicates' in odd


def test_a_clusters_links_are_folded_so_the_queue_stays_in_reach(app, reviewer):
    """Three reports of one man make a cluster; its links sit in a closed <details> (works without
    script), so a big cluster does not push the table of pairs off the page."""
    load(app, ABLIMIT, ABLIMIT_AGAIN, ABLIMIT_YEAR)
    html = reviewer.get("/review/duplicates").get_data(as_text=True)
    cluster = html.split('<h3 id="cluster-0">', 1)[1].split('<h2 id="pairs"', 1)[0]
    assert "<details><summary>Its " in cluster and "links</summary>" in cluster
    assert cluster.index("<details>") < cluster.index('href="/review/duplicates/')


def test_the_queues_tabs_are_drawn_as_the_inboxs_views(app, reviewer):
    """The tabs by decision are a row of links like the inbox's views (class "views": no bullets
    hanging outside the page's margin on a phone), the current one marked."""
    html = reviewer.get("/review/duplicates?status=deferred").get_data(as_text=True)
    tabs = html.split('aria-label="Pairs by decision">', 1)[1].split("</nav>", 1)[0]
    assert tabs.startswith('<ul class="views">') and '<strong aria-current="page">Deferred' in tabs


def test_field_words_and_tabs_are_labels_in_sentence_case(app, reviewer):
    """The pair table's row heads, the weights chart's bars and the queue's tabs start with a capital,
    as every other label of the review face ("Birth date", not "birth date"); in each language."""
    load(app, ABLIMIT, ABLIMIT_AGAIN)
    [pair_id] = pair_ids(app)
    html = reviewer.get(f"/review/duplicates/{pair_id}").get_data(as_text=True)
    heads = [unescape(h) for h in re.findall(r'<tr><th scope="row">([^<]+)</th>', html)]
    bars = [unescape(b) for b in re.findall(r'<text x="4" [^>]*>([^<]+)</text>', html)]
    assert {"Name", "Father's name", "Birth date", "Home place", "ID number", "Gender"} <= set(heads), heads
    assert bars and set(bars) <= set(heads) and all(w[0].isupper() for w in heads + bars), (heads, bars)
    assert not re.search(r'<th scope="row">(name|birth date|gender|home place)<', html)
    queue = reviewer.get("/review/duplicates").get_data(as_text=True)
    tabs = re.findall(r'(?:aria-current="page"|status=\w+")>(\w+) \(', queue)
    assert tabs == ["Pending", "Accepted", "Rejected", "Deferred"], tabs
    assert "Name: " in queue  # the match levels' fields, as labels too
    # Through the catalogues: Russian labels start with a capital too.
    ru = reviewer.get(f"/review/duplicates/{pair_id}?lang=ru").get_data(as_text=True)
    ru_heads = re.findall(r'<tr><th scope="row">([^<]+)</th>', ru)
    assert {"Имя", "Имя отца", "Дата рождения", "Номер удостоверения личности", "Пол"} <= set(ru_heads), ru_heads
    assert "Ожидает (" in reviewer.get("/review/duplicates?lang=ru").get_data(as_text=True)


def _pair_rows(html: str) -> dict[str, str]:
    """The pair table's rows by their head: the row's cells as text."""
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', html, re.S)
    return {unescape(head): " ".join(unescape(re.sub(r"<[^>]+>", " ", cells)).split()) for head, cells in rows}


@pytest.mark.parametrize(("lang", "gender", "county", "sentence"), [
    ("en", "Male", "Kashgar City", "Kashgar City and Kashgar City"),
    ("ug", "ئەر", "قەشقەر شەھىرى", "قەشقەر شەھىرى"),
    ("ru", "Мужской", "Kashgar City", "город Кашгар и город Кашгар")])
def test_a_pairs_gender_and_county_are_labels_in_the_pages_language_not_codes(app, reviewer, lang, gender, county,
                                                                                sentence):
    """The matcher quotes a gender by its code and a county by its Chinese name; the pair page shows
    them as every review page does: the gender's label and the county in its three scripts in the
    cells, both in the page's language in the sentence."""
    load(app, ABLIMIT, ABLIMIT_AGAIN)
    [pair_id] = pair_ids(app)
    rows = _pair_rows(reviewer.get(f"/review/duplicates/{pair_id}?lang={lang}").get_data(as_text=True))
    gender_row = next(cells for head, cells in rows.items() if gender in cells)
    assert "male" not in gender_row.replace("Male", ""), gender_row
    place_row = next(cells for head, cells in rows.items() if "喀什市" in cells)
    assert county in place_row and "Kashgar City" in place_row and "قەشقەر" in place_row, place_row
    assert sentence in place_row, place_row
