"""Tests for helpers.core.processing: the long results table (docs/contract.md section 4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.core.processing import RESULTS_COLUMNS, summarise


def _cat(values, codebook, scale):
    s = codebook.scales[scale]
    return pd.Categorical(values, categories=s.codes, ordered=s.level == "ordinal")


@pytest.fixture
def children(codebook):
    return pd.DataFrame({
        "respondent_id": ["a", "b", "c", "d", "e"],
        "force": pd.array(["Durham", "Durham", "Cumbria", "Cumbria", "Cumbria"], dtype="string"),
        "school_id": pd.array(["s1", "s1", "s2", "s3", "s3"], dtype="string"),
        "mini_police": _cat(["yes", "yes", "yes", "no", "no"], codebook, "yesno"),
        "gender": _cat(["girl", "boy", "girl", None, "girl"], codebook, "gender"),
        "year_group": pd.array([6, 6, 5, None, 6], dtype="Int64"),
        "att_trust": _cat(["strongly_agree", "agree", None, "agree", "disagree"], codebook, "agree5"),
        "safe_home": _cat(["strongly_agree", "agree", "agree", "neither", None], codebook, "agree5"),
        "impact_trust": _cat(["agree", "agree", "strongly_agree", None, None], codebook, "agree5"),
        "rank_arrest": pd.array([1, 2, 3, 6, None], dtype="Int64"),
    })


def _get(results, measure, group, category):
    row = results[(results.measure == measure) & (results.group == group) & (results.category == category)]
    assert len(row) == 1, (measure, group, category)
    return row.iloc[0]


def test_columns_and_every_code_including_zero(children, codebook):
    res = summarise({"children_survey": children}, codebook)
    assert res.columns.tolist() == RESULTS_COLUMNS
    block = res[(res.measure == "att_trust") & (res.group == "all_children")]
    assert block["category"].tolist() == list(codebook.scales["agree5"].codes)
    assert block["n"].tolist() == [1, 2, 0, 1, 0]
    assert (block["base"] == 4).all()  # missing answers are not in the base
    assert block["value"].tolist() == [25.0, 50.0, 0.0, 25.0, 0.0]


def test_groups_and_wilson(children, codebook):
    res = summarise({"children_survey": children}, codebook)
    row = _get(res, "att_trust", "mini_police", "strongly_agree")
    assert (row["n"], row["base"]) == (1, 2) and row["value"] == 50.0
    # Wilson 95% for 1/2: (9.45%, 90.55%)
    assert row["ci_low"] == pytest.approx(9.4531, abs=1e-3) and row["ci_high"] == pytest.approx(90.5469, abs=1e-3)
    assert _get(res, "att_trust", "non_mini_police", "agree")["n"] == 1


def test_mini_police_only_items_only_for_that_group(children, codebook):
    res = summarise({"children_survey": children}, codebook)
    assert set(res.loc[res.measure == "impact_trust", "group"]) == {"mini_police"}
    assert _get(res, "impact_trust", "mini_police", "agree")["value"] == pytest.approx(200 / 3)


def test_means_for_safety_and_ranks(children, codebook):
    res = summarise({"children_survey": children}, codebook)
    mean = _get(res, "safe_home", "all_children", "mean")
    assert mean["value"] == pytest.approx((1 + 2 + 2 + 3) / 4) and mean["base"] == 4 and pd.isna(mean["n"])
    assert _get(res, "rank_arrest", "non_mini_police", "mean")["value"] == 6
    assert _get(res, "rank_arrest", "all_children", "mean")["value"] == pytest.approx(3.0)
    assert not ((res.measure == "att_trust") & (res.category == "mean")).any()


def test_sample_composition(children, codebook):
    res = summarise({"children_survey": children}, codebook)
    assert _get(res, "sample_size", "all_children", "count")["value"] == 5
    assert _get(res, "sample_schools", "all_children", "count")["value"] == 3
    assert _get(res, "sample_schools_by_force", "all_children", "Cumbria")["value"] == 2
    assert _get(res, "sample_force", "all_children", "Durham")["value"] == 40.0
    assert _get(res, "sample_gender", "all_children", "girl")["n"] == 3
    assert _get(res, "sample_year_group", "all_children", "3")["n"] == 0  # whole range, zeros included
    assert _get(res, "sample_year_group", "all_children", "6")["base"] == 4
    assert "respondent_id" not in set(res.measure) and "school_id" not in set(res.measure)


def test_not_collected_measures_have_no_rows(children, codebook):
    res = summarise({"children_survey": children}, codebook, {"children_survey": ("att_trust",)})
    assert "att_trust" not in set(res.measure)


def test_census_totals_and_per_force(codebook):
    census = pd.DataFrame({
        "force": pd.array(["Durham", "Kent", "North Wales"], dtype="string"),
        "status": _cat(["active", "active", "planned"], codebook, "status"),
        "schools": pd.array([100, 20, 0], dtype="Int64"),
        "children": pd.array([1500, 340, 0], dtype="Int64"),
        "planned_units": pd.array([10, None, 6], dtype="Int64"),
        "cycles_per_year": pd.array([1, 3, None], dtype="Int64"),
        "social_action": _cat(["yes", "no", None], codebook, "yesnounknown"),
    })
    res = summarise({"scheme_census": census}, codebook)
    assert _get(res, "census_forces", "national", "count")["value"] == 3
    assert _get(res, "census_schools", "national", "count")["value"] == 120
    assert _get(res, "census_children", "national", "count")["value"] == 1840
    planned = _get(res, "census_planned_units", "national", "count")
    assert planned["value"] == 16 and planned["base"] == 2
    assert _get(res, "census_children_per_school", "national", "mean")["value"] == pytest.approx(1840 / 120)
    assert _get(res, "census_cycles_per_year", "national", "3")["n"] == 1
    assert _get(res, "census_schools", "Kent", "count")["value"] == 20
    assert _get(res, "status", "national", "planned")["n"] == 1
    assert _get(res, "social_action", "national", "unknown")["n"] == 0
    assert not ((res.measure == "census_planned_units") & (res.group == "Kent")).any()
    # growth as the 2019 report's chapter 3 estimated it: planned units over current schools, among the
    # forces giving both (Kent gave no planned units), and the planned units in forces still planning
    growth = _get(res, "census_growth", "national", "planned_units")
    assert (growth["n"], growth["base"], growth["unit"]) == (16, 100, "percent")
    assert growth["value"] == pytest.approx(16.0)
    new_forces = _get(res, "census_planned_units_new_forces", "national", "count")
    assert (new_forces["value"], new_forces["base"]) == (6, 16)


def test_empty_group_gives_empty_values(codebook):
    frame = pd.DataFrame({
        "mini_police": _cat(["yes"], codebook, "yesno"),
        "att_trust": _cat([None], codebook, "agree5"),
    })
    res = summarise({"children_survey": frame}, codebook)
    row = _get(res, "att_trust", "non_mini_police", "agree")
    assert row["base"] == 0 and np.isnan(row["value"]) and np.isnan(row["ci_low"])
