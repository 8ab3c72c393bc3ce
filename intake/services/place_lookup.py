"""A county named in any script: "Kashgar City", "قەشقەر شەھىرى", "喀什市", "Kashi Shi" or 653101."""

from __future__ import annotations

import unicodedata
from functools import cache

from ..digits import ascii_digits
from ..resolution.places import resolve_place
from . import thesauri


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


@cache
def _index() -> dict[str, str]:
    """Every name of every choosable county (and its code) -> its code; a name two counties share
    is left out, so a lookup never silently picks one of them."""
    seen: dict[str, set[str]] = {}
    for place in thesauri.places():
        if place.level != "county" or not place.choosable:
            continue
        for name in (place.code, place.zh, place.ug, place.latin, place.pinyin, *place.display.values()):
            if name:
                seen.setdefault(_key(name), set()).add(place.code)
    return {name: next(iter(codes)) for name, codes in seen.items() if len(codes) == 1}


def county_code(text: str | None) -> str | None:
    """The GB/T 2260 code of the county `text` names (None: no county, or more than one, has that name)."""
    if not text or not text.strip():
        return None
    key = _key(text)
    place = thesauri.place(key) if ascii_digits(key) else None
    if place is not None and place.level == "county":
        return place.code
    found = _index().get(key)
    if found is None and len(text) <= _LONGEST:
        # A short name, an exonym or a spelling of it ("Yarkand", "Yeken", "莎车", "يەكەن", "Shache"):
        # the deduplication's place resolver, named by name (not by a near spelling: a filter that
        # silently picked another county would mislead) and only a county the picker offers.
        match = resolve_place(text)
        if match is not None and match.county and match.confidence >= 0.9 and match.county in _choosable():
            found = match.county
    return found


_LONGEST = 80  # what the inbox and search fields take


@cache
def _choosable() -> frozenset[str]:
    return frozenset(p.code for p in choosable_counties())


def choosable_counties() -> tuple[thesauri.Place, ...]:
    """Counties a reviewer may filter by, in code order (the picker's suggestions)."""
    return tuple(p for p in thesauri.places() if p.level == "county" and p.choosable)
