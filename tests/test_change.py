"""Tests of helpers.core.change, the demo waves (definitions/demo) and the wave columns (docs/waves-and-years.md).

``change.csv`` and ``did.csv`` of a pipeline run on generated baseline/follow-up data are recomputed
here from the raw CSV with SciPy and statsmodels called directly, with their own scoring and pairing.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy.stats import wilcoxon
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

from helpers.cli import main
from helpers.core.change import change_table, did_table, paired_scores, trend_table
from helpers.core.codebook import load_codebook
from helpers.core.config import DEMO_MARKER
from helpers.core.loading import RawTable
from helpers.core.pipeline import OUTPUT_FILES
from helpers.core.validation import validate_table
from helpers.demo import demo_module

_waves = demo_module("waves")  # the programme's demo generator (definitions/demo/waves.py), loaded by path
TRUE_DID = _waves.TRUE_DID
demo_population = _waves.demo_population
simulate_waves = _waves.simulate_waves

AGREE5 = {"strongly_agree": 1.0, "agree": 2.0, "neither": 3.0, "disagree": 4.0, "strongly_disagree": 5.0}
SCORED = ["att_work_well", "att_listen", "att_trust", "att_say_hello", "att_treat_fairly", "att_good_job",
          "att_know_contact", "att_understand_roles", "safe_home", "safe_school", "safe_journey", "safe_outside",
          "safe_online"]
YES_ITEMS = ["police_good_job", "aware_cadets", "interest_cadets", "interest_officer"]


@pytest.fixture(scope="module")
def waves_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("waves")
    raw, out = root / "raw", root / "out"
    assert main(["-q", "demo-data", "--waves", "--out", str(raw)]) == 0
    assert main(["-q", "process", "--data-dir", str(raw), "--out", str(out)]) == 0
    return raw, out


def _independent_pairs(raw: pd.DataFrame, item: str) -> pd.DataFrame:
    """Pairs of one item straight from the raw strings: scores by hand, merge on child_key and year."""
    answer = raw[item].fillna("")
    if item in SCORED:
        score = answer.map(AGREE5)
    else:
        score = answer.eq("yes").astype(float).where(answer.ne(""))
    frame = raw.assign(score=score).dropna(subset=["score"])
    base = frame[frame["wave"] == "baseline"][["child_key", "year", "score"]]
    follow = frame[frame["wave"] == "follow_up"][["child_key", "year", "school_id", "mini_police", "score"]]
    pairs = base.merge(follow, on=["child_key", "year"], suffixes=("_b", "_f"))
    return pairs.assign(change=pairs["score_f"] - pairs["score_b"], mp=pairs["mini_police"].eq("yes").astype(float))


def test_change_and_did_match_an_independent_recomputation(waves_run):
    raw_dir, out = waves_run
    raw = pd.read_csv(raw_dir / "children_survey.csv", dtype=str, keep_default_na=False).replace("", np.nan)
    change = pd.read_csv(out / "change.csv", keep_default_na=False, na_values=[""])
    did = pd.read_csv(out / "did.csv", keep_default_na=False, na_values=[""]).set_index("measure")
    assert sorted(change["measure"].unique()) == sorted(SCORED + YES_ITEMS)
    assert set(did.index) == set(SCORED + YES_ITEMS)
    for item in SCORED + YES_ITEMS:
        pairs = _independent_pairs(raw, item)
        for code, group in (("yes", "mini_police"), ("no", "non_mini_police")):
            sub = pairs[pairs["mini_police"] == code]
            got = change[(change["measure"] == item) & (change["group"] == group)].iloc[0]
            assert got["n_pairs"] == len(sub)
            assert got["mean_baseline"] == pytest.approx(sub["score_b"].mean(), abs=1e-9)
            assert got["mean_follow_up"] == pytest.approx(sub["score_f"].mean(), abs=1e-9)
            assert got["mean_change"] == pytest.approx(sub["change"].mean(), abs=1e-9)
            if item in SCORED:
                p = wilcoxon(sub["score_f"], sub["score_b"]).pvalue  # scipy.stats.wilcoxon(follow_up, baseline)
            else:
                table = pd.crosstab(sub["score_b"], sub["score_f"]).reindex(index=[0.0, 1.0], columns=[0.0, 1.0],
                                                                          fill_value=0)
                p = mcnemar(table.to_numpy(), exact=True).pvalue  # statsmodels mcnemar(table, exact=True)
            assert got["p_value"] == pytest.approx(p, abs=1e-9)
        school = pd.factorize(pairs["school_id"])[0]
        fit = smf.ols("change ~ mp", data=pairs).fit(cov_type="cluster", cov_kwds={"groups": school})
        row = did.loc[item]
        assert row["n_pairs"] == len(pairs)
        assert row["estimate"] == pytest.approx(fit.params["mp"], abs=1e-9)
        assert row["ci_low"] == pytest.approx(fit.conf_int().loc["mp", 0], abs=1e-9)
        assert row["ci_high"] == pytest.approx(fit.conf_int().loc["mp", 1], abs=1e-9)
        assert row["p_value"] == pytest.approx(fit.pvalues["mp"], abs=1e-9)


def test_waves_run_outputs_evidence_and_follow_up_only_results(waves_run):
    raw_dir, out = waves_run
    assert {"change.csv", "did.csv", "attrition.csv", "trend.csv"} <= set(OUTPUT_FILES)
    assert "waves" in (raw_dir / DEMO_MARKER).read_text()  # labelled synthetic, and how the change was drawn
    raw = pd.read_csv(raw_dir / "children_survey.csv", dtype=str, keep_default_na=False)
    evidence = pd.read_csv(out / "evidence.csv").iloc[0]
    assert evidence["level"] == 3 and bool(evidence["both_waves"])
    results = pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""])
    assert list(results.columns[-2:]) == ["wave", "year"]
    size = results[(results["measure"] == "sample_size") & (results["group"] == "all_children")].iloc[0]
    assert size["value"] == (raw["wave"] == "follow_up").sum()  # the follow-up wave only: no child twice
    assert (size["wave"], size["year"]) == ("follow_up", 2025)
    assert results.loc[results["group"] == "teachers", "wave"].isna().all()
    kids = pd.read_parquet(out / "children_survey.parquet")
    assert kids["wave"].astype(str).eq("follow_up").all()
    attrition = pd.read_csv(out / "attrition.csv", keep_default_na=False, na_values=[""])
    counts = attrition[attrition["measure"] == "all"].set_index("group")
    base = raw[raw["wave"] == "baseline"]
    follow_keys = set(raw.loc[raw["wave"] == "follow_up", "child_key"])
    for code, group in (("yes", "mini_police"), ("no", "non_mini_police")):
        b = base[base["mini_police"] == code]
        assert counts.loc[group, "n_baseline"] == len(b)
        assert counts.loc[group, "n_baseline_only"] == (~b["child_key"].isin(follow_keys)).sum()


def test_without_waves_the_change_tables_are_empty_and_results_columns_empty(processed_demo):
    out = processed_demo
    for name in ("change", "did", "attrition", "trend"):
        assert pd.read_csv(out / f"{name}.csv").empty, name
    results = pd.read_csv(out / "results.csv", keep_default_na=False, na_values=[""])
    assert results["wave"].isna().all() and results["year"].isna().all()
    assert pd.read_csv(out / "evidence.csv").iloc[0]["level"] == 1


@pytest.fixture(scope="module")
def processed_demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    assert main(["-q", "process", "--data-dir", str(Path(__file__).parents[1] / "data" / "raw"),
                 "--out", str(out)]) == 0
    return out


def _raw(frame: pd.DataFrame) -> RawTable:
    return RawTable("children_survey", Path("children_survey.csv"), frame.astype(str), "utf-8", "")


def test_repeated_key_in_a_wave_is_quarantined_and_a_changed_group_is_noted():
    cb = load_codebook()
    frame = pd.DataFrame({
        "respondent_id": ["r1", "r2", "r3", "r4", "r5", "r6"],
        "force": "Durham",
        "school_id": ["S1", "S1", "S1", "S2", "S2", "S2"],
        "mini_police": ["yes", "yes", "yes", "no", "yes", "no"],
        "wave": ["baseline", "follow_up", "Follow-up", "baseline", "follow_up", "baseline"],
        "year": ["2025"] * 6,
        "child_key": ["K1", "K1", "K1", "K2", "K2", "K3"],
    })
    res = validate_table(_raw(frame), cb.instruments["children_survey"], cb)
    assert res.quarantine["respondent_id"].tolist() == ["r3"]  # K1 twice at follow-up: the first stays
    assert res.clean["respondent_id"].tolist() == ["r1", "r2", "r4", "r5", "r6"]
    quarantined = res.log[res.log["action"] == "quarantined"].iloc[0]
    assert (quarantined["row"], quarantined["column"]) == (3, "child_key")
    noted = res.log[res.log["action"] == "noted"]
    assert noted["row"].tolist() == [4, 5] and set(noted["column"]) == {"mini_police", "school_id"} - {"school_id"}
    assert "differs" in noted["problem"].iloc[0]


def test_same_key_in_another_year_is_kept():
    cb = load_codebook()
    frame = pd.DataFrame({"respondent_id": ["r1", "r2"], "force": "Durham", "school_id": "S1",
                          "mini_police": "yes", "wave": "baseline", "year": ["2024", "2025"],
                          "child_key": "K1"})
    res = validate_table(_raw(frame), cb.instruments["children_survey"], cb)
    assert len(res.clean) == 2 and res.quarantine.empty


def test_design_columns_absent_are_not_logged_as_not_collected():
    cb = load_codebook()
    frame = pd.DataFrame({"respondent_id": ["r1"], "force": "Durham", "school_id": "S1", "mini_police": "yes"})
    res = validate_table(_raw(frame), cb.instruments["children_survey"], cb)
    assert not {"wave", "year", "child_key"} & set(res.missing_columns)
    assert not res.log["column"].isin(["wave", "year", "child_key"]).any()


def test_small_groups_are_suppressed():
    kids = simulate_waves(seed=3)
    change = change_table(kids, items=["att_trust"], min_cell=10_000)
    assert change["flag"].eq("c").all() and change[["n_pairs", "mean_change", "p_value"]].isna().all().all()
    did = did_table(kids, items=["att_trust"], min_cell=10_000)
    assert did["flag"].eq("c").all() and did[["n_pairs", "estimate"]].isna().all().all()
    assert did_table(kids, items=["att_trust"], min_cell=5)["flag"].eq("").all()


def test_simulate_waves_is_deterministic_for_its_seed():
    pd.testing.assert_frame_equal(simulate_waves(seed=11), simulate_waves(seed=11))
    assert not simulate_waves(seed=11).equals(simulate_waves(seed=12))


def test_did_interval_covers_the_true_value_in_92_to_98_percent_of_200_data_sets():
    """200 synthetic baseline/follow-up data sets: the 95% interval of the DiD covers the model's true value.

    Rate on the last run (scored item att_trust and yes/no item aware_cadets): printed by -s.
    """
    started = time.perf_counter()
    population = demo_population(2019)
    cover = {"att_trust": 0, "aware_cadets": 0}
    truth = {"att_trust": TRUE_DID["scored"], "aware_cadets": TRUE_DID["yes"]}
    for seed in range(200):
        kids = simulate_waves(population, seed=seed, items=list(cover))
        did = did_table(kids, items=list(cover)).set_index("measure")
        for item in cover:
            cover[item] += int(did.loc[item, "ci_low"] <= truth[item] <= did.loc[item, "ci_high"])
    rates = {item: hits / 200 for item, hits in cover.items()}
    print(f"DiD 95% interval coverage over 200 data sets: {rates} ({time.perf_counter() - started:.1f} s)")
    for item, rate in rates.items():
        assert 0.92 <= rate <= 0.98, (item, rate)


def test_paired_scores_use_the_follow_up_group_and_school():
    kids = pd.DataFrame({"child_key": ["K1", "K1"], "wave": ["baseline", "follow_up"], "year": [2025, 2025],
                         "school_id": ["S1", "S2"], "mini_police": ["no", "yes"],
                         "att_trust": ["disagree", "agree"]})
    pairs = paired_scores(kids, "att_trust")
    assert pairs[["school", "mp", "baseline", "follow_up", "change"]].iloc[0].tolist() == ["S2", 1.0, 4.0, 2.0, -2.0]


def test_trend_matches_statsmodels_and_wilson():
    kids = simulate_waves(seed=5)
    kids = kids[kids["wave"] == "follow_up"].drop(columns=["wave", "child_key"]).reset_index(drop=True)
    rng = np.random.default_rng(5)
    kids["year"] = rng.choice([2023, 2024, 2025], len(kids))
    trend = trend_table(kids, items=["att_trust", "aware_cadets"])
    assert set(trend["year"]) == {2023, 2024, 2025} and trend["years"].eq(3).all()
    for item in ("att_trust", "aware_cadets"):
        answer = kids[item]
        agree = answer.isin(["strongly_agree", "agree"]) if item == "att_trust" else answer.eq("yes")
        data = pd.DataFrame({"agree": agree.astype(float), "year": kids["year"].astype(float),
                             "school": pd.factorize(kids["school_id"])[0]})
        # statsmodels: ols("agree ~ year").fit(cov_type="cluster", cov_kwds={"groups": school})
        fit = smf.ols("agree ~ year", data=data).fit(cov_type="cluster", cov_kwds={"groups": data["school"]})
        rows = trend[trend["measure"] == item].set_index("year")
        assert rows["slope"].iloc[0] == pytest.approx(100 * fit.params["year"], abs=1e-9)
        assert rows["p_trend"].iloc[0] == pytest.approx(fit.pvalues["year"], abs=1e-9)
        for year, sub in data.groupby("year"):
            low, high = proportion_confint(sub["agree"].sum(), len(sub), method="wilson")
            assert rows.loc[int(year), "value"] == pytest.approx(100 * sub["agree"].mean(), abs=1e-9)
            assert rows.loc[int(year), "ci_low"] == pytest.approx(100 * low, abs=1e-9)
            assert rows.loc[int(year), "ci_high"] == pytest.approx(100 * high, abs=1e-9)


def test_trend_needs_two_years():
    kids = simulate_waves(seed=5)
    assert trend_table(kids[kids["wave"] == "follow_up"], items=["att_trust"]).empty


@pytest.mark.book
def test_book_from_waves_data_shows_change_did_attrition_and_level_3(tmp_path):
    """One book built from `demo-data --waves`: the change chapter, the DiD, attrition, and level 3 up front."""
    from helpers.text.wording import scan_html, visible_text

    raw, out = tmp_path / "raw", tmp_path / "book"
    assert main(["-q", "demo-data", "--waves", "--out", str(raw)]) == 0
    assert main(["-q", "build", "--data-dir", str(raw), "--out", str(out), "--jobs", "2"]) == 0
    html = out / "html"
    front = visible_text((html / "index.html").read_text(encoding="utf-8"))
    assert "Maryland Scientific Methods Scale level 3" in front
    assert "surveyed twice, at baseline and at follow-up" in front
    page = visible_text((html / "03b_change.html").read_text(encoding="utf-8"))
    for heading in ("Change in each group", "The difference in differences", "Who answered only once",
                    "Change over the years"):
        assert heading in page, heading
    did = pd.read_csv(out / "did.csv")
    clear = int(((did["ci_low"] > 0) | (did["ci_high"] < 0)).sum())
    assert f"For {clear} of the {len(did)} questions, the interval of the difference in differences" in page
    assert "Wilcoxon signed-rank" in page and "exact McNemar" in page
    assert "fig-change-did" in (html / "03b_change.html").read_text(encoding="utf-8")
    children = visible_text((html / "03_children.html").read_text(encoding="utf-8"))
    assert "describes the follow-up answers only" in children
    keys = set(pd.read_csv(raw / "children_survey.csv", dtype=str)["child_key"])
    for path in html.glob("*.html"):  # the linking key is an identifier: never on a page
        text = path.read_text(encoding="utf-8")
        assert not any(key in text for key in keys), path.name
    # Level 3 lets the book speak cautiously of the programme's effect (helpers.core.evidence), but the pages written
    # for waves still use associational wording only.
    assert scan_html(html, pages=["index", "03b_change"]).empty


def test_change_text_notes_and_pages_left_out(tmp_path):
    from helpers.build.book import CHANGE_PAGE, COMPARISON_PAGE, pages_left_out
    from helpers.core.change import attrition_table
    from helpers.report.change_text import change_summary, follow_up_note, front_page_note

    kids = simulate_waves(seed=8)
    did = did_table(kids, items=["att_trust", "aware_cadets"])
    attrition = attrition_table(kids, items=["att_trust"])
    note = front_page_note(did, attrition, pd.DataFrame(), primary=["att_trust"])
    assert "{doc}`03b_change`" in note and "{{" not in note
    assert follow_up_note(did).startswith("The children's survey was asked at baseline and at follow-up")
    assert front_page_note(pd.DataFrame(), attrition, pd.DataFrame(), primary=[]) == ""
    assert follow_up_note(pd.DataFrame()) == ""
    summary = change_summary(did, attrition, pd.DataFrame(), primary=["att_trust"])
    row = did.set_index("measure").loc["att_trust"]
    assert f"{abs(row['estimate']):.2f}" in summary["primary"]
    clear = int(((did["ci_low"] > 0) | (did["ci_high"] < 0)).sum())
    assert summary["did_brief"].startswith(f"For {clear} of the 2 questions")
    did.to_csv(tmp_path / "did.csv", index=False)
    assert pages_left_out(tmp_path, compare=True) == ()
    assert pages_left_out(tmp_path, compare=True, auto=True) == (COMPARISON_PAGE,)
    did.head(0).to_csv(tmp_path / "did.csv", index=False)
    assert pages_left_out(tmp_path, compare=False) == (COMPARISON_PAGE, CHANGE_PAGE)


def test_linked_note_counts_noted_events():
    from helpers.report.change_text import linked_note

    log = pd.DataFrame({"action": ["noted", "noted", "set_missing"]})
    assert linked_note(log).startswith("2 answers linked by a child's key")
    assert linked_note(log[log["action"] != "noted"]) == "" and linked_note(pd.DataFrame()) == ""
