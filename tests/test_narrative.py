"""Tests of helpers.report.narrative: the phrases and small tables the chapters glue into their prose.

Expected values are worked out by hand from the frames written out below;
intervals are cross-checked against statsmodels
(``statsmodels.stats.proportion.proportion_confint(n, base, method="wilson")``).
"""

from __future__ import annotations

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from helpers.core.derived import answer_shares, detectable, top_sample
from helpers.report import narrative


def _derived(results: pd.DataFrame) -> pd.DataFrame:
    """derived.csv for hand-made results, as the pipeline writes it (helpers.core.derived)."""
    return pd.concat([answer_shares(results, min_cell=0, local=False), top_sample(results)], ignore_index=True)


def _wilson(n: int, base: int) -> tuple[float, float]:
    low, high = proportion_confint(n, base, alpha=0.05, method="wilson")
    return 100 * low, 100 * high

# --- chapter 5: adults' views ------------------------------------------------------


def _rows(measure: str, group: str, counts: dict[str, int], flag: str = "") -> pd.DataFrame:
    base = sum(counts.values())
    return pd.DataFrame({
        "measure": measure, "group": group, "category": list(counts), "n": list(counts.values()),
        "base": base, "value": [100 * n / base for n in counts.values()], "unit": "percent",
        "ci_low": [_wilson(n, base)[0] for n in counts.values()],
        "ci_high": [_wilson(n, base)[1] for n in counts.values()], "flag": flag,
    })


@pytest.fixture
def adult_results() -> pd.DataFrame:
    impact = {"significantly_positive": 14, "positive": 21, "no_impact": 0, "negative": 0}
    return pd.concat([
        _rows("impact_trust", "teachers", impact),
        _rows("impact_trust", "parents", {"significantly_positive": 24, "positive": 16, "no_impact": 0,
                                          "negative": 0}),
        _rows("behaviour_school", "teachers", {"significantly_positive": 10, "positive": 20, "no_impact": 4,
                                               "negative": 0}),
        _rows("behaviour_home", "teachers", {"significantly_positive": 7, "positive": 19, "no_impact": 8,
                                             "negative": 0}),
        _rows("achieving_aims", "practitioners", {"strongly_agree": 9, "agree": 26, "neither": 11,
                                                  "disagree": 2, "strongly_disagree": 0}),
    ], ignore_index=True)


def test_share_interval_matches_statsmodels_wilson(adult_results):
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(35, 48, alpha=0.05, method="wilson")  # 0.590, 0.834
    text = narrative.share_interval(adult_results, "achieving_aims", "practitioners", ["strongly_agree", "agree"],
                                    derived=_derived(adult_results))
    assert text == f"73% (95% CI {100 * low:.0f}% to {100 * high:.0f}%)"


def test_share_interval_suppressed_and_missing(adult_results):
    flagged = adult_results.copy()
    rows = flagged["measure"].eq("impact_trust") & flagged["group"].eq("teachers") & flagged["category"].eq(
        "positive")
    flagged.loc[rows, ["n", "value"]] = float("nan")
    flagged.loc[rows, "flag"] = "c"
    assert narrative.share_interval(flagged, "impact_trust", "teachers", ["positive"]) == "[c]"
    assert narrative.share_interval(adult_results, "view_trust", "parents", ["positive"]) == "not collected"


def test_interval_table_rows_and_widths(adult_results):
    items = [{"measure": "impact_trust", "group": g, "categories": ["significantly_positive"],
              "answer": "Significantly positive"} for g in ("teachers", "parents")]
    items.append({"measure": "view_trust", "group": "parents", "categories": ["positive"], "answer": "x"})
    out = narrative.interval_table(adult_results, items)
    assert out["group"].tolist() == ["Teachers and school staff", "Parents and carers"]  # view_trust not collected
    assert out["n"].tolist() == [14, 24] and out["base"].tolist() == [35, 40]
    assert out["percent"].round(1).tolist() == [40.0, 60.0]
    assert (out["width"] == out["ci_high"] - out["ci_low"]).all()
    assert out.loc[0, "question"] == "Impact on children's trust in the police"
    assert out.loc[1, "question"] == "Impact on my child's trust in the police"
    short = narrative.interval_table(adult_results, items[:1], question="short")
    assert short.loc[0, "question"] == "Trust in the police"
    with pytest.raises(ValueError, match="question"):
        narrative.interval_table(adult_results, items, question="long")


