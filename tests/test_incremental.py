"""Tests for incremental builds (helpers.build.cache and the cache use in helpers.build.book).

A notebook is executed again exactly when its source, its parameters, the
helper code it imports, the packages, or a data file it read changed
(content, not timestamps); the HTML is compiled again when an executed
notebook or the configuration changed, or the HTML was tampered with; the
processed tables are rebuilt when the raw files, options, code or the
tables themselves changed.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from helpers.build import cache
from helpers.build.book import BuildError, build_book, execute_notebook, process_if_changed

MINI = Path(__file__).parent / "fixtures" / "mini_book"
MESSY = Path(__file__).parent / "fixtures" / "messy"


# -- which helper code a notebook depends on ---------------------------------------------------------

def _helpers(tmp_path: Path) -> Path:
    """A small helpers package in two subpackages: report.tables imports core.stats, report.plots nothing."""
    pkg = tmp_path / "helpers"
    for sub in ("core", "report", "demo"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text(f'"""{sub}"""\n')
    (pkg / "__init__.py").write_text('"""pkg"""\n')
    (pkg / "report" / "tables.py").write_text(
        "from ..core.stats import mean\n\ndef f():\n    from ..core import codebook\n")
    (pkg / "core" / "stats.py").write_text("import numpy\n\ndef mean():\n    pass\n")
    (pkg / "core" / "codebook.py").write_text("X = 1\n")
    (pkg / "report" / "plots.py").write_text("import matplotlib\n")
    (pkg / "demo" / "generate.py").write_text("from helpers.report.tables import f\n")
    return pkg


def test_helper_modules_follow_imports(tmp_path):
    pkg = _helpers(tmp_path)
    tables = {"__init__", "report", "report.tables", "core", "core.stats", "core.codebook"}
    assert cache.helper_modules({"report.tables"}, pkg) == tables
    assert cache.helper_modules({"report.plots"}, pkg) == {"__init__", "report", "report.plots"}
    assert cache.helper_modules({"demo.generate"}, pkg) == tables | {"demo", "demo.generate"}
    assert cache.helper_modules({"*"}, pkg) == tables | {"report.plots", "demo", "demo.generate"}


def test_notebook_imports_are_read_from_its_code_cells():
    notebook = {"cells": [
        {"cell_type": "markdown", "source": "from helpers import nothing"},
        {"cell_type": "code",
         "source": "%matplotlib inline\nfrom helpers.report import plots, tables\nimport helpers.core.stats"},
        {"cell_type": "code", "source": ["from helpers.report.figures ", "import make_figure\n", "x = 1"]},
    ]}
    assert cache.notebook_helper_modules(notebook) >= {"report.plots", "report.tables", "core.stats", "report.figures"}
    assert cache.helper_modules(cache.notebook_helper_modules(notebook), cache.HELPERS_DIR) >= {
        "report.plots", "report.tables", "core.stats", "report.figures", "report", "core"}
    assert cache.notebook_helper_modules({"cells": [{"cell_type": "code", "source": "import helpers"}]}) == {"*"}


def test_fingerprint_changes_with_imported_code_only(tmp_path):
    pkg = _helpers(tmp_path)
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    (definitions / "codebook.yml").write_text("a: 1\n")
    nb = tmp_path / "page.ipynb"
    cell = nbformat.v4.new_code_cell("from helpers.report import plots")
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), nb)

    def key(params=None):
        return cache.fingerprint(nb, params or {"a": 1}, helpers_dir=pkg, definitions_dir=definitions).key

    before = key()
    (pkg / "core" / "stats.py").write_text("import numpy  # edited\n")  # not imported by plots
    assert key() == before
    (definitions / "codebook.yml").write_text("a: 2\n")  # the programme's definitions: every notebook
    after_yml = key()
    assert after_yml != before
    (pkg / "report" / "plots.py").write_text("import matplotlib  # edited\n")
    assert key() != after_yml
    after_plots = key()
    (pkg / "report" / "__init__.py").write_text('"""report, edited"""\n')  # runs on import of report.plots
    assert key() != after_plots
    assert key({"a": 2}) != key({"a": 1})


# -- what a kernel reads ---------------------------------------------------------------------------

def test_record_reads_sees_open_listdir_and_parquet(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    pd.DataFrame({"x": [1, 2]}).to_parquet(data / "t.parquet")
    (data / "a.csv").write_text("x\n1\n")
    log = tmp_path / "reads.log"
    script = textwrap.dedent(f"""
        import os, pandas as pd
        from helpers.build.cache import record_reads
        record_reads({str(log)!r})
        pd.read_csv({str(data / "a.csv")!r})
        pd.read_parquet({str(data / "t.parquet")!r})
        os.listdir({str(data)!r})
        open({str(tmp_path / "out.txt")!r}, "w").write("x")
    """)
    subprocess.run([sys.executable, "-c", script], check=True, cwd=tmp_path)
    recorded = cache.read_log(log)
    assert {str(data / "a.csv"), str(data / "t.parquet")} <= recorded["read"]
    assert str(data) in recorded["list"]
    assert str(tmp_path / "out.txt") in recorded["write"]
    assert not any(p.startswith(sys.prefix) for p in recorded["read"])


# -- notebooks: executed again exactly when something they depend on changed ---------------------

def _reader_book(tmp_path: Path) -> tuple[Path, Path]:
    """A two-page book: the front page reads a.csv, the second page b.parquet."""
    source = tmp_path / "source"
    source.mkdir()
    params = 'processed_dir = "."  # folder of tables'
    pages = {
        "index": ("# Front", "import pandas as pd\nfrom myst_nb import glue\n"
                  "a = pd.read_csv(f'{processed_dir}/a.csv')\nglue('total', int(a['x'].sum()), display=False)",
                  "The total of a is {glue:text}`total`."),
        "second": ("# Second", "import pandas as pd\nfrom myst_nb import glue\n"
                   "b = pd.read_parquet(f'{processed_dir}/b.parquet')\nglue('rows', len(b), display=False)",
                   "Table b has {glue:text}`rows` rows."),
    }
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    for stem, (title, code, prose) in pages.items():
        cells = [nbformat.v4.new_markdown_cell(title),
                 nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}),
                 nbformat.v4.new_code_cell(code), nbformat.v4.new_markdown_cell(prose)]
        nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=kernel), source / f"{stem}.ipynb")
    (source / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: second\n")
    shutil.copyfile(MINI / "_config.yml", source / "_config.yml")
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "a.csv").write_text("x\n1\n2\n")
    pd.DataFrame({"y": [1, 2, 3]}).to_parquet(tables / "b.parquet")
    return source, tables


def _build(source: Path, tables: Path, book: Path, caplog, **kwargs) -> tuple[str, str]:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="helpers.build.book"):
        index = build_book(processed_dir=tables, book_dir=book, parameters={}, notebooks_dir=source,
                           toc_path=source / "_toc.yml", config_path=source / "_config.yml", jobs=2, **kwargs)
    return caplog.text, _text(index.read_text())


def _text(html: str) -> str:
    """A page's text: glued values sit in their own <span>, so tags are dropped before matching."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def _ran(log: str) -> set[str]:
    return {line.split("execute", 1)[1].split(":")[0].strip() for line in log.splitlines() if "execute   " in line}


