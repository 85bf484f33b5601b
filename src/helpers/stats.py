"""Statistics: Wilson intervals and mini-police vs other children comparisons.

One job: the inferential numbers of the report, from well-kept libraries.

* :func:`wilson_interval` wraps ``statsmodels.stats.proportion.proportion_confint``
  (method ``"wilson"``), vectorised, with empty results for empty bases.
* :func:`compare_groups` runs, for every children's item asked of both groups,
  the test that fits its scale: Mann-Whitney U (ordinal items, effect size
  rank-biserial r; SciPy, as inside ``pingouin.mwu``, whose extra effect
  size needs an n1 x n2 matrix) or pingouin's chi-square test of
  independence (nominal items, effect size Cramér's V), and applies Holm's
  correction (pingouin) across the whole family. The result is the
  ``tests.csv`` table of CONTRACT section 4.

Missing data: answers that are missing (NaN) are dropped item by item;
respondents without a group are dropped. A comparison that cannot be made
(fewer than two answers in a group, or a single answer category overall)
keeps its row with empty statistics.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pingouin as pg
from scipy.stats import mannwhitneyu
from statsmodels.stats.proportion import proportion_confint

from .codebook import Codebook

__all__ = ["TESTS_COLUMNS", "wilson_interval", "comparable_items", "compare_groups"]

log = logging.getLogger(__name__)

#: Columns of ``tests.csv`` (CONTRACT section 4).
TESTS_COLUMNS = [
    "measure",
    "test",
    "statistic",
    "dof",
    "p_value",
    "p_holm",
    "effect_size",
    "effect_name",
    "n_mini_police",
    "n_non_mini_police",
]


def wilson_interval(n, base, *, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for n successes out of base, in percent.

    Parameters
    ----------
    n, base : array-like of int
        Counts; rows with ``base == 0`` get NaN bounds.
    confidence : float
        Coverage, 0.95 by default.

    Returns
    -------
    low, high : numpy.ndarray
        Bounds in percent (0-100).

    Examples
    --------
    >>> low, high = wilson_interval([7], [10])
    >>> round(float(low[0]), 2), round(float(high[0]), 2)
    (39.68, 89.22)
    """
    n = np.asarray(n, dtype=float)
    base = np.asarray(base, dtype=float)
    low = np.full(n.shape, np.nan)
    high = np.full(n.shape, np.nan)
    ok = base > 0
    if ok.any():
        lo, hi = proportion_confint(n[ok], base[ok], alpha=1 - confidence, method="wilson")
        low[ok], high[ok] = 100 * np.asarray(lo), 100 * np.asarray(hi)
        # The bounds are exactly 0 and 100 at the extremes; remove floating-point dust.
        low[ok & (n == 0)] = 0.0
        high[ok & (n == base)] = 100.0
    return low, high


def comparable_items(codebook: Codebook) -> list[tuple[str, str]]:
    """Children's items asked of both groups, with the test that fits each.

    Returns
    -------
    list of (column, test)
        ``test`` is ``"mwu"`` for ordinal items (agreement scales, ranks) and
        ``"chi2"`` for nominal ones (yes/no, yes/maybe/no, yes/no/not sure).
    """
    inst = codebook.instruments["children_survey"]
    items = []
    for col in inst.columns:
        if col.applies_if or col.role not in ("outcome", "safety", "rank"):
            continue
        if col.type == "integer":
            items.append((col.name, "mwu"))
        elif col.type == "coded":
            level = codebook.scales[col.scale].level
            items.append((col.name, "mwu" if level == "ordinal" else "chi2"))
    return items


def _ordinal_values(series: pd.Series) -> pd.Series:
    """Numeric positions of an ordinal answer (1 = first code) or the integer itself."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.astype(float)
        return (codes.where(codes >= 0) + 1).dropna()
    return pd.to_numeric(series, errors="coerce").dropna().astype(float)


def _mwu(x: pd.Series, y: pd.Series) -> dict:
    """Mann-Whitney U with the rank-biserial correlation.

    Same numbers as ``pingouin.mwu`` (which calls this SciPy function for U
    and p), but without pingouin's common-language effect size, which
    materialises an n1 x n2 matrix and cannot run on large exports.
    """
    res = mannwhitneyu(x.to_numpy(), y.to_numpy(), alternative="two-sided", method="asymptotic",
                       use_continuity=True)
    u = float(res.statistic)
    return {
        "test": "mann_whitney_u",
        "statistic": u,
        "dof": np.nan,
        "p_value": float(res.pvalue),
        "effect_size": 2 * u / (len(x) * len(y)) - 1,
        "effect_name": "rank_biserial_r",
    }


def _chi2(frame: pd.DataFrame, item: str) -> dict:
    data = frame.assign(**{item: frame[item].astype("object")})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pingouin warns on low expected counts; reported in the book
        _, _, stats = pg.chi2_independence(data, x="group", y=item, correction=True)
    row = stats.set_index("test").loc["pearson"]
    return {
        "test": "chi_square",
        "statistic": float(row["chi2"]),
        "dof": float(row["dof"]),
        "p_value": float(row["pval"]),
        "effect_size": float(row["cramer"]),
        "effect_name": "cramers_v",
    }


def compare_groups(children: pd.DataFrame, codebook: Codebook, *,
                   not_collected: tuple[str, ...] = ()) -> pd.DataFrame:
    """Compare mini-police and other children on every item asked of both.

    Parameters
    ----------
    children : pandas.DataFrame
        Clean children's table (from :mod:`helpers.validation`), with the
        ``mini_police`` column coded ``yes``/``no``.
    codebook : Codebook
    not_collected : tuple of str
        Items absent from the raw file; they get no row.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TESTS_COLUMNS`: one row per item; ``statistic`` is U
        or chi-square; ``effect_size`` is the rank-biserial correlation
        (pingouin's sign: positive when mini-police answers have *higher*
        scale positions, i.e. towards the later codes such as
        "strongly disagree" or a lower-priority rank) or Cramér's V;
        ``p_holm`` is Holm-adjusted across all rows with a p-value.

    Examples
    --------
    The Mann-Whitney p-value equals SciPy's two-sided asymptotic one::

        scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")
    """
    group = children["mini_police"].astype("object")
    rows = []
    for item, test in comparable_items(codebook):
        if item not in children or item in not_collected:
            continue
        values = children[item]
        x = _ordinal_values(values[group.eq("yes")]) if test == "mwu" else values[group.eq("yes")].dropna()
        y = _ordinal_values(values[group.eq("no")]) if test == "mwu" else values[group.eq("no")].dropna()
        row = {"measure": item, "n_mini_police": len(x), "n_non_mini_police": len(y)}
        pooled = pd.concat([x, y])
        if len(x) < 2 or len(y) < 2 or pooled.nunique() < 2:
            row.update(test="mann_whitney_u" if test == "mwu" else "chi_square")
            log.debug("tests: %s not compared (too few answers or a single category)", item)
        elif test == "mwu":
            row.update(_mwu(x, y))
        else:
            frame = pd.DataFrame({"group": group, item: values}).dropna()
            frame = frame[frame["group"].isin(["yes", "no"])]
            row.update(_chi2(frame, item))
        rows.append(row)
    out = pd.DataFrame(rows).reindex(columns=TESTS_COLUMNS)
    has_p = out["p_value"].notna()
    if has_p.any():
        _, adjusted = pg.multicomp(out.loc[has_p, "p_value"].to_numpy(), method="holm")
        out.loc[has_p, "p_holm"] = adjusted
    return out
