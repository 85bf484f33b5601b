"""Every context number is written in the source document its row cites (maintainers' check)."""

from __future__ import annotations

import pandas as pd
import pytest
from seedtrace import seed_files, trace_numbers

from helpers.report.context import load_evidence, load_programmes


@pytest.fixture(scope="module")
def evidence():
    return load_evidence()


@pytest.fixture(scope="module")
def programmes():
    return load_programmes()


@pytest.mark.parametrize("loader", [load_evidence, load_programmes], ids=["evidence", "programmes"])
def test_every_cited_seed_file_exists(loader, seeds_dir):
    found = seed_files(loader(), seeds_dir=seeds_dir)
    assert len(found) >= len(loader())
    assert found["exists"].all(), found.loc[~found["exists"]].to_dict("records")


@pytest.mark.parametrize("loader", [load_evidence, load_programmes], ids=["evidence", "programmes"])
def test_every_number_is_written_in_the_cited_seed(loader, seeds_dir):
    traced = trace_numbers(loader(), seeds_dir=seeds_dir)
    assert len(traced) > 20
    missing = traced.loc[~traced["found"]]
    assert missing.empty, missing.to_dict("records")


def test_evidence_values_are_found_near_the_cited_line(evidence, seeds_dir):
    traced = trace_numbers(evidence, seeds_dir=seeds_dir)
    numeric = traced[traced["column"].isin(["value", "comparator_value"])]
    expected = int(evidence["value"].notna().sum() + evidence["comparator_value"].notna().sum())
    assert len(numeric) == expected and numeric["found"].all()


def test_trace_numbers_catches_an_invented_number(evidence, programmes, seeds_dir):
    changed = evidence.copy()
    changed.loc[changed["id"] == "E22", "value"] = 37.0   # the report says 36
    traced = trace_numbers(changed, seeds_dir=seeds_dir)
    assert traced.loc[(traced["id"] == "E22") & (traced["column"] == "value"), "found"].tolist() == [False]
    changed = programmes.copy()
    changed.loc[changed["id"] == "PR11", "reach"] = "target of 7,466 participants"
    traced = trace_numbers(changed, seeds_dir=seeds_dir)
    assert not traced.loc[traced["id"] == "PR11", "found"].all()


def test_seed_files_flags_a_missing_file(tmp_path):
    frame = pd.DataFrame({"id": ["X1"], "seed": ["001_9379791b815ce9f9.txt; 009_0000000000000000.txt"]})
    (tmp_path / "001_9379791b815ce9f9.txt").write_text("text")
    assert seed_files(frame, seeds_dir=tmp_path)["exists"].tolist() == [True, False]


def test_trace_numbers_reads_thousands_separators(tmp_path):
    (tmp_path / "001_9379791b815ce9f9.txt").write_text("line one\nsome 46,000 children\nline three\n")
    frame = pd.DataFrame({"id": ["E01"], "seed": ["001_9379791b815ce9f9.txt"], "seed_line": [2],
                          "value": [46000.0], "comparator_value": [float("nan")],
                          "population": ["children under 18"]})
    traced = trace_numbers(frame, seeds_dir=tmp_path)
    assert traced[["column", "number", "found"]].values.tolist() == [
        ["value", "46000", True], ["population", "18", False]]

