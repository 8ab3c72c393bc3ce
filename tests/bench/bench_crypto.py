"""Benchmark of the field-level cryptography, from raw primitives to 100,000-report bulk work.

Run: .venv/bin/python tests/bench/bench_crypto.py [--reports N] [--samples S] [--db URL]
(pytest never collects this directory). Nothing here asserts on a timing; it only prints a table
where every figure carries its ratio ("x ref") to a raw primitive, or a sum of raw primitives,
measured in the same run, so numbers from different machines can be compared by their ratios.

Raw primitives (pyca/cryptography only, key objects built outside the timing):
  A1/A2  AES-256-GCM encrypt / decrypt of the 15 sealed fields of one full report (the bytes of
         tests.helpers.full_report), one AESGCM object per record as the app does, 64-byte AAD.
  A3     A1 + A2 in one go: the reference for "one report's worth of symmetric crypto".
  A4     AES-256-GCM decrypt of just `names` + `testimony` (what the bulk read below touches).
  K1/K2  AES-256-GCM wrap / unwrap of a 32-byte data key; K3 = unwrap + wrap (one KEK rotation step).
  H1/H2  HPKE single-shot seal / open of a 32-byte data key, MLKEM768_X25519 + HKDF-SHA256 + AES-256-GCM.
  F1..F4 floors: the sum of the raw primitives an operation cannot avoid (listed with their parts).
Public face:
  seal crypto   encrypt_field over the 15 fields + inbox_wrap: the app's crypto code, no ORM, no DB.
  store         store_submission of one report, whole: receipt, Argon2id verifier (TEST profile,
                8 KiB), ML-KEM-768 + X25519 reply key, sealing, ORM flush and commit.
  argon2 test / strong   the receipt verifier alone; production uses "strong" (not in "store").
Review face:
  take in       take_in_one + commit: HPKE open, KEK wrap, blind indexes (decrypts 4 fields), audit entry.
  read one      a fresh session (no cached data key), session.get(Report), read every sealed field.
Bulk (N reports generated with the crypto functions and bulk-inserted as already taken in):
  scan          select(Report) with yield_per in a fresh session, reading the ciphertext columns only.
  decrypt       the same, reading the `names` and `testimony` plaintexts (per report: lazy load of its
                submission, a record_keys query, a KEK unwrap, two field decrypts).
  rotate        services.keys.rotate(kek=True): re-wraps every data key under a new KEK.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
import timeit
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import cryptography  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from intake import create_app  # noqa: E402
from intake.crypto import fields, wraps  # noqa: E402
from intake.crypto.keys import KemSuite, PrivateKey  # noqa: E402
from intake.crypto.passphrase import PROFILES  # noqa: E402
from intake.crypto.receipts import make_verifier  # noqa: E402
from intake.extensions import db  # noqa: E402
from intake.keyring import get_vault  # noqa: E402
from intake.models.sealed import data_keys  # noqa: E402
from intake.models import SEALED_REPORT_FIELDS, RecordKey, Report, Submission  # noqa: E402
from intake.models.base import new_handle, today  # noqa: E402
from intake.services import keys as key_service  # noqa: E402
from intake.services.intake import SubmissionInput, store_submission  # noqa: E402
from intake.services.take_in import take_in_one  # noqa: E402
from tests.bench.support import fresh_pg_schema, taken_in_state, tear_down  # noqa: E402
from tests.helpers import full_report  # noqa: E402

BULK_FIELDS = ("names", "testimony")
AAD = bytes(64)  # about the length of a real field AAD (domain, version, table, column, row id, key id)
INFO = bytes(80)  # about the length of a real HPKE info
rows: list[tuple[str, str, float, str, float | None]] = []  # (id, label, seconds per op, ref, total)
ref: dict[str, float] = {}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def per_call(fn: Callable[[], object], repeat: int = 7) -> float:
    """Median seconds per call of a fast function (timeit picks the loop count, ~0.2 s a repeat)."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return statistics.median(timer.repeat(repeat, number)) / number


def median_of(fn: Callable[[], object], samples: int, setup: Callable[[], object] | None = None) -> float:
    """Median seconds of `samples` single calls of a slow function; `setup` runs untimed before each."""
    times = []
    for _ in range(samples):
        if setup:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def row(key: str, label: str, seconds: float, against: str, total: float | None = None) -> None:
    rows.append((key, label, seconds, against, total))
    ref[key] = seconds


