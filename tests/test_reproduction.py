"""Tests for helpers.report.reproduction: matching rules for published numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.report.reproduction import compare, summary

RESULTS = pd.DataFrame({
    "measure": ["m", "m", "m", "c", "s"],
    "group": ["g", "g", "g", "national", "g"],
    "category": ["a", "b", "z", "count", "a"],
    "n": [190, 47, 11, 388, None],
    "value": [76.5, 19.1, 4.4, 388.0, float("nan")],
    "unit": ["percent", "percent", "percent", "count", "percent"],
    "flag": ["", "", "", "", "c"],
})


def _published(**row):
    base = {"id": "P1", "measure": "m", "group": "g", "category": "a", "unit": "percent", "value": None,
            "low": None, "high": None, "rounding": "integer", "kind": "point"}
    base.update(row)
    return pd.DataFrame([base])


@pytest.mark.parametrize("row, status", [
    ({"value": 77}, "pass"),                       # 76.5 rounds to 77 (half up) ...
    ({"value": 76}, "pass"),                       # ... or 76 (half to even): a tie passes both
    ({"value": 78}, "fail"),
    ({"category": "a+b", "value": 96}, "pass"),    # 95.6 -> 96
    ({"category": "a+b", "value": 95}, "fail"),
    ({"measure": "c", "group": "national", "category": "count", "unit": "count", "value": 388,
      "rounding": "exact"}, "pass"),
    ({"measure": "c", "group": "national", "category": "count", "unit": "count", "value": 389,
      "rounding": "exact"}, "fail"),
    ({"kind": "range", "low": 60, "high": 80}, "pass"),
    ({"kind": "range", "low": 80, "high": 90}, "fail"),
    ({"measure": "s"}, "missing"),                 # suppressed: cannot be compared
    ({"unit": "count", "value": 190, "rounding": "exact"}, "pass"),  # "190 (77%)": compared with n
    ({"unit": "count", "category": "a+b", "value": 237, "rounding": "exact"}, "pass"),
    ({"unit": "count", "value": 191, "rounding": "exact"}, "fail"),
    ({"measure": "nope", "value": 1}, "missing"),
])
def test_matching_rules(row, status):
    out = compare(_published(**row), RESULTS)
    assert out["status"].iloc[0] == status


def test_summary_counts_every_status():
    published = pd.concat([_published(value=77), _published(value=50), _published(measure="x")], ignore_index=True)
    assert summary(compare(published, RESULTS)).to_dict() == {"pass": 1, "fail": 1, "missing": 1,
                                                             "contradiction": 0, "not_from_data": 0}


@pytest.mark.parametrize("check", ["contradiction", "not_from_data"])
def test_unchecked_rows_keep_their_reason(check):
    out = compare(_published(value=12, check=check), RESULTS)  # 12 would fail if it were checked
    assert out["status"].iloc[0] == check and pd.isna(out["reproduced"].iloc[0])
