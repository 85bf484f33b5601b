"""Tests of helpers.text.qualitative on small hand-built frames and on the demo data.

Expected values are counted by hand from the frames written out below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.core.config import RAW_DIR
from helpers.core.pipeline import run_process
from helpers.demo import demo_module
from helpers.text.qualitative import (
    STOPWORDS,
    illustrative_quotes,
    interview_themes,
    theme_shares,
    word_frequencies,
)

_text = demo_module("text")  # the programme's demo generator (definitions/demo/text.py), loaded by path
PLANTED_IDENTIFIERS = _text.PLANTED_IDENTIFIERS

R = "[redacted]"
ID_COLUMNS = {"comment_id", "child_id", "interviewee_id", "excerpt_id", "respondent_id", "school_id", "workshop_id",
              "force", "who", "raw_row"}


# --- theme_shares -------------------------------------------------------------


@pytest.fixture
def comments() -> pd.DataFrame:
    # 6 coded comments (3 fun, 2 learning, 0 connecting, 1 other) and one uncoded
    return pd.DataFrame({
        "force": ["Durham", "Durham", "Durham", "Gwent", "Gwent", "Gwent", "Gwent"],
        "child_id": ["a", "a", "b", "c", "c", "d", None],
        "theme": ["fun_new_things", "fun_new_things", "learning_helping", "fun_new_things", "learning_helping",
                  "other", None],
        "comment": ["x"] * 7,
    })


def test_theme_shares_counts_every_code_with_labels(comments):
    out = theme_shares(comments, scale="workshop_theme")
    assert out.columns.tolist() == ["theme", "theme_label", "n", "base", "percent"]
    assert out["theme"].tolist() == ["fun_new_things", "learning_helping", "connecting_policing", "other"]
    assert out["theme_label"].tolist() == ["Having fun and doing new things", "Learning, helping and feeling",
                                           "Connecting with policing", "Other"]
    assert out["n"].tolist() == [3, 2, 0, 1]
    assert out["base"].tolist() == [6, 6, 6, 6]
    np.testing.assert_allclose(out["percent"], [50.0, 100 * 2 / 6, 0.0, 100 / 6])


def test_theme_shares_by_group_and_units(comments):
    out = theme_shares(comments, scale="workshop_theme", by="force", unit="child_id")
    durham = out[out["force"].eq("Durham")].set_index("theme")
    gwent = out[out["force"].eq("Gwent")].set_index("theme")
    assert durham["n"].tolist() == [2, 1, 0, 0] and durham["base"].eq(3).all()
    assert gwent["n"].tolist() == [1, 1, 0, 1] and gwent["base"].eq(3).all()
    # fun in Durham: two comments by one child
    assert durham.loc["fun_new_things", "units"] == 1
    assert gwent.loc["learning_helping", "units"] == 1
    np.testing.assert_allclose(durham["percent"], [200 / 3, 100 / 3, 0, 0])
    assert out["force"].tolist() == ["Durham"] * 4 + ["Gwent"] * 4


def test_theme_shares_guesses_the_scale_from_categories(comments):
    cats = pd.CategoricalDtype(["fun_new_things", "learning_helping", "connecting_policing", "other"])
    table = comments.assign(theme=comments["theme"].astype(cats))
    pd.testing.assert_frame_equal(theme_shares(table), theme_shares(comments, scale="workshop_theme"))


def test_theme_shares_ambiguous_scale_raises(comments):
    # "connecting_policing" alone belongs to two scales (enjoyed_theme and workshop_theme)
    with pytest.raises(ValueError, match="scale"):
        theme_shares(pd.DataFrame({"theme": ["connecting_policing"]}))


def test_theme_shares_unknown_code_and_missing_column_raise(comments):
    with pytest.raises(ValueError, match="not in scale"):
        theme_shares(comments.assign(theme="fun"), scale="workshop_theme")
    with pytest.raises(ValueError, match="no column"):
        theme_shares(comments, theme="topic", scale="workshop_theme")


def test_theme_shares_does_not_change_its_input(comments):
    copy = comments.copy()
    theme_shares(comments, scale="workshop_theme", by="force", unit="child_id")
    pd.testing.assert_frame_equal(comments, copy)


# --- interview_themes -----------------------------------------------------------


@pytest.fixture
def excerpts() -> pd.DataFrame:
    rows = [
        # interviewee, role, theme, excerpt
        ("SL1", "strategic_lead", "aims", "Relationships first, that is what we wanted from the start."),
        ("SL1", "strategic_lead", "strength", "Catching them young is the strength of it all, honestly."),
        ("SL1", "strategic_lead", "threat", "Funding is the threat, without the grant it would stop."),
        ("SL2", "strategic_lead", "threat", "If we grow too fast the quality goes down, I am sure."),
        ("SL2", "strategic_lead", "threat", "Transport eats the budget for trips every single year."),
        ("SL3", "strategic_lead", "weakness", "Middle managers are hard to get on side with it."),
        ("PR1", "practitioner", "strength", "PC Jones does the care home visits with me every month."),
        ("PR1", "practitioner", "design_delivery", "I plan the sessions round whatever is going on locally."),
        ("TE1", "teacher", "child_selection", "Ring the office on 01632 960417 if you have any questions."),
        ("TE2", "teacher", "school_selection", "At Oakfield Primary we waited a year for a place."),
    ]
    return pd.DataFrame(rows, columns=["interviewee_id", "role", "theme", "excerpt"]).assign(force="Durham")


def test_interview_themes_counts_by_role(excerpts):
    out = interview_themes(excerpts).set_index(["role", "theme"])
    counts = ["excerpts", "interviewees", "role_interviewees"]
    assert len(out) == 4 * 11  # three roles and "all", every theme
    assert out.loc[("strategic_lead", "threat"), counts].tolist() == [3, 2, 3]
    assert out.loc[("strategic_lead", "threat"), "percent"] == pytest.approx(200 / 3)
    assert out.loc[("all", "strength"), counts].tolist() == [2, 2, 6]
    assert out.loc[("teacher", "aims"), counts].tolist() == [0, 0, 2]
    assert out.loc[("teacher", "aims"), "percent"] == 0
    assert out.loc[("practitioner", "design_delivery"), "interviewees"] == 1
    assert out.loc[("all", "sharing_strategy"), "excerpts"] == 0
    assert out["excerpts"].groupby(level="role").sum().to_dict() == {
        "all": 10, "practitioner": 2, "strategic_lead": 6, "teacher": 2}


def test_interview_themes_labels_sections_and_swot(excerpts):
    out = interview_themes(excerpts)
    assert not set(out.columns) & ID_COLUMNS
    assert out["role"].unique().tolist() == ["strategic_lead", "practitioner", "teacher", "all"]
    assert out.loc[out["role"].eq("all"), "role_label"].unique().tolist() == ["All interviewees"]
    sel = out[out["section"].eq("selection") & out["role"].eq("all")]
    assert sel["theme"].tolist() == ["school_selection", "child_selection"]
    assert sel["theme_label"].tolist() == ["Selection of schools", "Selection of children"]
    swot = out[out["section"].eq("swot") & out["role"].eq("strategic_lead")]
    grid = swot.pivot(index="swot_origin", columns="swot_effect", values="interviewees")
    assert grid.loc["internal", "helpful"] == 1  # strength: SL1
    assert grid.loc["internal", "harmful"] == 1  # weakness: SL3
    assert grid.loc["external", "helpful"] == 0  # opportunity: nobody
    assert grid.loc["external", "harmful"] == 2  # threat: SL1, SL2
    assert out.loc[~out["section"].eq("swot"), "swot_origin"].isna().all()


def test_interview_themes_role_without_interviewees_has_nan_percent(excerpts):
    out = interview_themes(excerpts[excerpts["role"].ne("practitioner")])
    prac = out[out["role"].eq("practitioner")]
    assert prac["role_interviewees"].eq(0).all() and prac["percent"].isna().all()


def test_interview_themes_rejects_unknown_codes(excerpts):
    with pytest.raises(ValueError, match="not in scale"):
        interview_themes(excerpts.assign(role="chief_constable"))


# --- illustrative_quotes -------------------------------------------------------


@pytest.fixture
def quote_table() -> pd.DataFrame:
    # theme "fun_new_things": 6 children (a-f); "other": 2 children
    rows = [
        ("a", "fun_new_things", "We went to the police station with PC Jones and it was great"),
        ("a", "fun_new_things", "The horses were massive and one of them ate an apple"),
        ("b", "fun_new_things", "My mum's number is 07700 900123 and she came on the trip too"),
        ("c", "fun_new_things", "Fun"),  # too short
        ("d", "fun_new_things", "We tried on the riot helmets and shields, they were so heavy"),
        ("e", "fun_new_things", "We tried on the riot helmets and shields, they were so heavy"),  # repeat
        ("f", "fun_new_things", "Aisha and me from Oakfield Primary made our own crime scene"),
        ("g", "other", "I wish we had mini police more than once a week"),
        ("h", "other", "It finished too soon and I was sad about it"),
    ]
    frame = pd.DataFrame(rows, columns=["child_id", "theme", "comment"])
    frame.insert(0, "comment_id", [f"WC{i:03d}" for i in range(len(frame))])
    return frame.assign(force="Durham", workshop_id="W1")


def test_quotes_are_redacted_and_carry_no_identifiers(quote_table):
    out = illustrative_quotes(quote_table, theme="fun_new_things", n=10, min_words=5, names=["Aisha"],
                              scale="workshop_theme", min_cell=5)
    assert out.columns.tolist() == ["theme", "theme_label", "quote"]
    assert set(out["quote"]) == {
        f"We went to the police station with PC {R} and it was great",
        "The horses were massive and one of them ate an apple",
        f"My mum's number is {R} and she came on the trip too",
        "We tried on the riot helmets and shields, they were so heavy",
        f"{R} and me from {R} made our own crime scene",
    }
    assert out["theme_label"].eq("Having fun and doing new things").all()
    joined = " ".join(out["quote"])
    for planted in ("Jones", "07700", "Aisha", "Oakfield"):
        assert planted not in joined


def test_quotes_are_deterministic_and_ignore_row_order(quote_table):
    kwargs = {"theme": "fun_new_things", "n": 2, "min_words": 5, "scale": "workshop_theme", "seed": 7}
    first = illustrative_quotes(quote_table, **kwargs)
    again = illustrative_quotes(quote_table, **kwargs)
    shuffled = illustrative_quotes(quote_table.sample(frac=1, random_state=3), **kwargs)
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, shuffled)
    assert len(first) == 2
    seeds = {tuple(illustrative_quotes(quote_table, **{**kwargs, "seed": s})["quote"]) for s in range(20)}
    assert len(seeds) > 1  # the seed matters


def test_quotes_prefer_different_speakers(quote_table):
    # child "a" has two eligible quotes; with n=4 of 4 speakers (a, b, d/e, f) each speaker appears once
    for seed in range(10):
        out = illustrative_quotes(quote_table, theme="fun_new_things", n=4, min_words=5, scale="workshop_theme",
                                  seed=seed)
        a_quotes = {f"We went to the police station with PC {R} and it was great",
                    "The horses were massive and one of them ate an apple"}
        assert len(set(out["quote"]) & a_quotes) == 1


def test_quotes_word_limits(quote_table):
    out = illustrative_quotes(quote_table, theme="fun_new_things", n=10, min_words=1, max_words=1,
                              scale="workshop_theme", min_cell=5)
    assert out["quote"].tolist() == ["Fun"]


def test_theme_with_few_speakers_gives_no_quotes(quote_table):
    out = illustrative_quotes(quote_table, theme="other", scale="workshop_theme", min_cell=5)
    assert out.empty and out.columns.tolist() == ["theme", "theme_label", "quote"]
    # 6 distinct children in fun_new_things: quotes at min_cell 6, none at 7
    assert len(illustrative_quotes(quote_table, theme="fun_new_things", scale="workshop_theme", min_cell=6)) == 2
    assert illustrative_quotes(quote_table, theme="fun_new_things", scale="workshop_theme", min_cell=7).empty
    # with min_cell off, "other" can be quoted
    assert len(illustrative_quotes(quote_table, theme="other", scale="workshop_theme", min_cell=0)) == 2


def test_interview_quotes_carry_role_not_identity(excerpts):
    out = illustrative_quotes(excerpts, theme="threat", n=5, min_words=5, min_cell=2)
    assert out.columns.tolist() == ["theme", "theme_label", "quote", "role", "role_label"]
    assert len(out) == 3
    assert out["role"].eq("strategic_lead").all() and out["role_label"].eq("Strategic lead").all()
    assert out["theme_label"].eq("Threat").all()
    quotes = illustrative_quotes(excerpts, theme="strength", n=5, min_words=5, min_cell=2)
    assert f"PC {R} does the care home visits with me every month." in quotes["quote"].tolist()


def test_quotes_argument_errors(quote_table, excerpts):
    with pytest.raises(ValueError, match="not a code"):
        illustrative_quotes(quote_table, theme="fun", scale="workshop_theme")
    with pytest.raises(ValueError, match="speaker"):
        illustrative_quotes(quote_table.drop(columns="child_id"), theme="other", scale="workshop_theme")
    with pytest.raises(ValueError, match="text"):
        illustrative_quotes(quote_table.drop(columns="comment"), theme="other", scale="workshop_theme")
    with pytest.raises(ValueError, match="min_words"):
        illustrative_quotes(excerpts, theme="aims", min_words=10, max_words=5)


# --- word_frequencies ------------------------------------------------------------


def test_word_frequencies_hand_counted():
    answers = pd.Series([
        "The police help people",                    # police, help ("people" is filler)
        "They help people and they help animals",    # help, animals (help once)
        "Police's cars are FAST",                    # police, cars, fast
        "PC Jones helps people",                     # pc, helps (Jones redacted)
        "I don't like it",                           # nothing ("like" is filler)
        None,
        "   ",
    ])
    out = word_frequencies(answers, min_count=2)
    assert out.columns.tolist() == ["word", "count"]
    assert out.to_dict("list") == {"word": ["help", "police"], "count": [2, 2]}
    everything = word_frequencies(answers, min_count=1)
    assert dict(zip(everything["word"], everything["count"], strict=True)) == {
        "help": 2, "police": 2, "animals": 1, "cars": 1, "fast": 1, "helps": 1, "pc": 1}
    assert everything["word"].tolist()[2:] == ["animals", "cars", "fast", "helps", "pc"]  # ties by word
    # with the standard list only, the filler words are counted again
    standard = word_frequencies(answers, min_count=2, stopwords=STOPWORDS - {"people", "like"})
    assert standard.to_dict("list") == {"word": ["people", "help", "police"], "count": [3, 2, 2]}
    assert everything["count"].dtype == "int64"


def test_word_frequencies_drops_names_numbers_and_stopwords():
    answers = pd.Series(["Oakfield is great", "oakfield police are great", "call 01632 960417 great",
                         "Aisha says great"] * 2)
    out = word_frequencies(answers, min_count=1, names=["Oakfield", "Aisha"])
    assert set(out["word"]) == {"great", "police", "call", "says"}
    assert out.set_index("word").loc["great", "count"] == 8
    custom = word_frequencies(answers, min_count=1, names=["Oakfield", "Aisha"], stopwords=STOPWORDS | {"great"})
    assert "great" not in set(custom["word"])


def test_word_frequencies_empty_and_type():
    out = word_frequencies(pd.Series([None, ""], dtype=object))
    assert out.empty and out.columns.tolist() == ["word", "count"]
    with pytest.raises(TypeError):
        word_frequencies(["a list"])


# --- the demo data ------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_processed(tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    run_process(RAW_DIR, out)
    return out


def test_demo_workshop_theme_shares_match_the_2019_report(demo_processed):
    table = pd.read_parquet(demo_processed / "workshop_comments.parquet")
    out = theme_shares(table, unit="child_id")
    assert out["theme"].tolist() == ["fun_new_things", "learning_helping", "connecting_policing", "other"]
    assert out["percent"].round().astype(int).tolist() == [42, 33, 19, 6]
    assert out["n"].sum() == len(table)
    assert out["units"].max() <= table["child_id"].nunique() == 56


def test_demo_interview_themes_and_quotes(demo_processed):
    table = pd.read_parquet(demo_processed / "interview_excerpts.parquet")
    themes = interview_themes(table)
    totals = themes.drop_duplicates("role").set_index("role")["role_interviewees"].to_dict()
    assert totals == {"strategic_lead": 10, "practitioner": 8, "teacher": 8, "all": 26}
    assert themes.loc[themes["role"].eq("all"), "excerpts"].sum() == len(table)
    for code in themes["theme"].unique():
        quotes = illustrative_quotes(table, theme=code, n=50, min_words=1, max_words=1000, min_cell=0)
        assert not set(quotes.columns) & ID_COLUMNS
        joined = " ".join(quotes["quote"])
        for planted in PLANTED_IDENTIFIERS:
            assert planted not in joined, (code, planted)


def test_demo_word_frequencies_respect_min_count(demo_processed):
    children = pd.read_parquet(demo_processed / "children_survey.parquet")
    out = word_frequencies(children["police_good_job_why"], min_count=5)
    assert not out.empty and out["count"].min() >= 5
    assert out["count"].is_monotonic_decreasing
    assert not set(out["word"]) & STOPWORDS
