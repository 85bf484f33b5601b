"""Pooling across forces (helpers.core.pooling): per-force differences and DerSimonian-Laird random effects.

Every pooled number is checked against statsmodels' ``combine_effects`` and a
computation by hand from the textbook formulas, to 1e-9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from helpers.core.pooling import POOLED_COLUMNS, force_differences, pool_forces
from helpers.core.schemas import check_pooled_outputs


def _by_hand(y: np.ndarray, v: np.ndarray) -> dict[str, float]:
    """DerSimonian and Laird (1986), I^2 (Higgins and Thompson 2002), prediction interval (Higgins et al. 2009)."""
    k = len(y)
    w = 1 / v
    fixed = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - fixed) ** 2)
    tau2 = max(0.0, (q - (k - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    ws = 1 / (v + tau2)
    estimate = np.sum(ws * y) / np.sum(ws)
    se = np.sqrt(1 / np.sum(ws))
    z = stats.norm.ppf(0.975)
    out = {"estimate": estimate, "se": se, "ci_low": estimate - z * se, "ci_high": estimate + z * se, "tau2": tau2,
           "i2": max(0.0, (q - (k - 1)) / q), "q": q}
    if k >= 3:
        half = stats.t.ppf(0.975, k - 2) * np.sqrt(tau2 + se**2)
        out.update(pi_low=estimate - half, pi_high=estimate + half)
    return out


def _forces(y, se, measure="att_trust") -> pd.DataFrame:
    n = len(y)
    return pd.DataFrame({"measure": measure, "force": [f"F{i}" for i in range(n)], "method": "cluster_ols",
                         "n_mini_police": pd.array([50] * n, dtype="Int64"),
                         "n_non_mini_police": pd.array([50] * n, dtype="Int64"), "schools": 6,
                         "estimate": y, "se": se, "ci_low": np.asarray(y) - 1.96 * np.asarray(se),
                         "ci_high": np.asarray(y) + 1.96 * np.asarray(se), "weight": np.nan, "included": True,
                         "reason": ""})


@pytest.mark.parametrize("y,se", [
    ([-0.42, -0.05, -0.31, 0.12, -0.60], [0.10, 0.08, 0.15, 0.12, 0.20]),  # heterogeneous: tau^2 > 0
    ([-0.20, -0.22, -0.18], [0.10, 0.12, 0.09]),                            # homogeneous: tau^2 truncated at 0
    ([0.3, -0.1], [0.05, 0.07]),                                            # two forces: no prediction interval
])
def test_pooled_matches_statsmodels_and_hand(y, se):
    y, se = np.array(y), np.array(se)
    pooled, forces = pool_forces(_forces(y, se))
    row = pooled.iloc[0]
    want = _by_hand(y, se**2)
    for key, value in want.items():
        assert row[key] == pytest.approx(value, abs=1e-9), key
    if len(y) < 3:
        assert np.isnan(row["pi_low"]) and np.isnan(row["pi_high"])
    # statsmodels directly (its "dl" tau^2 is not truncated at zero: compare where it is positive)
    res = combine_effects(y, se**2, method_re="dl")
    if res.tau2 > 0:
        sm_row = res.summary_frame().loc["random effect"]
        assert row["estimate"] == pytest.approx(sm_row["eff"], abs=1e-9)
        assert row["ci_low"] == pytest.approx(sm_row["ci_low"], abs=1e-9)
        assert row["tau2"] == pytest.approx(res.tau2, abs=1e-12)
        assert row["i2"] == pytest.approx(res.i2, abs=1e-12)
    else:
        assert row["tau2"] == 0 and row["i2"] == 0
    assert forces["weight"].sum() == pytest.approx(1.0)
    weights = 1 / (se**2 + want["tau2"])
    np.testing.assert_allclose(forces["weight"], weights / weights.sum(), atol=1e-12)
    assert row["k"] == len(y) and row["forces_left_out"] == 0
    check_pooled_outputs(pooled, forces)


def test_left_out_forces_are_counted_and_not_pooled():
    frame = _forces([-0.4, -0.1, 0.2, 0.0], [0.1, 0.1, 0.1, 0.1])
    frame.loc[3, ["included", "reason", "estimate", "se", "ci_low", "ci_high"]] = [False, "a group below 5 answers",
                                                                                  np.nan, np.nan, np.nan, np.nan]
    pooled, forces = pool_forces(frame)
    assert pooled.iloc[0]["k"] == 3 and pooled.iloc[0]["forces_left_out"] == 1
    assert pooled.iloc[0]["estimate"] == pytest.approx(_by_hand(np.array([-0.4, -0.1, 0.2]), np.full(3, 0.01))
                                                       ["estimate"], abs=1e-9)
    assert np.isnan(forces.loc[3, "weight"])
    one, _ = pool_forces(frame.iloc[[0, 3]])
    assert one.iloc[0]["k"] == 1 and np.isnan(one.iloc[0]["estimate"])
    check_pooled_outputs(one, _)


def _children(seed: int = 7) -> pd.DataFrame:
    """Two forces: A with eight schools (clustered OLS), B with three (difference of means), C too small."""
    rng = np.random.default_rng(seed)
    rows = []
    for force, schools, per_school in (("Durham", 8, 20), ("Gwent", 3, 12), ("Kent", 2, 3)):
        for s in range(schools):
            school_effect = rng.normal(0, 0.4)
            for i in range(per_school):
                mp = "yes" if i < per_school // 2 else "no"
                if force == "Kent" and mp == "yes" and i > 0:
                    mp = "no"  # Kent: one mini-police child per school, below min_cell
                score = int(np.clip(np.round(2.2 + school_effect - 0.4 * (mp == "yes") + rng.normal(0, 1)), 1, 5))
                code = ["strongly_agree", "agree", "neither", "disagree", "strongly_disagree"][score - 1]
                rows.append({"force": force, "school_id": f"{force}/S{s}", "mini_police": mp, "att_trust": code})
    return pd.DataFrame(rows)


def test_force_differences_match_statsmodels_and_welch(codebook):
    children = _children()
    out = force_differences(children, ["att_trust"], codebook, min_cell=5).set_index("force")
    score = children["att_trust"].map({"strongly_agree": 1, "agree": 2, "neither": 3, "disagree": 4,
                                       "strongly_disagree": 5}).astype(float)
    data = children.assign(score=score, mp=children["mini_police"].eq("yes").astype(float))
    durham = data[data["force"].eq("Durham")]
    # smf.ols("score ~ mp", durham).fit(cov_type="cluster", cov_kwds={"groups": durham["school_id"]})
    fit = smf.ols("score ~ mp", durham).fit(cov_type="cluster",
                                            cov_kwds={"groups": pd.factorize(durham["school_id"])[0]})
    assert out.loc["Durham", "method"] == "cluster_ols"
    assert out.loc["Durham", "estimate"] == pytest.approx(fit.params["mp"], abs=1e-9)
    assert out.loc["Durham", "se"] == pytest.approx(fit.bse["mp"], abs=1e-9)
    gwent = data[data["force"].eq("Gwent")]
    a, b = gwent.loc[gwent["mp"].eq(1), "score"], gwent.loc[gwent["mp"].eq(0), "score"]
    assert out.loc["Gwent", "method"] == "difference_of_means"
    assert out.loc["Gwent", "estimate"] == pytest.approx(a.mean() - b.mean(), abs=1e-9)
    assert out.loc["Gwent", "se"] == pytest.approx(np.sqrt(a.var() / len(a) + b.var() / len(b)), abs=1e-9)
    # the Welch t-test's standard error is the same: scipy.stats.ttest_ind(a, b, equal_var=False)
    t = stats.ttest_ind(a, b, equal_var=False).statistic
    assert out.loc["Gwent", "estimate"] / out.loc["Gwent", "se"] == pytest.approx(t, abs=1e-9)
    assert not out.loc["Kent", "included"] and out.loc["Kent", "reason"] == "a group below 5 answers"
    assert pd.isna(out.loc["Kent", "n_mini_police"])  # a size below min_cell is not printed
    pooled, forces = pool_forces(out.reset_index()[forces_columns()])
    assert pooled.iloc[0]["k"] == 2 and pooled.iloc[0]["forces_left_out"] == 1
    check_pooled_outputs(pooled, forces)
    assert list(pooled.columns) == POOLED_COLUMNS


def forces_columns():
    from helpers.core.pooling import POOLED_FORCES_COLUMNS

    return POOLED_FORCES_COLUMNS


def test_pooled_tables_of_a_national_intake_recompute(tmp_path):
    """process on three force folders: pooled.csv recomputes from pooled_forces.csv, by hand."""
    from test_intake import split_by_force

    from helpers.cli import main

    data = split_by_force(tmp_path / "national")
    out = tmp_path / "out"
    assert main(["-q", "process", "--data-dir", str(data), "--out", str(out)]) == 0
    pooled = pd.read_csv(out / "pooled.csv")
    forces = pd.read_csv(out / "pooled_forces.csv", keep_default_na=False, na_values=[""])
    primary = ["att_trust", "att_work_well", "safe_outside"]
    assert set(pooled["measure"]) <= set(primary) and len(pooled)
    for _, row in pooled.iterrows():
        used = forces[forces["measure"].eq(row["measure"]) & forces["included"]]
        assert row["k"] == len(used) == 3
        want = _by_hand(used["estimate"].to_numpy(), used["se"].to_numpy() ** 2)
        for key, value in want.items():
            assert row[key] == pytest.approx(value, abs=1e-9), key
