"""Tests for helpers.core.schemas: the processed-table schemas reject broken tables."""

from __future__ import annotations

import pandas as pd
import pytest
from pandera.errors import SchemaError

from helpers.core.schemas import LOG_SCHEMA, RESULTS_SCHEMA, TESTS_SCHEMA

EXPECTED = "fixtures/messy_expected"


@pytest.fixture
def results():
    from pathlib import Path

    from helpers.report.tables import load_results
    return load_results(Path(__file__).parent / EXPECTED)


def test_ground_truth_passes(results):
    RESULTS_SCHEMA.validate(results)


def test_wrong_percent_is_rejected(results):
    broken = results.copy()
    idx = broken.index[(broken.unit == "percent") & (broken.flag == "") & (broken.n > 0)][0]
    broken.loc[idx, "value"] += 1
    with pytest.raises(SchemaError, match="100 n / base"):
        RESULTS_SCHEMA.validate(broken)


def test_suppressed_cell_with_value_is_rejected(results):
    broken = results.copy()
    idx = broken.index[broken.flag == "c"][0]
    broken.loc[idx, "value"] = 12.5
    with pytest.raises(SchemaError, match="suppressed"):
        RESULTS_SCHEMA.validate(broken)


def test_duplicate_key_is_rejected(results):
    with pytest.raises(SchemaError):
        RESULTS_SCHEMA.validate(pd.concat([results, results.iloc[[0]]], ignore_index=True))


def test_tests_schema_rejects_holm_below_raw():
    frame = pd.DataFrame({"measure": ["a"], "test": ["chi_square"], "statistic": [1.0], "dof": [1.0],
                          "p_value": [0.5], "p_holm": [0.1], "effect_size": [0.1], "effect_name": ["cramers_v"],
                          "n_mini_police": [3], "n_non_mini_police": [3]})
    with pytest.raises(SchemaError, match="Holm"):
        TESTS_SCHEMA.validate(frame)


def test_log_schema_rejects_unknown_action():
    frame = pd.DataFrame({"instrument": ["x"], "row": pd.array([1], dtype="Int64"), "respondent_id": ["a"],
                          "column": ["c"], "value": ["v"], "problem": ["p"], "action": ["dropped"]})
    with pytest.raises(SchemaError):
        LOG_SCHEMA.validate(frame)
