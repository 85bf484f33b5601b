"""Pooling the programme group vs other children difference across forces (random effects).

One job: for each primary outcome of ``outcomes.yml``, estimate the
difference within each force and pool the forces' estimates with a
DerSimonian-Laird random-effects meta-analysis (``pooled.csv``,
``pooled_forces.csv``; see ``docs/national-intake.md``).

Per force (:func:`force_differences`):

* the score is the one of ``design.csv`` (:func:`helpers.core.design.item_score`);
* a force with at least :data:`helpers.core.design.MIN_CLUSTERS` schools gets the
  school-clustered OLS of ``design.csv`` (:func:`helpers.core.design.cluster_difference`,
  method ``cluster_ols``); a force with fewer schools gets the plain
  difference of means with the unpooled (Welch) standard error
  ``sqrt(s1^2/n1 + s0^2/n0)`` (method ``difference_of_means``): with a
  handful of schools a sandwich variance means little;
* a force with fewer than ``min_cell`` answers in either group, or without a
  usable standard error, is left out, with the reason, and counted.

Pooled (:func:`pool_forces`), with ``y_i`` the forces' estimates and
``v_i = se_i^2``: fixed-effect weights ``w_i = 1/v_i``, Cochran's
``Q = sum w_i (y_i - y_fe)^2``, ``tau^2 = max(0, (Q - (k-1)) / (sum w - sum w^2 / sum w))``,
random-effects weights ``1/(v_i + tau^2)``, the pooled estimate their
weighted mean with standard error ``sqrt(1 / sum w*)`` and a normal 95%
interval, ``I^2 = max(0, (Q - (k-1)) / Q)``, and the 95% prediction interval
``estimate +/- t_{k-2} sqrt(tau^2 + se^2)`` (Higgins, Thompson and
Spiegelhalter 2009; at least three forces). The pooled numbers are
statsmodels' ``combine_effects(y, v, method_re="dl")`` with ``tau^2`` and
``I^2`` truncated at zero as DerSimonian and Laird define them (statsmodels
leaves them negative when ``Q < k - 1``; the fixed-effect row is then the
random-effects result); the tests recompute them by hand.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.stats import t as t_dist
from statsmodels.stats.meta_analysis import combine_effects

from helpers.core.codebook import Codebook, Groups, default_groups, load_codebook
from helpers.core.design import MIN_CLUSTERS, cluster_difference, item_score

__all__ = ["POOLED_COLUMNS", "POOLED_FORCES_COLUMNS", "pooled_forces_columns", "force_differences", "pool_forces",
           "pooled_tables"]

log = logging.getLogger(__name__)

#: Columns of ``pooled.csv``: one row per primary outcome.
POOLED_COLUMNS = ["measure", "k", "estimate", "se", "ci_low", "ci_high", "tau2", "i2", "q", "pi_low", "pi_high",
                  "forces_left_out", "method"]


def pooled_forces_columns(groups: Groups) -> list[str]:
    """Columns of ``pooled_forces.csv`` (one row per primary outcome and force) for a programme's groups."""
    return ["measure", "force", "method", groups.count_column(groups.yes), groups.count_column(groups.no),
            "schools", "estimate", "se", "ci_low", "ci_high", "weight", "included", "reason"]


#: Columns of ``pooled_forces.csv`` for the default programme.
POOLED_FORCES_COLUMNS = pooled_forces_columns(default_groups())

_Z = 1.959963984540054  # scipy.stats.norm.ppf(0.975)


def _mean_difference(frame: pd.DataFrame) -> tuple[float, float]:
    """Difference of means (mp 1 minus 0) and its unpooled standard error."""
    a = frame.loc[frame["mp"].eq(1), "score"].to_numpy(dtype=float)
    b = frame.loc[frame["mp"].eq(0), "score"].to_numpy(dtype=float)
    if len(a) < 2 or len(b) < 2:
        return float(a.mean() - b.mean()) if len(a) and len(b) else np.nan, np.nan
    se = float(np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))
    return float(a.mean() - b.mean()), se


