"""Malformed files are refused, not absorbed (issue 12, point 3; docs/contract.md section 7).

* A stray double quote at the start of a cell that cannot hold a line break
  (anything but free text) swallows the rows below it into that cell: exit 2,
  naming the physical line where the quote opens and the column; nothing is
  written. Free-text columns may hold line breaks.
* Merged or blank header cells over answers in an ``.xlsx`` are refused,
  naming the cell, unless a profile's ``header_rows`` explains them.
* ``row_counts.csv`` reports the physical data lines and the records read.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from helpers.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def raw(tmp_path):
    target = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", target)
    return target


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _process(raw: Path, out: Path, capsys) -> tuple[int, str]:
    status = main(["process", "--data-dir", str(raw), "--out", str(out)])
    return status, capsys.readouterr().err


def test_stray_quote_in_force_cell_is_refused_naming_its_line(raw, tmp_path, capsys):
    path = raw / "children_survey.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    force = header.index("force")
    # Line 41 of the file: the force cell opens a quote; a later free-text cell with a quote closes it,
    # so the rows between become one cell (the 2019-style loss: fewer records, accounting still balanced).
    cells = lines[40].rstrip("\n").split(",")
    cells[force] = '"' + cells[force]
    lines[40] = ",".join(cells) + "\n"
    why = header.index("police_good_job_why")
    cells = next(csv.reader([lines[66]]))
    cells[why] = 'they said "hello'
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\").writerow(cells)
    lines[66] = buffer.getvalue().replace("\\", "")
    path.write_text("".join(lines), encoding="utf-8")
    status, err = _process(raw, tmp_path / "out", capsys)
    assert status == 2
    assert "children_survey.csv: line 41, column force" in err
    assert "stray quote" in err
    assert not (tmp_path / "out").exists()


def test_unclosed_quote_is_refused(raw, tmp_path, capsys):
    path = raw / "practitioner_survey.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = '"' + lines[3]
    path.write_text("".join(lines), encoding="utf-8")
    status, err = _process(raw, tmp_path / "out", capsys)
    assert status == 2
    assert "practitioner_survey.csv: line 4, column respondent_id" in err and "stray quote" in err
    assert not (tmp_path / "out").exists()


def test_line_breaks_in_free_text_are_answers_and_counted(raw, tmp_path, capsys):
    path = raw / "children_survey.csv"
    rows = _rows(path)
    why = rows[0].index("police_good_job_why")
    rows[5][why] = "they help\nand they listen"
    rows[9][why] = "first line\r\nsecond line\r\nthird line"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    status, _ = _process(raw, tmp_path / "out", capsys)
    assert status == 0
    counts = pd.read_csv(tmp_path / "out" / "row_counts.csv").set_index("instrument")
    children = counts.loc["children_survey"]
    assert children["records"] == children["raw_rows"] == len(rows) - 1
    assert children["data_lines"] == len(rows) - 1 + 3  # three line breaks inside two cells
    assert children["raw_rows"] == children["kept"] + children["quarantined"]
    # The physical lines of the file agree (the header line not counted).
    assert path.read_bytes().count(b"\n") - 1 == children["data_lines"]


def test_line_break_in_a_coded_cell_is_refused(raw, tmp_path, capsys):
    path = raw / "teacher_survey.csv"
    rows = _rows(path)
    col = rows[0].index("good_idea")
    rows[4][col] = "agree\nagree"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    status, err = _process(raw, tmp_path / "out", capsys)
    assert status == 2
    assert "teacher_survey.csv: line 5, column good_idea" in err


def _workbook(path: Path, header: list, rows: list[list], merge: str | None = None) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.save(path)


def _practitioners_as_xlsx(raw: Path) -> tuple[list[str], list[list[str]]]:
    path = raw / "practitioner_survey.csv"
    rows = _rows(path)
    path.unlink()
    return rows[0], rows[1:]


def test_blank_header_cell_over_answers_is_refused_naming_the_cell(raw, tmp_path, capsys):
    header, rows = _practitioners_as_xlsx(raw)
    col = header.index("achieving_aims")
    header[col] = None
    _workbook(raw / "practitioner_survey.xlsx", header, rows)
    status, err = _process(raw, tmp_path / "out", capsys)
    assert status == 2
    letter = openpyxl.utils.get_column_letter(col + 1)
    assert f"practitioner_survey.xlsx: cell {letter}1 of the header is blank" in err
    assert not (tmp_path / "out").exists()


def test_merged_header_cells_are_refused_naming_them(raw, tmp_path, capsys):
    header, rows = _practitioners_as_xlsx(raw)
    col = header.index("achieving_aims")
    first, second = (openpyxl.utils.get_column_letter(c) for c in (col + 1, col + 2))
    _workbook(raw / "practitioner_survey.xlsx", header, rows, merge=f"{first}1:{second}1")
    status, err = _process(raw, tmp_path / "out", capsys)
    assert status == 2
    assert f"header cells {first}1:{second}1 are merged" in err


def test_merged_header_cells_explained_by_header_rows(raw, tmp_path, capsys):
    """Two header rows with a merged question cell over its items: the profile's header_rows reads it."""
    header, rows = _practitioners_as_xlsx(raw)
    col = header.index("achieving_aims")
    top = list(header)
    second = [""] * len(header)
    top[col] = "How much do you agree?"
    second[col] = "The mini-police is achieving its aims"  # the codebook's label: found by its item part
    top.insert(col + 1, None)
    second.insert(col + 1, "Extra statement")
    body = [r[:col + 1] + [""] + r[col + 1:] for r in rows]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(top)
    sheet.append(second)
    for r in body:
        sheet.append(r)
    c1, c2 = (openpyxl.utils.get_column_letter(c) for c in (col + 1, col + 2))
    sheet.merge_cells(f"{c1}1:{c2}1")
    book.save(raw / "practitioners export.xlsx")
    (raw / "practitioners.profile.yml").write_text(
        "instrument: practitioner_survey\nfile: practitioners export.xlsx\nheader_rows: [1, 2]\n", encoding="utf-8")
    status, err = _process(raw, tmp_path / "out", capsys)
    assert status == 0, err
    results = pd.read_csv(tmp_path / "out" / "results.csv")
    assert results["measure"].eq("achieving_aims").any()
    assert not pd.read_csv(tmp_path / "out" / "validation_log.csv")["column"].eq("achieving_aims").any()


def test_blank_header_over_an_empty_column_is_ignored(raw, tmp_path, capsys):
    header, rows = _practitioners_as_xlsx(raw)
    _workbook(raw / "practitioner_survey.xlsx", [*header, None], [[*r, None] for r in rows])
    status, _ = _process(raw, tmp_path / "out", capsys)
    assert status == 0
