"""Tests for helpers.report.reader, and the built books read as a reader reads them.

The unit tests feed small pages with one planted defect each to the checks, so
each check is shown to fail when it should. The ``book`` tests run every check
over the national book (``book/_build/html``, built by ``make book``, as
``tests/test_build.py`` finds it) and over a local report for one force,
built once for this module.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.build.book import build_book, pages_left_out
from helpers.core.config import BOOK_DIR, RAW_DIR
from helpers.core.pipeline import run_process
from helpers.report.reader import book_defects, case_labels, lowered_labels, page_defects, page_text

HTML = BOOK_DIR / "_build" / "html"


def _page(body: str) -> str:
    return f"<html><body><nav><p>menu ( nav )</p></nav><main><article>{body}</article></main></body></html>"


def _defects(body: str) -> list[str]:
    return page_defects(_page(body))["defect"].tolist()


def test_a_page_that_reads_as_written_has_no_defects():
    body = ("<h1>Children<a class='headerlink' href='#c'>#</a></h1>"
            "<p>About <strong>17</strong> children per school (range 3–40) took part; 71% agreed.</p>"
            "<pre>import pandas ( x )</pre><script>var a = '<x.Y object>';</script>")
    assert _defects(body) == []


@pytest.mark.parametrize(("body", "defect"), [
    ("<p>&lt;IPython.core.display.Markdown object&gt;</p>", "object repr"),
    ("<p>&lt;matplotlib.figure.Figure object at 0x7f00ab&gt;</p>", "object repr"),
    ("<p>:::{note}</p><p>Illustrative values.</p>", "raw MyST markup"),
    ("<p>See {doc}`a4_reproduction` for more.</p>", "raw MyST markup"),
    ("<p>We had {glue:text}`ch_n` children.</p>", "raw MyST markup"),
    ("<p>As {cite:p}`callender2019` says.</p>", "raw MyST markup"),
    ("<td>2019 report (seed 001_9379791b815ce9f9.txt)</td>", "internal file name"),
    ("<p>building positive relationships ( 54% ).</p>", "space inside parentheses"),
    ("<p>as the census shows , most forces</p>", "space before punctuation"),
    ("<p>or 16.98 children per school on average.</p>", "count with decimals"),
    ("<p>A sentence that is long enough to count as one, said twice. "
     "A sentence that is long enough to count as one, said twice.</p>", "sentence printed twice"),
    ("<details><summary><p>Show code cell source</p></summary></details>", "code on the page"),
    ("<div class='cell_input docutils container'><div>x = 1</div></div>", "code on the page"),
    ("<p>Most children agreed that i think that the police work well with young people.</p>", "label lower-cased"),
    ("<li>Fewer said i trust the police.</li>", "label lower-cased"),
])
def test_each_defect_is_found(body, defect):
    assert defect in _defects(body)


def test_visible_text_leaves_out_navigation_scripts_and_permalinks():
    text, paragraphs = page_text(_page("<h2>References<a class='headerlink'>#</a></h2><p>One.</p>"))
    assert "menu" not in text and "#" not in text and "References" in text
    assert paragraphs == ["One."]


def _write_book(tmp_path: Path, pages: dict[str, str]) -> Path:
    for name, body in pages.items():
        (tmp_path / name).write_text(_page(body), encoding="utf-8")
    return tmp_path


BIBLIOGRAPHY = ("<p class='rubric'>References</p><div class='docutils container'><div class='citation-list'>"
                "<div class='citation' id='id5' role='doc-biblioentry'><span class='label'>"
                "<span class='fn-bracket'>[</span>CCMB19<span class='fn-bracket'>]</span></span>"
                "<p>Callender and others. National Evaluation. 2019.</p></div></div></div>")


def test_a_book_with_resolving_citations_and_a_reference_list_passes(tmp_path):
    book = _write_book(tmp_path, {
        "01_context.html": "<p>The evaluation <span class='bibtex-citation'>(<a class='reference internal' "
                           "href='#id5'>Callender <em>et al.</em>, 2019</a>)</span>.</p>" + BIBLIOGRAPHY,
        "a1_methods.html": "<p>As before <span class='bibtex-citation'>(<a class='reference internal' "
                           "href='01_context.html#id5'>Callender <em>et al.</em>, 2019</a>)</span>.</p>",
    })
    assert book_defects(book).empty


def test_a_book_without_references_or_with_a_dangling_citation_fails(tmp_path):
    book = _write_book(tmp_path, {"index.html": "<p>Hello.</p>"})
    assert book_defects(book)["defect"].tolist() == ["no reference list"]
    book = _write_book(tmp_path, {
        "01_context.html": BIBLIOGRAPHY,
        "a1_methods.html": "<p>See <span class='bibtex-citation'>(<a class='reference internal' "
                           "href='01_context.html#id9'>Nobody, 2000</a>)</span>.</p>",
    })
    found = book_defects(book)
    assert found["defect"].tolist() == ["citation does not resolve"]
    assert "Nobody, 2000" in found["example"].iloc[0]


# --- the built books ----------------------------------------------------------------------


def _national_html() -> Path:
    if not (HTML / "index.html").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("book/_build/html is missing: `make test` builds it first")
        pytest.skip("book not built; run `make book`")
    return HTML


LOCAL_FORCE = "Durham"  # has children, adults and census rows in the demo data


@pytest.fixture(scope="module")
def local_html(tmp_path_factory) -> Path:
    """A local (``--force``) report from the demo data, built once for this module."""
    out = tmp_path_factory.mktemp("reader-local")
    raw = out / "raw"
    shutil.copytree(RAW_DIR, raw)
    result = run_process(raw, out / "processed", force=LOCAL_FORCE)
    parameters = {"data_dir": str(raw), "force": result.force or "", "min_cell": 5, "synthetic": True}
    return build_book(processed_dir=out / "processed", book_dir=out / "book", parameters=parameters, jobs=2,
                      exclude=pages_left_out(out / "processed", compare=False)).parent


def _report(found: pd.DataFrame) -> str:
    return "\n".join(f"{r.page}: {r.defect}: {r.example}" for r in found.head(20).itertuples())


@pytest.mark.book
def test_national_book_reads_as_written():
    found = book_defects(_national_html())
    assert found.empty, _report(found)


@pytest.mark.book
def test_national_book_cites_by_author_and_year():
    html = (_national_html() / "01_context.html").read_text(encoding="utf-8")
    assert "Callender" in html and "2019" in html
    assert "role=\"doc-biblioentry\"" in html or "class=\"citation\"" in html


@pytest.mark.book
def test_local_book_reads_as_written(local_html):
    found = book_defects(local_html)
    assert found.empty, _report(found)


def test_labels_keep_their_case_in_sentences_but_ordinary_words_may_be_lowered():
    labels = case_labels()
    assert "I trust the police" in labels and "A bit safer" not in labels  # "a bit safer" is good prose
    ok = ("“I trust the police” drew most agreement. I trust the police, said many. Children felt a bit safer, "
          "and making an impact on others came second.")
    assert lowered_labels(ok) == []
    assert lowered_labels("They said that i trust the police.") == [("I trust the police", "i trust the police")]
    # the line breaks and curly apostrophes of a rendered page do not hide a lowered label
    label = "I know how to contact the police if I need them"
    assert lowered_labels("so i know how to contact\nthe police if i need them", [label])