@pytest.mark.book
def test_only_notebooks_whose_inputs_changed_run_again(tmp_path, caplog):
    source, tables = _reader_book(tmp_path)
    book = tmp_path / "book"
    log, html = _build(source, tables, book, caplog)
    assert _ran(log) == {"index", "second"} and "The total of a is 3." in html

    log, _ = _build(source, tables, book, caplog)  # nothing changed
    assert _ran(log) == set() and "HTML unchanged" in log

    (tables / "a.csv").write_text("x\n1\n2\n")  # same bytes, new timestamp: content decides
    os.utime(tables / "a.csv", (1, 1))
    log, _ = _build(source, tables, book, caplog)
    assert _ran(log) == set()

    (tables / "a.csv").write_text("x\n1\n2\n4\n")  # only the front page read a.csv
    log, html = _build(source, tables, book, caplog)
    assert _ran(log) == {"index"} and "input changed" in log and "a.csv" in log
    assert "The total of a is 7." in html and "reused    second" in log

    pd.DataFrame({"y": [1]}).to_parquet(tables / "b.parquet")  # Parquet reads are seen too
    log, html = _build(source, tables, book, caplog)
    assert _ran(log) == {"second"}
    assert "Table b has 1 rows." in _text((book / "_build" / "html" / "second.html").read_text())

    (tables / "a.csv").write_text("x\n1\n2\n")  # back to an earlier state: its execution is reused
    log, html = _build(source, tables, book, caplog)
    assert _ran(log) == set() and "The total of a is 3." in html

    (tables / "c.csv").write_text("x\n")  # a new table: a chapter could have tested for it
    log, _ = _build(source, tables, book, caplog)
    assert _ran(log) == {"index", "second"} and "file names" in log

    nb = nbformat.read(source / "second.ipynb", as_version=4)
    nb.cells[-1].source += " Edited."
    nbformat.write(nb, source / "second.ipynb")
    log, _ = _build(source, tables, book, caplog)
    assert _ran(log) == {"second"} and "source changed" in log

    log, _ = _build(source, tables, book, caplog, use_cache=False)
    assert _ran(log) == {"index", "second"} and "HTML unchanged" not in log


