"""The second programme's book in a real browser: the same loading and accessibility checks as the first's.

The AllStars book (``programmes/allstars``) is built with ``minipolice build
--programme allstars`` into a temporary folder, served on 127.0.0.1 and
opened in Debian's Chromium through the fixtures of ``test_browser.py``
(its ``browser``, ``visit`` and ``axe_installed``; only ``site`` is this
book's). Every page: no console error or failed request, every image loads
with alt text, axe-core finds no serious or critical violation in light and
dark mode, headings skip no level, and every link says where it goes.
"""

from __future__ import annotations

import re

import pytest
from test_browser import (  # noqa: F401 - fixtures, found by name
    VAGUE_LINK_TEXT,
    axe_installed,
    browser,
    serve,
    visit,
)

from helpers.build.book import toc_pages
from helpers.cli import main
from helpers.core.config import PROJECT_ROOT

PROGRAMME = PROJECT_ROOT / "programmes" / "allstars"
PAGES = toc_pages(PROGRAMME / "_toc.yml") + ["search", "genindex"]

pytestmark = pytest.mark.book


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The AllStars book, built and served on a free port of 127.0.0.1."""
    out = tmp_path_factory.mktemp("allstars_browser") / "out"
    assert main(["-q", "--programme", "allstars", "build", "--out", str(out), "--jobs", "2"]) == 0
    with serve(out / "html") as url:
        yield url


@pytest.mark.parametrize("name", PAGES)
def test_allstars_page_loads_cleanly_with_described_images(visit, name):  # noqa: F811
    seen = visit(name)
    assert not seen["errors"] and not seen["failed"], f"{name}: {seen['errors'] + seen['failed']}"
    broken = [img["src"] for img in seen["images"] if not img["width"] or not (img["alt"] or "").strip()]
    assert not broken, f"{name}: images that did not load or have no alt text: {broken}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_allstars_axe_finds_no_serious_or_critical_violation(axe_installed, visit, name, scheme):  # noqa: F811
    serious = [v for v in visit(name, scheme)["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name} ({scheme}): " + "; ".join(f"{v['impact']} {v['id']}" for v in serious)


@pytest.mark.parametrize("name", PAGES)
def test_allstars_headings_and_links(visit, name):  # noqa: F811
    seen = visit(name)
    levels = [h["level"] for h in seen["headings"]]
    assert levels and levels[0] == 1, f"{name}: the page does not open with a level-1 heading"
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), f"{name}: a heading skips a level"
    vague = [link["name"] for link in seen["links"]
             if not re.search(r"\w", link["name"]) or link["name"].lower().strip(" .:!()") in VAGUE_LINK_TEXT]
    assert not vague, f"{name}: links that do not say where they go: {vague}"
