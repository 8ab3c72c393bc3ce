"""Dates as people write them in lists: one reader for the importer (strict: it says what is wrong)
and the matcher (lenient: it keeps what it can read).

`parse_date` gives the form's approximate-date format ("1984", "1984-06", "1984-06-17") or raises
`DateProblem` with words a volunteer understands; `approximate` gives (year, month, day) with None
for what a value does not say, and never raises.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache

from ..public.text import ascii_digits
from ..wording import Said, said

EARLIEST_YEAR = 1900  # what the importer accepts as a date a list gives
_BORN_FROM, _BORN_UNTIL = 1880, 2100  # what the matcher still reads as a year (a typo is not a date)
_YEAR = re.compile(r"(1[89]\d\d|20\d\d)")
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")  # 19841217, as ID numbers and some databases write it
_ISO_START = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?")  # "1984-06-17 (about)"

_MONTHS = {m: i for i, names in enumerate((
    (), ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
    ("november", "nov"), ("december", "dec"))) for m in names}
# Russian (as dates are written: "17 июня 1984 г.", and as months are named) and Turkish month names.
_MONTHS.update({m: i for i, names in enumerate((
    (), ("января", "январь", "ocak"), ("февраля", "февраль", "şubat"), ("марта", "март", "mart"),
    ("апреля", "апрель", "nisan"), ("мая", "май", "mayıs"), ("июня", "июнь", "haziran"), ("июля", "июль", "temmuz"),
    ("августа", "август", "ağustos"), ("сентября", "сентябрь", "eylül"), ("октября", "октябрь", "ekim"),
    ("ноября", "ноябрь", "kasım"), ("декабря", "декабрь", "aralık"))) for m in names})
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?"  # "1984-06-17 00:00:00", as spreadsheets write a date
_YEAR_FIRST = re.compile(r"(\d{4})(?:\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?\s*月?)?\s*年?" + _TIME)
# A decade ("1970s") is no one year; a span of years ("1978-1980", "1978 or 1979") is its middle
# year when it spans two years or less (within one of the truth: a year apart still compares),
# else none.
_DECADE = re.compile(r"(?<!\d)(?:1[89]\d0|20\d0)\s*'?s\b")
_SPAN = re.compile(r"(?<!\d)((?:1[89]|20)\d\d)\s*(?:-|–|—|~|to|or|/|\.\.)\s*((?:1[89]|20)\d\d)(?!\d)")
_MONTH_YEAR = re.compile(r"\s*(\d{1,2})\s*[./-]\s*(\d{4})\s*")
_YEAR_LAST = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})" + _TIME)


_UNREADABLE = said("is not a date we can read; write it as 1984, 1984-06 or 1984-06-17")


class DateProblem(ValueError):
    """What is wrong with a date, as a `Said` (str() gives the English)."""

    def __init__(self, message: Said) -> None:
        super().__init__(message)
        self.message = message


def parse_date(value: str, *, day_first: bool | None = None, today: dt.date | None = None,
               earliest: int = EARLIEST_YEAR) -> str:
    """"1984", "1984-06", "1984-06-17" (the form's approximate-date format) from the ways lists
    write dates: ISO with -, / or ., 17.06.1984, 06/17/1984, 1984年6月17日, "17 June 1984", "June 17,
    1984", 17-Jun-1984, "17 июня 1984 г.", "17 Haziran 1984", any of them with a time of day after it.
    DateProblem says what is wrong; a day and month that could be either way round need `day_first`."""
    today = today or dt.date.today()
    raw = ascii_digits(value).strip().casefold()
    year = month = day = None
    if m := _YEAR_FIRST.fullmatch(raw):
        year, month, day = m.group(1), m.group(2), m.group(3)
    elif m := _YEAR_LAST.fullmatch(raw):
        first, second, year = int(m.group(1)), int(m.group(2)), m.group(3)
        if first > 12 or (day_first and second <= 12):
            day, month = m.group(1), m.group(2)
        elif second > 12 or day_first is False:
            month, day = m.group(1), m.group(2)
        elif first == second:
            day = month = m.group(1)
        else:
            raise DateProblem(said("could be either day-month or month-day; write it as year-month-day "
                                   "(1984-06-17), or say which order the whole file uses"))
    elif words := _in_words(raw):
        day, name, year = words
        if name not in _MONTHS:
            raise DateProblem(_UNREADABLE)
        month = str(_MONTHS[name])
    else:
        raise DateProblem(_UNREADABLE)
    y = int(year)
    if not earliest <= y <= today.year:
        raise DateProblem(said("has a year outside %(first)s-%(last)s", first=earliest, last=today.year))
    if month and not 1 <= int(month) <= 12:
        raise DateProblem(said("has a month that is not 1 to 12"))
    parts = [year] + ([f"{int(month):02d}"] if month else [])
    if day:
        try:
            dt.date(y, int(month or 0), int(day))
        except ValueError:
            raise DateProblem(said("has a day that this month does not have")) from None
        parts.append(f"{int(day):02d}")
    iso = "-".join(parts)
    if iso > today.isoformat()[: len(iso)]:
        raise DateProblem(said("is in the future"))
    return iso


def _in_words(raw: str) -> tuple[str | None, str, str] | None:
    """(day, month's name, year) of "17 June 1984", "17-Jun-1984", "17 июня 1984 г.", "June 1984" or
    "June 17, 1984"."""
    if m := re.fullmatch(r"(?:(\d{1,2})[\s-]*)?([^\W\d_]+)\.?,?[\s-]+(\d{4})(?:\s*(?:г\.?|года?))?", raw):
        return m.group(1), m.group(2), m.group(3)
    if m := re.fullmatch(r"([^\W\d_]+)\.?\s+(\d{1,2}),?\s+(\d{4})", raw):
        return m.group(2), m.group(1), m.group(3)
    return None


@lru_cache(maxsize=65536)
def approximate(value: str) -> tuple[int | None, int | None, int | None]:
    """(year, month, day) of what `parse_date` reads, taking a day and month that could be either
    way round day first (as most of our users write them); else nothing for a decade ("1970s"), the
    middle year of a span of two years or less ("1978-1980", "1978 or 1979") and nothing for a
    longer one; else a month and year ("12.1978"); else a compact
    19841217 or the ISO start of a longer text ("1984-06-17 (about)"; a month past 12 dropped, as a
    day its month does not have: 1978-02-30); else a year anywhere in the text ("about 1980"); else
    nothing. Years 1880-2100."""
    try:
        iso = parse_date(value, day_first=True, today=dt.date(_BORN_UNTIL, 12, 31), earliest=_BORN_FROM)
        parts = [int(p) for p in iso.split("-")]
        return parts[0], parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None
    except DateProblem:
        pass
    digits = ascii_digits(value)
    if _DECADE.search(digits):
        return None, None, None
    if span := _SPAN.search(digits):
        first, last = int(span.group(1)), int(span.group(2))
        return ((first + last) // 2, None, None) if 0 < last - first <= 2 else (None, None, None)
    if m := _MONTH_YEAR.fullmatch(digits):  # "12.1978", "03/1978"
        year, month = int(m.group(2)), int(m.group(1))
        if _BORN_FROM <= year <= _BORN_UNTIL and 1 <= month <= 12:
            return year, month, None
    found = _COMPACT.match(digits) or _ISO_START.match(digits)
    if found:
        year, month, day = (int(g) if g else None for g in found.groups())
        if _BORN_FROM <= year <= _BORN_UNTIL:
            if month is None or not 1 <= month <= 12:
                return year, None, None
            real_day = day is not None and 1 <= day <= calendar.monthrange(year, month)[1]
            return year, month, day if real_day else None  # 1978-02-30: a day mistyped, the month kept
    loose = _YEAR.search(digits)
    return (int(loose.group(1)), None, None) if loose else (None, None, None)
