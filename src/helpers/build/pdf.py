"""The PDF edition: the whole report as one printable file, made offline.

One job: from the executed book (what ``minipolice build`` leaves in the book
folder) to ``_build/pdf/minipolice-report.pdf``.

1. Jupyter Book compiles the executed notebooks, with the ``_config.yml`` and
   ``_toc.yml`` the build wrote beside them, into one single-page HTML file
   (``--builder singlehtml``, warnings are errors). Nothing is executed again.
2. Headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright; no
   browser is downloaded) opens it. The page gets a title page and a contents
   list (parts, chapters and their sections); each chapter starts on a new
   page; code toggles are left out; each figure's CSV download, which a PDF
   cannot offer, becomes a note pointing to the HTML edition. The book's print
   styles (``book_assets/static/minipolice.css``) apply, and this module's
   own (class ``mp-pdf``) lay out the title page and contents.
3. It is printed twice on A4. The first print places invisible markers at
   each contents entry; ``pdftotext`` (Debian's poppler-utils) finds the page
   of each, and the second print writes those page numbers into the
   contents. Without ``pdftotext`` the contents has no page numbers (a
   warning says so). The PDF has page numbers in the footer, bookmarks from
   the headings and tags for screen readers.

``make pdf`` runs this after ``make book``; ``python -m helpers.build.pdf --book-dir
DIR`` makes the PDF of another built book (a local report's ``OUT/book``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from helpers import __version__
from helpers.build.book import read_toc
from helpers.core import outputs
from helpers.core.config import BOOK_DIR
from helpers.core.programme import load_programme

__all__ = ["PDF_NAME", "CHROMIUM_ARGS", "PdfError", "find_chromium", "launch_chromium", "build_singlehtml",
           "locate_markers", "print_page", "print_html_files", "write_pdf", "main"]

log = logging.getLogger(__name__)

#: File name of the PDF edition, written to ``<book>/_build/pdf/``.
PDF_NAME = "minipolice-report.pdf"

#: Flags for headless Chromium on a machine without internet access: no sandbox (runs as root
#: in CI), no GPU, and none of the background connections (updates, sync, QUIC) that a closed
#: network refuses, each refusal logged as an error.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")

_MARKER = re.compile(r"@@(mp-toc-\d+)@@")


class PdfError(RuntimeError):
    """The PDF could not be made: no built book, no Chromium, or the single-page build failed."""


def find_chromium() -> str | None:
    """Path of the Chromium to drive: ``$MINIPOLICE_CHROMIUM``, else ``chromium`` on the PATH, else None."""
    override = os.environ.get("MINIPOLICE_CHROMIUM")
    if override:
        return override if Path(override).exists() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def launch_chromium(playwright, executable: str | None = None):
    """A headless Chromium browser from a started ``sync_playwright()``, launched with :data:`CHROMIUM_ARGS`.

    Raises
    ------
    PdfError
        No Chromium found (``apt-get install chromium``).
    """
    executable = executable or find_chromium()
    if not executable:
        raise PdfError("Chromium not found: install Debian's chromium (apt-get install chromium) "
                       "or set MINIPOLICE_CHROMIUM to its path")
    return playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))


def _jupyter_book() -> list[str]:
    script = Path(sys.executable).with_name("jupyter-book")
    return [str(script)] if script.exists() else [sys.executable, "-m", "jupyter_book.cli.main"]


def build_singlehtml(book_dir: Path, out_dir: Path) -> Path:
    """Compile the executed book in ``book_dir`` into one HTML page under ``out_dir``; return its path.

    Raises
    ------
    PdfError
        The book folder holds no built book, or Sphinx reported a warning or error.
    """
    book_dir = Path(book_dir)
    missing = [name for name in ("_config.yml", "_toc.yml") if not (book_dir / name).exists()]
    if missing or not any(book_dir.glob("*.ipynb")):
        raise PdfError(f"{book_dir}: no executed book here (run `make book` first)")
    cmd = [*_jupyter_book(), "build", str(book_dir), "--builder", "singlehtml", "--path-output", str(out_dir),
           "-W", "-n", "--keep-going"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    index = Path(out_dir) / "_build" / "singlehtml" / "index.html"
    if proc.returncode != 0 or not index.exists():
        output = (proc.stdout + "\n" + proc.stderr).splitlines()
        problems = [line for line in output if "WARNING" in line or "ERROR" in line] or output[-15:]
        raise PdfError("single-page build failed:\n  " + "\n  ".join(problems[:40]))
    return index


def locate_markers(text: str) -> dict[str, int]:
    """Page (from 1) of each contents marker in ``pdftotext`` output, pages separated by form feeds.

    A marker found on several pages counts where it is first seen.

    Examples
    --------
    >>> locate_markers("title\\f@@mp-toc-1@@ Summary\\fmore @@mp-toc-2@@\\f@@mp-toc-1@@")
    {'mp-toc-1': 2, 'mp-toc-2': 3}
    """
    pages: dict[str, int] = {}
    for number, page in enumerate(text.split("\f"), 1):
        for marker in _MARKER.findall(page):
            pages.setdefault(marker, number)
    return pages


def _marker_pages(pdf: Path) -> dict[str, int] | None:
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        log.warning("pdftotext not found (Debian package poppler-utils): the contents has no page numbers")
        return None
    proc = subprocess.run([pdftotext, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
    return locate_markers(proc.stdout)


# Runs in the single-page book before printing. Adds the title page and the contents (with a
# marker at each entry's target), turns CSV downloads into notes, and marks the page as the
# PDF edition for the stylesheet. Returns the number of contents entries.
_PREPARE = r"""
(opts) => {
  const el = (tag, attrs = {}, text = null) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text !== null) node.textContent = text;
    return node;
  };
  const headingText = (h) => {
    const copy = h.cloneNode(true);
    copy.querySelectorAll(".headerlink").forEach((a) => a.remove());
    return copy.textContent.replace(/\s+/g, " ").trim();
  };
  document.documentElement.classList.add("mp-pdf");
  document.title = opts.title;
  const article = document.querySelector("article.bd-article") || document.querySelector("main");
  const root = article.querySelector("section");

  let count = 0;
  const entry = (section, level) => {
    const heading = section.querySelector(":scope > h1, :scope > h2, :scope > h3, :scope > h4");
    if (!heading) return null;
    const id = "mp-toc-" + (++count);
    const marker = el("span", {id: id, class: "mp-marker"}, "@@" + id + "@@");
    section.insertBefore(marker, section.firstChild);
    const item = el("li", {class: level === 1 ? "mp-chapter" : "mp-section"});
    const line = el("div", {class: "mp-entry"});
    line.append(el("a", {href: "#" + id}, headingText(heading)), el("span", {class: "mp-leader"}),
                el("span", {class: "mp-page", "data-marker": id}));
    item.append(line);
    return item;
  };
  const chapter = (section) => {
    const item = entry(section, 1);
    if (!item) return null;
    const subs = el("ol");
    for (const sub of section.querySelectorAll(":scope > section")) {
      const child = entry(sub, 2);
      if (child) subs.append(child);
    }
    if (subs.children.length) item.append(subs);
    return item;
  };

  const contents = el("nav", {class: "mp-contents", "aria-labelledby": "mp-contents-title"});
  contents.append(el("h2", {id: "mp-contents-title"}, "Contents"));
  const front = el("ol");
  const rootItem = root ? chapter(root) : null;
  if (rootItem) front.append(rootItem);
  contents.append(front);
  for (const part of opts.parts) {
    const list = el("ol");
    for (const stem of part.files) {
      const anchor = document.getElementById("document-" + stem);
      const section = anchor && anchor.nextElementSibling;
      if (section && section.tagName === "SECTION") {
        const item = chapter(section);
        if (item) list.append(item);
      }
    }
    if (!list.children.length) continue;
    if (part.caption) contents.append(el("p", {class: "mp-part"}, part.caption));
    contents.append(list);
  }

  const title = el("section", {class: "mp-title-page", "aria-labelledby": "mp-title"});
  title.append(el("h1", {id: "mp-title"}, opts.title));
  if (opts.author) title.append(el("p", {class: "mp-subtitle"}, opts.author));
  if (opts.notice) {
    const notice = el("div", {class: "mp-notice", role: "note"});
    notice.innerHTML = opts.notice;
    title.append(notice);
  }
  title.append(el("p", {class: "mp-built"}, opts.built));
  article.insertBefore(contents, article.firstChild);
  article.insertBefore(title, contents);

  for (const link of document.querySelectorAll('a[download][href^="data:"]')) {
    const what = link.textContent.replace(/^Download the data/, "The data");
    const note = el("span", {class: "mp-csv-note"}, what + " can be downloaded from the HTML edition.");
    link.replaceWith(note);
  }
  // The numbers behind each chart are folded under it on screen; on paper they are printed open.
  document.querySelectorAll("details.mp-chart-data").forEach((details) => { details.open = true; });
  return count;
}
"""

# The PDF edition's layout, added to the page before printing (so any built book prints the
# same way); the book's own print styles are in book_assets/static/minipolice.css.
_PDF_CSS = """
html.mp-pdf #jb-print-docs-body {
  display: none !important;
}
/* The theme's print styles hide the first h1 (its own print title repeats
   it); the PDF edition has its own title page and shows every heading. */
