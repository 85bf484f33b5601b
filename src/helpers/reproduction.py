"""Published versus reproduced: the 2019 report's numbers checked against results.

One job: join the table of numbers the 2019 report published
(``data/published/published_2019.csv``) with a run's ``results.csv`` and say,
for every published number, what the pipeline reproduces and whether it
matches to the report's rounding.

Matching rules
--------------
* ``kind = point``: the reproduced value must round to the published one:
  within 0.5 for ``integer`` rounding (either rounding convention at a
  tie), within 0.05 for ``one_decimal``, within 0.005 for ``two_decimals``,
  equal for ``exact`` counts.
* ``kind = range``: ``low <= reproduced <= high`` (vague wording such as
  "about a third" is transcribed as a range).
* A ``category`` of ``a+b`` sums the categories (percent values add because
  they share the base).

Rows whose measure has no row in ``results.csv`` are ``missing``: the number
cannot be reproduced from the data given (for example, qualitative material
that was not supplied).

Examples
--------
>>> import pandas as pd
>>> published = pd.DataFrame({"id": ["P1"], "measure": ["m"], "group": ["g"], "category": ["a+b"],
...     "unit": ["percent"], "value": [77.0], "low": [None], "high": [None], "rounding": ["integer"],
...     "kind": ["point"]})
>>> results = pd.DataFrame({"measure": ["m", "m"], "group": ["g", "g"], "category": ["a", "b"],
...     "value": [50.2, 26.7], "flag": ["", ""]})
>>> compare(published, results)[["reproduced", "status"]].values.tolist()
[[76.9, 'pass']]
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .config import PROJECT_ROOT

__all__ = ["PUBLISHED_PATH", "TOLERANCE", "load_published", "compare", "summary"]

log = logging.getLogger(__name__)

#: The committed table of numbers published in the 2019 report.
PUBLISHED_PATH = PROJECT_ROOT / "data" / "published" / "published_2019.csv"

#: Largest allowed distance between reproduced and published value, by rounding.
TOLERANCE = {"integer": 0.5, "one_decimal": 0.05, "two_decimals": 0.005, "exact": 0.0}


def load_published(path: str | Path = PUBLISHED_PATH) -> pd.DataFrame:
    """Read the published-numbers table (codes and ids kept as text)."""
    return pd.read_csv(path, dtype={"id": str, "measure": str, "group": str, "category": str},
                       keep_default_na=False, na_values={c: [""] for c in ("value", "low", "high", "base")})


def _reproduce(row: pd.Series, lookup: dict) -> float:
    total = 0.0
    for category in str(row["category"]).split("+"):
        key = (row["measure"], row["group"], category.strip())
        if key not in lookup:
            return np.nan
        value, flag = lookup[key]
        if flag == "c" or pd.isna(value):
            return np.nan
        total += float(value)
    return total


def compare(published: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """Compare every published number with its reproduction.

    Parameters
    ----------
    published : pandas.DataFrame
        From :func:`load_published` (columns id, measure, group, category,
        unit, value, low, high, rounding, kind at least).
    results : pandas.DataFrame
        A run's ``results.csv`` (measure, group, category, value, flag).

    Returns
    -------
    pandas.DataFrame
        The published rows plus ``reproduced`` (the pipeline's value, NaN if
        missing or suppressed), ``difference`` (reproduced minus published
        point value) and ``status``: ``pass``, ``fail`` or ``missing``.
    """
    lookup = {(m, g, c): (v, f) for m, g, c, v, f in zip(
        results["measure"], results["group"], results["category"], results["value"],
        results["flag"].fillna(""), strict=True)}
    out = published.copy()
    for column in ("value", "low", "high"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    out["reproduced"] = [_reproduce(row, lookup) for _, row in out.iterrows()]
    out["difference"] = out["reproduced"] - out["value"]
    tolerance = out["rounding"].map(TOLERANCE).fillna(0.0)
    point_ok = (out["difference"].abs() <= tolerance + 1e-9)
    range_ok = (out["reproduced"] >= out["low"] - 1e-9) & (out["reproduced"] <= out["high"] + 1e-9)
    ok = np.where(out["kind"].eq("range"), range_ok, point_ok)
    out["status"] = np.where(out["reproduced"].isna(), "missing", np.where(ok, "pass", "fail"))
    return out


def summary(compared: pd.DataFrame) -> pd.Series:
    """Counts of ``pass``, ``fail`` and ``missing``."""
    return compared["status"].value_counts().reindex(["pass", "fail", "missing"], fill_value=0)
