"""Place names in a list to GB/T 2260 codes, behind one function.

`resolve` is the only place lookup the import uses; it asks the cross-script resolver of
`intake.resolution.places` (names in any script, exonyms such as Kashgar or Ghulja, near
spellings, "Yarkand, Kashgar" narrowed to the county), and accepts six-digit codes as they are.
A name that could be two places in different prefectures stays unresolved, for a reviewer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..resolution.places import place_of_code, resolve_place


@dataclass(frozen=True)
class PlaceMatch:
    code: str | None  # a county, or a prefecture when that is all the name tells
    exact: bool  # a code, or a name given with its level (County, 县...)


def resolve(text: str | None) -> PlaceMatch:
    """The GB/T 2260 code a place name or code stands for, if it can be told."""
    if not text or not text.strip():
        return PlaceMatch(None, False)
    code = re.match(r"\s*(\d{6})\b", text)
    if code and (match := place_of_code(code.group(1))):
        return PlaceMatch(match.code, True)
    match = resolve_place(text)
    return PlaceMatch(match.code, match.confidence >= 1.0) if match else PlaceMatch(None, False)
