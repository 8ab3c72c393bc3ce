"""Lists of ids given as one parameter (models/prebuilt.py): on PostgreSQL sent as the text of an
array and cast there, so every kind of element must come back exactly as it went (quotes, commas,
braces, backslashes, any byte), on SQLite as an expanding IN. The `db_url` fixture: both."""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, Uuid, create_engine, select
from sqlalchemy.orm import Session

from intake.models.prebuilt import Prebuilt

rows = Table("prebuilt_probe", MetaData(), Column("n", Integer, primary_key=True), Column("ident", Uuid),
             Column("label", String(64)), Column("blob", LargeBinary))

LABELS = ['plain', 'with "quotes"', "back\\slash", "a,comma", "{braces}", " spaced ", "", "NULL", "ئۇيغۇر",
          "\\x41", "line\nbreak"]
BLOBS = [b"", b"\x00", b"\\", b'"', b",{}", bytes(range(256)), b"\\x41"]


class Kind(str, enum.Enum):
    PLAIN = "plain"


def test_every_element_comes_back_as_it_went(db_url):
    engine = create_engine(db_url)
    rows.create(engine)
    try:
        idents = [uuid.uuid4() for _ in LABELS]
        values = [{"n": n, "ident": idents[n], "label": label, "blob": BLOBS[n % len(BLOBS)]}
                  for n, label in enumerate(LABELS)]
        with Session(engine) as session:
            session.execute(rows.insert(), values)
            by = {name: Prebuilt(lambda among, c=getattr(rows.c, name): select(rows.c.n).where(among(c, "wanted")))
                  for name in ("n", "ident", "label", "blob")}

            def found(name: str, wanted: list) -> set[int]:
                return set(session.scalars(by[name](session), {"wanted": wanted}))

            for n, value in enumerate(values):
                assert found("label", [value["label"]]) == {n}, value["label"]
                assert found("ident", [value["ident"]]) == {n}
            assert found("label", LABELS) == set(range(len(LABELS)))
            assert found("label", [Kind.PLAIN]) == {0}  # a str enum is its value
            assert found("ident", idents[::2]) == set(range(0, len(LABELS), 2))
            assert found("n", [1, 3, 99]) == {1, 3}
            assert found("label", []) == found("ident", []) == set()
            for blob in BLOBS:
                assert found("blob", [blob]) == {v["n"] for v in values if v["blob"] == blob}, blob
            assert found("label", ["plain", 'with "quotes', "back\\\\slash", "a", "comma"]) == {0}
    finally:
        rows.drop(engine)
        engine.dispose()