def force_differences(children: pd.DataFrame, measures: list[str], codebook: Codebook | None = None, *,
                      min_cell: int = 0, min_clusters: int = MIN_CLUSTERS) -> pd.DataFrame:
    """Each force's programme group minus other children difference on each measure, with its standard error.

    Parameters
    ----------
    children : pandas.DataFrame
        Clean children's table (``force``, ``school_id``, the group column and the measures).
    measures : list of str
        Items to compare (the primary outcomes).
    codebook : Codebook, optional
    min_cell : int
        A force with fewer answers than this in either group is left out (``reason``).
    min_clusters : int
        Fewest schools for the school-clustered OLS; below it the plain difference of means.

    Returns
    -------
    pandas.DataFrame
        Columns :func:`pooled_forces_columns` (``weight`` empty: :func:`pool_forces` fills it),
        one row per measure and force with children, forces in alphabetical order.
        Missing answers drop out per item.
    """
    codebook = codebook or load_codebook()
    groups = codebook.groups
    n_yes, n_no = (groups.count_column(group) for group in groups.pair)
    base = pd.DataFrame({"mp": children[groups.column].astype("object").map({"yes": 1.0, "no": 0.0}),
                         "school": children["school_id"].astype("object"),
                         "force": children["force"].astype("object")}, index=children.index)
    rows = []
    for measure in measures:
        if measure not in children:
            continue
        score, _ = item_score(children, measure, codebook)
        frame = base.assign(score=score).dropna(subset=["mp", "school", "force", "score"])
        for force in sorted(base["force"].dropna().unique()):
            part = frame[frame["force"].eq(force)]
            n_mp, n_other = int(part["mp"].eq(1).sum()), int(part["mp"].eq(0).sum())
            schools = int(part["school"].nunique())
            row = {"measure": measure, "force": force, n_yes: n_mp, n_no: n_other,
                   "schools": schools, "estimate": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                   "weight": np.nan, "included": False, "reason": "", "method": ""}
            if min(n_mp, n_other) < max(min_cell, 1):
                row["reason"] = f"a group below {max(min_cell, 1)} answers"
                rows.append(row)
                continue
            if schools >= min_clusters:
                fit = cluster_difference(part, score="score", group="mp", cluster="school",
                                         min_clusters=min_clusters).iloc[0]
                estimate, se, method = float(fit["difference"]), float(fit["se"]), "cluster_ols"
            else:
                (estimate, se), method = _mean_difference(part), "difference_of_means"
            row.update(method=method, estimate=estimate, se=se)
            if not np.isfinite(se) or se <= 0:
                row["reason"] = "no standard error (too few answers or no spread)"
            else:
                row.update(ci_low=estimate - _Z * se, ci_high=estimate + _Z * se, included=True)
            rows.append(row)
    out = pd.DataFrame(rows, columns=pooled_forces_columns(groups))
    out = out.astype({"measure": str, "force": str, "method": str, "reason": str, "included": bool,
                      "schools": int, n_yes: "Int64", n_no: "Int64",
                      **{c: float for c in ("estimate", "se", "ci_low", "ci_high", "weight")}})
    if min_cell > 1:  # a group size below the threshold describes too few children to print
        for column in (n_yes, n_no):
            out[column] = out[column].mask(out[column] < min_cell)
    return out


def pool_forces(forces: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """DerSimonian-Laird random-effects pooling of :func:`force_differences`, one row per measure.

    Returns
    -------
    pooled : pandas.DataFrame
        Columns :data:`POOLED_COLUMNS`: ``k`` forces pooled, ``estimate``,
        ``se``, ``ci_low``/``ci_high`` (normal 95%), ``tau2``, ``i2``
        (a proportion, 0-1), ``q`` (Cochran's Q), ``pi_low``/``pi_high``
        (95% prediction interval, t with k-2 degrees of freedom; empty below
        three forces), ``forces_left_out``, ``method`` (``dl``). Below two
        forces nothing is pooled (statistics empty).
    forces : pandas.DataFrame
        The input with ``weight``: each included force's random-effects weight (share of the total).

    Cross-check (tests/test_pooling.py)::

        combine_effects(y, v, method_re="dl").summary_frame().loc["random effect"]
    """
    forces = forces.copy()
    rows = []
    for measure, part in forces.groupby("measure", sort=False):
        used = part[part["included"].astype(bool)]
        row = {"measure": measure, "k": len(used), "forces_left_out": int(len(part) - len(used)), "method": "dl"}
        if len(used) >= 2:
            y, v = used["estimate"].to_numpy(dtype=float), used["se"].to_numpy(dtype=float) ** 2
            with np.errstate(invalid="ignore"):  # its HKSJ variants take square roots of negatives; unused
                res = combine_effects(y, v, method_re="dl")
                frame = res.summary_frame()
            # statsmodels' "dl" leaves tau^2 below zero when Q < k - 1; DerSimonian and Laird truncate it
            # at zero, where the random-effects result is the fixed-effect one (weights 1/v_i).
            tau2 = max(float(res.tau2), 0.0)
            re = frame.loc["random effect" if res.tau2 > 0 else "fixed effect"]
            se = float(re["sd_eff"])
            row.update(estimate=float(re["eff"]), se=se, ci_low=float(re["ci_low"]), ci_high=float(re["ci_upp"]),
                       tau2=tau2, i2=max(float(res.i2), 0.0), q=float(res.q))
            if len(used) >= 3:
                half = float(t_dist.ppf(0.975, len(used) - 2)) * np.sqrt(tau2 + se**2)
                row.update(pi_low=row["estimate"] - half, pi_high=row["estimate"] + half)
            weights = 1.0 / (v + tau2)
            forces.loc[used.index, "weight"] = weights / weights.sum()
        rows.append(row)
    return _typed_pooled(pd.DataFrame(rows).reindex(columns=POOLED_COLUMNS)), forces


def _typed_pooled(pooled: pd.DataFrame) -> pd.DataFrame:
    return pooled.astype({"measure": str, "k": int, "forces_left_out": int, "method": str,
                          **{c: float for c in POOLED_COLUMNS if c not in ("measure", "k", "forces_left_out",
                                                                           "method")}})


def pooled_tables(children: pd.DataFrame, plan: pd.DataFrame, codebook: Codebook | None = None, *,
                  min_cell: int = 0, not_collected: tuple[str, ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``pooled.csv`` and ``pooled_forces.csv``: primary outcomes of ``plan``.

    ``plan`` is :func:`~helpers.core.outcomes.item_plan`'s table.
    """
    measures = [m for m in plan.loc[plan["family"].eq("primary"), "measure"] if m not in not_collected]
    forces = force_differences(children, measures, codebook, min_cell=min_cell)
    if forces.empty:
        return _typed_pooled(pd.DataFrame(columns=POOLED_COLUMNS)), forces
    pooled, forces = pool_forces(forces)
    log.info("pooled: %d primary outcomes across forces (%s forces pooled, %d force rows left out)", len(pooled),
             "/".join(str(k) for k in pooled["k"]), int(pooled["forces_left_out"].sum()))
    return pooled, forces
