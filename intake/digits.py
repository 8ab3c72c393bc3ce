"""One check for "a number as a browser, a form or a file writes it": ASCII digits only.

`str.isdigit()` alone also accepts superscripts ("²"), which `int()` refuses with a ValueError,
and other scripts' digits ("١٩٨٤"), which `int()` reads but no stored value or token is written
with. Every parse of a number from outside goes through this.
"""

from __future__ import annotations


def ascii_digits(value: str) -> bool:
    """True for a non-empty string of 0-9 only."""
    return value.isascii() and value.isdigit()
