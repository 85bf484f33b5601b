"""Tests for helpers.report.figures: the 2019 report's figures from results.csv."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pandas as pd
import pytest

from helpers.build.book import toc_pages
from helpers.core.codebook import load_codebook
from helpers.core.processing import RESULTS_COLUMNS
from helpers.report import figures
from helpers.report.plots import diverging_percent, forest, word_cloud

CODEBOOK = load_codebook()


def _percent_rows(measure, group, counts: dict, flag: dict | None = None) -> pd.DataFrame:
    base = sum(counts.values())
    rows = []
    for category, n in counts.items():
        suppressed = (flag or {}).get(category) == "c"
        rows.append({"measure": measure, "group": group, "category": category,
                     "n": np.nan if suppressed else n, "base": base,
                     "value": np.nan if suppressed else 100 * n / base, "unit": "percent",
                     "ci_low": np.nan, "ci_high": np.nan, "flag": "c" if suppressed else ""})
    return pd.DataFrame(rows, columns=RESULTS_COLUMNS)


def test_registry_lists_every_figure_of_the_report_in_order():
    specs = figures.load_specs()
    expected = ([f"3.{i}" for i in range(1, 4)] + [f"4.{i}" for i in range(1, 21)]
                + [f"5.{i}" for i in range(1, 8)])
    assert list(specs) == expected
    pages = set(toc_pages())
    for spec in specs.values():
        assert spec.chapter in pages
        assert spec.title and spec.kind in figures.KINDS


def test_registry_measures_exist_in_the_codebook():
    for spec in figures.load_specs().values():
        inst = CODEBOOK.instruments[spec.instrument]
        for measure in spec.measures:
            if measure.startswith(("census_", "sample_")):
                continue
            assert measure in inst.column_names, (spec.number, measure)
            if spec.kind == "diverging":
                assert CODEBOOK.scales[inst.column(measure).scale].polarity is not None, spec.number


def test_bad_registry_entries_are_refused(tmp_path):
    path = tmp_path / "figures.yml"
    path.write_text("figures:\n  - {number: '9.9', title: x, chapter: c, kind: pie, instrument: i}\n")
    with pytest.raises(ValueError, match="unknown kind 'pie'"):
        figures.load_specs(path)


def test_diverging_alt_text_sums_each_side_from_the_data():
    spec = figures.load_specs()["4.12"]
    results = pd.concat([
        _percent_rows("att_good_job", "mini_police",
                      {"strongly_agree": 60, "agree": 30, "neither": 6, "disagree": 3, "strongly_disagree": 1}),
        _percent_rows("att_good_job", "non_mini_police",
                      {"strongly_agree": 10, "agree": 10, "neither": 0, "disagree": 0, "strongly_disagree": 0}),
    ])
    table = figures.figure_table(spec, results)
    alt = figures.alt_text(spec, table)
    assert "Mini-police (n = 100): 90% strongly agree or agree, 6% neither agree nor disagree, " \
           "4% disagree or strongly disagree" in alt
    assert "Not in the mini-police (n = 20): 100% strongly agree or agree" in alt


def test_suppressed_cells_stay_in_the_table_and_print_as_c():
    spec = figures.load_specs()["4.18"]
    results = pd.concat([
        _percent_rows("aware_cadets", "mini_police", {"yes": 30, "no": 3}, flag={"no": "c"}),
        _percent_rows("aware_cadets", "non_mini_police", {"yes": 10, "no": 12}),
    ])
    made = figures.make_figure("4.18", results)
    assert len(made.table) == 4 and made.table["flag"].eq("c").sum() == 1
    assert "No [c]" in made.alt
    assert "suppressed" in made.caption
    assert figures.alt_text(spec, figures.figure_table(spec, results)) == made.alt


def test_missing_measure_gives_an_empty_figure_that_says_so():
    made = figures.make_figure("4.20", pd.DataFrame(columns=RESULTS_COLUMNS))
    assert made.table.empty
    assert "no data to show" in made.alt
    assert made.svg.startswith(b"<?xml")


def test_html_carries_the_svg_alt_caption_and_the_table_as_csv():
    results = pd.concat([
        _percent_rows("interest_officer", "mini_police", {"yes": 40, "maybe": 40, "no": 20}),
        _percent_rows("interest_officer", "non_mini_police", {"yes": 5, "maybe": 10, "no": 5}),
    ])
    made = figures.make_figure("4.20", results, force="Durham")
    html = made._repr_html_()
    assert '<figure class="mp-figure" id="figure-4-20">' in html
    assert "Figure 4.20 " in html and "Interest in becoming a police officer in the future (Percent)" in html
    svg = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    assert base64.b64decode(svg) == made.svg
    csv = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)" download="([^"]+)"', html)
    assert csv.group(2) == "minipolice-durham-figure-4-20.csv"
    table = pd.read_csv(io.StringIO(base64.b64decode(csv.group(1)).decode()))
    assert list(table.columns) == figures.TABLE_COLUMNS
    assert table["value"].round(6).tolist() == made.table["value"].astype(float).round(6).tolist()
    assert "Mini-police (n = 100): Yes 40%, Maybe 40%, No 20%" in made.alt


def test_alt_text_follows_the_data():
    counts = {"much_safer": 50, "a_bit_safer": 30, "no_different": 15, "a_bit_less_safe": 5, "much_less_safe": 0}
    first = figures.make_figure("4.17", _percent_rows("safety_impact", "mini_police", counts))
    counts["much_safer"] = 10
    second = figures.make_figure("4.17", _percent_rows("safety_impact", "mini_police", counts))
    assert "80% much safer or a bit safer" in first.alt
    assert "67% much safer or a bit safer" in second.alt


def test_force_counts_alt_text_uses_the_national_total():
    spec = figures.load_specs()["3.1"]
    rows = pd.DataFrame({"measure": "census_schools", "group": ["national", "Durham", "Kent", "Gwent"],
                         "category": "count", "n": [150, 120, 30, 0], "base": 1, "value": [150.0, 120.0, 30.0, 0.0],
                         "unit": "count", "ci_low": np.nan, "ci_high": np.nan, "flag": ""})
    alt = figures.alt_text(spec, figures.figure_table(spec, rows))
    assert alt.startswith("Bar chart of mini-police schools in each of 3 force areas, 150 in all.")
    assert "Durham (120), Kent (30), Gwent (0)" in alt and "1 force area reports none." in alt


def test_diverging_bars_put_favourable_answers_right_of_zero():
    data = pd.DataFrame({"item": "q", "category": ["strongly_agree", "agree", "neither", "disagree",
                                                   "strongly_disagree"],
                         "value": [40.0, 30.0, 10.0, 15.0, 5.0]})
    polarity = dict(zip(data["category"], [1, 1, 0, -1, -1], strict=True))
    fig = diverging_percent(data, polarity=polarity, y="item", hue_order=list(data["category"]))
    bars = {c.get_label(): c.patches[0] for c in fig.axes[0].containers}
    assert bars["neither"].get_x() == pytest.approx(-5) and bars["neither"].get_width() == pytest.approx(10)
    assert bars["agree"].get_x() == pytest.approx(5) and bars["agree"].get_width() == pytest.approx(30)
    assert bars["strongly_agree"].get_x() == pytest.approx(35)
    assert bars["disagree"].get_x() == pytest.approx(-5) and bars["disagree"].get_width() == pytest.approx(-15)
    assert bars["strongly_disagree"].get_x() == pytest.approx(-20)


def test_diverging_bars_refuse_an_answer_without_polarity():
    data = pd.DataFrame({"item": "q", "category": ["yes", "odd"], "value": [50.0, 50.0]})
    with pytest.raises(ValueError, match="no polarity"):
        diverging_percent(data, polarity={"yes": 1}, y="item")


def test_forest_draws_one_point_per_estimate_in_order():
    data = pd.DataFrame({"item": ["a", "b", "c"], "effect_size": [-0.2, 0.1, np.nan],
                         "effect_ci_low": [-0.3, 0.0, np.nan], "effect_ci_high": [-0.1, 0.2, np.nan]})
    fig = forest(data)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    line = ax.lines[0]
    assert list(line.get_xdata()) == [-0.2, 0.1]


def test_word_cloud_is_the_same_picture_for_the_same_words():
    from helpers.report.plots import to_svg

    words = pd.DataFrame({"word": ["help", "safe", "crime"], "count": [30, 20, 10]})
    assert to_svg(word_cloud(words)) == to_svg(word_cloud(words))
    assert b"No data to show" in to_svg(word_cloud(words.iloc[0:0]))


def test_a_base_of_schools_is_called_schools_not_children():
    rows = pd.DataFrame([{"measure": "sample_schools_by_force", "group": "all_children", "category": force,
                          "n": n, "base": 9, "value": float(n), "unit": "count", "ci_low": np.nan,
                          "ci_high": np.nan, "flag": ""} for force, n in (("Durham", 6), ("Gwent", 3))],
                        columns=RESULTS_COLUMNS)
    made = figures.make_figure("4.1", rows)
    assert "Base: 9 schools (all children)." in made.caption
    assert "n = 9" not in made.caption


def test_the_sample_make_up_is_drawn_without_intervals():
    """Figure 4.2 describes the respondents themselves: percentages without confidence intervals."""
    from matplotlib.container import ErrorbarContainer

    from helpers.core.stats import wilson_interval

    rows = _percent_rows("sample_force", "all_children", {"Durham": 40, "Kent": 25, "Essex": 35})
    low, high = zip(*(wilson_interval(int(n), 100) for n in rows["n"]), strict=True)
    rows = rows.assign(ci_low=list(low), ci_high=list(high))  # percent already
    spec = figures.load_specs()["4.2"]
    table = figures.figure_table(spec, rows, codebook=load_codebook())
    fig = figures.draw(spec, table, codebook=load_codebook())
    assert not [c for c in fig.axes[0].containers if isinstance(c, ErrorbarContainer)]
    made = figures.make_figure("4.2", rows)
    assert "confidence" not in made.caption and "no intervals" in made.caption
    # the same rows as a percent-bar chart of answers do get intervals (Figure 4.5, enjoyment)
    enjoyed = rows.assign(measure="enjoyed_amount", group="mini_police",
                          category=["all", "most", "some"])
    spec5 = figures.load_specs()["4.5"]
    fig5 = figures.draw(spec5, figures.figure_table(spec5, enjoyed, codebook=load_codebook()),
                        codebook=load_codebook())
    assert [c for c in fig5.axes[0].containers if isinstance(c, ErrorbarContainer)]


@pytest.mark.parametrize(("number", "top"), [("4.15", 6), ("4.16", 5)])
def test_means_are_dots_on_the_true_scale(number, top):
    """Mean ranks (1-6) and safety scores (1-5) are dots on an axis spanning the scale, not bars from zero."""
    from matplotlib.container import BarContainer

    spec = figures.load_specs()[number]
    rows = pd.DataFrame([{"measure": m, "group": g, "category": "mean", "n": np.nan, "base": 100,
                          "value": 1.5 + i * 0.3 + (0.2 if g == "mini_police" else 0), "unit": "mean",
                          "ci_low": np.nan, "ci_high": np.nan, "flag": ""}
                         for i, m in enumerate(spec.measures) for g in spec.groups], columns=RESULTS_COLUMNS)
    made = figures.make_figure(number, rows)
    fig = figures.draw(spec, made.table, codebook=load_codebook())
    ax = fig.axes[0]
    assert not [c for c in ax.containers if isinstance(c, BarContainer)]
    low, high = ax.get_xlim()
    assert low > 0 and 1 > low and high > top and top + 1 > high
    assert len(ax.lines) >= len(spec.measures) * len(spec.groups) or len(ax.containers) == len(spec.groups)
