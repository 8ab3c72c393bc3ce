"""The person page: its reports side by side with disagreements marked, a combined timeline, and
every data key fetched in one query, however many reports."""

from __future__ import annotations

import dataclasses
import re

from sqlalchemy import event

from intake.extensions import db
from tests.helpers import full_report
from tests.web.review.test_persons_views import link, person_of, post, reviewer  # noqa: F401
from tests.web.review.test_triage_views import load


def test_reports_side_by_side_with_disagreements_and_one_key_query(app, reviewer):
    same = {"home_county": "653101", "ethnicity": "uyghur", "birth_date": "1984"}
    [a] = load(app, dataclasses.replace(full_report("a"), gender="male", **same))  # three submissions
    [b] = load(app, dataclasses.replace(full_report("b"), gender="female", **{**same, "birth_date": "1984-06"}))
    [c] = load(app, dataclasses.replace(full_report("c"), gender="male", **same))
    link(reviewer, a)
    person = person_of(app, a)
    link(reviewer, b, person=person)
    link(reviewer, c, person=person)
    post(reviewer, f"/review/reports/{b}", f"/review/reports/{b}/status-events", "event", kind="released",
         event_date="2023", source="a cousin")

    key_queries = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, *args):
        values = [str(v) for v in (parameters.values() if isinstance(parameters, dict) else parameters or ())]
        if "FROM record_keys" in statement and "submissions" in values and "inbox" not in values:
            key_queries.append((statement, values))

    event.listen(engine, "before_cursor_execute", count)
    try:
        html = reviewer.get(f"/review/persons/{person}").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # One query for the three data keys: on SQLite three ids as three parameters; on PostgreSQL the
    # reports' own query, each report's key read beside it (a LATERAL subquery), by the person's id.
    [(statement, values)] = key_queries
    ids = re.findall(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", " ".join(values))
    if "LATERAL" in statement:
        assert "FROM reports" in statement and len(ids) == 1
    else:
        assert len(ids) == 3

    table = re.search(r'<table class="compare">.*?</table>', html, re.S).group(0)
    assert all(h in table for h in (a, b, c))
    rows = {re.sub(r"<[^>]+>", "", m.group(1)).split(" (")[0].strip(): m.group(0)
            for m in re.finditer(r'<tr[^>]*><th scope="row">(.*?)</th>.*?</tr>', table, re.S)}
    assert 'class="disagree"' in rows["Gender"] and "differs" in rows["Gender"]
    assert "Female" in rows["Gender"] and "Male" in rows["Gender"]  # labels, not codes
    assert 'class="disagree"' not in rows["Home county"] and "Kashgar City" in rows["Home county"]
    assert 'class="disagree"' not in rows["Birth date"]  # 1984 and 1984-06 agree
    assert 'class="disagree"' in rows["ID number"]  # every report has its own
    timeline = re.search(r'id="timeline".*?</section>', html, re.S).group(0)
    assert "Released" in timeline and b in timeline and "a cousin" in timeline
