"""derived.csv: every value recomputed here by hand from results.csv, and a local report's small counts hidden."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from helpers.core.config import RAW_DIR
from helpers.core.derived import SHARE_KEYS, lookup_share
from helpers.core.pipeline import OUTPUT_FILES, run_process
from helpers.core.schemas import DERIVED_SCHEMA


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"flag": str, "category": str})


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("national")
    run_process(RAW_DIR, out)
    return out


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local")
    run_process(RAW_DIR, out, force="Durham", min_cell=5)
    return out


def test_written_and_valid(national):
    assert "derived.csv" in OUTPUT_FILES
    derived = _read(national / "derived.csv")
    DERIVED_SCHEMA.validate(derived.astype({"n": "Int64", "base": "Int64"}).fillna({"flag": ""}))
    assert set(derived["key"]) >= {"top_two", "top_forces", "top_sample", "mde", "mde_pairs", "mde_gap"}


def test_shares_recomputed_from_results(national):
    results = _read(national / "results.csv")
    derived = _read(national / "derived.csv").fillna({"flag": ""})
    shares = derived[derived["key"].isin(SHARE_KEYS)]
    assert len(shares) > 50
    for row in shares.itertuples():
        cells = results[(results["measure"] == row.measure) & (results["group"] == row.group)
                        & results["category"].isin(row.category.split("+"))]
        assert len(cells) == len(row.category.split("+")), row
        n, base = int(cells["n"].sum()), int(cells["base"].iloc[0])
        assert row.n == n and row.base == base
        assert row.value == pytest.approx(100 * n / base)
        # statsmodels' Wilson interval, an implementation independent of helpers.core.stats
        low, high = proportion_confint(n, base, alpha=0.05, method="wilson")
        assert (row.ci_low, row.ci_high) == pytest.approx((100 * low, 100 * high), abs=1e-6)


def test_the_front_page_share(national):
    """Teachers who would recommend the scheme: strongly agree + agree, looked up, never re-added."""
    results = _read(national / "results.csv")
    derived = _read(national / "derived.csv").fillna({"flag": ""})
    cells = results[(results["measure"] == "recommend") & (results["group"] == "teachers")].set_index("category")
    row = lookup_share(derived, "recommend", "teachers", ["strongly_agree", "agree"])
    assert row["n"] == cells.loc["strongly_agree", "n"] + cells.loc["agree", "n"]
    with pytest.raises(KeyError):
        lookup_share(derived, "recommend", "teachers", ["agree", "neither"])  # no such answer set


def test_top_forces_and_sample(national):
    results = _read(national / "results.csv")
    derived = _read(national / "derived.csv").fillna({"flag": ""}).set_index(["key", "measure"])
    groups = {"mini_police", "non_mini_police", "all_children", "practitioners", "teachers", "parents", "national"}
    for measure in ("census_schools", "census_children"):
        rows = results[(results["measure"] == measure) & ~results["group"].isin(groups)]
        top = rows.sort_values("value", ascending=False).head(2)
        total = float(results[(results["measure"] == measure) & (results["group"] == "national")]["value"].iloc[0])
        row = derived.loc[("top_forces", measure)]
        assert row["category"].split("+") == list(top["group"])
        assert row["value"] == pytest.approx(100 * top["value"].sum() / total)
    sample = results[(results["measure"] == "sample_force") & (results["group"] == "all_children")]
    top = sample.sort_values("n", ascending=False).head(2)
    row = derived.loc[("top_sample", "sample_force")]
    assert sorted(row["category"].split("+")) == sorted(top["category"])
    assert row["value"] == pytest.approx(100 * top["n"].sum() / top["base"].iloc[0])
    assert derived.loc[("sample_forces", "sample_force"), "value"] == (sample["n"] > 0).sum()


def test_detectable_effects(national):
    """r from the normal approximation of Mann-Whitney's U, cross-checked against the table."""
    derived = _read(national / "derived.csv").fillna({"flag": ""})
    power = _read(national / "power.csv")
    tests = _read(national / "tests.csv")
    row = derived[(derived["key"] == "mde") & (derived["measure"] == "rank_biserial_r")
                  & (derived["category"] == "unadjusted")].iloc[0]
    stored = power[power["effect_name"].eq("rank_biserial_r")]["effect_size"].iloc[0]
    assert row["value"] == pytest.approx(stored)
    pairs = derived[(derived["key"] == "mde_pairs") & (derived["category"] == "unadjusted")]["value"].iloc[0]
    assert pairs == pytest.approx(100 * (1 + stored) / 2)
    m = int(tests["p_holm"].notna().sum())
    assert derived[derived["key"] == "tests"]["value"].iloc[0] == m
    assert derived[derived["key"] == "holm_alpha"]["value"].iloc[0] == pytest.approx(0.05 / m)
    strict = derived[(derived["key"] == "mde") & (derived["measure"] == "rank_biserial_r")
                     & (derived["category"] == "holm_strictest")]["value"].iloc[0]
    assert strict > row["value"]  # a stricter alpha needs a larger effect


def test_local_report_hides_small_counts(local):
    results = _read(local / "results.csv").fillna({"flag": ""})
    derived = _read(local / "derived.csv").fillna({"flag": ""})
    shown = derived[derived["flag"] != "c"]
    assert not ((shown["n"] > 0) & (shown["n"] < 5)).any()
    hidden = derived[derived["flag"] == "c"]
    assert len(hidden) and hidden["n"].isna().all() and hidden["value"].isna().all()
    # a share that adds up a suppressed cell is suppressed itself
    for row in derived[derived["key"].isin(SHARE_KEYS)].itertuples():
        cells = results[(results["measure"] == row.measure) & (results["group"] == row.group)
                        & results["category"].isin(row.category.split("+"))]
        if cells["flag"].eq("c").any():
            assert row.flag == "c" and np.isnan(row.n), row
    national = _read(local / "national_derived.csv")
    assert set(national["key"]) <= set(SHARE_KEYS) and len(national)
