"""Paths and defaults, anchored on the project root.

Everything that names a location in the repository lives here, so that no
module or notebook hard-codes a path.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "RAW_DIR",
    "PROCESSED_DIR",
    "BOOK_DIR",
    "NOTEBOOKS_DIR",
    "CODEBOOK_PATH",
    "DEFINITIONS_DIR",
    "PROGRAMME_PATH",
    "DEFAULT_MIN_CELL",
    "DEFAULT_SEED",
    "DEMO_MARKER",
]

#: The repository root (three levels above ``src/helpers/core``). Can be overridden
#: with the ``MINIPOLICE_ROOT`` environment variable when the package is
#: installed outside a checkout.
PROJECT_ROOT = Path(os.environ.get("MINIPOLICE_ROOT", Path(__file__).resolve().parents[3]))

RAW_DIR = PROJECT_ROOT / "data" / "raw"
PROCESSED_DIR = PROJECT_ROOT / "data" / "processed"
BOOK_DIR = PROJECT_ROOT / "book"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"

#: The programme file: the programme's names, its definition folder, its demo-data generator and
#: the notice on reports built from synthetic data (:mod:`helpers.core.programme`).
PROGRAMME_PATH = PROJECT_ROOT / "programme.yml"

#: The programme's definition files (codebook, figures, outcomes,
#: recommendations): data, not code, so an author edits them without Python.
DEFINITIONS_DIR = PROJECT_ROOT / "definitions"

#: The instrument as data: one file describing every raw file and column.
CODEBOOK_PATH = DEFINITIONS_DIR / "codebook.yml"

#: Disclosure-control threshold (CONTRACT section 5).
DEFAULT_MIN_CELL = 5

#: Seed of the committed demo data.
DEFAULT_SEED = 2019

#: File written by ``minipolice demo-data`` into the raw directory; its
#: presence tells the build that the data are synthetic.
DEMO_MARKER = "SYNTHETIC_DATA.md"
