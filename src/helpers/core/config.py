"""Paths and defaults, anchored on the project root.

Everything that names a location in the repository lives here, so that no
module or notebook hard-codes a path.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "PROGRAMME_ROOT",
    "RAW_DIR",
    "PROCESSED_DIR",
    "BOOK_DIR",
    "NOTEBOOKS_DIR",
    "CODEBOOK_PATH",
    "PHRASES_PATH",
    "DEFINITIONS_DIR",
    "definitions_dir",
    "PROGRAMME_PATH",
    "DEFAULT_MIN_CELL",
    "DEFAULT_SEED",
    "DEMO_MARKER",
]

#: The repository root (three levels above ``src/helpers/core``). Can be overridden
#: with the ``MINIPOLICE_ROOT`` environment variable when the package is
#: installed outside a checkout.
PROJECT_ROOT = Path(os.environ.get("MINIPOLICE_ROOT", Path(__file__).resolve().parents[3]))

#: The programme this process evaluates: a folder with ``definitions/``,
#: ``notebooks/``, ``data/``, ``_config.yml`` and ``_toc.yml``. The
#: repository root is the default programme; ``minipolice --programme``
#: chooses another by setting ``MINIPOLICE_PROGRAMME`` for the run (and so
#: for the notebook kernels it starts). See :mod:`helpers.core.programme`.
PROGRAMME_ROOT = Path(os.environ.get("MINIPOLICE_PROGRAMME") or PROJECT_ROOT).resolve()

RAW_DIR = PROGRAMME_ROOT / "data" / "raw"
PROCESSED_DIR = PROGRAMME_ROOT / "data" / "processed"
BOOK_DIR = PROGRAMME_ROOT / "book"
NOTEBOOKS_DIR = PROGRAMME_ROOT / "notebooks"

#: The programme file: the programme's names, its definition folder, its demo-data generator and
#: the notice on reports built from synthetic data (:mod:`helpers.core.programme`).
PROGRAMME_PATH = PROGRAMME_ROOT / "programme.yml"

def definitions_dir() -> Path:
    """The definitions folder as the environment names it now (``MINIPOLICE_DEFINITIONS``), for code
    that must follow a change made after import (the build cache, the phrase file)."""
    return Path(os.environ.get("MINIPOLICE_DEFINITIONS") or PROGRAMME_ROOT / "definitions")


#: The programme's definition files (codebook, figures, outcomes,
#: recommendations, phrases): data, not code, so an author edits them without
#: Python. The ``MINIPOLICE_DEFINITIONS`` environment variable points at
#: another folder (a reworded copy; the notebooks' kernels inherit it).
DEFINITIONS_DIR = definitions_dir()


#: The instrument as data: one file describing every raw file and column.
CODEBOOK_PATH = DEFINITIONS_DIR / "codebook.yml"

#: The sentences an author may reword (:mod:`helpers.report.phrases`).
PHRASES_PATH = DEFINITIONS_DIR / "phrases.yml"

#: Disclosure-control threshold (docs/contract.md section 5).
DEFAULT_MIN_CELL = 5

#: Seed of the committed demo data.
DEFAULT_SEED = 2019

#: File written by ``minipolice demo-data`` into the raw directory; its
#: presence tells the build that the data are synthetic.
DEMO_MARKER = "SYNTHETIC_DATA.md"
