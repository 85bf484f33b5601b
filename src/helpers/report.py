"""Reading processed tables for the chapters, and formatting their numbers.

One job: give notebooks what they need from ``data/processed`` without any
logic in the notebook itself — the results table with display labels, one
value looked up by (measure, group, category), blocks of items ready to
plot, the list of measures that were not collected, and number formatting
that respects disclosure control (suppressed cells print as ``[c]``).

Notebooks read processed tables only, never raw files.

Examples
--------
>>> from helpers.report import format_percent
>>> format_percent(70.96)
'71%'
>>> format_percent(float("nan"), flag="c")
'[c]'
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from .codebook import Codebook, load_codebook

__all__ = [
    "GROUP_LABELS",
    "load_results",
    "load_tests",
    "load_table",
    "load_log",
    "load_row_counts",
    "load_manifest",
    "lookup",
    "item_block",
    "not_collected",
    "format_percent",
    "format_count",
    "format_mean",
    "measure_label",
]

#: Display names of the reporting groups.
GROUP_LABELS = {
    "mini_police": "Mini-police",
    "non_mini_police": "Not in the mini-police",
    "all_children": "All children",
    "practitioners": "Practitioners",
    "teachers": "Teachers and school staff",
    "parents": "Parents and carers",
    "national": "All forces",
}

_RESULT_DTYPES = {"measure": str, "group": str, "category": str, "unit": str, "flag": str}


def load_results(processed_dir: str | Path) -> pd.DataFrame:
    """Read ``results.csv`` with codes kept as text (``none`` is a code, not NaN)."""
    frame = pd.read_csv(Path(processed_dir) / "results.csv", dtype=_RESULT_DTYPES,
                        keep_default_na=False, na_values={"n": [""], "base": [""], "value": [""],
                                                          "ci_low": [""], "ci_high": [""]})
    frame["n"] = frame["n"].astype("Int64")
    frame["base"] = frame["base"].astype("Int64")
    return frame


def load_tests(processed_dir: str | Path) -> pd.DataFrame:
    """Read ``tests.csv``."""
    return pd.read_csv(Path(processed_dir) / "tests.csv")


def load_table(processed_dir: str | Path, instrument: str) -> pd.DataFrame:
    """Read one clean respondent-level table (Parquet) written by ``process``."""
    return pd.read_parquet(Path(processed_dir) / f"{instrument}.parquet")


def load_log(processed_dir: str | Path) -> pd.DataFrame:
    """Read ``validation_log.csv``."""
    return pd.read_csv(Path(processed_dir) / "validation_log.csv", dtype=str, keep_default_na=False)


def load_row_counts(processed_dir: str | Path) -> pd.DataFrame:
    """Read ``row_counts.csv`` (raw, kept, quarantined, in scope per instrument)."""
    return pd.read_csv(Path(processed_dir) / "row_counts.csv")


def load_manifest(processed_dir: str | Path) -> dict:
    """Read ``manifest.json`` (parameters, input hashes, versions)."""
    return json.loads((Path(processed_dir) / "manifest.json").read_text())


def not_collected(processed_dir: str | Path) -> pd.DataFrame:
    """Columns absent from the raw files: ``instrument, column`` rows."""
    log = load_log(processed_dir)
    return log.loc[log["action"] == "missing_column", ["instrument", "column"]].reset_index(drop=True)


def lookup(results: pd.DataFrame, measure: str, group: str, category: str) -> pd.Series:
    """The one results row for (measure, group, category).

    Raises
    ------
    KeyError
        No such row (e.g. the item was not collected).
    """
    rows = results[(results["measure"] == measure) & (results["group"] == group)
                   & (results["category"] == category)]
    if len(rows) != 1:
        raise KeyError(f"results.csv has {len(rows)} rows for ({measure}, {group}, {category})")
    return rows.iloc[0]


def measure_label(measure: str, instrument: str, codebook: Codebook | None = None) -> str:
    """The question text of a measure, from the codebook (the measure name if unknown)."""
    codebook = codebook or load_codebook()
    name = measure.removeprefix("sample_")
    try:
        return codebook.instruments[instrument].column(name).label
    except KeyError:
        return measure


def item_block(results: pd.DataFrame, measures: list[str], groups: list[str], *, instrument: str,
               codebook: Codebook | None = None) -> pd.DataFrame:
    """Percent rows of several items and groups, with display labels, ready to plot.

    Parameters
    ----------
    results : pandas.DataFrame
        From :func:`load_results`.
    measures : list of str
        Coded items of one scale.
    groups : list of str
        Reporting groups to include.
    instrument : str
        The instrument the items belong to (for labels).

    Returns
    -------
    pandas.DataFrame
        The matching rows plus ``item`` (question text), ``answer`` (code
        label) and ``group_label``; items in the order given, categories in
        the scale order.
        Measures absent from ``results`` (not collected) are left out.
    """
    codebook = codebook or load_codebook()
    inst = codebook.instruments[instrument]
    rows = results[results["measure"].isin(measures) & results["group"].isin(groups)
                   & results["unit"].eq("percent")].copy()
    labels = {}
    for measure in measures:
        column = inst.column(measure.removeprefix("sample_"))
        if column.type == "coded":
            scale = codebook.scales[column.scale]
            labels.update({(measure, c): lab for c, lab in zip(scale.codes, scale.labels)})
    rows["item"] = [measure_label(m, instrument, codebook) for m in rows["measure"]]
    rows["answer"] = [labels.get((m, c), c) for m, c in zip(rows["measure"], rows["category"])]
    rows["group_label"] = rows["group"].map(GROUP_LABELS).fillna(rows["group"])
    order = {m: i for i, m in enumerate(measures)}
    rows = rows.sort_values("measure", key=lambda s: s.map(order), kind="stable")
    return rows.reset_index(drop=True)


def format_percent(value: float, flag: str = "", digits: int = 0) -> str:
    """A percentage for prose: ``71%``; ``[c]`` when suppressed; ``n/a`` when empty."""
    if flag == "c":
        return "[c]"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}f}%"


def format_count(value, flag: str = "") -> str:
    """A count for prose with thousands separators: ``5,517``; ``[c]`` when suppressed."""
    if flag == "c":
        return "[c]"
    if value is None or pd.isna(value):
        return "n/a"
    return f"{int(value):,}"


def format_mean(value: float, flag: str = "", digits: int = 2) -> str:
    """A mean for prose: ``1.84``; ``[c]`` when suppressed."""
    if flag == "c":
        return "[c]"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}f}"
