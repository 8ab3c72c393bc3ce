"""Every file the package reads at run time (the model, the places and names data, the translations,
the static files) is named by pyproject.toml's package data, so that an installed wheel holds it
too, not only the editable checkout the tests run from."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "intake"


def test_every_data_file_of_the_package_is_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["intake"]
    data = [path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*")
            if path.is_file() and path.suffix not in (".py", ".pyc", ".pot")  # the .pot is for translators
            and "__pycache__" not in path.parts]
    assert any(name.startswith("dedup/data/") for name in data)  # the shipped model is among them
    left_out = [name for name in data if not any(fnmatch.fnmatch(name, glob) for glob in globs)]
    assert left_out == []
