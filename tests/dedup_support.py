"""Deduplication test data and fixtures: reports of a few people, each told more than once, in
several scripts, and a model file (the matcher's starting values) for scoring at take-in."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from intake.dedup.model import default_model
from intake.services.intake import ReportInput
from tests.helpers import sentinel


def person(given: str, *, birth: str = "1981-03-17", county: str | None = "653101", gender: str = "male",
           id_number: str | None = None, script: str = "Latn", tag: str = "x", **more: str) -> ReportInput:
    """A report of one person; `tag` marks its free text, so a scan can find it if it leaks."""
    return ReportInput(names=[{"value": given, "script": script}], gender=gender, birth_date=birth,
                       home_county=county, id_number=id_number, testimony=sentinel("testimony", tag), **more)


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "model" / "dedup-model.json"
    path.parent.mkdir()
    default_model().save(path)
    return path


@pytest.fixture
def dedup_apps(make_app, model_file: Path) -> tuple[Flask, Flask]:
    """(public face, review face) over one database, the review face scoring with `model_file`."""
    review = make_app("review", INTAKE_DEDUP_MODEL=str(model_file))
    return make_app("public"), review


def report_from_row(row: dict[str, str], tag: str) -> ReportInput:
    """A stored report as a family would give the values of a population row (tests/dedup_population.py)."""
    names = [{"value": row[column], "script": "", "kind": kind}
             for column, kind in (("given_name", "given"), ("father_name", "father"), ("full_name_alt", "full"))
             if row.get(column)]
    return ReportInput(names=[{k: v for k, v in n.items() if v} for n in names], gender=row.get("gender") or None,
                       birth_date=row.get("birth_date") or None, home_place_text=row.get("home_place") or None,
                       id_number=row.get("chinese_id") or None, detention_date=row.get("detention_year") or None,
                       submitter_relationship=row.get("reporter_relationship") or None,
                       testimony=sentinel("testimony", tag))


def store_population(public: Flask, review: Flask, persons: int, *, seed: int = 1, per_submission: int = 10,
                     tag: str = "pop") -> list[dict[str, str]]:
    """Store a synthetic population through the public face and take it in; returns its rows."""
    from intake.extensions import db
    from intake.keyring import get_vault
    from intake.services import take_in
    from tests.dedup_population import population
    from tests.helpers import submit

    rows, _ = population(persons, seed=seed)
    for start in range(0, len(rows), per_submission):
        submit(public, *[report_from_row(r, f"{tag}{start + i}") for i, r in enumerate(rows[start:start + per_submission])])
    with review.app_context():
        assert take_in.take_in(db.session, get_vault())[1] == 0
    return rows
