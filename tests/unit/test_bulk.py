"""The bulk decryption path equals the per-record path, flags tampering, and writes nothing to disk."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Report, VerificationLevel
from intake.services import bulk, consent, integrity_states, take_in, withdrawal
from tests.helpers import full_report, submit

FIELDS = bulk.ALL_FIELDS


@pytest.fixture
def store(public_app: Flask, review_app: Flask) -> Flask:
    submit(public_app, full_report("a1"), full_report("a2"))
    submit(public_app, full_report("b1"))
    submit(public_app, full_report("c1"))
    with review_app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (3, 0)
    return review_app


def per_record(app: Flask) -> dict[str, dict[str, object]]:
    """What the ORM path (Sealed descriptors, report_states, consents) says of every report."""
    with app.app_context():
        vault = get_vault()
        reports = list(db.session.scalars(select(Report)))
        states = integrity_states.report_states(db.session, vault, [r.id for r in reports])
        consents = consent.consents(db.session, {r.submission_id for r in reports})
        out = {}
        for r in reports:
            state = states[r.id]
            values = {name: getattr(r, name) for name in FIELDS}
            values["names"] = tuple(values["names"])
            values.update(state_ok=state.verified, status=state.status, verification=state.verification,
                          person_id=state.person_id, consent=consents[r.submission_id], id=r.id,
                          submission_id=r.submission_id, created_on=r.created_on)
            out[r.handle] = values
        return out


def bulk_view(app: Flask, **options: object) -> dict[str, dict[str, object]]:
    with app.app_context():
        out = {}
        for batch in bulk.iter_reports(db.session, get_vault(), **options):
            for p in batch:
                values = {name: getattr(p, name) for name in FIELDS}
                values.update(state_ok=p.state_ok, status=p.status, verification=p.verification,
                              person_id=p.person_id, consent=p.consent, id=p.id, submission_id=p.submission_id,
                              created_on=p.created_on)
                out[p.handle] = values
        return out


def test_bulk_equals_the_per_record_path(store):
    expected = per_record(store)
    assert len(expected) == 4
    assert bulk_view(store, batch=3) == expected  # batches of 3: keyset paging crosses a boundary
    some = [v["id"] for h, v in sorted(expected.items())][:2]
    with store.app_context():
        got = [p.id for b in bulk.iter_reports(db.session, get_vault(), report_ids=some) for p in b]
    assert got == some
    sample = next(iter(expected.values()))
    assert sample["consent"].share_research is True and sample["state_ok"] is True


def test_a_plain_report_shows_no_value_in_its_repr(store):
    with store.app_context():
        (batch,) = bulk.iter_reports(db.session, get_vault())
    assert batch[0].testimony and "SENTINEL" not in repr(batch) and str(batch[0].id) in repr(batch[0])


def test_fields_limit_what_is_decrypted(store):
    with store.app_context():
        (batch,) = bulk.iter_reports(db.session, get_vault(), fields=["names", "birth_date"])
    assert all(p.testimony is None and p.birth_date and p.names for p in batch)
    fields = batch[0].fields()
    assert fields["birth_date"].startswith("1984-06") and fields["id"] == str(batch[0].id)
    with store.app_context(), pytest.raises(ValueError, match="not sealed report fields"):
        next(bulk.iter_reports(db.session, get_vault(), fields=["handle"]))


def test_a_tampered_seal_is_flagged_not_trusted(store):
    with store.app_context():
        target = db.session.scalars(select(Report).order_by(Report.handle)).first()
        db.session.execute(update(Report).where(Report.id == target.id)
                           .values(verification=VerificationLevel.DOCUMENTED.value))
        db.session.commit()
        target_id = target.id
    view = {p.id: p for b in _all(store) for p in b}
    bad = view[target_id]
    assert not bad.state_ok and bad.verification is None and bad.status is None
    assert "failed verification" in (bad.state_problem or "")
    assert bad.readable  # the family's testimony itself is intact
    assert all(p.state_ok for rid, p in view.items() if rid != target_id)


@pytest.mark.parametrize("where", ["field", "packed"])
def test_a_damaged_ciphertext_is_reported_and_the_rest_still_read(store, where):
    """A damaged field of a report without a packed copy (taken in before copies were written), or a
    damaged packed copy: the report is unreadable, says why without a value, and the rest are read."""
    with store.app_context():
        target = db.session.scalars(select(Report).order_by(Report.handle)).first()
        if where == "field":
            blob = bytearray(target.testimony_sealed)
            blob[-1] ^= 1
            values = {"testimony_sealed": bytes(blob), "packed_sealed": None, "packed_version": None}
        else:
            blob = bytearray(target.packed_sealed)
            blob[-1] ^= 1
            values = {"packed_sealed": bytes(blob)}
        db.session.execute(update(Report).where(Report.id == target.id).values(**values))
        db.session.commit()
        target_id = target.id
    view = {p.id: p for b in _all(store) for p in b}
    bad = view[target_id]
    assert not bad.readable and bad.testimony is None and bad.names == ()
    assert "failed authentication" in (bad.problem or "") and "SENTINEL" not in (bad.problem or "")
    assert sum(p.readable for p in view.values()) == 3


def test_withdrawn_submissions_are_left_out_unless_asked(store, public_app):
    with store.app_context():
        sid = db.session.scalars(select(Report.submission_id).order_by(Report.handle)).first()
    with public_app.app_context():
        assert withdrawal.shred(db.session, sid)
        db.session.commit()
    assert len({p.id for b in _all(store) for p in b}) == 4 - _count(store, sid)
    with store.app_context():
        every = [p for b in bulk.iter_reports(db.session, get_vault(), include_withdrawn=True) for p in b]
    gone = [p for p in every if p.submission_id == sid]
    assert gone and all(p.withdrawn and not p.readable and p.testimony is None for p in gone)


def test_a_report_not_taken_in_is_unreadable_here(store, public_app):
    stored = submit(public_app, full_report("late"))
    view = {p.handle: p for b in _all(store) for p in b}
    late = view[stored.report_handles[0]]
    assert not late.readable and not late.state_ok and "not yet taken in" in (late.problem or "")


@pytest.mark.parametrize("workers", [1, 2])
def test_map_reports_in_workers_equals_iter_reports(store, workers):
    with store.app_context():
        factory = sessionmaker(db.engine)
        results = list(bulk.map_reports(factory, get_vault(), _digest, workers=workers, batch=2))
    assert sorted(x for part in results for x in part) == sorted(
        (v["id"], v["names"][0]["value"], v["testimony"]) for v in per_record(store).values())
    assert len(results) == 2


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_id_ranges_cover_every_report_once_in_runs_of_the_batch_size(store, public_app, size):
    with store.app_context():
        every = sorted(db.session.scalars(select(Report.id)))
        sid = db.session.scalar(select(Report.submission_id).where(Report.id == every[1]))
    with public_app.app_context():
        assert withdrawal.shred(db.session, sid)
        db.session.commit()
    with store.app_context():
        gone = set(db.session.scalars(select(Report.id).where(Report.submission_id == sid)))
        for include, ids in ((True, every), (False, [i for i in every if i not in gone])):
            ranges = bulk.id_ranges(db.session, batch=size, include_withdrawn=include)
            runs = [ids[n:n + size] for n in range(0, len(ids), size)]
            assert ranges == [(run[0], run[-1]) for run in runs]


def test_a_lost_database_connection_is_sqlalchemys_error_not_the_drivers(store):
    """The bulk read goes straight through the driver on PostgreSQL (binary results): its errors
    still reach callers as SQLAlchemy's, which the pages' and jobs' handlers catch."""
    from sqlalchemy import exc, text

    with store.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the embedded database is read through SQLAlchemy's own execute")
        ids = list(db.session.scalars(select(Report.id)))
        # By ids: the first statement of such a read is the bulk read itself.
        assert len([p for b in bulk.iter_reports(db.session, get_vault(), report_ids=ids) for p in b]) == 4
        connection = db.session.connection()
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as other:  # another session ends this one's server process
            other.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})  # until it has
        with pytest.raises(exc.OperationalError) as raised:
            list(bulk.iter_reports(db.session, get_vault(), report_ids=ids))
        assert "SELECT reports.id" in str(raised.value)  # the bulk read's statement, no value
        db.session.rollback()


