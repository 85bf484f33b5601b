"""Tests for helpers.core.loading: encodings, formats and structural faults."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core.loading import StructuralError, find_raw_file, read_raw_file

TEXT = "respondent_id,force,note\nc1,Durham,café\nc2,Cumbria,\n"


def _expected():
    return pd.DataFrame({"respondent_id": ["c1", "c2"], "force": ["Durham", "Cumbria"], "note": ["café", ""]})


@pytest.mark.parametrize("encoding, prefix, newline, name", [
    ("utf-8", b"", "\n", "utf-8"),
    ("utf-8", b"\xef\xbb\xbf", "\r\n", "utf-8-sig"),
    ("cp1252", b"", "\r\n", "cp1252"),
])
def test_csv_encodings_and_line_endings(tmp_path, encoding, prefix, newline, name):
    path = tmp_path / "x.csv"
    path.write_bytes(prefix + TEXT.replace("\n", newline).encode(encoding))
    raw = read_raw_file(path, "x")
    assert raw.encoding == name
    pd.testing.assert_frame_equal(raw.frame.astype(str), _expected(), check_dtype=False)


def test_xlsx_first_sheet_as_text(tmp_path):
    path = tmp_path / "x.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"respondent_id": ["c1", "c2"], "age": [10, None], "score": [1.5, 2]}).to_excel(
            writer, sheet_name="first", index=False)
        pd.DataFrame({"other": [1]}).to_excel(writer, sheet_name="second", index=False)
    raw = read_raw_file(path, "x")
    assert raw.encoding == "xlsx"
    assert raw.frame.to_dict("list") == {"respondent_id": ["c1", "c2"], "age": ["10", ""], "score": ["1.5", "2"]}


def test_undecodable_file_names_the_file(tmp_path):
    path = tmp_path / "children_survey.csv"
    path.write_bytes(b"respondent_id\n\x81\x8d\x8f\n")  # bytes that are neither UTF-8 nor cp1252
    with pytest.raises(StructuralError, match="children_survey.csv.*cannot be decoded"):
        read_raw_file(path, "children_survey")


def test_empty_file(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("")
    with pytest.raises(StructuralError, match="empty"):
        read_raw_file(path, "x")


def test_repeated_header(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("respondent_id,Force,force\n1,a,b\n")
    with pytest.raises(StructuralError, match="force appear more than once"):
        read_raw_file(path, "x")


def test_broken_xlsx(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"not a zip file")
    with pytest.raises(StructuralError, match="x.xlsx: not a readable .xlsx"):
        read_raw_file(path, "x")


def test_find_raw_file(tmp_path):
    with pytest.raises(StructuralError, match="children_survey.csv: raw file missing"):
        find_raw_file(tmp_path, "children_survey")
    (tmp_path / "Children_Survey.CSV").write_text("a\n")
    assert find_raw_file(tmp_path, "children_survey").name == "Children_Survey.CSV"
    (tmp_path / "children_survey.xlsx").write_bytes(b"")
    with pytest.raises(StructuralError, match="more than one raw file"):
        find_raw_file(tmp_path, "children_survey")


def test_blank_lines_are_kept_as_rows(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("respondent_id,force\nc1,Durham\n\nc2,Kent\n")
    raw = read_raw_file(path, "x")
    assert raw.frame["respondent_id"].tolist() == ["c1", "", "c2"]
