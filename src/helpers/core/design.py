"""Design-based inference for the children's comparisons: schools as clusters.

One job: compare the programme group with the other children in a way that
respects how the survey was drawn. Children are nested in schools, schools
chose who joined the programme, and the groups are spread unevenly over schools, so
a test that treats the children as a simple random sample has intervals that
are too narrow. Every formula below is the one ``docs/design-based-inference.md``
states; each function is DataFrame in, tidy DataFrame out.

* :func:`item_score` -- the score of an item: the codebook's scores for
  scored scales (agreement, safety: 1 = strongly agree ... 5), the rank for
  rank items, 1 for ``yes`` and 0 for any other valid answer of a nominal item.
* :func:`icc1` -- one-way ANOVA ICC(1) over schools and the design effect.
* :func:`cluster_difference` -- OLS of the score on the programme-group
  indicator with school-clustered (CR1) covariance, statsmodels' defaults
  (normal reference distribution).
* :func:`within_school` -- the comparison within schools that have both
  groups: Cochran-Mantel-Haenszel for nominal items, OLS with school fixed
  effects (cluster-robust by school) for scored and rank items.
* :func:`tost` -- two one-sided tests of a difference against +/- a
  smallest effect of interest; :func:`equivalence_verdict` turns them into
  words.
* :func:`design_table` -- ``design.csv``; :func:`balance_table` --
  ``balance.csv``; :func:`adjusted_table` -- ``adjusted.csv``.
* :func:`simulate_clustered` -- synthetic children with a known school
  effect and no true difference (deterministic for its seed), for checking
  the tests' error rates.

Missing data: answers that are missing drop out item by item (covariates:
complete cases of the adjusted model); children without a school or a group
drop out. A comparison that cannot be made keeps its row with empty
statistics.

The groups are the codebook's (``codebook.groups``): the per-group columns
are named ``n_<yes>``, ``n_<no>``, ``value_<yes>`` ... after them, which for
the default programme are the contract's names.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.stats import norm, ttest_ind
from statsmodels.stats.contingency_tables import StratifiedTable

from helpers.core.codebook import Codebook, Groups, default_groups, load_codebook
from helpers.core.stats import cluster_robust_coefficient, comparable_items, holm_within

__all__ = ["DESIGN_COLUMNS", "BALANCE_COLUMNS", "design_columns", "balance_columns",
           "ADJUSTED_COLUMNS", "ALPHA", "MIN_CLUSTERS", "item_score", "icc1",
           "cluster_difference", "within_school", "tost", "equivalence_verdict", "design_table",
           "balance_table", "adjusted_table", "simulate_clustered"]

log = logging.getLogger(__name__)

#: Significance level of every design-based test and of the equivalence tests.
ALPHA = 0.05

#: Fewest schools for a cluster-robust test: with fewer, the sandwich variance rests on a
#: handful of school totals and its p-values mean little, so none is given.
MIN_CLUSTERS = 5

def design_columns(groups: Groups) -> list[str]:
    """Columns of ``design.csv`` for a programme's groups: the issue's columns first, then appended ones."""
    yes, no = groups.pair
    return ["measure", f"n_{yes}", f"n_{no}", "schools", "icc", "design_effect", "difference", "ci_low",
            "ci_high", "p_cluster", "p_cluster_holm", "p_within", "within_method",
            # appended
            "family", "score", "se", "schools_within", "sesoi", "p_equivalence", "equivalence", "flag"]


def balance_columns(groups: Groups) -> list[str]:
    """Columns of ``balance.csv`` for a programme's groups."""
    return ["covariate", "category", "unit",
            *(f"{stat}_{group}" for group in groups.pair for stat in ("n", "base", "value", "sd")),
            "std_difference", "flag"]


#: Columns of ``design.csv`` for the default programme.
DESIGN_COLUMNS = design_columns(default_groups())

#: Columns of ``balance.csv`` for the default programme.
BALANCE_COLUMNS = balance_columns(default_groups())

#: Columns of ``adjusted.csv``.
ADJUSTED_COLUMNS = [
    "measure", "model", "covariates", "n", "schools", "difference", "se", "ci_low", "ci_high", "p_value", "flag",
]

_STATS = ["icc", "design_effect", "difference", "ci_low", "ci_high", "p_cluster", "p_cluster_holm", "p_within",
          "se", "p_equivalence"]


# --------------------------------------------------------------------------- scores


