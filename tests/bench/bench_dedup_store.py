"""Benchmark of deduplication over the encrypted working store: `flask dedup run`'s stages, and
scoring one new report at take-in (p50 / p95).

Run: .venv/bin/python tests/bench/bench_dedup_store.py [--reports N] [--new K] [--workers W] [--db URL|sqlite]
     [--incremental-only]  (skip the whole-store run and training: a million reports' take-in scoring)
     [--keep-store DIR]    (keep the generated store in DIR and reuse it next time: a million reports
                            are generated once; each run starts by clearing the pairs the last one stored)
     [--drop-store DIR]    (drop the kept store's schema and delete DIR)
(pytest never collects this directory). Nothing asserts on a timing. Each figure carries its ratio
to a reference measured in the same run on the same data:
  run:          REF = reading the same ciphertext columns of every report (Core, no decryption);
                then decrypt (bulk path, verified state), prepare, score, cluster, store, and
                the whole run with its extrapolation to 1,000,000 reports (linear; DuckDB's
                blocking joins grow faster than linearly with block sizes, so read it as a floor).
  incremental:  REF = one report decrypted through the bulk path; then one new report scored:
                blind-index candidates, their decryption, scoring, recording (no commit).
Data: the matcher's synthetic population (tests/dedup_population.py: families, every script, typos,
~2 reports per person), each report encrypted under its own submission's data key wrapped under the
KEK, review state sealed, blind indexes as take-in computes them, bulk-inserted with Core.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import support  # noqa: E402
from support import log, taken_in_state  # noqa: E402

from sqlalchemy import insert, select  # noqa: E402

from intake.crypto import fields, wraps  # noqa: E402
from intake.extensions import db  # noqa: E402
from intake.keyring import get_vault  # noqa: E402
from intake.models import BlindIndex, RecordKey, Report, Submission  # noqa: E402
from intake.models.base import new_handle, today  # noqa: E402
from intake.services import blind_indexes, bulk, dedup_jobs, dedup_rows  # noqa: E402
from tests.dedup_population import population  # noqa: E402


def values_of(row: dict[str, str]) -> dict[str, Any]:
    names = [{"value": row[c], "script": "", "kind": k} for c, k in
             (("given_name", "given"), ("father_name", "father"), ("full_name_alt", "full")) if row.get(c)]
    return {"names": names, "gender": row["gender"] or None, "birth_date": row["birth_date"] or None,
            "home_place_text": row["home_place"] or None, "id_number": row["chinese_id"] or None,
            "detention_date": row["detention_year"] or None, "submitter_relationship": row["reporter_relationship"] or None,
            "testimony": "testimony " * 40}


def generate(app: Any, n: int, chunk: int = 2000) -> int:
    rows, _ = population(max(2, int(n / 2.1)), seed=7)
    rows = rows[:n]
    with app.app_context():
        vault = get_vault()
        kek, day = vault.current_kek(), today()
        index_key_id, root = vault.current_index_key()
        codecs = {name: getattr(Report, name).codec for name in ("names", *bulk.TEXT_FIELDS)}
        tables = (Submission.__table__, Report.__table__, RecordKey.__table__, BlindIndex.__table__)
        started = time.perf_counter()
        for first in range(0, len(rows), chunk):
            batches: tuple[list[dict[str, Any]], ...] = ([], [], [], [])
            for row in rows[first:first + chunk]:
                sid, rid, dek, dek_id = uuid.uuid4(), uuid.uuid4(), os.urandom(32), os.urandom(16)
                values = values_of(row)
                submission = dict(id=sid, created_on=day, language="ug", status="received", in_working_store=True,
                                  receipt_verifier=os.urandom(56), reply_public_key=os.urandom(64))
                report = dict(id=rid, handle=new_handle("R"), submission_id=sid, position=0, created_on=day,
                              verification="reported", status="detained", person_id=None)
                for name, value in values.items():  # every row the same keys (one executemany)
                    report[name] = None if value is None else fields.encrypt_field(
                        dek, dek_id, "reports", name, rid, codecs[name].encode(value))
                taken_in_state(vault, dek, dek_id, submission, [report])
                batches[0].append(submission)
                batches[1].append(report)
                batches[2].append(dict(id=uuid.uuid4(), owner_table="submissions", owner_id=sid, dek_id=dek_id,
                                       holder="kek", holder_key_id=kek.key_id, created_on=day,
                                       wrapped=wraps.kek_wrap(kek, "submissions", sid, dek)))
                for index, token in sorted(blind_indexes.tokens_for(root, values)):
                    batches[3].append(dict(id=uuid.uuid4(), report_id=rid, index_name=index, token=token,
                                           key_id=index_key_id, version=blind_indexes.INDEX_VERSION))
            with db.engine.begin() as conn:
                for table, batch in zip(tables, batches, strict=True):
                    conn.execute(insert(table), batch)
        log(f"generated and inserted {len(rows):,} reports ({time.perf_counter() - started:.1f} s)")
        if db.engine.dialect.name == "postgresql":
            # As autovacuum would have by then: without statistics on freshly bulk-loaded tables the
            # planner scans whole tables for a few candidates.
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        db.session.remove()
    return len(rows)


def reference_read(app: Any) -> float:
    """Every report's compared ciphertext columns, read with Core: what decryption adds to."""
    with app.app_context():
        columns = [getattr(Report, f"{name}_sealed") for name in dedup_rows.COMPARED]
        started = time.perf_counter()
        count = sum(1 for _ in db.session.execute(select(Report.id, *columns).execution_options(yield_per=2000)))
        seconds = time.perf_counter() - started
        db.session.remove()
    assert count > 0
    return seconds