def test_share_range_names_top_and_bottom(adult_results):
    out = narrative.share_range(adult_results, ["behaviour_school", "behaviour_home"], "teachers",
                                ["significantly_positive", "positive"], derived=_derived(adult_results))
    # 30/34 = 88.2% and 26/34 = 76.5%
    assert out == {"low": "76%", "high": "88%", "top": "behaviour in school", "bottom": "behaviour at home",
                   "items": "2"}
    assert narrative.share_range(adult_results, ["view_trust"], "parents", ["positive"])["low"] == "n/a"
    # no teacher saw a negative impact on either item: a tie at the top names both items
    tied = narrative.share_range(adult_results, ["impact_trust", "behaviour_school"], "teachers", ["negative"])
    assert tied["top"] == "trust in the police and behaviour in school" and tied["high"] == "0%"
    # a suppressed item could be the lowest or the highest: nothing is named
    flagged = adult_results.copy()
    home = flagged["measure"].eq("behaviour_home") & flagged["category"].eq("significantly_positive")
    flagged.loc[home, ["n", "value"]] = float("nan")
    flagged.loc[home, "flag"] = "c"
    hidden = narrative.share_range(flagged, ["behaviour_school", "behaviour_home"], "teachers",
                                   ["significantly_positive", "positive"], derived=_derived(flagged))
    assert hidden == {"low": "[c]", "high": "[c]", "top": "[c]", "bottom": "[c]", "items": "2"}


def test_answer_total_adds_every_item_and_group(adult_results):
    out = narrative.answer_total(adult_results, ["impact_trust", "behaviour_school"], ["teachers", "parents"],
                                 ["no_impact", "negative"])
    assert out == {"n": "4", "base": "109", "percent": "4%"}  # 35 + 40 + 34 ratings, 4 of no impact


@pytest.fixture
def excerpts() -> pd.DataFrame:
    # 3 strategic leads (A, B, C), 1 teacher (T); A raises strength twice
    return pd.DataFrame({
        "interviewee_id": ["A", "A", "A", "B", "B", "C", "T", "T"],
        "role": ["strategic_lead"] * 6 + ["teacher"] * 2,
        "theme": ["strength", "strength", "threat", "strength", "school_selection", "threat", "aims", "weakness"],
        "excerpt": ["x"] * 8,
    })


def test_interview_phrases(excerpts):
    from helpers.text.qualitative import interview_themes

    themes = interview_themes(excerpts)
    assert narrative.interviewee_counts(themes) == {"strategic_lead": "3", "practitioner": "0", "teacher": "1",
                                                    "all": "4"}
    assert narrative.theme_reach(themes, "strength") == "2 of 4"
    assert narrative.theme_reach(themes, "threat", role="strategic_lead") == "2 of 3"
    assert narrative.theme_reach(themes, "aims", role="practitioner") == "none of 0"
    # strength: 2 people, 3 excerpts; threat: 2 people, 2 excerpts; then aims (scale order) before
    # school selection and weakness, which were raised by as many (1) and are counted as ties
    assert narrative.top_themes(themes, k=3) == ("strengths (2 of 4 interviewees), threats (2) and aims and "
                                                 "objectives (1); 2 other themes were also raised by 1")
    assert narrative.top_themes(themes, k=2) == "strengths (2 of 4 interviewees) and threats (2)"
    assert narrative.top_themes(themes, role="practitioner") == "no theme"