def item_score(children: pd.DataFrame, item: str, codebook: Codebook | None = None) -> tuple[pd.Series, str]:
    """The numeric score of one children's item, and its kind.

    Parameters
    ----------
    children : pandas.DataFrame
        Clean children's table (codes, or categoricals of codes).
    item : str
        A column of the codebook's children's survey.
    codebook : Codebook, optional

    Returns
    -------
    score : pandas.Series of float
        NaN where the answer is missing.
    kind : str
        ``"scored"`` (the scale's codebook scores), ``"rank"`` (rank 1-6) or
        ``"yes"`` (1 for yes, 0 for any other valid answer).

    Examples
    --------
    >>> import pandas as pd
    >>> kids = pd.DataFrame({"att_trust": ["agree", "strongly_disagree", None],
    ...                      "aware_cadets": ["yes", "no", "yes"]})
    >>> item_score(kids, "att_trust")[0].tolist(), item_score(kids, "aware_cadets")[0].tolist()
    ([2.0, 5.0, nan], [1.0, 0.0, 1.0])
    """
    codebook = codebook or load_codebook()
    col = codebook.instruments[codebook.groups.instrument].column(item)
    values = children[item]
    if col.type == "integer":
        return pd.to_numeric(values, errors="coerce").astype(float).rename(item), "rank"
    scale = codebook.scales[col.scale]
    # Categoricals map their few categories, not a million cells (no conversion to object first).
    if scale.scores is not None:
        mapping = dict(zip(scale.codes, scale.scores, strict=True))
        return pd.to_numeric(values.map(mapping), errors="coerce").astype(float).rename(item), "scored"
    valid = values.isin(scale.codes)
    return values.eq("yes").astype(float).where(valid).rename(item), "yes"


# --------------------------------------------------------------------------- ICC


def icc1(data: pd.DataFrame, *, score: str, cluster: str) -> pd.DataFrame:
    """One-way ANOVA intraclass correlation ICC(1) and the design effect.

    ``ICC = (MSB - MSW) / (MSB + (k0 - 1) MSW)``, truncated at 0, with
    ``k0 = (N - sum(m_j**2) / N) / (J - 1)`` for J clusters of sizes m_j;
    ``design_effect = 1 + (sum(m_j**2) / N - 1) ICC``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per child; rows with a missing score or cluster are dropped.
    score, cluster : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row: ``n``, ``clusters``, ``msb``, ``msw``, ``k0``,
        ``mean_size`` (the size-weighted mean cluster size sum(m^2)/N),
        ``icc`` and ``design_effect`` (NaN with fewer than two clusters or
        no within-cluster replication).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1, 2, 3, 4, 5, 6], "s": ["a", "a", "b", "b", "c", "c"]})
    >>> round(float(icc1(d, score="y", cluster="s")["icc"].iloc[0]), 4)
    0.8824
    """
    frame = data[[score, cluster]].dropna()
    y = frame[score].astype(float)
    groups = frame.groupby(cluster, observed=True)[score]
    sizes = groups.size().to_numpy(dtype=float)
    n, j = float(sizes.sum()), len(sizes)
    out = {"n": int(n), "clusters": j, "msb": np.nan, "msw": np.nan, "k0": np.nan, "mean_size": np.nan,
           "icc": np.nan, "design_effect": np.nan}
    if j >= 2 and n > j:
        means = groups.mean().to_numpy(dtype=float)
        grand = float(y.mean())
        ssb = float((sizes * (means - grand) ** 2).sum())
        ssw = float(((y - groups.transform("mean")) ** 2).sum())
        msb, msw = ssb / (j - 1), ssw / (n - j)
        mean_size = float((sizes**2).sum() / n)
        k0 = (n - mean_size) / (j - 1)
        denominator = msb + (k0 - 1) * msw
        icc = max(0.0, (msb - msw) / denominator) if denominator > 0 else 0.0
        out.update(msb=msb, msw=msw, k0=k0, mean_size=mean_size, icc=icc, design_effect=1 + (mean_size - 1) * icc)
    return pd.DataFrame([out])


# --------------------------------------------------------------------------- comparisons


def _cluster_fit(y: np.ndarray, x: np.ndarray, groups: np.ndarray, *, column: int,
                 confidence: float = 0.95) -> dict[str, float]:
    """One coefficient of OLS with CR1 cluster covariance and a normal reference.

    statsmodels' ``OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups":
    groups})`` in closed form (:func:`helpers.core.stats.cluster_robust_coefficient`;
    tests/test_design.py checks the numbers against statsmodels itself).
    """
    return cluster_robust_coefficient(y, x, groups, column=column, confidence=confidence)


