"""No plaintext at rest: what families and reviewers write is only ever stored as ciphertext.

A distinct SENTINEL string is planted in every sealed field of every model, the data goes the whole
way (the public face stores it, the review face takes it in, adds the records only it can create and
edits some), and then everything the database left behind is scanned for every sentinel:

- SQLite: the raw bytes of the database file, its write-ahead log (scanned before any checkpoint, so
  it holds the recent writes) and shared-memory file, and every other file under the test's tmp dir;
- PostgreSQL: a `pg_dump` of the test's schema;
- both: every log record (captured at DEBUG, SQLAlchemy's statement and parameter logging included)
  and everything printed. Those must not hold the key passphrase or the receipt either.

The controls at the end plant sentinels where they are NOT sealed and check that the scanner finds
them, so that a silent scanner cannot pass for a clean database.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update
from sqlalchemy.engine import make_url

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import (SEALED_REPORT_FIELDS, Attachment, Base, LinkKind, Message, MessageKind, Person,
                           PersonLinkEvent, Report, Role, StatusEvent, StatusKind, Submission, User,
                           VerificationLevel)
from intake.models.sealed import data_keys, sealed_names
from intake.services.take_in import take_in
from tests.conftest import KeyFiles
from tests.helpers import full_report, sentinel, submit

PG_DUMP = "/usr/bin/pg_dump"
_TOKEN = re.compile(r"SENTINEL-[A-Za-z0-9_-]+")
# Loggers that may have been given their own level elsewhere (alembic's env.py sets sqlalchemy.engine
# to WARN): open them all to DEBUG, so SQL statements and their parameters are captured too.
_LOGGERS = (None, "sqlalchemy", "sqlalchemy.engine", "sqlalchemy.engine.Engine", "sqlalchemy.pool",
            "sqlalchemy.orm", "intake", "flask", "werkzeug", "alembic", "flask_migrate")


# --- the scanner --------------------------------------------------------------------------------------


def _forms(value: str | bytes) -> dict[str, bytes]:
    """The byte forms under which a secret could sit in storage or in a log."""
    raw = value.encode("utf-8") if isinstance(value, str) else value
    forms = {"raw" if isinstance(value, bytes) else "utf-8": raw,
             # PostgreSQL dumps bytea as hex: plaintext bytes in a LargeBinary column show up only this way.
             "hex": raw.hex().encode("ascii"),
             "HEX": raw.hex().upper().encode("ascii"),
             "base64": base64.b64encode(raw).rstrip(b"="),
             }
    if isinstance(value, str):
        forms["utf-16-le"] = value.encode("utf-16-le")
    return forms


def find_secrets(blobs: dict[str, bytes], secrets: dict[str, str | bytes]) -> list[str]:
    """Every (secret, form, place) where a secret occurs; empty when none does."""
    hits = []
    for label, value in secrets.items():
        for form, needle in _forms(value).items():
            if len(needle) < 8:
                raise ValueError(f"secret {label!r} is too short to scan for without false alarms")
            for where, blob in blobs.items():
                if needle in blob:
                    hits.append(f"{label} ({form}) in {where}")
    return hits


def files_under(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def sqlite_path(db_url: str) -> Path | None:
    url = make_url(db_url)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def pg_schema(db_url: str) -> str:
    options = make_url(db_url).query.get("options", "")
    match = re.search(r"search_path=([A-Za-z0-9_]+)", options if isinstance(options, str) else " ".join(options))
    assert match, f"no search_path in the test database URL's options: {options!r}"
    return match.group(1)


def pg_dump(db_url: str) -> bytes:
    url = make_url(db_url)
    schema = pg_schema(db_url)
    command = [PG_DUMP, "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres",
               "-d", url.database or "test", f"--schema={schema}", "--no-password"]
    env = {"PGPASSWORD": url.password} if url.password else None
    done = subprocess.run(command, capture_output=True, timeout=120, check=False,
                          env=None if env is None else {**env, "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, f"pg_dump failed ({done.returncode}): {done.stderr.decode(errors='replace')}"
    dump = done.stdout
    assert f"COPY {schema}.reports ".encode() in dump, "the dump has no data of the reports table"
    assert f"COPY {schema}.record_keys ".encode() in dump, "the dump has no data of the record_keys table"
    return dump


@contextmanager
def storage_blobs(app: Flask, db_url: str, tmp_path: Path) -> Iterator[dict[str, bytes]]:
    """Everything the database keeps, as bytes. For SQLite a connection stays open meanwhile: closing
    the last one would checkpoint the write-ahead log into the main file and delete it."""
    with app.app_context(), db.engine.connect():
        path = sqlite_path(db_url)
        blobs = files_under(tmp_path)
        if path is not None:
            wal = path.with_name(path.name + "-wal")
            assert path.is_file(), f"the SQLite database {path} does not exist"
            assert wal.is_file() and wal.stat().st_size > 0, (
                "the SQLite write-ahead log is missing or empty: the scan would miss the recent writes")
            assert str(wal.relative_to(tmp_path)) in blobs
        else:
            blobs["pg_dump"] = pg_dump(db_url)
        yield blobs


def log_text(caplog: pytest.LogCaptureFixture) -> bytes:
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(vars(record)))  # args, exception text, extras: all of it
    return "\n".join(parts).encode("utf-8", errors="surrogatepass")


def capture_all_logs(caplog: pytest.LogCaptureFixture) -> None:
    for name in _LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)


# --- the whole path -----------------------------------------------------------------------------------


@dataclass
class Planted:
    """(table, sealed field) -> the sentinel tokens planted in it (old values of edited fields too)."""

    fields: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    receipt: str = ""
    marker: str = ""  # a non-secret value written last, in a plain column: proves the scan sees recent writes

    def add(self, table: str, name: str, value: Any) -> Any:
        tokens = _TOKEN.findall(value.decode("latin-1") if isinstance(value, bytes) else repr(value))
        assert tokens, f"no sentinel in the value planted in {table}.{name}"
        self.fields.setdefault((table, name), []).extend(tokens)
        return value

    def secrets(self) -> dict[str, str]:
        return {f"{table}.{name}#{i}": token for (table, name), tokens in sorted(self.fields.items())
                for i, token in enumerate(tokens)}


def every_sealed_field() -> set[tuple[str, str]]:
    return {(mapper.class_.__tablename__, name) for mapper in Base.registry.mappers
            for name in sealed_names(mapper.class_)}


def run_whole_path(public_app: Flask, review_app: Flask) -> Planted:
    planted = Planted()
    first, second = full_report("rest-one"), full_report("rest-two")
    for report_input in (first, second):
        for name in SEALED_REPORT_FIELDS:
            planted.add("reports", name, getattr(report_input, name))
    contact = planted.add("submissions", "contact", "Signal +90 555 " + sentinel("contact", "rest"))

    # 1. The public face stores the submission (it holds public keys only).
    stored = submit(public_app, first, second, contact=contact)
    planted.receipt = stored.receipt

    # 2. The review face takes it into the working store.
    with review_app.app_context():
        assert take_in(db.session, get_vault()) == (1, 0)

    # 3. The review face creates what only it creates: a person and its link, an account, a message,
    #    a status event, an attachment. Person and user rows own their data keys (under the KEK).
    with review_app.app_context():
        session = db.session
        keys = data_keys(session)
        submission = session.get(Submission, stored.submission_id)
        report = submission.reports[0]

        person = Person()
        session.add(person)
        keys.create("persons", person.id, via="kek")
        report.person_id = person.id
        link = PersonLinkEvent(batch_id=uuid.uuid4(), kind=LinkKind.LINK.value, report_id=report.id,
                               person_id=person.id, score=0.93)
        link.reason = planted.add("person_link_events", "reason", "same ID number " + sentinel("reason", "rest"))

        user = User(username=f"reviewer-{uuid.uuid4().hex[:10]}", role=Role.REVIEWER.value)
        session.add(user)
        keys.create("users", user.id, via="kek")
        user.totp_secret = planted.add("users", "totp_secret", sentinel("totp", "rest").encode())
        # Message/StatusEvent.author_id and PersonLinkEvent.person_id have no relationship(), so the
        # unit of work does not order those inserts after the user's and the person's: flush first.
        session.flush()

        message = Message(submission_id=submission.id, report_id=report.id, kind=MessageKind.INTERNAL_NOTE.value,
                          author_id=user.id, sequence=1)
        message.body = planted.add("messages", "body", "تەكشۈرۈلدى " + sentinel("message", "rest"))

        event = StatusEvent(report_id=report.id, submission_id=submission.id, kind=StatusKind.SENTENCED.value,
                            recorded_by_id=user.id, sequence=1)
        event.event_date = planted.add("status_events", "event_date", "2019-03 " + sentinel("event-date", "rest"))
        event.source = planted.add("status_events", "source", "court notice " + sentinel("source", "rest"))
        event.sentence = planted.add("status_events", "sentence", "15 years " + sentinel("status-sentence", "rest"))
        # Sealed fields whose real values are short codes or flags: planted with sentinels here.
        event.reported_kind = planted.add("status_events", "reported_kind", sentinel("reported-kind", "rest"))
        report.reported_status = planted.add("reports", "reported_status", sentinel("reported-status", "rest"))
        submission.consent = planted.add("submissions", "consent", {"origin": sentinel("consent", "rest")})

        photo = b"\xff\xd8\xff\xe0 JFIF " + sentinel("attachment-content", "rest").encode() + b"\xff\xd9"
        attachment = Attachment(submission_id=submission.id, report_id=report.id)
        attachment.meta = planted.add("attachments", "meta", {
            "filename": sentinel("filename", "rest") + ".jpg", "media_type": "image/jpeg", "size": len(photo),
            "sha256": hashlib.sha256(photo).hexdigest()})
        attachment.content = planted.add("attachments", "content", photo)
        attachment.viewing_copy = planted.add(
            "attachments", "viewing_copy", b"\xff\xd8 " + sentinel("viewing-copy", "rest").encode() + b"\xff\xd9")
        session.add_all([link, message, event, attachment])
        session.commit()
        ids = {"report": report.id, "message": message.id, "event": event.id, "attachment": attachment.id,
               "link": link.id, "user": user.id, "submission": submission.id}

    # 3b. An admin imports a list (services/imports.py): the rows, the source's name, the file name,
    #     the consent basis and each row's attribution are sealed like everything else.
    with review_app.app_context():
        from intake.services import imports

        source = planted.add("import_sources", "name", "Friends of " + sentinel("import-source", "rest"))
        file_name = planted.add("import_sources", "file_name", sentinel("import-file", "rest") + ".csv")
        basis = planted.add("import_sources", "consent_basis", "signed " + sentinel("import-basis", "rest"))
        planted.add("imported_rows", "attribution", [source, file_name])
        person = planted.add("reports", "names", "Gulnar " + sentinel("import-name", "rest"))
        notes = planted.add("reports", "testimony", sentinel("import-notes", "rest"))
        data = f"Name,Notes\n{person},{notes}\n".encode()
        prepared = imports.prepare(db.session, get_vault(), data, file_name, importer="cli", audit_actor="cli")
        imports.store(db.session, get_vault(), prepared, source_name=source, actor="cli",
                      consent=imports.Consent(share_research=True, basis=basis))

    # 4. The review face edits: a sealed field of a report, a message, and a plain column.
    with review_app.app_context():
        session = db.session
        report = session.get(Report, ids["report"])
        report.testimony = planted.add("reports", "testimony", "corrected: " + sentinel("testimony-edit", "rest"))
        report.verification = VerificationLevel.CORROBORATED.value
        session.get(Message, ids["message"]).body = planted.add(
            "messages", "body", "edited " + sentinel("message-edit", "rest"))
        planted.marker = f"MARKER-{uuid.uuid4().hex}"
        session.get(User, ids["user"]).username = planted.marker
        session.commit()

    # 5. A fresh session reads everything back: the values really went in (sealed), not nowhere.
    with review_app.app_context():
        session = db.session
        report = session.get(Report, ids["report"])
        assert report.testimony.startswith("corrected: SENTINEL-testimony-edit-rest-")
        assert report.names == first.names and report.id_number == first.id_number
        assert report.testimony_sealed and b"SENTINEL" not in report.testimony_sealed
        assert session.get(Submission, ids["submission"]).contact == contact
        assert session.get(Message, ids["message"]).body.startswith("edited SENTINEL-message-edit-rest-")
        assert session.get(StatusEvent, ids["event"]).source.startswith("court notice SENTINEL-source-rest-")
        assert session.get(Attachment, ids["attachment"]).content == photo
        assert session.get(PersonLinkEvent, ids["link"]).reason.startswith("same ID number SENTINEL-reason-")
        assert session.get(User, ids["user"]).totp_secret.startswith(b"SENTINEL-totp-rest-")

    missing = every_sealed_field() - set(planted.fields)
    assert not missing, f"sealed fields this test does not plant a sentinel in (add them): {sorted(missing)}"
    return planted


# --- the tests ----------------------------------------------------------------------------------------


def test_no_sentinel_passphrase_or_receipt_at_rest_or_in_logs(
        public_app: Flask, review_app: Flask, db_url: str, keys: KeyFiles, tmp_path: Path,
        caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    capture_all_logs(caplog)
    planted = run_whole_path(public_app, review_app)

    secrets: dict[str, str | bytes] = dict(planted.secrets())
    secrets["key passphrase"] = keys.passphrase
    secrets["receipt"] = planted.receipt
    secrets["receipt digits"] = planted.receipt.replace(" ", "")
    assert len(planted.secrets()) >= 2 * len(SEALED_REPORT_FIELDS) + 10

    with storage_blobs(review_app, db_url, tmp_path) as blobs:
        assert any(planted.marker.encode() in blob for where, blob in blobs.items()
                   if where.endswith("-wal") or where == "pg_dump"), \
            "the last plain write is not in the WAL / dump: the scan does not see recent writes"
        at_rest = find_secrets(blobs, secrets)
    assert at_rest == [], "plaintext found at rest:\n" + "\n".join(at_rest)

    logs = log_text(caplog)
    assert b"INSERT INTO reports" in logs, "SQL statements were not captured: the log scan would prove nothing"
    out, err = capsys.readouterr()
    leaked = find_secrets({"log records": logs, "stdout": out.encode(), "stderr": err.encode()}, secrets)
    assert leaked == [], "secrets found in logs or output:\n" + "\n".join(leaked)


def test_the_scanner_finds_what_is_not_sealed(
        public_app: Flask, review_app: Flask, db_url: str, tmp_path: Path,
        caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    """Control: sentinels put where nothing seals them ARE found, in each place the test above scans."""
    capture_all_logs(caplog)
    stored = submit(public_app, full_report("control"))
    in_username = sentinel("username", "control")
    raw_in_blob = sentinel("raw-blob", "control")
    with review_app.app_context():
        db.session.add(User(username=in_username, role=Role.REVIEWER.value))
        # Plaintext bytes written straight into a sealed field's column, bypassing the seal.
        db.session.execute(update(Report).where(Report.submission_id == stored.submission_id)
                           .values(testimony_sealed=raw_in_blob.encode()))
        db.session.commit()
    in_log = sentinel("log", "control")
    logging.getLogger("intake.control").debug("leaking %s", in_log)
    in_stdout = sentinel("stdout", "control")
    print("leaking", in_stdout)

    with storage_blobs(review_app, db_url, tmp_path) as blobs:
        found = find_secrets(blobs, {"username": in_username, "raw blob": raw_in_blob})
    assert any(hit.startswith("username (utf-8)") for hit in found), found
    assert any(hit.startswith("raw blob") for hit in found), found
    if sqlite_path(db_url) is not None:
        assert any(hit.endswith("-wal") for hit in found), f"the WAL scan found nothing: {found}"

    out, err = capsys.readouterr()
    found = find_secrets({"log records": log_text(caplog), "stdout": out.encode(), "stderr": err.encode()},
                         {"log": in_log, "stdout": in_stdout})
    assert "log (utf-8) in log records" in found, found
    assert "stdout (utf-8) in stdout" in found, found


def test_forms_cover_text_and_binary() -> None:
    """Unit check of the scanner's encodings (UTF-8, UTF-16-LE, hex as pg_dump shows bytea)."""
    token = "SENTINEL-forms-unit-0000"
    blobs = {"utf16": b"\x00" + token.encode("utf-16-le"), "bytea": b"\\\\x" + token.encode().hex().encode()}
    assert sorted(find_secrets(blobs, {"t": token})) == ["t (hex) in bytea", "t (utf-16-le) in utf16"]
    assert find_secrets({"x": b"nothing here at all"}, {"t": token}) == []