def test_theme_and_swot_tables(excerpts):
    from helpers.text.qualitative import interview_themes

    themes = interview_themes(excerpts)
    table = narrative.theme_table(themes)
    assert list(table.columns) == ["Theme", "Excerpts", "Strategic leads (of 3)", "Practitioners (of 0)",
                                   "Teachers (of 1)", "All interviewees (of 4)"]
    strength = table[table["Theme"] == "Strength"].iloc[0]
    assert (strength["Excerpts"], strength["Strategic leads (of 3)"], strength["All interviewees (of 4)"]) == (3, 2, 2)
    assert len(table) == themes["theme"].nunique()
    swot = narrative.swot_table(themes)
    assert swot.loc["Internal (the scheme itself)", "Helpful"] == "Strengths: 2 of 4 interviewees, 3 excerpts"
    assert swot.loc["Internal (the scheme itself)", "Harmful"] == "Weaknesses: 1 of 4 interviewees, 1 excerpt"
    assert swot.loc["External (the world around it)", "Helpful"] == "Opportunities: 0 of 4 interviewees, 0 excerpts"


def test_optional_table_empty_when_not_supplied(tmp_path):
    from helpers.text.qualitative import interview_themes

    empty = narrative.optional_table(tmp_path, "interview_excerpts")
    assert empty.empty and "interviewee_id" in empty.columns
    themes = interview_themes(empty)
    assert narrative.interviewee_counts(themes)["all"] == "0"
    assert narrative.top_themes(themes) == "no theme"


def test_quotes_markdown_labels_synthetic_and_hides_ids():
    quotes = pd.DataFrame({"theme": ["aims"], "theme_label": ["Aims and objectives"],
                           "quote": ["We  wanted them to\nsee us as people."], "role": ["strategic_lead"],
                           "role_label": ["Strategic lead"]})
    text = narrative.quotes_markdown(quotes, synthetic=True)
    assert text == "> We wanted them to see us as people.\n>\n> — Strategic lead (synthetic demo quote)"
    assert "synthetic" not in narrative.quotes_markdown(quotes, synthetic=False)
    assert narrative.quotes_markdown(quotes.iloc[0:0], synthetic=True, min_cell=7).startswith(
        "*No quote is shown for this theme: fewer than 7")


def test_not_supplied_note_only_when_empty(tmp_path):
    assert narrative.not_supplied_note(pd.DataFrame({"excerpt": ["x"]})) == ""
    note = narrative.not_supplied_note(narrative.optional_table(tmp_path, "interview_excerpts"))
    assert note.startswith(":::{note}") and "interview excerpts" in note and note.rstrip().endswith(":::")


# --- chapter 4: children ------------------------------------------------------------

EXPECTED_DIR = __import__("pathlib").Path(__file__).parent / "fixtures" / "messy_expected"


def _child_percent(measure: str, group: str, counts: dict[str, int], flag: str = "") -> pd.DataFrame:
    base = sum(counts.values())
    return pd.DataFrame({
        "measure": measure, "group": group, "category": list(counts), "n": list(counts.values()),
        "base": base, "value": [100 * n / base for n in counts.values()], "unit": "percent", "flag": flag,
    })


def _child_tests(**overrides) -> pd.DataFrame:
    tests = pd.DataFrame({
        "measure": ["att_listen", "safe_online", "rank_arrest", "aware_cadets"],
        "test": ["mann_whitney_u"] * 3 + ["chi_square"],
        "statistic": [9000.0, 11000.0, 12000.0, 11.0],
        "dof": [None, None, None, 1.0],
        "p_value": [0.001, 0.02, 0.5, 0.0004],
        "p_holm": [0.004, 0.06, 1.0, 0.002],
        "effect_size": [-0.2, 0.17, -0.1, 0.19],
        "effect_name": ["rank_biserial_r"] * 3 + ["cramers_v"],
        "n_mini_police": [248] * 4, "n_non_mini_police": [102] * 4,
        "effect_ci_low": [-0.32, 0.04, -0.23, 0.08], "effect_ci_high": [-0.07, 0.30, 0.04, 0.29],
        "n_required_80": [318.4, 442.0, 1346.0, 221.0],
    })
    return tests.assign(**overrides)


