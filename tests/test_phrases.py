"""helpers.report.phrases: sentence templates in definitions/phrases.yml, reworded without Python.

The book test copies the definitions folder, rewords one verdict, points
``MINIPOLICE_DEFINITIONS`` at the copy and builds a page that prints it: the
new wording is on the page and the old one is gone, with no Python file
changed. The fast tests check the templates' slots, the grades of evidence,
counts in words and that the children's chapter never prints one verdict
wording twice.
"""

from __future__ import annotations

import re
import shutil
import sys
import types
from pathlib import Path

import matplotlib
import pytest
import yaml

from helpers.build.sources import read_chapter
from helpers.core.config import DEFINITIONS_DIR, NOTEBOOKS_DIR, PHRASES_PATH, PROJECT_ROOT, RAW_DIR
from helpers.core.pipeline import run_process
from helpers.report import phrases

MINI = Path(__file__).parent / "fixtures" / "mini_book"

#: A page that prints the front page's verdict on the cadets question, the way the front page does.
_PAGE = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Verdict

```{code-cell}
:tags: [parameters, remove-cell]

processed_dir = ""  # tables written by minipolice process
```

```{code-cell}
:tags: [remove-cell]

from myst_nb import glue

from helpers.report import narrative, tables as report

glue("verdict", narrative.support(report.load_tests(processed_dir), "interest_cadets"), display=False)
```

Joining the cadets: {glue:text}`verdict`.
"""


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("processed")
    run_process(RAW_DIR, out)
    return out


def _reworded(tmp_path: Path, grade: str, new: str) -> tuple[Path, str]:
    """A copy of the definitions folder whose first wording of ``grade`` reads ``new``; returns it and the old."""
    folder = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS_DIR, folder)
    path = folder / "phrases.yml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    old = spec["verdicts"][grade][0]
    text = path.read_text(encoding="utf-8")
    assert text.count(f'"{old}"') == 1
    path.write_text(text.replace(f'"{old}"', f'"{new}"'), encoding="utf-8")
    return folder, old


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.book
def test_rewording_a_template_changes_the_page_without_python(tmp_path, processed, monkeypatch):
    from helpers.build.book import build_book

    python_before = {p: p.read_bytes() for p in (PROJECT_ROOT / "src").rglob("*.py")}
    grade = phrases.strength(float(
        __import__("pandas").read_csv(processed / "tests.csv").set_index("measure").loc["interest_cadets", "p_holm"]))
    folder, old = _reworded(tmp_path, grade, "a gap our reworded template calls out ({stats})")
    book = tmp_path / "src_book"
    book.mkdir()
    shutil.copy(MINI / "_config.yml", book / "_config.yml")
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    (book / "index.md").write_text(_PAGE)
    parameters = {"processed_dir": str(processed)}

    def build() -> str:  # the same book folder twice: its cache must see the phrase file change
        index = build_book(processed_dir=processed, book_dir=tmp_path / "book", parameters=parameters, jobs=1,
                           notebooks_dir=book, toc_path=book / "_toc.yml", config_path=book / "_config.yml")
        return _text(index.read_text(encoding="utf-8"))

    stem = old.split(" ({stats})")[0]
    before = build()
    assert stem in before
    monkeypatch.setenv("MINIPOLICE_DEFINITIONS", str(folder))  # the kernels inherit it
    after = build()
    assert "a gap our reworded template calls out (Holm-adjusted" in after
    assert stem not in after
    assert {p: p.read_bytes() for p in (PROJECT_ROOT / "src").rglob("*.py")} == python_before


def test_definitions_folder_is_overridable(tmp_path):
    import subprocess

    folder, _ = _reworded(tmp_path, "untestable", "nothing to compare here")
    code = "from helpers.report import phrases; print(phrases.verdict('untestable'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "MINIPOLICE_DEFINITIONS": str(folder)})
    assert out.stdout.strip() == "nothing to compare here"


def test_every_template_fills_from_its_slots():
    spec = phrases.load_phrases()
    for grade in phrases.GRADES:
        for template in spec["verdicts"][grade]:
            assert set(re.findall(r"\{(\w+)\}", template)) <= {"stats"}, template
    with pytest.raises(KeyError, match="does not fill"):
        phrases.sentence("sample_skew_one_force")  # {names} left empty
    with pytest.raises(KeyError, match="no sentence"):
        phrases.sentence("no_such_sentence")


def test_grades_and_wordings_in_turn(tmp_path):
    assert [phrases.strength(p) for p in (0.0001, 0.01, 0.049, 0.05, 1.0, None)] == \
        ["strong", "some", "some", "unclear", "unclear", "untestable"]
    page = phrases.Wording()
    unclear = phrases.load_phrases()["verdicts"]["unclear"]
    said = [phrases.verdict("unclear", "p = 0.5", wording=page) for _ in unclear]
    assert len(set(said)) == len(unclear)  # every wording once before any repeats
    assert phrases.verdict("unclear", "p = 0.5", wording=page) == said[0]
    assert phrases.verdict("unclear", "p = 0.5") == said[0]  # without a page: the first wording
    with pytest.raises(ValueError, match="grade"):
        phrases.verdict("weak")


def test_counts_in_words_come_from_the_phrase_file(tmp_path):
    assert [phrases.number_words(n) for n in (0, 6, 12, 13, 2500)] == ["none", "six", "twelve", "13", "2,500"]
    path = tmp_path / "phrases.yml"
    spec = yaml.safe_load(PHRASES_PATH.read_text(encoding="utf-8"))
    spec["numbers"] = ["zero", "one"]
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    assert phrases.number_words(1, path=path) == "one" and phrases.number_words(2, path=path) == "2"


def _glued_chapter(stem: str, processed: Path) -> tuple[dict[str, str], str]:
    """Run a chapter's code cells here with a recording ``glue``: its glued texts and its prose."""
    matplotlib.use("Agg")
    notebook = read_chapter(NOTEBOOKS_DIR, stem)
    glued: dict[str, str] = {}
    stub = types.ModuleType("myst_nb")
    stub.glue = lambda name, value, display=True: glued.__setitem__(name, str(value))
    saved = sys.modules.get("myst_nb")
    sys.modules["myst_nb"] = stub
    try:
        namespace: dict = {}
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            source = cell.source
            if "parameters" in cell.metadata.get("tags", []):
                source += f"\nprocessed_dir = {str(processed)!r}\n"
            exec(compile(source, f"{stem}.md", "exec"), namespace)  # noqa: S102 (the project's own chapter)
    finally:
        if saved is not None:
            sys.modules["myst_nb"] = saved
        else:
            del sys.modules["myst_nb"]
    prose = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    return glued, prose


