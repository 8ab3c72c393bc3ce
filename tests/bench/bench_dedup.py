"""Deduplication: accuracy on a synthetic population beside a plain Splink model, and speed.

    .venv/bin/python tests/bench/bench_dedup.py accuracy [--persons 3000] [--seed 5] [--names FILE [--half A]]
    .venv/bin/python tests/bench/bench_dedup.py speed [--sizes 10000,100000,1000000] [--keep-csv DIR] [--splink]

Accuracy: the bundled model on tests/dedup_population.py (a population not used for training,
other seed), pairwise and clustered precision, recall and F1, recall per pair of scripts, and the
share of hard-negative pairs (siblings, twins, parent and child, namesakes) merged; beside a plain
Splink model trained by EM on the same rows in the same run (names through unidecode, Splink's
default comparisons: NameComparison, DateOfBirthComparison, ExactMatch on place, ID and gender).
Speed: `flask dedup csv`'s pipeline from a CSV file (streamed into prepare, then score, cluster,
write) at each size, stage times, time per 1,000 reports against the first size's in the same run,
and the peak RSS of each stage (this process, the fork server and its workers, summed); then
incremental scoring of one new report against a handful of candidates, p50/p95 over 500 reports.
`--names` swaps a held-out list (tests/heldout_names.py; kept outside the repository) in for the
generator's name pool, `--half` keeps one half of it; `--no-baseline` leaves out plain Splink.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from intake.dedup import DEFAULT_THRESHOLD, load_model, run_pipeline, score_candidates  # noqa: E402
from intake.dedup.csv_io import iter_rows  # noqa: E402
from intake.dedup.csv_out import RunOutput  # noqa: E402
from tests.dedup_population import population, write_csv  # noqa: E402
from tests.heldout_names import NamePool, load as load_names  # noqa: E402

THRESHOLD = DEFAULT_THRESHOLD  # what `flask dedup csv` writes clusters.csv at
FAMILY = {"uly": "Latin", "latin_informal": "Latin", "turkish": "Latin", "arabic": "Arabic",
          "cyrillic": "Cyrillic", "chinese": "Chinese", "pinyin_passport": "pinyin"}


def prf(said: set, truth: set) -> tuple[float, float, float]:
    tp = len(said & truth)
    p = tp / len(said) if said else 1.0
    r = tp / len(truth) if truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def cluster_pairs(clusters: dict[str, str]) -> set[frozenset[str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for rid, cid in clusters.items():
        members[cid].append(rid)
    return {frozenset(x) for ids in members.values() for x in itertools.combinations(ids, 2)}


def report(label: str, pairs: set, clustered: set, truth_pairs: set, truth) -> None:
    hard = {x for x in itertools.chain(pairs, clustered)}
    hard_truth = {x for x in _all_hard(truth)}
    p, r, f = prf(pairs, truth_pairs)
    cp, cr, cf = prf(clustered, truth_pairs)
    print(f"{label}")
    print(f"  pairwise  (p >= {THRESHOLD})  precision {p:.4f}  recall {r:.4f}  F1 {f:.4f}")
    print(f"  clustered               precision {cp:.4f}  recall {cr:.4f}  F1 {cf:.4f}")
    merged = len(clustered & hard_truth)
    print(f"  hard-negative pairs merged: {merged}/{len(hard_truth)} = {merged / max(1, len(hard_truth)):.2%}"
          f" (pairwise {len(pairs & hard_truth)})")
    by_family: dict[str, list[bool]] = defaultdict(list)
    for x in truth_pairs:
        a, b = sorted(x)
        fam = " / ".join(sorted((FAMILY[truth.script[a]], FAMILY[truth.script[b]])))
        by_family[fam].append(x in pairs)
    print("  pairwise recall per script pair: " + ", ".join(
        f"{k} {sum(v) / len(v):.3f} ({len(v)})" for k, v in sorted(by_family.items())))
    del hard


_HARD_CACHE: dict[int, set] = {}


def _all_hard(truth) -> set[frozenset[str]]:
    key = id(truth)
    if key not in _HARD_CACHE:
        by_person: dict[int, list[str]] = defaultdict(list)
        for rid, pid in truth.person.items():
            by_person[pid].append(rid)
        out = set()
        for pair in truth.hard:
            a, b = tuple(pair)
            out |= {frozenset((x, y)) for x in by_person.get(a, []) for y in by_person.get(b, [])}
        _HARD_CACHE[key] = out
    return _HARD_CACHE[key]


def levels_ceiling(scored, truth_pairs: set) -> float:
    """Pairwise F1 of the oracle that sees only each candidate pair's comparison levels: when a
    combination of levels is shared by one person's pairs and two persons' pairs alike, no model of
    these comparisons can tell them apart; what it can do at best bounds the matcher's ranking."""
    groups: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for p in scored:
        g = groups[tuple(sorted(p.levels.items()))]
        g[0] += 1
        g[1] += frozenset((p.left_id, p.right_id)) in truth_pairs
    ranked = sorted(groups.values(), key=lambda g: -g[1] / g[0])
    best, said, hit = 0.0, 0, 0
    for n, true in ranked:
        said, hit = said + n, hit + true
        p, r = hit / said, hit / len(truth_pairs)
        best = max(best, 2 * p * r / (p + r) if p + r else 0.0)
    return best


