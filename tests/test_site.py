"""Tests for helpers.build.site: which forces get a local report, and the landing page."""

from __future__ import annotations

import pandas as pd

from helpers.build.site import BookResult, _landing_page, local_forces, slug


def test_local_forces_are_active_in_the_census_and_have_respondents():
    tables = {
        "scheme_census": pd.DataFrame({"force": ["Durham", "Kent", "Gwent", "Dorset"],
                                       "status": pd.Categorical(["active", "active", "planned", "active"])}),
        "children_survey": pd.DataFrame({"force": ["Durham", "Gwent", "Durham"]}),
        "teacher_survey": pd.DataFrame({"force": ["Dorset"]}),
        "parent_survey": pd.DataFrame({"force": [None]}),
    }
    # Kent: active but nobody answered; Gwent: answered but only planned.
    assert local_forces(tables) == ["Dorset", "Durham"]


def test_slug_names_files_after_the_force():
    assert slug("Devon & Cornwall") == "devon-cornwall"
    assert slug("Hampshire & Isle of Wight") == "hampshire-isle-of-wight"


def test_landing_page_links_built_books_and_reports_failures():
    books = [BookResult("national", "", "national/index.html", 100.0),
             BookResult("durham", "Durham", "durham/index.html", 90.0),
             BookResult("gwent", "Gwent", "", 5.0, "BuildError: notebook failed: 04_adults.ipynb: cell 3")]
    page = _landing_page(books, synthetic=True)
    assert '<a href="national/index.html">National report (all forces)</a>' in page
    assert '<a href="durham/index.html">Durham</a>' in page
    assert "Gwent: not built (BuildError: notebook failed: 04_adults.ipynb: cell 3)" in page
    assert "Synthetic demonstration data" in page
    assert "Synthetic" not in _landing_page(books, synthetic=False)


def test_log_lines_of_a_book_name_it_once():
    import logging

    from helpers.build.site import _BookPrefix

    prefix = _BookPrefix("durham")
    record = logging.LogRecord("helpers.build.book", logging.INFO, __file__, 1, "executing %d/%d: %s", (1, 9, "index"),
                               None)
    assert prefix.filter(record) and prefix.filter(record)  # a second handler: no second prefix
    assert record.getMessage() == "[durham] executing 1/9: index"