def test_a_bulk_read_on_a_connection_in_no_known_state_gives_it_up(store):
    """The server's farewell can reach the client before its closed socket does (a loaded machine):
    the driver then reports the connection open, with a command in flight. The bulk read gives such
    a connection up, as a lost one, so that the caller's rollback does not fail on it."""
    from sqlalchemy import exc

    with store.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the embedded database is read through SQLAlchemy's own execute")
        ids = list(db.session.scalars(select(Report.id)))
        db.session.connection().connection.driver_connection.pgconn.send_query(b"SELECT pg_sleep(0.05)")
        with pytest.raises(exc.OperationalError) as raised:
            list(bulk.iter_reports(db.session, get_vault(), report_ids=ids))
        assert raised.value.connection_invalidated
        db.session.rollback()
        assert len([p for b in bulk.iter_reports(db.session, get_vault(), report_ids=ids) for p in b]) == 4
        db.session.rollback()


def test_the_batch_plan_settings_are_the_callers_again_after_each_batch(store):
    """On PostgreSQL each batch is read with hash and merge joins and parallel workers off (index
    lookups by key at any store size); whatever the caller had set in its transaction, and any other
    setting, is as it was once the batch is read."""
    from sqlalchemy import text

    with store.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the embedded database plans its joins by index on its own")
        connection = db.session.connection()
        connection.execute(text("SET LOCAL enable_mergejoin = off"))  # the caller's own choice
        connection.execute(text("SET LOCAL max_parallel_workers_per_gather = 3"))
        before = {name: connection.execute(text(f"SHOW {name}")).scalar_one()
                  for name in ("enable_hashjoin", "enable_mergejoin", "max_parallel_workers_per_gather")}
        read = [p for part in bulk.iter_reports(db.session, get_vault(), batch=2) for p in part]
        after = {name: connection.execute(text(f"SHOW {name}")).scalar_one() for name in before}
        db.session.rollback()
    assert len(read) == 4
    assert before == {"enable_hashjoin": "on", "enable_mergejoin": "off", "max_parallel_workers_per_gather": "3"}
    assert after == before


