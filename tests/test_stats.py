"""Tests for helpers.core.stats, cross-checked against SciPy and statsmodels."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import integrate
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import GofChisquarePower, TTestIndPower

from helpers.core.stats import (
    MWU_ARE,
    POWER_COLUMNS,
    TESTS_COLUMNS,
    _cramers_v_ci,
    _d_from_rbc,
    _ncp_interval,
    _rbc_ci,
    comparable_items,
    compare_groups,
    design_power,
    wilson_interval,
)


@pytest.mark.parametrize("n, base", [(0, 10), (7, 10), (10, 10), (190, 248), (1, 3)])
def test_wilson_matches_scipy(n, base):
    low, high = wilson_interval([n], [base])
    # scipy.stats.binomtest(n, base).proportion_ci(confidence_level=0.95, method="wilson")
    ci = sps.binomtest(n, base).proportion_ci(confidence_level=0.95, method="wilson")
    assert low[0] == pytest.approx(100 * ci.low, abs=1e-9)
    assert high[0] == pytest.approx(100 * ci.high, abs=1e-9)


def test_wilson_empty_base_is_nan():
    low, high = wilson_interval([0, 1], [0, 2])
    assert np.isnan(low[0]) and np.isnan(high[0]) and not np.isnan(low[1])


def _children(rng: np.random.Generator, codebook, n_yes=60, n_no=40):
    agree = list(codebook.scales["agree5"].codes)
    yn = ["yes", "no"]
    frame = pd.DataFrame({
        "mini_police": ["yes"] * n_yes + ["no"] * n_no,
        "att_trust": pd.Categorical(
            list(rng.choice(agree, n_yes, p=[.5, .3, .1, .05, .05]))
            + list(rng.choice(agree, n_no, p=[.2, .3, .3, .1, .1])),
            categories=agree, ordered=True),
        "aware_cadets": pd.Categorical(list(rng.choice(yn, n_yes, p=[.7, .3])) + list(rng.choice(yn, n_no, p=[.4, .6])),
                                       categories=yn),
        "interest_officer": pd.Categorical(list(rng.choice(["yes", "maybe", "no"], n_yes + n_no)),
                                           categories=["yes", "maybe", "no"]),
        "rank_arrest": pd.array(list(rng.integers(1, 7, n_yes + n_no)), dtype="Int64"),
    })
    frame.loc[3, "att_trust"] = np.nan  # a missing answer is dropped item by item
    return frame


def test_every_shared_item_has_a_test(codebook):
    items = dict(comparable_items(codebook))
    assert items["att_trust"] == "mwu" and items["safe_home"] == "mwu" and items["rank_arrest"] == "mwu"
    assert items["police_good_job"] == "chi2" and items["interest_cadets"] == "chi2"
    assert "impact_trust" not in items and "enjoyed" not in items  # asked of mini-police only
    assert len(items) == 23  # 8 attitudes, good job, 6 ranks, 5 safety, 3 cadet/officer


def test_compare_groups_matches_scipy(codebook):
    children = _children(np.random.default_rng(1), codebook)
    out = compare_groups(children, codebook).set_index("measure")
    assert out.reset_index().columns.tolist() == TESTS_COLUMNS
    assert set(out.index) == {"att_trust", "aware_cadets", "interest_officer", "rank_arrest"}

    yes, no = children["mini_police"].eq("yes"), children["mini_police"].eq("no")
    x = children.loc[yes, "att_trust"].cat.codes.replace(-1, np.nan).dropna() + 1
    y = children.loc[no, "att_trust"].cat.codes.replace(-1, np.nan).dropna() + 1
    # scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
    ref = sps.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
    row = out.loc["att_trust"]
    assert row["p_value"] == pytest.approx(ref.pvalue, abs=1e-9)
    assert row["statistic"] == pytest.approx(ref.statistic)
    # rank-biserial r = 2U/(n1 n2) - 1, U of the mini-police sample (positive: higher positions)
    assert row["effect_size"] == pytest.approx(2 * ref.statistic / (len(x) * len(y)) - 1, abs=1e-9)
    # and the same three numbers as pingouin.mwu(x, y, alternative="two-sided")
    pg_row = pg.mwu(x.to_numpy(), y.to_numpy(), alternative="two-sided").iloc[0]
    assert (row["statistic"], row["p_value"]) == pytest.approx((pg_row["U_val"], pg_row["p_val"]), abs=1e-12)
    assert row["effect_size"] == pytest.approx(pg_row["RBC"], abs=1e-12)
    # independent check of the rank-biserial r: P(x > y) - P(x < y) over all pairs
    diff = x.to_numpy()[:, None] - y.to_numpy()[None, :]
    assert row["effect_size"] == pytest.approx((diff > 0).mean() - (diff < 0).mean(), abs=1e-12)
    assert (row["n_mini_police"], row["n_non_mini_police"]) == (59, 40)

    table = pd.crosstab(children["mini_police"], children["aware_cadets"])
    # scipy.stats.chi2_contingency(table, correction=True)
    chi2, p, dof, _ = sps.chi2_contingency(table, correction=True)
    row = out.loc["aware_cadets"]
    assert row["statistic"] == pytest.approx(chi2, abs=1e-9)
    assert row["p_value"] == pytest.approx(p, abs=1e-9)
    assert row["dof"] == dof == 1
    n = table.to_numpy().sum()
    # Cramér's V = sqrt(chi2 / (n (k - 1))), from the same (Yates-corrected) statistic
    assert row["effect_size"] == pytest.approx(np.sqrt(chi2 / (n * (min(table.shape) - 1))), abs=1e-9)

    has_p = out["p_value"].notna()
    # statsmodels.stats.multitest.multipletests(p, method="holm")
    expected = multipletests(out.loc[has_p, "p_value"], method="holm")[1]
    np.testing.assert_allclose(out.loc[has_p, "p_holm"], expected, atol=1e-12)


def test_degenerate_items_keep_their_row(codebook):
    children = pd.DataFrame({
        "mini_police": ["yes", "yes", "no"],
        "aware_cadets": pd.Categorical(["yes", "yes", "yes"], categories=["yes", "no"]),
    })
    out = compare_groups(children, codebook)
    row = out.set_index("measure").loc["aware_cadets"]
    assert row["test"] == "chi_square" and np.isnan(row["p_value"]) and row["n_non_mini_police"] == 1
    assert np.isnan(row["effect_ci_low"]) and pd.isna(row["n_required_80"])


def test_not_collected_items_get_no_row(codebook):
    children = _children(np.random.default_rng(2), codebook)
    out = compare_groups(children, codebook, not_collected=("att_trust",))
    assert "att_trust" not in set(out["measure"])


def _fisher_z_ci(r, n1, n2):
    """Hand Fisher z interval, written from the formula of effectsize::rank_biserial (log form)."""
    z = 0.5 * math.log((1 + r) / (1 - r))
    se = math.sqrt((n1 + n2 + 1) / (3 * n1 * n2))
    q = sps.norm.ppf(0.975)  # scipy.stats.norm.ppf(0.975) = 1.959964
    return math.tanh(z - q * se), math.tanh(z + q * se)


def _mwu_power(n_total, d, share):
    """Mann-Whitney power as the t-test power on efficiency-scaled sizes (statsmodels)."""
    # statsmodels.stats.power.TTestIndPower().power(effect_size=d, nobs1=..., ratio=..., alpha=0.05)
    nobs1 = n_total * share * 3 / np.pi
    return TTestIndPower().power(effect_size=d, nobs1=nobs1, ratio=(1 - share) / share, alpha=0.05)


def test_effect_intervals_and_required_n(codebook):
    children = _children(np.random.default_rng(3), codebook, n_yes=90, n_no=60)
    out = compare_groups(children, codebook).set_index("measure")
    assert out.reset_index().columns.tolist()[-4:] == ["effect_ci_low", "effect_ci_high", "n_required_80",
                                                       "min_expected"]

    # Rank-biserial r: Fisher z interval and n for 80% power.
    row = out.loc["att_trust"]
    r, n1, n2 = row["effect_size"], row["n_mini_police"], row["n_non_mini_police"]
    low, high = _fisher_z_ci(r, n1, n2)
    assert (row["effect_ci_low"], row["effect_ci_high"]) == pytest.approx((low, high), abs=1e-12)
    assert row["effect_ci_low"] < r < row["effect_ci_high"]
    d = math.sqrt(2) * sps.norm.ppf((abs(r) + 1) / 2)
    share = n1 / (n1 + n2)
    need = int(row["n_required_80"])
    # the smallest total n whose power reaches 80% (statsmodels' t-test power, sizes times 3/pi)
    assert _mwu_power(need, d, share) >= 0.8 > _mwu_power(need - 1, d, share)
    # statsmodels.stats.power.TTestIndPower().solve_power(effect_size=d, ratio=n2/n1, alpha=0.05, power=0.8)
    nobs1 = TTestIndPower().solve_power(effect_size=d, nobs1=None, ratio=n2 / n1, alpha=0.05, power=0.8)
    assert need == pytest.approx(nobs1 * (1 + n2 / n1) * np.pi / 3, abs=1)

    # Cramér's V: the noncentral chi-square puts the statistic at its 97.5% / 2.5% points at the bounds.
    for item in ("aware_cadets", "interest_officer"):
        row = out.loc[item]
        n, dof, chi2 = row["n_mini_police"] + row["n_non_mini_police"], row["dof"], row["statistic"]
        ncp_high = row["effect_ci_high"] ** 2 * n  # V = sqrt(ncp / (n (k - 1))), k = 2 groups
        # scipy.stats.ncx2.cdf(chi2, dof, ncp)
        assert sps.ncx2.cdf(chi2, dof, ncp_high) == pytest.approx(0.025, abs=1e-9)
        if row["effect_ci_low"] > 0:
            assert sps.ncx2.cdf(chi2, dof, row["effect_ci_low"] ** 2 * n) == pytest.approx(0.975, abs=1e-9)
        else:  # a zero lower bound only when the central distribution already gives <= 97.5%
            assert sps.chi2.cdf(chi2, dof) <= 0.975
        w, need = row["effect_size"], int(row["n_required_80"])
        # statsmodels.stats.power.GofChisquarePower().power(effect_size=w, nobs=n, alpha=0.05, n_bins=dof + 1)
        powers = [GofChisquarePower().power(effect_size=w, nobs=m, alpha=0.05, n_bins=dof + 1)
                  for m in (need, need - 1)]
        assert powers[0] >= 0.8 > powers[1]
    assert out.loc["aware_cadets", "effect_ci_low"] > 0  # the data are built with a real difference


def test_chi_square_2x3_matches_scipy(codebook):
    """pingouin applies Yates' correction only at dof 1, as SciPy does; a 2 x 3 table is uncorrected."""
    children = _children(np.random.default_rng(5), codebook)
    row = compare_groups(children, codebook).set_index("measure").loc["interest_officer"]
    table = pd.crosstab(children["mini_police"], children["interest_officer"].astype("object"))
    # scipy.stats.chi2_contingency(table, correction=True) (no effect at dof 2)
    ref = sps.chi2_contingency(table, correction=True)
    assert row["dof"] == ref.dof == 2
    assert row["statistic"] == pytest.approx(ref.statistic, abs=1e-9)
    assert row["p_value"] == pytest.approx(ref.pvalue, abs=1e-9)
    assert row["effect_size"] == pytest.approx(np.sqrt(ref.statistic / table.to_numpy().sum()), abs=1e-12)