@pytest.mark.book
def test_parameters_are_part_of_the_key(tmp_path, caplog):
    kwargs = {"processed_dir": tmp_path, "book_dir": tmp_path / "book", "notebooks_dir": MINI,
              "toc_path": MINI / "_toc.yml", "config_path": MINI / "_config.yml"}
    html = _text(build_book(parameters={"answer": 21}, **kwargs).read_text())
    assert "The doubled answer is 42." in html
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="helpers.build.book"):
        html = _text(build_book(parameters={"answer": 22}, **kwargs).read_text())
    assert "parameters changed" in caplog.text and "The doubled answer is 44." in html


@pytest.mark.book
def test_failed_notebook_is_not_cached(tmp_path):
    kwargs = {"processed_dir": tmp_path, "book_dir": tmp_path / "book", "parameters": {"answer": 1},
              "notebooks_dir": MINI, "toc_path": MINI / "_toc_broken.yml", "config_path": MINI / "_config.yml",
              "jobs": 1}
    for _ in range(2):  # fails again: nothing of the failed run was kept
        with pytest.raises(BuildError, match="planted failure"):
            build_book(**kwargs)
    assert not list((tmp_path / "book" / ".cache" / "notebooks").glob("broken/*.nb"))


def test_executed_notebook_has_no_clock_times(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    execute_notebook("index", notebooks_dir=MINI, book_dir=book, parameters={"answer": 2})
    text = (book / "index.ipynb").read_text()
    assert "start_time" not in text and "end_time" not in text and "iopub" not in text
    notebook = json.loads(text)
    injected = [c for c in notebook["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected and "remove-cell" in injected[0]["metadata"]["tags"]


# -- the processed tables ----------------------------------------------------------------------------

def test_process_runs_again_only_when_its_inputs_or_outputs_changed(tmp_path, monkeypatch):
    import helpers.core.pipeline

    raw = tmp_path / "raw"
    shutil.copytree(MESSY, raw)
    out, state = tmp_path / "out", tmp_path / "state"
    calls = []
    real = helpers.core.pipeline.run_process
    monkeypatch.setattr(helpers.core.pipeline, "run_process", lambda *a, **k: calls.append(1) or real(*a, **k))

    def process(**kwargs):
        return process_if_changed(raw, out, force=None, min_cell=5, state_dir=state, **kwargs)

    first = process()
    assert len(calls) == 1 and first.synthetic is False
    again = process()
    assert len(calls) == 1 and again.reused and again.force is None and again.synthetic is False
    os.utime(raw / "children_survey.csv", (1, 1))  # timestamps do not matter
    process()
    assert len(calls) == 1
    (out / "results.csv").write_text("tampered\n")  # the tables are checked too
    process()
    assert len(calls) == 2 and (out / "results.csv").read_text() != "tampered\n"
    with open(raw / "children_survey.csv", "ab") as handle:
        handle.write(b"\n")
    process()
    assert len(calls) == 3
    process_if_changed(raw, out, force="Durham", min_cell=5, state_dir=state)  # options are part of the key
    assert len(calls) == 4
    process(use_cache=False)
    assert len(calls) == 5


@pytest.mark.book
def test_no_op_rebuild_with_book_and_html_beside_the_tables(tmp_path, caplog):
    """`build --out OUT` writes tables, OUT/book and OUT/html side by side; the book's own folders
    appearing in OUT must not count as a change to the tables' file names (found by `make bench`)."""
    source, tables = _reader_book(tmp_path)
    log, _ = _build(source, tables, tables / "book", caplog, html_dir=tables / "html")
    assert _ran(log) == {"index", "second"} and (tables / "html" / "index.html").exists()
    log, _ = _build(source, tables, tables / "book", caplog, html_dir=tables / "html")
    assert _ran(log) == set() and "HTML unchanged" in log
    (tables / "c.csv").write_text("x\n")  # a real new table still counts
    log, _ = _build(source, tables, tables / "book", caplog, html_dir=tables / "html")
    assert _ran(log) == {"index", "second"}


def test_tree_hash_leaves_out_what_skip_names(tmp_path):
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "a.txt").write_text("a")
    before = cache.tree_hash(tmp_path)
    (tmp_path / "_build").mkdir()
    (tmp_path / "_build" / "x.html").write_text("x")
    (tmp_path / ".hidden").write_text("h")
    assert cache.tree_hash(tmp_path, skip=lambda rel: rel.parts[0] == "_build") == before
    assert cache.tree_hash(tmp_path) != before
    (tmp_path / "keep" / "a.txt").write_text("b")
    assert cache.tree_hash(tmp_path, skip=lambda rel: rel.parts[0] == "_build") != before


def test_the_html_key_follows_the_sphinx_extension(tmp_path, monkeypatch):
    """An edit to helpers.build.theme (which rewrites every page) compiles the HTML again."""
    from helpers.build import book as build

    (tmp_path / "index.ipynb").write_text("{}")
    before = build._book_inputs_hash(tmp_path, ["index"])
    assert build._book_inputs_hash(tmp_path, ["index"]) == before
    real = cache.file_hash
    monkeypatch.setattr(cache, "file_hash", lambda path: "edited" if Path(path).name == "theme.py" else real(path))
    assert build._book_inputs_hash(tmp_path, ["index"]) != before


# -- finer rebuilds: pages keyed on the result rows they print ------------------------------------

ROOT = Path(__file__).parents[1]


def _cli_build(raw: Path, out: Path) -> str:
    """``minipolice build`` in a child process (as a user runs it); its log."""
    proc = subprocess.run([sys.executable, "-m", "helpers.cli", "build", "--data-dir", str(raw), "--out", str(out),
                           "--jobs", "2"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stderr


def _pages(log: str) -> tuple[set[str], set[str]]:
    executed = set(re.findall(r"execute\s+(\S+): ", log))
    reused = set(re.findall(r"reused\s+(\S+) \(", log))
    return executed, reused


@pytest.mark.book
def test_one_answer_re_executes_only_the_pages_that_print_its_item(tmp_path):
    """Issue 15, point 5: one child's answer to "helped me speak up" (impact_speaking) changes.

    Only the children's chapter prints that item (Figure 4.5 and its table), and the 2019
    comparison reproduces the published share: those two run again. Every other page is reused,
    among them the front page, the recommendations and the methods appendix (which read
    results.csv, and manifest.json, whose input hashes changed) and the data dictionary (which
    counts answered cells of the respondent table: the answer moved, nothing went missing).
    """
    raw, out = tmp_path / "raw", tmp_path / "out"
    shutil.copytree(ROOT / "data" / "raw", raw)
    log = _cli_build(raw, out)
    pages = {p.stem for p in (out / "html").glob("*.html") if p.stem not in ("search", "genindex")}
    assert {"03_children", "index", "05_recommendations", "a1_methods"} <= pages
    html_before = {p: (out / "html" / f"{p}.html").read_text(encoding="utf-8") for p in pages}

    path = raw / "children_survey.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = frame.index[(frame["mini_police"] == "yes") & (frame["impact_speaking"] == "neither")][0]
    frame.loc[row, "impact_speaking"] = "agree"
    frame.to_csv(path, index=False, lineterminator="\n")

    log = _cli_build(raw, out)
    executed, reused = _pages(log)
    assert executed == {"03_children", "a4_reproduction"}, log
    assert reused == pages - executed
    assert "results.csv (the rows of the" in log and "measures it used)" in log  # why the chapter ran
    html_after = {p: (out / "html" / f"{p}.html").read_text(encoding="utf-8") for p in pages}
    assert html_after["03_children"] != html_before["03_children"]
    assert all(_text(html_after[p]) == _text(html_before[p]) for p in reused)
