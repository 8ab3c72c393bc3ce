"""The inbox table's rows, built in Python (review/inbox_rows.py): every cell in every branch (names
locked, given or absent; a county by code, as typed, or none; a state shown or withheld; tags,
assignee, person, files), eleven columns a row, and every value from a row escaped."""

from __future__ import annotations

import uuid
from datetime import date
from html.parser import HTMLParser

from intake.review.inbox_rows import HANDLE_SLOT, inbox_rows
from intake.services.inbox import Cursor, InboxRow

HOSTILE = '<script>x</script>&"\''


def row(**changes) -> InboxRow:
    values = dict(report_id=uuid.uuid4(), handle="R-AB12-CD34", created_on=date(2025, 1, 2), status="detained",
                  verification="reported", submission_status=None, assignee=None, person_handle=None, tags=(),
                  attachments=0, integrity=None, names=[], county=None, cursor=Cursor(1, uuid.uuid4()))
    return InboxRow(**{**values, **changes})


class Cells(HTMLParser):
    """Columns per table row (a cell's colspan counted), and every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[int] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:  # noqa: ANN001
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append(0)
        elif tag == "td":
            self.rows[-1] += int(dict(attrs).get("colspan") or 1)


def render(app, rows: list[InboxRow], url: str = f"/review/reports/{HANDLE_SLOT}?county=A%26B") -> str:
    with app.test_request_context("/review/inbox", base_url="https://localhost"):
        return str(inbox_rows(rows, url))


def test_every_branch_has_eleven_columns_and_escapes_what_rows_hold(app):
    rows = [row(), row(names=None), row(names=[{"script": "ug-Arab", "value": HOSTILE}, {"value": "Tursun"}]),
            row(county="653101"), row(county=HOSTILE), row(integrity=HOSTILE),
            row(submission_status="needs_information", verification=HOSTILE), row(assignee=HOSTILE),
            row(person_handle="P-XY12"), row(tags=("urgent", HOSTILE)), row(attachments=3)]
    html = render(app, rows)
    cells = Cells()
    cells.feed(html)
    assert cells.rows == [11] * len(rows)
    assert "script" not in cells.tags and "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;&amp;" in html
    assert 'href="/review/reports/R-AB12-CD34?county=A%26B"' in html  # the handle put into the page's URL
    assert '<em>locked</em>' in html and '<bdi lang="ug">' in html and '<bdi lang="und">Tursun</bdi>' in html
    assert '<span lang="ug" dir="rtl">' in html  # a county code shown by its names
    assert 'class="error">State not shown: ' in html and "<small>needs information</small>" in html
    assert '<a class="handle" href="/review/persons/P-XY12">P-XY12</a>' in html
    assert "<bdi>urgent</bdi>, <bdi>" in html and '<bdi dir="ltr">3</bdi>' in html


def test_no_rows_says_so_in_one_row(app):
    html = render(app, [])
    cells = Cells()
    cells.feed(html)
    assert cells.rows == [11] and "No reports match." in html


def test_every_name_in_a_row_has_its_script_named(app):
    """A reviewer reading the inbox sees which script each name is in (never a bare name to guess at):
    the family's script refined by detection, as on the report page."""
    html = render(app, [row(names=[{"script": "ug-Arab", "value": "ئابلىمىت"}, {"script": "zh-Hans", "value": "阿不都"},
                                   {"script": "Cyrl", "value": "Мәмәт"}, {"script": "Latn", "value": "Memet"}])])
    assert '<bdi lang="ug">ئابلىمىت</bdi> <span class="script">(Uyghur (Arabic script))</span>' in html
    assert "阿不都</bdi> <span class=\"script\">(Chinese characters)</span>" in html
    assert "Мәмәт</bdi> <span class=\"script\">(Uyghur Cyrillic)</span>" in html
    assert "Memet</bdi> <span class=\"script\">(Latin)</span>" in html