def test_ncp_interval_inverts_the_noncentral_chi_square():
    low, high = _ncp_interval(10.0, 2)
    # scipy.stats.ncx2.cdf(10, 2, ncp): 0.975 at the lower bound, 0.025 at the upper
    assert sps.ncx2.cdf(10.0, 2, low) == pytest.approx(0.975, abs=1e-9)
    assert sps.ncx2.cdf(10.0, 2, high) == pytest.approx(0.025, abs=1e-9)
    assert _ncp_interval(1.0, 2)[0] == 0.0 < _ncp_interval(1.0, 2)[1]  # chi2.cdf(1, 2) = 0.39 < 0.975
    assert _ncp_interval(0.0, 1) == (0.0, 0.0)
    # a huge statistic (a million children) still brackets and converges
    low, high = _ncp_interval(1e5, 1)
    assert sps.ncx2.cdf(1e5, 1, high) == pytest.approx(0.025, abs=1e-6) and low < 1e5 < high
    # V is clipped to [0, 1]
    assert _cramers_v_ci(40.0, 1, 20, 2)[1] == 1.0


def test_perfect_separation_and_zero_effect(codebook):
    agree = list(codebook.scales["agree5"].codes)
    children = pd.DataFrame({
        "mini_police": ["yes"] * 6 + ["no"] * 6,
        "att_trust": pd.Categorical(["strongly_agree"] * 6 + ["disagree"] * 6, categories=agree, ordered=True),
        "att_listen": pd.Categorical(["agree", "neither"] * 6, categories=agree, ordered=True),
    })
    out = compare_groups(children, codebook).set_index("measure")
    sep = out.loc["att_trust"]
    assert sep["effect_size"] == -1 and (sep["effect_ci_low"], sep["effect_ci_high"]) == (-1, -1)
    assert pd.isna(sep["n_required_80"])  # d is infinite: no finite sample size to report
    zero = out.loc["att_listen"]
    assert zero["effect_size"] == 0 and pd.isna(zero["n_required_80"])
    assert zero["effect_ci_low"] == pytest.approx(-zero["effect_ci_high"])
    assert _rbc_ci(0.0, 6, 6) == pytest.approx(_fisher_z_ci(0.0, 6, 6), abs=1e-12)


