"""Tests for helpers.build.tracking: which rows, columns and entries a page used.

Each test hands a small table to the accessor with a list as the kernel's
log, does one thing a chapter might do, and checks the lines: the measures
selected, or ``read`` (the whole file) for anything the accessor cannot
follow.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers.build import cache, tracking
from helpers.report import narrative
from helpers.report import tables as report

PATH = "/t/results.csv"


@pytest.fixture
def table():
    frame = pd.DataFrame({"measure": ["a", "a", "b", "c"], "group": ["x", "y", "x", "x"],
                          "value": [1.0, 2.0, 3.0, 4.0]})
    lines: list[str] = []
    return tracking.keyed(frame, PATH, lines.append), lines


def _measures(lines):
    return {line.split("\t")[2] for line in lines if line.startswith("rows\t") and line.split("\t")[2]}


def _whole(lines):
    return f"read\t{PATH}" in lines


def test_outside_a_kernel_the_frame_is_plain():
    frame = pd.DataFrame({"measure": ["a"]})
    assert tracking.sink() is None and tracking.keyed(frame, PATH) is frame


@pytest.mark.parametrize("select, value", [
    (lambda t: t[t["measure"] == "a"], 3.0),
    (lambda t: t[t["measure"].eq("a") & (t["group"] == "x")], 1.0),
    (lambda t: t[(t["group"] == "y") & t["measure"].isin(["a", "b"])], 2.0),
    (lambda t: t.loc[t["measure"].eq("a"), ["value"]], 3.0),
    (lambda t: t.query("measure == 'a' and group in ['x', 'y']"), 3.0),
])
def test_a_selection_by_measure_notes_only_that_measure(table, select, value):
    tracked, lines = table
    rows = select(tracked)
    assert type(rows) is pd.DataFrame and rows["value"].sum() == value  # an ordinary frame from here on
    assert len(rows) == len(rows)
    assert not _whole(lines) and _measures(lines) <= {"a", "b"} and "a" in _measures(lines)


def test_an_or_of_measures_narrows_to_both(table):
    tracked, lines = table
    rows = tracked[(tracked["measure"] == "a") | (tracked["measure"] == "c")]
    assert rows["value"].sum() == 7.0 and _measures(lines) == {"a", "c"} and not _whole(lines)


def test_an_empty_selection_still_depends_on_its_measure(table):
    tracked, lines = table
    assert tracked[tracked["measure"] == "zzz"].empty and _measures(lines) == {"zzz"}


@pytest.mark.parametrize("use", [
    lambda t: len(t),
    lambda t: list(t.itertuples()),
    lambda t: t.groupby("measure")["value"].sum(),
    lambda t: t["value"].sum(),
    lambda t: t["measure"].unique(),
    lambda t: t[t["group"] == "x"]["value"].sum(),  # a selection that does not narrow the measures
    lambda t: t[~(t["measure"] == "a")]["value"].sum(),  # a negation does not either
    lambda t: t[(t["measure"] == "a") | (t["group"] == "x")]["value"].sum(),
    lambda t: t.set_index("measure"),
    lambda t: pd.concat([t]),
    lambda t: t.merge(t, on="measure"),
    lambda t: t.query("group == 'x'"),
    lambda t: t["measure"].str.startswith("a"),
    lambda t: t.loc[t["group"] == "x"],
    lambda t: (t["measure"] == "a").sum(),
    lambda t: [m for m in t["measure"]],
    lambda t: repr(t),
    lambda t: t.to_dict(),
    lambda t: t.empty,
    lambda t: t.shape,
])
def test_anything_else_counts_as_reading_the_whole_file(table, use):
    tracked, lines = table
    use(tracked)
    assert _whole(lines)


def test_helpers_select_their_measures(table):
    tracked, lines = table
    frame = pd.DataFrame({"measure": ["enjoyed", "enjoyed", "other"], "group": ["mini_police"] * 3,
                          "category": ["yes", "no", "yes"], "n": [3, 1, 2], "base": [4, 4, 2],
                          "value": [75.0, 25.0, 100.0], "unit": ["percent"] * 3, "ci_low": [None] * 3,
                          "ci_high": [None] * 3, "flag": ["", "", ""]})
    results = tracking.keyed(frame, PATH, lines.append)
    assert report.format_result(results, "enjoyed", "mini_police", "yes") == "75%"
    assert list(narrative.answer_ranking(results, "enjoyed", "mini_police")["category"]) == ["yes", "no"]
    assert _measures(lines) == {"enjoyed"} and not _whole(lines)


def test_loaders_go_through_the_accessor_in_a_kernel(tmp_path, monkeypatch):
    pd.DataFrame({"measure": ["a"], "group": ["x"], "category": ["c"], "n": [1], "base": [1], "value": [1.0],
                  "unit": ["count"], "ci_low": [None], "ci_high": [None], "flag": [""]}).to_csv(
        tmp_path / "results.csv", index=False)
    (tmp_path / "manifest.json").write_text(json.dumps({"outcomes": {"x": 1}, "inputs": {"a": "sha"}}))
    pd.DataFrame({"q": ["text"], "r": [1]}).to_parquet(tmp_path / "children_survey.parquet")
    lines: list[str] = []
    monkeypatch.setattr(tracking, "_SINK", lines.append)
    results = report.load_results(tmp_path)
    assert isinstance(results, tracking.TrackedFrame)
    assert report.load_manifest(tmp_path).get("outcomes") == {"x": 1}
    assert list(report.load_columns(tmp_path, "children_survey")["q"]) == ["text"]
    where = str(tmp_path.resolve())
    assert f"rows\t{where}/results.csv\t" in lines and f"keys\t{where}/manifest.json\toutcomes" in lines
    assert f"cols\t{where}/children_survey.parquet\tq" in lines and not any(x.startswith("read") for x in lines)
    assert len(report.load_columns(tmp_path, "children_survey")) == 1  # anything but a column: the whole table
    assert f"read\t{where}/children_survey.parquet" in lines


def test_rows_hash_follows_only_the_chosen_measures(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("measure,value\na,1\nb,2\nc,3\n")
    before = cache.rows_hash(path, ["a", "c"])
    path.write_text("measure,value\na,1\nb,9\nc,3\n")
    assert cache.rows_hash(path, ["a", "c"]) == before and cache.rows_hash(path, ["b"]) != before
    path.write_text("measure,value\na,1\nb,9\nc,4\n")
    assert cache.rows_hash(path, ["a", "c"]) != before
    first = cache.rows_hash(path, ["a"])
    path.write_text("measure,value\nb,9\na,1\nc,4\n")  # positions count: row a moved
    assert cache.rows_hash(path, ["a"]) != first
    assert cache.rows_hash(tmp_path / "none.csv", ["a"]) == "missing"


def test_columns_and_keys_hashes(tmp_path):
    table = tmp_path / "t.parquet"
    pd.DataFrame({"q": ["a", "b"], "r": [1, 2]}).to_parquet(table)
    before = cache.columns_hash(table, ["q"])
    pd.DataFrame({"q": ["a", "b"], "r": [1, 3]}).to_parquet(table)
    assert cache.columns_hash(table, ["q"]) == before and cache.columns_hash(table, ["r"]) != before
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"outcomes": 1, "inputs": 2}))
    before = cache.keys_hash(manifest, ["outcomes"])
    manifest.write_text(json.dumps({"outcomes": 1, "inputs": 3}))
    assert cache.keys_hash(manifest, ["outcomes"]) == before
    manifest.write_text(json.dumps({"outcomes": 2, "inputs": 3}))
    assert cache.keys_hash(manifest, ["outcomes"]) != before


def test_answered_pattern_follows_missing_cells_and_routing_only(tmp_path, monkeypatch, codebook):
    path = tmp_path / "children_survey.parquet"
    frame = pd.DataFrame({"mini_police": ["yes", "no"], "enjoyed": ["yes", None], "att_trust": ["agree", "neither"]})
    frame.to_parquet(path)
    before = cache.pattern_hash(path, ["mini_police"])
    frame.assign(att_trust=["agree", "agree"]).to_parquet(path)  # another answer: same pattern
    assert cache.pattern_hash(path, ["mini_police"]) == before
    frame.assign(att_trust=["agree", None]).to_parquet(path)  # an answer left out
    assert cache.pattern_hash(path, ["mini_police"]) != before
    frame.assign(mini_police=["yes", "yes"]).to_parquet(path)  # routing changed
    assert cache.pattern_hash(path, ["mini_police"]) != before

    lines: list[str] = []
    monkeypatch.setattr(tracking, "_SINK", lines.append)
    seen = report.load_answered(tmp_path, "children_survey", codebook)
    assert seen["att_trust"].tolist() == ["answered", "answered"] and seen["mini_police"].tolist() == ["yes", "yes"]
    where = str(path.resolve())
    assert f"pattern\t{where}\tmini_police" in lines and not any(x.startswith("read") for x in lines)


def test_the_cache_keys_a_page_on_the_rows_it_used(tmp_path):
    """A stored execution stays valid while its measures' rows are unchanged, whatever else changes."""
    tables, book = tmp_path / "tables", tmp_path / "book"
    tables.mkdir()
    results = tables / "results.csv"
    results.write_text("measure,value\na,1\nb,2\n")
    where = str(results.resolve())
    log = tmp_path / "reads.log"
    log.write_text(f"rows\t{where}\t\nrows\t{where}\ta\n")
    executed = tmp_path / "page.ipynb"
    executed.write_text("{}")
    notebooks = cache.NotebookCache(book, data_roots=[tables], ignore=[])
    fingerprint = cache.Fingerprint(source="s", parameters="p", helpers={}, environment="e")
    outcome = notebooks.lookup("page", fingerprint)
    assert notebooks.store(outcome, executed, log, 1.0) is not None

    results.write_text("measure,value\na,1\nb,3\n")  # another measure's row
    notebooks.forget()
    assert notebooks.lookup("page", fingerprint).reusable
    results.write_text("measure,value\na,5\nb,3\n")  # the page's own row
    notebooks.forget()
    stale = notebooks.lookup("page", fingerprint)
    assert not stale.reusable and "results.csv (the rows of the 1 measure it used)" in stale.reasons[0]

    log.write_text(f"rows\t{where}\ta\nread\t{where}\n")  # read whole as well: the whole file counts
    outcome = notebooks.lookup("page", fingerprint)
    notebooks.store(outcome, executed, log, 1.0)
    results.write_text("measure,value\na,5\nb,4\n")
    notebooks.forget()
    assert not notebooks.lookup("page", fingerprint).reusable
