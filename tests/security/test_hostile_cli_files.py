"""Crafted files given to the commands: each gave a traceback, a stall, an unbounded read or a write
outside the directory named, before its fix.

- `flask import FIFO` waited forever (the size check passed: a pipe's size is 0), and
  `flask import /dev/zero` would have read until memory ran out.
- An escrow key file with a number where its key belongs: a traceback.
- A checkpoint, key or model file nested deeper than the JSON parser's recursion: a traceback.
- `flask dedup csv --out DIR`: a pairs.csv already in DIR that was a symbolic link was written
  through (to wherever it pointed); the files were left readable by every local user; a CSV with
  no line break was read whole into memory before the field limit applied.
- The standalone verifier: a signature whose value is not text, or a manifest nested too deep,
  gave a traceback; a data file that is a symbolic link was followed and read (any file of the
  recipient's, however large).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from intake.cli.dedup import dedup_cli
from intake.disclosure.standalone_verify import canonical_bytes, key_id
from intake.disclosure.verify import standalone_path

DEEP = "[" * 30_000 + "]" * 30_000  # 60 KB: within every limit on size, beyond the parser's nesting


def _one_line(output: str, *, after: str | None = None) -> str:
    """The error line, alone (`after`: the one progress line the command may print first)."""
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.strip() and not (after and line.startswith(after))]
    assert len(lines) == 1, output
    return lines[0]


@pytest.fixture
def fifo(tmp_path):
    """A named pipe, and a guard that gives it an end after a few seconds, so that a command which
    blocks on it (the fault tested for) fails the test instead of hanging the run."""
    path = tmp_path / "list.csv"
    os.mkfifo(path)
    done = threading.Event()

    def guard() -> None:
        if not done.wait(5):
            fd = os.open(path, os.O_WRONLY)
            os.close(fd)

    thread = threading.Thread(target=guard, daemon=True)
    thread.start()
    yield path
    done.set()
    thread.join(10)


def test_import_refuses_a_pipe_and_a_device_without_reading_them(app, fifo):
    runner = app.test_cli_runner()
    for path in (fifo, Path("/dev/zero")):
        result = runner.invoke(args=["import", str(path), "--source", "s", "--dry-run"])
        assert result.exit_code == 1
        assert "is not a regular file" in _one_line(result.output), result.output


def test_checkpoint_files_that_are_too_deep_too_big_or_a_pipe_are_one_line(app, tmp_path, fifo):
    deep, big = tmp_path / "deep.json", tmp_path / "big.json"
    deep.write_text(DEEP)
    with big.open("wb") as handle:
        handle.truncate(512 * 1024 * 1024)  # sparse: half a gigabyte claimed, none of it read
    runner = app.test_cli_runner()
    for path, words in ((deep, "not a readable audit checkpoint file"), (big, "is larger than"),
                        (fifo, "is not a regular file")):
        result = runner.invoke(args=["audit", "verify", "--checkpoint", str(path)])
        assert result.exit_code == 1
        assert words in _one_line(result.output)


def _dedup(tmp_path: Path, *args: str):
    (tmp_path / "list.csv").write_text("report_id,given_name\nR1,Ablimit\nR2,Tursun\n", "utf-8")
    return CliRunner().invoke(dedup_cli, ["csv", "list.csv", *args])


def test_dedup_output_replaces_a_planted_link_and_is_owner_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "pairs.csv").symlink_to(victim)
    result = _dedup(tmp_path, "--out", "out")
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "keep me"
    for name in ("pairs.csv", "clusters.csv"):
        written = tmp_path / "out" / name
        assert not written.is_symlink() and stat.S_IMODE(written.stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["clusters.csv", "pairs.csv"]


def test_dedup_refuses_a_linked_output_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "elsewhere")
    result = _dedup(tmp_path, "--out", "out")
    assert result.exit_code == 1 and "is a symbolic link" in _one_line(result.output, after="model version")
    assert not any((tmp_path / "elsewhere").iterdir())


def test_dedup_bounds_a_line_and_refuses_odd_inputs_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "one_line.csv").write_bytes(b"report_id,given_name\nR1," + b"A" * 3_000_000)
    (tmp_path / "model.json").write_text(json.dumps({"format": "intake-dedup-model", "trained": [1, 2]}))
    (tmp_path / "deep.json").write_text(DEEP)
    (tmp_path / "list.csv").write_text("report_id,given_name\nR1,Ablimit\n", "utf-8")
    for args, words in ((["one_line.csv"], "line 2 of the input file is longer than"),
                        (["/dev/zero"], "is not a regular file"),
                        (["list.csv", "--model", "model.json"], "lacks a parameter"),
                        (["list.csv", "--model", "deep.json"], "cannot be read as JSON")):
        result = CliRunner().invoke(dedup_cli, ["csv", *args, "--out", "out"])
        assert result.exit_code == 1, args
        assert words in _one_line(result.output, after="model version"), result.output
        assert "Ablimit" not in result.output and "AAAA" not in result.output


# --- the verifier a recipient runs ------------------------------------------------------------

def _signed(key: Ed25519PrivateKey, manifest: dict) -> str:
    signature = {"algorithm": "Ed25519", "key_id": key_id(key.public_key()),
                 "value": base64.b64encode(key.sign(canonical_bytes(manifest))).decode()}
    return json.dumps({**manifest, "signature": signature})


def _verify(directory: Path, key: Ed25519PrivateKey, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    public = tmp_path / "key.pem"
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    script = tmp_path / "verify_export.py"
    shutil.copy(standalone_path(), script)
    return subprocess.run([sys.executable, "-I", str(script), str(directory), "--public-key", str(public)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)


def test_the_verifier_never_follows_links_nor_trips_on_a_crafted_manifest(tmp_path):
    key = Ed25519PrivateKey.generate()
    outside = tmp_path / "private-notes.csv"
    outside.write_text("a,b\n1,2\n")
    export = tmp_path / "export"
    export.mkdir()
    (export / "persons.csv").symlink_to(outside)
    entry = {"sha256": hashlib.sha256(outside.read_bytes()).hexdigest(), "bytes": outside.stat().st_size,
             "format": "csv"}
    manifest = {"format": "intake-export/1", "files": {"persons.csv": entry, "../../etc/passwd": entry}}
    (export / "manifest.json").write_text(_signed(key, manifest))
    done = _verify(export, key, tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "FAIL  persons.csv: missing, or not a regular file" in done.stdout
    assert "FAIL  '../../etc/passwd': not a plain file name" in done.stdout
    assert "export NOT verified" in done.stdout

    for text in (DEEP, json.dumps({"format": "intake-export/1", "signature": {
            "algorithm": "Ed25519", "key_id": key_id(key.public_key()), "value": 12345}})):
        (export / "manifest.json").write_text(text)
        done = _verify(export, key, tmp_path)
        assert done.returncode == 1 and done.stderr == "", done.stderr
        assert "FAIL" in done.stdout and "export NOT verified" in done.stdout


def test_key_files_of_the_wrong_shape_are_one_line(app, tmp_path, fifo):
    wrong_types = tmp_path / "escrow.json"
    wrong_types.write_text(json.dumps({"format": "intake-escrow-private/1", "suite": "X25519", "private": 12345}))
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP)
    runner = app.test_cli_runner()
    for path, words in ((wrong_types, "is malformed"), (deep, "unreadable, too large, or not valid JSON"),
                        (fifo, "unreadable, too large, or not valid JSON")):
        result = runner.invoke(args=["keys", "recover", "--escrow-key", str(path), "--out", str(tmp_path / "new.json")])
        assert result.exit_code == 1
        assert words in _one_line(result.output), result.output
    assert not (tmp_path / "new.json").exists()
