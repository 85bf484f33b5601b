"""Tests for helpers.build.book and for the built book.

The fixture book (tests/fixtures/mini_book) is built for real: papermill
injects a parameter, myst-nb glues a number computed from it into the prose.
The tests of the project's own book read book/_build/html, which `make test`
builds first; outside CI they skip if it has not been built.
"""

from __future__ import annotations

import base64
import html as html_lib
import io
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.build.book import CHANGE_PAGE, COMPARISON_PAGE, BuildError, build_book, toc_pages, write_book_config
from helpers.core import outputs
from helpers.core.config import BOOK_DIR, PROJECT_ROOT, RAW_DIR
from helpers.core.pipeline import run_process
from helpers.report.figures import load_specs
from helpers.report.recommendations import load_recommendations

MINI = Path(__file__).parent / "fixtures" / "mini_book"
HTML = BOOK_DIR / "_build" / "html"


def test_toc_pages_in_reading_order():
    pages = toc_pages(PROJECT_ROOT / "_toc.yml")
    assert pages[0] == "index" and pages[1] == "01_context" and pages[-1] == "a4_reproduction"
    assert len(pages) == len(set(pages)) == 11  # with 03b_change, built only when the survey has waves
    assert pages.index("03b_change") == pages.index("03_children") + 1
    assert toc_pages(PROJECT_ROOT / "_toc.yml", exclude=("a4_reproduction",))[-1] == "a3_data_quality"


def test_book_config_gets_banner_and_title(tmp_path):
    import yaml
    write_book_config(tmp_path, banner="<b>synthetic</b>", title="Local report: Durham")
    config = yaml.safe_load((tmp_path / "_config.yml").read_text())
    assert config["html"]["announcement"] == "<b>synthetic</b>"
    assert config["title"] == "Local report: Durham"
    assert config["execute"]["execute_notebooks"] == "off"
    assert (tmp_path / "_toc.yml").read_text() == (PROJECT_ROOT / "_toc.yml").read_text()
    write_book_config(tmp_path, exclude=("a4_reproduction",))
    assert "a4_reproduction" not in (tmp_path / "_toc.yml").read_text()
    assert "a3_data_quality" in (tmp_path / "_toc.yml").read_text()


