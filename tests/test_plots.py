"""Tests for helpers.report.plots: bar counts, suppression, reproducible SVG."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from helpers.report import plots


def _bars(fig: Figure) -> list:
    """All bars drawn (seaborn keeps legend proxies in ax.patches, not in containers)."""
    return [bar for container in fig.axes[0].containers if isinstance(container, BarContainer)
            for bar in container]


@pytest.fixture
def forces() -> pd.DataFrame:
    return pd.DataFrame({"group": ["Durham", "Gwent", "Cumbria", "Kent"],
                         "value": [120.0, 14.0, np.nan, 30.0],
                         "flag": ["", "", "c", ""]})


@pytest.fixture
def items() -> pd.DataFrame:
    """Two items x two groups x three answers of one scale; one cell suppressed."""
    rows = []
    for item in ("Trust", "Good job"):
        for group in ("Mini-police", "Not in the mini-police"):
            for answer, value in (("Yes", 60.0), ("No", 30.0), ("Not sure", 10.0)):
                rows.append({"item": item, "group_label": group, "answer": answer,
                             "category": answer.lower(), "value": value,
                             "ci_low": value - 5, "ci_high": value + 5, "flag": ""})
    frame = pd.DataFrame(rows)
    frame.loc[11, ["value", "ci_low", "ci_high", "flag"]] = [np.nan, np.nan, np.nan, "c"]
    return frame


def test_bar_counts_draws_one_bar_per_unsuppressed_row(forces):
    before = forces.copy()
    fig = plots.bar_counts(forces, x="value", y="group")
    assert isinstance(fig, Figure)
    assert len(_bars(fig)) == 3
    widths = sorted(bar.get_width() for bar in _bars(fig))
    assert widths == [14.0, 30.0, 120.0]
    pd.testing.assert_frame_equal(forces, before)  # input untouched


def test_bar_counts_sorts_descending(forces):
    fig = plots.bar_counts(forces, x="value", y="group", sort="descending")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Durham", "Kent", "Gwent"]
    with pytest.raises(ValueError, match="sort"):
        plots.bar_counts(forces, x="value", y="group", sort="random")


def test_bar_counts_with_hue(forces):
    two = pd.concat([forces.assign(kind="a"), forces.assign(kind="b")], ignore_index=True)
    fig = plots.bar_counts(two, x="value", y="group", hue="kind")
    assert len([c for c in fig.axes[0].containers if isinstance(c, BarContainer)]) == 2
    assert len(_bars(fig)) == 6


def test_bar_counts_stacked(forces):
    two = pd.concat([forces.assign(kind="a"), forces.assign(kind="b")], ignore_index=True)
    fig = plots.bar_counts(two, x="value", y="group", hue="kind", multiple="stack")
    bars = _bars(fig)
    assert len(bars) == 6
    assert max(bar.get_width() for bar in bars) == pytest.approx(240.0)


def test_bar_percent_by_group_filters_category_and_adds_error_bars(items):
    fig = plots.bar_percent_by_group(items, category="yes", y="item", hue="group_label")
    assert len(_bars(fig)) == 4
    ax = fig.axes[0]
    assert ax.get_xlim() == (0, 100)
    # one error bar per drawn bar, centred on it
    centres = sorted(round(bar.get_y() + bar.get_height() / 2, 6) for bar in _bars(fig))
    err_centres = sorted(round(float(c.get_segments()[0][0][1]), 6) for c in ax.collections)
    assert err_centres == centres


def test_bar_percent_by_group_skips_suppressed(items):
    fig = plots.bar_percent_by_group(items, category="not sure", y="item", hue="group_label")
    assert len(_bars(fig)) == 3
    assert plots.suppression_note(items[items["category"] == "not sure"]) != ""
    assert plots.suppression_note(items[items["category"] == "yes"]) == ""
    # the note names what is hidden, so two charts on one page do not print the same sentence
    note = plots.suppression_note(items[items["category"] == "not sure"])
    assert re.match(r"\d+ of the \d+ cells \(.+\) are suppressed by disclosure control", note), note


def test_stacked_percent_one_segment_per_answer(items):
    block = items[items["group_label"] == "Mini-police"]
    fig = plots.stacked_percent(block, y="item", hue="answer")
    bars = _bars(fig)
    assert len(bars) == 2 * 3
    assert len(fig.axes[0].containers) == 3
    # the longest bar of each item reaches 100
    assert max(bar.get_width() for bar in bars) == pytest.approx(100.0)


def test_stacked_percent_suppressed_cell_is_absent(items):
    block = items[items["group_label"] == "Not in the mini-police"]
    fig = plots.stacked_percent(block, y="item", hue="answer")
    assert len(_bars(fig)) == 2 * 3 - 1


def test_nothing_to_draw_gives_a_figure():
    empty = pd.DataFrame({"group": ["A"], "value": [np.nan], "flag": ["c"]})
    assert isinstance(plots.bar_counts(empty, x="value", y="group"), Figure)
    assert isinstance(plots.stacked_percent(empty.assign(item="x", answer="y")), Figure)


def test_svg_is_reproducible_and_undated(forces):
    plots.setup()
    first = plots.to_svg(plots.bar_counts(forces, x="value", y="group"))
    second = plots.to_svg(plots.bar_counts(forces, x="value", y="group"))
    assert first == second
    assert not re.search(rb"<dc:date>", first)
    assert b"<svg" in first


def test_chart_data_is_the_charts_table_with_suppressed_cells_hidden():
    rows = pd.DataFrame({"force": ["Durham", "Gwent <b>", "Kent"], "value": [120.0, 3.0, 12.5],
                         "n": [120, 3, 40], "flag": ["", "c", ""]})
    html = plots.chart_data(rows, {"force": "Force", "value": "Children"}).data
    assert html.startswith('<details class="mp-chart-data"><summary>The numbers in this chart</summary>')
    cells = re.findall(r"<t[hd](?: [^>]*)?>(.*?)</t[hd]>", html)
    assert cells == ["Force", "Children", "Durham", "120", "Gwent &lt;b&gt;", "[c]", "Kent", "12.5"]
    assert "3.0" not in html and ">3<" not in html  # the suppressed value is nowhere in the page
    assert html == plots.chart_data(rows, {"force": "Force", "value": "Children"}).data
    # Without a flag column (or with flag=None) nothing is hidden.
    plain = plots.chart_data(rows, {"force": "Force", "value": "Children"}, flag=None).data
    assert ">3<" in plain
    with pytest.raises(KeyError, match="no column share"):
        plots.chart_data(rows, {"share": "Share"})


def test_forest_panels_keep_signed_and_unsigned_effects_on_separate_axes():
    from helpers.report.plots import forest
    data = pd.DataFrame({"item": ["a", "b", "c"], "effect_size": [-0.2, 0.1, 0.25],
                         "effect_ci_low": [-0.3, 0.0, 0.1], "effect_ci_high": [-0.1, 0.2, 0.35],
                         "effect_label": ["rank-biserial r", "Cramér's V", "rank-biserial r"]})
    one = forest(data, hue="effect_label")
    assert len(one.axes) == 1  # the old chart: both kinds on one axis
    fig = forest(data, hue="effect_label", panels="effect_label",
                 panel_labels={"rank-biserial r": "rank-biserial r (signed)", "Cramér's V": "Cramér's V (0 to 1)"})
    assert len(fig.axes) == 2
    for ax, kind, items in zip(fig.axes, ["rank-biserial r", "Cramér's V"], [["a", "c"], ["b"]], strict=True):
        assert [t.get_text() for t in ax.get_yticklabels()] == items
        assert ax.get_xlabel().startswith(kind)
        drawn = {line.get_label() for line in ax.containers}
        assert drawn == {kind}  # each panel holds one kind of effect size only
