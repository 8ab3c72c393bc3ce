"""Shared fixtures of the export tests: a signing key and a finished export."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from intake.disclosure import Release, build_release
from tests.disclosure_population import population


@pytest.fixture(scope="module")
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def public_pem(signing_key: Ed25519PrivateKey, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "export-key.pem"
    path.write_bytes(signing_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                           serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


@pytest.fixture(scope="module")
def export(signing_key: Ed25519PrivateKey, tmp_path_factory: pytest.TempPathFactory) -> Release:
    return build_release(population(4000, seed=21), tmp_path_factory.mktemp("out") / "export",
                         signing_key=signing_key, last_year=2026)