def test_the_batch_query_is_never_a_prepared_generic_plan(store):
    """psycopg prepares a statement run five times on a connection, and PostgreSQL then plans it once
    for any range of ids: a plan that read the whole tables for every batch. The batch query is
    planned for its own ids each time, however many batches a job reads."""
    from sqlalchemy import text

    with store.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite prepares nothing across statements")
        connection = db.session.connection()
        for _ in range(12):  # more than psycopg's prepare threshold and PostgreSQL's custom plans
            assert sum(len(part) for part in bulk.iter_reports(db.session, get_vault(), batch=2)) == 4
        prepared = connection.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
        db.session.rollback()
    assert not [s for s in prepared if "record_keys.wrapped AS wrap" in s]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_whole_store_job_reads_the_store_as_it_was_when_it_began(store, public_app, workers, monkeypatch):
    """On PostgreSQL a whole-store job reads runs of heap blocks, where a row's place changes when it
    is updated: every batch, in every worker, reads the job's one snapshot, so a report moved or
    added after the job began is neither read twice, nor missed, nor read at all if it is new."""
    from sqlalchemy import text

    with store.app_context():
        if not bulk.bulk_blocks.usable(db.session):
            pytest.skip("the embedded database is read by id ranges in one transaction")
        stored = sorted(db.session.scalars(select(Report.id)))
        db.session.rollback()
    real_anchors = bulk._anchors

    def change_then_anchors(session, vault):  # noqa: ANN001, ANN202
        # After the job's snapshot is taken and before any batch is read: every row gets a new
        # version (elsewhere in the table), and a new report is taken in.
        with store.app_context():
            with db.engine.begin() as other:
                other.execute(text("UPDATE reports SET state_seq = state_seq"))
            submit(public_app, full_report("late"))
            assert take_in.take_in(db.session, get_vault()) == (1, 0)
        return real_anchors(session, vault)

    monkeypatch.setattr(bulk, "_anchors", change_then_anchors)
    with store.app_context():
        factory = sessionmaker(db.engine)
        seen = [x[0] for part in bulk.map_reports(factory, get_vault(), _digest, workers=workers, batch=1)
                for x in part]
        assert len(list(db.session.scalars(select(Report.id)))) == 5  # the new report is there
    assert sorted(seen) == stored


