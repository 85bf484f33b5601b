"""Tests for helpers.build.pdf and for the PDF edition that `make pdf` writes (issue 6).

The PDF is read with Debian's poppler-utils (pdfinfo, pdftotext, pdftoppm):
its page count, the title page, a contents whose page numbers lead to their
chapters, every report figure, and a figure page rendered to PNG that is not
blank. `make test` writes the PDF first; elsewhere these tests skip with a
message when it or poppler-utils is missing, except under CI=true, where
they fail.
"""

from __future__ import annotations

import html as html_lib
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from helpers.build.book import build_book, toc_pages
from helpers.build.pdf import PDF_NAME, PdfError, build_singlehtml, find_chromium, locate_markers, write_pdf
from helpers.core.config import BOOK_DIR
from helpers.report.figures import load_specs

PDF = BOOK_DIR / "_build" / "pdf" / PDF_NAME
HTML = BOOK_DIR / "_build" / "html"
MINI = Path(__file__).parent / "fixtures" / "mini_book"


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the PDF tests must run)")
    pytest.skip(reason)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        _unavailable(f"{name} not found: `apt-get install poppler-utils`")
    return path


def _pdf() -> Path:
    if not PDF.exists():
        _unavailable(f"{PDF.relative_to(BOOK_DIR.parent)} is missing: run `make pdf` (`make test` writes it)")
    return PDF