@pytest.fixture
def child_results() -> pd.DataFrame:
    return pd.concat([
        _child_percent("aware_cadets", "mini_police", {"yes": 164, "no": 84}),
        _child_percent("aware_cadets", "non_mini_police", {"yes": 46, "no": 56}),
        _child_percent("sample_force", "all_children", {"Cumbria": 112, "Durham": 113, "Gwent": 46, "Kent": 0}),
        pd.DataFrame({"measure": "census_children", "group": ["Cumbria", "Durham", "Gwent", "national"],
                      "category": "count", "n": [600, 1900, 500, 5000], "base": None,
                      "value": [600.0, 1900.0, 500.0, 5000.0], "unit": "count", "flag": ""}),
    ], ignore_index=True)


def test_direction_phrase_reads_the_sign_and_the_scale(child_results):
    tests = _child_tests()
    assert narrative.direction_phrase(tests, child_results, "att_listen") == "agreed more strongly than other children"
    assert narrative.direction_phrase(tests, child_results, "safe_online") == "felt less safe than other children did"
    assert narrative.direction_phrase(tests, child_results, "rank_arrest") == \
        "ranked it as more important than other children did"
    assert narrative.direction_phrase(tests, child_results, "aware_cadets") == \
        "answered yes more often than other children"
    assert narrative.direction_phrase(tests, child_results, "att_trust") == "could not be compared with other children"


def test_direction_phrase_does_not_guess_behind_suppression(child_results):
    hidden = child_results.copy()
    rows = hidden["measure"].eq("aware_cadets") & hidden["group"].eq("non_mini_police")
    hidden.loc[rows, ["n", "value"]] = float("nan")
    hidden.loc[rows, "flag"] = "c"
    assert "suppressed" in narrative.direction_phrase(_child_tests(), hidden, "aware_cadets")


def test_sample_skew_against_the_census(child_results):
    skew = narrative.sample_skew(_derived(child_results))
    assert skew["names"] == "Cumbria and Durham"
    assert skew["share"] == f"{100 * 225 / 271:.0f}%"
    assert skew["census_share"] == "50%"  # (600 + 1900) / 5000, the national total
    assert skew["forces"] == "3" and skew["compared"] == "larger than"
    assert skew["sentence"].startswith("The two force areas with the most respondents, Cumbria and Durham,")
    one = child_results[~(child_results["measure"].eq("sample_force") & child_results["category"].ne("Durham"))]
    assert narrative.sample_skew(_derived(one))["sentence"].startswith("All the children who answered are from Durham")


def test_comparison_table_with_and_without_interval_columns(child_results):
    tests = _child_tests()
    before = tests.copy()
    table = narrative.comparison_table(tests, child_results)
    pd.testing.assert_frame_equal(tests, before)  # input not changed
    assert table["supported"].tolist() == [True, False, False, True]
    # post-hoc power at the observed effect is not carried into what readers see
    assert "n_required_80" not in table
    shown = narrative.format_comparisons(table)
    assert list(shown.columns) == list(narrative.COMPARISON_LABELS.values())
    assert not any("power" in column.lower() for column in shown.columns)
    assert shown.iloc[0]["Effect size (95% CI)"] == "rank-biserial r -0.20 (-0.32 to -0.07)"
    assert shown["Difference supported?"].tolist() == ["yes", "not clearly", "not clearly", "yes"]
    old = narrative.comparison_table(tests.drop(columns=["effect_ci_low", "effect_ci_high", "n_required_80"]))
    assert old["effect_ci_low"].isna().all()
    assert narrative.format_comparisons(old).iloc[0]["Effect size (95% CI)"] == "rank-biserial r -0.20"


