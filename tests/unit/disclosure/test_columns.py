"""The allow-list: nothing but the listed fields can be fed to an export."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from intake.disclosure import INPUT_COLUMNS, DisallowedColumn, build_release
from intake.disclosure.columns import to_columns
from tests.disclosure_population import population

FORBIDDEN = ["name", "names", "id_number", "testimony", "notes", "note", "detention_place", "birth_date",
             "facility", "contact", "handle", "person_id", "occupation", "last_contact"]


@pytest.mark.parametrize("column", FORBIDDEN)
def test_a_column_outside_the_allow_list_is_refused_by_name_never_by_value(column: str) -> None:
    rows = [{"gender": "male", column: "SECRET-VALUE-Abdurehim"}]
    with pytest.raises(DisallowedColumn) as caught:
        to_columns(rows)
    assert column in str(caught.value) and "SECRET" not in str(caught.value)
    with pytest.raises(DisallowedColumn):
        to_columns({"gender": ["male"], column: ["SECRET"]})
    with pytest.raises(DisallowedColumn):
        to_columns(pa.table({"gender": ["male"], column: ["SECRET"]}))


def test_an_export_with_a_forbidden_column_writes_nothing(tmp_path: Path) -> None:
    data = population(300)
    data["names"] = ["SECRET"] * 300
    with pytest.raises(DisallowedColumn):
        build_release(data, tmp_path / "export", signing_key=Ed25519PrivateKey.generate())
    assert list(tmp_path.iterdir()) == []


def test_rows_columns_and_tables_give_the_same_columns() -> None:
    rows = [{"gender": "male", "birth_year": 1980}, {"status": "released", "county": "653125"}]
    by_rows = to_columns(rows)
    assert set(by_rows) == set(INPUT_COLUMNS)
    assert by_rows["gender"] == ["male", None] and by_rows["county"] == [None, "653125"]
    columns = {"gender": ["male", None], "birth_year": [1980, None]}
    assert to_columns(columns)["birth_year"] == [1980, None]
    assert to_columns(pa.table(columns))["gender"] == ["male", None]
    with pytest.raises(ValueError):
        to_columns({"gender": ["male"], "status": []})
