"""Tests for helpers.text.safe_text: escaping for pages, neutralising for spreadsheets."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from helpers.text.safe_text import FORMULA_PREFIXES, escape_text, neutralise_csv


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    "**bold** _it_ `code` {eval}`x` $x$", "# heading", "1. list", "- item", "> quote", "::: {note}",
    "<!-- comment -->", "&lt;already&gt;", "a | b", "<name removed>", "line\nbreak\r\nand\ttab",
])
def test_markdown_escape_round_trips_to_the_same_visible_text(text):
    page = MarkdownIt("commonmark", {"html": True}).render(escape_text(text))
    assert page.startswith("<p>") and page.count("<") == 2  # one paragraph of text, nothing else
    assert html.unescape(page[3:-5]) == re.sub(r"\s*[\r\n]+\s*", " ", text)  # line breaks become spaces


def test_html_context_and_missing_values():
    assert escape_text('<a href="x">', context="html") == "&lt;a href=&quot;x&quot;&gt;"
    assert escape_text(None) == escape_text(float("nan")) == ""
    with pytest.raises(ValueError):
        escape_text("x", context="latex")


def test_neutralise_csv_touches_only_text_cells_that_start_like_a_formula():
    frame = pd.DataFrame({"text": [p + "x" for p in FORMULA_PREFIXES] + ["ok", None],
                          "number": [-1.5, 2, -3, 4, 5, 6, 7, 8],
                          "category": pd.Categorical(["=a", "b", "c", "d", "e", "f", "g", "h"])})
    out = neutralise_csv(frame)
    assert out["text"].tolist()[:6] == ["'" + p + "x" for p in FORMULA_PREFIXES]
    assert out["text"].tolist()[6] == "ok" and out["text"].isna().tolist()[7]
    assert out["number"].tolist() == frame["number"].tolist() and out["number"].dtype == frame["number"].dtype
    assert out["category"].tolist()[0] == "'=a"
    assert frame["text"].iloc[0] == "=x"  # the input is not changed