def measure_primitives(plain: dict[str, bytes]) -> None:
    dek, kek = os.urandom(32), AESGCM(os.urandom(32))
    values, two = list(plain.values()), [plain[name] for name in BULK_FIELDS]
    nonce = os.urandom(12)  # for the one key wrap; every field below gets its own nonce
    sealed = [(n, AESGCM(dek).encrypt(n, v, AAD)) for v in values for n in [os.urandom(12)]]
    sealed_two = [(n, AESGCM(dek).encrypt(n, v, AAD)) for v in two for n in [os.urandom(12)]]
    wrapped = kek.encrypt(nonce, dek, AAD)
    suite = KemSuite.MLKEM768_X25519.hpke_suite()
    private = PrivateKey.generate(KemSuite.MLKEM768_X25519)
    sk, pk = private.hpke_key(), private.public().hpke_key()
    capsule = suite.encrypt(dek, pk, info=INFO)

    def enc() -> None:
        aes = AESGCM(dek)
        for v in values:
            aes.encrypt(os.urandom(12), v, AAD)

    def dec(blobs: list[tuple[bytes, bytes]]) -> None:
        aes = AESGCM(dek)
        for n, c in blobs:
            aes.decrypt(n, c, AAD)

    size, size_two, sealing = sum(map(len, values)), sum(map(len, two)), "MLKEM768_X25519/HKDF-SHA256/AES-256-GCM"
    for key, label, fn in (
            ("A1", f"AES-256-GCM encrypt, {len(values)} fields ({size:,} B)", enc),
            ("A2", f"AES-256-GCM decrypt, {len(values)} fields ({size:,} B)", lambda: dec(sealed)),
            ("A3", "AES-256-GCM encrypt+decrypt, one report's fields", lambda: (enc(), dec(sealed))),
            ("A4", f"AES-256-GCM decrypt, {' + '.join(BULK_FIELDS)} ({size_two:,} B)", lambda: dec(sealed_two)),
            ("K1", "AES-256-GCM wrap of a 32-byte data key", lambda: kek.encrypt(os.urandom(12), dek, AAD)),
            ("K2", "AES-256-GCM unwrap of a 32-byte data key", lambda: kek.decrypt(nonce, wrapped, AAD)),
            ("K3", "AES-256-GCM unwrap+wrap (one rotation step)",
             lambda: kek.encrypt(os.urandom(12), kek.decrypt(nonce, wrapped, AAD), AAD)),
            ("H1", f"HPKE seal, {sealing}", lambda: suite.encrypt(dek, pk, info=INFO)),
            ("H2", "HPKE open, same suite", lambda: suite.decrypt(capsule, sk, info=INFO))):
        row(key, label, per_call(fn), "A3")
    for key, label, parts in (("F1", "floor: seal one report = A1 + H1", ("A1", "H1")),
                              ("F2", "floor: take in = H2 + K1", ("H2", "K1")),
                              ("F3", "floor: read one report = K2 + A2", ("K2", "A2")),
                              ("F4", "floor: bulk read = K2 + A4", ("K2", "A4"))):
        row(key, label, sum(ref[p] for p in parts), "A3")


def public_face(app, plain: dict[str, bytes], samples: int, strong_samples: int) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    with app.app_context():
        vault, pepper = get_vault(), bytes.fromhex(app.config["INTAKE_RECEIPT_PEPPER"])
        review_public = vault.require_review_public()

        def seal() -> None:
            row_id, dek, dek_id = uuid.uuid4(), os.urandom(32), os.urandom(16)
            for name, value in plain.items():
                fields.encrypt_field(dek, dek_id, "reports", name, row_id, value)
            wraps.inbox_wrap(review_public, "submissions", row_id, dek)

        row("P1", "seal crypto: encrypt_field x15 + inbox_wrap", per_call(seal), "F1")
        inputs = iter([SubmissionInput(language="ug", reports=[full_report(str(i))], consent_share_research=True)
                       for i in range(samples)])
        kdf = PROFILES["test"]["receipt"]
        store = median_of(lambda: ids.append(store_submission(db.session, next(inputs), pepper=pepper, kdf=kdf)
                                             .submission_id), samples)
        row("P2", "store_submission, whole (1 report, Argon2id TEST profile)", store, "F1")
        row("P3", "  Argon2id receipt verifier, TEST profile (inside P2)",
            per_call(lambda: make_verifier(pepper, "0" * 24, kdf)), "F1")
        strong = PROFILES["strong"]["receipt"]
        row("P4", "  Argon2id receipt verifier, STRONG profile (production)",
            median_of(lambda: make_verifier(pepper, "0" * 24, strong), strong_samples), "F1")
        db.session.remove()
    return ids


