"""`Said`: English for the command line, the reader's language on a page, values kept apart."""

from __future__ import annotations

from flask import Flask

from intake.services.errors import Conflict
from intake.web.bidi import FSI, PDI
from intake.web.said import said as said_filter
from intake.web.said import shown
from intake.wording import said, said_n


def test_str_is_the_english_with_the_values_filled_in() -> None:
    assert str(said("report %(handle)s: %(verdict)s", handle="R-1", verdict=said("failed verification"))) == \
        "report R-1: failed verification"
    # A message without values is left as it is, even with a "%" in it.
    assert str(said("5 % suppression at most")) == "5 % suppression at most"
    assert str(said_n("%(num)s row", "%(num)s rows", 1)) == "1 row"
    assert str(said_n("%(num)s row", "%(num)s rows", 3)) == "3 rows"
    assert str(Conflict(said("this pair was already decided (%(status)s)", status="rejected"))) == \
        "this pair was already decided (rejected)"


def test_a_page_shows_it_translated_with_each_value_isolated(app: Flask) -> None:
    refusal = Conflict(said("this pair was already decided (%(status)s)", status="R-1"))
    with app.test_request_context("/?lang=zh_Hans"):
        assert shown(refusal) == f"这一对已有决定（{FSI}R-1{PDI}）"
        assert str(said_filter(said("%(left)s and %(right)s: %(words)s", left="<b>", right="阿布力米提",
                                    words=said("same month")))) == \
            "<bdi>&lt;b&gt;</bdi> 与 <bdi>阿布力米提</bdi>：同月"
        assert shown(Conflict("a plain message")) == "a plain message"


def test_a_repr_never_shows_the_values() -> None:
    sentence = said("%(left)s and %(right)s: %(words)s", left="Ablimit SENTINEL", right="x", words=said("same name"))
    assert "SENTINEL" not in repr(sentence) and "SENTINEL" not in repr(Conflict(sentence))