def test_d_from_rank_biserial_is_the_normal_shift():
    """For X ~ N(d, 1), Y ~ N(0, 1): P(X > Y) - P(X < Y) = r, by numerical integration."""
    for d in (0.2, 0.5, 1.3):
        # P(X > Y) = integral of phi(y) * (1 - Phi(y - d)) dy  (scipy.integrate.quad)
        p_greater, _ = integrate.quad(lambda y, d=d: sps.norm.pdf(y) * sps.norm.sf(y - d), -np.inf, np.inf)
        r = 2 * p_greater - 1
        assert float(_d_from_rbc(r)) == pytest.approx(d, rel=1e-9)


def test_design_power_matches_statsmodels():
    out = design_power(248, 102)
    assert out.columns.tolist() == POWER_COLUMNS and len(out) == 6
    get = lambda test, name, dof=None: out[(out.test == test) & (out.effect_name == name)  # noqa: E731
                                           & ((out.dof == dof) if dof else out.dof.isna())].iloc[0]
    d = get("mann_whitney_u", "cohens_d").effect_size
    # statsmodels.stats.power.TTestIndPower().solve_power(nobs1=248 * 3 / pi, ratio=102 / 248, power=0.8)
    ref = TTestIndPower().solve_power(effect_size=None, nobs1=248 * MWU_ARE, ratio=102 / 248, alpha=0.05, power=0.8)
    assert d == pytest.approx(ref, rel=1e-4)  # statsmodels' solver stops early (its power is 0.8 + 4.5e-6)
    # statsmodels.stats.power.TTestIndPower().power(effect_size=d, nobs1=248 * 3 / pi, ratio=102 / 248)
    assert TTestIndPower().power(effect_size=d, nobs1=248 * MWU_ARE, ratio=102 / 248, alpha=0.05) == pytest.approx(
        0.8, abs=1e-9)
    # r is the same normal shift: P(X > Y) - P(X < Y) by integration
    p_greater, _ = integrate.quad(lambda y: sps.norm.pdf(y) * sps.norm.sf(y - d), -np.inf, np.inf)
    assert get("mann_whitney_u", "rank_biserial_r").effect_size == pytest.approx(2 * p_greater - 1, rel=1e-9)
    for dof in (1, 2):
        w = get("chi_square", "cohens_w", dof).effect_size
        # statsmodels.stats.power.GofChisquarePower().solve_power(nobs=350, n_bins=dof + 1, power=0.8)
        ref = GofChisquarePower().solve_power(effect_size=None, nobs=350, alpha=0.05, power=0.8, n_bins=dof + 1)
        assert w == pytest.approx(ref, rel=1e-4)
        # statsmodels.stats.power.GofChisquarePower().power(effect_size=w, nobs=350, n_bins=dof + 1)
        assert GofChisquarePower().power(effect_size=w, nobs=350, alpha=0.05, n_bins=dof + 1) == pytest.approx(
            0.8, abs=1e-9)
        assert get("chi_square", "cramers_v", dof).effect_size == pytest.approx(w)
    assert 0.1 < get("chi_square", "cohens_w", 1).effect_size < get("chi_square", "cohens_w", 2).effect_size


