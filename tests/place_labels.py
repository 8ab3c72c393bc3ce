"""What a place label may look like in each language of the public pages (shared by the web and
browser tests of the county picker)."""

from __future__ import annotations

import re

# The letters of each language's labels, and the punctuation labels legitimately carry.
SCRIPT = {
    "ug": re.compile(r"^[\u0600-\u06FF ()\-/]+$"),
    "zh_Hans": re.compile(r"^[\u4E00-\u9FFF（）/，、 ]+$"),
    "kk": re.compile(r"^[\u0400-\u04FF ()\-/,]+$"),
    "ru": re.compile(r"^[\u0400-\u04FF ()\-/,]+$"),
    "tr": re.compile(r"^[A-PR-VYZa-pr-vyzÇçĞğİıÖöŞşÜüÂâÎîÛû ()\-/,]+$"),  # the Turkish alphabet: no q, w, x
    "en": re.compile(r"^[A-Za-zÉéÖöÜü' ()\-/,]+$"),
}
# English words that must not appear inside another language's label (Turkish shares the letters).
ENGLISH_WORDS = re.compile(r"\b(City|Cities|County|Prefecture|District|Region|Autonomous|units?|not|known|list|XPCC)\b",
                           re.I)
# What GB/T 2260 lists that is no place: a city's "districts", the administrative label of the
# region-run cities. (新市区, "Xinshi District", is a place: hence 市市区, not 市区.)
NON_PLACE_WORDS = ("City Districts", "Urban Area", "市辖区", "市市区", "County-level units", "直辖县级")


def label_problems(lang: str, labels: list[str]) -> list[str]:
    """Labels not in the page's script, or with English inside another language."""
    wrong = [f"not in the {lang} script: {label!r}" for label in labels if not SCRIPT[lang].match(label)]
    if lang != "en":
        wrong += [f"English inside: {label!r}" for label in labels if ENGLISH_WORDS.search(label)]
    wrong += [f"a non-place: {label!r}" for label in labels if any(word in label for word in NON_PLACE_WORDS)]
    return wrong
