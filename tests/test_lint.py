"""ruff's small rule set (pyproject.toml) over the package, scripts and tests."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (bash scripts/setup.sh --test installs it)")
    check = subprocess.run([ruff, "check", "pipeline", "scripts", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
