"""Static checks of the source notebooks (STYLE.md: thin notebooks).

Each chapter in notebooks/ is a MyST Markdown notebook (jupytext) and a toc
page, converts to a notebook without outputs, starts
with one H1 title, has exactly one `parameters` cell holding literals only
(each with a comment, no '=' in the comment so papermill can parse it) that
declares the build's parameters, and defines no function or class.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from helpers.build import sources
from helpers.build.book import toc_pages
from helpers.core.config import NOTEBOOKS_DIR

BUILD_PARAMETERS = {"data_dir", "processed_dir", "force", "min_cell", "synthetic"}
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.md"))


def test_notebooks_are_exactly_the_toc_pages():
    assert {p.stem for p in NOTEBOOKS} == set(toc_pages())


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def notebook(request):
    return sources.read_chapter(request.param.parent, request.param.stem)


def test_no_stored_outputs(notebook):
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_starts_with_one_h1_title(notebook):
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    h1 = [line for c in notebook.cells if c.cell_type == "markdown"
          for line in c.source.splitlines() if re.match(r"^# ", line)]
    assert len(h1) == 1


def test_one_literal_parameters_cell(notebook):
    cells = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    tree = ast.parse(cells[0].source)
    names = set()
    for node in tree.body:
        assert isinstance(node, ast.Assign), ast.dump(node)
        assert isinstance(node.value, ast.Constant), f"{ast.unparse(node)} is not a literal"
        names |= {t.id for t in node.targets}
    assert names == BUILD_PARAMETERS
    for line in cells[0].source.splitlines():
        assert "#" in line, f"parameter without a comment: {line}"
        assert "=" not in line.split("#", 1)[1], f"papermill cannot parse a comment holding '=': {line}"


def test_no_def_or_class(notebook):
    for cell in notebook.cells:
        if cell.cell_type == "code":
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(source)):
                assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)), \
                    ast.unparse(node)[:80]


def test_no_raw_data_access(notebook):
    for cell in notebook.cells:
        if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
            assert "data_dir" not in cell.source or "read" not in cell.source, "notebooks read processed tables only"
            assert "data/raw" not in cell.source


# A number a reader sees in prose comes from the data through glue. The only
# digits allowed in markdown: the year that names the 2019 evaluation, and the
# report's figure numbers in cross-references ("Figure 4.5", "figures 4.9–4.14"),
# and code spans (file names).
_ALLOWED_NUMBERS = re.compile(
    r"\b2019\b"
    r"|[Ff]igures? \d+\.\d+(?:\s*(?:–|-|and|to)\s*\d+\.\d+)*"
    r"|<fig-\d+-\d+>|\(fig-\d+-\d+\)="
    r"|\{glue:text\}`[^`]*`|\{(?:doc|ref|numref)\}`[^`]*`"
    r"|`[^`]*`"  # code: file and column names, not numbers
)


def _typed_numbers(source: str) -> list[str]:
    text = _ALLOWED_NUMBERS.sub(" ", source)
    return re.findall(r"[^\s]*\d[^\s]*", text)


def test_typed_numbers_are_detected():
    assert _typed_numbers("Some 71% of children") == ["71%"]
    assert _typed_numbers("in 2019, see {ref}`Figure 4.5 <fig-4-5>` and {glue:text}`ch_n`") == []
    assert _typed_numbers("(fig-4-12)=") == []


def test_no_number_typed_in_prose(notebook):
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            assert _typed_numbers(cell.source) == [], cell.source[:200]


def _report_figure_calls(notebook) -> list[str]:
    calls = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            calls += re.findall(r"figures\.make_figure\(\s*\"(\d+\.\d+)\"", cell.source)
    return calls


def test_every_report_figure_is_shown_once_with_its_label():
    """Figures 3.1–5.7 each appear once, in their chapter, right after their label."""
    from helpers.report.figures import load_specs

    shown = {}
    for path in NOTEBOOKS:
        nb = sources.read_chapter(path.parent, path.stem)
        for index, cell in enumerate(nb.cells):
            for number in (_report_figure_calls(nbformat.v4.new_notebook(cells=[cell]))
                           if cell.cell_type == "code" else []):
                assert number not in shown, f"figure {number} shown twice"
                shown[number] = path.stem
                label = "(fig-" + number.replace(".", "-") + ")="
                previous = nb.cells[index - 1]
                assert previous.cell_type == "markdown" and previous.source.strip().endswith(label), \
                    f"{path.name}: figure {number} needs the label {label} right before it"
                assert "hide-input" in cell.metadata.get("tags", [])
    specs = load_specs()
    assert shown == {number: spec.chapter for number, spec in specs.items()}
