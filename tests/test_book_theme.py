"""Tests for helpers.build.theme, the Sphinx extension that cleans the theme's markup.

Its effect on the built pages (no JavaScript error, no serious axe finding)
is checked in a browser by tests/test_browser.py.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.builders.html._assets import _JavaScript

from helpers.build.theme import fix_body, unique_scripts

THEBE = 'const THEBE_JS_URL = "https://example.org/thebe.js"'


def test_an_inline_script_registered_twice_is_written_once():
    # What Sphinx 7.4 holds for sphinx-thebe: the same body once with file None, once with "".
    scripts = [_JavaScript("_static/doctools.js", priority=200), _JavaScript(None, body=THEBE),
               _JavaScript("_static/sphinx-thebe.js", **{"async": "async"}), _JavaScript("", body=THEBE),
               _JavaScript(None, body="DOCUMENTATION_OPTIONS.pagename = 'index';")]
    kept = unique_scripts(scripts)
    assert [script.attributes.get("body") for script in kept].count(THEBE) == 1
    assert kept == [scripts[0], scripts[1], scripts[2], scripts[4]]  # order kept, first copy wins


def test_different_inline_scripts_and_files_are_all_kept():
    scripts = [_JavaScript(None, body="let a = 1;"), _JavaScript(None, body="let b = 2;"), _JavaScript("x.js")]
    assert unique_scripts(scripts) == scripts


def test_code_toggles_lose_the_label_that_hid_their_text():
    body = ('<details class="hide above-input">\n<summary aria-label="Toggle hidden content">\n'
            '<p class="collapsed">Show code cell source</p>')
    fixed = fix_body(body)
    assert "aria-label" not in fixed and "<summary>\n<p" in fixed
    assert fix_body("<p>no toggles</p>") == "<p>no toggles</p>"


def test_glued_sentences_are_not_bold_but_glued_numbers_are():
    body = ('<p><span class="pasted-text">388</span> schools. '
            '<span class="pasted-text">Every question of the three adult surveys was collected.</span></p>')
    fixed = fix_body(body)
    assert '<span class="pasted-text">388</span>' in fixed
    assert '<span class="pasted-text mp-prose">Every question' in fixed
    css = (Path(__file__).parents[1] / "book_assets" / "static" / "minipolice.css").read_text()
    assert "span.pasted-text.mp-prose { font-weight: inherit; }" in css