def review_face(app, ids: list[uuid.UUID]) -> None:
    with app.app_context():
        vault, pending = get_vault(), iter(ids)

        def take() -> None:
            take_in_one(db.session, vault, next(pending))
            db.session.commit()

        row("R1", "take_in_one + commit (HPKE open, KEK wrap, indexes, audit)", median_of(take, len(ids)), "F2")
        report_ids = iter(db.session.scalars(select(Report.id).where(Report.submission_id.in_(ids))).all())
        expected = full_report("x")

        def read_one() -> None:
            report = db.session.get(Report, next(report_ids))
            values = [getattr(report, name) for name in SEALED_REPORT_FIELDS]
            assert values[-1].startswith(expected.testimony[:20])  # really decrypted

        row("R2", "read one report from the working store, 15 fields, fresh session",
            median_of(read_one, len(ids), setup=db.session.remove), "F3")
        db.session.remove()


def generate(app, plain: dict[str, bytes], n: int, chunk: int = 2000) -> None:
    """Insert n submissions with one report each, already taken in (KEK wrap, in_working_store)."""
    with app.app_context():
        vault = get_vault()
        kek, day, handles = vault.current_kek(), today(), set()
        tables = (Submission.__table__, Report.__table__, RecordKey.__table__)
        start = time.perf_counter()
        for first in range(0, n, chunk):
            subs, reports, record_keys = [], [], []
            for _ in range(min(chunk, n - first)):
                sid, rid, dek, dek_id = uuid.uuid4(), uuid.uuid4(), os.urandom(32), os.urandom(16)
                while (handle := new_handle("R")) in handles:
                    pass
                handles.add(handle)
                subs.append(dict(id=sid, created_on=day, language="ug", status="received", in_working_store=True,
                                 receipt_bucket=int.from_bytes(os.urandom(2), 'big'), receipt_verifier=os.urandom(56),
                                 reply_public_key=os.urandom(32), contact=None))
                report = dict(id=rid, handle=handle, submission_id=sid, position=0, person_id=None, created_on=day,
                              verification="reported", status="detained", assigned_to_id=None)
                for name in SEALED_REPORT_FIELDS:
                    report[name] = fields.encrypt_field(dek, dek_id, "reports", name, rid, plain[name])
                taken_in_state(vault, dek, dek_id, subs[-1], [report])
                reports.append(report)
                record_keys.append(dict(id=uuid.uuid4(), owner_table="submissions", owner_id=sid, dek_id=dek_id,
                                        holder="kek", holder_key_id=kek.key_id, created_on=day,
                                        wrapped=wraps.kek_wrap(kek, "submissions", sid, dek)))
            with db.engine.begin() as conn:
                for table, batch in zip(tables, (subs, reports, record_keys), strict=True):
                    conn.execute(insert(table), batch)
            done = first + len(subs)
            if done % 20000 < chunk or done == n:
                log(f"generated and inserted {done:,}/{n:,} reports ({time.perf_counter() - start:.1f} s)")


def _prefetched(result, keys):
    """Yield reports partition by partition, unwrapping each partition's data keys in one query."""
    for partition in result.partitions():
        if keys is not None:
            keys.prefetch("submissions", {r.submission_id for r in partition})
        yield from partition


def bulk(app, n: int) -> None:
    def scan(decrypt: bool) -> tuple[float, int]:
        db.session.remove()
        count, start = 0, time.perf_counter()
        keys = data_keys(db.session)
        for report in _prefetched(db.session.scalars(select(Report).execution_options(yield_per=1000)),
                                  keys if decrypt else None):
            if decrypt:
                names, testimony = report.names, report.testimony
                if count == 0:
                    assert names[0]["script"] == "ug-Arab" and testimony  # really decrypted
            else:
                report.names_sealed, report.testimony_sealed  # noqa: B018
            count += 1
            if count % 20000 == 0:
                verb = "decrypted" if decrypt else "scanned"
                log(f"{verb} {count:,} reports ({time.perf_counter() - start:.1f} s)")
        return time.perf_counter() - start, count

    with app.app_context():
        log(f"ORM scan without decryption of {n:,}+ reports")
        seconds, count = scan(decrypt=False)
        row("B1", f"ORM scan, {count:,} reports, ciphertext columns only", seconds / count, "F4", seconds)
        log(f"ORM decryption of {count:,} reports")
        seconds, count = scan(decrypt=True)
        row("B2", f"ORM decrypt, {count:,} reports, {' + '.join(BULK_FIELDS)}", seconds / count, "F4", seconds)
        db.session.remove()


