"""A held-out list of names kept outside the repository, read for the benches.

The file is tab-separated, one name a line (``#`` starts a comment):

    half  gender(m/f)  origin(uy/kz)  ULY  informal-Latin  Turkish  Arabic  Cyrillic  Chinese

where the last five columns hold one or more forms separated by one space (the spellings families
write: informal Latin, Turkish Latin, Uyghur Arabic as typed on any keyboard, Uyghur, Kazakh or
Russian-style Cyrillic; the Chinese column two transcriptions as Chinese documents write them).
A line ``neg  half  ULY-a  ULY-b`` names a pair of different names (a hard negative), both listed.
The ULY column is ULY for Kazakh names too (Nurlan, not Kazakhstan's Nūrlan): the benches make
Arabic and Cyrillic forms from it.

    pool = load("list8.tsv", half="A")
    population(3000, 5, names=pool)     # tests/dedup_population.py draws from it

``half`` keeps only the lines of that half (``None``: all of them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# Letters of Kazakhstan's Latin alphabets that ULY has not (its key column is ULY).
_NOT_ULY = re.compile("[ıūäñşçğáýǵúńóİ]")
# The columns of the forms, named as the generator names its scripts.
FORM_COLUMNS = ("latin_informal", "turkish", "arabic", "cyrillic")


@dataclass
class NamePool:
    male: list[tuple[str, str]] = field(default_factory=list)       # (ULY, "zh1 zh2"), as the generator's pool
    female: list[tuple[str, str]] = field(default_factory=list)
    forms: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # ULY -> script -> spellings
    origin: dict[str, str] = field(default_factory=dict)             # ULY -> uy / kz
    negatives: list[tuple[str, str]] = field(default_factory=list)

    def names(self) -> list[tuple[str, str]]:
        return self.male + self.female


def load(path: str | Path, half: str | None = None) -> NamePool:
    pool = NamePool()
    for number, line in enumerate(Path(path).read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if cells[0] == "neg":
            if len(cells) != 4:
                raise ValueError(f"line {number}: a hard-negative line has 4 columns")
            if half is None or cells[1] == half:
                pool.negatives.append((cells[2], cells[3]))
            continue
        if len(cells) != 9 or cells[1] not in ("m", "f"):
            raise ValueError(f"line {number}: a name line has 9 columns and gender m or f")
        if half is not None and cells[0] != half:
            continue
        uly, chinese = cells[3], cells[8]
        if _NOT_ULY.search(uly):
            # the benches make their own Arabic and Cyrillic forms from this column (umsc), which
            # would leave such letters inside Arabic and Cyrillic words
            raise ValueError(f"line {number}: the ULY column holds a letter ULY has not "
                             "(Kazakh Latin of 2021: write Nurlan, Sérik, not Nūrlan, Serık)")
        (pool.male if cells[1] == "m" else pool.female).append((uly, chinese))
        pool.forms[uly] = {col: cells[4 + i].split() for i, col in enumerate(FORM_COLUMNS)}
        pool.origin[uly] = cells[2]
    listed = set(pool.forms)
    for a, b in pool.negatives:
        if a not in listed or b not in listed:
            raise ValueError("a hard-negative pair names a name the list (or half) does not hold")
    return pool
