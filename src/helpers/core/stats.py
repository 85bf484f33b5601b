"""Statistics: Wilson intervals and comparisons of the programme group with the other group.

One job: the inferential numbers of the report, from well-kept libraries.

* :func:`wilson_interval` wraps ``statsmodels.stats.proportion.proportion_confint``
  (method ``"wilson"``), vectorised, with empty results for empty bases.
* :func:`compare_groups` runs, for every children's item asked of both groups,
  the test that fits its scale: Mann-Whitney U (ordinal items, effect size
  rank-biserial r; SciPy, as inside ``pingouin.mwu``, whose extra effect
  size needs an n1 x n2 matrix) or pingouin's chi-square test of
  independence (nominal items, effect size Cramér's V), and applies Holm's
  correction (pingouin) within each outcome family of ``outcomes.yml``
  (:func:`holm_within`; one family when none is given). The result is the
  ``tests.csv`` table of docs/contract.md section 4, with a 95% confidence interval
  of each effect size and the sample size that would detect it with 80%
  power (columns appended to the contract's, never renamed).
* :func:`design_power` gives the smallest effects the design can detect
  (the ``power.csv`` table).

Effect-size intervals
    Rank-biserial r: Fisher z interval, ``tanh(atanh(r) +/- z * SE)`` with
    ``SE = sqrt((n1 + n2 + 1) / (3 n1 n2))``, as ``rank_biserial()`` of the
    R package effectsize (it ignores ties, so it is slightly conservative
    for coarse scales). Cramér's V: the noncentrality parameter of the
    noncentral chi-square is inverted at the observed statistic (the
    Steiger / Smithson method of ``effectsize::cramers_v``, two-sided 95%),
    each bound converted to V as ``sqrt(ncp / (n (k - 1)))`` and clipped to
    [0, 1]. The statistic inverted is the one reported (Yates-corrected for
    2 x 2 tables, as pingouin applies it). A bound is 0 when the statistic
    is below the central chi-square's 97.5% (lower bound) or 2.5% point
    (upper bound), as in effectsize; the interval is for the population V,
    so for a statistic near zero its upper bound can be below the sample V.

Small tables
    Pingouin warns when an expected count is below 5; the chi-square
    p-value is then unreliable. Where the smallest expected count
    (``min_expected``, appended to ``tests.csv``) is below
    :data:`MIN_EXPECTED`, the p-value is replaced and ``test`` says how:
    ``fisher_exact`` for a 2 x 2 table (``scipy.stats.fisher_exact``,
    two-sided), ``chi_square_permutation`` for a larger table (the Pearson
    statistic's permutation p-value given the margins,
    ``scipy.stats.chi2_contingency(table, correction=False,
    method=PermutationMethod(n_resamples=9999, rng=default_rng(2019)))``,
    deterministic for its seed). ``statistic``, Cramér's V and its interval
    stay those of the chi-square, so they agree with each other.

Power
    Chi-square: ``pingouin.power_chi2`` with Cohen's ``w = V sqrt(min(r, c) - 1)``.
    Power depends on n and w only through the noncentrality ``n w**2``, so
    the required n is ``lambda_80 / w**2`` with ``lambda_80`` solved once per
    degrees of freedom by pingouin (``w = 1``); no upper search bound. The
    observed table's margins, hence the group ratio, are part of ``w``.
    Mann-Whitney: the rank-biserial r is turned into Cohen's d through the
    common-language effect size, ``d = sqrt(2) * Phi^-1((r + 1) / 2)``
    (exact for two normal samples with equal variances), and the
    two-sample t-test power of ``pingouin.power_ttest2n`` is applied to the
    sample sizes multiplied by the asymptotic relative efficiency of the
    Mann-Whitney test against the t-test under normality, ``3 / pi``
    (about 0.955): the Mann-Whitney test needs ``pi / 3`` times the t-test's
    sample size.

Missing data: answers that are missing (NaN) are dropped item by item;
respondents without a group are dropped. A comparison that cannot be made
(fewer than two answers in a group, or a single answer category overall)
keeps its row with empty statistics.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd
import pingouin as pg
from scipy.optimize import brentq, elementwise
from scipy.stats import PermutationMethod, chi2_contingency, fisher_exact, mannwhitneyu, ncx2, norm
from scipy.stats import chi2 as chi2_dist
from statsmodels.stats.proportion import proportion_confint

from helpers.core.codebook import Codebook, Groups, default_groups

__all__ = ["TESTS_COLUMNS", "POWER_COLUMNS", "comparison_columns", "power_columns",
           "MWU_ARE", "MIN_EXPECTED", "wilson_interval", "comparable_items",
           "cluster_robust_coefficient",
           "compare_groups", "design_power", "holm_within"]

log = logging.getLogger(__name__)

def comparison_columns(groups: Groups) -> list[str]:
    """Columns of ``tests.csv`` (docs/contract.md section 4) for a programme's groups.

    The two group sizes are named ``n_<yes group>`` and ``n_<no group>`` after
    the codebook's ``groups`` (for the default programme the contract's
    names); the last four are appended to the contract's columns (a
    compatible superset).
    """
    return ["measure", "test", "statistic", "dof", "p_value", "p_holm", "effect_size", "effect_name",
            groups.count_column(groups.yes), groups.count_column(groups.no),
            "effect_ci_low", "effect_ci_high", "n_required_80", "min_expected"]


def power_columns(groups: Groups) -> list[str]:
    """Columns of ``power.csv`` (see :func:`design_power`) for a programme's groups."""
    return ["test", "dof", "effect_name", "effect_size", groups.count_column(groups.yes),
            groups.count_column(groups.no), "power", "alpha"]