def test_comparison_table_on_the_committed_fixture():
    from helpers.report import tables as report

    tests = report.load_tests(EXPECTED_DIR)
    table = narrative.comparison_table(tests, report.load_results(EXPECTED_DIR))
    assert len(table) == len(tests)
    assert table["measure"].tolist() == tests["measure"].tolist()


def test_power_phrases_match_design_power_and_a_direct_phi():
    import numpy as np

    from helpers.core.stats import design_power

    tests = _child_tests()
    design = design_power(248, 102)
    phrases = narrative.power_phrases(design, detectable(design, tests))  # looked up in derived.csv's rows
    r = float(design.loc[design["effect_name"].eq("rank_biserial_r"), "effect_size"].iloc[0])
    assert phrases["mde_r"] == f"{r:.2f}" and phrases["mde_pairs"] == f"{100 * (1 + r) / 2:.0f}%"
    # the percentage-point gap: build the 2 x 2 table of probabilities and compute phi directly
    v = float(design.loc[design["effect_name"].eq("cramers_v") & design["dof"].eq(1.0), "effect_size"].iloc[0])
    gap = float(phrases["mde_gap"]) / 100
    q = 248 / 350
    p_other = (0.5 - q * gap) / 1  # pooled share 0.5 = q * (p_other + gap) + (1 - q) * p_other
    cells = np.array([[q * (p_other + gap), q * (1 - p_other - gap)], [(1 - q) * p_other, (1 - q) * (1 - p_other)]])
    expected = np.outer(cells.sum(axis=1), cells.sum(axis=0))
    phi = np.sqrt(((cells - expected) ** 2 / expected).sum())
    assert phi == pytest.approx(v, abs=0.01)
    strict = design_power(248, 102, alpha=0.05 / 4)
    strict_r = float(strict.loc[strict["effect_name"].eq("rank_biserial_r"), "effect_size"].iloc[0])
    assert phrases["mde_r_holm"] == f"{strict_r:.2f}"
    # nothing is computed at the observed effects (post-hoc power): only the design's detectable effects
    assert not {"powered", "underpowered", "needed_low", "needed_high", "needed_median"} & set(phrases)
    assert phrases == narrative.power_phrases(design, detectable(design, tests.drop(columns=["n_required_80"])))


def _sensitivity_rows(measure, unit, values, weighted, effective=(76.0, 27.0), flag=""):
    categories = ["yes", "no"] if unit == "percent" else ["mean"]
    rows = []
    for group, vals, wts, eff in (("mini_police", values[0], weighted[0], effective[0]),
                                  ("non_mini_police", values[1], weighted[1], effective[1])):
        for category, v, w in zip(categories, vals, wts, strict=True):
            rows.append({"measure": measure, "group": group, "category": category, "unit": unit, "base": 100,
                         "value": v, "value_weighted": w, "effective_n": eff, "excluded": 0, "flag": flag})
    for i, category in enumerate(categories):
        rows.append({"measure": measure, "group": "difference", "category": category, "unit": unit,
                     "value": values[0][i] - values[1][i], "value_weighted": weighted[0][i] - weighted[1][i],
                     "flag": ""})
    return pd.DataFrame(rows)