def _fixed_effects_fit(y: np.ndarray, g: np.ndarray, codes: np.ndarray, *, confidence: float = 0.95
                       ) -> dict[str, float]:
    """The ``g`` coefficient of ``y ~ g + C(school)`` with school-clustered CR1 errors, by the within transform.

    By the Frisch-Waugh-Lovell theorem the coefficient, the residuals and
    (schools being the clusters) the sandwich for ``g`` equal those of the
    regression with one dummy per school; the small-sample factor counts
    those dummies (``K`` = schools + 1), as statsmodels does.
    """
    counts = np.bincount(codes).astype(float)
    yt = y - (np.bincount(codes, weights=y) / counts)[codes]
    gt = g - (np.bincount(codes, weights=g) / counts)[codes]
    return cluster_robust_coefficient(yt, gt[:, None], codes, column=0, k_params=len(counts) + 1,
                                      confidence=confidence)


def cluster_difference(data: pd.DataFrame, *, score: str, group: str, cluster: str,
                       confidence: float = 0.95, min_clusters: int = 2) -> pd.DataFrame:
    """Difference in mean score (group 1 minus group 0) with school-clustered errors.

    The coefficient of the indicator in ``ols("score ~ group")`` fitted with
    ``cov_type="cluster", cov_kwds={"groups": cluster}`` and statsmodels'
    defaults: the CR1 small-sample factor ``G/(G-1) (N-1)/(N-K)`` and a
    normal reference distribution.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per child; rows with a missing score, group or cluster drop out.
    score, group, cluster : str
        Column names; ``group`` is 1 for children in the programme group, 0 otherwise.
    confidence : float
        Coverage of the interval.
    min_clusters : int
        Fewest clusters for a result (:data:`MIN_CLUSTERS` in the tables).

    Returns
    -------
    pandas.DataFrame
        One row: ``n``, ``clusters``, ``difference``, ``se``, ``ci_low``,
        ``ci_high``, ``p_value`` and ``p_naive`` (the same OLS with the
        ordinary, non-clustered standard error: the pooled two-sample
        t-test). NaN when a group is empty or there are fewer than
        ``min_clusters`` clusters.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1, 2, 2, 3, 2, 4, 3, 5], "mp": [0, 1, 0, 1, 0, 1, 0, 1],
    ...                   "s": ["a", "a", "b", "b", "c", "c", "d", "d"]})
    >>> round(float(cluster_difference(d, score="y", group="mp", cluster="s")["difference"].iloc[0]), 2)
    1.5

    Cross-check (tests/test_design.py)::

        smf.ols("y ~ mp", d).fit(cov_type="cluster", cov_kwds={"groups": d["s"]})
    """
    frame = data[[score, group, cluster]].dropna()
    out = {"n": len(frame), "clusters": int(frame[cluster].nunique()), "difference": np.nan, "se": np.nan,
           "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan, "p_naive": np.nan}
    g = frame[group].to_numpy(dtype=float)
    if out["clusters"] >= max(min_clusters, 2) and 0 < g.sum() < len(g):
        y = frame[score].to_numpy(dtype=float)
        x = np.column_stack([np.ones_like(g), g])
        codes = pd.factorize(frame[cluster])[0]
        fit = _cluster_fit(y, x, codes, column=1, confidence=confidence)
        # The naive p: the same OLS with the ordinary standard error (the pooled two-sample t-test).
        p_naive = float(ttest_ind(y[g == 1], y[g == 0]).pvalue)
        out.update(difference=fit["estimate"], se=fit["se"], ci_low=fit["ci_low"], ci_high=fit["ci_high"],
                   p_value=fit["p_value"], p_naive=p_naive)
    return pd.DataFrame([out])


def within_school(data: pd.DataFrame, *, score: str, group: str, cluster: str, method: str,
                  min_clusters: int = 2) -> pd.DataFrame:
    """The comparison within schools, over the schools that have both groups.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per child.
    score, group, cluster : str
        Column names; ``group`` is 1/0.
    method : {"cmh", "fixed_effects"}
        ``"cmh"``: Cochran-Mantel-Haenszel test of a 0/1 score, one 2 x 2
        table (group x score) per school,
        ``StratifiedTable(tables).test_null_odds(correction=False)``.
        ``"fixed_effects"``: the group coefficient of
        ``ols("score ~ group + C(cluster)")`` with school-clustered errors.
    min_clusters : int
        Fewest schools with both groups for a result (at least two).

    Returns
    -------
    pandas.DataFrame
        One row: ``schools`` (with both groups), ``n``, ``statistic`` (the
        CMH chi-square or the within-school difference), ``p_value`` and
        ``method``. NaN statistics with fewer than ``min_clusters``
        such schools (or no variation in the score within them).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [0, 1, 1, 1, 0, 0, 1, 1] * 3, "mp": [0, 1] * 12,
    ...                   "s": list("aaaaaaaabbbbbbbbcccccccc")})
    >>> int(within_school(d, score="y", group="mp", cluster="s", method="cmh")["schools"].iloc[0])
    3
    """
    if method not in ("cmh", "fixed_effects"):
        raise ValueError(f"within_school: method must be 'cmh' or 'fixed_effects', not {method!r}")
    frame = data[[score, group, cluster]].dropna()
    both = frame.groupby(cluster, observed=True)[group].agg(lambda g: g.nunique() == 2)
    frame = frame[frame[cluster].map(both).astype(bool)].reset_index(drop=True)
    schools = int(frame[cluster].nunique())
    out = {"schools": schools, "n": len(frame), "statistic": np.nan, "p_value": np.nan, "method": method}
    if schools < max(min_clusters, 2):
        return pd.DataFrame([out])
    if method == "cmh":
        y, g = frame[score].to_numpy(dtype=int), frame[group].to_numpy(dtype=int)
        codes, uniques = pd.factorize(frame[cluster])
        # One 2 x 2 table (rows: group 1, 0; columns: score 1, 0) per school, counted in one pass.
        cells = np.bincount(codes * 4 + (1 - g) * 2 + (1 - y), minlength=4 * len(uniques))
        tables = cells.reshape(len(uniques), 2, 2).transpose(1, 2, 0).astype(float)
        # CMH variance: zero when no school has both answers; the test is then undefined.
        rows, cols, total = tables.sum(axis=1), tables.sum(axis=0), tables.sum(axis=(0, 1))
        variance = (rows[0] * rows[1] * cols[0] * cols[1] / (total**2 * (total - 1))).sum()
        if variance > 0:
            res = StratifiedTable(tables).test_null_odds(correction=False)
            out.update(statistic=float(res.statistic), p_value=float(res.pvalue))
    else:
        codes = pd.factorize(frame[cluster])[0]
        fit = _fixed_effects_fit(frame[score].to_numpy(dtype=float), frame[group].to_numpy(dtype=float), codes)
        out.update(statistic=fit["estimate"], p_value=fit["p_value"])
    return pd.DataFrame([out])


def tost(difference, se, sesoi, *, alpha: float = ALPHA) -> np.ndarray:
    """p-value of two one-sided tests that ``|difference| < sesoi`` (normal reference).

    ``p = max(1 - Phi((d + sesoi) / se), Phi((d - sesoi) / se))``; the two
    groups are called equivalent when ``p < alpha``, which is the same as
    the ``1 - 2 alpha`` (90%) interval ``d -/+ z se`` lying inside
    ``(-sesoi, sesoi)``. The reference distribution is the normal, as in the
    cluster-robust fit whose estimate and standard error it takes.

    Examples
    --------
    >>> round(float(tost(0.05, 0.08, 0.25)[0]), 4)
    0.0062
    """
    d, s, m = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (difference, se, sesoi))
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = norm.sf((d + m) / s)  # H0: d <= -sesoi
        upper = norm.cdf((d - m) / s)  # H0: d >= +sesoi
    return np.fmax(lower, upper)


