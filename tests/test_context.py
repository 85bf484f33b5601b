"""Tests for helpers.report.context: the context tables, their validation and their summaries.

The committed files must pass their schemas; broken copies must fail with a
message naming file, row, id and column; every seed file a row cites must
exist and every number a row states must be written in the cited seed text
(those two checks read the source documents, outside the repository, so they
are maintainers' checks: ``tools/source_checks/test_traceability.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.colors import to_rgb

from helpers.report import context
from helpers.report.context import (
    EVIDENCE_PATH,
    PROGRAMMES_PATH,
    ContextDataError,
    age_overlap,
    age_ranges,
    evidence_overview,
    evidence_summary,
    evidence_table,
    evidence_values,
    format_evidence,
    load_evidence,
    load_programmes,
    plot_age_ranges,
    programme_counts,
    programme_overview,
    programme_table,
    references,
)


@pytest.fixture(scope="module")
def evidence() -> pd.DataFrame:
    return load_evidence()


@pytest.fixture(scope="module")
def programmes() -> pd.DataFrame:
    return load_programmes()


def _broken_copy(source: Path, tmp_path: Path, change) -> Path:
    """Write ``source`` read as text, changed by ``change(frame)``, to a file of the same name."""
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    frame = change(frame) if change else frame
    target = tmp_path / source.name
    frame.to_csv(target, index=False, lineterminator="\n")
    return target


# --- the committed files -------------------------------------------------------------------------


def test_committed_evidence_passes_its_schema(evidence):
    assert len(evidence) >= 40
    assert list(evidence.columns) == list(context.EVIDENCE_SCHEMA.columns)
    assert evidence["value"].dtype == float and str(evidence["seed_line"].dtype) == "Int64"
    assert set(evidence["theme"]) == set(context.THEMES)


def test_committed_programmes_pass_their_schema(programmes):
    assert len(programmes) >= 20
    assert list(programmes.columns) == list(context.PROGRAMMES_SCHEMA.columns)
    assert programmes.loc[programmes["id"] == "PR01", "programme"].item() == "Mini-Police"
    assert str(programmes["age_min"].dtype) == "Int64"


def test_a_clean_copy_reads_back_identically(tmp_path, evidence):
    pd.testing.assert_frame_equal(load_evidence(_broken_copy(EVIDENCE_PATH, tmp_path, None)), evidence)


def test_files_are_utf8_with_lf_line_ends():
    for path in (EVIDENCE_PATH, PROGRAMMES_PATH, EVIDENCE_PATH.with_name("README.md")):
        data = path.read_bytes()
        data.decode("utf-8")
        assert b"\r\n" not in data, path.name


# --- broken copies: clear errors ---------------------------------------------------------------


def test_missing_column_is_named(tmp_path):
    path = _broken_copy(EVIDENCE_PATH, tmp_path, lambda f: f.drop(columns=["unit"]))
    with pytest.raises(ContextDataError, match=r"evidence_2019\.csv: 1 problem") as caught:
        load_evidence(path)
    assert "header, column 'unit': missing column" in str(caught.value)
    assert caught.value.problems[["file", "column", "problem"]].values.tolist() == [
        ["evidence_2019.csv", "unit", "missing column"]]


def test_unknown_column_is_named(tmp_path):
    path = _broken_copy(PROGRAMMES_PATH, tmp_path, lambda f: f.rename(columns={"reach": "reach_figures"}))
    with pytest.raises(ContextDataError) as caught:
        load_programmes(path)
    message = str(caught.value)
    assert "programmes.csv" in message
    assert "column 'reach': missing column" in message
    assert "column 'reach_figures': unknown column" in message


def _set(row: int, column: str, value: str):
    """A change setting one cell; ``row`` is 1-based like the error messages."""
    def change(frame):
        frame = frame.copy()
        frame.loc[row - 1, column] = value
        return frame
    return change


def test_bad_code_names_file_row_id_and_column(tmp_path, evidence):
    path = _broken_copy(EVIDENCE_PATH, tmp_path, _set(11, "unit", "percentage"))
    with pytest.raises(ContextDataError) as caught:
        load_evidence(path)
    ident = evidence["id"].iloc[10]
    assert f"row 11 (id {ident}), column 'unit': must be percent, count or empty (value 'percentage')" \
        in str(caught.value)
    problem = caught.value.problems.iloc[0]
    assert (problem["file"], problem["row"], problem["id"], problem["column"]) == \
        ("evidence_2019.csv", 11, ident, "unit")


def test_unreadable_number_is_reported_before_other_checks(tmp_path):
    path = _broken_copy(EVIDENCE_PATH, tmp_path, _set(5, "value", "lots"))
    with pytest.raises(ContextDataError, match=r"row 5 \(id E05\), column 'value': is not a number "
                                               r"\(value 'lots'\)"):
        load_evidence(path)


def test_fractional_age_is_not_a_whole_number(tmp_path):
    path = _broken_copy(PROGRAMMES_PATH, tmp_path, _set(1, "age_min", "8.5"))
    with pytest.raises(ContextDataError, match=r"row 1 \(id PR01\), column 'age_min': is not a whole number"):
        load_programmes(path)


def test_row_checks_name_the_columns_involved(tmp_path):
    # E05 has no number: giving it a unit alone breaks the value/unit rule.
    path = _broken_copy(EVIDENCE_PATH, tmp_path, _set(5, "unit", "count"))
    with pytest.raises(ContextDataError, match=r"row 5 \(id E05\), columns value, unit: a number needs a unit"):
        load_evidence(path)


def test_percent_above_100_is_rejected(tmp_path, evidence):
    row = int(evidence.index[evidence["unit"].eq("percent")][0]) + 1
    path = _broken_copy(EVIDENCE_PATH, tmp_path, _set(row, "value", "142"))
    with pytest.raises(ContextDataError, match=rf"row {row} .*columns value, comparator_value, unit: a percent"):
        load_evidence(path)


def test_repeated_id_is_reported_on_both_rows(tmp_path):
    path = _broken_copy(EVIDENCE_PATH, tmp_path, _set(2, "id", "E01"))
    with pytest.raises(ContextDataError) as caught:
        load_evidence(path)
    repeated = caught.value.problems[caught.value.problems["problem"] == "is repeated"]
    assert repeated["row"].tolist() == [1, 2] and set(repeated["column"]) == {"id"}


def test_ages_out_of_order_and_unknown_kind(tmp_path):
    def change(frame):
        frame = _set(1, "age_min", "12")(frame)
        return _set(3, "kind", "cadets")(frame)
    path = _broken_copy(PROGRAMMES_PATH, tmp_path, change)
    with pytest.raises(ContextDataError) as caught:
        load_programmes(path)
    message = str(caught.value)
    assert "row 1 (id PR01), columns age_min, age_max: give both ages or neither" in message
    assert "row 3 (id PR03), column 'kind': must be one of engagement" in message
    assert "2 problem(s)" in message


def test_bad_seed_name_is_rejected(tmp_path):
    path = _broken_copy(PROGRAMMES_PATH, tmp_path, _set(4, "seed", "report.pdf"))
    with pytest.raises(ContextDataError, match=r"row 4 \(id PR04\), column 'seed': must name seed files"):
        load_programmes(path)


# --- summaries -------------------------------------------------------------------------------------


def test_evidence_values_long_format(evidence):
    values = evidence_values(evidence)
    percent = evidence[evidence["unit"] == "percent"]
    assert len(values) == len(percent) + percent["comparator_value"].notna().sum()
    assert values.groupby("id")["group"].first().eq("Group studied").all()
    assert values["value"].between(0, 100).all() and values["label"].str.len().gt(0).all()
    themes = list(values["theme"].drop_duplicates())
    assert themes == [t for t in context.THEMES if t in themes]   # theme order of the report


def test_evidence_values_leaves_input_unchanged(evidence):
    before = evidence.copy()
    evidence_values(evidence)
    evidence_table(evidence)
    pd.testing.assert_frame_equal(evidence, before)


def test_format_evidence(evidence):
    assert format_evidence(evidence, "E08") == "at least 46,000"
    assert format_evidence(evidence, "E22") == "36%"
    assert format_evidence(evidence, "E22", column="comparator_value") == "26%"
    with pytest.raises(KeyError):
        format_evidence(evidence, "E99")
    with pytest.raises(ValueError):
        format_evidence(evidence, "E22", column="unit")


def test_evidence_summary_and_overview_agree(evidence):
    summary = evidence_summary(evidence)
    overview = evidence_overview(evidence).set_index("statistic")["value"]
    assert summary["findings"].sum() == overview["findings"] == len(evidence)
    assert summary["quantified"].sum() == overview["quantified"]
    assert overview["themes"] == len(summary)
    assert overview["uk"] + overview["usa"] <= overview["findings"]
    # several citations in one row count separately
    assert overview["studies"] >= evidence["study"].nunique()


def test_evidence_table_figures(evidence):
    table = evidence_table(evidence)
    assert list(table.columns) == ["Theme", "Study", "Where", "Finding", "Figure", "Source"]
    assert len(table) == len(evidence)
    csew = table[table["Study"].str.startswith("Crime Survey")]["Figure"].item()
    assert csew.startswith("75% positive") and csew.endswith("; 38% for 15-year-olds")
    assert (table["Figure"] == "").sum() == evidence["value"].isna().sum()
    assert table["Source"].str.startswith("2019 report, chapter 2, ").all()


def test_programme_counts_cover_every_row(programmes):
    for by in ("kind", "tier"):
        counts = programme_counts(programmes, by=by)
        assert counts["value"].sum() == len(programmes)
    with pytest.raises(ValueError):
        programme_counts(programmes, by="age")


def test_age_overlap_on_a_small_frame():
    frame = pd.DataFrame({"id": ["PR01", "PR02", "PR03", "PR04"],
                          "programme": ["Mini-Police", "Cadets", "Boot camp", "Nursery"],
                          "kind": ["engagement", "uniformed", "diversion", "school_prevention"],
                          "age_min": pd.array([8, 13, 7, 2], dtype="Int64"),
                          "age_max": pd.array([11, 18, 8, 5], dtype="Int64")})
    assert age_ranges(frame)["ages"].tolist() == ["2–5", "7–8", "8–11", "13–18"]
    assert age_overlap(frame)["programme"].tolist() == ["Boot camp"]    # shares age 8 only
    with pytest.raises(KeyError):
        age_overlap(frame, reference="Scouts")


def test_programme_overview_is_consistent(programmes):
    overview = programme_overview(programmes).set_index("statistic")["value"]
    assert overview["programmes"] == len(programmes) == overview["others"] + 1
    assert overview["universal"] + overview["targeted"] + overview["specialist"] == overview["others"]
    assert overview["overlap"] <= overview["with_ages"] <= overview["others"]
    assert overview["overlap"] + overview["older"] + overview["younger"] == overview["with_ages"]
    assert overview["documents"] == 5


def test_programme_table_names_its_source(programmes):
    table = programme_table(programmes)
    assert len(table) == len(programmes)
    # cited by author and year, never by the name of a file
    assert table["Source"].str.contains(r"\([^()]*\b[A-Z][\w' ]+(?: et al\.)?, \d{4}[;)]").all()
    assert not table["Source"].str.contains(r"\d{3}_[0-9a-f]{16}|seed ").any()
    assert "(Callender et al., 2019)" in table["Source"].iloc[0]
    assert not table["Ages"].str.contains(r"\d-\d").any()   # en dash in ranges


@pytest.mark.parametrize("loader", [load_evidence, load_programmes])
def test_every_cite_key_is_in_the_bibliography(loader):
    keys = set(references()["key"])
    cited = {k.strip() for cell in loader()["cite"] for k in cell.split(";")}
    assert cited and cited <= keys, sorted(cited - keys)


def test_references_label_one_two_and_many_authors(tmp_path):
    bib = tmp_path / "r.bib"
    bib.write_text("@misc{a1, author = {Fox, C. and Kalkan, G.}, year = {2016}, title = {{T}}}\n"
                   "@misc{b2, author = {{Home Office}}, year = {2016}, title = {T}}\n"
                   "@misc{c3, author = {A, X. and B, Y. and C, Z.}, year = {2001}, title = {T}}\n"
                   "@misc{d4, author = {Bentley, H. and others}, year = {2018}, title = {T}}\n")
    refs = references(bib).set_index("key")
    assert refs["label"].tolist() == ["Fox and Kalkan (2016)", "Home Office (2016)", "A et al. (2001)",
                                      "Bentley et al. (2018)"]
    assert refs.loc["a1", "parenthetical"] == "Fox and Kalkan, 2016"


def test_a_cite_key_that_is_not_a_key_is_rejected(tmp_path):
    path = _broken_copy(PROGRAMMES_PATH, tmp_path, _set(4, "cite", "001_9379791b815ce9f9.txt"))
    with pytest.raises(ContextDataError, match=r"row 4 \(id PR04\), column 'cite': must name references.bib keys"):
        load_programmes(path)


def test_plot_age_ranges_draws_each_range_and_highlights_one():
    rows = pd.DataFrame({"programme": ["Mini-Police", "Cadets", "Unknown"],
                         "age_min": pd.array([8, 13, None], dtype="Int64"),
                         "age_max": pd.array([11, 18, None], dtype="Int64")})
    fig = plot_age_ranges(rows, highlight="Mini-Police")
    ax = fig.axes[0]
    bars = list(ax.containers[0])
    assert [(b.get_x(), b.get_width()) for b in bars] == [(8.0, 4.0), (13.0, 6.0)]
    assert to_rgb(bars[0].get_facecolor()) != to_rgb(bars[1].get_facecolor())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Mini-Police", "Cadets"]
    assert [t.get_text() for t in ax.texts] == ["8–11", "13–18"]


def test_plot_age_ranges_with_nothing_to_draw():
    fig = plot_age_ranges(pd.DataFrame({"programme": ["A"], "age_min": [None], "age_max": [None]}))
    assert re.search("No data", fig.axes[0].texts[0].get_text())