def test_sensitivity_table_and_verdict():
    sensitivity = pd.concat([
        _sensitivity_rows("aware_cadets", "percent", ([66.0, 34.0], [45.0, 55.0]), ([62.0, 38.0], [45.0, 55.0])),
        _sensitivity_rows("safe_online", "mean", ([1.83], [2.15]), ([2.20], [2.13])),
    ], ignore_index=True)
    table = narrative.sensitivity_table(sensitivity)
    assert table["answer"].tolist() == ["Yes (%)", "Mean score (1 = strongly agree)"]
    assert table["difference"].round(2).tolist() == [21.0, -0.32]
    assert table["changed"].tolist() == [False, True]
    tests = _child_tests()
    verdict = narrative.sensitivity_verdict(table, tests)
    assert verdict["turned"] == "1" and verdict["turned_supported"] == "0"
    assert verdict["changes"] == "does not change"
    assert verdict["largest_shift"].startswith("4 percentage points")
    flipped = narrative.sensitivity_verdict(table, _child_tests(p_holm=[0.004, 0.01, 1.0, 0.002]))
    assert flipped["changes"] == "changes" and "depend on the force mix" in flipped["sentence"]
    assert narrative.format_sensitivity(table).iloc[1]["Direction"] == "changed"


def test_sensitivity_table_respects_suppression_and_absence():
    hidden = _sensitivity_rows("aware_cadets", "percent", ([66.0, 34.0], [45.0, 55.0]), ([62.0, 38.0], [45.0, 55.0]),
                               flag="c")
    table = narrative.sensitivity_table(hidden)
    assert table[["mini_police", "difference"]].isna().all().all()
    assert narrative.sensitivity_table(pd.DataFrame()).empty
    assert narrative.load_optional("/nonexistent/processed", "sensitivity").empty


def test_item_ranking_and_answer_ranking_put_suppressed_cells_last():
    results = pd.concat([
        _child_percent("impact_trust", "mini_police", {"strongly_agree": 60, "agree": 25, "neither": 15}),
        _child_percent("impact_teamwork", "mini_police", {"strongly_agree": 70, "agree": 20, "neither": 10}),
        _child_percent("impact_speaking", "mini_police", {"strongly_agree": 3, "agree": 2, "neither": 1}, flag="c"),
    ], ignore_index=True)
    ranked = narrative.item_ranking(results, ["impact_trust", "impact_teamwork", "impact_speaking"], "mini_police",
                                    categories=["strongly_agree", "agree"], derived=_derived(results),
                                    strip="Being in the mini-police has improved my")
    assert ranked["item"].tolist() == ["teamwork", "trust in the police", "speaking skills"]
    assert ranked["text"].tolist() == ["90%", "85%", "[c]"]
    assert narrative.list_phrase(ranked.head(2)) == "teamwork (90%) and trust in the police (85%)"
    answers = narrative.answer_ranking(results, "impact_trust", "mini_police")
    assert answers["answer"].tolist() == ["Strongly agree", "Agree", "Neither agree nor disagree"]


def test_support_summary_counts_and_names():
    summary = narrative.support_summary(_child_tests(), ["att_listen", "safe_online", "rank_arrest", "att_trust"])
    assert (summary["tested"], summary["supported"], summary["all_or_some"]) == ("3", "1", "some")
    assert summary["items"] == "“I think that the police listen to young people”"


def test_workshop_quotes_are_redacted_labelled_and_anonymous():
    comments = pd.DataFrame({
        "comment_id": [f"WC{i}" for i in range(6)], "force": "Gwent", "workshop_id": "W1",
        "child_id": [f"C{i}" for i in range(6)], "theme": ["fun_new_things"] * 6,
        "comment": ["We went to the seaside with PC Dawn Smith, ring 01632 960417",
                    "We met the police horses at the stables today",
                    "We tried on the big helmets at headquarters",
                    "The trip on the coach was my favourite part",
                    "We saw the dogs find the hidden bag fast",
                    "Short one"],
    })
    quotes = narrative.quotes_by_theme(comments, themes=["fun_new_things", "other"], n=3, scale="workshop_theme")
    assert len(quotes) == 3 and set(quotes["theme"]) == {"fun_new_things"}
    assert not quotes["quote"].str.contains("01632").any()
    assert quotes.equals(narrative.quotes_by_theme(comments.iloc[::-1], themes=["fun_new_things", "other"], n=3,
                                                   scale="workshop_theme"))  # row order does not matter
    themes = pd.DataFrame({"theme": ["fun_new_things", "other"], "theme_label": ["Having fun", "Other"]})
    text = narrative.workshop_quotes_markdown(quotes, synthetic=True, themes=themes)
    assert text.count("synthetic demo quote") == 3 and "No quote is shown" in text
    assert "C1" not in text and "Gwent" not in text and "WC" not in text