def rotate(app, passphrase: str) -> None:
    with app.app_context():
        vault, state = get_vault(), {"total": 0, "done": 0}
        start = time.perf_counter()

        def progress(k: int) -> None:
            state["done"] += k
            if state["done"] % 20000 < k:
                log(f"rotated {state['done']:,}/{state['total']:,} wraps ({time.perf_counter() - start:.1f} s)")

        key_service.rotate(db.session, vault, passphrase, kek=True,
                           on_total=lambda t: state.update(total=t), progress=progress)
        seconds = time.perf_counter() - start
        db.session.remove()
        report = db.session.scalars(select(Report).limit(1)).one()
        assert report.testimony  # still readable under the new KEK
        row("S1", f"keys rotate --kek, {state['total']:,} record keys", seconds / state["total"], "K3", seconds)
        db.session.remove()


def fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:7.2f} {unit}"
    return f"{seconds / 1e-9:7.1f} ns"


def print_table(header: str) -> None:
    sections = {"A": "raw primitives", "P": "public face", "R": "review face", "B": "bulk read", "S": "rotation"}
    print(header)
    print(f"{'':4}{'figure':<66}{'per op':>11}{'ops/s':>12}{'total':>12}{'x ref':>10}  ref")
    last = None
    for key, label, seconds, against, total in rows:
        section = sections.get(key[0], sections["A"])
        if section != last:
            print(f"-- {section} --")
            last = section
        print(f"{key:<4}{label:<66}{fmt_time(seconds):>11}{1 / seconds:>12,.0f}"
              f"{fmt_time(total) if total else '':>12}{seconds / ref[against]:>10.2f}  {against}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000, help="reports for the bulk phases (100000)")
    parser.add_argument("--samples", type=int, default=30, help="submissions stored, taken in and read (30)")
    parser.add_argument("--db", help="SQLAlchemy URL of a PostgreSQL database (a temporary schema is used)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    drop: Callable[[], None] | None = None
    apps = []
    try:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        if args.db:
            url, drop = fresh_pg_schema(args.db)
        passphrase, pepper = secrets.token_urlsafe(24), secrets.token_hex(32)
        keystore, bundle = tmp / "keystore.json", tmp / "public-keys.json"
        key_service.init_keys(keystore, bundle, passphrase, suite=KemSuite.MLKEM768_X25519,
                              kdf=PROFILES["test"]["keystore"], escrow_out=tmp / "escrow-private.json")
        base = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(32),
                "INTAKE_RECEIPT_PEPPER": pepper, "INSTANCE_PATH": str(tmp / "instance")}
        public = create_app("test", {**base, "INTAKE_FACE": "public", "INTAKE_PUBLIC_KEYS": str(bundle)})
        review = create_app("test", {**base, "INTAKE_FACE": "review", "INTAKE_KEYSTORE": str(keystore),
                                     "INTAKE_KEY_PASSPHRASE": passphrase})
        apps = [public, review]
        with review.app_context():
            db.create_all()
        sample = full_report("bench")
        plain = {name: getattr(Report, name).codec.encode(getattr(sample, name)) for name in SEALED_REPORT_FIELDS}

        log("raw primitives")
        measure_primitives(plain)
        log(f"public face: {args.samples} submissions")
        ids = public_face(public, plain, args.samples, strong_samples=5)
        log("review face: take in and read")
        review_face(review, ids)
        log(f"generating {args.reports:,} taken-in reports")
        generate(review, plain, args.reports)
        bulk(review, args.reports)
        log(f"rotating the KEK over {args.reports + args.samples:,} record keys")
        rotate(review, passphrase)
        print_table(f"intake crypto benchmark: {make_url(url).get_backend_name()}, --reports {args.reports:,}, "
                    f"--samples {args.samples}; Python {platform.python_version()}, cryptography "
                    f"{cryptography.__version__}, {os.cpu_count()} CPUs\n"
                    "'x ref' = per-op time / the ref row's per-op time (F rows are sums of raw primitives)")
    finally:
        tear_down(apps, drop, tmp)


if __name__ == "__main__":
    main()
