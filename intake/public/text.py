"""Typed text from families: normalised, and refused when it hides characters that can deceive.

Bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069) can make a name or a file name read
differently from what is stored; control characters and NUL break exports and terminals; the other
invisible format characters (zero-width space, word joiner, BOM, soft hyphen, tag characters that
can carry a whole hidden sentence, and the few letters and marks that draw nothing) make two names
that look the same differ. They are refused with a
field error, and the text is shown back without them so nothing typed is lost.
Right-to-left, left-to-right and Arabic letter *marks* (U+200E, U+200F, U+061C) and the joiners
(U+200C, U+200D) are ordinary in Uyghur and Persian-script text and stay, as do the format
characters that print a visible sign (the Arabic number and end-of-ayah signs).
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Line breaks and tabs are fine in multi-line text; single-line inputs cannot send them anyway.
ALLOWED_CONTROLS = frozenset("\t\n\r")
# Format characters (category Cf) that are part of writing or print a sign; every other one is hidden.
ALLOWED_FORMAT = frozenset("\u200c\u200d\u200e\u200f\u061c"
                           "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2"
                           "\U000110bd\U000110cd")


def normalise(value: str | None) -> str | None:
    """NFC, so the same name typed on two keyboards compares equal; line breaks as LF (browsers
    send CRLF from text areas); surrounding space dropped."""
    if value is None:
        return None
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


# Letters, marks and a symbol that draw nothing, which no writing needs typed on their own: the
# Hangul fillers (a keyboard composes syllables), the Braille blank, the combining grapheme joiner
# and the Khmer inherent vowels. Not category Cf, so the check below would let them through.
BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")


def is_hidden(ch: str) -> bool:
    category = unicodedata.category(ch)
    return ch in BIDI_CONTROLS or ch in BLANK_GLYPHS or (category == "Cc" and ch not in ALLOWED_CONTROLS) \
        or (category == "Cf" and ch not in ALLOWED_FORMAT)


@functools.cache
def _hidden_pattern() -> re.Pattern[str]:
    """Every hidden character as one class of ranges, built once per process: a text of 8 MiB
    checked a character at a time in Python took about 2 s of CPU (an outside probe), and a class of
    single characters is not much faster; one of ranges is about 0.1 s."""
    ranges: list[list[int]] = []
    for cp in range(sys.maxunicode + 1):
        if is_hidden(chr(cp)):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    return re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges) + "]")


def has_hidden(value: str | None) -> bool:
    return bool(value) and _hidden_pattern().search(value) is not None


def without_hidden(value: str) -> str:
    return _hidden_pattern().sub("", value)


_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029\x85]")


def escaped(value: str) -> str:
    """Text from a file, fit for one line of a terminal: every hidden character and line break as
    its escape (an ESC as \\x1b, an override as \\u202e), so a hostile list can neither drive the
    operator's terminal nor print lines of its own; everything else as it is."""
    def shown(match: re.Match[str]) -> str:
        return match.group().encode("unicode_escape").decode("ascii")

    return _LINE_BREAKS.sub(shown, _hidden_pattern().sub(shown, value))


def ascii_digits(value: str) -> str:
    """Any script's decimal digits (Arabic-Indic, full-width...) as ASCII; other characters kept."""
    out = []
    for ch in value:
        digit = unicodedata.decimal(ch, None)
        out.append(str(digit) if digit is not None else ch)
    return "".join(out)


def guess_script(value: str) -> str:
    """The script code of the first letter we recognise, for names whose script was not chosen."""
    for ch in value:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if name.startswith("ARABIC"):
            return "ug-Arab"
        if name.startswith("CJK"):
            return "zh-Hans"
        if name.startswith("CYRILLIC"):
            return "Cyrl"
        if name.startswith("LATIN"):
            return "Latn"
        return "other"
    return "other"
