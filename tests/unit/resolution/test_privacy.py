"""No plaintext in errors or logs: malformed input is refused without echoing it."""

from __future__ import annotations

import logging

import pytest

from intake.resolution import blocking_values, explain, name_key, prepare, prepare_report, resolve_place
from intake.resolution.ids import id_relation

SENTINEL = "Zzyqxwimit"  # a made-up name that appears nowhere else


@pytest.mark.parametrize("call", [
    lambda: name_key(SENTINEL.encode()),                     # type: ignore[arg-type]
    lambda: prepare([("given_name", SENTINEL)]),             # type: ignore[arg-type]
    lambda: prepare_report(SENTINEL),                        # type: ignore[arg-type]
    lambda: resolve_place(SENTINEL.encode()),                # type: ignore[arg-type]
])
def test_malformed_input_raises_without_the_input(call) -> None:
    with pytest.raises(TypeError) as caught:
        call()
    assert SENTINEL not in str(caught.value) and SENTINEL.lower() not in str(caught.value).lower()


def test_nothing_is_logged_while_preparing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    row = {"report_id": "r1", "given_name": SENTINEL, "father_name": "ئابلىمىت", "full_name_alt": "阿布力米提",
           "birth_date": "1981-99-99", "home_place": SENTINEL, "chinese_id": "6531251981031700xx",
           "gender": SENTINEL, "detention_year": "soon"}
    record = prepare(row)
    blocking_values(record)
    explain(record.given, record.father, 1)
    id_relation(row["chinese_id"], "653125198103170030")
    assert not [r for r in caplog.records if SENTINEL.lower() in r.getMessage().lower()]
    assert caplog.records == []


def test_explanations_never_carry_names() -> None:
    a, b = name_key(SENTINEL), name_key(SENTINEL + "jan")
    for level in range(4):
        assert SENTINEL.lower()[:5] not in explain(a, b, level).lower()