#: Columns of ``tests.csv`` for the default programme.
TESTS_COLUMNS = comparison_columns(default_groups())

#: Below this smallest expected count a chi-square p-value is replaced (module docstring, "Small tables").
MIN_EXPECTED = 5
#: Resamples of the permutation p-value for tables larger than 2 x 2 with a small expected count.
PERMUTATIONS = 9999
#: Seed of those resamples (the p-value is the same on every run).
PERMUTATION_SEED = 2019

#: Columns of ``power.csv`` for the default programme.
POWER_COLUMNS = power_columns(default_groups())

#: Asymptotic relative efficiency of the Mann-Whitney test against the t-test for normal samples.
MWU_ARE = 3 / np.pi

_CONFIDENCE = 0.95
_POWER = 0.8
_ALPHA = 0.05


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
    inst = codebook.instruments[codebook.groups.instrument]
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


def _d_from_rbc(r):
    """Cohen's d from the rank-biserial r via the common-language effect size (normal samples)."""
    return np.sqrt(2) * norm.ppf((np.asarray(r, dtype=float) + 1) / 2)


def _rbc_from_d(d):
    """Rank-biserial r from Cohen's d: ``2 Phi(d / sqrt 2) - 1`` (inverse of :func:`_d_from_rbc`)."""
    return 2 * norm.cdf(np.asarray(d, dtype=float) / np.sqrt(2)) - 1


def _rbc_ci(r: float, n1: int, n2: int, *, confidence: float = _CONFIDENCE) -> tuple[float, float]:
    """Fisher z interval of the rank-biserial r (effectsize::rank_biserial's standard error)."""
    se = np.sqrt((n1 + n2 + 1) / (3 * n1 * n2))
    z = norm.ppf(1 - (1 - confidence) / 2)
    with np.errstate(divide="ignore"):  # r = +/-1 gives z = +/-inf and the interval [r, r]
        centre = np.arctanh(r)
    return float(np.tanh(centre - z * se)), float(np.tanh(centre + z * se))