def test_no_direction_word_for_an_effect_that_prints_as_zero():
    from helpers.report.narrative import direction_phrase
    t = pd.DataFrame({"measure": ["safe_online", "safe_home", "att_listen"], "test": ["mann_whitney_u"] * 3,
                      "effect_size": [0.004, -0.0049, 0.006]})
    assert direction_phrase(t, pd.DataFrame(), "safe_online") == "answered much as other children did"
    assert direction_phrase(t, pd.DataFrame(), "safe_home") == "answered much as other children did"
    assert direction_phrase(t, pd.DataFrame(), "att_listen") == "agreed less strongly than other children"


def test_effect_intervals_never_print_a_negative_zero():
    from helpers.report.narrative import comparison_table, format_comparisons
    t = pd.DataFrame({"measure": ["att_listen"], "test": ["mann_whitney_u"], "statistic": [10.0],
                      "p_value": [0.5], "p_holm": [0.9], "effect_size": [-0.001],
                      "effect_name": ["rank_biserial_r"], "n_mini_police": [248], "n_non_mini_police": [102],
                      "effect_ci_low": [-0.12], "effect_ci_high": [-0.0004], "n_required_80": [None]})
    shown = format_comparisons(comparison_table(t)).to_string()
    assert "-0.00" not in shown and "\u22120.00" not in shown
    assert "0.00 (-0.12 to 0.00)" in shown
# --- design-based comparisons (design.csv, balance.csv, adjusted.csv) --------------


@pytest.fixture
def design_rows() -> pd.DataFrame:
    return pd.DataFrame({
        "measure": ["att_trust", "att_listen", "aware_cadets"],
        "difference": [-0.0004, -0.29, 0.21], "ci_low": [-0.14, -0.48, 0.09], "ci_high": [0.13, -0.10, 0.33],
        "p_cluster": [0.99, 0.002, 0.001], "p_cluster_holm": [0.99, 0.02, 0.009], "p_within": [0.9, 0.2, 0.01],
        "within_method": ["fixed_effects", "fixed_effects", "cmh"], "icc": [0.0, 0.04, 0.01],
        "design_effect": [1.0, 1.5, 1.1], "schools_within": [23, 23, 22],
        "family": ["primary", "secondary", "exploratory"], "score": ["scored", "scored", "yes"],
        "sesoi": [0.25, None, None], "p_equivalence": [0.001, None, None],
        "equivalence": ["equivalent (no difference larger than 0.25)", "", ""], "flag": ["", "", ""]})


def test_design_verdicts_replace_the_naive_verdicts(design_rows):
    tests = pd.DataFrame({"measure": ["att_trust", "att_listen", "aware_cadets"],
                          "test": ["mann_whitney_u", "mann_whitney_u", "chi_square"],
                          "p_value": [0.001, 0.3, 0.001], "p_holm": [0.003, 0.3, 0.002],
                          "effect_size": [-0.2, -0.05, 0.2], "effect_name": ["rank_biserial_r"] * 2 + ["cramers_v"],
                          "n_required_80": [100, 2000, 90]})
    verdicts = narrative.design_verdicts(tests, design_rows)
    assert narrative.supported(verdicts, "att_trust") is False  # naive: supported; design-based: not
    assert narrative.supported(verdicts, "att_listen") is True
    assert "difference in mean score = " in narrative.support(verdicts, "att_trust")
    assert "difference in the share answering yes" in narrative.support(verdicts, "aware_cadets")
    assert narrative.direction_phrase(verdicts, pd.DataFrame(), "att_listen") == \
        "agreed more strongly than other children"
    summary = narrative.design_summary(design_rows, tests)
    assert (summary["survive"], summary["tested"], summary["naive"]) == ("2", "3", "2")
    assert summary["lost"] == "“I trust the police”"
    assert summary["within"] == "1" and summary["icc_high"] == "0.04" and summary["primary_survive"] == "0"
    assert summary["brief"].startswith("2 of the 3 differences tested hold up: “I think that the police listen")
    assert narrative.design_summary(pd.DataFrame(), tests)["brief"].startswith("no comparison could be made")
    assert summary["icc"].startswith("Over the questions compared, the ICC ran from 0.00 to 0.04 (median 0.01)")
    assert narrative.design_verdicts(tests, pd.DataFrame()) is tests


