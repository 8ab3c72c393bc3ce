"""Benchmark of writing an export's membership (services/export_members.py): rows against chunks.

Run: /work/venv/bin/python tests/bench/bench_export_members.py [--rows N] [--db URL|sqlite]
(pytest never collects this directory). Nothing asserts on a timing; both ways run in the same
process, alternately, each inside a transaction that is rolled back, and every figure is printed
with its ratio to the row-per-member way's.

Data: N bare reports (one submission each; no ciphertexts) and one export. Ways:
  ROWS    one sealed row per member, as exports were written before migration 0014: COPY (binary)
          on PostgreSQL (a foreign key to reports checked per row, three indexes), driver-level
          executemany on SQLite, the HMAC keyed once per build
  CHUNKS  export_members.insert_members: members sorted and packed 4,096 to a sealed chunk
CPU is this process only: on PostgreSQL the server's share (parsing rows, checking foreign keys,
writing) is in the wall time. What CHUNKS writes is read back: every member found, every seal verified.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import support  # noqa: E402
from support import log  # noqa: E402

from sqlalchemy import insert  # noqa: E402

from intake.crypto import integrity as seals  # noqa: E402
from intake.extensions import db  # noqa: E402
from intake.keyring import get_vault  # noqa: E402
from intake.models import Export, Report, Submission  # noqa: E402
from intake.models.base import today  # noqa: E402
from intake.services import export_members  # noqa: E402


def generate(n: int, chunk: int = 10_000) -> tuple[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID]]]:
    day, members = today(), []
    for first in range(0, n, chunk):
        subs, reps = [], []
        for i in range(first, min(n, first + chunk)):
            sid, rid = uuid.uuid4(), uuid.uuid4()
            subs.append(dict(id=sid, created_on=day, language="ug", status="received", in_working_store=True))
            reps.append(dict(id=rid, handle=f"R{i:010d}", submission_id=sid, position=0, created_on=day))
            members.append((rid, uuid.uuid4()))
        with db.engine.begin() as conn:
            conn.execute(insert(Submission.__table__), subs)
            conn.execute(insert(Report.__table__), reps)
    export_id = uuid.uuid4()
    with db.engine.begin() as conn:
        conn.execute(insert(Export.__table__), [dict(id=export_id, status="approved", parameters={})])
    return export_id, members


def rows_way(session: Any, vault: Any, export_id: uuid.UUID, members: list[tuple[uuid.UUID, uuid.UUID]],
             chunk: int = 5000) -> None:
    """One sealed row per member (the way before chunks), as directly as the database allows."""
    key = vault.current_integrity_key()
    prepared = hmac.new(key.secret, digestmod=hashlib.sha256)
    head = bytes([seals.SEAL_VERSION]) + key.key_id

    def seal(*parts: Any) -> bytes:
        mac = prepared.copy()
        mac.update(seals._message(key.key_id, "export-member", parts))
        return head + mac.digest()

    rows = ((row_id, export_id, report_id, person_key, seal(row_id, export_id, report_id, person_key))
            for row_id, report_id, person_key in ((uuid.uuid4(), r, p) for r, p in members))
    connection = session.connection()
    columns = "id, export_id, report_id, person_key, mac"
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY export_members ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["uuid", "uuid", "uuid", "uuid", "bytea"])
            for row in rows:
                copy.write_row(row)
        return
    write = f"INSERT INTO export_members ({columns}) VALUES (?, ?, ?, ?, ?)"
    batch: list[tuple[Any, ...]] = []
    for row_id, export, report, person, mac in rows:
        batch.append((row_id.hex, export.hex, report.hex, person.hex, mac))
        if len(batch) >= chunk:
            connection.exec_driver_sql(write, batch)
            batch = []
    if batch:
        connection.exec_driver_sql(write, batch)


def timed(way: Any, export_id: uuid.UUID, members: list[tuple[uuid.UUID, uuid.UUID]], check: bool) -> tuple[float, float]:
    session = db.session
    vault = get_vault()
    session.rollback()
    start, cpu = time.perf_counter(), time.process_time()
    way(session, vault, export_id, members)
    elapsed, cpu_used = time.perf_counter() - start, time.process_time() - cpu
    if check:
        found = export_members.members_of(session, [r for r, _ in members])
        assert {m.report_id: m.person_key for m in found} == dict(members), "members written and found differ"
        assert export_members.verify(session, vault, export_id)[1] == 0, "a chunk's seal does not verify"
    session.rollback()
    assert export_members.count(session) == 0
    return elapsed, cpu_used


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default=support.DEFAULT_PG, help="PostgreSQL URL (a temporary schema), or 'sqlite'")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not 100 <= args.rows <= 1_000_000:
        parser.error("keep it bounded: --rows 100..1000000")
    if support.postgres_missing(args.db):
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    drop, app = None, None
    try:
        app, url, _, drop = support.review_store(tmp, args.db)
        with app.app_context():
            log(f"generating {args.rows:,} reports")
            export_id, members = generate(args.rows)
            results: dict[str, list[tuple[float, float]]] = {"ROWS": [], "CHUNKS": []}
            for n in range(args.rounds):
                results["ROWS"].append(timed(rows_way, export_id, members, check=False))
                results["CHUNKS"].append(timed(export_members.insert_members, export_id, members, check=n == 0))
            db.session.remove()
        print(f"\nexport membership: {support.backend(url)}, {args.rows:,} rows, best of {args.rounds}; "
              f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        core_wall = min(w for w, _ in results["ROWS"])
        core_cpu = min(c for _, c in results["ROWS"])
        print(f"{'':5} {'wall s':>8} {'us/row':>8} {'x ROWS':>7} {'CPU s':>8} {'CPU us/row':>11} {'x ROWS':>7}")
        for label, runs in results.items():
            wall, cpu = min(w for w, _ in runs), min(c for _, c in runs)
            print(f"{label:5} {wall:8.2f} {wall / args.rows * 1e6:8.1f} {wall / core_wall:7.2f} "
                  f"{cpu:8.2f} {cpu / args.rows * 1e6:11.1f} {cpu / core_cpu:7.2f}")
        print("OK: every member written and found, every seal verified (CHUNKS)")
        return 0
    finally:
        support.tear_down([app], drop, tmp)


if __name__ == "__main__":
    sys.exit(main())