def whole_run(app: Any, workers: int) -> tuple[Any, float, float]:
    """`flask dedup run` over the store, then training, each timed."""
    with app.app_context():
        # The run first, with the shipped model: its workers are forked before DuckDB has started
        # any thread in this process (as in `flask dedup run`, a process of its own).
        log("running")
        started = time.perf_counter()
        report = dedup_jobs.run(db.session, get_vault(), actor="bench", workers=workers)
        run_s = time.perf_counter() - started
        log("training (its own figure)")
        started = time.perf_counter()
        dedup_jobs.train(db.session, get_vault(), actor="bench")
        train_s = time.perf_counter() - started
        db.session.remove()
    return report, run_s, train_s


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


STORE_FILE = "store.json"


def keep_store(directory: Path, url: str, keys: support.Secrets, n: int) -> None:
    """What a later run needs to use the same store: its database, secrets and size (no plaintext)."""
    import json

    state = {"url": url, "secret_key": keys.secret_key, "pepper": keys.pepper, "passphrase": keys.passphrase,
             "reports": n}
    path = directory / STORE_FILE
    path.write_text(json.dumps(state), encoding="utf-8")
    path.chmod(0o600)
    log(f"store kept: {directory} (holds its secrets; --drop-store {directory} removes it and its schema)")


def reuse_store(directory: Path) -> tuple[Any, str, int]:
    """The kept store's app, URL and size, with the pairs and the model of any earlier run cleared."""
    import json

    from sqlalchemy import delete

    from intake import create_app
    from intake.models import CandidatePair

    state = json.loads((directory / STORE_FILE).read_text(encoding="utf-8"))
    (directory / "dedup-model.json").unlink(missing_ok=True)  # the last run's training: start from the shipped model
    keys = support.Secrets(directory / "keys", secret_key=state["secret_key"], pepper=state["pepper"],
                           passphrase=state["passphrase"])
    app = create_app("production", {**keys.settings("review", state["url"]), **_store_settings(directory)})
    with app.app_context():
        cleared = db.session.execute(delete(CandidatePair)).rowcount
        db.session.commit()
        db.session.remove()
    log(f"reusing the kept store of {state['reports']:,} reports in {directory} ({cleared:,} earlier pairs cleared)")
    return app, state["url"], state["reports"]


