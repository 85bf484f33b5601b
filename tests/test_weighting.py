"""Tests for helpers.core.weighting: post-stratification by force, cross-checked against statsmodels."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.weightstats import DescrStatsW

from helpers.core.processing import summarise
from helpers.core.weighting import (
    SENSITIVITY_COLUMNS,
    kish_n,
    poststratification_weights,
    sensitivity,
    trim_weights,
    weight_cells,
    weighted_difference,
)

CENSUS = pd.DataFrame({"force": ["Durham", "Cumbria", "Gwent", "Kent", "Lincolnshire"],
                       "children": pd.array([2300, 335, 205, 18, None], dtype="Int64")})


def _children(codebook, rng, n_yes=240, n_no=100, forces=("Durham", "Cumbria", "Gwent"),
              p_yes=(0.3, 0.5, 0.2), p_no=(0.1, 0.7, 0.2)):
    agree = list(codebook.scales["agree5"].codes)
    yesno = list(codebook.scales["yesno"].codes)
    impact = list(codebook.scales["safety_impact"].codes)
    n = n_yes + n_no
    force = list(rng.choice(forces, n_yes, p=p_yes)) + list(rng.choice(forces, n_no, p=p_no))
    # answers depend on the force, so that weighting by force moves them
    tilt = np.array([{"Durham": 0.6, "Cumbria": 0.1}.get(f, 0.3) for f in force])
    safe = [agree[0] if u < t else agree[int(rng.integers(1, 5))] for u, t in zip(rng.random(n), tilt, strict=True)]
    frame = pd.DataFrame({
        "respondent_id": [f"C{i}" for i in range(n)],
        "force": pd.array(force, dtype="string"),
        "mini_police": pd.Categorical(["yes"] * n_yes + ["no"] * n_no, categories=yesno),
        "safe_home": pd.Categorical(safe, categories=agree, ordered=True),
        "aware_cadets": pd.Categorical(rng.choice(yesno, n), categories=yesno),
        "rank_arrest": pd.array(rng.integers(1, 7, n), dtype="Int64"),
        "enjoyed": pd.Categorical(list(rng.choice(yesno, n_yes, p=[0.9, 0.1])) + [None] * n_no, categories=yesno),
        "safety_impact": pd.Categorical(list(rng.choice(impact, n_yes)) + [None] * n_no, categories=impact),
    })
    frame.loc[[0, 5, 250], "safe_home"] = None  # missing answers are dropped item by item
    frame.loc[[1, 260], "rank_arrest"] = pd.NA
    return frame


def _hand_trimmed(weights, groups, q=0.95):
    """Each group's weights capped at its q-quantile (numpy.quantile), then divided by their mean."""
    out = weights.copy()
    for _group, idx in weights.groupby(groups.astype(str)).groups.items():
        block = weights[idx].dropna()
        capped = np.minimum(block, np.quantile(block, q))
        out[capped.index] = capped / capped.mean()
    return out


def _hand_weights(children, census):
    """Weights written out from the definition: census share / sample share within each group and force."""
    usable = census.dropna(subset=["children"])
    usable = usable[usable["children"] > 0].set_index("force")["children"].astype(float)
    out = pd.Series(np.nan, index=children.index)
    for _group, block in children.groupby(children["mini_police"].astype(str)):
        kept = block[block["force"].isin(usable.index)]
        sample = kept["force"].value_counts(normalize=True)
        target = usable[sample.index] / usable[sample.index].sum()
        out[kept.index] = (target / sample)[kept["force"]].to_numpy()
    return out


def test_weights_match_the_definition_and_the_census(codebook):
    children = _children(codebook, np.random.default_rng(1))
    weights = poststratification_weights(children, CENSUS)
    np.testing.assert_allclose(weights, _hand_weights(children, CENSUS), rtol=1e-12)
    for group in ("yes", "no"):
        w = weights[children["mini_police"].eq(group)]
        f = children.loc[w.index, "force"]
        assert w.mean() == pytest.approx(1.0)  # scaled to average 1 within the group
        # the weighted force distribution is the census distribution over the forces reached
        share = w.groupby(f).sum() / w.sum()
        census = CENSUS.set_index("force")["children"].astype(float)[share.index]
        np.testing.assert_allclose(share, census / census.sum(), rtol=1e-12)