def _page_count(pdf: Path) -> int:
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _pages_text(pdf: Path) -> list[str]:
    """Text of each page in reading layout (pdftotext separates pages with form feeds), whitespace collapsed."""
    text = subprocess.run([_tool("pdftotext"), "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [re.sub(r"\s+", " ", page) for page in text.split("\f")]


def _chapter_titles() -> dict[str, str]:
    """Each built page's title, as its HTML <title> gives it (before " — book title")."""
    titles = {}
    for page in toc_pages(BOOK_DIR / "_toc.yml"):
        head = re.search(r"<title>(.*?)</title>", (HTML / f"{page}.html").read_text(encoding="utf-8"), re.S)
        titles[page] = html_lib.unescape(head.group(1)).split(" \u2014 ")[0].strip()
    return titles


# --- helpers.build.pdf ------------------------------------------------------------------------------

def test_markers_are_located_on_the_page_where_first_seen():
    text = "title\f@@mp-toc-1@@ Summary\f@@mp-toc-2@@ and again @@mp-toc-1@@\f\f@@mp-toc-3@@"
    assert locate_markers(text) == {"mp-toc-1": 2, "mp-toc-2": 3, "mp-toc-3": 5}
    assert locate_markers("no markers\fhere") == {}


def test_chromium_can_be_named_by_environment(monkeypatch, tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("")
    monkeypatch.setenv("MINIPOLICE_CHROMIUM", str(fake))
    assert find_chromium() == str(fake)
    monkeypatch.setenv("MINIPOLICE_CHROMIUM", str(tmp_path / "absent"))
    assert find_chromium() is None


def test_a_folder_without_an_executed_book_is_refused(tmp_path):
    with pytest.raises(PdfError, match="no executed book here"):
        build_singlehtml(tmp_path, tmp_path / "out")


@pytest.mark.book
def test_pdf_of_another_built_book(tmp_path):
    """The fixture book, built like a local report, prints to a PDF with a title page and its glued prose."""
    if not find_chromium():
        _unavailable("Chromium not found: `apt-get install chromium`")
    book = tmp_path / "book"
    build_book(processed_dir=tmp_path, book_dir=book, parameters={"answer": 21}, banner="Made-up numbers",
               title="Local report: Fixtureshire", notebooks_dir=MINI, toc_path=MINI / "_toc.yml",
               config_path=MINI / "_config.yml")
    pdf = write_pdf(book)
    assert pdf == book / "_build" / "pdf" / PDF_NAME
    pages = _pages_text(pdf)
    assert "Local report: Fixtureshire" in pages[0] and "Made-up numbers" in pages[0]
    assert "Contents" in pages[1]
    assert any("The doubled answer is 42." in page for page in pages)


# --- the PDF edition of the project's book, as `make pdf` writes it ---------------------------

def test_page_count_is_plausible():
    assert _page_count(_pdf()) > 10


def test_title_page_names_the_report_and_says_the_data_are_synthetic():
    first = _pages_text(_pdf())[0]
    config = yaml.safe_load((BOOK_DIR / "_config.yml").read_text(encoding="utf-8"))
    assert config["title"] in first
    if config["html"].get("announcement"):
        assert "Synthetic demonstration data" in first


def test_contents_lists_every_chapter_with_the_page_it_starts_on():
    pages = _pages_text(_pdf())
    titles = _chapter_titles()
    assert pages[1].startswith(" Contents") or "Contents" in pages[1][:40], "page 2 is not the contents"
    # The contents runs from page 2 to the page before the front page, its first entry.
    front = re.search(re.escape(titles[toc_pages(BOOK_DIR / "_toc.yml")[0]]) + r" (\d+)", pages[1])
    assert front, "the contents does not start with the front page"
    contents = " ".join(pages[1:int(front.group(1)) - 1])
    for page, title in titles.items():
        found = re.search(re.escape(title) + r" (\d+)", contents)
        assert found, f"{page}: {title!r} not in the contents with a page number"
        number = int(found.group(1))
        assert title in pages[number - 1], f"{title!r} is not on page {number}, as the contents says"


def test_every_report_figure_is_in_the_pdf():
    text = " ".join(_pages_text(_pdf()))
    missing = [number for number in load_specs() if f"Figure {number} " not in text]
    assert not missing, f"figures missing from the PDF: {missing}"
    assert "Download the data" not in text  # CSV links become notes: a PDF cannot download


def test_the_pdf_has_no_code():
    """The PDF edition, like the HTML, shows results and never the code that made them."""
    raw = subprocess.run([_tool("pdftotext"), "-layout", "-enc", "UTF-8", str(_pdf()), "-"], capture_output=True,
                         text=True, check=True).stdout
    code = [line.strip() for line in raw.splitlines()
            if re.match(r"\s*(import \w+$|import \w+ as |from \w[\w.]* import \w|glue\(|"
                        r"(plots|figures|report|narrative|context)\.\w+\()", line)]
    assert not code, f"code in the PDF: {code[:5]}"
    assert "Show code cell source" not in raw


def test_first_pages_render_and_a_figure_page_is_not_blank(tmp_path):
    from PIL import Image, ImageStat

    pdf = _pdf()
    pdftoppm = _tool("pdftoppm")
    subprocess.run([pdftoppm, "-r", "40", "-png", "-f", "1", "-l", "4", str(pdf), str(tmp_path / "first")], check=True)
    assert len(list(tmp_path.glob("first-*.png"))) == 4
    pages = _pages_text(pdf)
    number = next(i for i, page in enumerate(pages, 1) if "Figure 4.1 School Engagement" in page)
    subprocess.run([pdftoppm, "-r", "60", "-png", "-f", str(number), "-l", str(number), str(pdf),
                    str(tmp_path / "figure")], check=True)
    (png,) = tmp_path.glob("figure-*.png")
    with Image.open(png) as image:
        grey = image.convert("L")
        inked = sum(grey.histogram()[:200]) / (grey.width * grey.height)
        assert ImageStat.Stat(grey).stddev[0] > 20, f"page {number} looks blank"
        assert inked > 0.03, f"page {number}: only {inked:.1%} of it is inked; the chart is missing"
        rgb = np.asarray(image.convert("RGB"), dtype=int)
        coloured = int(((rgb.max(axis=2) - rgb.min(axis=2)) > 60).sum())
        assert coloured > 0.01 * grey.width * grey.height, f"page {number}: hardly any colour, so no chart"