def test_design_tables_for_display(design_rows):
    shown = narrative.design_display(design_rows)
    assert list(shown.columns) == list(narrative.DESIGN_LABELS.values())
    assert shown.iloc[0, 2] == "0.00 (-0.14 to 0.13)" and shown.iloc[2, 4] == "0.010"
    assert shown.iloc[:, -1].tolist() == ["not clearly", "yes", "yes"]
    chart = narrative.design_chart_rows(design_rows)
    assert chart["measure"].tolist() == ["att_trust", "att_listen"]  # one scale on the chart's axis
    adjusted = pd.DataFrame({"measure": ["att_trust"] * 2, "model": ["unadjusted", "adjusted"],
                             "difference": [-0.0004, -0.05], "ci_low": [-0.14, -0.2], "ci_high": [0.13, 0.1],
                             "flag": ["", ""]})
    primary = narrative.primary_display(design_rows, adjusted)
    assert primary.iloc[0].tolist()[1:] == ["negative", "0.25", "0.00 (-0.14 to 0.13)",
                                            "-0.05 (-0.20 to 0.10)", "0.990", "0.001", "equivalent"]
    assert narrative.primary_verdicts(design_rows) == \
        "“I trust the police”: equivalent (no difference larger than 0.25)"
    for empty in (narrative.design_chart_rows(pd.DataFrame()), narrative.primary_display(pd.DataFrame(), adjusted)):
        assert empty.empty


def test_balance_display_and_summary():
    balance = pd.DataFrame({
        "covariate": ["gender", "force", "age"], "category": ["girl", "Durham", "mean"],
        "unit": ["percent", "percent", "mean"], "value_mini_police": [50.4, None, 9.99],
        "sd_mini_police": [None, None, 0.59], "value_non_mini_police": [49.0, None, 10.1],
        "sd_non_mini_police": [None, None, 0.64], "std_difference": [0.028, None, -0.172], "flag": ["", "c", ""]})
    shown = narrative.balance_display(balance)
    assert shown.iloc[0].tolist() == ["Gender", "Girl", "50%", "49%", "0.03"]
    assert shown.iloc[1].tolist() == ["Force area", "Durham", "[c]", "[c]", "[c]"]
    assert shown.iloc[2, 2] == "9.99 (SD 0.59)" and shown.iloc[2, 1] == "Mean"
    from helpers.report.formatting import format_p

    assert format_p(0.0497) == "0.0497" and format_p(0.052) == "0.052"
    summary = narrative.balance_summary(balance)
    assert summary == {"threshold": "0.1", "rows": "2", "imbalanced": "1", "largest": "Age (-0.17)"}


def test_no_quote_note_names_its_theme():
    """Several themes without quotes on one page must not print the same sentence."""
    from helpers.report.narrative import quotes_markdown

    empty = pd.DataFrame(columns=["quote", "role_label"])
    empty.attrs["theme_label"] = "Aims of the scheme"
    assert "the theme “Aims of the scheme”" in quotes_markdown(empty, synthetic=True)
    assert "this theme" in quotes_markdown(pd.DataFrame(columns=["quote"]), synthetic=True)
