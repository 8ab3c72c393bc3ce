"""The `flask` command answers without a deployment: help for every command with no secret set, and
one line (never a traceback) when a command needs a setting that is missing. Run as a real process
in a clean environment, as an operator's first try would be."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FLASK = str(Path(sys.executable).with_name("flask"))
ROOT = Path(__file__).resolve().parents[2]


def flask(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    return subprocess.run([FLASK, "--app", "intake", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.parametrize("command", [("--help",), ("keys", "--help"), ("keys", "rotate", "--help"),
                                     ("users", "create", "--help"), ("inbox", "take-in", "--help"),
                                     ("audit", "verify", "--help"), ("dev", "--help"), ("db", "upgrade", "--help"),
                                     ("keys", "add", "--help"), ("keys", "upgrade-keystore", "--help"),
                                     ("keys", "kinds", "--help"), ("audit", "checkpoint", "--help"),
                                     ("index", "rebuild", "--help"), ("jobs", "worker", "--help"),
                                     ("jobs", "run", "--help"),
                                     ("import", "--help"), ("api", "token", "create", "--help"),
                                     ("dedup", "csv", "--help"), ("dedup", "run", "--help"),
                                     ("export", "create", "--help"), ("stats", "publish", "--help")])
def test_help_needs_no_deployment(tmp_path, command):
    result = flask(*command, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and "Traceback" not in result.stdout + result.stderr
    if command == ("--help",):
        assert "keys" in result.stdout and "users" in result.stdout  # the app's own commands are listed


@pytest.mark.parametrize("command", [("keys", "status"), ("db", "upgrade"), ("users", "list")])
def test_a_missing_setting_is_one_line(tmp_path, command):
    result = flask(*command, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "INTAKE_SECRET_KEY" in lines[0], result.stderr
    assert not (tmp_path / "instance").exists()  # nothing was created on the way