def equivalence_verdict(p_holm: float, p_equivalence: float, sesoi: float, *, alpha: float = ALPHA) -> str:
    """``"difference"``, ``"equivalent (no difference larger than X)"`` or ``"inconclusive"``.

    A difference (Holm-adjusted cluster-robust p below ``alpha``) comes
    first; otherwise equivalence when the TOST p is below ``alpha``;
    otherwise inconclusive. Empty when there is no SESOI or no test.

    Examples
    --------
    >>> equivalence_verdict(0.6, 0.01, 0.25), equivalence_verdict(0.6, 0.3, 0.25)
    ('equivalent (no difference larger than 0.25)', 'inconclusive')
    """
    if pd.isna(sesoi) or pd.isna(p_holm):
        return ""
    if p_holm < alpha:
        return "difference"
    if pd.notna(p_equivalence) and p_equivalence < alpha:
        return f"equivalent (no difference larger than {sesoi:g})"
    return "inconclusive"


# --------------------------------------------------------------------------- tables


def _base_frame(children: pd.DataFrame, groups: Groups) -> pd.DataFrame:
    group = children[groups.column].astype("object")
    return pd.DataFrame({"mp": group.map({"yes": 1.0, "no": 0.0}),
                         "school": children["school_id"].astype("object")}, index=children.index)


