"""The built book in a real browser, as readers meet it (issue 6).

Playwright for Python drives Debian's Chromium (``/usr/bin/chromium``; no
browser is downloaded) over every page of ``book/_build/html``, which
`make test` builds first. The pages are served by a local HTTP server on
127.0.0.1, so they load as on the web, and each is opened in a fresh browser
context, as by a first-time reader.

- Loading: no console errors, no failed requests; every image loads and has
  alt text.
- Navigation: the sidebar links every chapter; search finds a word of the
  children's chapter (chapter 4 of the 2019 report); each report figure's
  CSV link downloads a CSV that parses.
- Accessibility (WCAG 2.2 AA): axe-core, from the npm registry at the version
  of ``package-lock.json`` (``npm ci``), injected into each page in light and
  dark colour mode, reports no serious or critical violation; headings do
  not skip levels; link text makes sense alone; every chart has alt text
  and its data (a CSV link, or a table in its section).
- Screenshots of the front page and of a figure page are written to
  ``$MINIPOLICE_ARTIFACTS`` (default ``tests/artifacts/``, not committed).

Where the built book, Playwright, Chromium or axe-core is missing, the tests
skip with a message saying what to install, except under ``CI=true``, where
they fail.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import threading
from pathlib import Path

import pandas as pd
import pytest

from helpers.build.book import toc_pages
from helpers.build.pdf import find_chromium, launch_chromium
from helpers.core.config import BOOK_DIR, PROJECT_ROOT
from helpers.report.figures import load_specs

HTML = BOOK_DIR / "_build" / "html"
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("MINIPOLICE_ARTIFACTS") or Path(__file__).parent / "artifacts")

#: The pages of the book that was built (its toc may leave out the 2019 comparison).
PAGES = toc_pages(BOOK_DIR / "_toc.yml") if (BOOK_DIR / "_toc.yml").exists() else toc_pages()
#: Pages Sphinx adds to every book.
EXTRA = ["search", "genindex"]
#: Chapter 4 of the 2019 report, the children's views, is this book's 03_children.
CHILDREN_PAGE, SEARCH_WORD = "03_children", "cadets"

#: Link text that does not say where the link goes (WCAG 2.4.4).
VAGUE_LINK_TEXT = {"here", "click here", "click", "link", "this link", "more", "read more", "more info",
                   "this", "this page", "go", "download", "csv"}



def _unavailable(reason: str):
    """Skip, or under CI=true fail: the browser tests must run in CI."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run)")
    pytest.skip(reason)


# --- the site, the browser and axe ------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output readable
        pass


@pytest.fixture(scope="module")
def site():
    """Base URL of book/_build/html served on 127.0.0.1 (a free port) by a background thread."""
    if not (HTML / "index.html").exists():
        _unavailable("book/_build/html is missing: run `make book` (`make test` builds it first)")
    with serve(HTML) as url:
        yield url