def _ncp_interval(statistic: float, dof: float, *, confidence: float = _CONFIDENCE) -> tuple[float, float]:
    """Confidence interval of the noncentrality parameter of a chi-square statistic.

    The lower (upper) bound is the ncp at which the observed statistic is the
    upper (lower) ``(1 - confidence) / 2`` quantile of the noncentral
    chi-square; a bound is 0 when even the central distribution puts the
    statistic below that quantile. Both bounds are found in one elementwise
    root search (:func:`scipy.optimize.elementwise.find_root`).
    """
    tail = (1 - confidence) / 2
    targets = np.array([1 - tail, tail])  # cdf at the lower bound, at the upper bound
    solve = chi2_dist.cdf(statistic, dof) > targets  # else the bound is 0
    bounds = np.zeros(2)
    if not solve.any():
        return 0.0, 0.0
    # An upper end of the bracket: the ncp whose cdf at the statistic is below the target.
    high = np.full(2, statistic + dof + 10 * np.sqrt(statistic + dof) + 10)
    while (ncx2.cdf(statistic, dof, high) >= targets)[solve].any():
        high *= 2
    res = elementwise.find_root(lambda ncp, target: ncx2.cdf(statistic, dof, ncp) - target,
                                (np.zeros(2), high), args=(targets,))
    bounds[solve] = res.x[solve]
    return float(bounds[0]), float(bounds[1])


def _cramers_v_ci(statistic: float, dof: float, n: int, k: int, *,
                  confidence: float = _CONFIDENCE) -> tuple[float, float]:
    """Interval of Cramér's V from the ncp interval (Steiger / Smithson; effectsize::cramers_v)."""
    low, high = _ncp_interval(statistic, dof, confidence=confidence)
    to_v = lambda ncp: float(np.clip(np.sqrt(ncp / (n * (k - 1))), 0, 1))  # noqa: E731
    return to_v(low), to_v(high)


@lru_cache(maxsize=32)
def _lambda_chi2(dof: float, power: float, alpha: float) -> float:
    """Noncentrality ``n w**2`` at which a chi-square test reaches ``power`` (pingouin, w = 1)."""
    return float(pg.power_chi2(dof=dof, w=1.0, power=power, alpha=alpha))


def _n_required_chi2(v: float, dof: float, k: int, *, power: float = _POWER, alpha: float = _ALPHA) -> float:
    """Total n for a chi-square test to detect Cramér's V with ``power``; NaN for V = 0."""
    w = v * np.sqrt(k - 1)
    if not np.isfinite(w) or w <= 0:
        return np.nan
    return float(np.ceil(_lambda_chi2(float(dof), power, alpha) / w**2))


def _n_required_mwu(r: float, n1: int, n2: int, *, power: float = _POWER, alpha: float = _ALPHA) -> float:
    """Total n (ratio n1:n2 kept) for a Mann-Whitney test to detect the rank-biserial r with ``power``.

    The two-sample t-test size for the equivalent d (pingouin.power_ttest2n,
    searched over the total n) divided by the efficiency :data:`MWU_ARE`.
    NaN when r is 0, +/-1 (d infinite) or undefined.
    """
    if not np.isfinite(r) or r == 0 or abs(r) >= 1:
        return np.nan
    d = abs(float(_d_from_rbc(r)))
    share = n1 / (n1 + n2)

    def gap(n: float) -> float:
        return pg.power_ttest2n(nx=n * share, ny=n * (1 - share), d=d, alpha=alpha) - power

    low = 2 / min(share, 1 - share)  # at least two per group
    if gap(low) >= 0:
        n_t = low
    else:
        high = 2 * low
        while gap(high) < 0:
            high *= 2
        n_t = brentq(gap, low, high, xtol=1e-9, rtol=1e-12)
    return float(np.ceil(n_t / MWU_ARE))


def _mwu(x: pd.Series, y: pd.Series) -> dict:
    """Mann-Whitney U with the rank-biserial correlation, its interval and the n for 80% power.

    Same numbers as ``pingouin.mwu`` (which calls this SciPy function for U
    and p), but without pingouin's common-language effect size, which
    materialises an n1 x n2 matrix and cannot run on large exports.
    """
    res = mannwhitneyu(x.to_numpy(), y.to_numpy(), alternative="two-sided", method="asymptotic",
                       use_continuity=True)
    u = float(res.statistic)
    n1, n2 = len(x), len(y)
    r = 2 * u / (n1 * n2) - 1
    low, high = _rbc_ci(r, n1, n2)
    return {
        "test": "mann_whitney_u",
        "statistic": u,
        "dof": np.nan,
        "p_value": float(res.pvalue),
        "effect_size": r,
        "effect_name": "rank_biserial_r",
        "effect_ci_low": low,
        "effect_ci_high": high,
        "n_required_80": _n_required_mwu(r, n1, n2),
    }


