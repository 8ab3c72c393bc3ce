"""The independent check: another process reads each file with pycanon and must find what the
manifest states, and nothing that identifies anybody."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from intake.disclosure import Release, build_release
from tests.disclosure_population import population

CHECKER = Path(__file__).with_name("pycanon_check.py")


def independent(directory: Path) -> dict[str, dict]:
    done = subprocess.run([sys.executable, str(CHECKER), str(directory)], capture_output=True, text=True,
                          timeout=600, check=True)
    return json.loads(done.stdout)


def assert_matches_manifest(release: Release) -> None:
    manifest = release.manifest
    results = independent(release.directory)
    assert set(results) == {"persons.csv", "persons.json", "persons.parquet", "persons.xlsx"}
    for name, found in results.items():
        assert found["rows"] == manifest["row_count"], name
        assert found["columns"] == [c["name"] for c in manifest["columns"]], name
        assert found["k"] == manifest["measured"]["k"] >= 5, name
        assert found["l"] == manifest["measured"]["l"] >= 2, name
        assert math.isclose(found["average_risk"], manifest["measured"]["average_risk"]), name
        assert found["average_risk"] < 0.03, name
        assert math.isclose(found["class_average_risk"], manifest["measured"]["class_average_risk"]), name
        assert found["empty_cells"] == 0, name
        assert found["identifying_columns"] == [] and found["free_text_columns"] == [], name
        assert found["dates_or_id_numbers"] == 0, name
        assert found["pseudonyms_unique"] and found["pseudonyms_random_looking"], name


def test_a_separate_process_with_pycanon_finds_what_the_manifest_states(export: Release) -> None:
    assert_matches_manifest(export)


def test_the_independent_check_holds_for_a_small_and_skewed_population(tmp_path: Path) -> None:
    data = population(700, seed=99)
    data["ethnicity"] = ["uyghur"] * 690 + ["tajik"] * 10
    data["county"] = ["653125"] * 699 + ["653131"]  # one person from Tashkurgan
    release = build_release(data, tmp_path / "export", signing_key=Ed25519PrivateKey.generate())
    assert_matches_manifest(release)
