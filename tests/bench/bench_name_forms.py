"""Name forms alone: how often the forms of one name meet, and different names' forms do not, on a
held-out list kept outside the repository (tests/heldout_names.py).

    .venv/bin/python tests/bench/bench_name_forms.py FILE [--half A] [--misses]
    .venv/bin/python tests/bench/bench_name_forms.py --generator   # the generator's own pool

The forms of each name: ULY with and without é, ö, ü, the list's informal and Turkish Latin, its
Arabic and umsc's, its Cyrillic and umsc's, its two Chinese forms and their pinyin as a passport
writes it. "Meet" is same_name_level >= 2. Printed: recall over pairs of one name's forms (overall
and per pair of scripts), false meets over pairs of different names' forms, and the list's hard
negatives that meet. `--misses` prints the pairs of forms missed and the false meets (list names,
not anyone's data). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pypinyin import lazy_pinyin  # noqa: E402
from umsc import UgMultiScriptConverter  # noqa: E402

from intake.resolution import name_match, names  # noqa: E402
from tests.dedup_population import FEMALE, MALE  # noqa: E402
from tests.heldout_names import FORM_COLUMNS, NamePool, load  # noqa: E402

_PLAIN = str.maketrans("éöüÉÖÜ", "eouEOU")


def forms_of(pool: NamePool) -> dict[str, list[tuple[str, str]]]:
    """ULY -> [(family, form)], each form once."""
    to_arabic, to_cyrillic = UgMultiScriptConverter("ULS", "UAS"), UgMultiScriptConverter("ULS", "UCS")
    out: dict[str, list[tuple[str, str]]] = {}
    for uly, chinese in pool.names():
        listed = pool.forms[uly]
        made = [("Latin", uly), ("Latin", uly.translate(_PLAIN))]
        made += [("Latin", x) for x in listed["latin_informal"] + listed["turkish"]]
        made += [("Arabic", x) for x in listed["arabic"] + [to_arabic(uly.lower())]]
        made += [("Cyrillic", x) for x in listed["cyrillic"] + [to_cyrillic(uly.lower()).capitalize()]]
        for zh in chinese.split():
            made += [("Chinese", zh), ("pinyin", "".join(lazy_pinyin(zh)).upper())]
        seen: set[str] = set()
        out[uly] = [(fam, x) for fam, x in made if not (x in seen or seen.add(x))]
    return out


def measure(pool: NamePool, misses: bool) -> None:
    forms = forms_of(pool)
    keys = {x: names.name_key(x) for fs in forms.values() for _, x in fs}
    hit: dict[str, list[bool]] = defaultdict(list)
    missed = []
    for uly, fs in forms.items():
        for (fa, a), (fb, b) in itertools.combinations(fs, 2):
            ok = name_match.same_name_level(keys[a], keys[b]) >= 2
            hit[" / ".join(sorted((fa, fb)))].append(ok)
            hit["all"].append(ok)
            if not ok:
                missed.append((uly, a, b))
    false_meets: dict[tuple[str, str], int] = defaultdict(int)
    total = 0
    for (u, fu), (v, fv) in itertools.combinations(forms.items(), 2):
        for (_, a), (_, b) in itertools.product(fu, fv):
            total += 1
            if name_match.same_name_level(keys[a], keys[b]) >= 2:
                false_meets[(u, v)] += 1
    print(f"names: {len(forms)} ({len(pool.male)} men's, {len(pool.female)} women's), "
          f"forms: {len(keys)}, hard-negative pairs: {len(pool.negatives)}")
    for fam, oks in sorted(hit.items(), key=lambda kv: (kv[0] != "all", kv[0])):
        print(f"  recall {fam:<20} {sum(oks) / len(oks):.4f} ({sum(oks)}/{len(oks)})")
    pairs_met = len(false_meets)
    print(f"  false meets: {sum(false_meets.values())} of {total} pairs of forms ({pairs_met} pairs of names)")
    negatives = [(a, b, false_meets.get((a, b), 0) + false_meets.get((b, a), 0)) for a, b in pool.negatives]
    met = [(a, b, n) for a, b, n in negatives if n]
    print(f"  hard negatives meeting: {len(met)} of {len(negatives)} pairs of names"
          + (": " + ", ".join(f"{a}/{b} ({n} of {len(forms[a]) * len(forms[b])})" for a, b, n in met) if met else ""))
    if misses:
        for uly, a, b in missed:
            print(f"  missed  {uly}: {a} | {b}")
        for (u, v), n in sorted(false_meets.items()):
            print(f"  false meet  {u} / {v}: {n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?")
    parser.add_argument("--generator", action="store_true", help="the generator's own pool (no listed spellings)")
    parser.add_argument("--half", help="only this half of the list (its first column)")
    parser.add_argument("--misses", action="store_true", help="print the pairs of forms missed and the false meets")
    args = parser.parse_args()
    if args.generator:
        pool = NamePool(list(MALE), list(FEMALE))
        pool.forms = {uly: {col: [] for col in FORM_COLUMNS} for uly, _ in pool.names()}
    elif args.file:
        pool = load(args.file, args.half)
    else:
        parser.error("a list file or --generator")
    measure(pool, args.misses)


if __name__ == "__main__":
    main()