@contextlib.contextmanager
def serve(html: Path):
    """Serve a built book's HTML folder on a free port of 127.0.0.1 from a background thread; yield its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium, launched through Playwright with the project's flags (helpers.build.pdf)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (it is in requirements.lock: `make venv`)")
    if not find_chromium():
        _unavailable("Chromium not found: `apt-get install chromium` (Debian's; .ci/run installs it)")
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def axe_installed() -> None:
    if not AXE.exists():
        _unavailable("axe-core is not installed: run `npm ci` (package-lock.json pins it)")


# Gathers, in the page, what the tests check. Accessible names are computed as browsers do for
# links: aria-label, else the rendered text (alt of images, aria-hidden parts left out), else title.
_GATHER = r"""
async () => {
  const rendered = (e) => e.getClientRects().length > 0 && !e.closest('[aria-hidden="true"]');
  const name = (el) => {
    const label = (el.getAttribute("aria-label") || "").trim();
    if (label) return label;
    const parts = [];
    const walk = (node) => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) parts.push(child.textContent);
        else if (child.nodeType === Node.ELEMENT_NODE) {
          if (child.getAttribute("aria-hidden") === "true") continue;
          const style = getComputedStyle(child);
          if (style.display === "none" || style.visibility === "hidden") continue;
          if (child.tagName === "IMG") parts.push(child.getAttribute("alt") || "");
          else if (child.getAttribute("aria-label")) parts.push(child.getAttribute("aria-label"));
          else walk(child);
        }
      }
    };
    walk(el);
    return parts.join(" ").replace(/\s+/g, " ").trim() || (el.getAttribute("title") || "").trim();
  };
  await Promise.all([...document.images].map((img) => img.decode().catch(() => null)));
  const images = [...document.images].map((img) => ({
    src: (img.getAttribute("src") || "").slice(0, 80), alt: img.getAttribute("alt"),
    width: img.naturalWidth}));
  const headings = [...document.querySelectorAll(
      "main h1, main h2, main h3, main h4, main h5, main h6, main [role=heading][aria-level]")]
    .filter(rendered)
    .map((h) => ({level: Number(h.getAttribute("aria-level") || h.tagName.slice(1)),
                  text: h.textContent.replace(/\s+/g, " ").trim().slice(0, 60)}));
  const links = [...document.querySelectorAll("a[href]")].filter(rendered)
    .map((a) => ({href: a.getAttribute("href").slice(0, 80), name: name(a)}));
  const sidebar = [...document.querySelectorAll("nav.bd-docs-nav a[href]")].map((a) => a.getAttribute("href"));
  const charts = [...document.querySelectorAll("main figure")].filter((f) => f.querySelector("img")).map((f) => {
    const section = f.closest("section");
    return {id: f.id || f.closest("[id]")?.id || "?", alt: f.querySelector("img").getAttribute("alt"),
            csv: !!f.querySelector('a[download][href^="data:text/csv"]'),
            table: !!(section && section.querySelector("table"))};
  });
  return {images, headings, links, sidebar, charts};
}
"""

_AXE_RUN = "async () => await axe.run(document, {resultTypes: ['violations']})"


@pytest.fixture(scope="module")
def visit(site, browser):
    """visit(page, colour_scheme) -> what the page showed: console errors, failed requests, images,
    headings, links, sidebar, charts and axe's violations (None without axe-core). Each page is
    loaded once per colour scheme, in a fresh context."""
    seen: dict[tuple[str, str], dict] = {}
    axe = AXE.read_text(encoding="utf-8") if AXE.exists() else None

    def load(name: str, scheme: str = "light") -> dict:
        key = (name, scheme)
        if key in seen:
            return seen[key]
        context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors, failed = [], []
        page.on("console", lambda m: m.type == "error" and errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
        page.on("requestfailed", lambda r: failed.append(f"{r.url[:100]}: {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.url[:100]}: HTTP {r.status}"))
        page.goto(site + name + ".html", wait_until="load")
        page.wait_for_load_state("networkidle")
        result = page.evaluate(_GATHER)
        result["violations"] = None
        if axe is not None:
            # From the page's own origin: the book's Content-Security-Policy (helpers.build.theme) blocks
            # inline scripts that are not the theme's, as it should, so axe cannot be pasted inline.
            page.route("**/__minipolice_axe.js",
                       lambda route: route.fulfill(body=axe, content_type="application/javascript"))
            page.add_script_tag(url=site + "__minipolice_axe.js")
            result["violations"] = page.evaluate(_AXE_RUN)["violations"]
        result.update(errors=errors, failed=failed)
        context.close()
        seen[key] = result
        return result

    return load


# --- loading ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PAGES + EXTRA)
def test_page_loads_without_console_errors_or_failed_requests(visit, name):
    result = visit(name)
    assert not result["errors"], f"{name}: {result['errors']}"
    assert not result["failed"], f"{name}: {result['failed']}"


@pytest.mark.parametrize("name", PAGES)
def test_every_image_loads_and_has_alt_text(visit, name):
    images = visit(name)["images"]
    assert images, f"{name}: no images"
    broken = [image["src"] for image in images if not image["width"]]
    assert not broken, f"{name}: images that did not load: {broken}"
    no_alt = [image["src"] for image in images if not (image["alt"] or "").strip()]
    assert not no_alt, f"{name}: images without alt text: {no_alt}"


# --- navigation -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PAGES)
def test_sidebar_links_every_chapter(visit, name):
    linked = {name if href.startswith("#") else href.split("#")[0].removesuffix(".html")
              for href in visit(name)["sidebar"]}
    missing = [page for page in PAGES if page not in linked]
    assert not missing, f"{name}: the sidebar does not link {missing}"


def test_search_finds_a_word_of_the_childrens_chapter(site, browser):
    assert SEARCH_WORD in (HTML / f"{CHILDREN_PAGE}.html").read_text(encoding="utf-8").lower(), \
        f"{SEARCH_WORD!r} is no longer in {CHILDREN_PAGE}: pick another word of that chapter"
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{site}search.html?q={SEARCH_WORD}", wait_until="load")
    results = page.locator("#search-results li a")
    results.first.wait_for(timeout=20_000)
    hrefs = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    context.close()
    assert any(href.split("?")[0].split("#")[0] == f"{CHILDREN_PAGE}.html" for href in hrefs), hrefs


def test_each_figure_csv_link_downloads_a_csv_that_parses(site, browser, tmp_path):
    """Every report figure (3.1–5.7) has a CSV link that downloads its own rows."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    downloaded = {}
    for name in PAGES:
        url = site + name + ".html"
        page.goto(url, wait_until="load")
        links = page.locator('figure.mp-figure a[download][href^="data:text/csv"]')
        for i in range(links.count()):
            if i:
                # Chromium's guard against pages that download many files can hold back a
                # second download from the same page (seen here at the 11th): each download
                # starts from a freshly loaded page.
                page.goto(url, wait_until="load")
            link = links.nth(i)
            filename = link.get_attribute("download")
            with page.expect_download() as info:
                link.click()
            download = info.value
            assert download.suggested_filename == filename, (name, filename)
            target = tmp_path / filename
            download.save_as(target)
            table = pd.read_csv(target, dtype=str, keep_default_na=False)
            number = re.search(r"figure-(\d+)-(\d+)\.csv$", filename)
            number = f"{number.group(1)}.{number.group(2)}"
            assert len(table) > 0 and "figure" in table.columns, filename
            assert set(table["figure"]) == {number}, filename
            assert number not in downloaded, f"figure {number} downloaded twice"
            downloaded[number] = name
    context.close()
    assert set(downloaded) == set(load_specs()), sorted(set(load_specs()) ^ set(downloaded))


