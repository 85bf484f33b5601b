"""The seed documents for the maintainers' source checks.

These checks compare the repository with the source documents it was
written from (facts carry over, sentences do not; every context number is
in its cited document). The documents are not part of the repository, so
the checks are not part of ``make test``; run them with
``make check-sources SEEDS=DIR`` (or ``MINIPOLICE_SEEDS=DIR pytest
tools/source_checks``). Without the folder they fail: a check that could
not run has not passed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

#: The 2019 national evaluation's text, the primary source.
REPORT_NAME = "001_9379791b815ce9f9.txt"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    folder = os.environ.get("MINIPOLICE_SEEDS")
    if not folder or not Path(folder).is_dir():
        pytest.fail("set MINIPOLICE_SEEDS to the folder of the source documents (make check-sources SEEDS=DIR)")
    return Path(folder)


@pytest.fixture(scope="session")
def report_path(seeds_dir) -> Path:
    path = seeds_dir / REPORT_NAME
    if not path.is_file():
        pytest.fail(f"{path}: the 2019 report's text is not in the seeds folder")
    return path
