"""Shared fixtures: the codebook, and copies of the committed messy fixture."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers.core.codebook import load_codebook

FIXTURES = Path(__file__).parent / "fixtures"
MESSY = FIXTURES / "messy"


@pytest.fixture(scope="session")
def codebook():
    return load_codebook()


@pytest.fixture
def messy_dir(tmp_path: Path) -> Path:
    """A writable copy of tests/fixtures/messy (five raw files, deliberately messy)."""
    target = tmp_path / "raw"
    shutil.copytree(MESSY, target)
    return target
