"""Tests for helpers.stats, cross-checked against SciPy and statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from helpers.stats import TESTS_COLUMNS, comparable_items, compare_groups, wilson_interval


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


def test_not_collected_items_get_no_row(codebook):
    children = _children(np.random.default_rng(2), codebook)
    out = compare_groups(children, codebook, not_collected=("att_trust",))
    assert "att_trust" not in set(out["measure"])
