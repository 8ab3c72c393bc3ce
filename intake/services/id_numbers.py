"""Chinese resident ID numbers: what is wrong with one, in terms a form or an import can explain.

Pure (python-stdnum does the checksum and the region table): the public form turns a problem into
a translated message, the import of old lists into a line of its dry-run report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from ..public.text import ascii_digits


class IdProblem(StrEnum):
    LENGTH = "length"  # not 18 characters (nor 15 digits, the older cards)
    FORMAT = "format"  # something other than digits, or an X anywhere but last
    CHECKSUM = "checksum"  # the last character does not fit the others: a typo
    PLACE = "place"  # the first six digits are no place code in force when the person was born
    BIRTH_DATE = "birth_date"  # the birth date inside is not a real date
    BIRTH_DATE_IMPOSSIBLE = "birth_date_impossible"  # in the future, or before 1880


@dataclass(frozen=True)
class IdCheck:
    number: str  # compacted: spaces and dashes gone, any script's digits as ASCII, x as X
    problem: IdProblem | None
    birth_digits: str  # the birth-date part as written (YYMMDD on 15-digit cards)
    born: dt.date | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check(value: str) -> IdCheck:
    number = ascii_digits(value).replace(" ", "").replace("-", "").upper()
    if len(number) == 15 and number.isdigit():  # first-generation cards (before 2004): YYMMDD
        return _with_date(number, number[6:12], "19", None)
    try:
        ric.validate(number)
    except InvalidLength:
        return IdCheck(number, IdProblem.LENGTH, "", None)
    except InvalidFormat:
        return IdCheck(number, IdProblem.FORMAT, "", None)
    except InvalidChecksum:
        return IdCheck(number, IdProblem.CHECKSUM, number[6:14], None)
    except (ValidationError, KeyError):
        # InvalidComponent: the region part (KeyError: python-stdnum's place table lacks a part of
        # some codes, 650125 say: not a county either); a bad date inside says more.
        dated = _with_date(number, number[6:14], "", None)
        return dated if dated.problem else IdCheck(number, IdProblem.PLACE, number[6:14], dated.born)
    return _with_date(number, number[6:14], "", None)


def _with_date(number: str, digits: str, century: str, problem: IdProblem | None) -> IdCheck:
    try:
        born = dt.datetime.strptime(century + digits, "%Y%m%d").date()
    except ValueError:
        return IdCheck(number, IdProblem.BIRTH_DATE, digits, None)
    if born > dt.date.today() or born.year < 1880:
        return IdCheck(number, IdProblem.BIRTH_DATE_IMPOSSIBLE, digits, born)
    return IdCheck(number, problem, digits, born)
