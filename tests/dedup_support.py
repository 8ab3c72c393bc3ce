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
