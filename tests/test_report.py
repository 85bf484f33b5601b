"""Tests for helpers.report.tables: reading processed tables and formatting numbers."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from helpers.report import tables as report

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


def test_format_number_never_prints_a_negative_zero():
    import numpy as np

    from helpers.report.tables import format_number
    values = np.concatenate([np.linspace(-0.006, 0.006, 241), [-0.0049999, -0.005, -1e-12, -0.0]])
    for v in values:
        for signed in (False, True):
            text = format_number(v, signed=signed)
            assert float(text) == round(float(text), 2)
            if float(text) == 0:
                assert text == "0.00", (v, text)  # no "-0.00", no "+0.00"
    assert format_number(-0.005) == "-0.01"  # halves round away from zero, as format_percent does
    assert format_number(-0.4, digits=0, signed=True) == "0" and format_number(2.6, digits=0, signed=True) == "+3"
    assert format_number(float("nan")) == "n/a" and format_number(0.3, flag="c") == "[c]"
    assert format_number(-0.31, minus="\u2212") == "\u22120.31"


def test_collection_notes_write_a_repeated_construction_once():
    import pandas as pd

    from helpers.report.tables import collection_notes

    adults = ["practitioner_survey", "teacher_survey", "parent_survey"]
    none = pd.DataFrame(columns=["instrument", "column"])
    assert collection_notes(none, adults, collective="adult surveys") == \
        "Every question of the three adult surveys was collected."
    some = pd.DataFrame({"instrument": ["teacher_survey"], "column": ["recommend"]})
    text = collection_notes(some, adults, collective="adult surveys")
    assert text.count("Every question") == 1 and "practitioner survey and parent and carer survey" in text
    assert text.startswith("Some questions of the teacher")
