"""Benchmark of a researcher export from the encrypted working store, stage by stage.

Run: .venv/bin/python tests/bench/bench_exports_store.py [--persons N] [--workers W[,W...]] [--db sqlite|URL]
(pytest never collects this directory). Nothing here asserts on a timing; every figure is printed
beside a reference measured in the same run, as a ratio ("x ref").

Data: N persons (default one million), one report and one submission each, already taken in,
built with the app's own crypto (each sealed field under the submission's data key, the key
wrapped under the KEK, consent sealed, review state integrity-sealed: support.taken_in_state),
values from tests/disclosure_population.py (skewed, partly missing, free-text sentences).
  ref        raw decryption: one Core pass over the store, each data key unwrapped and the seven
             exported fields decrypted, nothing verified (the floor of any export).
  read       services.export_source.collect (the bulk path; --workers N decrypts in N processes):
             the same decryption plus seal checks of report and
             submission state, the audit-log anchors, the sealed consent, one row per person.
  stages     disclosure.build_release's own stages (encode, search, apply and check, pseudonyms,
             each writer, checksums, manifest), then sealing and inserting the membership rows and
             the commit; "after decryption" = everything after `read`.
Peak memory (max RSS of this process) is printed at the end. Target: whole export at most 60 s on
2 cores, the part after decryption at most 15 s.

--after-only measures the part after decryption alone, at any size, without building the encrypted
store: `collect` is replaced by the decrypted scope it would return (the same population's
columns, one report per person), and the build runs as it does in production from there on
(recoding search, check, four formats, checksums, manifest, membership, export row, audit, commit).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import support  # noqa: E402
from support import log, taken_in_state  # noqa: E402

from sqlalchemy import insert, select, text  # noqa: E402

from intake.crypto import fields, wraps  # noqa: E402
from intake.extensions import db  # noqa: E402
from intake.keyring import get_vault  # noqa: E402
from intake.models import RecordKey, Report, Role, Submission  # noqa: E402
from intake.models.base import new_handle, today  # noqa: E402
from intake.services import export_source, exports, users  # noqa: E402
from tests.disclosure_population import population  # noqa: E402

READ = tuple(export_source.READ_FIELDS)  # the sealed fields an export decrypts


def generate(app: Any, n: int, chunk: int = 5000) -> None:
    data = population(n, seed=2017)
    raw = {"gender": data["gender"], "birth_date": [str(b) if b else None for b in data["birth_year"]],
           "ethnicity": data["ethnicity"], "home_county": data["county"], "detention_date": data["detention_date"],
           "facility_type": data["facility_type"], "sentence": data["sentence"]}
    with app.app_context():
        vault = get_vault()
        kek, day = vault.current_kek(), today()
        start = time.perf_counter()
        for first in range(0, n, chunk):
            subs, reps, keys = [], [], []
            for i in range(first, min(first + chunk, n)):
                sid, rid, dek, dek_id = uuid.uuid4(), uuid.uuid4(), os.urandom(32), os.urandom(16)
                submission = dict(id=sid, created_on=day, language="ug", status="received", in_working_store=True)
                report = dict(id=rid, handle=new_handle("R"), submission_id=sid, position=0, person_id=None,
                              created_on=day, status=data["status"][i], verification=data["verification"][i])
                for name in READ:
                    value = raw[name][i]
                    report[name] = (fields.encrypt_field(dek, dek_id, "reports", name, rid, value.encode("utf-8"))
                                    if value else None)
                taken_in_state(vault, dek, dek_id, submission, [report])
                subs.append(submission)
                reps.append(report)
                keys.append(dict(id=uuid.uuid4(), owner_table="submissions", owner_id=sid, dek_id=dek_id, holder="kek",
                                 holder_key_id=kek.key_id, wrapped=wraps.kek_wrap(kek, "submissions", sid, dek)))
            with db.engine.begin() as conn:
                conn.execute(insert(Submission.__table__), subs)
                conn.execute(insert(Report.__table__), reps)
                conn.execute(insert(RecordKey.__table__), keys)
            if (first // chunk) % 20 == 0:
                log(f"stored {first + len(reps):,}/{n:,} ({time.perf_counter() - start:.0f} s)")
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # as autovacuum would soon after a bulk load
                for table in ("submissions", "reports", "record_keys"):
                    conn.execute(text(f"ANALYZE {table}"))


def decrypted_scope(n: int) -> export_source.Scope:
    """What `collect` returns for the generated store: the population's columns, one report each."""
    columns = population(n, seed=2017)
    keys = [uuid.uuid4() for _ in range(n)]
    return export_source.Scope(columns, keys, [(uuid.uuid4(), key) for key in keys])