html.mp-pdf .bd-main .bd-content .bd-article h1:first-of-type {
  display: block;
}
html.mp-pdf span[id^="document-"] + section {
  break-before: page;
}
html.mp-pdf .mp-title-page {
  break-after: page;
  min-height: 230mm;
  display: flex;
  flex-direction: column;
  justify-content: center;
}
html.mp-pdf .mp-title-page h1 {
  font-size: 2.4rem;
  margin-bottom: 0.5em;
}
html.mp-pdf .mp-title-page .mp-subtitle {
  font-size: 1.25rem;
}
html.mp-pdf .mp-title-page .mp-notice {
  border-left: 4px solid var(--pst-color-warning);
  padding: 0.5em 1em;
  margin: 2em 0;
}
html.mp-pdf .mp-contents {
  break-after: page;
}
html.mp-pdf .mp-contents ol {
  list-style: none;
  padding-left: 0;
  margin: 0;
}
html.mp-pdf .mp-contents ol ol {
  padding-left: 1.5em;
}
html.mp-pdf .mp-contents .mp-part {
  font-weight: 600;
  margin: 1em 0 0.3em;
}
html.mp-pdf .mp-contents .mp-entry {
  display: flex;
  align-items: baseline;
  margin: 0.15em 0;
}
html.mp-pdf .mp-contents .mp-entry a {
  color: var(--pst-color-text-base);
  text-decoration: none;
}
html.mp-pdf .mp-contents .mp-chapter > .mp-entry {
  font-weight: 600;
}
html.mp-pdf .mp-contents .mp-leader {
  flex: 1;
  border-bottom: 1px dotted var(--pst-color-text-muted);
  margin: 0 0.4em;
}
html.mp-pdf .mp-contents .mp-page {
  width: 2.5em;
  text-align: right;
  font-variant-numeric: tabular-nums;
}
/* Where pages are located for the contents: out of the flow, so the first
   pass lays out exactly like the second. */