def _chi2(frame: pd.DataFrame, item: str) -> dict:
    data = frame.assign(**{item: frame[item].astype("object")})
    with warnings.catch_warnings():
        # pingouin warns on low expected counts: such tables get an exact or permutation p-value below
        warnings.simplefilter("ignore")
        expected, _, stats = pg.chi2_independence(data, x="group", y=item, correction=True)
    row = stats.set_index("test").loc["pearson"]
    statistic, dof, v = float(row["chi2"]), float(row["dof"]), float(row["cramer"])
    k = min(expected.shape)
    low, high = _cramers_v_ci(statistic, dof, len(data), k)
    smallest = float(np.asarray(expected, dtype=float).min())
    test, p_value = "chi_square", float(row["pval"])
    if smallest < MIN_EXPECTED:
        table = pd.crosstab(data["group"], data[item]).to_numpy()  # pingouin's "observed" is Yates-adjusted
        if table.shape == (2, 2):
            test, p_value = "fisher_exact", float(fisher_exact(table, alternative="two-sided").pvalue)
        else:
            method = PermutationMethod(n_resamples=PERMUTATIONS, rng=np.random.default_rng(PERMUTATION_SEED))
            test = "chi_square_permutation"
            p_value = float(chi2_contingency(table, correction=False, method=method).pvalue)
        log.info("tests: %s: smallest expected count %.1f < %d: %s p-value", item, smallest, MIN_EXPECTED, test)
    return {
        "test": test,
        "statistic": statistic,
        "dof": dof,
        "p_value": p_value,
        "min_expected": smallest,
        "effect_size": v,
        "effect_name": "cramers_v",
        "effect_ci_low": low,
        "effect_ci_high": high,
        "n_required_80": _n_required_chi2(v, dof, k),
    }