def test_the_childrens_page_never_repeats_a_verdict(processed, monkeypatch):
    monkeypatch.chdir(NOTEBOOKS_DIR)
    glued, prose = _glued_chapter("03_children", processed)
    printed = re.findall(r"\{glue:text\}`(\w+_support)`", prose)
    assert len(printed) >= 10
    verdicts = [glued[name].split(" (Holm-adjusted")[0] for name in printed]
    repeated = {v for v in verdicts if verdicts.count(v) > 1}
    assert not repeated, repeated
    # every verdict is one of the phrase file's wordings, for the grade of its comparison
    wordings = {w.split(" ({stats})")[0] for ws in phrases.load_phrases()["verdicts"].values() for w in ws}
    assert set(verdicts) <= wordings


def test_these_modules_name_no_programme():
    """The programme's words live in its definitions (phrases.yml, the codebook's groups), not in the engine."""
    pattern = re.compile(r"mini-police|mini_police|mini police", re.IGNORECASE)
    src = PROJECT_ROOT / "src" / "helpers"
    for path in ("report/phrases.py", "report/formatting.py", "report/narrative.py", "report/change_text.py",
                 "report/tables.py", "core/derived.py"):
        found = pattern.search((src / path).read_text(encoding="utf-8"))
        assert not found, f"{path} names the programme: {found.group(0)!r}"
    assert pattern.search(PHRASES_PATH.read_text(encoding="utf-8"))  # the programme's words live in its file
