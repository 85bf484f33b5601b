"""Tests for helpers.core.evidence: the Maryland level follows the design found in the data."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core.evidence import EVIDENCE_COLUMNS, allows_causal_wording, rate_design
from helpers.core.schemas import EVIDENCE_SCHEMA


def _children(groups=("yes", "no"), waves=None, per_cell=4):
    rows = []
    for g in groups:
        for w in (waves or [None]):
            for i in range(per_cell):
                rows.append({"mini_police": g, "school_id": f"s{i % 3}", **({"wave": w} if w else {})})
    return pd.DataFrame(rows)


def test_cross_sectional_two_groups_is_level_1():
    out = rate_design(_children())
    EVIDENCE_SCHEMA.validate(out)
    row = out.iloc[0]
    assert list(out.columns) == EVIDENCE_COLUMNS and len(out) == 1
    assert row["level"] == 1 and row["label"] == "Maryland Scientific Methods Scale level 1"
    assert row["groups"] == 2 and row["waves"] == 1 and not row["both_waves"]
    assert row["n_treated"] == 4 and row["n_comparison"] == 4 and row["clusters"] == 3
    assert "no baseline" in row["reason"]
    assert not allows_causal_wording(row["level"])


def test_both_groups_in_both_waves_is_level_3():
    out = rate_design(_children(waves=["baseline", "follow_up"]))
    EVIDENCE_SCHEMA.validate(out)
    assert out["level"].iloc[0] == 3 and bool(out["both_waves"].iloc[0]) and out["waves"].iloc[0] == 2
    assert allows_causal_wording(out["level"].iloc[0])


def test_a_wave_column_with_one_group_missing_at_baseline_stays_level_1():
    kids = _children(waves=["baseline", "follow_up"])
    kids = kids[~(kids["mini_police"].eq("no") & kids["wave"].eq("baseline"))]
    out = rate_design(kids)
    assert out["level"].iloc[0] == 1 and not out["both_waves"].iloc[0]
    assert "not each in both waves" in out["reason"].iloc[0]


def test_one_group_only_is_not_rated_with_a_reason():
    out = rate_design(_children(groups=("yes",)))
    EVIDENCE_SCHEMA.validate(out)
    assert out["level"].iloc[0] == 0
    assert out["label"].iloc[0].startswith("not rated")
    assert "no comparison" in out["reason"].iloc[0]


def test_one_group_before_and_after_is_level_1():
    out = rate_design(_children(groups=("yes",), waves=["baseline", "follow_up"]))
    assert out["level"].iloc[0] == 1 and "before and after" in out["design"].iloc[0]


def test_adjusted_headline_comparisons_reach_level_2_and_too_small_a_group_does_not_count():
    out = rate_design(_children(), adjusted_for=("gender", "age"), clustered=True)
    assert out["level"].iloc[0] == 2 and out["adjusted"].iloc[0] == "gender;age" and out["clustered"].iloc[0]
    tiny = rate_design(_children(per_cell=1), min_group=2)  # one child per group: no group counts
    assert tiny["level"].iloc[0] == 0 and tiny["groups"].iloc[0] == 0


def test_input_not_changed_and_no_causal_wording_in_the_sentences_below_level_3():
    from helpers.text.wording import find_causal
    kids = _children()
    before = kids.copy()
    for frame in (kids, _children(groups=("yes",)), _children(groups=("yes",), waves=["baseline", "follow_up"])):
        row = rate_design(frame).iloc[0]
        text = " ".join([row["design"], row["allows"], row["does_not_allow"]])
        assert find_causal(text).empty, text
    pd.testing.assert_frame_equal(kids, before)


@pytest.mark.parametrize("level", [4, 5])
def test_schema_rejects_a_level_the_data_cannot_show(level):
    import pandera.errors
    out = rate_design(_children()).assign(level=3)
    with pytest.raises(pandera.errors.SchemaError):
        EVIDENCE_SCHEMA.validate(out)  # level 3 without both waves
    assert allows_causal_wording(level)
