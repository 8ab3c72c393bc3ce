"""Benchmark of the pure export core (after decryption) and of the import dry run.

Run: .venv/bin/python tests/bench/bench_disclosure.py [--persons N] [--import-rows M] [--verify]
(pytest never collects this directory). Nothing here asserts on a timing; every figure is printed
beside a reference measured in the same run, as a ratio ("x ref").

Export (N synthetic persons, tests/disclosure_population.py; default one million):
  ref        one group-by of every person over all ten columns at their most precise level
             (`Coder.group`, the operation the search repeats): the floor of anything that counts
             equivalence classes.
  stages     build_release's own stages: encode (raw values to hierarchy nodes), search (the
             lattice search: projections, pruned decisions, exact checks), apply and check (the
             chosen recoding applied to every person and measured again), pseudonyms and order,
             each writer (the XLSX is written by a forked child on the other core while the main
             process writes CSV, JSON and Parquet), checksums, manifest.
  wall and cpu  wall-clock seconds, and this process's CPU seconds (the XLSX child not included):
             on a machine shared with other work the CPU figure is the one to compare.
  verify     with --verify, the standalone verifier over the export (pure Python reading of every
             file, the recipient's side).
Import (M rows, default 100,000): read a CSV, suggest a mapping, dry-run every row (validation,
fingerprints), beside the reference of csv.reader alone over the same bytes.
Peak memory (max RSS of this process) is printed at the end.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from intake.disclosure import build_release, columns, risk, standalone_verify  # noqa: E402
from intake.disclosure.hierarchies import SENSITIVE, hierarchies  # noqa: E402
from intake.imports import confirm, dry_run, read_table, suggest  # noqa: E402
from tests.disclosure_population import population  # noqa: E402


def timed(action):  # noqa: ANN001, ANN201 - a tiny local helper
    started, used = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - started, time.process_time() - used


def row(label: str, wall: float, cpu: float, ref: float) -> None:
    print(f"  {label:32s} {wall:9.3f} s wall {cpu:9.3f} s cpu   {cpu / ref:8.1f} x ref")


def bench_export(persons: int, verify: bool) -> None:
    print(f"Export of {persons:,} persons")
    data, wall, _ = timed(lambda: population(persons, seed=1))
    print(f"  (synthetic persons made in {wall:.1f} s, not counted)")
    hs = hierarchies()
    base = columns.encode(data, hs)
    coder = risk.Coder(hs, [h.column for h in hs].index(SENSITIVE))
    (table, ref_wall, ref_cpu) = timed(lambda: coder.group(np.asfortranarray(base), (0,) * len(hs)))
    print(f"  ref: one group-by of {persons:,} rows into {len(table.counts):,} classes: "
          f"{ref_wall:.3f} s wall, {ref_cpu:.3f} s cpu")
    out = Path(tempfile.mkdtemp(prefix="bench-export-"))
    key = Ed25519PrivateKey.generate()
    try:
        release, wall, cpu = timed(lambda: build_release(data, out / "export", signing_key=key))
        for stage, seconds in release.timings.items():
            row(stage, seconds, release.cpu_seconds[stage], ref_cpu)
        row("whole build_release", wall, cpu, ref_cpu)
        m = release.manifest
        print(f"  recoding {m['recoding']}")
        print(f"  k={m['measured']['k']} l={m['measured']['l']} classes={m['measured']['classes']:,} "
              f"suppressed={m['measured']['suppressed']:,} average risk={m['measured']['average_risk']:.4f} "
              f"loss metric={m['information_loss']['loss_metric']:.4f}")
        print(f"  search: {m['search']['checked']} tables checked, {m['search']['exact_checks']} exact checks, "
              f"{m['search']['lattice_nodes']:,} recodings in the lattice")
        sizes = {p.name: p.stat().st_size for p in release.directory.iterdir()}
        print("  files: " + ", ".join(f"{n} {s / 1048576:.1f} MB" for n, s in sorted(sizes.items())))
        if verify:
            report, wall, cpu = timed(lambda: standalone_verify.verify(release.directory, key.public_key()))
            row("standalone verify (recipient)", wall, cpu, ref_cpu)
            print(f"  verified: {report.ok}")
    finally:
        shutil.rmtree(out, ignore_errors=True)


def bench_import(rows: int) -> None:
    print(f"Import dry run of {rows:,} rows")
    people = population(rows, seed=2)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Name", "姓名", "Date of birth", "County", "Status", "Sentence", "Notes"])
    for i in range(rows):
        born = people["birth_year"][i]
        writer.writerow([f"Person {i} Tursun", "阿不都热依木", f"{born}-03-0{i % 9 + 1}" if born else "",
                         people["county"][i] or "", people["status"][i], people["sentence"][i] or "",
                         f"Row {i} of a long list"])
    data = buffer.getvalue().encode("utf-8")
    _, ref_wall, ref_cpu = timed(lambda: sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8")))))
    print(f"  ref: csv.reader alone over {len(data) / 1048576:.1f} MB: {ref_wall:.3f} s wall, {ref_cpu:.3f} s cpu")
    sheet, wall, cpu = timed(lambda: read_table(data, "list.csv"))
    row("read (encoding, CSV)", wall, cpu, ref_cpu)
    mapping = confirm(sheet.headers, [c.target for c in suggest(sheet.headers)])
    plan, wall, cpu = timed(lambda: dry_run(sheet, mapping, file_name="list.csv", file_bytes=data, importer="bench",
                                            key=b"k" * 32, today=dt.date.today()))
    row("dry run (validate, fingerprint)", wall, cpu, ref_cpu)
    print(f"  {rows / wall:,.0f} rows/s wall; {plan.summary()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--verify", action="store_true", help="also time the standalone verifier")
    args = parser.parse_args()
    bench_export(args.persons, args.verify)
    bench_import(args.import_rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"Peak memory: {peak:,.0f} MiB (largest child process: {children:,.0f} MiB)")


if __name__ == "__main__":
    main()