html.mp-pdf .mp-marker {
  position: absolute;
  font-size: 2px;
  color: #fff;
}
"""

_NUMBER = r"""
(pages) => {
  for (const span of document.querySelectorAll(".mp-page")) {
    span.textContent = pages[span.dataset.marker] ?? "";
  }
  for (const marker of document.querySelectorAll(".mp-marker")) marker.textContent = "";
}
"""

_FOOTER = ('<div style="font-size:8pt;width:100%;margin:0 15mm;display:flex;justify-content:space-between;'
           'color:#333;font-family:sans-serif"><span class="title"></span>'
           '<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>')


def _browser(chromium: str | None):
    """Playwright's ``sync_playwright`` and the Chromium to drive, or :class:`PdfError` saying what is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise PdfError("Playwright for Python is not installed (it is in requirements.lock: `make venv`)") from None
    chromium = chromium or find_chromium()
    if not chromium:
        raise PdfError("Chromium not found: install Debian's chromium (apt-get install chromium) "
                       "or set MINIPOLICE_CHROMIUM to its path")
    return sync_playwright, chromium


def print_page(page, path: Path) -> None:
    """Print an open Playwright page to ``path``: A4, backgrounds, bookmarks, tags, numbered footer.

    The footer names the page's ``<title>`` and says "Page n of m". The report's PDF edition and the
    printable questionnaires (:mod:`helpers.core.questionnaire`) are printed by this one function.
    """
    page.pdf(path=str(path), format="A4", print_background=True, outline=True, tagged=True,
             display_header_footer=True, header_template="<span></span>", footer_template=_FOOTER,
             margin={"top": "16mm", "bottom": "18mm", "left": "15mm", "right": "15mm"})



def print_html_files(pairs, *, chromium: str | None = None) -> list[Path]:
    """Print standalone HTML files to PDF with one headless Chromium; return the PDFs written.

    Parameters
    ----------
    pairs : iterable of (Path, Path)
        ``(html, pdf)``: each HTML file is opened from disk (its fonts loaded) and printed with
        :func:`print_page` to its PDF; the PDF's folder is created.
    chromium : str, optional
        Chromium executable; default :func:`find_chromium`.

    Raises
    ------
    PdfError
        Playwright or Chromium missing.
    """
    sync_playwright, chromium = _browser(chromium)
    written = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, chromium)
        try:
            page = browser.new_page()
            for html, pdf in pairs:
                page.goto(Path(html).resolve().as_uri(), wait_until="load")
                page.evaluate("() => document.fonts.ready.then(() => true)")
                Path(pdf).parent.mkdir(parents=True, exist_ok=True)
                print_page(page, Path(pdf))
                written.append(Path(pdf))
        finally:
            browser.close()
    return written


