"""Schemas of the processed tables (CONTRACT sections 3 and 4), with pandera.

One job: state, as executable checks, what ``results.csv``, ``tests.csv`` and
``validation_log.csv`` must look like. The pipeline validates every table
against its schema before writing it, so a programming error can never
publish a malformed table; other tools can import the same schemas.

Examples
--------
>>> from helpers.schemas import RESULTS_SCHEMA
>>> sorted(RESULTS_SCHEMA.columns)[:3]
['base', 'category', 'ci_high']
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.pandas import Check, Column

__all__ = ["RESULTS_SCHEMA", "TESTS_SCHEMA", "LOG_SCHEMA", "check_outputs"]

_UNITS = ["percent", "mean", "count"]
_ACTIONS = ["set_missing", "quarantined", "ignored_column", "missing_column"]


def _percent_value_matches(df):
    """For unsuppressed percent rows with a base, value = 100 n / base."""
    rows = df[(df["unit"] == "percent") & (df["flag"] != "c") & (df["base"] > 0)]
    expected = 100 * rows["n"].astype(float) / rows["base"].astype(float)
    return ((rows["value"] - expected).abs() < 1e-9).all()


def _suppressed_cells_are_empty(df):
    rows = df[df["flag"] == "c"]
    return bool(rows["n"].isna().all() and rows["value"].isna().all())


def _wilson_contains_value(df):
    rows = df[(df["unit"] == "percent") & df["value"].notna()]
    return bool(((rows["ci_low"] <= rows["value"] + 1e-9) & (rows["value"] <= rows["ci_high"] + 1e-9)).all())


RESULTS_SCHEMA = pa.DataFrameSchema(
    {
        "measure": Column(str),
        "group": Column(str),
        "category": Column(str),
        "n": Column("Int64", Check.ge(0), nullable=True),
        "base": Column("Int64", Check.ge(0), nullable=True),
        "value": Column(float, nullable=True),
        "unit": Column(str, Check.isin(_UNITS)),
        "ci_low": Column(float, Check.in_range(0, 100), nullable=True),
        "ci_high": Column(float, Check.in_range(0, 100), nullable=True),
        "flag": Column(str, Check.isin(["", "c"])),
    },
    checks=[
        Check(_percent_value_matches, error="percent value is not 100 n / base"),
        Check(_suppressed_cells_are_empty, error="a suppressed cell still shows n or value"),
        Check(_wilson_contains_value, error="a Wilson interval does not contain its value"),
    ],
    unique=["measure", "group", "category"],
    strict=True,
    ordered=True,
    name="results.csv",
)

TESTS_SCHEMA = pa.DataFrameSchema(
    {
        "measure": Column(str, unique=True),
        "test": Column(str, Check.isin(["mann_whitney_u", "chi_square"])),
        "statistic": Column(float, nullable=True),
        "dof": Column(float, nullable=True),
        "p_value": Column(float, Check.in_range(0, 1), nullable=True),
        "p_holm": Column(float, Check.in_range(0, 1), nullable=True),
        "effect_size": Column(float, Check.in_range(-1, 1), nullable=True),
        "effect_name": Column(str, nullable=True),
        "n_mini_police": Column(int, Check.ge(0)),
        "n_non_mini_police": Column(int, Check.ge(0)),
    },
    checks=[Check(lambda df: (df["p_holm"].isna() | (df["p_holm"] >= df["p_value"] - 1e-12)).all(),
                  error="a Holm-adjusted p-value is below its raw p-value")],
    strict=True,
    ordered=True,
    coerce=True,
    name="tests.csv",
)

LOG_SCHEMA = pa.DataFrameSchema(
    {
        "instrument": Column(str),
        "row": Column("Int64", Check.ge(1), nullable=True),
        "respondent_id": Column(object, nullable=True),
        "column": Column(object, nullable=True),
        "value": Column(object, nullable=True),
        "problem": Column(str),
        "action": Column(str, Check.isin(_ACTIONS)),
    },
    checks=[Check(lambda df: (df["row"].isna() == df["action"].isin(["ignored_column", "missing_column"])).all(),
                  error="row must be empty exactly for column-level events")],
    strict=True,
    ordered=True,
    name="validation_log.csv",
)


def check_outputs(results, tests, log) -> None:
    """Validate the three processed tables; raise ``pandera.errors.SchemaError`` on a breach."""
    RESULTS_SCHEMA.validate(results)
    TESTS_SCHEMA.validate(tests)
    LOG_SCHEMA.validate(log)
