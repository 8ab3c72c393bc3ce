"""Benchmark of the bulk decryption path (services/bulk.py) beside raw AES-GCM of the same fields.

Run: .venv/bin/python tests/bench/bench_bulk.py [--reports N] [--db URL|sqlite] [--orm-sample M]
(pytest never collects this directory). Nothing asserts on a timing: every figure carries its
ratio to the raw AES-GCM baseline measured in the same run. Correctness is checked: every path
must return the same plaintext for every report it reads.

Data: N reports (100,000), one per submission, taken in (every sealed field encrypted under its own
data key, the key wrapped under the KEK, consent sealed, review-side state sealed with real seals),
bulk-inserted with SQLAlchemy Core into a temporary PostgreSQL schema (default) or SQLite file.
Figures, per report:
  RAW   AES-GCM only: unwrap the data key and decrypt the report's 17 sealed fields and the
        consent, ciphertexts already in memory (no database, no decoding): the floor
  B1    iter_reports, one process: every field, verified state and consent (batches of 2000)
  B1i   iter_reports, the fields the blind indexes and the matcher read (names, dates, place, ID)
  B2    map_reports, 2 worker processes, every field
  ORM   the per-record path (Report objects, Sealed descriptors, report_states, consents), on a
        sample of --orm-sample reports
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import support  # noqa: E402
from support import log, taken_in_state  # noqa: E402

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from intake.crypto import fields, wraps  # noqa: E402
from intake.extensions import db  # noqa: E402
from intake.keyring import get_vault  # noqa: E402
from intake.models import SEALED_REPORT_FIELDS, RecordKey, Report, Submission  # noqa: E402
from intake.models.base import new_handle, today  # noqa: E402
from intake.services import bulk, consent, integrity, integrity_states  # noqa: E402

TESTIMONY = ("ئۇ 2017-يىلى قەشقەردە تۇتۇلدى. بىز ئۇنىڭدىن خەۋەر ئالالمىدۇق. "
             "她于2017年4月在喀什被带走，至今没有消息。 ") * 6
NAMES = [("ئابدۇرېھىم تۇرسۇن", "ug-Arab"), ("阿不都热依木·吐尔逊", "zh-Hans"), ("Abdurehim Tursun", "Latn")]
ALL = (*SEALED_REPORT_FIELDS, "reported_status")


def plain_values(i: int, rng: random.Random) -> dict[str, Any]:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(50 * 365))
    values: dict[str, Any] = {name: f"{name} {i}" for name in ALL}
    values.update(names=[{"value": f"{v} {i}", "script": s} for v, s in NAMES], birth_date=born.isoformat(),
                  home_county="653101", testimony=TESTIMONY, reported_status="detained")
    return values


def generate(app: Any, n: int, rng: random.Random, chunk: int = 2000) -> dict[uuid.UUID, str]:
    """n taken-in reports; returns each report's testimony-free check value (its first name)."""
    expected: dict[uuid.UUID, str] = {}
    handles: set[str] = set()
    with app.app_context():
        vault = get_vault()
        kek, day = vault.current_kek(), today()
        codecs = {name: getattr(Report, name).codec for name in ALL}
        tables = (Submission.__table__, Report.__table__, RecordKey.__table__)
        start = time.perf_counter()
        for first in range(0, n, chunk):
            rows: tuple[list[dict[str, Any]], ...] = ([], [], [])
            for i in range(first, min(n, first + chunk)):
                sid, rid, dek, dek_id = uuid.uuid4(), uuid.uuid4(), os.urandom(32), os.urandom(16)
                values = plain_values(i, rng)
                submission = dict(id=sid, created_on=day, language="ug", status="received", in_working_store=True)
                while (handle := new_handle("R")) in handles:
                    pass
                handles.add(handle)
                report = dict(id=rid, handle=handle, submission_id=sid, position=0,
                              created_on=day, verification="reported", status="detained")
                for name in ALL:
                    report[name] = fields.encrypt_field(
                        dek, dek_id, "reports", name, rid, codecs[name].encode(values[name]))
                taken_in_state(vault, dek, dek_id, submission, [report])
                rows[0].append(submission)
                rows[1].append(report)
                rows[2].append(dict(id=uuid.uuid4(), owner_table="submissions", owner_id=sid, dek_id=dek_id,
                                    holder="kek", holder_key_id=kek.key_id, created_on=day,
                                    wrapped=wraps.kek_wrap(kek, "submissions", sid, dek)))
                expected[rid] = values["names"][0]["value"]
            with db.engine.begin() as conn:
                for table, batch in zip(tables, rows, strict=True):
                    conn.execute(insert(table), batch)
            if (first // chunk) % 10 == 0:
                log(f"inserted {min(n, first + chunk):,}/{n:,} ({time.perf_counter() - start:.0f} s)")
        if db.engine.dialect.name == "postgresql":
            # As autovacuum leaves a store: statistics for the planner, and the rows' visibility
            # settled (the first read of freshly inserted rows would otherwise write every page
            # back to set their hint bits, a cost of the load, not of reading).
            with db.engine.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                for table in ("submissions", "reports", "record_keys", "audit_events", "person_link_events"):
                    conn.execute(text(f"VACUUM ANALYZE {table}"))
        with db.engine.begin() as conn:
            assert conn.scalar(select(func.count()).select_from(Report)) == n
        db.session.remove()
    return expected


def cpu() -> float:
    """CPU seconds of this process and of its finished children (the forked workers, once joined)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def raw_baseline(app: Any, sample: int) -> tuple[float, float]:
    """(wall, CPU) seconds per report of AES-GCM alone over `sample` reports' ciphertexts in memory."""
    with app.app_context():
        vault = get_vault()
        cols = [Report.id, Report.submission_id] + [getattr(Report, f"{n}_sealed") for n in ALL]
        rows = db.session.execute(select(*cols, Submission.consent_sealed, RecordKey.dek_id, RecordKey.wrapped)
                                  .join(Submission, Submission.id == Report.submission_id)
                                  .join(RecordKey, RecordKey.owner_id == Submission.id).limit(sample)).all()
        db.session.remove()
    start, cpu_start = time.perf_counter(), cpu()
    for row in rows:
        rid, sid, dek_id, wrapped = row[0], row[1], row[-2], row[-1]
        aead = AESGCM(wraps.kek_unwrap(vault.keks, "submissions", sid, wrapped))
        for name, blob in zip(ALL, row[2:2 + len(ALL)], strict=True):
            fields.decrypt_with(aead, dek_id, "reports", name, rid, blob)
        fields.decrypt_with(aead, dek_id, "submissions", "consent", sid, row[-3])
    return (time.perf_counter() - start) / len(rows), (cpu() - cpu_start) / len(rows)


EXPECTED: dict[uuid.UUID, str] = {}  # set before forking: workers inherit it


def run_bulk(app: Any, expected: dict[uuid.UUID, str], *, workers: int,
             fields_: tuple[str, ...] | None) -> tuple[float, float]:
    EXPECTED.clear()
    EXPECTED.update(expected)
    with app.app_context():
        factory = sessionmaker(db.engine)
        start, cpu_start = time.perf_counter(), cpu()
        seen = 0
        for count, ok in bulk.map_reports(factory, get_vault(), _check, workers=workers, fields=fields_):
            seen += count
            assert ok, "a report did not decrypt to what was stored, or its state did not verify"
        elapsed, cpu_used = time.perf_counter() - start, cpu() - cpu_start
        db.session.remove()
    assert seen == len(expected), f"{seen} reports read, {len(expected)} stored"
    return elapsed, cpu_used


def _check(batch: list[bulk.PlainReport]) -> tuple[int, bool]:
    # Only counts leave the worker: plaintext stays in the process that decrypted it.
    ok = all(p.readable and p.state_ok and p.consent.share_research and p.names[0]["value"] == EXPECTED[p.id]
             for p in batch)
    return len(batch), ok


def orm_path(app: Any, sample: int) -> tuple[float, float]:
    with app.app_context():
        vault = get_vault()
        ids = list(db.session.scalars(select(Report.id).limit(sample)))
        db.session.remove()
    with app.app_context():
        start, cpu_start = time.perf_counter(), cpu()
        for chunk in integrity.chunks(ids, 500):
            reports = list(db.session.scalars(select(Report).where(Report.id.in_(chunk))))
            states = integrity_states.report_states(db.session, vault, chunk)
            consents = consent.consents(db.session, {r.submission_id for r in reports})
            for r in reports:
                values = {name: getattr(r, name) for name in ALL}
                assert values["names"] and states[r.id].verified and consents[r.submission_id].known
            db.session.expunge_all()
        elapsed, cpu_used = time.perf_counter() - start, cpu() - cpu_start
        db.session.remove()
    return elapsed / len(ids), cpu_used / len(ids)


def keep_store(path: Path, url: str, keys: support.Secrets, expected: dict[uuid.UUID, str]) -> None:
    """What a later run needs to read the same store: its database, secrets and check values (of
    generated names; nothing real)."""
    import json
    import pickle

    state = {"url": url, "secret_key": keys.secret_key, "pepper": keys.pepper, "passphrase": keys.passphrase}
    (path.parent / "expected.pickle").write_bytes(pickle.dumps({k.bytes: v for k, v in expected.items()}))
    path.write_text(json.dumps(state), encoding="utf-8")
    path.chmod(0o600)
    log(f"store kept: {path} (holds its secrets; --drop-store {path.parent} removes it and its schema)")


def reuse_store(directory: Path) -> tuple[Any, str, dict[uuid.UUID, str]]:
    import json
    import pickle

    from intake import create_app

    state = json.loads((directory / "store.json").read_text(encoding="utf-8"))
    keys = support.Secrets(directory / "keys", secret_key=state["secret_key"], pepper=state["pepper"],
                           passphrase=state["passphrase"])
    expected = pickle.loads((directory / "expected.pickle").read_bytes())  # written by keep_store above
    return (create_app("production", keys.settings("review", state["url"])), state["url"],
            {uuid.UUID(bytes=k): v for k, v in expected.items()})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000, help="reports in the working store (100000)")
    parser.add_argument("--db", default=support.DEFAULT_PG, help="PostgreSQL URL (a temporary schema), or 'sqlite'")
    parser.add_argument("--orm-sample", type=int, default=5000, help="reports read through the ORM path (5000)")
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--paths", default="B1,B1i,B2,ORM", help="which figures beside RAW (B1,B1i,B2,ORM)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of B2 (2)")
    parser.add_argument("--keep-store", metavar="DIR", type=Path,
                        help="keep the generated store (schema, secrets, check values) in DIR and reuse it next time")
    parser.add_argument("--drop-store", metavar="DIR", type=Path, help="drop the schema kept in DIR, delete DIR")
    args = parser.parse_args()
    if args.drop_store:
        from review_store import drop_store

        return drop_store(args.drop_store)
    if not 100 <= args.reports <= 2_000_000:
        parser.error("keep it bounded: --reports 100..2000000")
    if support.postgres_missing(args.db):
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    drop, app = None, None
    try:
        kept = args.keep_store / "store.json" if args.keep_store else None
        if kept is not None and kept.exists():
            app, url, expected = reuse_store(args.keep_store)
            args.reports = len(expected)
            log(f"reusing the kept store of {args.reports:,} reports in {args.keep_store}")
        else:
            app, url, keys, drop = support.review_store(args.keep_store or tmp, args.db)
            log(f"generating {args.reports:,} taken-in reports")
            expected = generate(app, args.reports, random.Random(args.seed))
            if kept is not None:
                keep_store(kept, url, keys, expected)
                drop = None  # the schema stays for the next run
        raw, raw_cpu = raw_baseline(app, min(args.reports, 20_000))
        figures = [("RAW", "AES-GCM only, ciphertexts in memory", raw * args.reports, raw_cpu * args.reports)]
        paths = set(args.paths.split(","))
        for label, what, workers, wanted in (
                ("B1", "iter_reports, 1 process, every field", 1, None),
                ("B1i", "iter_reports, 1 process, index/matcher fields", 1, ("names", "birth_date", "home_county",
                                                                           "home_place_text", "id_number")),
                ("B2", f"map_reports, {args.workers} processes, every field", args.workers, None)):
            if label not in paths:
                continue
            log(f"{label}: {what}")
            figures.append((label, what, *run_bulk(app, expected, workers=workers, fields_=wanted)))
        if "ORM" in paths:
            orm, orm_cpu = orm_path(app, min(args.orm_sample, args.reports))
            figures.append(("ORM", f"per-record path (sample of {min(args.orm_sample, args.reports):,})",
                            orm * args.reports, orm_cpu * args.reports))
        print(f"\nintake bulk decryption: {support.backend(url)}, {args.reports:,} reports; "
              f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
              "'x raw' = time / RAW's; CPU = this process and its workers (the database server not counted)")
        print(f"{'':4} {'what':48} {'wall s':>8} {'us/report':>10} {'x raw':>6} {'CPU us/report':>14} {'x raw':>6}")
        for label, what, seconds, cpu_s in figures:
            print(f"{label:4} {what:48} {seconds:8.2f} {seconds / args.reports * 1e6:10.1f} "
                  f"{seconds / figures[0][2]:6.1f} {cpu_s / args.reports * 1e6:14.1f} {cpu_s / figures[0][3]:6.1f}")
        for label, _what, seconds, _cpu in figures:
            if label == "B2":
                print(f"extrapolated to 1,000,000 reports (B2, wall): {seconds / args.reports * 1e6:.0f} s")
        print("OK: every path read every report, decrypted and verified")
        return 0
    finally:
        support.tear_down([app], drop, tmp)


if __name__ == "__main__":
    sys.exit(main())
