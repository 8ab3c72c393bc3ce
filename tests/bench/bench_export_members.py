"""Benchmark of writing an export's membership rows (services/export_members.py), before and after.

Run: /work/venv/bin/python tests/bench/bench_export_members.py [--rows N] [--db URL|sqlite]
(pytest never collects this directory). Nothing asserts on a timing; both ways run in the same
process, alternately, each inside a transaction that is rolled back, and every figure is printed
with its ratio to the old way's.

Data: N bare reports (one submission each; no ciphertexts: only the foreign keys matter here) and
one export. Ways, per row (one sealed row per report):
  CORE  the old way: SQLAlchemy Core insert() executemany per 5,000 rows, a one-shot HMAC per seal
  NEW   export_members.insert_members: COPY (binary) on PostgreSQL, driver-level executemany on
        SQLite, the HMAC keyed once per build
CPU is this process only: on PostgreSQL the server's share (parsing rows, checking foreign keys,
writing) is in the wall time. The rows NEW writes are read back and every seal checked.
"""

from __future__ import annotations

import argparse
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

from sqlalchemy import func, insert, select  # noqa: E402

from intake.crypto import integrity as seals  # noqa: E402
from intake.extensions import db  # noqa: E402
from intake.keyring import get_vault  # noqa: E402
from intake.models import Export, ExportMember, Report, Submission  # noqa: E402
from intake.models.base import today  # noqa: E402
from intake.services import export_members, integrity  # noqa: E402
from intake.services.export_notices import MEMBER  # noqa: E402


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


def old_way(session: Any, vault: Any, export_id: uuid.UUID, members: list[tuple[uuid.UUID, uuid.UUID]],
            chunk: int = 5000) -> None:
    """services/exports.py's _insert_members before this change, verbatim."""
    key = vault.current_integrity_key()
    for start in range(0, len(members), chunk):
        rows = []
        for report_id, person_key in members[start:start + chunk]:
            row_id = uuid.uuid4()
            rows.append({"id": row_id, "export_id": export_id, "report_id": report_id, "person_key": person_key,
                         "mac": seals.seal(key, MEMBER.domain, row_id, export_id, report_id, person_key)})
        session.connection().execute(insert(ExportMember.__table__), rows)


def timed(way: Any, export_id: uuid.UUID, members: list[tuple[uuid.UUID, uuid.UUID]], check: bool) -> tuple[float, float]:
    session = db.session
    vault = get_vault()
    session.rollback()
    start, cpu = time.perf_counter(), time.process_time()
    way(session, vault, export_id, members)
    elapsed, cpu_used = time.perf_counter() - start, time.process_time() - cpu
    if check:
        rows = session.execute(select(*MEMBER.select_columns()).where(ExportMember.export_id == export_id)).all()
        assert len(rows) == len(members), f"{len(rows)} rows written, {len(members)} members"
        bad = sum(integrity.check_row(vault, MEMBER, r) is not seals.SealCheck.OK for r in rows)
        assert not bad, f"{bad} membership seals do not verify"
        assert {r.report_id: r.person_key for r in rows} == dict(members)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ExportMember)) == 0
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
            results: dict[str, list[tuple[float, float]]] = {"CORE": [], "NEW": []}
            for n in range(args.rounds):
                results["CORE"].append(timed(old_way, export_id, members, check=False))
                results["NEW"].append(timed(export_members.insert_members, export_id, members, check=n == 0))
            db.session.remove()
        print(f"\nexport membership rows: {support.backend(url)}, {args.rows:,} rows, best of {args.rounds}; "
              f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        core_wall = min(w for w, _ in results["CORE"])
        core_cpu = min(c for _, c in results["CORE"])
        print(f"{'':5} {'wall s':>8} {'us/row':>8} {'x CORE':>7} {'CPU s':>8} {'CPU us/row':>11} {'x CORE':>7}")
        for label, runs in results.items():
            wall, cpu = min(w for w, _ in runs), min(c for _, c in runs)
            print(f"{label:5} {wall:8.2f} {wall / args.rows * 1e6:8.1f} {wall / core_wall:7.2f} "
                  f"{cpu:8.2f} {cpu / args.rows * 1e6:11.1f} {cpu / core_cpu:7.2f}")
        print("OK: every row written, every seal verified (NEW)")
        return 0
    finally:
        support.tear_down([app], drop, tmp)


if __name__ == "__main__":
    sys.exit(main())