def test_screenshots_of_the_front_page_and_a_figure_page(site, browser):
    from PIL import Image, ImageStat

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site + "index.html", wait_until="load")
    page.screenshot(path=ARTIFACTS / "front-page.png", full_page=True)
    page.goto(site + CHILDREN_PAGE + ".html", wait_until="load")
    page.locator("figure.mp-figure").first.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "figure-page.png")
    page.locator("figure.mp-figure").first.screenshot(path=ARTIFACTS / "figure.png")
    # the three pages a commissioner reads first, at 1280 px: the top of each (up to 5,000 px of it)
    for name, stem in (("front-page-1280.png", "index"), ("children-chapter-1280.png", CHILDREN_PAGE),
                       ("adults-chapter-1280.png", "04_adults")):
        page.goto(site + stem + ".html", wait_until="load")
        height = min(5000, page.evaluate("document.documentElement.scrollHeight"))
        page.screenshot(path=ARTIFACTS / name, full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": height})
        assert page.locator("text=Show code cell source").count() == 0, f"{stem}: a code toggle"
    context.close()
    for shot in ("front-page.png", "figure-page.png", "figure.png", "front-page-1280.png",
                 "children-chapter-1280.png", "adults-chapter-1280.png"):
        with Image.open(ARTIFACTS / shot) as image:
            assert image.width >= 300 and image.height >= 200, shot
            assert max(ImageStat.Stat(image.convert("L")).stddev) > 10, f"{shot} is blank"


# --- accessibility ----------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES + EXTRA)
def test_axe_finds_no_serious_or_critical_violation(axe_installed, visit, name, scheme):
    violations = visit(name, scheme)["violations"]
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    report = [f"{v['impact']} {v['id']} ({v['help']}): "
              + "; ".join(str(node["target"]) for node in v["nodes"][:5]) for v in serious]
    assert not serious, f"{name} ({scheme}):\n  " + "\n  ".join(report)


@pytest.mark.parametrize("name", PAGES + EXTRA)
def test_headings_do_not_skip_levels(visit, name):
    headings = visit(name)["headings"]
    assert headings and headings[0]["level"] == 1, f"{name}: the page does not open with a level-1 heading"
    previous = 1
    for heading in headings:
        assert heading["level"] <= previous + 1, \
            f"{name}: level {heading['level']} heading {heading['text']!r} follows a level {previous}"
        previous = heading["level"]


@pytest.mark.parametrize("name", PAGES + EXTRA)
def test_link_text_makes_sense_alone(visit, name):
    links = visit(name)["links"]
    unnamed = [link["href"] for link in links if not re.search(r"\w", link["name"])]
    assert not unnamed, f"{name}: links without a readable name: {unnamed}"
    vague = [(link["name"], link["href"]) for link in links
             if link["name"].lower().strip(" .:!()") in VAGUE_LINK_TEXT]
    assert not vague, f"{name}: link text that does not say where it goes: {vague}"


@pytest.mark.parametrize("name", PAGES)
def test_every_chart_has_alt_text_and_its_data(visit, name):
    charts = visit(name)["charts"]
    no_alt = [chart["id"] for chart in charts if not (chart["alt"] or "").strip()]
    assert not no_alt, f"{name}: charts without alt text: {no_alt}"
    no_data = [chart["id"] for chart in charts if not (chart["csv"] or chart["table"])]
    assert not no_data, f"{name}: charts with neither a CSV link nor a table in their section: {no_data}"
