"""What the eighth outside probe found on the review face, the admin pages and the command line,
each through the interface it was found on (the web client, the command line).

- `flask export list` and `flask export notices` printed an export's recipient as a reviewer typed
  it on the review face, and `flask api token list` a token's label as an admin typed it: a signed-in
  reviewer could write escape sequences to the operator's terminal on the review host (set its
  title, on some terminals write the clipboard, move the cursor and erase lines) and, with a line
  break, print lines of their own, such as an export "verified" that is not. The fourth probe made
  the commands show a list's headers escaped; these are now shown the same way.
- An export proposal posted twice (a reload of the answer, a double click) was stored twice, with
  two audit entries: the review face's other forms carry a one-time token for this
  (review/triage.py: apply_change), but the exports page's form was a plain FlaskForm without one.
- `flask dedup csv --encoding rot13` (or hex, base64, zlib, quopri: codecs Python knows that are not
  text encodings) passed the check of the name and reached open(), which refuses them: a traceback.
- A list's cells lose their invisible control and direction characters on import (the dry run says
  so), but its headers did not, and a header heads its value in the testimony ("Header: value", for
  the columns kept there). A header ending in a right-to-left override showed the ID number kept
  after it reversed on the report page, and a NUL or zero-width space went into the sealed text.
  The testimony now quotes each header without them, as the cells are cleaned.
- The export verifier (the recipients' standalone script, and `flask export verify`) named the
  files of a directory that its signed manifest does not list as they were named on disk: whoever
  altered an export in transit could add a file whose name moves the cursor up, erases the FAIL
  line of the file they altered, prints an "ok" line in its place and hides the verdict printed
  after it (exit status 1 still). Such names are now shown as repr() shows them.
- `flask integrity verify --batch 0` said "every sealed row verified" having checked none (both
  databases), `flask integrity seal --batch 0` sealed nothing and said so as a success, and on SQLite
  `flask stats refresh --batch 0` counted 0 persons in a store of one and kept that as the counts.
  On PostgreSQL `--batch -1` was a traceback (a negative LIMIT). These options, and `flask inbox
  take-in --limit`, now take 1 or more, as the other commands' `--batch` and `--limit` already did.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from intake.cli.dedup import dedup_cli
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Export, Report
from intake.services import take_in
from tests.helpers import full_report, submit
from tests.security.test_hostile_cli_files import _signed, _verify
from tests.unit.imports.test_store import csv_bytes
from tests.web.admin.test_imports_page import confirm, upload
from tests.web_fixtures import csrf_token

HOSTILE = "Group\x1b]0;owned\x07\nfake-id\treleased\tverified"


def test_an_exports_recipient_reaches_the_terminal_escaped(app, make_user, sign_in):
    client = app.test_client()
    sign_in(client, make_user("reviewer"))
    researcher = make_user("researcher")
    page = client.get("/review/exports")
    sent = client.post("/review/exports/propose", data={"csrf_token": csrf_token(page.data), "recipient": HOSTILE,
                                                       "account": str(researcher.id), "purpose": "study"})
    assert sent.status_code == 302
    listed = app.test_cli_runner().invoke(args=["export", "list"])
    assert listed.exit_code == 0, listed.output
    assert "\x1b" not in listed.output and "\x07" not in listed.output
    assert len(listed.output.strip().splitlines()) == 1, "the recipient printed a line of its own"
    assert "Group\\x1b]0;owned\\x07\\nfake-id\\treleased\\tverified" in listed.output


def test_a_tokens_label_reaches_the_terminal_escaped(app, make_user, sign_in):
    researcher = make_user("researcher")
    client = app.test_client()
    sign_in(client, make_user("admin"))
    page = client.get("/admin/tokens")
    made = client.post("/admin/tokens", data={"csrf_token": csrf_token(page.data), "username": researcher.username,
                                              "label": "R\x1b[2K\x1b[1A\nforged"})
    assert made.status_code == 200
    listed = app.test_cli_runner().invoke(args=["api", "token", "list"])
    assert listed.exit_code == 0, listed.output
    assert "\x1b" not in listed.output and len(listed.output.strip().splitlines()) == 1
    assert "\tR\\x1b[2K\\x1b[1A" in listed.output  # shown, escaped, on its line


def test_an_export_proposal_posted_twice_is_stored_once(app, make_user, sign_in):
    client = app.test_client()
    sign_in(client, make_user("reviewer"))
    researcher = make_user("researcher")
    page = client.get("/review/exports").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"', page))
    fields |= dict(re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    fields.update(recipient="Research group", account=str(researcher.id), purpose="study")
    for _ in range(2):  # a reload of the answer, or a double click
        assert client.post("/review/exports/propose", data=fields).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Export.id))) == 1


def test_dedup_csv_refuses_a_codec_that_is_not_a_text_encoding_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "list.csv").write_text("report_id,given_name\nR1,Ablimit\nR2,Tursun\n", "utf-8")
    for codec in ("rot13", "hex", "base64", "zlib", "quopri"):
        result = CliRunner().invoke(dedup_cli, ["csv", "list.csv", "--out", "out", "--encoding", codec])
        assert result.exit_code == 1, (codec, result.output)
        assert not isinstance(result.exception, LookupError), f"{codec}: a traceback"
        assert "is not a text encoding" in result.output and "Ablimit" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_lists_header_reaches_the_testimony_without_hidden_characters(app, make_user, sign_in):
    client = app.test_client()
    sign_in(client, make_user("admin"))
    # Two testimony columns: each value is quoted under its header ("Header: value").
    data = csv_bytes([["Abdurehim Tursun", "1984-06-17", "first note", "653125198406170011"]],
                     ["Name", "Date of birth", "Notes", "Comment\u202e\u200b\x00"])
    plan = upload(client, data).get_data(as_text=True)
    assert confirm(client, plan, "import", source="A list").status_code == 200
    with app.app_context():
        take_in.take_in(db.session, get_vault())
        handle = db.session.scalars(select(Report.handle)).one()
    page = client.get(f"/review/reports/{handle}").get_data(as_text=True)
    testimony = re.search(r'<p class="message-text" dir="auto">(.*?)</p>', page, re.S).group(1)
    assert testimony == "Notes: first note\n\nComment: 653125198406170011", "the override reversed the ID shown"


def test_the_verifier_shows_the_names_of_files_it_did_not_expect_escaped(tmp_path):
    key = Ed25519PrivateKey.generate()
    export = tmp_path / "export"
    export.mkdir()
    (export / "persons.csv").write_text("altered in transit\n")
    entry = {"sha256": "0" * 64, "bytes": 19, "format": "csv"}
    (export / "manifest.json").write_text(_signed(key, {"format": "intake-export/1", "files": {"persons.csv": entry}}))
    # Up a line, erase it, write a line of its own, then hide all that follows (the verdict).
    (export / "\x1b[1A\x1b[2K\rok    persons.csv: SHA-256 checked\n\x1b[8m").write_text("")
    done = _verify(export, key, tmp_path)
    assert done.returncode == 1 and "export NOT verified" in done.stdout
    assert "\x1b" not in done.stdout and "\r" not in done.stdout
    assert not any(line.startswith("ok    persons.csv") for line in done.stdout.splitlines()), done.stdout
    assert "\\x1b[1A\\x1b[2K\\rok    persons.csv" in done.stdout  # named, escaped, in the note's line


@pytest.mark.parametrize("args", [["integrity", "verify"], ["integrity", "seal"], ["stats", "refresh"],
                                  ["export", "build"], ["inbox", "take-in"]])
def test_a_batch_or_limit_below_one_is_refused_before_any_work(make_app, args):
    public, review = make_app("public"), make_app("review")
    submit(public, full_report("batch"))
    with review.app_context():
        take_in.take_in(db.session, get_vault())
    option = "--limit" if args[0] == "inbox" else "--batch"
    for value in ("0", "-1"):
        done = review.test_cli_runner().invoke(args=[*args, option, value])
        # Was: "every sealed row verified" with nothing checked, "counted 0 persons" stored as the
        # statistics, or (PostgreSQL, a negative LIMIT) a traceback.
        assert done.exit_code == 2 and "Invalid value for" in done.output, (args, value, done.output)
