"""Tests for helpers.core.disclosure (docs/contract.md section 5)."""

from __future__ import annotations

import pandas as pd

from helpers.core.disclosure import recoverable, suppress
from helpers.core.processing import RESULTS_COLUMNS


def _block(measure, group, counts):
    base = sum(counts)
    return [{"measure": measure, "group": group, "category": f"k{i}", "n": n, "base": base,
             "value": 100 * n / base if base else float("nan"), "unit": "percent",
             "ci_low": 1.0, "ci_high": 2.0, "flag": ""} for i, n in enumerate(counts)]


def _results(*blocks):
    rows = [r for b in blocks for r in b]
    frame = pd.DataFrame(rows).reindex(columns=RESULTS_COLUMNS)
    frame["n"] = frame["n"].astype("Int64")
    frame["base"] = frame["base"].astype("Int64")
    return frame


def test_small_group_is_suppressed_whole_in_any_build():
    res = suppress(_results(_block("att_trust", "non_mini_police", [2, 1, 0])), min_cell=5, local=False)
    assert (res["flag"] == "c").all() and res["n"].isna().all() and res["value"].isna().all()
    assert res["base"].tolist() == [3, 3, 3]  # the base is published


def test_national_big_group_is_not_suppressed():
    res = suppress(_results(_block("att_trust", "mini_police", [20, 3, 0])), min_cell=5, local=False)
    assert (res["flag"] == "").all()


def test_local_small_cells_with_secondary_suppression():
    res = suppress(_results(_block("att_trust", "mini_police", [20, 3, 0, 9])), min_cell=5, local=True)
    assert res["flag"].tolist() == ["", "c", "", "c"]  # 3 is primary; 9 hides it from 32 - 20 - 0
    shown = res.loc[res["flag"] == "", "n"].sum()
    hidden = res.loc[res["flag"] == "c"]
    assert len(hidden) >= 2 and shown + 0 != res["base"].iloc[0] - 3


def test_single_suppressed_cell_next_to_zeros():
    res = suppress(_results(_block("att_trust", "mini_police", [10, 2, 0])), min_cell=5, local=True)
    assert res["flag"].tolist() == ["c", "c", ""]


def test_census_and_sample_size_are_exempt():
    census = [{"measure": "census_schools", "group": "Kent", "category": "count", "n": 1, "base": 1,
               "value": 1, "unit": "count", "ci_low": None, "ci_high": None, "flag": ""},
              {"measure": "sample_size", "group": "non_mini_police", "category": "count", "n": 2, "base": 2,
               "value": 2, "unit": "count", "ci_low": None, "ci_high": None, "flag": ""}]
    res = suppress(_results(census), min_cell=5, local=False)
    assert (res["flag"] == "").all()
    # A local report hides who answered: the group size is a cell there; the census stays exempt.
    res = suppress(_results(census), min_cell=5, local=True)
    assert res["flag"].tolist() == ["", "c"] and res["base"].isna().tolist() == [False, True]


def test_local_small_group_hides_its_bases_and_the_whole_groups():
    rows = (_block("att_trust", "mini_police", [2, 1, 0]) + _block("att_trust", "non_mini_police", [20, 9, 6])
            + _block("att_trust", "all_children", [22, 10, 6]))
    sizes = [{"measure": "sample_size", "group": g, "category": "count", "n": v, "base": v, "value": v,
              "unit": "count", "ci_low": None, "ci_high": None, "flag": ""}
             for g, v in (("mini_police", 3), ("non_mini_police", 40), ("all_children", 43))]
    res = suppress(_results(rows + sizes), min_cell=5, local=True)
    hidden = res[res["base"].isna()]
    # The three mini-police children: their answers, their base and their count are hidden ...
    assert set(hidden["group"]) == {"mini_police", "all_children"}
    assert set(hidden["measure"]) == {"att_trust", "sample_size"}
    # ... and so is the whole group's, which would give them away by subtraction; the others stay.
    assert res.loc[res["group"].eq("non_mini_police"), "base"].notna().all()
    assert (res.loc[res["base"].isna(), "flag"] == "c").all()
    assert recoverable(res) == []
    # The same table in a national report keeps every base (small groups' cells are still hidden).
    national = suppress(_results(rows + sizes), min_cell=5, local=False)
    assert national["base"].notna().all()


def test_min_cell_off_and_input_unchanged():
    original = _results(_block("att_trust", "mini_police", [1, 1]))
    copy = original.copy()
    assert (suppress(original, min_cell=0, local=True)["flag"] == "").all()
    suppress(original, min_cell=5, local=True)
    pd.testing.assert_frame_equal(original, copy)
