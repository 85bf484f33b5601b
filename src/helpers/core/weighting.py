"""Sensitivity to the sample's force skew: post-stratification by force.

One job: say how the children's headline numbers would move if each group's
respondents were spread over the forces as the programme's children are. The
child sample is about two-thirds Cumbria and Durham; the census
(``scheme_census``, column ``children``: the programme's children per force in
the past twelve months) gives the programme's distribution.

Weights
    Within each group of children (programme group, other children) a respondent
    in force f gets the weight ``P_f / s_f``, where ``P_f`` is force f's
    share of census children and ``s_f`` its share of the group's weighted
    respondents, both taken over the forces that are *usable* for the group;
    weights are scaled to average 1 over the group. Both groups are weighted
    to the census distribution of the *programme's* children (the other
    children are compared with them, so they are put on the same footing).

    * A force is usable when the census gives it a positive number of
      children and the group has respondents there.
    * Respondents in a force with no usable census figure (force absent
      from the census, ``children`` missing or 0) are **excluded** from the
      weighted estimates (weight missing); their number is logged and
      reported per row (``excluded``). Their unweighted answers still count
      in ``value``.
    * Census forces without respondents in the group cannot be represented:
      their share is dropped and the others renormalised; the census share
      covered is logged.

    :func:`weight_cells` returns the per (group, force) cells, which document
    all of this; :func:`poststratification_weights` the weight per respondent.

Trimming
    A few forces with many census children and few respondents give their
    respondents large weights, and a handful of children then carry most of
    a group's weighted answers. :func:`trim_weights` caps the weights
    **within each group at the group's 95th percentile** (``TRIM_QUANTILE``,
    NumPy's default linear interpolation, over the respondents with a
    weight), then rescales them to average 1 over the group again (one pass:
    after rescaling a weight may sit slightly above the cap). The
    ``sensitivity.csv`` estimates use the trimmed weights; ``effective_n``
    is the Kish effective sample size after trimming and
    ``effective_n_untrimmed`` before it, so the gain in precision that
    trimming buys (and the distortion it accepts) can be read off.

Design-based intervals
    For every ``difference`` row the weighted difference and its 95%
    interval come from a weighted least-squares regression of the answer
    (1/0 for a category, the score for a mean) on an intercept and the
    programme-group indicator, with the trimmed weights and a covariance robust
    to clustering by school (statsmodels
    ``WLS(y, X, weights=w).fit(cov_type="cluster", cov_kwds={"groups": school_id})``,
    its defaults: the small-sample correction and t reference distribution of
    ``use_t`` left to statsmodels, i.e. normal intervals). The coefficient
    equals the difference of the two weighted means; the sandwich covariance
    is the design-based (linearisation) variance of survey software for
    probability weights with schools as primary sampling units. Without a
    ``school_id`` column, a heteroskedasticity-robust covariance (``HC1``)
    is used instead and the log says so.

``sensitivity.csv``
    :func:`sensitivity` builds it: for every item of ``tests.csv`` and the
    headline items asked of the programme group only (the codebook's ``headline``
    columns; :data:`HEADLINE_ITEMS` for the default programme), one
    row per (measure, group, category) as in ``results.csv``:

    ==============  ==========================================================
    measure         item (as in ``results.csv``)
    group           the codebook's ``groups.yes`` or ``groups.no``, or ``difference``
                    (programme group minus other children, items of both groups)
    category        scale code, or ``mean`` (safety items: 1 = strongly agree
                    ... 5 = strongly disagree; ranks: 1 = most important)
    unit            ``percent`` or ``mean`` (a ``difference`` row of percents
                    is in percentage points)
    base            valid answers in the group (empty for ``difference``)
    value           unweighted percent or mean, identical to ``results.csv``
    value_weighted  the same, post-stratified by force
    effective_n     Kish effective sample size of the weighted answers,
                    ``(sum w)**2 / sum w**2``, trimmed weights (empty for
                    ``difference``)
    excluded        valid answers left out of the weighted estimate (force
                    without a usable census figure)
    flag            ``c`` where ``results.csv`` suppresses the cell (value and
                    value_weighted empty too; a ``difference`` row when either
                    side is suppressed), else empty
    ==============  ==========================================================

    Appended columns (added after the ones above; a compatible superset):

    ======================  ==================================================
    effective_n_untrimmed   Kish effective n with the weights before trimming
    weighted_ci_low,        ``difference`` rows: 95% design-based interval of
    weighted_ci_high        ``value_weighted`` (see above); else empty
    weighted_p              ``difference`` rows: its two-sided p-value
                            (unadjusted for multiplicity); else empty
    ======================  ==================================================

    In a local report (``--force``) all children are in one force, so
    weighting by force cannot change anything: the file is still written,
    with ``value_weighted`` equal to ``value`` (unit weights,
    ``effective_n`` = base, ``excluded`` = 0; the intervals are those of the
    unweighted difference, still clustered by school), and the log says so.

Missing data: as in ``results.csv``, missing answers are dropped item by item;
one weight per respondent is used for every item (item non-response is not
re-weighted).

Examples
--------
>>> import pandas as pd
>>> children = pd.DataFrame({"member": ["yes", "yes", "yes", "no"], "force": ["A", "A", "B", "B"]})
>>> census = pd.DataFrame({"force": ["A", "B"], "children": [50, 50]})
>>> poststratification_weights(children, census, by="member").tolist()
[0.75, 0.75, 1.5, 1.0]
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from helpers.core.codebook import Codebook, default_groups, load_codebook
from helpers.core.stats import cluster_robust_coefficient, comparable_items

__all__ = ["SENSITIVITY_COLUMNS", "HEADLINE_ITEMS", "TRIM_QUANTILE", "weight_cells", "poststratification_weights",
           "trim_weights", "kish_n", "weighted_difference", "sensitivity"]

log = logging.getLogger(__name__)

#: Columns of ``sensitivity.csv`` (module docstring).
SENSITIVITY_COLUMNS = ["measure", "group", "category", "unit", "base", "value", "value_weighted", "effective_n",
                       "excluded", "flag", "effective_n_untrimmed", "weighted_ci_low", "weighted_ci_high",
                       "weighted_p"]

#: Weights are capped at this quantile of their group's weights (module docstring, "Trimming").
TRIM_QUANTILE = 0.95

#: Items asked of the programme group only that the report quotes as headlines (the default
#: codebook's columns marked ``headline``).
HEADLINE_ITEMS = load_codebook().headline_items

_CELL_COLUMNS = ["group", "force", "respondents", "census_children", "census_share", "sample_share", "weight",
                 "status"]


def weight_cells(children: pd.DataFrame, census: pd.DataFrame, *, by: str | None = None, force: str = "force",
                 target: str = "children") -> pd.DataFrame:
    """Post-stratification cells: one row per (group, force).

    Parameters
    ----------
    children : pandas.DataFrame
        One row per respondent, with columns ``by`` and ``force``.
    census : pandas.DataFrame
        One row per force, with columns ``force`` and ``target``.
    by, force, target : str
        Column names: the grouping column (each of its values is weighted
        separately; rows where it is missing are ignored), the force column
        of both tables, and the census count giving the target distribution.
        ``by`` defaults to the packaged codebook's group column (``groups.column``).

    Returns
    -------
    pandas.DataFrame
        ``group, force, respondents, census_children, census_share,
        sample_share, weight, status`` for every force with respondents in
        the group or with census children. ``status`` is ``weighted``,
        ``no_census`` (respondents in a force without a positive census
        count: excluded, weight empty) or ``no_respondents`` (census force the
        group does not reach: its share is dropped). ``census_share`` and
        ``sample_share`` are over the group's weighted forces (they sum to 1);
        ``weight`` = census_share / sample_share, the weight of each
        respondent of the cell (average 1 over the group's weighted
        respondents).
    """
    return _poststratify(children, census, by=by or default_groups().column, force=force, target=target)[1]


def poststratification_weights(children: pd.DataFrame, census: pd.DataFrame, *, by: str | None = None,
                               force: str = "force", target: str = "children") -> pd.Series:
    """Weight of every respondent (see :func:`weight_cells`); missing when excluded.

    Returns
    -------
    pandas.Series
        Float weights named ``weight``, aligned with ``children``'s index;
        missing for respondents without a group or in a force without a
        usable census figure.
    """
    return _poststratify(children, census, by=by or default_groups().column, force=force, target=target)[0]


def _poststratify(children: pd.DataFrame, census: pd.DataFrame, *, by: str, force: str,
                  target: str) -> tuple[pd.Series, pd.DataFrame]:
    """Respondent weights and the cells table, from one pass over the respondents."""
    counts = pd.to_numeric(census[target], errors="coerce")
    usable = pd.Series(counts.to_numpy(dtype=float), index=census[force].astype(str).to_numpy())
    usable = usable[usable.gt(0)]
    g_codes, g_names = pd.factorize(children[by], sort=True)  # -1: missing
    f_codes, f_names = pd.factorize(children[force], sort=True)
    g_names, f_names = [str(g) for g in g_names], [str(f) for f in f_names]
    ok = (g_codes >= 0) & (f_codes >= 0)
    n_forces = len(f_names)
    table = np.bincount(g_codes[ok] * n_forces + f_codes[ok], minlength=len(g_names) * n_forces)
    table = table.reshape(len(g_names), n_forces)
    lookup = np.full((len(g_names), n_forces), np.nan)  # weight per (group, force) cell
    census_of_force = usable.reindex(f_names).to_numpy()
    cells = []
    for g, group in enumerate(g_names):
        reached = (table[g] > 0) & ~np.isnan(census_of_force)
        share_c = np.where(reached, census_of_force, 0) / census_of_force[reached].sum() if reached.any() else 0
        share_s = np.where(reached, table[g], 0) / table[g][reached].sum() if reached.any() else 0
        with np.errstate(invalid="ignore", divide="ignore"):
            lookup[g] = np.where(reached, share_c / np.where(reached, share_s, 1), np.nan)
        for name in sorted(set(np.asarray(f_names)[table[g] > 0]) | set(usable.index)):
            f = f_names.index(name) if name in f_names else None
            n = int(table[g, f]) if f is not None else 0
            weighted = f is not None and bool(reached[f])
            cells.append({"group": group, "force": name, "respondents": n,
                          "census_children": usable.get(name, np.nan),
                          "census_share": share_c[f] if weighted else np.nan,
                          "sample_share": share_s[f] if weighted else np.nan,
                          "weight": lookup[g, f] if weighted else np.nan,
                          "status": "weighted" if weighted else ("no_census" if n else "no_respondents")})
    out = pd.DataFrame(cells, columns=_CELL_COLUMNS).astype({"respondents": int})
    for group, block in out.groupby("group", sort=False):
        excluded = block.loc[block["status"].eq("no_census"), "respondents"]
        covered = block.loc[block["status"].eq("weighted"), "census_children"].sum()
        if excluded.sum():
            log.warning("weighting: %s=%s: %d respondents in %d forces without census children are excluded "
                        "from the weighted estimates", by, group, int(excluded.sum()), len(excluded))
        log.info("weighting: %s=%s: forces with respondents hold %.0f%% of census children; weights %.2f-%.2f",
                 by, group, 100 * covered / usable.sum() if usable.sum() else np.nan,
                 block["weight"].min(), block["weight"].max())
    weights = np.full(len(children), np.nan)
    weights[ok] = lookup[g_codes[ok], f_codes[ok]]
    return pd.Series(weights, index=children.index, name="weight"), out


def trim_weights(weights: pd.Series, groups: pd.Series, *, quantile: float = TRIM_QUANTILE) -> pd.Series:
    """Weights capped at ``quantile`` of their group's weights, then rescaled to average 1 in the group.

    Parameters
    ----------
    weights : pandas.Series
        One weight per respondent (missing: excluded, stays missing).
    groups : pandas.Series
        The group of each respondent (same index); each group is trimmed on
        its own; respondents without a group keep a missing weight.
    quantile : float
        The cap, as a quantile of the group's non-missing weights (NumPy's
        linear interpolation); 1 leaves the weights as they are.

    Returns
    -------
    pandas.Series
        Trimmed weights named ``weight``; the input is not changed.

    Examples
    --------
    >>> import pandas as pd
    >>> w = pd.Series([1.0] * 19 + [20.0])
    >>> trimmed = trim_weights(w, pd.Series(["a"] * 20))
    >>> round(float(trimmed.max() / trimmed.min()), 2), round(float(trimmed.mean()), 6)
    (1.95, 1.0)
    """
    w = pd.to_numeric(weights, errors="coerce").astype(float)
    out = pd.Series(np.nan, index=w.index, name="weight")
    for group, idx in w.groupby(groups.astype("object"), sort=True).groups.items():
        block = w.loc[idx].dropna()
        if block.empty:
            continue
        cap = float(np.quantile(block.to_numpy(), quantile))
        capped = block.clip(upper=cap)
        out.loc[capped.index] = capped / capped.mean()
        log.info("weighting: %s: weights capped at %.2f (the %g quantile): %d of %d trimmed; Kish n %.1f -> %.1f",
                 group, cap, quantile, int((block > cap).sum()), len(block), kish_n(block), kish_n(capped))
    return out


def weighted_difference(y, treated, weights, clusters=None) -> dict[str, float]:
    """Weighted difference of means (treated minus others) with a design-based 95% interval.

    The coefficient of the treated indicator in ``WLS(y ~ 1 + treated)``,
    with a cluster-robust covariance when ``clusters`` is given, else HC1
    (module docstring). Observations with a missing ``y`` or weight are
    dropped.

    Returns
    -------
    dict
        ``difference``, ``ci_low``, ``ci_high``, ``p_value`` (NaN when a group
        is empty or the difference has no variance to estimate; the interval
        is NaN when all answers come from one cluster).
    """
    y = np.asarray(y, dtype=float)
    d = np.asarray(treated, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = ~np.isnan(y) & ~np.isnan(w) & (w > 0) & ~np.isnan(d)
    empty = {"difference": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan}
    if keep.sum() < 3 or d[keep].min() == d[keep].max():
        return empty
    X = np.column_stack([np.ones(int(keep.sum())), d[keep]])
    groups = None if clusters is None else pd.factorize(pd.Series(np.asarray(clusters, dtype=object)[keep]))[0]
    # statsmodels' WLS(...).fit(cov_type="cluster" | "HC1") in closed form (tests/test_weighting.py compares).
    if groups is not None and groups.max() < 1:  # one cluster: no between-cluster variance to estimate
        fit = cluster_robust_coefficient(y[keep], X, None, column=1, weights=w[keep])
        return {"difference": fit["estimate"], "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan}
    fit = cluster_robust_coefficient(y[keep], X, groups, column=1, weights=w[keep])
    return {"difference": fit["estimate"], "ci_low": fit["ci_low"], "ci_high": fit["ci_high"],
            "p_value": fit["p_value"]}


def kish_n(weights) -> float:
    """Kish effective sample size ``(sum w)**2 / sum w**2`` of the non-missing weights (0 if none)."""
    w = np.asarray(weights, dtype=float)
    w = w[~np.isnan(w)]
    return float(w.sum() ** 2 / (w**2).sum()) if len(w) and (w**2).sum() > 0 else 0.0


def _item_rows(values: pd.Series, weights: np.ndarray, categories, scores, measure: str,
               group: str, untrimmed: np.ndarray | None = None) -> list[dict]:
    """Unweighted (computed as results.csv computes them) and weighted rows of one item in one group.

    ``categories`` are the scale codes (percent rows) or None; ``scores`` maps
    codes to numbers for a mean row, is ``"numeric"`` for an integer item, or
    None for no mean row.
    """
    untrimmed = weights if untrimmed is None else untrimmed
    valid = values.notna().to_numpy()
    has_w = ~np.isnan(weights)
    base = int(valid.sum())
    used = valid & has_w
    total = weights[used].sum()
    common = {"measure": measure, "group": group, "base": base, "effective_n": kish_n(weights[used]),
              "effective_n_untrimmed": kish_n(untrimmed[used]), "excluded": int((valid & ~has_w).sum())}
    rows = []
    codes = None
    if categories is not None:
        codes = pd.Categorical(values, categories=categories).codes  # -1: missing (or not a code)
        counts = np.bincount(codes[codes >= 0], minlength=len(categories))
        in_cat = used & (codes >= 0)
        weighted = np.bincount(codes[in_cat], weights=weights[in_cat], minlength=len(categories))
        for i, cat in enumerate(categories):
            rows.append({**common, "category": str(cat), "unit": "percent",
                         "value": 100 * float(counts[i]) / base if base else np.nan,
                         "value_weighted": 100 * float(weighted[i]) / total if total > 0 else np.nan})
    if scores is not None:
        if isinstance(scores, dict):
            by_code = np.array([scores.get(c, np.nan) for c in categories] + [np.nan], dtype=float)
            numbers = by_code[codes]  # code -1 picks the trailing NaN
        else:
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        keep = ~np.isnan(numbers)
        x, wx = numbers[keep & has_w], weights[keep & has_w]
        rows.append({**common, "category": "mean", "unit": "mean", "base": int(keep.sum()),
                     # pandas' mean of the same values in the same order, as in results.csv
                     "value": float(pd.Series(numbers[keep]).mean()) if keep.any() else np.nan,
                     "value_weighted": float((wx * x).sum() / wx.sum()) if wx.sum() > 0 else np.nan,
                     "effective_n": kish_n(wx), "effective_n_untrimmed": kish_n(untrimmed[keep & has_w]),
                     "excluded": int((keep & ~has_w).sum())})
    return rows


def _item_numbers(values: pd.Series, categories, scores) -> dict[str, np.ndarray]:
    """Per category a 1/0 indicator (NaN when missing), and the score for a ``mean`` row."""
    out = {}
    codes = None
    if categories is not None:
        codes = pd.Categorical(values, categories=categories).codes
        for i, cat in enumerate(categories):
            out[str(cat)] = np.where(codes >= 0, (codes == i).astype(float), np.nan)
    if scores is not None:
        if isinstance(scores, dict):
            by_code = np.array([scores.get(c, np.nan) for c in categories] + [np.nan], dtype=float)
            out["mean"] = by_code[codes]
        else:
            out["mean"] = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return out


def _difference_rows(rows: pd.DataFrame, yes: str, no: str) -> pd.DataFrame:
    """Programme group minus other children, for the items with rows in both groups."""
    key = ["measure", "category", "unit"]
    pair = rows[rows["group"].eq(yes)].merge(rows[rows["group"].eq(no)], on=key, suffixes=("_yes", "_no"))
    return pd.DataFrame({
        **{k: pair[k] for k in key},
        "group": "difference",
        "value": pair["value_yes"] - pair["value_no"],
        "value_weighted": pair["value_weighted_yes"] - pair["value_weighted_no"],
    })


def sensitivity(children: pd.DataFrame, census: pd.DataFrame, codebook: Codebook, *,
                results: pd.DataFrame | None = None, local: bool = False,
                not_collected: tuple[str, ...] = ()) -> pd.DataFrame:
    """Unweighted and force-weighted children's results, side by side.

    Parameters
    ----------
    children : pandas.DataFrame
        Clean children's table, the codebook's group column coded ``yes``/``no``.
    census : pandas.DataFrame
        Clean scheme census (``force``, ``children``).
    codebook : Codebook
    results : pandas.DataFrame, optional
        The (disclosure-controlled) ``results.csv`` table; its ``flag`` is
        copied and suppressed cells are emptied here too. Without it no
        cell is flagged.
    local : bool
        A one-force report: no weighting (``value_weighted`` = ``value``).
    not_collected : tuple of str
        Children's items absent from the raw file; they get no row.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SENSITIVITY_COLUMNS` (module docstring). The input
        tables are not changed.
    """
    inst = codebook.instruments[codebook.groups.instrument]
    by, (yes, no) = codebook.groups.column, codebook.groups.pair
    target = codebook.weight_target  # the census count the answers are weighted to
    if local:
        log.info("sensitivity: local report (one force): no weighting by force; value_weighted = value")
        weights = pd.Series(np.where(children[by].notna(), 1.0, np.nan), index=children.index)
    elif target is None or target not in census or "force" not in census:
        log.warning("sensitivity: the census has no children per force; value_weighted is empty")
        weights = pd.Series(np.nan, index=children.index)
    else:
        weights = poststratification_weights(children, census, by=by, target=target)
    untrimmed = weights.to_numpy(dtype=float)
    weights = weights if local else trim_weights(weights, children[by])
    clusters = children["school_id"].astype("object").to_numpy() if "school_id" in children else None
    if clusters is None:
        log.warning("sensitivity: no school_id column; weighted differences get HC1 intervals, not clustered ones")
    both = [item for item, _ in comparable_items(codebook)]
    items = [(item, (yes, no)) for item in both] + [(item, (yes,)) for item in codebook.headline_items]
    group_of = children[by].astype("object")
    masks = {yes: group_of.eq("yes").to_numpy(), no: group_of.eq("no").to_numpy()}
    weights = weights.to_numpy(dtype=float)
    either = masks[yes] | masks[no]
    rows: list[dict] = []
    intervals: list[dict] = []
    for item, groups in items:
        if item not in children or item in not_collected:
            continue
        col = inst.column(item)
        categories = scores = None
        if col.type == "coded":
            scale = codebook.scales[col.scale]
            categories = scale.codes
            if col.role == "safety" and scale.scores is not None:
                scores = dict(zip(scale.codes, scale.scores, strict=True))
        elif col.type == "integer":
            scores = "numeric"
        for group in groups:
            mask = masks[group]
            rows += _item_rows(children[item][mask], weights[mask], categories, scores, col.measure, group,
                               untrimmed[mask])
        if len(groups) == 2:
            for category, y in _item_numbers(children[item][either], categories, scores).items():
                res = weighted_difference(y, masks[yes][either], weights[either],
                                          None if clusters is None else clusters[either])
                scale = 100.0 if category != "mean" else 1.0
                intervals.append({"measure": col.measure, "group": "difference", "category": category,
                                  "weighted_ci_low": scale * res["ci_low"], "weighted_ci_high": scale * res["ci_high"],
                                  "weighted_p": res["p_value"]})
    out = pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
    out = pd.concat([out, _difference_rows(out, yes, no)], ignore_index=True).reindex(columns=SENSITIVITY_COLUMNS)
    if intervals:
        found = pd.DataFrame(intervals).set_index(["measure", "group", "category"])
        key = pd.MultiIndex.from_frame(out[["measure", "group", "category"]])
        for column in ("weighted_ci_low", "weighted_ci_high", "weighted_p"):
            out[column] = found[column].reindex(key).to_numpy()
    order = {measure: i for i, measure in enumerate(out["measure"].unique())}
    out = out.sort_values("measure", key=lambda m: m.map(order), kind="stable").reset_index(drop=True)
    if local:  # exactly equal, not merely equal up to rounding
        out["value_weighted"] = out["value"]
    out["flag"] = ""
    if results is not None and len(out):
        flagged = results.loc[results["flag"].eq("c") & results["group"].isin([yes, no]),
                              ["measure", "group", "category"]]
        key = pd.MultiIndex.from_frame(flagged)
        suppressed = pd.MultiIndex.from_frame(out[["measure", "group", "category"]]).isin(key)
        diff_key = pd.MultiIndex.from_frame(flagged[["measure", "category"]])
        pair = pd.MultiIndex.from_frame(out[["measure", "category"]]).isin(diff_key)
        suppressed |= out["group"].eq("difference").to_numpy() & pair
        out.loc[suppressed, ["value", "value_weighted", "weighted_ci_low", "weighted_ci_high", "weighted_p"]] = np.nan
        out.loc[suppressed, "flag"] = "c"
    # Text columns typed explicitly: with no rows (a children's file with no answers) pandas
    # would leave them as object, which the output schema rejects.
    out = out.astype({"measure": str, "group": str, "category": str, "unit": str, "flag": str,
                      "base": "Int64", "excluded": "Int64", "value": float, "value_weighted": float,
                      "effective_n": float, "effective_n_untrimmed": float, "weighted_ci_low": float,
                      "weighted_ci_high": float, "weighted_p": float})
    log.info("sensitivity: %d rows, %d measures%s", len(out), out["measure"].nunique(),
             ", local report: unweighted" if local else "")
    return out