def test_book_config_copies_the_assets_it_names(tmp_path):
    source, book = tmp_path / "source", tmp_path / "book"
    (source / "_static").mkdir(parents=True)
    (source / "_static" / "extra.css").write_text("p {}")
    (source / "logo.png").write_bytes(b"png")
    (source / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    config = "logo: logo.png\nsphinx:\n  config:\n    html_static_path: [_static]\n"
    (source / "_config.yml").write_text(config)
    book.mkdir()
    write_book_config(book, config_path=source / "_config.yml", toc_path=source / "_toc.yml")
    assert (book / "logo.png").read_bytes() == b"png"
    assert (book / "_static" / "extra.css").read_text() == "p {}"
    (source / "logo.png").unlink()
    with pytest.raises(BuildError, match="logo.png, which does not exist"):
        write_book_config(book, config_path=source / "_config.yml", toc_path=source / "_toc.yml")


@pytest.mark.book
def test_fixture_book_builds_with_parameters_glue_and_banner(tmp_path):
    index = build_book(processed_dir=tmp_path, book_dir=tmp_path / "book", parameters={"answer": 21},
                       banner="Made-up numbers", notebooks_dir=MINI, toc_path=MINI / "_toc.yml",
                       config_path=MINI / "_config.yml", html_dir=tmp_path / "html")
    assert index == tmp_path / "html" / "index.html"
    html = index.read_text()
    assert "The doubled answer is 42." in re.sub(r"<[^>]+>", "", html)
    assert "Made-up numbers" in html
    assert "answer = 21" not in html and str(tmp_path) not in html  # injected cell hidden


@pytest.mark.book
@pytest.mark.parametrize("jobs", [1, 2])
def test_failing_notebook_names_notebook_and_cell(tmp_path, jobs):
    with pytest.raises(BuildError, match=r"broken.ipynb: cell \d+ failed with ValueError: planted failure"):
        build_book(processed_dir=tmp_path, book_dir=tmp_path / "book", parameters={"answer": 1}, jobs=jobs,
                   notebooks_dir=MINI, toc_path=MINI / "_toc_broken.yml", config_path=MINI / "_config.yml")
    assert (tmp_path / "book" / "broken.ipynb").exists()  # kept for inspection


def test_undeclared_parameter_fails_loudly(tmp_path):
    with pytest.raises(BuildError, match="does not declare force"):
        build_book(processed_dir=tmp_path, book_dir=tmp_path / "book", parameters={"answer": 1, "force": "Kent"},
                   notebooks_dir=MINI, toc_path=MINI / "_toc.yml", config_path=MINI / "_config.yml")


# --- the project's own book, as built by `make book` -----------------------------------------

def _built_pages():
    if not (HTML / "index.html").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("book/_build/html is missing: `make test` builds it first")
        pytest.skip("book not built; run `make book`")
    return {page: (HTML / f"{page}.html").read_text() for page in toc_pages()
            if (HTML / f"{page}.html").exists()}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_toc_page_is_in_the_html():
    _built_pages()
    # The build writes the toc it compiled next to the notebooks: the project's
    # toc, less the 2019 comparison and the change chapter when the build left them out.
    built = toc_pages(BOOK_DIR / "_toc.yml")
    assert set(toc_pages(exclude=(COMPARISON_PAGE, CHANGE_PAGE))) <= set(built) <= set(toc_pages())
    missing = [page for page in built if not (HTML / f"{page}.html").exists()]
    assert not missing, f"toc pages without HTML: {missing}"


def test_every_page_says_the_demo_data_are_synthetic():
    for page, html in _built_pages().items():
        assert "Synthetic demonstration data" in html, page


def test_every_page_has_two_figures_and_no_placeholder():
    for page, html in _built_pages().items():
        figures = re.findall(r"<figure", html)
        assert len(figures) >= 2, f"{page}: {len(figures)} figures"
        text = _text(html).lower()
        for word in ("todo", "placeholder", "lorem ipsum", "tbd", "coming soon"):
            assert word not in text, f"{page}: {word!r}"


def test_no_identifiers_in_html_or_executed_notebooks():
    pages = _built_pages()
    ids = set()
    for name in ("children_survey", "teacher_survey", "parent_survey", "practitioner_survey"):
        frame = pd.read_csv(RAW_DIR / f"{name}.csv", dtype=str, keep_default_na=False)
        ids |= set(frame["respondent_id"])
        ids |= set(frame.get("school_id", pd.Series(dtype=str)))
    ids.discard("")
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(ids))) + r")\b")
    for page, html in pages.items():
        assert not pattern.search(_text(html)), f"{page}: {pattern.search(_text(html)).group(0)}"
    for notebook in BOOK_DIR.glob("*.ipynb"):
        # Embedded images and CSV downloads are base64: decode the CSVs and scan them,
        # drop the images (random base64 text could match a short id by chance).
        text = notebook.read_text()
        csvs = [base64.b64decode(b).decode("utf-8") for b in re.findall(_CSV_LINK, text)]
        text = re.sub(r"data:[a-z/+.-]+;(?:charset=[\w-]+;)?base64,[A-Za-z0-9+/=]+", "", text)
        text = re.sub(r'"image/(?:png|jpeg)": "[A-Za-z0-9+/=\\n]+"', "", text)
        for content in [text, *csvs]:
            found = pattern.search(content)
            assert not found, f"{notebook.name}: {found.group(0)}"


_CSV_LINK = r'data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)'
_REPORT_FIGURE = re.compile(r'<figure class="mp-figure" id="figure-(\d+)-(\d+)">(.*?)</figure>', re.S)


def test_every_2019_figure_has_caption_alt_text_and_csv():
    """Figures 3.1–5.7 each appear once, in their chapter, with the report's number and
    title, alt text that gives numbers, a cross-reference target and a CSV that parses."""
    specs = load_specs()
    found = {}
    for page, html in _built_pages().items():
        for major, minor, body in _REPORT_FIGURE.findall(html):
            number = f"{major}.{minor}"
            spec = specs[number]
            assert number not in found, f"figure {number} appears twice"
            found[number] = page
            assert f'id="{spec.label}"' in html, f"{number}: no cross-reference target"
            caption = re.search(r"<figcaption>(.*?)</figcaption>", body, re.S).group(1)
            assert f"Figure {number}" in caption and html_lib.escape(spec.title) in caption, number
            alt = html_lib.unescape(re.search(r'<img [^>]*alt="([^"]*)"', body).group(1))
            assert re.search(r"\d", alt.replace(f"Figure {number}", "")), f"{number}: alt text without numbers"
            link = re.search(r'<a href="' + _CSV_LINK + r'" download="([^"]+\.csv)">([^<]+)</a>', body)
            assert link, f"{number}: no CSV link"
            assert number in link.group(3), f"{number}: link text does not name the figure"
            table = pd.read_csv(io.StringIO(base64.b64decode(link.group(1)).decode("utf-8")), dtype=str)
            assert len(table) > 0 and set(table["figure"]) == {number}, number
    assert found == {number: spec.chapter for number, spec in specs.items()}