def _collector_state(batch: list[bulk.PlainReport]) -> list[bool]:
    import gc

    return [gc.isenabled()] * len(batch)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_cyclic_collector_is_paused_for_decryption_and_restored_for_the_caller(store, workers):
    import gc

    assert gc.isenabled()
    forked = workers == 2 and bulk.forking_is_safe()  # else map_reports reads in this process
    with store.app_context():
        factory = sessionmaker(db.engine)
        states = [x for part in bulk.map_reports(factory, get_vault(), _collector_state, workers=workers, batch=2)
                  for x in part]
        between = [gc.isenabled() for _ in bulk.iter_reports(db.session, get_vault(), batch=2)]
        with bulk.collector_paused():
            assert not gc.isenabled()
            list(bulk.iter_reports(db.session, get_vault(), batch=2))
            assert not gc.isenabled()  # a caller's own pause is not ended by the read inside it
    assert len(states) == 4 and between == [True, True]
    # In worker processes the collector stays off for the job; in the calling process it runs
    # again as soon as a batch is handed over.
    assert set(states) == ({False} if forked else {True})
    assert gc.isenabled()


def _digest(batch: list[bulk.PlainReport]) -> list[tuple[object, str, str | None]]:
    return [(p.id, p.names[0]["value"], p.testimony) for p in batch]


def test_nothing_is_written_to_disk(store, tmp_path, monkeypatch):
    # Any temporary file (tempfile, DuckDB-like spills, multiprocessing) would land in this folder.
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    monkeypatch.setenv("TMPDIR", str(private))
    before = _tree(tmp_path)
    with store.app_context():
        factory = sessionmaker(db.engine)
        seen = [x for part in bulk.map_reports(factory, get_vault(), _digest, workers=2, batch=2) for x in part]
        seen += [(p.id,) for b in bulk.iter_reports(db.session, get_vault()) for p in b]
    assert len(seen) == 8
    new = {p for p in _tree(tmp_path) - before if not p.endswith(("-journal", "-wal", "-shm"))}
    assert not new, new
    # No file under the test's folders (the SQLite database included) holds a plaintext sentinel.
    for path in (Path(p) for p in _tree(tmp_path)):
        if path.is_file():
            assert b"SENTINEL" not in path.read_bytes(), path


def _tree(root: Path) -> set[str]:
    out = set()
    for folder, _dirs, files in os.walk(root):
        out.update(os.path.join(folder, f) for f in files)
    return out


def _all(app: Flask) -> list[list[bulk.PlainReport]]:
    with app.app_context():
        return list(bulk.iter_reports(db.session, get_vault(), batch=2))


def _count(app: Flask, submission_id) -> int:  # noqa: ANN001
    with app.app_context():
        return len(db.session.scalars(select(Report.id).where(Report.submission_id == submission_id)).all())


