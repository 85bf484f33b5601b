"""Static checks of the source notebooks (STYLE.md: thin notebooks).

Each notebook in notebooks/ is a toc page, is stored without outputs, starts
with one H1 title, has exactly one `parameters` cell holding literals only
(each with a comment, no '=' in the comment so papermill can parse it) that
declares the build's parameters, and defines no function or class.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from helpers.build import toc_pages
from helpers.config import NOTEBOOKS_DIR

BUILD_PARAMETERS = {"data_dir", "processed_dir", "force", "min_cell", "synthetic"}
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def test_notebooks_are_exactly_the_toc_pages():
    assert {p.stem for p in NOTEBOOKS} == set(toc_pages())


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def notebook(request):
    return nbformat.read(request.param, as_version=4)


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