def plain_splink(rows: list[dict[str, str]]) -> tuple[set, dict[str, str]]:
    """The baseline: names through unidecode, Splink's default comparisons, EM, connected components."""
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    from unidecode import unidecode

    def first_last(row: dict[str, str]) -> tuple[str | None, str | None]:
        given, father = row["given_name"], row["father_name"]
        if not given and row["full_name_alt"]:
            parts = unidecode(row["full_name_alt"]).replace("*", " ").split()
            given, father = (parts + [None, None])[:2]
        norm = (lambda x: unidecode(x).lower().strip() or None if x else None)
        return norm(given), norm(father)

    records = []
    for row in rows:
        first, last = first_last(row)
        dob = row["birth_date"] if len(row["birth_date"]) == 10 else None
        records.append({"unique_id": row["report_id"], "first_name": first, "surname": last, "dob": dob,
                        "year": row["birth_date"][:4] or None, "place": unidecode(row["home_place"]).lower() or None,
                        "chinese_id": row["chinese_id"] or None, "gender": row["gender"] or None})
    frame = pd.DataFrame(records)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[cl.NameComparison("first_name"), cl.NameComparison("surname"),
                     cl.DateOfBirthComparison("dob", input_is_string=True), cl.ExactMatch("year"),
                     cl.ExactMatch("place"), cl.ExactMatch("chinese_id"), cl.ExactMatch("gender")],
        blocking_rules_to_generate_predictions=[block_on("first_name", "year"), block_on("surname", "place"),
                                                 block_on("chinese_id")],
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match([block_on("chinese_id")], recall=0.5)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("year", "place"))
    predicted = linker.inference.predict(threshold_match_probability=0.01)
    pdf = predicted.as_pandas_dataframe()
    strong = pdf[pdf.match_probability >= THRESHOLD]
    pairs = {frozenset((str(a), str(b))) for a, b in zip(strong.unique_id_l, strong.unique_id_r)}
    clusters_df = linker.clustering.cluster_pairwise_predictions_at_threshold(predicted, THRESHOLD).as_pandas_dataframe()
    clusters = dict(zip(clusters_df.unique_id.astype(str), clusters_df.cluster_id.astype(str)))
    return pairs, clusters


