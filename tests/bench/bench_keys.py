"""Benchmark of key rotation at scale and of audited actions from several workers at once.

Run: /work/venv/bin/python tests/bench/bench_keys.py [--keys N] [--workers W] [--actions A] [--db URL]
(pytest never collects this directory). Nothing asserts on a timing; every figure is printed with a
ratio to a reference measured in the same run.

Rotation (SQLite, or PostgreSQL with --db):
  K3      one KEK rotation step in memory (unwrap + wrap of a 32-byte data key, crypto only): the floor.
  S1/S2   services.keys.rotate(kek=True) over N/4 and N record keys (generated already taken in):
          per key, "x K3", and the projection to 1,000,000 keys (per key x 1e6). S2/S1 near 1 shows
          the cost per key does not grow with the table (keyset batches, no re-scan). The CPU time
          of this process is printed beside: on a shared machine, wall time includes waiting for a core.
Audit (PostgreSQL only, --db): W processes each run A transactions of: one audit entry, 20 ms of
  other work in the database (pg_sleep), commit.
  C0      one process alone (the time one action takes, no contention).
  C1      W processes, entries chained at commit (the code as it is).
  C2      W processes, the chain's lock taken when the entry is recorded, i.e. held for the whole
          action (what the code did before): the global queue. C2/C1 is the speed-up; C1/C0 near 1
          means the workers no longer wait for one another. Timed from a common start, after every
          worker process has started and connected, to the last worker's last commit.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from intake import create_app  # noqa: E402
from intake.crypto import wraps  # noqa: E402
from intake.crypto.keys import SymmetricKey  # noqa: E402
from intake.extensions import db  # noqa: E402
from intake.keyring import get_vault  # noqa: E402
from intake.models import AuditEvent, RecordKey  # noqa: E402
from intake.models.base import today  # noqa: E402
from intake.services import audit  # noqa: E402
from intake.services import keys as key_service  # noqa: E402
from tests.bench.support import Secrets, fresh_pg_schema, log  # noqa: E402


def generate(app, n: int, chunk: int = 10000) -> None:
    with app.app_context():
        kek, day = get_vault().current_kek(), today()
        for first in range(0, n, chunk):
            batch = []
            for _ in range(min(chunk, n - first)):
                owner = uuid.uuid4()
                batch.append(dict(id=uuid.uuid4(), owner_table="submissions", owner_id=owner, dek_id=os.urandom(16),
                                  holder="kek", holder_key_id=kek.key_id, created_on=day,
                                  wrapped=wraps.kek_wrap(kek, "submissions", owner, os.urandom(32))))
            with db.engine.begin() as conn:
                conn.execute(insert(RecordKey.__table__), batch)


def k3(samples: int = 20000) -> float:
    old, new = SymmetricKey.generate(), SymmetricKey.generate()
    owner = uuid.uuid4()
    blobs = [wraps.kek_wrap(old, "submissions", owner, os.urandom(32)) for _ in range(samples)]
    rewrap = wraps.KekRewrap({old.key_id: old}, new)
    start = time.perf_counter()
    for blob in blobs:
        rewrap("submissions", owner, blob)
    return (time.perf_counter() - start) / samples


def rotate(app, passphrase: str) -> tuple[float, float, int]:
    """(wall seconds, this process's CPU seconds, keys rotated)."""
    with app.app_context():
        total = {"n": 0}
        start, cpu = time.perf_counter(), time.process_time()
        key_service.rotate(db.session, get_vault(), passphrase, kek=True, on_total=lambda t: total.update(n=t))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        db.session.remove()
    return seconds, cpu, total["n"]


def rotation(url: str, run: Secrets, n: int) -> list[str]:
    app = create_app("test", run.settings("review", url))
    try:
        with app.app_context():
            db.create_all()
        out = []
        floor = k3()
        out.append(f"K3  KEK rotation step in memory{'':34}{floor * 1e6:9.2f} µs   x 1.00")
        per = {}
        for label, size in (("S1", n // 4), ("S2", n)):
            with app.app_context():
                db.session.execute(RecordKey.__table__.delete())
                db.session.commit()
            log(f"generating {size:,} record keys")
            generate(app, size)
            log(f"rotating over {size:,}")
            seconds, cpu, total = rotate(app, run.passphrase)
            per[label] = seconds / total
            out.append(f"{label}  keys rotate --kek, {total:>9,} keys: {seconds:7.1f} s{'':14}{per[label] * 1e6:9.2f} µs"
                       f"   x {per[label] / floor:5.2f} K3   -> {per[label] * 1e6:6.1f} s per 1,000,000 keys"
                       f"  (this process's CPU: {cpu / total * 1e6:.1f} µs per key, x {cpu / total / floor:.2f} K3)")
        out.append(f"    S2/S1 per key: {per['S2'] / per['S1']:.2f} (near 1: no growth with the table)")
        return out
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _worker(settings: dict, actions: int, hold: bool, tag: str, start_at: float) -> float:
    """Run `actions` audited actions from `start_at` (wall clock, after every worker has started);
    return when it finished."""
    app = create_app("test", settings)
    with app.app_context():
        vault = get_vault()
        db.session.execute(select(AuditEvent.seq).limit(1))  # connect before the start
        db.session.rollback()
        while time.time() < start_at:
            time.sleep(0.005)
        for n in range(actions):
            if hold:
                audit.lock_chain(db.session)  # as before: the chain held from the entry to the commit
            audit.record(db.session, vault, actor="cli", action="bench.action", object_id=tag, details={"n": n})
            db.session.execute(text("SELECT pg_sleep(0.02)"))
            db.session.commit()
        finished = time.time()
        db.session.remove()
        db.engine.dispose()
    return finished


def contention(url: str, run: Secrets, workers: int, actions: int) -> list[str]:
    app = create_app("test", run.settings("review", url))
    settings = run.settings("review", url)
    try:
        with app.app_context():
            db.create_all()
        results = {}
        ctx = multiprocessing.get_context("spawn")
        for label, count, hold in (("C0", 1, False), ("C1", workers, False), ("C2", workers, True)):
            log(f"{label}: {count} worker(s) x {actions} audited actions")
            with ctx.Pool(count) as pool:
                start_at = time.time() + 10  # process start-up (imports, keys) is not measured
                ends = pool.starmap(_worker, [(settings, actions, hold, f"{label}-{w}", start_at)
                                              for w in range(count)])
                results[label] = max(ends) - start_at
        with app.app_context():
            verified = audit.verify(db.session, get_vault())
            seqs = list(db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
        ordered = seqs == list(range(1, len(seqs) + 1))
        return [
            f"C0  1 worker x {actions} actions: {results['C0']:6.2f} s",
            f"C1  {workers} workers x {actions}, chained at commit: {results['C1']:6.2f} s   x {results['C1'] / results['C0']:.2f} C0",
            f"C2  {workers} workers x {actions}, chain held for the action: {results['C2']:6.2f} s   "
            f"x {results['C2'] / results['C0']:.2f} C0",
            f"    speed-up C2/C1: {results['C2'] / results['C1']:.2f}; chain: {verified.count} entries, "
            f"{'strictly ordered' if ordered else 'GAPS'}, {'verifies' if verified.ok else 'DOES NOT VERIFY'}",
        ]
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=200_000, help="record keys for S2 (200000; S1 is a quarter)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--actions", type=int, default=25, help="audited actions per worker (25)")
    parser.add_argument("--db", help="SQLAlchemy URL of a PostgreSQL database (a temporary schema is used)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="intake-bench-keys-"))
    run = Secrets(tmp)
    run.create_keys()
    drops = []
    lines = [f"intake keys benchmark: {'postgresql' if args.db else 'sqlite'}, {os.cpu_count()} CPUs"]
    try:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        if args.db:
            url, drop = fresh_pg_schema(args.db)
            drops.append(drop)
        if args.keys > 0:  # --keys 0: the audit part only
            lines += rotation(url, run, args.keys)
        if args.db:
            url2, drop2 = fresh_pg_schema(args.db)
            drops.append(drop2)
            lines += contention(url2, run, args.workers, args.actions)
        print("\n".join(lines))
    finally:
        for drop in drops:
            drop()
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
