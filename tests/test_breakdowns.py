"""Tests for helpers.core.breakdowns: breakdowns.csv and enjoyed_least.csv."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.core.breakdowns import (
    breakdown_recoverable,
    breakdown_table,
    code_themes,
    least_enjoyed_table,
    load_themes,
)
from helpers.core.codebook import load_codebook
from helpers.core.config import RAW_DIR
from helpers.core.pipeline import OUTPUT_FILES, run_process
from helpers.core.schemas import BREAKDOWNS_SCHEMA, ENJOYED_LEAST_SCHEMA

CODEBOOK = load_codebook()


def _children(spec: list[tuple[str, str, int, str, int]]) -> pd.DataFrame:
    """Rows from (mini_police, gender, year_group, att_trust answer, how many)."""
    rows = [{"mini_police": m, "gender": g, "year_group": y, "att_trust": a}
            for m, g, y, a, k in spec for _ in range(k)]
    return pd.DataFrame(rows)


def _trust(spec, *, min_cell: int, local: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The children of ``spec`` and their ``att_trust`` breakdown, checked against its schema."""
    children = _children(spec)
    table = breakdown_table(children, CODEBOOK, items=["att_trust"], min_cell=min_cell, local=local)
    return children, BREAKDOWNS_SCHEMA.validate(table)


def _cell(table, **keys):
    mask = np.ones(len(table), dtype=bool)
    for key, value in keys.items():
        mask &= table[key].eq(value).to_numpy()
    assert mask.sum() == 1, keys
    return table[mask].iloc[0]


def test_themes_take_the_first_matching_rule_and_ignore_case():
    rules = [{"id": "play", "keywords": ["break", "play time"]}, {"id": "dull", "keywords": ["boring", "break"]}]
    coded = code_themes(pd.Series(["BREAK was boring", "no Play Time", "breakfast", "", None]), rules)
    assert coded.tolist() == ["play", "play", "other", None, None]  # "breakfast" is not the word "break"


def test_the_shipped_rules_code_every_demo_answer_once():
    rules = load_themes()
    texts = pd.Series(["missing my break time", "we did not see the police very often", "it was a bit boring"])
    assert code_themes(texts, rules["themes"]).tolist() == ["missing_play", "police_contact", "boring"]


def test_favourable_shares_match_a_crosstab():
    children, table = _trust([("yes", "girl", 5, "agree", 8), ("yes", "girl", 5, "disagree", 2),
                              ("yes", "boy", 6, "strongly_agree", 6), ("yes", "boy", 6, "neither", 6),
                              ("no", "girl", 6, "agree", 7), ("no", "boy", 5, "strongly_disagree", 9)], min_cell=1)
    expected = pd.crosstab([children["mini_police"], children["gender"]],
                           children["att_trust"].isin(["strongly_agree", "agree"]))
    for (member, gender), counts in expected.iterrows():
        group = "mini_police" if member == "yes" else "non_mini_police"
        row = _cell(table, group=group, by="gender", level=gender, category="favourable")
        assert row["n"] == counts.get(True, 0) and row["base"] == counts.sum()
    girls = _cell(table, group="mini_police", by="gender", level="girl", category="favourable")
    assert girls["value"] == pytest.approx(80.0) and girls["ci_low"] < 80 < girls["ci_high"]
    # every level of the codebook is there, a level nobody is in as zeros without a value
    year3 = _cell(table, group="mini_police", by="year_group", level="3", category="favourable")
    assert year3["base"] == 0 and pd.isna(year3["value"]) and year3["flag"] == ""


def test_a_small_level_is_hidden_and_cannot_be_worked_out():
    _, table = _trust([("yes", "girl", 5, "agree", 20), ("yes", "boy", 5, "agree", 18),
                       ("yes", "other", 5, "agree", 2), ("yes", "boy", 6, "disagree", 3),
                       ("no", "girl", 6, "agree", 12), ("no", "boy", 6, "agree", 11)], min_cell=5)
    other = _cell(table, group="mini_police", by="gender", level="other", category="favourable")
    assert other["flag"] == "c" and pd.isna(other["n"]) and pd.isna(other["value"])
    assert breakdown_recoverable(table) == []
    assert table["flag"].eq("c").sum() > 2  # secondary suppression hid more than the small level
    # the same table without the secondary pass would give the small level away: the checker finds it
    naive = table.copy()
    naive.loc[(naive["level"] != "other") | (naive["by"] != "gender"), "flag"] = ""
    assert breakdown_recoverable(naive) != []


def test_a_local_report_hides_small_counts_and_their_bases():
    _, table = _trust([("yes", "girl", 5, "agree", 20), ("yes", "girl", 5, "disagree", 2),
                       ("yes", "boy", 5, "agree", 15), ("yes", "boy", 6, "agree", 3),
                       ("no", "girl", 6, "agree", 12), ("no", "boy", 6, "agree", 11)], min_cell=5, local=True)
    girls_other = _cell(table, group="mini_police", by="gender", level="girl", category="other")
    assert girls_other["flag"] == "c"
    year6 = table[(table["group"] == "mini_police") & (table["by"] == "year_group") & (table["level"] == "6")]
    assert year6["flag"].eq("c").all() and year6["base"].isna().all()
    assert breakdown_recoverable(table) == []


def test_least_enjoyed_themes_count_mini_police_answers_only():
    children = pd.DataFrame({"mini_police": ["yes"] * 12 + ["no"] * 3,
                             "enjoyed_least": ["missing break"] * 6 + ["boring"] * 5 + [None] + ["boring"] * 3})
    table = least_enjoyed_table(children, CODEBOOK, min_cell=1, local=False)
    ENJOYED_LEAST_SCHEMA.validate(table)
    assert table["base"].unique().tolist() == [11]
    assert table.set_index("category")["n"].to_dict() == {
        "nothing": 0, "missing_play": 6, "police_contact": 0, "boring": 5, "conditions": 0, "other": 0}
    local = least_enjoyed_table(children, CODEBOOK, min_cell=6, local=True)
    assert local.set_index("category").loc["boring", "flag"] == "c"
    assert least_enjoyed_table(children, CODEBOOK, min_cell=5, local=False,
                               not_collected={"enjoyed_least"}).empty


def test_the_pipeline_writes_both_tables(tmp_path):
    assert {"breakdowns.csv", "enjoyed_least.csv"} <= set(OUTPUT_FILES)
    run_process(RAW_DIR, tmp_path)
    breakdowns = pd.read_csv(tmp_path / "breakdowns.csv", dtype={"level": str}, keep_default_na=False,
                             na_values=[""]).astype({"n": "Int64", "base": "Int64", "flag": str})
    breakdowns["flag"] = breakdowns["flag"].replace("nan", "")
    assert set(breakdowns["measure"]) == {"att_trust", "att_work_well", "safe_outside"}  # the primary outcomes
    assert set(breakdowns["by"]) == {"gender", "year_group"}
    assert breakdown_recoverable(breakdowns) == []
    least = pd.read_csv(tmp_path / "enjoyed_least.csv")
    assert least["n"].sum() == least["base"].iloc[0]
