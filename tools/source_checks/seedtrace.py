"""Traceability of the context tables to the source documents they cite (maintainers' check).

Every row of ``data/context/*.csv`` names the seed document(s) its facts
come from. These functions check, against a folder of those documents,
that each cited file exists and that every number a row states is written
in it. They read files outside the repository, so they are not part of the
product or of ``make test``: ``make check-sources SEEDS=DIR`` runs them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

__all__ = ["seed_files", "trace_numbers"]


def seed_files(frame: pd.DataFrame, *, seeds_dir: str | Path) -> pd.DataFrame:
    """Every seed file a context table cites, and whether it exists.

    Returns
    -------
    pandas.DataFrame
        ``id, seed, exists``, one row per (row, cited file).
    """
    seeds_dir = Path(seeds_dir)
    rows = [{"id": ident, "seed": name.strip(), "exists": (seeds_dir / name.strip()).is_file()}
            for ident, cell in zip(frame["id"], frame["seed"], strict=True) for name in cell.split(";")]
    return pd.DataFrame(rows, columns=["id", "seed", "exists"])


_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _numbers(text: str) -> list[str]:
    """Numbers written in ``text``, thousands separators removed (``£245,000`` gives ``245000``)."""
    return [n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)]


def trace_numbers(frame: pd.DataFrame, *, seeds_dir: str | Path, window: int = 4) -> pd.DataFrame:
    """Check that every number of a context table is written in the seed text it cites.

    Numbers in the numeric columns (``value``, ``comparator_value``) must
    appear within ``window`` lines of the row's ``seed_line`` when the table
    has one; numbers written inside the text columns (other than ids,
    sources, references, notes and seed names) must appear anywhere in
    the cited seed files. Numbers are compared without thousands separators.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`load_evidence` or :func:`load_programmes`.
    seeds_dir : str or Path
        Folder of the seed documents.
    window : int
        Lines either side of ``seed_line`` searched for numeric columns.

    Returns
    -------
    pandas.DataFrame
        ``id, column, number, seed, found`` (bool), one row per number.
    """
    seeds_dir = Path(seeds_dir)
    cache: dict[str, list[str]] = {}

    def lines_of(name: str) -> list[str]:
        if name not in cache:
            cache[name] = (seeds_dir / name).read_text(encoding="utf-8", errors="ignore").splitlines()
        return cache[name]

    skip = {"id", "seed", "seed_line", "source", "reference", "note", "url", "age_min", "age_max"}
    rows = []
    for _, row in frame.iterrows():
        names = [n.strip() for n in row["seed"].split(";")]
        everywhere = {n for name in names for n in _numbers("\n".join(lines_of(name)))}
        for column in ("value", "comparator_value"):
            if column in frame and pd.notna(row[column]):
                number = f"{row[column]:.1f}".removesuffix(".0")
                if "seed_line" in frame:
                    lines = lines_of(names[0])
                    line = int(row["seed_line"])
                    near = "\n".join(lines[max(line - 1 - window, 0):line + window])
                    found = number in _numbers(near)
                else:
                    found = number in everywhere
                rows.append({"id": row["id"], "column": column, "number": number, "seed": names[0],
                             "found": found})
        for column in frame.columns:
            if column in skip or column in ("value", "comparator_value") or not isinstance(row[column], str):
                continue
            for number in _numbers(row[column]):
                rows.append({"id": row["id"], "column": column, "number": number, "seed": "; ".join(names),
                             "found": number in everywhere})
    return pd.DataFrame(rows, columns=["id", "column", "number", "seed", "found"])
