"""What the services say reaches the page in the reader's language, while the command line stays
English: a refused action's reason, the import dry run's row checks, the duplicate pair's
explanation sentences, the audit log's action labels and the statistics' titles and notes. Values
(handles, dates, names, column headers) stay out of the translated text and are isolated."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.keyring import get_vault
from intake.disclosure import notes
from intake.models import CandidatePair, Export
from intake.services import statistics
from tests.dedup_support import model_file, person  # noqa: F401 - fixture
from tests.unit.imports.test_store import csv_bytes
from tests.web.admin.test_imports_page import upload
from tests.web.review.test_accounts_signin import password_step
from tests.web.review.test_search_views import search
from tests.web.review.test_exports_views import post as post_form
from tests.web.review.test_exports_views import store
from tests.web.review.test_triage_views import form_token, load

ABLIMIT = person("Ablimit Tursun", tag="a")
ABLIMIT_AGAIN = person("Ablimit Tursun", birth="1981-03", tag="b")


@pytest.fixture
def app(make_app, model_file):  # noqa: F811 - scores pairs with the test model
    return make_app("both", INTAKE_DEDUP_MODEL=str(model_file))


def signed_in(app, make_user, sign_in, role: str, lang: str):
    client = app.test_client()
    sign_in(client, make_user(role))
    home = "/research/" if role == "researcher" else "/review/"
    assert client.get(f"{home}?lang={lang}").status_code in (200, 302)  # the session keeps the language
    return client


def test_the_pair_page_explains_in_chinese_with_the_values_isolated(app, make_user, sign_in):
    load(app, ABLIMIT, ABLIMIT_AGAIN)
    with app.app_context():
        pair_id = db.session.scalars(select(CandidatePair.id)).one()
    client = signed_in(app, make_user, sign_in, "reviewer", "zh_Hans")
    html = client.get(f"/review/duplicates/{pair_id}").get_data(as_text=True)
    assert '<html lang="zh-Hans"' in html
    # "1981-03-17 and 1981-03: same month", "Ablimit Tursun and Ablimit Tursun: same name"
    assert re.search(r"<bdi>1981-03(-17)?</bdi> 与 <bdi>1981-03(-17)?</bdi>：同月", html), html
    assert "<bdi>Ablimit Tursun</bdi> 与 <bdi>Ablimit Tursun</bdi>：同名" in html
    assert "same month" not in html and "same name" not in html


def test_a_refused_decision_flashes_its_reason_in_uyghur(app, make_user, sign_in):
    load(app, ABLIMIT, ABLIMIT_AGAIN)
    with app.app_context():
        pair_id = db.session.scalars(select(CandidatePair.id)).one()
    client = signed_in(app, make_user, sign_in, "reviewer", "ug")
    url = f"/review/duplicates/{pair_id}"
    page = client.get(url).get_data(as_text=True)
    client.post(f"{url}/reject", data={"reject-csrf_token": form_token(page.encode(), "reject")})
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)
    html = client.post(f"{url}/accept", data={"accept-csrf_token": token}, follow_redirects=True
                       ).get_data(as_text=True)
    # "this pair was already decided (rejected)": the status in words too
    assert "بۇ جۈپ توغرىسىدا ئاللىبۇرۇن قارار چىقىرىلغان (رەت قىلىنغان)" in html, html
    assert "already decided" not in html


def test_a_refused_approval_flashes_its_reason_in_uyghur(app, make_user, sign_in):
    client = signed_in(app, make_user, sign_in, "reviewer", "ug")
    post_form(client, "/review/exports/propose", "/review/exports", recipient="A research group",
              account=str(make_user("researcher").id), purpose="p")
    with app.app_context():
        export_id = db.session.scalars(select(Export.id)).one()
    post_form(client, f"/review/exports/{export_id}/approve", "/review/exports")
    html = client.get("/review/exports").get_data(as_text=True)
    assert "چىقىرىلمىنى ئۇنى تەكلىپ قىلغان كۆزدىن كەچۈرگۈچىدىن باشقا بىرى تەستىقلىشى كېرەك" in html
    assert "other than the reviewer" not in html


def test_the_import_dry_run_speaks_uyghur(app, make_user, sign_in):
    client = signed_in(app, make_user, sign_in, "admin", "ug")
    html = upload(client, csv_bytes()).get_data(as_text=True)
    assert '<html lang="ug-Arab" dir="rtl">' in html
    # Row 5 has month 13; row 4 has no name. The row number and the header are isolated values.
    assert ("<bdi>5</bdi>-قۇر، «<bdi>Date of birth</bdi>» ئىستونى (چوقۇم تۈزىتىلىشى كېرەك): "
            "(تۇغۇلغان ۋاقتى) ئېيى 1 دىن 12 گىچە ئەمەس.") in html, html
    assert "ھەر بىر كىشىنىڭ قانداق يېزىقتا بولسۇن كەم دېگەندە بىر ئىسمى بولۇشى كېرەك" in html
    assert "must be fixed" not in html and "SENTINEL" not in html


def test_the_import_dry_run_on_the_command_line_stays_english(app, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes())
    result = app.test_cli_runner().invoke(args=["import", str(path), "--source", "Friends", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "2 ready, 0 already imported, 0 repeated in this file, 2 not imported." in lines
    assert ('Row 4, column "Name" (must be fixed): is empty: each person needs at least one name, in any '
            'script.') in lines
    assert 'Row 5, column "Date of birth" (must be fixed): (birth date) has a month that is not 1 to 12.' in lines
    assert "\u2068" not in result.output and "<bdi>" not in result.output  # no isolates outside a page


def test_the_audit_page_labels_actions_in_chinese_and_keeps_the_codes(app, make_user, sign_in):
    client = signed_in(app, make_user, sign_in, "admin", "zh_Hans")
    html = client.get("/admin/audit").get_data(as_text=True)
    assert '<span title="auth.login">已登录</span> <code dir="ltr" class="code">auth.login</code>' in html
    assert '<span title="user">账户</span>' in html
    assert "已登录 (\u2066auth.login\u2069)" in html  # the action filter's choices


def test_the_statistics_pages_speak_chinese(app, make_user, sign_in):
    store(app, 30)
    with app.app_context():
        statistics.refresh(db.session, get_vault())
    client = signed_in(app, make_user, sign_in, "researcher", "zh_Hans")
    html = client.get("/research/statistics").get_data(as_text=True)
    assert "<h2>按性别统计的人数</h2>" in html and "<h2>按家乡所在地区统计的人数</h2>" in html
    assert "这些数字不能说明什么" in html and "匿名化" in html  # the bias notes
    text = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)  # the charts draw English labels (see README)
    assert "<td>未知</td>" in text and "Persons by" not in text
    # What exports and the public snapshot carry stays English.
    assert notes.as_text().startswith("Who reports. Every record comes from a relative living outside China")


def test_a_refused_sign_in_says_why_in_uyghur(app):
    client = app.test_client()
    client.get("/review/sign-in?lang=ug")
    html = password_step(client, "no-such-person", "some wrong password").get_data(as_text=True)
    assert "ئىشلەتكۈچى ئىسمى ياكى پارول توغرا ئەمەس" in html and "is not right" not in html


def test_a_refused_search_says_why_in_chinese(app, make_user, sign_in):
    client = signed_in(app, make_user, sign_in, "reviewer", "zh_Hans")
    html = search(client, "name", "  ").get_data(as_text=True)
    assert "请输入身份证号码、姓名或县代码" in html and "enter an ID number" not in html  # nothing to search for


def test_an_unreadable_file_is_refused_in_uyghur(app, make_user, sign_in):
    client = signed_in(app, make_user, sign_in, "admin", "ug")
    html = upload(client, b"  \n").get_data(as_text=True)
    assert "ھۆججەت بوش." in html and "The file is empty" not in html
