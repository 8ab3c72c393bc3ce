"""The comparable form of a name, and the level at which two names meet, for the rule tables."""

from __future__ import annotations

from intake.resolution.name_match import same_name_level
from intake.resolution.names import name_key


def key(text: str):  # noqa: ANN201 - the resolution package's own key type
    found = name_key(text)
    assert found is not None
    return found


def level(a: str, b: str) -> int:
    return same_name_level(key(a), key(b))
