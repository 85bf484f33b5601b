"""Change between survey waves: paired change, difference in differences, attrition, years.

One job: when the children's survey was asked twice (a ``baseline`` and a
``follow_up`` wave, answers of one child linked by the pseudonymous
``child_key``), say how the answers moved. Every formula and call is the one
``docs/waves-and-years.md`` states; each function is DataFrame in, tidy
DataFrame out, and none changes its input.

* :func:`change_items` -- the items compared: the agreement and safety items
  and the yes/no items asked of both groups (the items of ``design.csv``
  without the ranks), scored as there (:func:`helpers.core.design.item_score`).
* :func:`paired_scores` -- one row per child with a valid answer in both
  waves of the same ``year`` (empty ``year`` counts as one year).
* :func:`change_table` -- ``change.csv``: per (measure, group) the pairs, the
  mean at baseline and at follow-up, the mean change and a paired test:
  ``scipy.stats.wilcoxon(follow_up, baseline)`` with its defaults for scored
  items, the exact McNemar test ``statsmodels mcnemar(table, exact=True)`` for
  yes/no items.
* :func:`did_table` -- ``did.csv``: per measure the coefficient of the
  programme-group indicator in ``ols("change ~ mp")`` fitted with
  ``cov_type="cluster", cov_kwds={"groups": school}`` (statsmodels defaults,
  95% interval).
* :func:`attrition_table` -- ``attrition.csv``: per group who answered in
  both waves and who only at baseline, and whether those who left differed
  at baseline (the same cluster-robust OLS on the baseline score).
* :func:`trend_table` -- ``trend.csv``: with two or more survey years, the
  headline items per year (share agreeing, Wilson interval) and a linear
  probability trend ``ols("agree ~ year")`` with school-clustered errors.

The pair's group and school are those of its follow-up answer (a pair whose
group or school differs between waves is noted in the validation log).
Disclosure control: a row describing fewer than ``min_cell`` pairs (or
children) is emptied and flagged ``c``.

The groups are the codebook's (``codebook.groups``): ``group`` holds their
names and ``did.csv`` counts pairs in ``n_pairs_<yes>``, ``n_pairs_<no>``.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy.stats import wilcoxon
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

from helpers.core.codebook import Codebook, Groups, default_groups, load_codebook
from helpers.core.design import MIN_CLUSTERS, cluster_difference, item_score
from helpers.core.stats import comparable_items

__all__ = ["CHANGE_COLUMNS", "DID_COLUMNS", "did_columns", "ATTRITION_COLUMNS", "TREND_COLUMNS", "BASELINE",
           "FOLLOW_UP",
           "has_waves", "follow_up_only", "change_items", "paired_scores", "change_table", "did_table",
           "attrition_table", "trend_table"]

log = logging.getLogger(__name__)

BASELINE, FOLLOW_UP = "baseline", "follow_up"
_KEY, _WAVE, _YEAR = "child_key", "wave", "year"

#: Columns of ``change.csv``: the issue's columns first, then appended ones.
CHANGE_COLUMNS = ["measure", "group", "n_pairs", "mean_baseline", "mean_follow_up", "mean_change", "p_value",
                  # appended
                  "test", "score", "flag"]



def did_columns(groups: Groups) -> list[str]:
    """Columns of ``did.csv`` for a programme's groups."""
    return ["measure", "n_pairs", "estimate", "ci_low", "ci_high", "p_value",
            # appended
            "se", groups.count_column(groups.yes, "n_pairs"), groups.count_column(groups.no, "n_pairs"), "schools",
            "score", "flag"]


#: Columns of ``did.csv`` for the default programme.
DID_COLUMNS = did_columns(default_groups())

#: Columns of ``attrition.csv``.
ATTRITION_COLUMNS = ["measure", "group", "n_baseline", "n_pairs", "n_baseline_only", "n_follow_up_only",
                     "mean_pairs", "mean_baseline_only", "difference", "ci_low", "ci_high", "p_value", "flag"]

#: Columns of ``trend.csv``.
TREND_COLUMNS = ["measure", "year", "n", "base", "value", "ci_low", "ci_high", "slope", "slope_ci_low",
                 "slope_ci_high", "p_trend", "years", "schools", "flag"]


