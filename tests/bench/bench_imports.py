"""Benchmark of the import of lists: rows per second, beside the form path, in one process.

Run: /work/venv/bin/python tests/bench/bench_imports.py [--rows N] [--form M] [--db URL|sqlite]
(pytest never collects this directory). Nothing here asserts on a timing: every import figure is
shown with its ratio ("x form") to the form path measured in the same run on the same database.

Data: a generated CSV list of N rows (default 100,000) as advocates keep them: a name in Latin and
one in Uyghur, a birth date, a valid 18-digit ID number (its county and birth date agree with the
other columns), a county by name or code, a status, a short testimony; 2% of rows carry a problem
that blocks them (an impossible date or a mistyped ID number) and 1% repeat an earlier row.
The app runs as the production config does (INTAKE_ENV=production, review face), on a fresh
PostgreSQL schema (or a SQLite file with --db sqlite).

Phases (wall clock, this process only, the database on the same machine):
  F   the form path: `store_submission` of M one-person submissions (default 200), each with its
      receipt (STRONG Argon2id verifier, as production), reply key, HPKE inbox wrap and sealed fields;
      the reference, measured before and after the import (the machine's load changes; the ratio
      uses the two together). F- is the same with the TEST Argon2id profile, to show the verifier's share.
  I1  read: the CSV decoded and split into rows
  I2  dry run: mapping, every row validated (dates, ID numbers, places) and fingerprinted (HMAC)
  I3  store: the ready rows sealed exactly like the form's (HPKE inbox wrap, sealed fields, sealed
      consent and attribution), in one transaction; no receipt (no family holds one)
  I   the whole import (I1 + I2 + I3) per row of the file
  I2' the same file again: the dry run that finds every row already imported
Checks: stored imported reports = ready rows of the dry run; the second dry run finds 0 ready rows.
Prints OK or MISMATCH (exit 1).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import support  # noqa: E402
from support import log  # noqa: E402

from sqlalchemy import func, select  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from intake.crypto.passphrase import PROFILES  # noqa: E402
from intake.extensions import db  # noqa: E402
from intake.imports import Limits  # noqa: E402
from intake.keyring import get_vault  # noqa: E402
from intake.models import ImportedRow  # noqa: E402
from intake.resolution.places import place_of_code  # noqa: E402
from intake.services import id_numbers, imports  # noqa: E402
from intake.services.intake import ReportInput, SubmissionInput, store_submission  # noqa: E402

GIVEN = ["Abdurehim", "Gulnar", "Memet", "Ayshem", "Tursun", "Mihray", "Ilham", "Patigul", "Erkin", "Zulpiye",
         "Nurmemet", "Rahile", "Abdulla", "Qurban", "Reyhan", "Yasin"]
FAMILY = ["Tursun", "Abdulla", "Memet", "Hoshur", "Niyaz", "Qadir", "Rozi", "Eysa", "Sawut", "Yusup"]
UYGHUR = ["ئابدۇرېھىم", "گۈلنار", "مەمەت", "ئايشەم", "تۇرسۇن", "مىھراي", "ئىلھام", "پاتىگۈل"]
STATUSES = ["detained", "sentenced", "released", "unknown", "disappeared"]
HEADERS = ["Name", "Uyghur name", "Date of birth", "ID number", "County", "Status", "Notes"]
TESTIMONY = "Taken from home at night; the family has had no news since. 2017年被带走。"


def county_codes() -> list[str]:
    return [code for code in (f"65{i:04d}" for i in range(10000))
            if code[-2:] != "00" and (match := place_of_code(code)) and match.level == "county"]


def generate(rows: int, rng: random.Random) -> tuple[bytes, int]:
    """The CSV, and how many distinct good rows it holds (what the dry run should find ready)."""
    counties = county_codes()
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(HEADERS)
    written: list[list[str]] = []
    good = 0
    for number in range(rows):
        if written and rng.random() < 0.01:
            out.writerow(rng.choice(written))  # a repeat: imported once
            continue
        while True:  # a county code in use in the year of birth, as a real card has
            county = rng.choice(counties)
            born = f"{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            body = f"{county}{born}{number % 1000:03d}"
            id_number = body + ric.calc_check_digit(body + "0")
            if id_numbers.check(id_number).problem is None:
                break
        birth = f"{born[:4]}-{born[4:6]}-{born[6:]}"
        bad = rng.random() < 0.02
        if bad:
            if rng.random() < 0.5:
                birth = f"{born[:4]}-13-01"
            else:
                id_number = body + ("0" if id_number[-1] != "0" else "1")
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)} {number}"
        row = [name, f"{rng.choice(UYGHUR)} {number}", birth, id_number,
               county if rng.random() < 0.5 else place_of_code(county).code, rng.choice(STATUSES),
               TESTIMONY if rng.random() < 0.5 else ""]
        out.writerow(row)
        written.append(row)
        good += 0 if bad else 1
    return buffer.getvalue().encode("utf-8"), good


def form_path(app, count: int, profile: str) -> float:
    """Seconds for `count` one-person submissions through store_submission."""
    pepper = bytes.fromhex(app.config["INTAKE_RECEIPT_PEPPER"])
    report = ReportInput(names=[{"value": "Abdurehim Tursun", "script": "Latn"},
                                {"value": "ئابدۇرېھىم تۇرسۇن", "script": "ug-Arab"}],
                         birth_date="1984-06-17", id_number="653125198406170011", home_county="653125",
                         status="detained", testimony=TESTIMONY)
    with app.app_context():
        started = time.perf_counter()
        for _ in range(count):
            store_submission(db.session, SubmissionInput(language="en", reports=[report]), pepper=pepper,
                             kdf=PROFILES[profile]["receipt"])
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the imported list (100000)")
    parser.add_argument("--form", type=int, default=200, help="submissions through the form path (200)")
    parser.add_argument("--db", default=support.DEFAULT_PG,
                        help="SQLAlchemy URL of a PostgreSQL database (a temporary schema is used), or 'sqlite'")
    parser.add_argument("--seed", type=int, default=2017)
    args = parser.parse_args()
    if not 100 <= args.rows <= 100_000 or not 10 <= args.form <= 5000:
        parser.error("keep it bounded: --rows 100..100000 (the import limit), --form 10..5000")
    if support.postgres_missing(args.db):
        return 0
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    drop, app = None, None
    try:
        app, url, _, drop = support.review_store(tmp, args.db)
        log(f"generating {args.rows:,} rows")
        data, expected = generate(args.rows, rng)
        log(f"form path: {args.form} submissions (STRONG, then TEST Argon2id)")
        form_strong = form_path(app, args.form, "strong")
        form_test = form_path(app, args.form, "test")
        log("import")
        limits = Limits(max_bytes=64 * 1024 * 1024)
        with app.app_context():
            vault = get_vault()
            started = time.perf_counter()
            imports.read(data, "list.csv", limits=limits)
            read_s = time.perf_counter() - started
            started = time.perf_counter()
            prepared = imports.prepare(db.session, vault, data, "list.csv", importer="bench", limits=limits)
            dry_s = time.perf_counter() - started  # includes a second read: subtracted below
            dry_s = max(dry_s - read_s, 1e-9)
            ready = len(prepared.plan.ready)
            started = time.perf_counter()
            result = imports.store(db.session, vault, prepared, source_name="bench", consent=imports.Consent(),
                                   actor="bench")
            store_s = time.perf_counter() - started
            del prepared
            log("the same file again")
            started = time.perf_counter()
            again = imports.prepare(db.session, vault, data, "list.csv", importer="bench", limits=limits)
            again_s = max(time.perf_counter() - started - read_s, 1e-9)
            stored = db.session.scalar(select(func.count()).select_from(ImportedRow)) or 0
        log("form path again")
        form_after = form_path(app, args.form, "strong")
        form_rate = 2 * args.form / (form_strong + form_after)
        rows = [("F", "form path, STRONG verifier (reference)", 2 * args.form, form_strong + form_after),
                ("F-", "form path, TEST verifier", args.form, form_test),
                ("I1", "read", args.rows, read_s), ("I2", "dry run", args.rows, dry_s),
                ("I3", "store (ready rows)", result.imported, store_s),
                ("I", "whole import, per row of the file", args.rows, read_s + dry_s + store_s),
                ("I2'", "the same file again: dry run", args.rows, again_s)]
        print(f"intake import benchmark: {support.backend(url)}, {args.rows:,} rows ({ready:,} ready), "
              f"INTAKE_ENV=production; Python {platform.python_version()}, {os.cpu_count()} CPUs")
        print(f"{'phase':<5} {'what':<38} {'rows':>8} {'seconds':>9} {'rows/s':>10} {'x form':>8}")
        for code, what, count, seconds in rows:
            rate = count / seconds
            print(f"{code:<5} {what:<38} {count:>8,} {seconds:>9.2f} {rate:>10,.0f} {rate / form_rate:>8.1f}")
        problems = []
        if ready != expected or stored != ready or result.imported != ready:
            problems.append(f"expected {expected:,} ready rows; dry run {ready:,}, stored {stored:,}")
        if again.plan.ready:
            problems.append(f"the second dry run found {len(again.plan.ready):,} rows ready")
        if problems:
            print("MISMATCH: " + "; ".join(problems))
            return 1
        print(f"OK: {stored:,} rows stored once each; the same file again adds nothing")
        return 0
    finally:
        support.tear_down([app], drop, tmp)


if __name__ == "__main__":
    sys.exit(main())