def raw_decryption(app: Any, batch: int = 5000) -> int:
    """The reference: every data key unwrapped, every exported field decrypted, nothing checked."""
    count = 0
    with app.app_context():
        vault = get_vault()
        columns = [Report.id, Report.submission_id, *(getattr(Report, f"{n}_sealed") for n in READ)]
        last = None
        while True:
            query = select(*columns).order_by(Report.id).limit(batch)
            if last is not None:
                query = query.where(Report.id > last)
            rows = db.session.execute(query).all()
            if not rows:
                break
            wrapped = {r.owner_id: r for r in db.session.scalars(select(RecordKey).where(
                RecordKey.owner_table == "submissions", RecordKey.owner_id.in_([r.submission_id for r in rows])))}
            for row in rows:
                key = wrapped[row.submission_id]
                dek = wraps.kek_unwrap(vault.keks, "submissions", row.submission_id, key.wrapped)
                for name in READ:
                    blob = getattr(row, f"{name}_sealed")
                    if blob is not None:
                        fields.decrypt_field(dek, key.dek_id, "reports", name, row.id, blob)
                count += 1
            last = rows[-1].id
        db.session.remove()
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--workers", default="1",
                        help="decrypting processes (export_source.collect); several, as 2,3: one export each, "
                             "in turn, over the same store")
    parser.add_argument("--db", default="sqlite", help="'sqlite' (a temporary file) or a PostgreSQL URL")
    parser.add_argument("--after-only", action="store_true",
                        help="only the part after decryption, from the decrypted scope (no encrypted store)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="intake-bench-exports-"))
    drop = None
    app = None
    try:
        app, _, _, drop = support.review_store(tmp, args.db, INTAKE_EXPORT_DIR=str(tmp / "exports"),
                                                    INSTANCE_PATH=str(tmp / "instance"))
        with app.app_context():
            vault = get_vault()
            a = users.create_user(db.session, vault, username="proposer", role=Role.REVIEWER, password="x" * 16,
                                  kdf=_kdf())
            b = users.create_user(db.session, vault, username="approver", role=Role.ADMIN, password="x" * 16, kdf=_kdf())
            proposer, approver = a.id, b.id
        if args.after_only:
            scope = decrypted_scope(args.persons)
            export_source.collect = lambda *a, **k: scope  # type: ignore[assignment]
            ref = float("nan")
        else:
            log(f"generating {args.persons:,} persons")
            generate(app, args.persons)
            started = time.perf_counter()
            count = raw_decryption(app)
            ref = time.perf_counter() - started
            log(f"raw decryption of {count:,} reports: {ref:.1f} s")

        for workers in [int(w) for w in args.workers.split(",")]:
            _export(app, args, workers, proposer, approver, ref)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory (max RSS): {peak:,.0f} MB; targets: whole <= 60 s, after decryption <= 15 s")
    finally:
        support.tear_down([app] if app is not None else [], drop, tmp)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _export(app: Any, args: Any, workers: int, proposer: uuid.UUID, approver: uuid.UUID, ref: float) -> None:
    """One export, proposed, approved and built with `workers` decrypting processes, stage by stage."""
    timings: dict[str, float] = {}
    original_collect, original_build = export_source.collect, exports.build_release

    def timed_collect(*a: Any, **k: Any) -> Any:
        t = time.perf_counter()
        out = original_collect(*a, **k)
        timings["read (decrypt, verify, consent, one row per person)"] = time.perf_counter() - t
        return out

    releases: list[Any] = []

    def timed_build(*a: Any, **k: Any) -> Any:
        t = time.perf_counter()
        out = original_build(*a, **k)
        timings["build_release"] = time.perf_counter() - t
        releases.append(out)
        return out

    export_source.collect, exports.build_release = timed_collect, timed_build  # type: ignore[assignment]
    try:
        with app.app_context():
            vault = get_vault()
            reader = users.create_user(db.session, vault, username=f"reader{workers}", role=Role.RESEARCHER,
                                       password="x" * 16, kdf=_kdf())
            export = exports.propose(db.session, vault, actor=proposer, recipient="bench", purpose="bench",
                                     recipient_account=reader.id)
            exports.approve(db.session, vault, export.id, actor=approver)
            started = time.perf_counter()
            built = exports.build(db.session, vault, export.id, batch=5000, workers=workers)
            total = time.perf_counter() - started
            persons = built.persons
    finally:
        export_source.collect, exports.build_release = original_collect, original_build  # type: ignore[assignment]
    read = timings["read (decrypt, verify, consent, one row per person)"]
    after = total - read
    source = "the decrypted scope (--after-only)" if args.after_only else "the encrypted store"
    print(f"\nexport of {persons:,} persons from {source} ({args.db}, {workers} worker(s), load average "
          f"{os.getloadavg()[0]:.1f}), " + ("" if args.after_only else f"ref = raw decryption {ref:.2f} s"))
    print(f"{'stage':58} {'seconds':>9} {'x ref':>7}")
    rows = [] if args.after_only else [("read (decrypt, verify, consent, one row per person)", read)]
    rows += [(f"  build_release: {stage}", seconds) for stage, seconds in releases[0].timings.items()]
    rows += [("pseudonyms, membership, export row, audit, commit", total - read - timings["build_release"]),
             ("after decryption (all but read)", after)]
    rows += [] if args.after_only else [("whole export", total)]
    for stage, seconds in rows:
        ratio = "-" if args.after_only else f"{seconds / ref:.2f}"
        print(f"{stage:58} {seconds:9.2f} {ratio:>7}")


def _kdf() -> Any:
    from intake.crypto.passphrase import PROFILES

    return PROFILES["test"]["password"]


if __name__ == "__main__":
    raise SystemExit(main())
