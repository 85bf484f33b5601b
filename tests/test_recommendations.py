"""Tests for helpers.report.recommendations: the eight recommendations and their live evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from helpers.core.derived import answer_shares, top_forces, top_sample
from helpers.core.processing import RESULTS_COLUMNS
from helpers.report import recommendations


def _row(measure, group, category, n, base, unit="percent", flag=""):
    value = n if unit == "count" else 100 * n / base
    low, high = (np.nan, np.nan) if unit == "count" or np.isnan(n) else proportion_confint(n, base, method="wilson")
    return {"measure": measure, "group": group, "category": category, "n": n, "base": base, "value": value,
            "unit": unit, "ci_low": 100 * low, "ci_high": 100 * high, "flag": flag}


def _derived(results: pd.DataFrame) -> pd.DataFrame:
    """derived.csv for these results, as the pipeline writes it (helpers.core.derived)."""
    return pd.concat([answer_shares(results, min_cell=0, local=False), top_forces(results, "census_schools"),
                      top_sample(results)], ignore_index=True)


def test_eight_recommendations_four_per_area_each_with_evidence():
    recs = recommendations.load_recommendations()
    assert len(recs) == 8
    assert sorted(r["area"] for r in recs) == ["practice"] * 4 + ["strategy"] * 4
    assert all(r["evidence"] for r in recs)


def test_unknown_figure_is_refused(tmp_path):
    path = tmp_path / "r.yml"
    path.write_text("recommendations:\n  - {id: x, area: strategy, title: t, evidence: "
                    "[{figure: '9.9', kind: count, measure: m, group: g, what: w}]}\n")
    with pytest.raises(ValueError, match="unknown figure '9.9'"):
        recommendations.load_recommendations(path)


def test_evidence_values_come_from_the_results():
    results = pd.DataFrame([
        _row("interest_cadets", "mini_police", "yes", 45, 100),
        _row("interest_cadets", "mini_police", "no", 55, 100),
        _row("interest_cadets", "non_mini_police", "yes", 5, 20),
        _row("interest_cadets", "non_mini_police", "no", 15, 20),
        _row("census_planned_units", "national", "count", 160, 20, unit="count"),
        _row("census_schools", "national", "count", 200, 20, unit="count"),
        _row("census_schools", "Durham", "count", 100, 1, unit="count"),
        _row("census_schools", "Kent", "count", 50, 1, unit="count"),
        _row("census_schools", "Gwent", "count", 50, 1, unit="count"),
    ], columns=RESULTS_COLUMNS)
    tests = pd.DataFrame({"measure": ["interest_cadets"], "p_holm": [0.2], "effect_size": [0.1],
                          "effect_name": ["cramers_v"], "effect_ci_low": [0.0], "effect_ci_high": [0.2]})
    evidence = recommendations.evidence_table(results, tests, derived=_derived(results))
    phrases = recommendations.phrases(evidence)
    assert phrases["rec_pathways_1"].startswith(
        "45% of mini-police children against 25% of other children would like to join the police cadets, "
        "a difference the data do not clearly support (Holm-adjusted p = 0.200")
    assert phrases["rec_schools_1"] == "160 new units are planned for the coming year"
    assert phrases["rec_vision_1"].startswith("75% of all mini-police schools are in the two largest schemes (Durham")
    # Not in these results: kept, and said so.
    assert phrases["rec_voice_1"] == ("not collected in these data "
                                      "(the value that mini-police children enjoyed all of it)")
    interval = evidence.query("id == 'pathways' and number == 1 and group == 'mini_police'")
    assert interval["ci_low"].iloc[0] == pytest.approx(35.6, abs=0.1)  # Wilson 45/100


def test_suppressed_evidence_prints_as_c():
    results = pd.DataFrame([_row("expectations", "teachers", "better", np.nan, 4, flag="c"),
                            _row("expectations", "teachers", "worse", np.nan, 4, flag="c")],
                           columns=RESULTS_COLUMNS)
    phrases = recommendations.phrases(recommendations.evidence_table(results, pd.DataFrame(
        columns=["measure", "p_holm", "effect_size", "effect_name"]), derived=_derived(results)))
    assert phrases["rec_documentation_1"].startswith("[c] of school staff")