def accuracy(persons: int, seed: int, names: NamePool | None = None, baseline: bool = True) -> None:
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.getLogger("splink").setLevel(logging.ERROR)
    rows, truth = population(persons, seed, names=names)
    by_person: dict[int, list[str]] = defaultdict(list)
    for rid, pid in truth.person.items():
        by_person[pid].append(rid)
    truth_pairs = {frozenset(x) for ids in by_person.values() for x in itertools.combinations(ids, 2)}
    print(f"population: {persons} persons, {len(rows)} reports, {len(truth_pairs)} true pairs, "
          f"{len(_all_hard(truth))} hard-negative pairs (seed {seed})")
    model = load_model()
    start = time.perf_counter()
    result = run_pipeline(rows, model)
    ours_s = time.perf_counter() - start
    pairs = {frozenset((p.left_id, p.right_id)) for p in result.pairs if p.probability >= THRESHOLD}
    for cut in (0.5, 0.8, 0.9, 0.99):
        said = {frozenset((p.left_id, p.right_id)) for p in result.pairs if p.probability >= cut}
        sp, sr, sf = prf(said, truth_pairs)
        print(f"  (pairwise at p >= {cut}: precision {sp:.4f} recall {sr:.4f} F1 {sf:.4f}, "
              f"hard negatives {len(said & _all_hard(truth))})")
    blocked = {frozenset((p.left_id, p.right_id)) for p in result.pairs}
    print(f"  candidate pairs kept (p >= 0.01): {len(blocked):,}, holding {len(blocked & truth_pairs) / len(truth_pairs):.3f}"
          " of true pairs")
    print(f"  ceiling of the levels: pairwise F1 {levels_ceiling(result.pairs, truth_pairs):.4f}"
          " (the best any scorer of these comparison levels can do: each combination of levels taken"
          " whole or left out by its true share, knowing the answers)")
    report(f"intake matcher (model {model.version}), {ours_s:.1f} s", pairs, cluster_pairs(result.clusters),
           truth_pairs, truth)
    if not baseline:
        return
    start = time.perf_counter()
    base_pairs, base_clusters = plain_splink(rows)
    report(f"plain Splink (unidecode, default comparisons), {time.perf_counter() - start:.1f} s", base_pairs,
           cluster_pairs(base_clusters), truth_pairs, truth)