def test_each_recommendation_names_a_figure_and_its_current_value():
    html = _built_pages()["05_recommendations"]
    body = html.split('id="the-evidence-at-a-glance"')[0]
    sections = re.split(r"<h3>", body)[1:]
    assert len(sections) == len(load_recommendations()) == 8
    for section in sections:
        title = _text(section.split("</h3>")[0]).strip()
        assert re.search(r'href="[^"]*#fig-\d+-\d+"', section), f"{title}: no figure linked"
        values = re.findall(r'class="pasted-text[^"]*">([^<]*\d[^<]*)<', section)  # mp-prose too
        assert values, f"{title}: no glued value"


def test_glued_numbers_render_without_quotes():
    for page, html in _built_pages().items():
        assert not re.search(r"'\d[\d,.]*%?'", _text(html)), page


def test_no_local_paths_in_html():
    for page, html in _built_pages().items():
        assert str(PROJECT_ROOT) not in html, page



@pytest.mark.book
def test_pages_left_out_do_not_survive_from_an_earlier_build(tmp_path):
    """Each build starts from an empty _build: nothing from an earlier build is published."""
    kwargs = {"processed_dir": tmp_path, "book_dir": tmp_path / "book", "parameters": {"answer": 1},
              "notebooks_dir": MINI, "toc_path": MINI / "_toc.yml", "config_path": MINI / "_config.yml"}
    html = build_book(**kwargs).parent
    (html / "a4_reproduction.html").write_text("left from an earlier build")
    outputs.add_owned(tmp_path / "book", ["_build/html/a4_reproduction.html"])  # as that build recorded it
    (html / "my_notes.txt").write_text("a user's file: the tool did not write it")
    build_book(**kwargs)
    assert not (html / "a4_reproduction.html").exists()
    assert (html / "my_notes.txt").read_text() == "a user's file: the tool did not write it"


@pytest.mark.book
def test_changing_one_raw_answer_changes_the_glued_prose(tmp_path):
    """No number in the prose is typed: one child moved out of the mini-police group in
    the raw data, rebuilt, changes the glued counts on the front page."""
    built = _built_pages()["index"]
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    path = raw / "children_survey.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    first = frame.index[frame["mini_police"] == "yes"][0]
    frame.loc[first, "mini_police"] = "no"
    frame.to_csv(path, index=False)
    original = run_process(RAW_DIR, tmp_path / "original").results
    changed = run_process(raw, tmp_path / "processed").results

    def count(results, group):
        return int(results.query("measure == 'sample_size' and group == @group")["value"].iloc[0])

    before, after = count(original, "mini_police"), count(changed, "mini_police")
    assert after == before - 1
    parameters = {"data_dir": str(raw), "force": "", "min_cell": 5, "synthetic": True}
    html = build_book(processed_dir=tmp_path / "processed", book_dir=tmp_path / "book", parameters=parameters,
                      jobs=2).parent / "index.html"
    sentence = "{} of them were in the mini-police"
    assert sentence.format(before) in _text(built)
    assert sentence.format(after) in _text(html.read_text())
    assert sentence.format(before) not in _text(html.read_text())


def test_summary_counts_pages_figures_and_quarantined_rows(tmp_path):
    from helpers.build.book import summarize

    html, processed = tmp_path / "html", tmp_path / "processed"
    html.mkdir()
    processed.mkdir()
    (html / "index.html").write_text('<figure class="a"><img src="x.svg" alt="a"></figure><figure>text</figure>')
    (html / "02.html").write_text('<figure id="f"><p>c</p>\n<img src="y.svg" alt="b"></figure>'
                                  '<figure><img src="z.svg" alt="c"></figure>')
    (html / "search.html").write_text('<figure><img src="s.svg" alt="s"></figure>')
    (processed / "row_counts.csv").write_text("instrument,quarantined\nchildren_survey,3\nparent_survey,2\n")
    (processed / "validation_log.csv").write_text("file,row\na,1\nb,2\nc,3\nd,4\n")
    line = summarize(html / "index.html", processed, seconds=12.4)
    assert line.startswith("summary: 2 pages, 3 figures, 0 Sphinx warnings")
    assert "5 rows quarantined, 4 validation events, 12 s" in line
