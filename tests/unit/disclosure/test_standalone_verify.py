"""The verifier a recipient runs: one file, outside the package, any key encoding."""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from intake.disclosure import Release
from intake.disclosure.verify import standalone_path


def run(directory: Path, key: Path | str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The verifier copied alone into an empty folder, run with a plain interpreter from there."""
    script = cwd / "verify_export.py"
    shutil.copy(standalone_path(), script)
    return subprocess.run([sys.executable, "-I", str(script), str(directory), "--public-key", str(key)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def raw_key(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@pytest.mark.parametrize("encoding", ["pem", "raw", "hex", "base64"])
def test_the_verifier_accepts_an_intact_export(export: Release, signing_key: Ed25519PrivateKey, tmp_path: Path,
                                               public_pem: Path, encoding: str) -> None:
    key = tmp_path / "key"
    key.write_bytes({"pem": public_pem.read_bytes(), "raw": raw_key(signing_key),
                     "hex": raw_key(signing_key).hex().encode(),
                     "base64": base64.b64encode(raw_key(signing_key))}[encoding])
    done = run(export.directory, key, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "export verified" in done.stdout
    assert "4 formats hold the same rows in the same order" in done.stdout
    for name in ("persons.csv", "persons.json", "persons.parquet", "persons.xlsx"):
        assert f"ok    {name}: {export.manifest['row_count']} rows, k={export.manifest['measured']['k']}" in done.stdout


@pytest.mark.parametrize("encoding", ["hex", "base64"])
def test_the_key_may_be_pasted_as_the_research_page_shows_it(export: Release, signing_key: Ed25519PrivateKey,
                                                             tmp_path: Path, encoding: str) -> None:
    """The research page shows each export's key as hex and says to run the verifier with it as KEY:
    the key's text itself, not only a file holding it, is accepted; a name that is neither says so."""
    text = raw_key(signing_key).hex() if encoding == "hex" else base64.b64encode(raw_key(signing_key)).decode()
    done = run(export.directory, text, tmp_path)
    assert done.returncode == 0 and "export verified" in done.stdout, done.stdout + done.stderr
    done = run(export.directory, "no-such-key.pub", tmp_path)
    assert done.returncode == 1 and "FAIL  public key" in done.stdout and "no-such-key.pub" in done.stdout


def test_the_verifier_refuses_a_changed_file_a_foreign_key_and_a_forged_manifest(
        export: Release, public_pem: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(export.directory, copy)
    (copy / "persons.json").write_bytes((copy / "persons.json").read_bytes() + b" ")
    done = run(copy, public_pem, tmp_path)
    assert done.returncode == 1 and "persons.json: checksum does not match" in done.stdout
    other = tmp_path / "other.pem"
    other.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    done = run(export.directory, other, tmp_path)
    assert done.returncode == 1 and "not by the key given" in done.stdout
    (copy / "manifest.json").write_text("{not json")
    done = run(copy, public_pem, tmp_path)
    assert done.returncode == 1 and "cannot read manifest.json" in done.stdout


def test_a_resigned_manifest_with_false_figures_is_caught_on_the_files(
        export: Release, signing_key: Ed25519PrivateKey, public_pem: Path, tmp_path: Path) -> None:
    """Even the key holder cannot claim a k the files do not have."""
    import json

    from intake.disclosure import signing

    copy = tmp_path / "copy"
    shutil.copytree(export.directory, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["measured"]["k"] += 3
    (copy / "manifest.json").write_text(json.dumps(signing.sign(manifest, signing_key)))
    done = run(copy, public_pem, tmp_path)
    assert done.returncode == 1
    assert f"k is {export.manifest['measured']['k']}, the manifest states {manifest['measured']['k']}" in done.stdout


def test_the_verifier_needs_nothing_but_the_standard_library_and_cryptography() -> None:
    import ast

    tree = ast.parse(standalone_path().read_text())
    modules = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    modules |= {node.module.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    assert modules - sys.stdlib_module_names <= {"cryptography", "pyarrow"}  # pyarrow: optional, Parquet only
    assert not any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))