class PeakRss:
    """Peak resident memory of this process and all its descendants together (the feature
    workers are children of a fork server, which getrusage would not count), sampled from /proc."""

    def __init__(self, interval: float = 0.2) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(os.getpid()))
            time.sleep(interval)

    def take(self) -> float:
        """The peak since the last take (MiB), and start again from now."""
        peak = max(self.peak, tree_rss(os.getpid()))
        self.peak = tree_rss(os.getpid())
        return peak / 2**20

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _tree(root: int) -> list[int]:
    """This process and its descendants (the fork server and its workers)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                    children[int(f.read().rsplit(")", 1)[1].split()[1])].append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def tree_cpu(root: int) -> float:
    """CPU seconds (user and system) of this process and its descendants, living or reaped by a
    living one (a worker's time passes to the fork server's children's time when it exits)."""
    total = 0
    for pid in _tree(root):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def tree_rss(root: int) -> int:
    total = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for pid in _tree(root):
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as f:
                total += int(f.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return total


def _make_csv(path: str, size: int, seed: int) -> None:
    rows, _ = population(max(1, int(size / 1.9)), seed)
    write_csv(path, rows[:size])


def speed(sizes: list[int], seed: int, keep_dir: str | None = None, splink: bool = False) -> None:
    """As `flask dedup csv` runs: the CSV streamed into prepare, then score, cluster, write.
    The CSV is made in a separate process (so that making it does not count in the peak)."""
    import multiprocessing

    model = load_model()
    base: float | None = None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(keep_dir or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            path = folder / f"list{size}-seed{seed}.csv"
            start = time.perf_counter()
            if not path.exists():
                maker = multiprocessing.get_context("spawn").Process(target=_make_csv, args=(str(path), size, seed))
                maker.start()
                maker.join()
            made = time.perf_counter() - start
            peak = PeakRss()
            stage_peaks: dict[str, float] = {}
            stage_cpu: dict[str, float] = {}
            current = ["prepare"]
            cpu_mark = [tree_cpu(os.getpid())]

            def cpu_since() -> float:
                now = tree_cpu(os.getpid())
                spent, cpu_mark[0] = now - cpu_mark[0], now
                return spent

            def progress(stage: str, _done: int, _total: int | None) -> None:
                if stage != current[0]:
                    stage_peaks[current[0]] = peak.take()
                    stage_cpu[current[0]] = cpu_since()
                    current[0] = stage

            started = time.perf_counter()
            output = RunOutput(Path(tmp) / "out")  # pairs.csv written while the run clusters, as the CLI does
            result = run_pipeline(iter_rows(path), model, progress=progress, splink=splink,
                                  on_scored=output.start_pairs)
            stage_peaks[current[0]] = peak.take()
            stage_cpu[current[0]] = cpu_since()
            start = time.perf_counter()
            output.finish(result.pairs, result.clusters)
            stages = {**result.timings, "write": time.perf_counter() - start}
            total = time.perf_counter() - started
            stage_peaks["write"] = peak.take()
            stage_cpu["write"] = cpu_since()
            peak.close()
            per_k = total / result.counts["reports"] * 1000
            base = base or per_k
            print(f"{result.counts['reports']:>9,} reports: total {total:6.1f} s  (" +
                  ", ".join(f"{k} {v:.1f}" for k, v in stages.items()) + ")  (prepare includes reading the CSV)")
            print(f"           {per_k:.3f} s per 1,000 reports = {per_k / base:.2f} x the first size's;"
                  f"  pairs {result.counts['pairs']:,}  clusters {result.counts['clusters']:,}  [CSV made in {made:.0f} s]")
            print(f"           CPU, process and workers together: total {sum(stage_cpu.values()):.1f} s (" +
                  ", ".join(f"{k} {v:.1f}" for k, v in stage_cpu.items()) +
                  f"); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            print("           peak RSS, process and workers together: " +
                  ", ".join(f"{k} {v:,.0f} MiB" for k, v in stage_peaks.items()) +
                  f"; overall {max(stage_peaks.values()):,.0f} MiB", flush=True)
            incremental(model, path, result)
            del result


def incremental(model, path: Path, result) -> None:
    """One new report against the reports its best pairs name (a handful), as the store would."""
    partners: dict[str, list[str]] = defaultdict(list)
    table = result.pairs.table.slice(0, 200_000)
    for left, right in zip(table.column("left").to_pylist(), table.column("right").to_pylist()):
        partners[left].append(right)
        partners[right].append(left)
    chosen = [rid for rid, ps in partners.items() if len(ps) >= 2][:500]
    wanted = set(chosen) | {x for rid in chosen for x in partners[rid][:8]}
    by_id = {r["report_id"]: r for r in iter_rows(path) if r["report_id"] in wanted}
    times = []
    for rid in chosen:
        cands = [by_id[x] for x in partners[rid][:8]]
        start = time.perf_counter()
        score_candidates(model, by_id[rid], cands)
        times.append((time.perf_counter() - start) * 1000)
    if times:
        q = statistics.quantiles(times, n=20)
        print(f"           incremental: {len(times)} reports, {statistics.mean([len(partners[r][:8]) for r in chosen]):.1f}"
              f" candidates each: p50 {statistics.median(times):.2f} ms  p95 {q[18]:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("accuracy", "speed", "both"), nargs="?", default="both")
    parser.add_argument("--persons", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--keep-csv", metavar="DIR", help="make the speed CSVs here and reuse them next time")
    parser.add_argument("--splink", action="store_true",
                        help="score through Splink's predict() on DuckDB, as before scoring.py (a reference)")
    parser.add_argument("--names", metavar="FILE", help="a held-out list of names in place of the generator's pool")
    parser.add_argument("--half", help="only this half of the list (its first column)")
    parser.add_argument("--no-baseline", action="store_true", help="leave out the plain Splink model")
    args = parser.parse_args()
    if args.what in ("accuracy", "both"):
        names = load_names(args.names, args.half) if args.names else None
        if names:
            print(f"names: {len(names.male)} men's and {len(names.female)} women's from the list"
                  + (f", half {args.half}" if args.half else ""))
        accuracy(args.persons, args.seed, names, baseline=not args.no_baseline)
    if args.what in ("speed", "both"):
        speed([int(s) for s in args.sizes.split(",")], args.seed, args.keep_csv, args.splink)


if __name__ == "__main__":
    main()