def _built_on() -> str:
    # SOURCE_DATE_EPOCH (reproducible-builds.org) fixes the date for byte-for-byte rebuilds.
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return f"{when.day} {when:%B %Y}"


def write_pdf(book_dir: Path = BOOK_DIR, out: Path | None = None, *, chromium: str | None = None,
              keep_html: Path | None = None) -> Path:
    """Write the PDF edition of the executed book in ``book_dir``.

    Parameters
    ----------
    book_dir : Path
        Folder holding the executed notebooks, ``_config.yml`` and ``_toc.yml``
        (``book/`` after ``make book``; ``OUT/book`` after ``minipolice build --out OUT``).
    out : Path, optional
        The PDF to write; default ``book_dir/_build/pdf/minipolice-report.pdf``.
    chromium : str, optional
        Chromium executable; default :func:`find_chromium`.
    keep_html : Path, optional
        Also keep the single-page HTML build in this folder (for inspection).

    Returns
    -------
    Path
        The PDF written.

    Raises
    ------
    PdfError
        No built book, no Chromium, or the single-page build failed.
    """
    sync_playwright, chromium = _browser(chromium)
    started = time.perf_counter()
    book_dir = Path(book_dir)
    out = Path(out) if out else book_dir / "_build" / "pdf" / PDF_NAME
    config = yaml.safe_load((book_dir / "_config.yml").read_text(encoding="utf-8")) \
        if (book_dir / "_config.yml").exists() else {}
    toc = read_toc(book_dir / "_toc.yml") if (book_dir / "_toc.yml").exists() else {}
    # A jb-book toc has captioned parts, or one list of chapters.
    parts = [{"caption": part.get("caption", ""), "files": [c["file"] for c in part.get("chapters", [])]}
             for part in toc.get("parts", [])]
    parts += [{"caption": "", "files": [c["file"] for c in toc.get("chapters", [])]}] if toc.get("chapters") else []
    options = {
        "title": config.get("title") or load_programme().report_title,
        "author": config.get("author") or "",
        # The banner the build put on every page (the synthetic-data notice): the project's own HTML.
        "notice": (config.get("html") or {}).get("announcement") or "",
        "built": f"PDF edition, made {_built_on()} with minipolice {__version__}. The HTML edition has the "
                 "same content, with each figure's data as a CSV download.",
        "parts": parts,
    }
    with tempfile.TemporaryDirectory(prefix="minipolice-pdf-") as tmp:
        log.info("compiling the single-page HTML with Jupyter Book")
        index = build_singlehtml(book_dir, Path(tmp))
        if keep_html:
            shutil.copytree(index.parent, keep_html, dirs_exist_ok=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        first = Path(tmp) / "first-pass.pdf"
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright, chromium)
            try:
                page = browser.new_page()
                page.goto(index.as_uri(), wait_until="load")
                page.evaluate("() => document.fonts.ready.then(() => true)")
                page.add_style_tag(content=_PDF_CSS)
                entries = page.evaluate(_PREPARE, options)
                log.info("printing with Chromium (%d contents entries)", entries)
                print_page(page, first)
                pages = _marker_pages(first) or {}
                unplaced = entries - len(pages)
                if pages and unplaced:
                    log.warning("%d contents entries not located in the PDF; they have no page number", unplaced)
                # The markers go (they are out of the flow: the pages do not move) and the numbers come in.
                page.evaluate(_NUMBER, {marker: str(number) for marker, number in pages.items()})
                print_page(page, out)
            finally:
                browser.close()
    if out.resolve().is_relative_to(book_dir.resolve()):  # the tool's file: a rebuild may replace it
        outputs.add_owned(book_dir, [out.resolve().relative_to(book_dir.resolve()).as_posix()])
    log.info("PDF written: %s (%.0f s)", out, time.perf_counter() - started)
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.build.pdf``: write the PDF edition; exit status 0, or 1 with one message."""
    parser = argparse.ArgumentParser(prog="python -m helpers.build.pdf", description=__doc__.splitlines()[0])
    parser.add_argument("--book-dir", type=Path, default=BOOK_DIR,
                        help="folder with the executed notebooks, _config.yml and _toc.yml (default: book/)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"PDF to write (default: BOOK_DIR/_build/pdf/{PDF_NAME})")
    parser.add_argument("--keep-html", type=Path, default=None, help="also keep the single-page HTML here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        path = write_pdf(args.book_dir, args.out, keep_html=args.keep_html)
    except PdfError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"PDF: {path.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