def _store_settings(directory: Path) -> dict[str, str]:
    return {"INTAKE_DEDUP_MODEL": str(directory / "dedup-model.json"), "INSTANCE_PATH": str(directory / "instance")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--new", type=int, default=200, help="new reports scored one by one (200)")
    parser.add_argument("--workers", type=int, default=1, help="processes decrypting the store in the run (1)")
    parser.add_argument("--db", default=support.DEFAULT_PG, help="PostgreSQL URL (a temporary schema) or 'sqlite'")
    parser.add_argument("--incremental-only", action="store_true",
                        help="skip the whole-store run and training: only score new reports one by one")
    parser.add_argument("--keep-store", metavar="DIR", type=Path,
                        help="keep the generated store (schema, secrets) in DIR and reuse it next time")
    parser.add_argument("--drop-store", metavar="DIR", type=Path, help="drop the schema kept in DIR, delete DIR")
    args = parser.parse_args()
    if args.drop_store:
        from review_store import drop_store

        return drop_store(args.drop_store)
    if not 100 <= args.reports <= 1_000_000 or not 10 <= args.new <= 5000:
        parser.error("keep it bounded: --reports 100..1000000, --new 10..5000")
    if support.postgres_missing(args.db):
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="intake-bench-dedup-"))
    drop, app = None, None
    try:
        kept = args.keep_store
        if kept is not None and (kept / STORE_FILE).exists():
            app, url, n = reuse_store(kept)
        else:
            home = kept or tmp
            home.mkdir(parents=True, exist_ok=True)
            app, url, keys, drop = support.review_store(home, args.db, **_store_settings(home))
            n = generate(app, args.reports)
            if kept is not None:
                keep_store(kept, url, keys, n)
                drop = None  # the schema stays for the next run
        ref = reference_read(app)

        if args.incremental_only:
            log("skipping the run and training (--incremental-only)")
            report, run_s, train_s = None, 0.0, 0.0
        else:
            report, run_s, train_s = whole_run(app, args.workers)

        with app.app_context():
            s, v = db.session, get_vault()
            loaded = dedup_jobs.current_model()
            ids = list(s.scalars(select(Report.id)))
            sample = random.Random(3).sample(ids, min(args.new, len(ids)))
            refs, times, candidates = [], [], []
            for rid in sample:
                started = time.perf_counter()
                dedup_rows.rows_for(s, v, [rid])
                refs.append(time.perf_counter() - started)
                target = s.get(Report, rid)
                target.names  # noqa: B018 - the new report is decrypted at take-in before scoring
                started = time.perf_counter()
                with s.begin_nested() as nested:
                    dedup_jobs.score_new_report(s, v, target, loaded)
                    nested.rollback()
                times.append(time.perf_counter() - started)
                fields = {name: getattr(target, name) for name in dedup_rows.COMPARED}
                candidates.append(len(dedup_rows.candidate_ids(s, v, rid, fields)))
                s.expunge_all()
            db.session.remove()

        print(f"intake dedup-store benchmark: {support.backend(url)}, {n:,} reports, {args.workers} decrypting "
              f"worker(s); Python "
              f"{platform.python_version()}, {os.cpu_count()} CPUs")
        print(f"  REF read ciphertext of every report     {ref:8.2f} s")
        if report is not None:
            for stage, seconds in report.timings.items():
                print(f"  {stage:<38} {seconds:8.2f} s   x{seconds / ref:7.1f} ref")
            print(f"  whole run                               {run_s:8.2f} s   x{run_s / ref:7.1f} ref; "
                  f"linear to 1M: {run_s * 1_000_000 / n / 60:.1f} min")
            print(f"  training (separate)                     {train_s:8.2f} s")
            print(f"  pairs {report.pairs:,}, clusters {report.clusters:,}, queued {report.recorded.new:,}")
        p50r, p50, p95 = statistics.median(refs), percentile(times, 0.5), percentile(times, 0.95)
        print(f"  incremental, {len(times)} new reports (candidates median {statistics.median(candidates):.0f}, "
              f"max {max(candidates)}):")
        print(f"    REF decrypt one report (bulk path)    p50 {p50r * 1000:7.1f} ms")
        print(f"    score one new report                  p50 {p50 * 1000:7.1f} ms (x{p50 / p50r:.1f} ref), "
              f"p95 {p95 * 1000:7.1f} ms (x{p95 / p50r:.1f} ref)")
        return 0
    finally:
        support.tear_down([app], drop, tmp)


if __name__ == "__main__":
    sys.exit(main())
