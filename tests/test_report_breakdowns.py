"""Tests for helpers.report.breakdowns, and the headings of diverging charts (Figure 5.1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.core.breakdowns import breakdown_table
from helpers.core.codebook import load_codebook
from helpers.report import breakdowns, figures
from helpers.report.plots import diverging_percent

CODEBOOK = load_codebook()


@pytest.fixture(scope="module")
def table():
    rows = [{"mini_police": m, "gender": g, "year_group": y, "att_trust": a}
            for m, g, y, a, k in [("yes", "girl", 5, "agree", 18), ("yes", "girl", 5, "disagree", 2),
                                  ("yes", "boy", 6, "agree", 12), ("yes", "boy", 6, "neither", 8),
                                  ("no", "girl", 6, "agree", 9), ("no", "boy", 4, "agree", 2)]
            for _ in range(k)]
    return breakdown_table(pd.DataFrame(rows), CODEBOOK, items=["att_trust"], min_cell=5, local=False)


def test_rows_are_labelled_and_keep_the_question_case(table):
    rows = breakdowns.breakdown_rows(table)
    assert set(rows["item"]) == {"I trust the police"}
    girls = rows[(rows["group"] == "mini_police") & (rows["level_label"] == "Girl")].iloc[0]
    assert girls["text"] == "90%" and girls["group_label"] == "Mini-police children"
    assert "Year 3" not in set(rows["level_label"])  # nobody in Year 3: no line for it
    hidden = rows[rows["flag"] == "c"]
    assert len(hidden) and (hidden["text"] == "[c]").all()


def test_phrases_quote_the_extremes_of_each_group(table):
    phrases = breakdowns.breakdown_phrases(breakdowns.breakdown_rows(table))
    assert phrases["mini_police_low"] == "60% (Boy, “I trust the police”)"  # ties: the first line shown
    assert phrases["mini_police_high"] == "90% (Girl, “I trust the police”)"
    assert phrases["non_mini_police_high"] == "[c]"  # 2 boys hidden, so the 9 girls are too (secondary)


def test_dot_chart_draws_one_dot_per_shown_share(table):
    rows = breakdowns.breakdown_rows(table)
    fig = breakdowns.dot_chart(rows)
    ax = fig.axes[0]
    drawn = sum(len(c.lines[0].get_xdata()) for c in ax.containers)
    assert drawn == rows["value"].notna().sum()
    assert ax.get_xlim() == (0.0, 100.0)
    assert "I trust the police" in ax.get_title(loc="left")


def test_theme_table_sets_most_beside_least():
    results = pd.DataFrame({"measure": "enjoyed_most_theme", "group": "mini_police", "unit": "percent",
                            "category": ["activities", "learning"], "n": [6, 4], "base": 10,
                            "value": [60.0, 40.0], "flag": ""})
    least = pd.DataFrame({"measure": "enjoyed_least_theme", "group": "mini_police", "unit": "percent",
                          "category": ["nothing", "boring", "other"], "n": [2, 5, 3], "base": 10,
                          "value": [20.0, 50.0, 30.0], "flag": ""})
    out = breakdowns.theme_table(results, least)
    assert out["Enjoyed most"].tolist() == ["Activities", "Learning", ""]
    assert out["Enjoyed least"].tolist()[-1] == "Something else"  # always last, whatever its share
    assert out["Share "].tolist()[0] == "50%"
    phrases = breakdowns.least_phrases(results, least)
    assert phrases["answers"] == "10" and phrases["top"] == "“Boring, slow or repetitive tasks”"
    assert phrases["nothing_share"] == "20%" and phrases["others"] == "none"


def test_figure_5_1_prints_each_question_once_above_its_groups():
    spec = figures.load_specs()["5.1"]
    rows = []
    for measure in spec.measures:
        for group in spec.groups:
            for category, n in (("significantly_positive", 4), ("positive", 5), ("no_impact", 1)):
                rows.append({"measure": measure, "group": group, "category": category, "n": n, "base": 10,
                             "value": 10.0 * n, "unit": "percent", "ci_low": 0.0, "ci_high": 100.0, "flag": ""})
    fig = figures.draw(spec, figures.figure_table(spec, pd.DataFrame(rows)))
    ax = fig.axes[0]
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    bold = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]
    assert len(bold) == len(spec.measures) and all("(" not in b for b in bold)
    assert labels.count("Teachers and school staff") == len(spec.measures)
    assert all(t._multialignment == "right" for t in ax.get_yticklabels())  # no public getter
    # every bar sits on the row of a group label, never on a heading
    ticks = dict(zip(ax.get_yticks(), labels, strict=True))
    centres = {round(bar.get_y() + bar.get_height() / 2, 6) for c in ax.containers for bar in c}
    assert centres and all(ticks[min(ticks, key=lambda t: abs(t - y))] not in bold for y in centres)
    assert all(np.isclose(min(abs(np.array(list(ticks)) - y)), 0) for y in centres)


def test_diverging_bars_without_sections_are_unchanged():
    data = pd.DataFrame({"item": ["A", "A", "B", "B"], "category": ["yes", "no"] * 2,
                         "value": [60.0, 40.0, 30.0, 70.0], "flag": ""})
    ax = diverging_percent(data, polarity={"yes": 1, "no": -1}, y="item").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B"]


def test_bars_of_a_row_with_few_groups_sit_on_its_label():
    """Chart 5.1: each row quotes one or two groups out of five; its bars are centred on its label."""
    from helpers.report.plots import bar_percent_by_group

    data = pd.DataFrame({"row": ["a", "b", "b", "c"], "group_label": ["G1", "G2", "G3", "G5"],
                         "value": [60.0, 40.0, 30.0, 90.0], "ci_low": [50.0, 30.0, 20.0, 80.0],
                         "ci_high": [70.0, 50.0, 40.0, 95.0], "flag": ""})
    ax = bar_percent_by_group(data, y="row", hue="group_label").axes[0]
    centres = {}
    for container in ax.containers:
        for bar in getattr(container, "patches", []):
            centres.setdefault(round(bar.get_y() + bar.get_height() / 2), []).append(
                bar.get_y() + bar.get_height() / 2)
    ticks = list(ax.get_yticks())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    for position, row in enumerate(["a", "b", "c"]):
        assert np.isclose(np.mean(centres[ticks[position]]), ticks[position]), row
    assert len(centres[1]) == 2  # row b: its two groups side by side, no empty slots between them


def test_readable_tables_keep_numbers_and_intervals_whole():
    from helpers.report import layout

    display = pd.DataFrame({"Question": ["I trust the police", "I feel safe online"],
                            "Family": ["primary", "secondary"],
                            "Difference (95% CI)": ["-0.14 (-0.27 to 0.00)", "-0.32 (-0.53 to -0.11)"],
                            "p": ["0.052", "0.022"], "Holds up?": ["not clearly", "yes"]})
    html = layout.readable(display.drop(columns="Family"), uuid="t", headers={"p": "Holm p"},
                           wrap=("Holds up?",)).to_html()
    assert "(-0.27\u00a0to\u00a00.00)" in html and "-0.14 (" in html  # breaks before the bracket only
    assert "Holm p" in html and "#T_t td:nth-child(3)" in html  # the p column never wraps
    assert "#T_t td:nth-child(2)" not in html and "#T_t td:nth-child(4)" not in html
    split = layout.split_tables(display, by="Family", uuid="d", order=["secondary", "primary"],
                                captions={"primary": "Primary outcomes"}).data
    assert split.index('id="T_d-secondary"') < split.index('id="T_d-primary"')
    assert "Primary outcomes" in split and ">Family<" not in split
    assert layout.transposed(display, key="Question", corner="Result").columns.tolist() == [
        "Result", "I trust the police", "I feel safe online"]


def test_phrases_of_a_local_report_with_everything_hidden_name_no_largest_theme():
    least = pd.DataFrame({"measure": "enjoyed_least_theme", "group": "mini_police", "unit": "percent",
                          "category": ["nothing", "boring", "conditions", "other"], "n": pd.array([pd.NA] * 4, "Int64"),
                          "base": pd.array([pd.NA] * 4, "Int64"), "value": np.nan, "flag": "c"})
    phrases = breakdowns.least_phrases(pd.DataFrame(columns=["measure", "group", "base"]), least)
    assert phrases["answers"] == "[c]" and phrases["top"] == "[c]" and "[c]" in phrases["others"]
    rows = pd.DataFrame({"group": ["mini_police"], "value": [np.nan], "flag": ["c"], "text": ["[c]"],
                         "item": ["I trust the police"], "level_label": ["Girl"]})
    phrases = breakdowns.breakdown_phrases(rows)
    assert phrases["mini_police_high"] == "[c]" and phrases["non_mini_police_high"] == "n/a"