def design_table(children: pd.DataFrame, codebook: Codebook | None = None, *, plan: pd.DataFrame | None = None,
                 not_collected: tuple[str, ...] = (), min_cell: int = 0) -> pd.DataFrame:
    """``design.csv``: every children's item asked of both groups, compared with the design in mind.

    Parameters
    ----------
    children : pandas.DataFrame
        Clean children's table (the group column ``codebook.groups.column`` yes/no, ``school_id``).
    codebook : Codebook, optional
    plan : pandas.DataFrame, optional
        :func:`helpers.core.outcomes.item_plan` (families, SESOIs); by default
        the packaged ``outcomes.yml``.
    not_collected : tuple of str
        Items absent from the raw file: no row.
    min_cell : int
        A row whose smaller group has fewer answers is emptied and flagged ``c``.

    Returns
    -------
    pandas.DataFrame
        Columns :func:`design_columns` (``n_<yes>``, ``n_<no>`` ...), one row per item in the order of
        ``tests.csv``: answers per group, ``schools`` (clusters with an
        answer), ``icc``/``design_effect`` (:func:`icc1`, both groups
        pooled), ``difference`` (programme group minus other children, score
        scale), ``ci_low``/``ci_high``/``p_cluster``/``se``
        (:func:`cluster_difference`), ``p_cluster_holm`` (Holm within the
        item's ``family``), ``p_within``/``within_method``/``schools_within``
        (:func:`within_school`: ``cmh`` for nominal items,
        ``fixed_effects`` otherwise), ``score`` (``scored``, ``rank``,
        ``yes``), ``sesoi``, ``p_equivalence`` (:func:`tost`) and
        ``equivalence`` (:func:`equivalence_verdict`) for primary items,
        ``flag``.
    """
    from helpers.core.outcomes import item_plan

    codebook = codebook or load_codebook()
    plan = plan if plan is not None else item_plan()
    planned = plan.set_index("measure")
    groups = codebook.groups
    n_yes, n_no = (groups.count_column(g) for g in groups.pair)
    base = _base_frame(children, groups)
    rows = []
    for item, _ in comparable_items(codebook):
        if item not in children or item in not_collected:
            continue
        score, kind = item_score(children, item, codebook)
        frame = base.assign(score=score).dropna(subset=["mp", "school", "score"])
        n_mp, n_other = int(frame["mp"].eq(1).sum()), int(frame["mp"].eq(0).sum())
        icc = icc1(frame, score="score", cluster="school").iloc[0]
        diff = cluster_difference(frame, score="score", group="mp", cluster="school",
                                  min_clusters=MIN_CLUSTERS).iloc[0]
        method = "cmh" if kind == "yes" else "fixed_effects"
        within = within_school(frame, score="score", group="mp", cluster="school", method=method,
                               min_clusters=MIN_CLUSTERS if method == "fixed_effects" else 2).iloc[0]
        family = planned["family"].get(item, "exploratory")
        sesoi = float(planned["sesoi"].get(item, np.nan)) if family == "primary" else np.nan
        rows.append({"measure": item, n_yes: n_mp, n_no: n_other,
                     "schools": int(frame["school"].nunique()), "icc": icc["icc"],
                     "design_effect": icc["design_effect"], "difference": diff["difference"],
                     "ci_low": diff["ci_low"], "ci_high": diff["ci_high"], "p_cluster": diff["p_value"],
                     "p_within": within["p_value"], "within_method": method, "family": family, "score": kind,
                     "se": diff["se"], "schools_within": int(within["schools"]), "sesoi": sesoi})
    out = pd.DataFrame(rows).reindex(columns=design_columns(groups))
    if out.empty:
        return out.astype({"measure": str, "within_method": str, "family": str, "score": str, "equivalence": str,
                           "flag": str})
    small = (out[n_yes] < min_cell) | (out[n_no] < min_cell)
    if min_cell <= 1:
        small[:] = False
    out.loc[small, _STATS] = np.nan
    out["flag"] = np.where(small, "c", "")
    out["p_cluster_holm"] = holm_within(out["p_cluster"], out["family"])
    out["p_equivalence"] = tost(out["difference"], out["se"], out["sesoi"])
    out["equivalence"] = [equivalence_verdict(p, q, s) for p, q, s in
                          zip(out["p_cluster_holm"], out["p_equivalence"], out["sesoi"], strict=True)]
    for column in (n_yes, n_no, "schools", "schools_within"):
        out[column] = out[column].astype(int)
    if small.any():
        log.info("design: %d comparisons suppressed (a group below %d answers)", int(small.sum()), min_cell)
    log.info("design: %d items, %d with p_cluster_holm < %g (Holm within families)", len(out),
             int((out["p_cluster_holm"] < ALPHA).sum()), ALPHA)
    return out


