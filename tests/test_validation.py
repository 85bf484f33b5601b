"""Tests for helpers.core.validation: one test per fault class of docs/contract.md section 3."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.core.loading import RawTable, StructuralError
from helpers.core.validation import LOG_COLUMNS, validate_table

RANKS = ["rank_emergency", "rank_arrest", "rank_patrol", "rank_investigate", "rank_road_safety", "rank_community"]


def _children(**columns) -> RawTable:
    base = {
        "respondent_id": ["c1", "c2", "c3"],
        "force": ["Durham", "Durham", "Cumbria"],
        "school_id": ["s1", "s1", "s2"],
        "mini_police": ["yes", "yes", "no"],
    }
    base.update(columns)
    return RawTable("children_survey", Path("children_survey.csv"), pd.DataFrame(base), "utf-8", "")


def _validate(raw, codebook, instrument="children_survey"):
    return validate_table(raw, codebook.instruments[instrument], codebook)


def _events(res, action=None):
    log = res.log[res.log["row"].notna()]
    return log if action is None else log[log["action"] == action]


def test_labels_in_odd_case_become_codes(codebook):
    res = _validate(_children(att_trust=["Strongly  AGREE", "neither agree nor DISAGREE", "strongly_disagree"],
                              gender=["GIRL", " boy ", "Prefer not to say"]), codebook)
    assert res.clean["att_trust"].tolist() == ["strongly_agree", "neither", "strongly_disagree"]
    assert res.clean["gender"].tolist() == ["girl", "boy", "prefer_not_to_say"]
    assert _events(res).empty


def test_unknown_code_becomes_missing_and_is_logged(codebook):
    res = _validate(_children(att_trust=["agree", "totally", ""]), codebook)
    assert res.clean["att_trust"].isna().tolist() == [False, True, True]
    ev = _events(res)
    assert ev[["row", "respondent_id", "column", "value", "action"]].values.tolist() == [
        [2, "c2", "att_trust", "totally", "set_missing"]]
    assert "agree5" in ev["problem"].iloc[0]


def test_out_of_range_and_non_integer(codebook):
    res = _validate(_children(age=["10", "13", "ten"], year_group=["6", "6.0", "2"]), codebook)
    assert res.clean["age"].tolist()[0] == 10
    assert res.clean["age"].isna().tolist() == [False, True, True]
    assert res.clean["year_group"].tolist()[:2] == [6, 6]
    assert pd.isna(res.clean["year_group"].iloc[2])
    problems = dict(zip(_events(res)["value"], _events(res)["problem"], strict=True))
    assert problems == {"13": "out of range 7-12", "ten": "not a whole number", "2": "out of range 3-8"}


def test_answer_not_applicable_to_the_respondent(codebook):
    res = _validate(_children(enjoyed=["yes", "", "Yes"], safety_impact=["much safer", "", "a bit safer"]), codebook)
    assert res.clean["enjoyed"].tolist()[0] == "yes"
    assert pd.isna(res.clean.loc[2, "enjoyed"]) and pd.isna(res.clean.loc[2, "safety_impact"])
    ev = _events(res)
    assert set(ev["column"]) == {"enjoyed", "safety_impact"}
    assert (ev["row"] == 3).all() and ev["problem"].str.startswith("not applicable").all()


def test_broken_rank_permutation_blanks_the_whole_set(codebook):
    ranks = {c: v for c, v in zip(RANKS, zip(*[["1", "2", "3", "4", "5", "6"],
                                                 ["1", "1", "3", "4", "5", "6"],
                                                 ["", "", "", "", "", ""]], strict=True), strict=True)}
    res = _validate(_children(**{c: list(v) for c, v in ranks.items()}), codebook)
    assert res.clean.loc[0, RANKS].tolist() == [1, 2, 3, 4, 5, 6]
    assert res.clean.loc[1, RANKS].isna().all()
    assert res.clean.loc[2, RANKS].isna().all()  # all empty is allowed, and not an event
    ev = _events(res)
    assert sorted(ev["column"]) == sorted(RANKS) and (ev["row"] == 2).all()


def test_partly_answered_ranks_are_broken(codebook):
    values = {c: ["", "", ""] for c in RANKS}
    values["rank_emergency"] = ["1", "", ""]
    values["rank_arrest"] = ["2", "", ""]
    res = _validate(_children(**values), codebook)
    assert res.clean.loc[0, RANKS].isna().all()
    assert len(_events(res)) == 2


def test_duplicate_id_quarantines_later_occurrences(codebook):
    raw = _children(respondent_id=["c1", "c1", " c1 "])
    res = _validate(raw, codebook)
    assert res.clean["raw_row"].tolist() == [1]
    assert res.quarantine["school_id"].tolist() == ["s1", "s2"]  # verbatim rows 2 and 3
    ev = _events(res, "quarantined")
    assert ev["row"].tolist() == [2, 3] and (ev["problem"] == "respondent_id repeated").all()


def test_unknown_force_is_quarantined(codebook):
    res = _validate(_children(force=["Durham Constabulary", "Gotham", "devon and cornwall"]), codebook)
    assert res.clean["force"].tolist() == ["Durham", "Devon & Cornwall"]
    ev = _events(res, "quarantined")
    assert ev[["row", "column", "value", "problem"]].values.tolist() == [[2, "force", "Gotham", "unknown force"]]


def test_mini_police_missing_or_invalid_is_quarantined(codebook):
    res = _validate(_children(mini_police=["", "maybe", "No"]), codebook)
    assert len(res.clean) == 1 and len(res.quarantine) == 2
    assert _events(res, "quarantined")["problem"].tolist() == ["mini_police missing", "unknown code for mini_police"]


def test_empty_id_is_quarantined(codebook):
    res = _validate(_children(respondent_id=["c1", "  ", "c3"]), codebook)
    assert _events(res, "quarantined")[["row", "problem"]].values.tolist() == [[2, "respondent_id empty"]]


def test_empty_rows_are_quarantined_not_dropped(codebook):
    raw = _children(respondent_id=["c1", "", "c3"], force=["Durham", "", "Kent"], school_id=["s", "", "s"],
                    mini_police=["yes", "", "no"])
    res = _validate(raw, codebook)
    assert len(res.quarantine) == 1
    assert _events(res, "quarantined")["problem"].tolist() == ["empty row"]


def test_missing_required_column_is_structural(codebook):
    raw = _children()
    raw = RawTable(raw.instrument, raw.path, raw.frame.drop(columns=["respondent_id"]), "utf-8", "")
    with pytest.raises(StructuralError, match=r"children_survey.csv: required column respondent_id missing"):
        _validate(raw, codebook)


def test_extra_and_missing_optional_columns_are_logged_once(codebook):
    res = _validate(_children(Timestamp=["a", "b", "c"]), codebook)
    cols = res.log[res.log["row"].isna()]
    ignored = cols[cols["action"] == "ignored_column"]
    assert ignored["column"].tolist() == ["Timestamp"]
    missing = cols[cols["action"] == "missing_column"]["column"].tolist()
    assert "att_trust" in missing and "respondent_id" not in missing
    assert set(res.missing_columns) == set(missing)
    assert "Timestamp" not in res.clean


def test_headers_match_case_insensitively_after_trimming(codebook):
    frame = pd.DataFrame({" Respondent_ID": ["c1"], "FORCE ": ["Durham"], "School_Id": ["s"], "mini_police": ["y es"]})
    res = _validate(RawTable("children_survey", Path("c.csv"), frame, "utf-8", ""), codebook)
    assert len(res.quarantine) == 1  # "y es" is not a code: the header matched, the value did not


def test_flags_accept_0_1_only(codebook):
    frame = pd.DataFrame({"respondent_id": ["p1", "p2", "p3", "p4"], "force": ["Kent"] * 4,
                          "aim_behaviour": ["1", "0.0", "yes", ""]})
    res = _validate(RawTable("practitioner_survey", Path("p.csv"), frame, "utf-8", ""), codebook,
                    "practitioner_survey")
    assert res.clean["aim_behaviour"].tolist()[:2] == [1, 0]
    assert res.clean["aim_behaviour"].isna().tolist() == [False, False, True, True]


def test_census_is_keyed_by_force(codebook):
    frame = pd.DataFrame({"force": ["Durham", "durham police", "Kent"], "schools": ["1", "2", "-1"]})
    res = _validate(RawTable("scheme_census", Path("s.csv"), frame, "utf-8", ""), codebook, "scheme_census")
    assert res.clean["force"].tolist() == ["Durham", "Kent"]
    assert pd.isna(res.clean.loc[1, "schools"])  # negative count is out of range
    assert _events(res, "quarantined")["problem"].tolist() == ["force repeated"]


def test_log_columns_and_accounting(codebook):
    res = _validate(_children(respondent_id=["c1", "c1", ""]), codebook)
    assert res.log.columns.tolist() == LOG_COLUMNS
    assert len(res.clean) + len(res.quarantine) == res.raw_rows == 3
    res.check_accounting()