def test_replays_and_broken_links_are_caught_as_report_states_catches_them(store):
    from intake.services import persons, triage
    from tests.unit.test_triage import make_reviewer

    reviewer = make_reviewer(store)
    with store.app_context():
        a, b, c, _d = db.session.scalars(select(Report.handle).order_by(Report.handle)).all()

    def act(change, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        with store.app_context():
            return change(db.session, get_vault(), *args, actor=reviewer, **kwargs)

    def columns(handle: str) -> dict[str, object]:
        with store.app_context():
            row = db.session.execute(select(Report.id, Report.verification, Report.person_id, Report.state_seq,
                                            Report.state_mac).where(Report.handle == handle)).one()
            return dict(row._mapping)

    def put_back(saved: dict[str, object]) -> None:
        with store.app_context():
            db.session.execute(update(Report).where(Report.id == saved["id"]).values(
                {k: v for k, v in saved.items() if k != "id"}))
            db.session.commit()

    act(triage.set_verification, a, "documented")
    documented = columns(a)
    act(triage.set_verification, a, "reported")
    put_back(documented)  # an older, validly sealed row: only the audit log tells
    act(persons.link_report, b, None, reason="first")
    linked = columns(b)
    act(persons.link_report, b, None, reason="second")
    put_back(linked)  # its sealed link history says otherwise
    act(persons.link_report, c, None, reason="fine")

    with store.app_context():
        vault = get_vault()
        ids = list(db.session.scalars(select(Report.id)))
        expected = {rid: (s.verified, s.person_id, s.verification, s.problem)
                    for rid, s in integrity_states.report_states(db.session, vault, ids).items()}
        got = {p.id: (p.state_ok, p.person_id, p.verification, (p.state_problem or "").split(": ", 1)[-1] or None)
               for batch in bulk.iter_reports(db.session, vault, batch=3) for p in batch}
    assert got == expected
    by_handle = {h: got[columns(h)["id"]] for h in (a, b, c)}
    assert "older state was put back" in by_handle[a][3] and "link history" in by_handle[b][3]
    assert by_handle[c][0] and by_handle[c][1] is not None


def test_forking_stays_allowed_whatever_the_import_order():
    """The idle native threads that numpy and pyarrow start at import are the baseline, whichever
    module is imported first; a DuckDB connection's pool still forbids forking afterwards."""
    script = (
        "import intake.services.bulk\n"  # the bulk path first, the disclosure and matcher code after
        "import intake.disclosure.privacy, intake.dedup.pipeline, opendp.prelude\n"
        "from intake.forking import forking_is_safe\n"
        "print(forking_is_safe())\n"
        "import duckdb\n"
        "con = duckdb.connect()\n"
        "con.execute('SELECT 1').fetchall()\n"
        "print(forking_is_safe())\n")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
                         check=True).stdout.split()
    assert out == ["True", "False"]


def test_a_whole_store_job_refuses_a_session_that_already_began(store):
    """The job's snapshot needs a REPEATABLE READ transaction from its first statement: handed a
    session already in a transaction, it refuses rather than read each batch at its own moment."""
    from sqlalchemy import text

    with store.app_context():
        if not bulk.bulk_blocks.usable(db.session):
            pytest.skip("the embedded database is read by id ranges in one transaction")
        db.session.execute(text("SELECT 1"))
        with pytest.warns(Warning), pytest.raises(RuntimeError, match="must begin"):
            bulk.bulk_blocks.begin_job(db.session)
        db.session.rollback()
        bulk.bulk_blocks.begin_job(db.session)  # a fresh transaction is fine
        db.session.rollback()


def test_a_process_that_has_not_yet_connected_reads_in_the_tables_order(store, monkeypatch):
    """A CLI job may call map_reports first thing: an engine that never connected does not know the
    server's version yet, and must not fall back to id ranges for that alone."""
    from sqlalchemy import create_engine

    with store.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the embedded database is read by id ranges in one transaction")
        engine = create_engine(db.engine.url)
        assert engine.dialect.server_version_info is None
        begun = []
        real = bulk.bulk_blocks.begin_job
        monkeypatch.setattr(bulk.bulk_blocks, "begin_job", lambda session: begun.append(1) or real(session))
        seen = [x for part in bulk.map_reports(sessionmaker(engine), get_vault(), _digest) for x in part]
        engine.dispose()
    assert begun == [1] and len(seen) == 4
