"""Same inputs, same bytes: the processed tables and the executed notebooks.

* Two clean runs of ``process`` write byte-identical files (tables,
  Parquet, log, quarantine, manifest).
* Two executions of a chapter give identical notebooks, outputs included:
  SVG figures (fixed hash salt, no date), the report figures' SVG and CSV
  embedded as base64 data URIs, styled tables (no random ids, no memory
  addresses), glued values. Clock times are not kept in executed notebooks.
* ``make test`` also runs ``pytest --nbval`` (strict: every output compared)
  over the executed notebooks of the built book, with no sanitizing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from helpers.build.book import execute_notebook
from helpers.core.config import NOTEBOOKS_DIR, RAW_DIR
from helpers.core.pipeline import run_process

MESSY = Path(__file__).parent / "fixtures" / "messy"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("raw", [RAW_DIR, MESSY], ids=["demo", "messy"])
def test_two_runs_of_process_write_identical_bytes(tmp_path, raw):
    run_process(raw, tmp_path / "first")
    run_process(raw, tmp_path / "second")
    first, second = _files(tmp_path / "first"), _files(tmp_path / "second")
    assert first.keys() == second.keys() and "results.csv" in first
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_styled_tables_display_without_random_ids_or_addresses():
    from IPython.core.interactiveshell import InteractiveShell

    from helpers.report import plots

    shell = InteractiveShell.instance()
    try:
        plots.setup()
        frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
        outputs = [shell.display_formatter.format(frame.style.hide(axis="index"))[0] for _ in range(2)]
        named = shell.display_formatter.format(frame.style.set_uuid("named"))[0]
    finally:
        InteractiveShell.clear_instance()
    assert 'id="T_table1"' in outputs[0]["text/html"] and 'id="T_table2"' in outputs[1]["text/html"]
    assert outputs[0]["text/plain"] == "<styled table: 2 rows x 2 columns>"
    assert 'id="T_named"' in named["text/html"]


def _outputs(path: Path) -> list:
    notebook = json.loads(path.read_text())
    notebook["metadata"]["papermill"].pop("output_path")
    return notebook


@pytest.mark.book
def test_two_executions_of_a_chapter_are_identical(tmp_path):
    """The national overview: a report figure (SVG and CSV as data URIs), a styled table, glued prose."""
    processed = tmp_path / "processed"
    run_process(RAW_DIR, processed)
    parameters = {"data_dir": str(RAW_DIR), "processed_dir": str(processed), "force": "", "min_cell": 5,
                  "synthetic": True}
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        execute_notebook("02_national_overview", notebooks_dir=NOTEBOOKS_DIR, book_dir=tmp_path / name,
                         parameters=parameters)
    first = _outputs(tmp_path / "first" / "02_national_overview.ipynb")
    second = _outputs(tmp_path / "second" / "02_national_overview.ipynb")
    html = json.dumps(first)
    assert "data:image/svg+xml;base64," in html and "data:text/csv;" in html  # the embedded figure
    assert "<style type=" in html  # a styled table
    assert first == second