def test_design_power_small_groups():
    out = design_power(6, 3)
    v2 = out[(out.effect_name == "cramers_v") & (out.dof == 2)].effect_size.iloc[0]
    w2 = out[(out.effect_name == "cohens_w") & (out.dof == 2)].effect_size.iloc[0]
    assert w2 > 1 and np.isnan(v2)  # no association between two groups is that strong
    assert design_power(1, 40)["effect_size"].isna().all()


def test_a_million_children_without_pairwise_matrices(codebook):
    """n1 x n2 would be 2.1e11 cells; compare_groups must stay linear in n."""
    rng = np.random.default_rng(3)
    n = 1_000_000
    agree = list(codebook.scales["agree5"].codes)
    children = pd.DataFrame({
        "mini_police": rng.choice(["yes", "no"], n, p=[0.7, 0.3]),
        "att_trust": pd.Categorical(rng.choice(agree, n), categories=agree, ordered=True),
        "aware_cadets": pd.Categorical(rng.choice(["yes", "no"], n), categories=["yes", "no"]),
    })
    out = compare_groups(children, codebook).set_index("measure")
    assert out["p_value"].notna().all() and out["effect_ci_low"].notna().all()
    x = children.loc[children.mini_police.eq("yes"), "att_trust"].cat.codes + 1
    y = children.loc[children.mini_police.eq("no"), "att_trust"].cat.codes + 1
    # scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")
    assert out.loc["att_trust", "p_value"] == pytest.approx(sps.mannwhitneyu(x, y, method="asymptotic").pvalue,
                                                            abs=1e-9)