def test_census_proportional_to_sample_leaves_values_unchanged(codebook):
    """Both groups spread over forces exactly as the census: every weight is 1, weighted = unweighted."""
    rng = np.random.default_rng(2)
    children = _children(codebook, rng, n_yes=300, n_no=150)
    children["force"] = pd.array(["Durham"] * 200 + ["Gwent"] * 100 + ["Durham"] * 100 + ["Gwent"] * 50,
                                 dtype="string")
    census = pd.DataFrame({"force": ["Durham", "Gwent"], "children": [2000, 1000]})
    np.testing.assert_allclose(poststratification_weights(children, census), 1.0, rtol=1e-12)
    out = sensitivity(children, census, codebook)
    rows = out[out["group"] != "difference"]
    np.testing.assert_allclose(rows["value_weighted"], rows["value"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rows["effective_n"], rows["base"].astype(float), rtol=1e-12)
    # ...and a census that is not proportional moves them (this check can fail)
    skewed = census.assign(children=[1000, 2000])
    moved = sensitivity(children, skewed, codebook)
    assert (moved["value_weighted"] - moved["value"]).abs().max() > 1


def test_weighted_values_match_descrstatsw(codebook):
    children = _children(codebook, np.random.default_rng(3))
    out = sensitivity(children, CENSUS, codebook).set_index(["measure", "group", "category"])
    weights = _hand_trimmed(_hand_weights(children, CENSUS), children["mini_police"])
    scores = dict(zip(codebook.scales["agree5"].codes, codebook.scales["agree5"].scores, strict=True))
    for code, group in (("yes", "mini_police"), ("no", "non_mini_police")):
        sub = children[children["mini_police"].eq(code)]
        w = weights[sub.index]
        answers = sub["safe_home"].astype(object)
        ok = answers.notna() & w.notna()
        for cat in codebook.scales["agree5"].codes:
            # statsmodels.stats.weightstats.DescrStatsW(answers == cat, weights=w).mean
            ref = DescrStatsW((answers[ok] == cat).astype(float).to_numpy(), weights=w[ok].to_numpy()).mean
            assert out.loc[("safe_home", group, cat), "value_weighted"] == pytest.approx(100 * ref, abs=1e-9)
            assert out.loc[("safe_home", group, cat), "value"] == pytest.approx(
                100 * (answers[answers.notna()] == cat).mean(), abs=1e-9)
        # DescrStatsW(scores, weights=w).mean for the safety mean (1 = strongly agree ... 5)
        ref = DescrStatsW(answers[ok].map(scores).astype(float).to_numpy(), weights=w[ok].to_numpy())
        row = out.loc[("safe_home", group, "mean")]
        assert row["value_weighted"] == pytest.approx(ref.mean, abs=1e-9)
        # Kish effective n = (sum w)^2 / sum w^2, with statsmodels' sum of weights
        assert row["effective_n"] == pytest.approx(ref.sum_weights ** 2 / np.sum(w[ok].to_numpy() ** 2), rel=1e-12)
        ranks = sub["rank_arrest"].astype(float)
        okr = ranks.notna() & w.notna()
        ref = DescrStatsW(ranks[okr].to_numpy(), weights=w[okr].to_numpy()).mean
        assert out.loc[("rank_arrest", group, "mean"), "value_weighted"] == pytest.approx(ref, abs=1e-9)
    diff = out.loc[("safe_home", "difference", "agree")]
    assert diff["value_weighted"] == pytest.approx(out.loc[("safe_home", "mini_police", "agree"), "value_weighted"]
                                                   - out.loc[("safe_home", "non_mini_police", "agree"),
                                                             "value_weighted"])
    # headline items asked of mini-police only: one group, no difference rows
    assert set(out.loc["enjoyed"].index.get_level_values("group")) == {"mini_police"}
    assert set(out.loc["safety_impact"].index.get_level_values("group")) == {"mini_police"}


def test_unweighted_values_are_those_of_results(codebook):
    children = _children(codebook, np.random.default_rng(4))
    results = summarise({"children_survey": children}, codebook)
    out = sensitivity(children, CENSUS, codebook)
    both = out.merge(results, on=["measure", "group", "category"], suffixes=("", "_results"))
    assert len(both) == (out["group"] != "difference").sum()
    assert (both["value"] == both["value_results"]).all()  # exactly, not approximately
    assert (both["base"] == both["base_results"]).all()
    assert out.columns.tolist() == SENSITIVITY_COLUMNS


def test_forces_without_census_are_excluded_and_logged(codebook, caplog):
    children = _children(codebook, np.random.default_rng(5), forces=("Durham", "Lincolnshire", "Dyfed-Powys"))
    census = pd.concat([CENSUS, pd.DataFrame({"force": ["Dyfed-Powys"], "children": [0]})], ignore_index=True)
    with caplog.at_level(logging.INFO, logger="helpers.core.weighting"):
        weights = poststratification_weights(children, census)
    outside = children["force"].isin(["Lincolnshire", "Dyfed-Powys"])  # children missing, children 0
    assert weights[outside].isna().all() and weights[~outside].notna().all()
    assert "without census children are excluded" in caplog.text
    cells = weight_cells(children, census).set_index(["group", "force"])
    assert cells.loc[("yes", "Lincolnshire"), "status"] == "no_census"
    assert cells.loc[("yes", "Kent"), "status"] == "no_respondents"  # census force the sample does not reach
    assert cells.loc[("yes", "Durham"), "census_share"] == 1.0  # the only force left carries the whole census
    out = sensitivity(children, census, codebook).set_index(["measure", "group", "category"])
    row = out.loc[("aware_cadets", "mini_police", "yes")]
    yes = children["mini_police"].eq("yes")
    assert row["excluded"] == (outside & yes & children["aware_cadets"].notna()).sum() > 0
    assert row["effective_n"] == pytest.approx((~outside & yes).sum())  # equal weights within one force


def test_local_report_is_unweighted(codebook):
    children = _children(codebook, np.random.default_rng(6))
    out = sensitivity(children, CENSUS, codebook, local=True)
    assert (out["value_weighted"].fillna(-1) == out["value"].fillna(-1)).all()
    rows = out[out["group"] != "difference"]
    assert (rows["effective_n"] == rows["base"].astype(float)).all() and (rows["excluded"] == 0).all()


def test_suppressed_cells_stay_suppressed(codebook):
    children = _children(codebook, np.random.default_rng(7))
    results = pd.DataFrame({"measure": ["aware_cadets", "safe_home"], "group": ["non_mini_police", "mini_police"],
                            "category": ["yes", "mean"], "flag": ["c", "c"]})
    out = sensitivity(children, CENSUS, codebook, results=results).set_index(["measure", "group", "category"])
    for key in [("aware_cadets", "non_mini_police", "yes"), ("aware_cadets", "difference", "yes"),
                ("safe_home", "mini_police", "mean"), ("safe_home", "difference", "mean")]:
        assert out.loc[key, "flag"] == "c" and np.isnan(out.loc[key, "value"]) and np.isnan(
            out.loc[key, "value_weighted"])
    assert out.loc[("aware_cadets", "mini_police", "yes"), "flag"] == ""


def test_no_census_children_column(codebook, caplog):
    children = _children(codebook, np.random.default_rng(8))
    with caplog.at_level(logging.WARNING, logger="helpers.core.weighting"):
        out = sensitivity(children, CENSUS.drop(columns="children"), codebook)
    assert out["value_weighted"].isna().all() and out["value"].notna().any()
    assert "no children per force" in caplog.text


def test_kish_n():
    assert kish_n([1, 1, 1, 1]) == 4
    assert kish_n([1, 3, np.nan]) == pytest.approx(16 / 10)
    assert kish_n([]) == 0.0


def test_sensitivity_schema(codebook):
    from pandera.errors import SchemaError

    from helpers.core.schemas import SENSITIVITY_SCHEMA

    out = sensitivity(_children(codebook, np.random.default_rng(9)), CENSUS, codebook)
    SENSITIVITY_SCHEMA.validate(out)
    row = out.index[out["group"].eq("mini_police")][0]
    with pytest.raises(SchemaError, match="Kish"):
        SENSITIVITY_SCHEMA.validate(out.assign(effective_n=out["effective_n"] + 1e6))
    with pytest.raises(SchemaError, match="suppressed"):
        SENSITIVITY_SCHEMA.validate(out.assign(flag=["c" if i == row else "" for i in out.index]))


def test_trim_weights_caps_at_the_group_quantile_and_keeps_mean_one():
    w = pd.Series([1.0] * 18 + [6.0, 9.0, 0.5, 0.5, 4.0, np.nan])
    g = pd.Series(["a"] * 20 + ["b"] * 4)
    out = trim_weights(w, g)
    a = w[:20]
    cap = np.quantile(a, 0.95)  # numpy's linear interpolation: 6 + 0.05 * 19 * (9 - 6) ... by hand below
    assert cap == pytest.approx(6 + (0.95 * 19 - 18) * 3)
    expected = np.minimum(a, cap) / np.minimum(a, cap).mean()
    np.testing.assert_allclose(out[:20], expected, rtol=1e-12)
    assert out[:20].mean() == pytest.approx(1) and out[20:23].mean() == pytest.approx(1)
    assert np.isnan(out.iloc[23])  # an excluded respondent stays excluded
    assert kish_n(out[:20]) > kish_n(a)  # trimming buys effective sample size
    pd.testing.assert_series_equal(trim_weights(w, g, quantile=1.0)[:20], a / a.mean(), check_names=False)


def test_weighted_difference_matches_a_hand_sandwich():
    rng = np.random.default_rng(11)
    n = 120
    school = rng.integers(0, 12, n)
    d = (rng.random(n) < 0.6).astype(float)
    y = (rng.random(n) < 0.4 + 0.02 * school).astype(float)
    w = rng.uniform(0.3, 3, n)
    res = weighted_difference(y, d, w, clusters=school)
    # coefficient = difference of the weighted means (DescrStatsW(...).mean for each group)
    ref = DescrStatsW(y[d == 1], weights=w[d == 1]).mean - DescrStatsW(y[d == 0], weights=w[d == 0]).mean
    assert res["difference"] == pytest.approx(ref, abs=1e-12)
    # the sandwich written out: (X'WX)^-1 [sum_c (X_c' W_c e_c)(...)'] (X'WX)^-1 * G/(G-1) * (N-1)/(N-K)
    X = np.column_stack([np.ones(n), d])
    bread = np.linalg.inv(X.T @ (w[:, None] * X))
    e = y - X @ (bread @ X.T @ (w * y))
    meat = sum(np.outer(s_, s_) for s_ in (X[school == c].T @ (w * e)[school == c] for c in np.unique(school)))
    G = len(np.unique(school))
    cov = bread @ meat @ bread * G / (G - 1) * (n - 1) / (n - 2)
    se = np.sqrt(cov[1, 1])
    assert res["ci_high"] - res["ci_low"] == pytest.approx(2 * 1.959963984540054 * se, rel=1e-9)
    assert res["ci_low"] < res["difference"] < res["ci_high"] and 0 < res["p_value"] < 1
    assert np.isnan(weighted_difference(y, np.ones(n), w, clusters=school)["difference"])  # one group only
    one_school = weighted_difference(y, d, w, clusters=np.zeros(n))  # one cluster: no interval, no p
    assert one_school["difference"] == pytest.approx(ref) and np.isnan(one_school["ci_low"])
    same = weighted_difference(np.ones(n), d, w, clusters=school)  # every answer the same: nothing to test
    assert np.isnan(same["p_value"]) and np.isnan(same["ci_high"])


def test_sensitivity_reports_trimming_and_design_based_intervals(codebook):
    children = _children(codebook, np.random.default_rng(5))
    children["school_id"] = [f"S{i % 9}" for i in range(len(children))]
    skewed = CENSUS.assign(children=pd.array([2300, 335, 5000, 18, None], dtype="Int64"))
    out = sensitivity(children, skewed, codebook)
    rows = out[out["group"].ne("difference")]
    assert (rows["effective_n_untrimmed"] <= rows["base"] - rows["excluded"] + 1e-9).all()
    diffs = out[out["group"].eq("difference")]
    assert diffs["weighted_ci_low"].notna().all() and diffs["weighted_p"].between(0, 1).all()
    inside = (diffs["weighted_ci_low"] <= diffs["value_weighted"] + 1e-9) & \
             (diffs["value_weighted"] <= diffs["weighted_ci_high"] + 1e-9)
    assert inside.all()
    assert rows["weighted_ci_low"].isna().all()
    # a percent difference's interval is the WLS interval of the 1/0 indicator, in percentage points
    one = diffs[(diffs["measure"] == "aware_cadets") & (diffs["category"] == "yes")].iloc[0]
    cut = children[children["mini_police"].isin(["yes", "no"])]
    w = trim_weights(poststratification_weights(children, skewed), children["mini_police"])[cut.index]
    ref = weighted_difference((cut["aware_cadets"].astype(object) == "yes").astype(float).where(
        cut["aware_cadets"].notna()), cut["mini_police"].eq("yes"), w, clusters=cut["school_id"])
    assert one["weighted_ci_low"] == pytest.approx(100 * ref["ci_low"]) and one["value_weighted"] == \
        pytest.approx(100 * ref["difference"])


def test_weighted_difference_matches_statsmodels_wls():
    """The closed form gives statsmodels' WLS numbers, clustered and HC1."""
    import statsmodels.api as sm

    rng = np.random.default_rng(5)
    n = 300
    school = rng.integers(0, 15, n)
    d = (rng.random(n) < 0.5).astype(float)
    y = rng.integers(1, 6, n).astype(float) + 0.3 * d
    w = rng.uniform(0.2, 4, n)
    X = sm.add_constant(d)
    for clusters, kwargs in ((school, {"cov_type": "cluster", "cov_kwds": {"groups": school}}),
                             (None, {"cov_type": "HC1"})):
        fit = sm.WLS(y, X, weights=w).fit(**kwargs)  # sm.WLS(y, X, weights=w).fit(cov_type=...)
        res = weighted_difference(y, d, w, clusters=clusters)
        assert res["difference"] == pytest.approx(fit.params[1], rel=1e-12)
        assert [res["ci_low"], res["ci_high"]] == pytest.approx(list(fit.conf_int()[1]), rel=1e-9)
        assert res["p_value"] == pytest.approx(fit.pvalues[1], rel=1e-9)