def _std_difference(a, b, sd_a=None, sd_b=None, *, unit: str):
    """Standardised difference: proportions (p1-p2)/sqrt((p1(1-p1)+p2(1-p2))/2), means (m1-m2)/sqrt((s1²+s2²)/2)."""
    if unit == "percent":
        p1, p2 = a / 100, b / 100
        spread = np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
    else:
        p1, p2 = a, b
        spread = np.sqrt((sd_a**2 + sd_b**2) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = (p1 - p2) / spread
    return np.where(spread > 0, d, np.where(p1 == p2, 0.0, np.nan))


def balance_table(children: pd.DataFrame, results: pd.DataFrame, *, min_cell: int = 0,
                  local: bool = False, codebook: Codebook | None = None) -> pd.DataFrame:
    """``balance.csv``: how the programme group and the other children compare on gender, year group, age and force.

    Parameters
    ----------
    children : pandas.DataFrame
        Clean children's table (for the means and standard deviations).
    results : pandas.DataFrame
        ``results.csv`` after disclosure control (:func:`helpers.core.disclosure.suppress`):
        the shares are its ``sample_gender`` and ``sample_force`` rows, so
        primary and secondary suppression carry over unchanged.
    min_cell : int
        A mean of a group with fewer answers is suppressed.
    local : bool
        One-force report: the force rows are left out (every child is in the force).
    codebook : Codebook, optional
        Names the groups (default: the packaged codebook).

    Returns
    -------
    pandas.DataFrame
        Columns :func:`balance_columns` (``n_<yes>``, ``base_<yes>`` ...). ``unit`` is ``percent`` (gender,
        force: ``value_*`` = 100 n / base) or ``mean`` (year group, age:
        ``value_*`` the mean, ``sd_*`` the standard deviation, ddof 1).
        ``std_difference`` is the programme group minus the other children over the
        pooled spread: (p1 - p2) / sqrt((p1(1-p1) + p2(1-p2)) / 2) for
        shares, (m1 - m2) / sqrt((s1^2 + s2^2) / 2) for means; empty when a
        cell of the row is suppressed (``flag`` = ``c``).
    """
    groups = (codebook or load_codebook()).groups
    yes, no = groups.pair
    rows = []
    covariates = [("gender", "sample_gender")] + ([] if local else [("force", "sample_force")])
    for covariate, measure in covariates:
        part = results[results["measure"].eq(measure) & results["unit"].eq("percent")]
        mp = part[part["group"].eq(yes)].set_index("category")
        other = part[part["group"].eq(no)].set_index("category")
        for category in mp.index.union(other.index, sort=False):
            a = mp.loc[category] if category in mp.index else None
            b = other.loc[category] if category in other.index else None
            if a is None or b is None:
                continue
            flagged = "c" in (a["flag"], b["flag"])
            rows.append({"covariate": covariate, "category": category, "unit": "percent",
                         f"n_{yes}": a["n"], f"base_{yes}": a["base"], f"value_{yes}": a["value"],
                         f"n_{no}": b["n"], f"base_{no}": b["base"],
                         f"value_{no}": b["value"], "flag": "c" if flagged else ""})
    group = children[groups.column].astype("object")
    for covariate in ("year_group", "age"):
        if covariate not in children:
            continue
        values = pd.to_numeric(children[covariate], errors="coerce")
        row = {"covariate": covariate, "category": "mean", "unit": "mean", "flag": ""}
        for code, name in (("yes", yes), ("no", no)):
            v = values[group.eq(code)].dropna()
            small = len(v) < min_cell and min_cell > 1
            row.update({f"base_{name}": len(v), f"value_{name}": np.nan if small or v.empty else float(v.mean()),
                        f"sd_{name}": np.nan if small or len(v) < 2 else float(v.std(ddof=1))})
            if small:
                row["flag"] = "c"
        rows.append(row)
    out = pd.DataFrame(rows).reindex(columns=balance_columns(groups))
    for unit in ("percent", "mean"):
        sel = out["unit"].eq(unit)
        if sel.any():
            out.loc[sel, "std_difference"] = _std_difference(
                out.loc[sel, f"value_{yes}"].to_numpy(dtype=float),
                out.loc[sel, f"value_{no}"].to_numpy(dtype=float),
                out.loc[sel, f"sd_{yes}"].to_numpy(dtype=float),
                out.loc[sel, f"sd_{no}"].to_numpy(dtype=float), unit=unit)
    out.loc[out["flag"].eq("c"), "std_difference"] = np.nan
    for column in (f"n_{yes}", f"base_{yes}", f"n_{no}", f"base_{no}"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    for column in (f"value_{yes}", f"sd_{yes}", f"value_{no}", f"sd_{no}", "std_difference"):
        out[column] = out[column].astype(float)
    return out.astype({"covariate": str, "category": str, "unit": str, "flag": str})


def adjusted_table(children: pd.DataFrame, codebook: Codebook | None = None, *, plan: pd.DataFrame | None = None,
                   design: pd.DataFrame | None = None, not_collected: tuple[str, ...] = (),
                   min_cell: int = 0) -> pd.DataFrame:
    """``adjusted.csv``: each primary outcome's difference unadjusted and adjusted for the balance covariates.

    The adjusted model is ``ols("score ~ mp + C(gender) + year_group + age
    + C(force)")`` with school-clustered errors (statsmodels' defaults, as
    :func:`cluster_difference`), on the children with every covariate
    answered; ``C(force)`` is left out when those children come from one
    force (a local report), and ``C(gender)`` when they share one gender.

    Parameters
    ----------
    children : pandas.DataFrame
    codebook : Codebook, optional
    plan : pandas.DataFrame, optional
        :func:`helpers.core.outcomes.item_plan`; its primary items are modelled.
    design : pandas.DataFrame, optional
        ``design.csv`` (its flag empties a suppressed item here too).
    not_collected : tuple of str
        Items absent from the raw file: no rows.
    min_cell : int
        A model whose smaller group has fewer children is emptied and flagged ``c``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ADJUSTED_COLUMNS`, two rows per primary item:
        ``model`` ``unadjusted`` (all answers, as ``design.csv``) and
        ``adjusted``; ``covariates`` names the terms in words; ``n`` and
        ``schools`` are the children and schools in the model.
    """
    from helpers.core.outcomes import item_plan

    codebook = codebook or load_codebook()
    plan = plan if plan is not None else item_plan()
    primary = [m for m in plan.loc[plan["family"].eq("primary"), "measure"]
               if m in children and m not in not_collected]
    base = _base_frame(children, codebook.groups)
    covs = pd.DataFrame({"gender": children["gender"].astype("object") if "gender" in children else np.nan,
                         "year_group": pd.to_numeric(children["year_group"], errors="coerce")
                         if "year_group" in children else np.nan,
                         "age": pd.to_numeric(children["age"], errors="coerce") if "age" in children else np.nan,
                         "force": children["force"].astype("object")}, index=children.index)
    flags = design.set_index("measure")["flag"] if design is not None and "flag" in design else pd.Series(dtype=str)
    rows = []
    for item in primary:
        score, _ = item_score(children, item, codebook)
        frame = pd.concat([base.assign(score=score), covs], axis=1)
        for model in ("unadjusted", "adjusted"):
            used = frame.dropna(subset=["mp", "school", "score"] if model == "unadjusted" else list(frame.columns))
            terms, words = ["mp"], []
            if model == "adjusted":
                if used["gender"].nunique() > 1:
                    terms.append("C(gender)")
                    words.append("gender")
                terms += ["year_group", "age"]
                words += ["year group", "age"]
                if used["force"].nunique() > 1:
                    terms.append("C(force)")
                    words.append("force")
            row = {"measure": item, "model": model, "covariates": ", ".join(words) if words else "none",
                   "n": len(used), "schools": int(used["school"].nunique()), "flag": ""}
            groups = used["mp"].value_counts()
            small = min(groups.get(1.0, 0), groups.get(0.0, 0)) < max(min_cell, 2) or flags.get(item) == "c"
            if small or row["schools"] < MIN_CLUSTERS or len(used) <= 2 * len(terms) + 10:
                row["flag"] = "c" if small and min_cell > 1 else ""
            else:
                # The columns of smf.ols("score ~ " + " + ".join(terms)): an intercept, mp, one dummy per
                # level but the first of each C() term, the numeric terms (tests/test_design.py compares).
                parts = [np.ones(len(used)), used["mp"].to_numpy(dtype=float)]
                for term in terms[1:]:
                    name = term[2:-1] if term.startswith("C(") else term
                    parts += ([d.to_numpy() for _, d in pd.get_dummies(used[name].astype(str), drop_first=True,
                                                                     dtype=float).items()]
                              if term.startswith("C(") else [used[name].to_numpy(dtype=float)])
                fit = _cluster_fit(used["score"].to_numpy(dtype=float), np.column_stack(parts),
                                   pd.factorize(used["school"])[0], column=1)
                row.update(difference=fit["estimate"], se=fit["se"], ci_low=fit["ci_low"], ci_high=fit["ci_high"],
                           p_value=fit["p_value"])
            rows.append(row)
    out = pd.DataFrame(rows).reindex(columns=ADJUSTED_COLUMNS)
    for column in ("difference", "se", "ci_low", "ci_high", "p_value"):
        out[column] = out[column].astype(float)
    return out.astype({"measure": str, "model": str, "covariates": str, "n": int, "schools": int, "flag": str})


# --------------------------------------------------------------------------- simulation


def simulate_clustered(seed: int = 2019, *, sets: int = 1, schools: int = 26, children: int = 350, icc: float = 0.1,
                       difference: float = 0.0, mini_share: float = 248 / 350,
                       concentration: float = 1.0) -> pd.DataFrame:
    """Synthetic children in schools with a known school effect (deterministic for the seed).

    **Synthetic data**, for checking the statistics, never for a report.
    Each child has a latent attitude ``u_school + e`` with ``var(u) = icc``
    and ``var(e) = 1 - icc`` (so the latent ICC is ``icc``), plus
    ``difference`` latent units for children in the programme group. Schools differ in
    how many of their children are in the group: each school's share
    is drawn from a Beta distribution with mean ``mini_share`` and
    ``alpha + beta = concentration`` (small values: schools mostly one group
    or the other, as in the 2019 survey), so group and school are entangled.
    The latent attitude is cut into the five agreement answers of
    ``att_trust`` (about 35/35/15/10/5% in all) and into ``aware_cadets``
    (yes above the median).

    Parameters
    ----------
    seed : int
    sets : int
        Independent data sets drawn at once (vectorised), labelled ``set``.
    schools, children : int
        Schools and children per set (children spread over schools at random,
        at least two per school).
    icc, difference, mini_share, concentration : float

    Returns
    -------
    pandas.DataFrame
        ``set``, ``respondent_id``, ``force`` (``Durham``), ``school_id``,
        the default codebook's group column (``groups.column``, yes/no), ``latent``, ``att_trust`` (agree5 codes),
        ``aware_cadets`` (yes/no).

    Examples
    --------
    >>> sim = simulate_clustered(1, sets=2)
    >>> sim.groupby("set").size().tolist()
    [350, 350]
    """
    rng = np.random.default_rng(seed)
    a = max(mini_share * concentration, 1e-3)
    b = max((1 - mini_share) * concentration, 1e-3)
    size = rng.multinomial(children - 2 * schools, np.full(schools, 1 / schools), size=sets) + 2  # (sets, schools)
    share = rng.beta(a, b, size=(sets, schools))
    school = np.concatenate([np.repeat(np.arange(schools), s) for s in size])
    which = np.repeat(np.arange(sets), children)
    u = rng.normal(0, np.sqrt(icc), size=(sets, schools))
    member = rng.random(sets * children) < share[which, school]
    latent = u[which, school] + rng.normal(0, np.sqrt(1 - icc), sets * children) + difference * member
    cuts = norm.ppf([0.35, 0.70, 0.85, 0.95])  # of the standard normal: about 35/35/15/10/5%
    codes = np.array(["strongly_agree", "agree", "neither", "disagree", "strongly_disagree"])
    # Higher latent attitude = more favourable = nearer "strongly agree".
    answer = codes[np.searchsorted(cuts, -latent)]
    return pd.DataFrame({
        "set": which,
        "respondent_id": [f"SIM{i:07d}" for i in range(sets * children)],
        "force": "Durham",
        "school_id": [f"S{s + 1:02d}" for s in school],
        default_groups().column: np.where(member, "yes", "no"),
        "latent": latent,
        "att_trust": answer,
        "aware_cadets": np.where(latent > 0, "yes", "no"),
    })