def test_schemas_check_the_new_outputs(codebook):
    """tests.csv must carry the appended columns when the pipeline writes it; power.csv is bounded."""
    from pandera.errors import SchemaError

    from helpers.core.schemas import POWER_SCHEMA, TESTS_SCHEMA, check_outputs
    from helpers.report.tables import load_results

    tests = compare_groups(_children(np.random.default_rng(1), codebook), codebook)
    TESTS_SCHEMA.validate(tests)
    TESTS_SCHEMA.validate(tests[TESTS_COLUMNS[:10]])  # a tests.csv from before the extension still reads
    results = load_results(Path(__file__).parent / "fixtures" / "messy_expected")
    with pytest.raises(SchemaError, match="effect_ci_low"):  # ...but the pipeline refuses to write one
        check_outputs(results, tests[TESTS_COLUMNS[:10]], pd.DataFrame())
    broken = tests.copy()
    row = broken.index[broken["effect_name"].eq("rank_biserial_r") & broken["effect_size"].notna()][0]
    broken.loc[row, "effect_ci_high"] = broken.loc[row, "effect_size"] - 0.01
    with pytest.raises(SchemaError, match="interval"):
        TESTS_SCHEMA.validate(broken)
    power = design_power(248, 102)
    POWER_SCHEMA.validate(power)
    with pytest.raises(SchemaError, match="above 1"):
        POWER_SCHEMA.validate(power.assign(effect_size=1.2))


def test_small_expected_counts_get_an_exact_or_permutation_p_value(codebook):
    """The warning pingouin gives for expected counts below 5 is acted on, and tests.csv says how."""
    children = _children(np.random.default_rng(8), codebook, n_yes=60, n_no=12)
    rare = ["yes"] * 3 + ["no"] * 69  # 3 "yes" answers: expected counts below 5 in the 2 x 2 table
    children["aware_cadets"] = pd.Categorical(rare, categories=["yes", "no"])
    three = ["maybe"] * 4 + ["yes"] * 40 + ["no"] * 28
    children["interest_officer"] = pd.Categorical(three, categories=["yes", "maybe", "no"])
    out = compare_groups(children, codebook).set_index("measure")
    table = pd.crosstab(children["mini_police"], children["aware_cadets"].astype("object"))
    row = out.loc["aware_cadets"]
    assert row["test"] == "fisher_exact" and row["min_expected"] < 5
    # scipy.stats.fisher_exact(table).pvalue
    assert row["p_value"] == pytest.approx(sps.fisher_exact(table.to_numpy()).pvalue, abs=1e-12)
    # the statistic and V stay the chi-square's: scipy.stats.chi2_contingency(table, correction=True)
    assert row["statistic"] == pytest.approx(sps.chi2_contingency(table, correction=True).statistic)
    big = out.loc["interest_officer"]
    assert big["test"] == "chi_square_permutation" and big["min_expected"] < 5
    table3 = pd.crosstab(children["mini_police"], children["interest_officer"].astype("object")).to_numpy()
    # scipy.stats.chi2_contingency(table3, correction=False, method=PermutationMethod(9999, rng=default_rng(2019)))
    ref = sps.chi2_contingency(table3, correction=False, method=sps.PermutationMethod(
        n_resamples=9999, rng=np.random.default_rng(2019))).pvalue
    assert big["p_value"] == ref
    assert abs(big["p_value"] - sps.chi2_contingency(table3).pvalue) < 0.1  # close to, not equal to, the asymptotic p
    assert out.loc["att_trust", "test"] == "mann_whitney_u" and np.isnan(out.loc["att_trust", "min_expected"])
    plenty = compare_groups(_children(np.random.default_rng(5), codebook), codebook).set_index("measure")
    assert plenty.loc["interest_officer", "test"] == "chi_square"
    assert plenty.loc["interest_officer", "min_expected"] >= 5
