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
* A published ``count`` of an item reported in percent ("190 (77%)")
  is compared with the row's ``n``.

Rows whose measure has no row in ``results.csv`` are ``missing``: the number
cannot be reproduced from the data given (for example, qualitative material
that was not supplied). Rows whose ``check`` column is not ``data`` keep
that value as their status (``contradiction``, ``not_from_data``): they are
shown, not compared.

Examples
--------
>>> import pandas as pd
>>> published = pd.DataFrame({"id": ["P1"], "measure": ["m"], "group": ["g"], "category": ["a+b"],
...     "unit": ["percent"], "value": [77.0], "low": [None], "high": [None], "rounding": ["integer"],
...     "kind": ["point"]})
>>> results = pd.DataFrame({"measure": ["m", "m"], "group": ["g", "g"], "category": ["a", "b"],
...     "n": [125, 66], "value": [50.2, 26.7], "unit": ["percent", "percent"], "flag": ["", ""]})
>>> compare(published, results)[["reproduced", "status"]].values.tolist()
[[76.9, 'pass']]
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.codebook import load_codebook
from helpers.core.config import PROGRAMME_ROOT

__all__ = ["categories", "PUBLISHED_PATH", "TOLERANCE", "ILLUSTRATIVE_MEASURES", "load_published", "compare", "summary",
           "published_text", "illustrative"]

#: Per-force measures the report gives (almost) no values for: in demo data
#: they are illustrative.
ILLUSTRATIVE_MEASURES = ("census_schools", "census_children", "census_planned_units", "census_cycles_per_year",
                         "sample_force", "sample_schools_by_force")

log = logging.getLogger(__name__)

#: The committed table of numbers published in the 2019 report.
PUBLISHED_PATH = PROGRAMME_ROOT / "data" / "published" / "published_2019.csv"

#: Largest allowed distance between reproduced and published value, by rounding.
TOLERANCE = {"integer": 0.5, "one_decimal": 0.05, "two_decimals": 0.005, "exact": 0.0}


def categories(category: object) -> list[str]:
    """The categories a published ``category`` names: ``"a+b"`` gives ``["a", "b"]``."""
    return [part.strip() for part in str(category).split("+")]


def load_published(path: str | Path | None = None) -> pd.DataFrame:
    """Read the published-numbers table (default :data:`PUBLISHED_PATH`), codes and ids as text."""
    return pd.read_csv(path or PUBLISHED_PATH, dtype={"id": str, "measure": str, "group": str, "category": str},
                       keep_default_na=False, na_values={c: [""] for c in ("value", "low", "high", "base")})


def _reproduce(row: pd.Series, lookup: dict) -> float:
    """The results value for a published row; a published count of a percent item reads ``n``."""
    total = 0.0
    for category in categories(row["category"]):
        key = (row["measure"], row["group"], category)
        if key not in lookup:
            return np.nan
        value, n, unit, flag = lookup[key]
        if row["unit"] == "count" and unit == "percent":
            value = n  # "190 (77%)": the published count is the number answering, n
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
        A run's ``results.csv`` (measure, group, category, n, value, unit, flag).

    Returns
    -------
    pandas.DataFrame
        The published rows plus ``reproduced`` (the pipeline's value, NaN if
        missing or suppressed), ``difference`` (reproduced minus published
        point value) and ``status``: ``pass``, ``fail`` or ``missing``.
    """
    # Only the published measures' rows: a build then keys this page on those rows (helpers.build.tracking).
    results = results[results["measure"].isin(list(dict.fromkeys(published["measure"])))]
    lookup = {(m, g, c): (v, n, u, f) for m, g, c, v, n, u, f in zip(
        results["measure"], results["group"], results["category"], results["value"], results["n"],
        results["unit"], results["flag"].fillna(""), strict=True)}
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
    if "check" in out:
        unchecked = out["check"].ne("data")
        out.loc[unchecked, "status"] = out.loc[unchecked, "check"]
        out.loc[unchecked, ["reproduced", "difference"]] = np.nan
    return out


STATUSES = ("pass", "fail", "missing", "contradiction", "not_from_data")


def summary(compared: pd.DataFrame) -> pd.Series:
    """Counts of each status (``pass``, ``fail``, ``missing``, ``contradiction``, ``not_from_data``)."""
    return compared["status"].value_counts().reindex(list(STATUSES), fill_value=0)


def published_text(compared: pd.DataFrame) -> pd.Series:
    """The published number as the report gives it: ``77``, or a range ``60-70``."""
    def one(row) -> str:
        if row["kind"] == "range":
            return f"{row['low']:g}–{row['high']:g}"
        return f"{row['value']:g}"
    return compared.apply(one, axis=1)


def illustrative(results: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Per-force results the report does not publish (illustrative in demo data).

    Returns the rows of ``results`` whose measure is one of
    :data:`ILLUSTRATIVE_MEASURES` and whose (measure, group, category) is not
    in the published table, excluding national totals and the split of the
    children's sample into the programme group and the other children (the codebook's ``groups``).
    """
    published_keys = set()
    for m, g, c in zip(published["measure"], published["group"], published["category"], strict=True):
        for part in categories(c):
            published_keys.add((m, g, part))
    rows = results[results["measure"].isin(ILLUSTRATIVE_MEASURES)
                   & ~results["group"].isin(["national", *load_codebook().groups.pair])]
    keep = [(m, g, c) not in published_keys
            for m, g, c in zip(rows["measure"], rows["group"], rows["category"], strict=True)]
    return rows[keep].reset_index(drop=True)
