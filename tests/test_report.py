"""Tests for helpers.report: reading processed tables and formatting numbers."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from helpers import report

EXPECTED = Path(__file__).parent / "fixtures" / "messy_expected"


def test_codes_stay_text_and_lookup():
    results = report.load_results(EXPECTED)
    row = report.lookup(results, "att_good_job", "mini_police", "strongly_agree")
    assert (row["n"], row["base"]) == (3, 6)
    with pytest.raises(KeyError, match="0 rows"):
        report.lookup(results, "att_good_job", "all_children", "maybe")


def test_item_block_labels_and_order(codebook):
    results = report.load_results(EXPECTED)
    block = report.item_block(results, ["att_good_job", "att_trust"], ["all_children"], instrument="children_survey")
    assert block["answer"].tolist()[:2] == ["Strongly agree", "Agree"]
    assert block["item"].iloc[0] == "I think the police do a good job"
    assert set(block["group_label"]) == {"All children"}


@pytest.mark.parametrize("value, flag, text", [(70.96, "", "71%"), (math.nan, "", "n/a"), (12.0, "c", "[c]")])
def test_format_percent(value, flag, text):
    assert report.format_percent(value, flag) == text


def test_format_count_and_mean():
    assert report.format_count(5517) == "5,517"
    assert report.format_count(3, "c") == "[c]"
    assert report.format_mean(1.8449) == "1.84"