_TEXT = ("measure", "group", "test", "score", "flag")
_COUNTS = ("n_pairs", "schools", "n_baseline", "n_baseline_only", "n_follow_up_only", "year", "n", "base", "years")
_GROUP_COUNTS = "n_pairs_"  # n_pairs_<group> of did.csv


def _answers_and_groups(codebook: Codebook) -> tuple[tuple[str, str], ...]:
    """``(("yes", <yes group>), ("no", <no group>))``: each answer to the group column and its group."""
    return tuple((answer, codebook.groups.of(answer)) for answer in ("yes", "no"))


def _typed(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """A table of ``columns`` with fixed types, also when empty: text, nullable counts, floats."""
    out = pd.DataFrame(rows).reindex(columns=columns)
    types = {c: ("str" if c in _TEXT else "Int64" if c in _COUNTS or c.startswith(_GROUP_COUNTS) else "float")
             for c in columns}
    out = out.astype(types)
    if "test" in out:  # empty where no test ran (a suppressed row)
        out["test"] = out["test"].where(out["test"].ne("nan"))
    return out


def has_waves(children: pd.DataFrame) -> bool:
    """Whether the children's table carries survey waves (a ``wave`` column with any answer)."""
    return _WAVE in children and bool(children[_WAVE].notna().any())


def follow_up_only(children: pd.DataFrame) -> pd.DataFrame:
    """The rows the cross-sectional tables describe: the follow-up wave when waves are present, else all rows.

    Rows without a wave in a survey that has waves belong to neither wave and
    are left out of the cross-sectional tables (logged), so no child is counted twice.
    """
    if not has_waves(children):
        return children
    wave = children[_WAVE].astype("object")
    no_wave = int(wave.isna().sum())
    if no_wave:
        log.warning("children_survey: %d rows without a wave are left out of the follow-up tables", no_wave)
    return children[wave.eq(FOLLOW_UP).to_numpy()].reset_index(drop=True)


def change_items(codebook: Codebook | None = None) -> list[str]:
    """Items of the paired comparisons: those of ``design.csv`` asked of both groups, ranks left out."""
    codebook = codebook or load_codebook()
    inst = codebook.instruments[codebook.groups.instrument]
    return [item for item, _ in comparable_items(codebook) if inst.column(item).type == "coded"]


def paired_scores(children: pd.DataFrame, item: str, codebook: Codebook | None = None) -> pd.DataFrame:
    """One row per child with a valid answer to ``item`` in both waves of one year.

    Returns
    -------
    pandas.DataFrame
        ``key``, ``year``, ``school`` and ``mp`` (1 programme group, 0 other: the
        follow-up answer's), ``baseline``, ``follow_up`` (scores) and
        ``change`` (follow-up minus baseline), in key order.
    """
    codebook = codebook or load_codebook()
    score, _ = item_score(children, item, codebook)
    frame = pd.DataFrame({
        "key": children[_KEY].astype("object"),
        "year": children[_YEAR].astype("Int64").astype("object").fillna(-1) if _YEAR in children else -1,
        "wave": children[_WAVE].astype("object"),
        "school": children["school_id"].astype("object"),
        "mp": children[codebook.groups.column].astype("object").map({"yes": 1.0, "no": 0.0}),
        "score": score.to_numpy(),
    }).dropna(subset=["key", "wave", "score"])
    base = frame[frame["wave"].eq(BASELINE)][["key", "year", "score"]]
    follow = frame[frame["wave"].eq(FOLLOW_UP)][["key", "year", "school", "mp", "score"]]
    pairs = base.merge(follow, on=["key", "year"], suffixes=("_b", "_f"), validate="one_to_one")
    pairs = pairs.dropna(subset=["mp", "school"]).sort_values(["key", "year"], kind="stable")
    out = pd.DataFrame({"key": pairs["key"], "year": pairs["year"], "school": pairs["school"], "mp": pairs["mp"],
                        "baseline": pairs["score_b"].astype(float), "follow_up": pairs["score_f"].astype(float)})
    out["change"] = out["follow_up"] - out["baseline"]
    return out.reset_index(drop=True)


def _paired_items(children: pd.DataFrame, items: list[str] | None, codebook: Codebook):
    """``(item, kind, pairs)`` for each item present, when the survey has waves and linking keys (else nothing)."""
    if not (has_waves(children) and _KEY in children):
        return
    for item in items if items is not None else change_items(codebook):
        if item in children:
            yield item, item_score(children.head(0), item, codebook)[1], paired_scores(children, item, codebook)


def _paired_p(baseline: np.ndarray, follow_up: np.ndarray, kind: str) -> tuple[float, str]:
    """The paired test of one group: Wilcoxon signed-rank (scored) or exact McNemar (yes/no)."""
    if kind == "yes":
        # statsmodels.stats.contingency_tables.mcnemar(table, exact=True): rows baseline 0/1, columns follow-up 0/1
        table = np.array([[np.sum((baseline == b) & (follow_up == f)) for f in (0, 1)] for b in (0, 1)])
        return float(mcnemar(table, exact=True).pvalue), "mcnemar_exact"
    if np.all(follow_up == baseline):
        return np.nan, "wilcoxon"  # no child changed: the signed-rank test is undefined
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the normal approximation's note for ties and zeros
        return float(wilcoxon(follow_up, baseline).pvalue), "wilcoxon"  # scipy defaults


def change_table(children: pd.DataFrame, codebook: Codebook | None = None, *, items: list[str] | None = None,
                 min_cell: int = 0) -> pd.DataFrame:
    """``change.csv``: paired change per (measure, group).

    Parameters
    ----------
    children : pandas.DataFrame
        Clean children's table with ``wave``, ``child_key`` (and optionally
        ``year``); all waves.
    items : list of str, optional
        Default :func:`change_items`.
    min_cell : int
        A row with fewer pairs is emptied (``n_pairs`` included) and flagged ``c``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CHANGE_COLUMNS`: ``n_pairs``, ``mean_baseline``,
        ``mean_follow_up``, ``mean_change`` (follow-up minus baseline, on the
        score scale of ``design.csv``), ``p_value`` and ``test``
        (``wilcoxon`` or ``mcnemar_exact``), ``score`` (``scored`` or
        ``yes``), ``flag``. Empty without waves.
    """
    codebook = codebook or load_codebook()
    rows = []
    for item, kind, pairs in _paired_items(children, items, codebook):
        for code, group in _answers_and_groups(codebook):
            sub = pairs[pairs["mp"].eq(1.0 if code == "yes" else 0.0)]
            b, f = sub["baseline"].to_numpy(), sub["follow_up"].to_numpy()
            row = {"measure": item, "group": group, "n_pairs": len(sub), "score": kind, "flag": ""}
            if len(sub):
                p, test = _paired_p(b, f, kind)
                row.update(mean_baseline=b.mean(), mean_follow_up=f.mean(), mean_change=(f - b).mean(),
                           p_value=p, test=test)
            if len(sub) < min_cell:
                row = {"measure": item, "group": group, "score": kind, "flag": "c"}
            rows.append(row)
    return _typed(rows, CHANGE_COLUMNS)


def _did_fit(pairs: pd.DataFrame) -> dict[str, float]:
    """``ols("change ~ mp").fit(cov_type="cluster", cov_kwds={"groups": school})``, statsmodels defaults."""
    data = pairs.assign(school_code=pd.factorize(pairs["school"])[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.ols("change ~ mp", data=data).fit(cov_type="cluster",
                                                   cov_kwds={"groups": data["school_code"]})
    low, high = fit.conf_int().loc["mp"]
    return {"estimate": float(fit.params["mp"]), "se": float(fit.bse["mp"]), "ci_low": float(low),
            "ci_high": float(high), "p_value": float(fit.pvalues["mp"])}


def did_table(children: pd.DataFrame, codebook: Codebook | None = None, *, items: list[str] | None = None,
              min_cell: int = 0, min_clusters: int = MIN_CLUSTERS) -> pd.DataFrame:
    """``did.csv``: the difference in differences of each measure, schools as clusters.

    The estimate is the programme group's mean change minus the other
    children's (the coefficient of ``mp`` in ``change ~ mp``); its interval and
    p-value use statsmodels' CR1 cluster-robust covariance by school and a
    normal reference distribution (its defaults).

    Parameters
    ----------
    min_cell : int
        A row where either group has fewer pairs is emptied and flagged ``c``.
    min_clusters : int
        Fewest schools for a result (as ``design.csv``); fewer leave the statistics empty.

    Returns
    -------
    pandas.DataFrame
        Columns :func:`did_columns` (for the default programme
        :data:`DID_COLUMNS`); empty without waves.
    """
    codebook = codebook or load_codebook()
    n_yes, n_no = (codebook.groups.count_column(group, "n_pairs") for group in codebook.groups.pair)
    rows = []
    for item, kind, pairs in _paired_items(children, items, codebook):
        n_mp, n_other = int(pairs["mp"].eq(1).sum()), int(pairs["mp"].eq(0).sum())
        schools = int(pairs["school"].nunique())
        row = {"measure": item, "n_pairs": len(pairs), n_yes: n_mp, n_no: n_other, "schools": schools,
               "score": kind, "flag": ""}
        if n_mp and n_other and schools >= max(min_clusters, 2):
            row.update(_did_fit(pairs))
        if min(n_mp, n_other) < min_cell:
            row = {"measure": item, "score": kind, "flag": "c"}
        rows.append(row)
    return _typed(rows, did_columns(codebook.groups))


def attrition_table(children: pd.DataFrame, codebook: Codebook | None = None, *, items: list[str] | None = None,
                    min_cell: int = 0) -> pd.DataFrame:
    """``attrition.csv``: who answered only at baseline, and whether they differed then.

    Per group and item (by default the primary outcomes the caller passes,
    else every change item): children answering at baseline, those also
    answering at follow-up (``n_pairs``, by ``child_key`` and year), those
    only at baseline and those only at follow-up; the baseline mean of
    stayers and leavers and their difference (leavers minus stayers), from
    the same school-clustered OLS as ``design.csv``
    (:func:`helpers.core.design.cluster_difference`). ``measure`` ``all`` counts
    children whatever their answers.
    """
    codebook = codebook or load_codebook()
    rows = []
    if not (has_waves(children) and _KEY in children):
        return _typed([], ATTRITION_COLUMNS)
    year = children[_YEAR].astype("Int64").astype("object").fillna(-1) if _YEAR in children else \
        pd.Series(-1, index=children.index)
    frame = pd.DataFrame({"key": children[_KEY].astype("object"), "year": year,
                          "wave": children[_WAVE].astype("object"),
                          "school": children["school_id"].astype("object"),
                          "group": children[codebook.groups.column].astype("object")}).dropna(subset=["key", "wave"])
    linked = frame.groupby(["key", "year"])["wave"].agg(lambda w: set(w))
    both = {k for k, w in linked.items() if {BASELINE, FOLLOW_UP} <= w}
    pair_id = list(zip(frame["key"], frame["year"], strict=True))
    frame["paired"] = [p in both for p in pair_id]
    base = frame[frame["wave"].eq(BASELINE)]
    follow = frame[frame["wave"].eq(FOLLOW_UP)]
    for code, group in _answers_and_groups(codebook):
        b = base[base["group"].eq(code)]
        f = follow[follow["group"].eq(code)]
        row = {"measure": "all", "group": group, "n_baseline": len(b), "n_pairs": int(b["paired"].sum()),
               "n_baseline_only": int((~b["paired"]).sum()), "n_follow_up_only": int((~f["paired"]).sum()),
               "flag": ""}
        rows.append(row)
        for item in items if items is not None else change_items(codebook):
            if item not in children:
                continue
            score, _ = item_score(children, item, codebook)
            sub = b.assign(score=score.loc[b.index].to_numpy(dtype=float), left=(~b["paired"]).astype(float))
            sub = sub.dropna(subset=["score"])
            stats = cluster_difference(sub, score="score", group="left", cluster="school",
                                       min_clusters=MIN_CLUSTERS).iloc[0]
            rows.append({"measure": item, "group": group, "n_baseline": len(sub),
                         "n_pairs": int(sub["left"].eq(0).sum()), "n_baseline_only": int(sub["left"].eq(1).sum()),
                         "mean_pairs": sub.loc[sub["left"].eq(0), "score"].mean(),
                         "mean_baseline_only": sub.loc[sub["left"].eq(1), "score"].mean(),
                         "difference": stats["difference"], "ci_low": stats["ci_low"], "ci_high": stats["ci_high"],
                         "p_value": stats["p_value"], "flag": ""})
    out = _typed(rows, ATTRITION_COLUMNS)
    counts = ["n_baseline", "n_pairs", "n_baseline_only", "n_follow_up_only"]
    values = out[counts].fillna(0)
    small = (values.gt(0) & values.lt(min_cell)).any(axis=1)  # a non-zero count of fewer than min_cell children
    stat_cols = ["mean_pairs", "mean_baseline_only", "difference", "ci_low", "ci_high", "p_value"]
    out.loc[small, counts + stat_cols] = np.nan
    out.loc[small, "flag"] = "c"
    return out


def _favourable_scores(codebook: Codebook, item: str) -> list[float]:
    """Scores of the codes the item's scale marks favourable (polarity +1); 1 and 2 when it has no polarity."""
    scale = codebook.scales[codebook.instruments[codebook.groups.instrument].column(item).scale]
    if scale.polarity is None or scale.scores is None:
        return [1.0, 2.0]
    return [score for score, sign in zip(scale.scores, scale.polarity, strict=True) if sign > 0]


def trend_table(children: pd.DataFrame, codebook: Codebook | None = None, *, items: list[str],
                min_cell: int = 0, min_clusters: int = MIN_CLUSTERS) -> pd.DataFrame:
    """``trend.csv``: headline items per survey year and a linear trend over the years.

    With waves present only follow-up answers count (the caller passes
    :func:`follow_up_only`). Per item and year: children agreeing (the
    codes the codebook's scale marks favourable, polarity +1: "strongly
    agree" and "agree" of the agreement scale; scores 1 or 2 of a scored
    scale without polarity; ``yes`` of a yes/no item) out of valid answers, as a percent with its Wilson 95% interval
    (``statsmodels proportion_confint(n, base, method="wilson")``). The trend
    is the slope of a linear probability model ``ols("agree ~ year")`` (per
    year, in percentage points) fitted with ``cov_type="cluster",
    cov_kwds={"groups": school}`` (statsmodels defaults, 95% interval); its
    ``slope``, interval and ``p_trend`` repeat on each year's row. Empty
    with fewer than two years.
    """
    codebook = codebook or load_codebook()
    if _YEAR not in children or children[_YEAR].dropna().nunique() < 2:
        return _typed([], TREND_COLUMNS)
    rows = []
    for item in items:
        if item not in children:
            continue
        score, kind = item_score(children, item, codebook)
        agree = score.isin(_favourable_scores(codebook, item)) if kind == "scored" else score.eq(1)
        frame = pd.DataFrame({"year": children[_YEAR].astype("Int64").astype("float"),
                              "school": children["school_id"].astype("object"),
                              "agree": agree.where(score.notna()).astype(float)}).dropna()
        years = sorted(frame["year"].unique())
        trend = {"slope": np.nan, "slope_ci_low": np.nan, "slope_ci_high": np.nan, "p_trend": np.nan}
        schools = int(frame["school"].nunique())
        if len(years) >= 2 and schools >= max(min_clusters, 2):
            data = frame.assign(school_code=pd.factorize(frame["school"])[0])
            fit = smf.ols("agree ~ year", data=data).fit(cov_type="cluster",
                                                        cov_kwds={"groups": data["school_code"]})
            low, high = fit.conf_int().loc["year"]
            trend = {"slope": 100 * float(fit.params["year"]), "slope_ci_low": 100 * float(low),
                     "slope_ci_high": 100 * float(high), "p_trend": float(fit.pvalues["year"])}
        for year in years:
            sub = frame[frame["year"].eq(year)]
            n, base = int(sub["agree"].sum()), len(sub)
            low, high = proportion_confint(n, base, method="wilson")
            row = {"measure": item, "year": int(year), "n": n, "base": base, "value": 100 * n / base,
                   "ci_low": 100 * low, "ci_high": 100 * high, **trend, "years": len(years), "schools": schools,
                   "flag": ""}
            if base < min_cell or 0 < n < min_cell or 0 < base - n < min_cell:
                row.update(n=np.nan, value=np.nan, ci_low=np.nan, ci_high=np.nan, flag="c")
            rows.append(row)
    return _typed(rows, TREND_COLUMNS)
