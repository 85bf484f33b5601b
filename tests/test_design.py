"""Tests for helpers.core.design and helpers.core.outcomes: hand-computed examples, statsmodels cross-checks,
the error rates of the cluster-robust and naive tests on clustered data, and the tables of process."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats as sps
from statsmodels.stats.anova import anova_lm
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.multitest import multipletests

from helpers.core import outcomes
from helpers.core.codebook import load_codebook
from helpers.core.design import (
    ADJUSTED_COLUMNS,
    BALANCE_COLUMNS,
    DESIGN_COLUMNS,
    adjusted_table,
    balance_table,
    cluster_difference,
    design_table,
    equivalence_verdict,
    icc1,
    item_score,
    simulate_clustered,
    tost,
    within_school,
)
from helpers.core.pipeline import run_process
from helpers.core.schemas import check_design_outputs
from helpers.core.stats import comparable_items, compare_groups, holm_within

ROOT = Path(__file__).resolve().parents[1]
ISSUE_COLUMNS = ["measure", "n_mini_police", "n_non_mini_police", "schools", "icc", "design_effect", "difference",
                 "ci_low", "ci_high", "p_cluster", "p_cluster_holm", "p_within", "within_method"]


# --------------------------------------------------------------------------- scores and ICC


def test_item_score_kinds():
    kids = pd.DataFrame({"att_trust": ["strongly_agree", "disagree", None],
                         "rank_arrest": ["3", None, "6"],
                         "interest_cadets": ["yes", "maybe", None]})
    assert item_score(kids, "att_trust")[0].tolist()[:2] == [1.0, 4.0]
    assert item_score(kids, "att_trust")[1] == "scored"
    assert item_score(kids, "rank_arrest")[0].tolist()[::2] == [3.0, 6.0]
    score, kind = item_score(kids, "interest_cadets")
    assert kind == "yes" and score.tolist()[:2] == [1.0, 0.0] and np.isnan(score.iloc[2])


def test_icc1_by_hand_on_a_tiny_table():
    # Clusters a = [1, 2, 3] (mean 2), b = [5, 7] (mean 6); N = 5, J = 2, grand mean 3.6.
    # SSB = 3 (2 - 3.6)^2 + 2 (6 - 3.6)^2 = 7.68 + 11.52 = 19.2, MSB = 19.2 / 1
    # SSW = (1 + 0 + 1) + (1 + 1) = 4, MSW = 4 / (5 - 2) = 4/3
    # sum m^2 / N = (9 + 4) / 5 = 2.6, k0 = (5 - 2.6) / 1 = 2.4
    # ICC = (19.2 - 4/3) / (19.2 + 1.4 * 4/3) = 17.8667 / 21.0667 = 0.848101...
    # design effect = 1 + (2.6 - 1) * ICC = 2.356962...
    d = pd.DataFrame({"y": [1, 2, 3, 5, 7], "s": ["a", "a", "a", "b", "b"]})
    row = icc1(d, score="y", cluster="s").iloc[0]
    assert row["msb"] == pytest.approx(19.2)
    assert row["msw"] == pytest.approx(4 / 3)
    assert row["k0"] == pytest.approx(2.4)
    assert row["icc"] == pytest.approx((19.2 - 4 / 3) / (19.2 + 1.4 * 4 / 3))
    assert row["icc"] == pytest.approx(0.848101, abs=1e-6)
    assert row["design_effect"] == pytest.approx(1 + 1.6 * row["icc"])
    # The mean squares equal statsmodels' one-way ANOVA: anova_lm(ols("y ~ C(s)", d).fit())
    table = anova_lm(smf.ols("y ~ C(s)", d).fit())
    assert row["msb"] == pytest.approx(table.loc["C(s)", "mean_sq"])
    assert row["msw"] == pytest.approx(table.loc["Residual", "mean_sq"])


def test_icc1_truncated_at_zero_and_undefined_for_one_cluster():
    same = pd.DataFrame({"y": [1, 5, 1, 5], "s": ["a", "a", "b", "b"]})  # MSB = 0 < MSW
    assert icc1(same, score="y", cluster="s")["icc"].iloc[0] == 0.0
    assert icc1(same, score="y", cluster="s")["design_effect"].iloc[0] == 1.0
    one = pd.DataFrame({"y": [1, 2, 3], "s": ["a"] * 3})
    assert np.isnan(icc1(one, score="y", cluster="s")["icc"].iloc[0])


# --------------------------------------------------------------------------- comparisons


@pytest.fixture(scope="module")
def clustered():
    sim = simulate_clustered(3, schools=12, children=150)
    sim["score"], _ = item_score(sim, "att_trust")
    sim["yes"], _ = item_score(sim, "aware_cadets")
    sim["mp"] = sim["mini_police"].eq("yes").astype(float)
    return sim


def test_cluster_difference_matches_statsmodels_formula(clustered):
    got = cluster_difference(clustered, score="score", group="mp", cluster="school_id").iloc[0]
    # smf.ols("score ~ mp", data).fit(cov_type="cluster", cov_kwds={"groups": school})
    fit = smf.ols("score ~ mp", clustered).fit(cov_type="cluster",
                                               cov_kwds={"groups": pd.factorize(clustered["school_id"])[0]})
    assert got["difference"] == pytest.approx(fit.params["mp"], rel=1e-12)
    assert got["se"] == pytest.approx(fit.bse["mp"], rel=1e-10)
    assert got["p_value"] == pytest.approx(fit.pvalues["mp"], rel=1e-9)
    assert [got["ci_low"], got["ci_high"]] == pytest.approx(fit.conf_int().loc["mp"].tolist(), rel=1e-10)
    # The difference is the difference in means; the naive p is the pooled t-test's:
    # scipy.stats.ttest_ind(x, y, equal_var=True)
    x = clustered.loc[clustered.mp == 1, "score"]
    y = clustered.loc[clustered.mp == 0, "score"]
    assert got["difference"] == pytest.approx(x.mean() - y.mean())
    assert got["p_naive"] == pytest.approx(sps.ttest_ind(x, y).pvalue, rel=1e-9)


def test_cluster_difference_needs_clusters_and_both_groups():
    d = pd.DataFrame({"y": [1.0, 2, 3, 4], "mp": [1.0, 0, 1, 0], "s": ["a"] * 4})
    assert np.isnan(cluster_difference(d, score="y", group="mp", cluster="s")["p_value"].iloc[0])
    d["s"] = ["a", "a", "b", "b"]
    assert np.isnan(cluster_difference(d, score="y", group="mp", cluster="s", min_clusters=5)["p_value"].iloc[0])
    d["mp"] = 1.0
    assert np.isnan(cluster_difference(d, score="y", group="mp", cluster="s")["difference"].iloc[0])


def test_within_school_fixed_effects_matches_statsmodels_formula(clustered):
    got = within_school(clustered, score="score", group="mp", cluster="school_id", method="fixed_effects").iloc[0]
    both = clustered.groupby("school_id")["mp"].transform("nunique").eq(2)
    data = clustered[both]
    assert got["schools"] == data["school_id"].nunique() and got["n"] == len(data)
    # smf.ols("score ~ mp + C(school)", data).fit(cov_type="cluster", cov_kwds={"groups": school})
    fit = smf.ols("score ~ mp + C(school_id)", data).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data["school_id"])[0]})
    assert got["statistic"] == pytest.approx(fit.params["mp"], rel=1e-9)
    assert got["p_value"] == pytest.approx(fit.pvalues["mp"], rel=1e-7)


def test_within_school_cmh_matches_stratified_table(clustered):
    got = within_school(clustered, score="yes", group="mp", cluster="school_id", method="cmh").iloc[0]
    both = clustered.groupby("school_id")["mp"].transform("nunique").eq(2)
    data = clustered[both]
    tables = [pd.crosstab(part["mp"], part["yes"]).reindex(index=[1.0, 0.0], columns=[1.0, 0.0], fill_value=0)
              .to_numpy() for _, part in data.groupby("school_id")]
    # StratifiedTable(tables).test_null_odds(correction=False)
    ref = StratifiedTable(tables).test_null_odds(correction=False)
    assert got["statistic"] == pytest.approx(ref.statistic, rel=1e-10)
    assert got["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    # By hand for one 2 x 2 table [[a, b], [c, d]]: (a - E a)^2 / Var a
    a, b, c, d = 6, 2, 3, 5
    n = a + b + c + d
    expected = (a + b) * (a + c) / n
    var = (a + b) * (c + d) * (a + c) * (b + d) / (n**2 * (n - 1))
    one = pd.DataFrame({"yes": [1] * a + [0] * b + [1] * c + [0] * d, "mp": [1] * (a + b) + [0] * (c + d),
                        "s": ["x"] * n})
    one = pd.concat([one, one.assign(s="y")])  # two identical schools: statistic doubles
    res = within_school(one, score="yes", group="mp", cluster="s", method="cmh").iloc[0]
    assert res["statistic"] == pytest.approx((2 * a - 2 * expected) ** 2 / (2 * var))


def test_within_school_needs_mixed_schools():
    d = pd.DataFrame({"y": [1.0, 2, 3, 4], "mp": [1.0, 1, 0, 0], "s": ["a", "a", "b", "b"]})
    res = within_school(d, score="y", group="mp", cluster="s", method="fixed_effects").iloc[0]
    assert res["schools"] == 0 and np.isnan(res["p_value"])
    with pytest.raises(ValueError, match="method"):
        within_school(d, score="y", group="mp", cluster="s", method="anova")


def test_tost_agrees_with_the_ninety_percent_interval_and_one_sided_tests(clustered):
    fit = smf.ols("score ~ mp", clustered).fit(cov_type="cluster",
                                               cov_kwds={"groups": pd.factorize(clustered["school_id"])[0]})
    d, se = fit.params["mp"], fit.bse["mp"]
    for sesoi in (0.05, 0.2, 0.4, 1.0):
        p = tost(d, se, sesoi)[0]
        low, high = fit.conf_int(alpha=0.10).loc["mp"]
        assert (p < 0.05) == (-sesoi < low and high < sesoi)
        # Each one-sided p is half of the two-sided Wald test against the bound, on the side the estimate lies:
        # fit.t_test("mp = bound").pvalue / 2
        upper = fit.t_test(f"mp = {sesoi}").pvalue / 2 if d < sesoi else 1 - fit.t_test(f"mp = {sesoi}").pvalue / 2
        lower = fit.t_test(f"mp = {-sesoi}").pvalue / 2 if d > -sesoi else 1 - fit.t_test(f"mp = {-sesoi}").pvalue / 2
        assert p == pytest.approx(max(upper, lower), rel=1e-9)


def test_equivalence_verdicts():
    assert equivalence_verdict(0.01, 0.01, 0.25) == "difference"
    assert equivalence_verdict(0.30, 0.01, 0.25) == "equivalent (no difference larger than 0.25)"
    assert equivalence_verdict(0.30, 0.20, 0.25) == "inconclusive"
    assert equivalence_verdict(np.nan, 0.01, 0.25) == ""
    assert equivalence_verdict(0.30, 0.01, np.nan) == ""


def test_holm_within_families_matches_statsmodels():
    p = pd.Series([0.01, 0.02, np.nan, 0.04, 0.03, 0.5])
    fam = pd.Series(["a", "a", "a", "b", "b", "b"])
    got = holm_within(p, fam)
    # multipletests(p_family, method="holm")[1], family by family; NaN left out
    want_a = multipletests([0.01, 0.02], method="holm")[1]
    want_b = multipletests([0.04, 0.03, 0.5], method="holm")[1]
    assert got.iloc[[0, 1]].tolist() == pytest.approx(want_a)
    assert np.isnan(got.iloc[2])
    assert got.iloc[[3, 4, 5]].tolist() == pytest.approx(want_b)


# --------------------------------------------------------------------------- error rates on clustered data


def test_cluster_robust_test_holds_its_level_where_the_naive_test_does_not():
    """200 data sets with a school effect (latent ICC 0.1) and no true difference.

    Schools differ in their share of mini-police children, so group and school are entangled, as in the
    2019 survey. The cluster-robust test should reject at close to 5%; the naive test (same OLS,
    ordinary standard errors, i.e. the pooled t-test) more often. With seed 2019: 7.0% and 10.5%
    (over 1,500 other sets about 7% and 11%; the cluster-robust test's normal reference with 26
    schools is a little liberal).
    """
    sim = simulate_clustered(2019, sets=200)
    sim["score"], _ = item_score(sim, "att_trust")
    sim["mp"] = sim["mini_police"].eq("yes").astype(float)
    rows = [cluster_difference(part, score="score", group="mp", cluster="school_id")
            for _, part in sim.groupby("set", sort=True)]
    res = pd.concat(rows, ignore_index=True)
    assert res["p_value"].notna().all() and len(res) == 200
    cluster_rate = float((res["p_value"] < 0.05).mean())
    naive_rate = float((res["p_naive"] < 0.05).mean())
    assert 0.02 <= cluster_rate <= 0.09, f"cluster-robust rejection rate {cluster_rate:.3f}"
    assert naive_rate > cluster_rate + 0.02, f"naive {naive_rate:.3f} vs cluster-robust {cluster_rate:.3f}"
    # The school effect is there: the pooled ICC of the 5-point score is near the latent 0.1.
    iccs = [icc1(part, score="score", cluster="school_id")["icc"].iloc[0] for _, part in
            sim[sim["set"] < 40].groupby("set")]
    assert 0.05 < float(np.mean(iccs)) < 0.13


def test_design_table_on_clustered_data_recovers_the_school_effect():
    sim = simulate_clustered(5, schools=40, children=1200)
    out = design_table(sim.drop(columns=["set"]), load_codebook())
    assert out["measure"].tolist() == ["att_trust", "aware_cadets"]  # items present in the data, tests.csv order
    trust = out.set_index("measure").loc["att_trust"]
    assert 0.05 < trust["icc"] < 0.16
    assert trust["design_effect"] > 2  # about 30 children a school
    assert out.set_index("measure").loc["aware_cadets", "within_method"] == "cmh"
    no_results = pd.DataFrame(columns=["measure", "group", "category", "n", "base", "value", "unit", "flag"])
    check_design_outputs(out, balance_table(sim, no_results),
                         adjusted_table(sim.assign(gender="girl", year_group=5, age=10), load_codebook(),
                                        design=out))


# --------------------------------------------------------------------------- the plan


def test_outcomes_hash_matches_the_recorded_change():
    """Fails when outcomes.yml is edited without `python -m helpers.core.outcomes --stamp` (date and hash)."""
    plan = outcomes.load_outcomes()
    assert plan["changed"]["sha256"] == outcomes.content_hash(), \
        "outcomes.yml changed: run `python -m helpers.core.outcomes --stamp` to record the date of the change"
    assert len(str(plan["changed"]["date"])) == 10


def test_stamp_records_date_and_hash(tmp_path):
    import datetime as dt

    path = tmp_path / "outcomes.yml"
    shutil.copy(outcomes.OUTCOMES_PATH, path)
    path.write_text(path.read_text().replace("label: Citizenship", "label: Civic"), encoding="utf-8")
    assert outcomes.load_outcomes(path)["changed"]["sha256"] != outcomes.content_hash(path)
    outcomes.stamp(path, today=dt.date(2030, 1, 2))
    plan = outcomes.load_outcomes(path)
    assert plan["changed"] == {"date": "2030-01-02", "sha256": outcomes.content_hash(path)}


def test_every_compared_item_is_in_exactly_one_family(codebook):
    items = [item for item, _ in comparable_items(codebook)]
    plan = outcomes.item_plan(outcomes.load_outcomes(items=items))
    assert sorted(plan["measure"]) == sorted(items)
    primary = plan[plan["family"].eq("primary")]
    assert 2 <= len(primary) <= 4
    assert primary["sesoi"].gt(0).all() and primary["direction"].isin(["lower", "higher"]).all()
    assert plan.loc[~plan["family"].eq("primary"), "sesoi"].isna().all()


def test_aims_and_activities_are_data_the_project_holds(codebook):
    plan = outcomes.load_outcomes()
    flags = {c.name for c in codebook.instruments["practitioner_survey"].columns}
    assert {a["flag"] for a in plan["aims"]} <= flags
    census = {c.name for c in codebook.instruments["scheme_census"].columns}
    assert {a["census"] for a in plan["activities"] if a["census"]} <= census
    model = outcomes.logic_model(plan)
    assert set(model["item"]) == set(outcomes.item_plan(plan)["measure"])
    assert not outcomes.departures(plan).empty


def test_bad_plans_are_refused(tmp_path, codebook):
    items = [item for item, _ in comparable_items(codebook)]
    text = outcomes.OUTCOMES_PATH.read_text()
    bad = tmp_path / "twice.yml"
    bad.write_text(text.replace("item: safe_home,", "item: safe_school,"))
    with pytest.raises(ValueError, match="listed twice"):
        outcomes.load_outcomes(bad)
    bad.write_text(text.replace("item: att_trust, family: primary, direction: lower, sesoi: 0.25",
                                "item: att_trust, family: primary"))
    with pytest.raises(ValueError, match="needs direction"):
        outcomes.load_outcomes(bad)
    bad.write_text(text.replace('label: "Visits, events and after-school activities"',
                                "label: Visits, events and after-school activities"))
    with pytest.raises(ValueError, match="quote labels"):
        outcomes.load_outcomes(bad)
    bad.write_text(text.replace("item: safe_home,", "item: safe_moon,"))
    with pytest.raises(ValueError, match="not a children's item"):
        outcomes.load_outcomes(bad, items=items)


def test_compare_groups_holm_within_families(codebook):
    kids = simulate_clustered(9)
    kids["att_trust"] = pd.Categorical(kids["att_trust"], categories=codebook.scales["agree5"].codes, ordered=True)
    kids["att_listen"] = kids["att_trust"].shift(1)  # as the clean table holds them: categoricals of codes
    fam = {"att_trust": "primary", "att_listen": "secondary", "aware_cadets": "secondary"}
    got = compare_groups(kids, codebook, families=fam).set_index("measure")
    assert got.loc["att_trust", "p_holm"] == pytest.approx(got.loc["att_trust", "p_value"])  # alone in its family
    sec = got.loc[["att_listen", "aware_cadets"], "p_value"]
    # multipletests(p_secondary, method="holm")
    assert got.loc[sec.index, "p_holm"].tolist() == pytest.approx(multipletests(sec, method="holm")[1])
    one = compare_groups(kids, codebook).set_index("measure")  # no families: one family, as before
    assert one["p_holm"].tolist() == pytest.approx(multipletests(one["p_value"], method="holm")[1])


# --------------------------------------------------------------------------- tables of process


@pytest.fixture(scope="module")
def demo_tables(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    run_process(ROOT / "data" / "raw", out)
    return out


def test_design_csv_on_the_demo_data(demo_tables):
    design = pd.read_csv(demo_tables / "design.csv", keep_default_na=False, na_values=[""])
    tests = pd.read_csv(demo_tables / "tests.csv")
    assert design.columns.tolist()[:len(ISSUE_COLUMNS)] == ISSUE_COLUMNS
    assert design.columns.tolist() == DESIGN_COLUMNS
    assert design["measure"].tolist() == tests["measure"].tolist()
    assert (design[["n_mini_police", "n_non_mini_police"]].to_numpy()
            == tests[["n_mini_police", "n_non_mini_police"]].to_numpy()).all()
    assert design["schools"].eq(26).all() and design["p_cluster"].notna().all()
    # Holm within families, for design.csv and tests.csv alike: multipletests(p, method="holm") per family
    for family, part in design.groupby("family"):
        assert part["p_cluster_holm"].tolist() == pytest.approx(multipletests(part["p_cluster"], method="holm")[1])
        t = tests.set_index("measure").loc[part["measure"]]
        assert t["p_holm"].tolist() == pytest.approx(multipletests(t["p_value"], method="holm")[1]), family
    primary = design[design["family"].eq("primary")]
    assert primary["equivalence"].str.match(r"difference$|equivalent \(no difference larger than|inconclusive$").all()
    assert design.loc[design["family"].ne("primary"), "equivalence"].isna().all()
    manifest = json.loads((demo_tables / "manifest.json").read_text())
    assert manifest["outcomes"]["sha256"] == outcomes.file_sha256()
    assert manifest["outcomes"]["changed"] == outcomes.load_outcomes()["changed"]["date"]


def test_balance_and_adjusted_on_the_demo_data(demo_tables):
    balance = pd.read_csv(demo_tables / "balance.csv", keep_default_na=False, na_values=[""])
    assert balance.columns.tolist() == BALANCE_COLUMNS
    assert set(balance["covariate"]) == {"gender", "year_group", "age", "force"}
    girl = balance.set_index(["covariate", "category"]).loc[("gender", "girl")]
    p1, p2 = girl["value_mini_police"] / 100, girl["value_non_mini_police"] / 100
    assert girl["std_difference"] == pytest.approx((p1 - p2) / np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2))
    kids = pd.read_parquet(demo_tables / "children_survey.parquet")
    age = balance.set_index("covariate").loc["age"]
    a = kids.loc[kids.mini_police.astype(str).eq("yes"), "age"].dropna().astype(float)
    b = kids.loc[kids.mini_police.astype(str).eq("no"), "age"].dropna().astype(float)
    assert age["std_difference"] == pytest.approx((a.mean() - b.mean()) / np.sqrt((a.var() + b.var()) / 2))

    adjusted = pd.read_csv(demo_tables / "adjusted.csv", keep_default_na=False, na_values=[""])
    assert adjusted.columns.tolist() == ADJUSTED_COLUMNS
    design = pd.read_csv(demo_tables / "design.csv").set_index("measure")
    primary = design.index[design["family"].eq("primary")]
    assert sorted(adjusted["measure"].unique()) == sorted(primary)
    unadjusted = adjusted[adjusted["model"].eq("unadjusted")].set_index("measure")
    assert unadjusted["difference"].tolist() == pytest.approx(design.loc[unadjusted.index, "difference"].tolist())
    row = adjusted[adjusted["model"].eq("adjusted")].iloc[0]
    assert row["covariates"] == "gender, year group, age, force"
    # smf.ols("score ~ mp + C(gender) + year_group + age + C(force)", complete cases).fit(cov_type="cluster", ...)
    score, _ = item_score(kids, row["measure"])
    data = pd.DataFrame({"score": score, "mp": kids["mini_police"].astype(str).eq("yes").astype(float),
                         "gender": kids["gender"].astype(object), "year_group": kids["year_group"].astype(float),
                         "age": kids["age"].astype(float), "force": kids["force"].astype(object),
                         "school": kids["school_id"].astype(object)}).dropna()
    fit = smf.ols("score ~ mp + C(gender) + year_group + age + C(force)", data).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data["school"])[0]})
    assert row["n"] == len(data)
    assert row["difference"] == pytest.approx(fit.params["mp"], rel=1e-9)
    assert row["p_value"] == pytest.approx(fit.pvalues["mp"], rel=1e-6)


@pytest.mark.parametrize("force", ["Durham", "Thames Valley"])
def test_local_reports_compute_or_empty_the_design_tables(force, tmp_path):
    out = tmp_path / "out"
    run_process(ROOT / "data" / "raw", out, force=force)
    design = pd.read_csv(out / "design.csv", keep_default_na=False, na_values=[""])
    balance = pd.read_csv(out / "balance.csv", keep_default_na=False, na_values=[""])
    adjusted = pd.read_csv(out / "adjusted.csv", keep_default_na=False, na_values=[""])
    assert "force" not in set(balance["covariate"])  # one force: nothing to balance
    assert not adjusted["covariates"].str.contains("force").any()
    if force == "Durham":  # 10 schools: the comparisons are made
        assert design["p_cluster"].notna().any()
        assert adjusted["difference"].notna().all()
    else:  # 5 and 5 children in 2 schools: too few schools for a cluster-robust test, counts suppressed
        assert design["p_cluster"].isna().all() and adjusted["difference"].isna().all()
        assert balance.loc[balance["covariate"].eq("gender") & balance["n_mini_police"].isna(), "flag"].eq("c").all()


def test_a_group_below_min_cell_empties_the_rows(tmp_path, codebook):
    kids = simulate_clustered(4, schools=10, children=120)
    kids.loc[kids.index[kids["mini_police"].eq("no")][3:], "mini_police"] = "yes"  # three other children left
    out = design_table(kids, codebook, min_cell=5)
    assert out["flag"].eq("c").all() and out["difference"].isna().all() and out["p_cluster_holm"].isna().all()


def test_schemas_catch_a_broken_design_table(demo_tables):
    import pandera.errors

    design, balance, adjusted = (pd.read_csv(demo_tables / f"{name}.csv", keep_default_na=False, na_values=[""],
                                             dtype={"flag": str, "equivalence": str})
                                 .fillna({"flag": "", "equivalence": ""})
                                 for name in ("design", "balance", "adjusted"))
    balance = balance.astype({c: "Int64" for c in balance.columns if c.startswith(("n_", "base_"))})
    check_design_outputs(design, balance, adjusted)
    broken = design.copy()
    broken.loc[0, "p_cluster_holm"] = broken.loc[0, "p_cluster"] / 2
    with pytest.raises(pandera.errors.SchemaError, match="Holm"):
        check_design_outputs(broken, balance, adjusted)
    broken = design.copy()
    broken.loc[broken["family"].ne("primary").idxmax(), "sesoi"] = 0.3
    with pytest.raises(pandera.errors.SchemaError, match="smallest effect"):
        check_design_outputs(broken, balance, adjusted)
    with pytest.raises((pandera.errors.SchemaError, pandera.errors.SchemaErrors)):
        check_design_outputs(design[list(reversed(design.columns))], balance, adjusted)
