"""Importing a list into the store, through the service: sealed like the form, attributed, idempotent,
all or nothing; bad files get a clear answer and store nothing."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from intake.extensions import db
from intake.imports import Limits
from intake.keyring import get_vault
from intake.models import AuditEvent, BlindIndex, ImportedRow, ImportSource, RecordKey, Report, Submission
from intake.services import imports, integrity_states, take_in
from intake.services.consent import consents
from intake.services.errors import InvalidInput
from tests.unit.imports.test_dry_run import xlsx_bytes

HEADERS = ["Name", "Date of birth", "ID number", "County", "Status", "Notes"]
ROWS = [
    ["Abdurehim Tursun SENTINEL1", "1984-06-17", "653125198406170011", "莎车县", "detained", "Taken SENTINEL-T1"],
    ["Gulnar Memet SENTINEL2", "1990", "", "Paris", "released", '=HYPERLINK("http://evil.example","x")'],
    ["", "1970", "", "", "", "no name here"],
    ["Memet Tursun SENTINEL3", "1985-13-01", "", "", "", ""],
]


def csv_bytes(rows: list[list[str]] = ROWS, headers: list[str] = HEADERS) -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows([headers, *rows])
    return buffer.getvalue().encode("utf-8")


def run_import(app, data: bytes, name: str = "families list.csv", consent: imports.Consent = imports.Consent(),
               **kwargs) -> imports.Result:
    with app.app_context():
        vault = get_vault()
        prepared = imports.prepare(db.session, vault, data, name, importer="cli", audit_actor="cli")
        return imports.store(db.session, vault, prepared, source_name="Friends of SENTINEL-SOURCE", consent=consent,
                             actor="cli", **kwargs)


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) or 0
                for m in (Submission, Report, ImportedRow, ImportSource, RecordKey)}


def test_ready_rows_are_sealed_like_the_form_and_attributed(review_app):
    result = run_import(review_app, csv_bytes())
    assert result.imported == 1 + 1 and result.skipped == 2
    with review_app.app_context():
        reports = {r.handle: r for r in db.session.scalars(select(Report))}
        assert set(reports) == set(result.report_handles)
        first = next(r for r in reports.values() if "SENTINEL1" in r.names[0]["value"])
        assert first.birth_date == "1984-06-17" and first.id_number == "653125198406170011"
        assert first.home_county == "653125" and first.reported_status == "detained"
        second = next(r for r in reports.values() if "SENTINEL2" in r.names[0]["value"])
        # A formula is text like any other: kept as typed, never calculated.
        assert '=HYPERLINK("http://evil.example","x")' in second.testimony
        # Wrapped to the inbox exactly as the public form does; no receipt: no family holds one.
        keys = db.session.scalars(select(RecordKey).where(RecordKey.owner_table == "submissions")).all()
        assert {k.holder for k in keys} == {"inbox"} and len(keys) == 2
        assert all(s.receipt_selector is None for s in db.session.scalars(select(Submission)))
        # Consent: the importer's statement, sealed, origin "imported"; default is no sharing.
        choices = consents(db.session, [r.submission_id for r in reports.values()])
        assert {(c.origin, c.share_research, c.contact) for c in choices.values()} == {("imported", False, False)}
        found = imports.attributions(db.session, [first.id])[first.id]
        assert (found.source, found.file_name, found.row) == ("Friends of SENTINEL-SOURCE", "families list.csv", 2)
        source = db.session.scalars(select(ImportSource)).one()
        assert source.rows_read == 4 and source.rows_imported == 2 and len(source.file_sha256) == 64
        # Nothing telling in clear: the source's name and the file name are ciphertext.
        raw = db.session.execute(select(ImportSource.name_sealed, ImportSource.file_name_sealed)).one()
        assert b"SENTINEL" not in b"".join(raw) and b"families" not in b"".join(raw)
        actions = [(e.action, e.details) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        assert actions[0] == ("import.dry_run", {"rows": 4, "ready": 2, "blocked": 2})
        assert actions[1][0] == "import.stored" and actions[1][1]["rows"] == 2
        assert "SENTINEL" not in repr(actions)
    # Take-in applies to them unchanged: re-wrap, blind indexes, sealed state.
    with review_app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (2, 0)
        ids = list(db.session.scalars(select(Report.id)))
        states = integrity_states.report_states(db.session, get_vault(), ids)
        assert all(s.verified for s in states.values())
        assert {s.status for s in states.values()} == {"detained", "released"}
        assert db.session.scalar(select(func.count()).select_from(BlindIndex)) > 0


def test_the_same_file_twice_adds_nothing(review_app):
    data = csv_bytes()
    assert run_import(review_app, data).imported == 2
    before = counts(review_app)
    again = run_import(review_app, data)
    assert again.imported == 0 and again.skipped == 4
    after = counts(review_app)
    assert after == before
    # The same rows as a spreadsheet, re-sorted: still nothing new.
    assert run_import(review_app, xlsx_bytes(HEADERS, list(reversed(ROWS))), "copy.xlsx").imported == 0


def test_a_failure_half_way_stores_nothing(review_app, monkeypatch):
    original = imports._store_row
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(imports, "_store_row", failing)
    with pytest.raises(RuntimeError):
        run_import(review_app, csv_bytes())
    assert counts(review_app) == dict.fromkeys(counts(review_app), 0)
    monkeypatch.setattr(imports, "_store_row", original)
    assert run_import(review_app, csv_bytes()).imported == 2  # and it can be run again


def test_sharing_needs_a_stated_basis_and_is_sealed(review_app):
    with pytest.raises(InvalidInput, match="basis"):
        run_import(review_app, csv_bytes(), consent=imports.Consent(share_research=True))
    assert counts(review_app)["submissions"] == 0
    run_import(review_app, csv_bytes(), consent=imports.Consent(share_research=True, basis="signed forms"))
    with review_app.app_context():
        ids = list(db.session.scalars(select(Submission.id)))
        assert {(c.origin, c.share_research, c.contact) for c in consents(db.session, ids).values()} == \
            {("imported", True, False)}
        assert db.session.scalars(select(ImportSource)).one().consent_basis == "signed forms"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "name", "message"), [
    (_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<not closed"}), "list.xlsx", "Excel"),
    (b"PK\x03\x04 truncated", "list.xlsx", "Excel"),
    ("Name,County\nGülnar,Kashgar\n".encode("cp1252") + bytes(range(0x80, 0xA0)) * 40, "list.csv", "encoding"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", ".xls"),
    (b"Name,Notes\na,\"" + b"x" * 60_000 + b"\"\n", "list.csv", "Line 2"),
    (b"   \n", "empty.csv", "empty"),
])
def test_bad_files_get_a_clear_answer_and_store_nothing(review_app, data, name, message):
    with pytest.raises(InvalidInput) as caught:
        run_import(review_app, data, name)
    if message:
        assert message in str(caught.value)
    assert "Traceback" not in str(caught.value) and "Gülnar" not in str(caught.value)
    assert counts(review_app) == dict.fromkeys(counts(review_app), 0)


def test_a_huge_file_is_refused_before_it_is_read(review_app):
    with review_app.app_context():
        with pytest.raises(InvalidInput, match="limit is 1 MB"):
            imports.prepare(db.session, get_vault(), b"Name\n" + b"x\n" * 600_000, "big.csv", importer="cli",
                            limits=Limits(max_bytes=1024 * 1024))


def test_rows_imported_under_an_older_index_key_are_still_recognised(review_app, monkeypatch):
    assert run_import(review_app, csv_bytes()).imported == 2
    with review_app.app_context():
        vault = get_vault()
        old_root = vault.index_root
        # An index-key rotation: a new current root, the old one still held.
        monkeypatch.setattr(vault, "index_root", b"\x42" * 32)
        monkeypatch.setattr(vault, "index_keys", {b"old": old_root, b"new": b"\x42" * 32}, raising=False)
        prepared = imports.prepare(db.session, vault, csv_bytes(), "list.csv", importer="cli")
        assert prepared.plan.ready == [] and prepared.plan.summary()["already imported"] == 2
        monkeypatch.setattr(vault, "index_keys", {}, raising=False)  # the old key gone: a control
        assert len(imports.prepare(db.session, vault, csv_bytes(), "list.csv", importer="cli").plan.ready) == 2