def compare_groups(children: pd.DataFrame, codebook: Codebook, *,
                   not_collected: tuple[str, ...] = (), families: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Compare the programme group with the other group on every item asked of both.

    Parameters
    ----------
    children : pandas.DataFrame
        Clean table of the instrument that carries the groups (from
        :mod:`helpers.core.validation`), with the codebook's group column
        (``codebook.groups.column``) coded ``yes``/``no``.
    codebook : Codebook
    not_collected : tuple of str
        Items absent from the raw file; they get no row.
    families : mapping, optional
        Outcome family of each item (``outcomes.yml``: primary, secondary,
        exploratory); Holm's correction runs within each family. Without
        it, all rows form one family (the meaning of contract version 1).

    Returns
    -------
    pandas.DataFrame
        Columns :func:`comparison_columns` of the codebook's groups (for the
        default programme :data:`TESTS_COLUMNS`): one row per item;
        ``statistic`` is U or chi-square; ``effect_size`` is the rank-biserial correlation
        (pingouin's sign: positive when the programme group's answers have *higher*
        scale positions, i.e. towards the later codes such as
        "strongly disagree" or a lower-priority rank) or Cramér's V;
        ``p_holm`` is Holm-adjusted within the item's family (``families``;
        across all rows with a p-value when none are given);
        ``effect_ci_low``/``effect_ci_high`` the 95% interval of the effect
        size (module docstring); ``n_required_80`` the total number of
        answers, split between the groups in the observed ratio, that a
        two-sided test at alpha 0.05 needs to detect the observed effect
        with 80% power (empty when the effect is zero or undefined, or for
        a rank-biserial r of +/-1).

    Examples
    --------
    The Mann-Whitney p-value equals SciPy's two-sided asymptotic one::

        scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")
    """
    groups = codebook.groups
    group = children[groups.column].astype("object")
    is_yes, is_no = group.eq("yes").to_numpy(), group.eq("no").to_numpy()  # once, not per item
    rows = []
    for item, test in comparable_items(codebook):
        if item not in children or item in not_collected:
            continue
        values = children[item]
        x = _ordinal_values(values[is_yes]) if test == "mwu" else values[is_yes].dropna()
        y = _ordinal_values(values[is_no]) if test == "mwu" else values[is_no].dropna()
        row = {"measure": item, groups.count_column(groups.yes): len(x), groups.count_column(groups.no): len(y)}
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
    out = pd.DataFrame(rows).reindex(columns=comparison_columns(groups))
    out["n_required_80"] = out["n_required_80"].astype("Int64")
    family = out["measure"].map(dict(families)).fillna("exploratory") if families is not None \
        else pd.Series("all", index=out.index)
    out["p_holm"] = holm_within(out["p_value"], family)
    return out


def design_power(n_mini: int, n_other: int, *, power: float = _POWER, alpha: float = _ALPHA,
                 groups: Groups | None = None) -> pd.DataFrame:
    """Smallest effects the design detects with the given power (two-sided tests).

    Parameters
    ----------
    n_mini, n_other : int
        Members of the programme group and of the other group (answers to one item).
    power : float
        Required power, 0.8 by default.
    alpha : float
        Significance level, 0.05 by default.
    groups : Groups, optional
        Names the two size columns ``n_<yes>``, ``n_<no>`` (default: the
        default codebook's groups).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`POWER_COLUMNS` (for ``groups``: :func:`power_columns`), six rows: for ``mann_whitney_u`` the
        minimum detectable Cohen's d (``cohens_d``: two-sample t-test of
        ``pingouin.power_ttest2n`` on the sample sizes times the efficiency
        :data:`MWU_ARE` = 3/pi) and the same effect as a rank-biserial r
        (``rank_biserial_r`` = 2 Phi(d / sqrt 2) - 1); for ``chi_square``
        at ``dof`` 1 (yes/no items) and 2 (three answers) the minimum
        detectable Cohen's w (``cohens_w``, ``pingouin.power_chi2`` with
        n = n_mini + n_other) and Cramér's V (``cramers_v`` =
        w / sqrt(min(2, dof + 1) - 1), equal to w for two groups).
        ``effect_size`` is empty when a group has fewer than two children,
        and for ``cramers_v`` when it would exceed 1 (no association
        between the groups, however strong, is detected with that power).

    Examples
    --------
    >>> out = design_power(248, 102)
    >>> round(float(out.loc[out.effect_name == "rank_biserial_r", "effect_size"].iloc[0]), 3)
    0.189

    The d row equals statsmodels' solution for the t-test with the
    efficiency-adjusted sizes::

        TTestIndPower().solve_power(nobs1=248 * 3 / np.pi, ratio=102 / 248, alpha=0.05, power=0.8)
    """
    groups = groups or default_groups()
    base = {groups.count_column(groups.yes): int(n_mini), groups.count_column(groups.no): int(n_other),
            "power": power, "alpha": alpha}
    ok = n_mini >= 2 and n_other >= 2
    d = pg.power_ttest2n(nx=n_mini * MWU_ARE, ny=n_other * MWU_ARE, power=power, alpha=alpha) if ok else np.nan
    rows = [
        {"test": "mann_whitney_u", "dof": np.nan, "effect_name": "cohens_d", "effect_size": d},
        {"test": "mann_whitney_u", "dof": np.nan, "effect_name": "rank_biserial_r",
         "effect_size": float(_rbc_from_d(d))},
    ]
    for dof in (1, 2):
        w = pg.power_chi2(dof=dof, n=n_mini + n_other, power=power, alpha=alpha) if ok else np.nan
        rows.append({"test": "chi_square", "dof": float(dof), "effect_name": "cohens_w", "effect_size": w})
        v = w / np.sqrt(min(2, dof + 1) - 1)
        rows.append({"test": "chi_square", "dof": float(dof), "effect_name": "cramers_v",
                     "effect_size": v if v <= 1 else np.nan})  # V > 1: no association is detectable
    out = pd.DataFrame([{**row, **base} for row in rows]).reindex(columns=power_columns(groups))
    out["effect_size"] = out["effect_size"].astype(float)
    log.info("power: %d vs %d children detect d = %.2f (r = %.2f), V = %.2f (dof 1) with %.0f%% power",
             n_mini, n_other, out["effect_size"].iloc[0], out["effect_size"].iloc[1],
             out["effect_size"].iloc[3], 100 * power)
    return out


def holm_within(p_values: pd.Series, families: pd.Series) -> pd.Series:
    """Holm-adjusted p-values within each family (pingouin ``multicomp(method="holm")``).

    Missing p-values stay missing and do not count towards their family's size.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.Series([0.01, 0.04, 0.03]); f = pd.Series(["a", "a", "b"])
    >>> holm_within(p, f).round(2).tolist()
    [0.02, 0.04, 0.03]
    """
    out = pd.Series(np.nan, index=p_values.index, dtype=float)
    for _, index in p_values.groupby(families.to_numpy(), sort=False).groups.items():
        p = p_values.loc[index]
        ok = p.notna()
        if ok.any():
            _, adjusted = pg.multicomp(p[ok].to_numpy(dtype=float), method="holm")
            out.loc[p[ok].index] = adjusted
    return out


def cluster_robust_coefficient(y: np.ndarray, x: np.ndarray, codes: np.ndarray | None, *, column: int,
                               weights: np.ndarray | None = None, k_params: int | None = None,
                               confidence: float = 0.95) -> dict[str, float]:
    """One coefficient of a (weighted) least-squares fit with a robust covariance, in closed form.

    The numbers statsmodels gives for ``OLS(y, x)`` (or ``WLS(y, x,
    weights=w)``) ``.fit(cov_type="cluster", cov_kwds={"groups": codes})``
    with its defaults: the sandwich ``c B (sum_g s_g s_g') B`` with
    ``B = (X'WX)^+``, ``s_g = sum_{i in g} w_i x_i u_i`` and the CR1 factor
    ``c = G/(G-1) (N-1)/(N-K)``, and a normal reference distribution. With
    ``codes=None`` every observation is its own cluster and the factor is
    HC1's ``N/(N-K)`` (``cov_type="HC1"``). Per-cluster sums use
    :func:`numpy.bincount`, so a million rows cost a few array passes
    (statsmodels' model set-up took minutes there). ``k_params`` replaces
    ``K`` when columns were partialled out beforehand (school fixed effects by
    the within transform).

    Returns
    -------
    dict
        ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p_value``; the
        interval and p are NaN when the standard error is zero.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([1., 2, 2, 3, 2, 4, 3, 5]); mp = np.array([0., 1, 0, 1, 0, 1, 0, 1])
    >>> x = np.column_stack([np.ones(8), mp]); school = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    >>> round(cluster_robust_coefficient(y, x, school, column=1)["estimate"], 2)
    1.5

    Cross-checks against statsmodels: tests/test_design.py and tests/test_weighting.py.
    """
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    n, k = x.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    bread = np.linalg.pinv(x.T @ (w[:, None] * x))
    beta = bread @ (x.T @ (w * y))
    resid = y - x @ beta
    k = k_params or k
    if codes is None:
        scores = x * (w * resid)[:, None]
        factor = n / (n - k)
    else:
        codes = np.asarray(codes)
        groups = int(codes.max()) + 1
        scores = np.column_stack([np.bincount(codes, weights=x[:, j] * w * resid, minlength=groups)
                                  for j in range(x.shape[1])])
        factor = groups / (groups - 1) * (n - 1) / (n - k)
    cov = factor * bread @ (scores.T @ scores) @ bread
    estimate, se = float(beta[column]), float(np.sqrt(max(cov[column, column], 0.0)))
    z = norm.ppf(1 - (1 - confidence) / 2)
    if not se > 1e-12 * max(1.0, abs(estimate)):
        return {"estimate": estimate, "se": se, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan}
    return {"estimate": estimate, "se": se, "ci_low": estimate - z * se, "ci_high": estimate + z * se,
            "p_value": float(2 * norm.sf(abs(estimate / se)))}
