"""Names across scripts: accuracy on the curated pair table, and records per second of prepare().

    .venv/bin/python tests/bench/bench_names.py [--rows N (100000)] [--seed S]

Accuracy: "same name" is same_name_level >= 2. Precision and recall over tests/data/name_pairs.tsv,
overall and per pair of scripts, beside a plain baseline measured in the same run (names through
unidecode, lower-cased, letters only, equal or one edit apart). Speed: prepare() over N made-up
rows in every script, cold and warm caches, as a ratio to reading the same rows (a dict copy
with NFKC and casefold of each field). Nothing is asserted; every figure is printed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rapidfuzz.distance import Levenshtein  # noqa: E402
from umsc import UgMultiScriptConverter  # noqa: E402
from unidecode import unidecode  # noqa: E402

from intake.resolution import name_match, names, scripts  # noqa: E402
from intake.resolution.prepare import blocking_values, prepare  # noqa: E402
from tests.unit.resolution.name_pairs import pairs  # noqa: E402
from tests.unit.resolution.test_properties import CODAS, ONSETS, VOWELS  # noqa: E402

FAMILY = {scripts.ARABIC: "Arabic", scripts.CHINESE: "Chinese", scripts.PINYIN: "pinyin"}
FAMILY.update({s: "Latin" for s in scripts.LATIN_SCRIPTS})
FAMILY.update({s: "Cyrillic" for s in scripts.CYRILLIC_SCRIPTS})


def baseline_same(a: str, b: str) -> bool:
    fa, fb = ("".join(ch for ch in unidecode(x).lower() if ch.isalpha()) for x in (a, b))
    return bool(fa) and Levenshtein.distance(fa, fb) <= 1


def scores(results: list[tuple[bool, bool]]) -> tuple[float, float, int]:
    tp = sum(1 for truth, said in results if truth and said)
    fp = sum(1 for truth, said in results if not truth and said)
    fn = sum(1 for truth, said in results if truth and not said)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, len(results)


def accuracy() -> None:
    rows = pairs()
    ours: list[tuple[bool, bool]] = []
    plain: list[tuple[bool, bool]] = []
    by_family: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    hard_negatives_merged = 0
    for pair in rows:
        a, b = names.name_key(pair.a), names.name_key(pair.b)
        said = name_match.same_name_level(a, b) >= 2
        ours.append((pair.same, said))
        plain.append((pair.same, baseline_same(pair.a, pair.b)))
        fam = " / ".join(sorted({FAMILY.get(scripts.detect(pair.a), "other"), FAMILY.get(scripts.detect(pair.b), "other")}))
        by_family[fam].append((pair.same, said))
        hard_negatives_merged += (not pair.same) and said
    p, r, n = scores(ours)
    bp, br, _ = scores(plain)
    negatives = sum(not p.same for p in rows)
    print(f"name pairs: {n} ({n - negatives} same, {negatives} hard negatives)")
    print(f"  same_name_level >= 2   precision {p:.3f}  recall {r:.3f}  hard negatives merged {hard_negatives_merged}/{negatives}")
    print(f"  baseline (unidecode)   precision {bp:.3f}  recall {br:.3f}")
    print(f"  recall ratio to baseline {r / br if br else float('inf'):.2f}x")
    for fam, results in sorted(by_family.items()):
        fp_, fr, fn_ = scores(results)
        print(f"  {fam:<22} pairs {fn_:>3}  precision {fp_:.3f}  recall {fr:.3f}")


# --- speed -------------------------------------------------------------------------------------

CHINESE = ["阿", "不", "都", "热", "依", "木", "买", "提", "吐", "尔", "逊", "艾", "力", "古", "丽", "江", "努", "帕", "尼",
           "亚", "孜", "克", "拉", "萨", "米", "托", "合", "曼", "斯", "巴"]
PLACES = ["莎车县", "Yarkand", "يەكەن", "Kashgar", "Hotan", "Ghulja", "Құлжа", "Aksu City", "和田县", "Urumqi", "", "Turfan"]


def made_up_rows(n: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    to_arabic = UgMultiScriptConverter("ULS", "UAS")
    to_cyrillic = UgMultiScriptConverter("ULS", "UCS")
    # A pool of distinct names about the size of a real population's name stock; records repeat them.
    pool = ["".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(rng.randint(2, 3)))
            for _ in range(20000)]

    def render(name: str) -> str:
        kind = rng.random()
        if kind < 0.3:
            return to_arabic(name)
        if kind < 0.45:
            return to_cyrillic(name)
        if kind < 0.6:  # one Chinese spelling per name, as transcription gives
            fixed = random.Random(name)
            return "".join(fixed.choice(CHINESE) for _ in range(fixed.randint(2, 5)))
        return name.capitalize()

    rows = []
    for i in range(n):
        given, father = rng.choice(pool), rng.choice(pool)
        body = "65312519" + f"{rng.randint(50, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        rows.append({"report_id": str(i), "given_name": render(given), "father_name": render(father),
                     "full_name_alt": render(father) + " " + render(given) if rng.random() < 0.3 else "",
                     "gender": rng.choice(["m", "f", ""]), "birth_date": f"19{rng.randint(50, 99)}-{rng.randint(1, 12):02d}",
                     "home_place": rng.choice(PLACES), "chinese_id": body[:17] + "X" if rng.random() < 0.4 else "",
                     "detention_year": str(rng.randint(2014, 2020)), "facility": "", "reporter_relationship": ""})
    return rows


def read_only(row: dict[str, str]) -> dict[str, str]:
    return {k: unicodedata.normalize("NFKC", v).casefold() for k, v in row.items()}


def clear_caches() -> None:
    import functools
    import gc

    for obj in gc.get_objects():
        if isinstance(obj, functools._lru_cache_wrapper) and getattr(obj, "__module__", "").startswith("intake.resolution"):
            obj.cache_clear()


def speed(n: int, seed: int) -> None:
    rows = made_up_rows(n, seed)
    start = time.perf_counter()
    for row in rows:
        read_only(row)
    base = time.perf_counter() - start
    clear_caches()
    start = time.perf_counter()
    for row in rows:
        blocking_values(prepare(row))
    cold = time.perf_counter() - start
    start = time.perf_counter()
    for row in rows:
        blocking_values(prepare(row))
    warm = time.perf_counter() - start
    print(f"prepare + blocking_values over {n} rows (one core):")
    print(f"  baseline (NFKC + casefold of each field)  {n / base:>10,.0f} rows/s")
    print(f"  cold caches                               {n / cold:>10,.0f} rows/s  ({cold / base:.1f}x baseline)")
    print(f"  warm caches                               {n / warm:>10,.0f} rows/s  ({warm / base:.1f}x baseline)")
    print(f"  one million rows, cold: about {cold / n * 1e6:.0f} s on one core")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    accuracy()
    speed(args.rows, args.seed)


if __name__ == "__main__":
    main()
