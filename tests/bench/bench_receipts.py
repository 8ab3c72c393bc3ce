"""A receipt check at 10k, 100k and 1M stored submissions, beside one Argon2id (the receipt profile)
measured in the same run. Target: every check at most 1.5x one Argon2id, at every size.

    .venv/bin/python tests/bench/bench_receipts.py [--sizes 10000,100000,1000000] [--samples 15] [--db URL]

PostgreSQL (a temporary schema of the local test database unless --db says otherwise). Filler rows
go in with Core bulk inserts (random selectors and verifiers: they are only ever looked past); one
real submission per size is stored through the service, with the STRONG Argon2id profile.
Measured: the service call `find_by_receipt` for the known receipt (found) and for an unknown one
(no row: one burn), and an unknown legacy 20-digit receipt (the selector path's burn plus its
bucket's rows, at least one burn: two Argon2id here, 1 + ~N/65,536 with N legacy rows).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from tempfile import mkdtemp

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, insert, select, text  # noqa: E402

from tests.bench import support  # noqa: E402
from tests.bench.support import log  # noqa: E402

TARGET = 1.5


def median_of(fn, samples: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fill(app, upto: int, have: int, chunk: int = 10_000) -> None:  # noqa: ANN001
    from intake.extensions import db
    from intake.models import Submission

    table = Submission.__table__
    today = date.today()
    start = time.perf_counter()
    with app.app_context():
        for first in range(have, upto, chunk):
            rows = [dict(id=uuid.uuid4(), created_on=today, language="ug", status="received", in_working_store=True,
                         receipt_selector=os.urandom(32), receipt_bucket=None, receipt_verifier=os.urandom(56),
                         reply_public_key=os.urandom(32), consent_share_research=False, consent_contact=False,
                         consent_publish_name=False, contact=None, family_names=None)
                    for _ in range(min(chunk, upto - first))]
            with db.engine.begin() as conn:
                conn.execute(insert(table), rows)
            done = first + len(rows)
            if done % 100_000 < chunk or done == upto:
                log(f"{done:,}/{upto:,} submissions ({time.perf_counter() - start:.1f} s)")
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("ANALYZE submissions"))
            stored = conn.scalar(select(func.count()).select_from(table))
        db.session.remove()
    log(f"{stored:,} submissions stored")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--db", default=support.DEFAULT_PG)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from intake import create_app
    from intake.crypto import receipts
    from intake.crypto.passphrase import PROFILES
    from intake.extensions import db
    from intake.models import Submission
    from intake.services import families
    from intake.services.errors import NotFound
    from tests.helpers import full_report

    tmp = Path(mkdtemp(prefix="bench-receipts-"))
    url, drop = support.fresh_pg_schema(args.db, "receipts") if support.backend(args.db) == "postgresql" else (
        args.db, None)
    secrets_ = support.Secrets(tmp)
    secrets_.create_keys()
    app = create_app("test", {**secrets_.settings("public", url), "INTAKE_KDF_PROFILE": "strong"})
    strong = PROFILES["strong"]["receipt"]
    check = families.ReceiptCheck(pepper=bytes.fromhex(secrets_.pepper), kdf=strong)
    pepper = check.pepper
    try:
        with app.app_context():
            db.create_all()
        def one_argon2id() -> None:
            strong.derive(b"0" * 24, b"\0" * 16, pepper=pepper)

        rows, have = [], 0
        for size in sizes:
            fill(app, size - 1, have)
            with app.app_context():  # one real submission per size, through the service
                stored = families.submit(db.session, families.SubmissionInput(language="en", reports=[full_report()]),
                                         [], check=check, max_reports=10)
                # a legacy row, alone in its bucket as most are (1M receipts over 65,536 buckets: ~15)
                legacy_digits = f"{uuid.uuid4().int % 10**20:020d}"
                row = db.session.get(Submission, stored.submission_id)
                db.session.execute(insert(Submission.__table__), [dict(
                    id=uuid.uuid4(), created_on=date.today(), language="ug", status="received", in_working_store=True,
                    receipt_selector=None, receipt_bucket=receipts.bucket(pepper, legacy_digits),
                    receipt_verifier=receipts.make_legacy_verifier(pepper, legacy_digits, strong),
                    reply_public_key=row.reply_public_key, consent_share_research=False, consent_contact=False,
                    consent_publish_name=False)])
                db.session.commit()
                have = size + 1

                def known() -> None:
                    families.find_by_receipt(db.session, stored.receipt, check=check)
                    db.session.rollback()

                def unknown() -> None:
                    try:
                        families.find_by_receipt(db.session, receipts.new_receipt(), check=check)
                    except NotFound:
                        db.session.rollback()

                wrong_legacy = legacy_digits[:-1] + str((int(legacy_digits[-1]) + 1) % 10)

                def legacy_unknown() -> None:
                    try:
                        families.find_by_receipt(db.session, wrong_legacy, check=check)
                    except NotFound:
                        db.session.rollback()

                # The machine's load varies (other jobs share its two cores): each check is timed right
                # after a reference Argon2id, and the ratios are the medians of those pairs.
                pairs = {"known": [], "unknown": [], "legacy": []}
                for _ in range(args.samples):
                    for name, fn in (("known", known), ("unknown", unknown), ("legacy", legacy_unknown)):
                        reference = median_of(one_argon2id, 1)
                        pairs[name].append((median_of(fn, 1), reference))
                argon = statistics.median(r for p in pairs.values() for _, r in p)
                found, missing, legacy = (statistics.median(t for t, _ in pairs[k]) for k in pairs)
                ratios = {k: statistics.median(t / r for t, r in pairs[k]) for k in pairs}
                db.session.remove()
            rows.append((size, argon, found, missing, legacy, ratios))
            log(f"{size:,}: one Argon2id {argon * 1000:.1f} ms, known {found * 1000:.1f} ms, "
                f"unknown {missing * 1000:.1f} ms, legacy (20 digits) {legacy * 1000:.1f} ms")
        print(f"\nReceipt checks in {support.backend(url)}, medians of {args.samples}; ratios: medians of each check "
              f"over one Argon2id ({strong.memory_cost // 1024} MiB, {strong.iterations} passes) timed just before it "
              f"(target: a check at most {TARGET}x)")
        print(f"{'stored':>10} {'Argon2id':>12} {'known':>12} {'ratio':>6} {'unknown':>12} {'ratio':>6} "
              f"{'legacy 20-d':>12} {'ratio':>6}")
        for size, argon, found, missing, legacy, ratios in rows:
            print(f"{size:>10,} {support.fmt_ms(argon)} {support.fmt_ms(found)} {ratios['known']:5.2f}x "
                  f"{support.fmt_ms(missing)} {ratios['unknown']:5.2f}x {support.fmt_ms(legacy)} "
                  f"{ratios['legacy']:5.2f}x")
        worst = max(max(r["known"], r["unknown"]) for *_, r in rows)
        print(f"worst current-scheme check: {worst:.2f}x one Argon2id "
              f"({'within' if worst <= TARGET else 'ABOVE'} the {TARGET}x target)")
    finally:
        support.tear_down([app], drop, tmp)


if __name__ == "__main__":
    main()
