"""Tests for the programme's demo text (definitions/demo/text.py): synthetic children's comments and interview excerpts.

Structural figures are the 2019 national evaluation's: 8 creative workshops
with 56 children in 4 forces, 6-10 children a workshop, comment themes 42%,
33%, 19% and 6% (report chapter 4); strategic leads interviewed in 10
forces, practitioners and teachers in the 4 case-study sites (chapter 5).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from helpers.demo import demo_module

_text = demo_module("text")  # the programme's demo generator (definitions/demo/text.py), loaded by path
ENJOYED_MOST_BY_THEME = _text.ENJOYED_MOST_BY_THEME
INTERVIEW_EXCERPT_POOLS = _text.INTERVIEW_EXCERPT_POOLS
PLANTED_IDENTIFIERS = _text.PLANTED_IDENTIFIERS
WORKSHOP_COMMENT_POOLS = _text.WORKSHOP_COMMENT_POOLS
enjoyed_most_text = _text.enjoyed_most_text
interview_excerpts = _text.interview_excerpts
workshop_comments = _text.workshop_comments

CASE_STUDY_FORCES = ["Cumbria", "Durham", "Gwent", "Lincolnshire"]
LEAD_FORCES = [
    "Durham",
    "Lincolnshire",
    "Cumbria",
    "Gwent",
    "Merseyside",
    "Cleveland",
    "Thames Valley",
    "Northumbria",
    "Lancashire",
    "West Midlands",
]
SEEDS = [0, 1, 20190, 987654]


def _workshops(seed: int) -> pd.DataFrame:
    return workshop_comments(np.random.default_rng(seed), forces=CASE_STUDY_FORCES)


def _interviews(seed: int) -> pd.DataFrame:
    return interview_excerpts(np.random.default_rng(seed), lead_forces=LEAD_FORCES, case_study_forces=CASE_STUDY_FORCES)


def _all_texts() -> list[str]:
    texts = [t for pool in ENJOYED_MOST_BY_THEME.values() for t in pool]
    texts += [t for pool in WORKSHOP_COMMENT_POOLS.values() for t in pool]
    texts += [t for pools in INTERVIEW_EXCERPT_POOLS.values() for pool in pools.values() for t in pool]
    texts += _interviews(0)["excerpt"].tolist()  # includes the planted excerpts
    return texts


# --- determinism and shape ------------------------------------------------


def test_same_seed_gives_identical_frames():
    pd.testing.assert_frame_equal(_workshops(7), _workshops(7))
    pd.testing.assert_frame_equal(_interviews(7), _interviews(7))
    themes = ["activities", None, "learning", "", "feelings"]
    assert enjoyed_most_text(np.random.default_rng(7), themes) == enjoyed_most_text(np.random.default_rng(7), themes)


def test_different_seeds_differ():
    assert not _workshops(1).equals(_workshops(2))
    assert not _interviews(1).equals(_interviews(2))


@pytest.mark.parametrize("instrument", ["workshop_comments", "interview_excerpts"])
def test_columns_are_the_codebooks(codebook, instrument):
    frame = _workshops(0) if instrument == "workshop_comments" else _interviews(0)
    assert list(frame.columns) == list(codebook.instruments[instrument].column_names)


@pytest.mark.parametrize("make", [_workshops, _interviews])
def test_strings_only_and_nothing_missing(make):
    frame = make(3)
    assert not frame.isna().any().any()
    assert all(isinstance(v, str) for col in frame.columns for v in frame[col])
    ident = frame.columns[0]
    assert frame[ident].is_unique
    assert (frame.drop(columns=[ident]) != "").all().all()


# --- workshops ------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_workshop_structure(seed):
    wc = _workshops(seed)
    assert sorted(wc["workshop_id"].unique(), key=lambda w: int(w[1:])) == [f"W{i}" for i in range(1, 9)]
    assert wc["child_id"].nunique() == 56
    assert set(wc["force"]) == set(CASE_STUDY_FORCES)
    assert (wc.groupby("force")["workshop_id"].nunique() == 2).all()
    assert (wc.groupby("workshop_id")["force"].nunique() == 1).all()
    sizes = wc.groupby("workshop_id")["child_id"].nunique()
    assert sizes.between(6, 10).all() and sizes.sum() == 56
    assert (wc.groupby("child_id")["workshop_id"].nunique() == 1).all()
    for child, workshop in zip(wc["child_id"], wc["workshop_id"], strict=True):
        assert re.fullmatch(r"W\d-C\d\d", child) and child.startswith(workshop + "-")
    per_child = wc.groupby("child_id").size()
    assert per_child.between(1, 3).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_workshop_theme_shares_round_exactly(seed):
    wc = _workshops(seed)
    counts = wc["theme"].value_counts()
    shares = {k: round(100 * int(counts.get(k, 0)) / len(wc)) for k in WORKSHOP_COMMENT_POOLS}
    assert shares == {"fun_new_things": 42, "learning_helping": 33, "connecting_policing": 19, "other": 6}
    assert 100 <= len(wc) <= 130


def test_workshop_comments_match_their_theme(codebook):
    wc = _workshops(5)
    assert set(wc["theme"]) <= set(codebook.scales["workshop_theme"].codes)
    assert all(text in WORKSHOP_COMMENT_POOLS[theme] for theme, text in zip(wc["theme"], wc["comment"], strict=True))


def test_workshop_comments_are_varied():
    wc = _workshops(5)
    for theme, group in wc.groupby("theme"):
        assert group["comment"].nunique() == min(len(group), len(WORKSHOP_COMMENT_POOLS[theme]))


def test_workshop_custom_shares():
    shares = {"fun_new_things": 50, "learning_helping": 30, "connecting_policing": 15, "other": 5}
    wc = workshop_comments(np.random.default_rng(0), forces=CASE_STUDY_FORCES, shares=shares)
    counts = wc["theme"].value_counts()
    assert {k: round(100 * int(counts[k]) / len(wc)) for k in shares} == shares


@pytest.mark.parametrize(
    "kwargs",
    [
        {"forces": ["Cumbria", "Durham", "Gwent"]},  # 8 workshops not divisible by 3
        {"forces": ["Cumbria", "Durham", "Gwent", "Nowhere"]},
        {"forces": ["Cumbria", "Cumbria", "Gwent", "Durham"]},
        {"forces": CASE_STUDY_FORCES, "children": 90},
        {"forces": CASE_STUDY_FORCES, "shares": {"fun_new_things": 1.0}},
    ],
)
def test_workshop_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        workshop_comments(np.random.default_rng(0), **kwargs)


# --- interviews -----------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_interview_structure(codebook, seed):
    ie = _interviews(seed)
    leads = ie[ie["role"] == "strategic_lead"]
    assert leads["force"].nunique() == 10 and set(leads["force"]) == set(LEAD_FORCES)
    assert leads["interviewee_id"].nunique() == 10
    assert set(ie["role"]) == set(codebook.scales["interview_role"].codes)
    assert set(ie["theme"]) == set(codebook.scales["interview_theme"].codes)  # every theme, nothing else
    case = ie[ie["role"] != "strategic_lead"]
    assert set(case["force"]) == set(CASE_STUDY_FORCES)
    assert (case.groupby(["force", "role"])["interviewee_id"].nunique() == 2).all()
    assert (ie.groupby("interviewee_id")["role"].nunique() == 1).all()
    assert (ie.groupby("interviewee_id")["force"].nunique() == 1).all()
    assert (ie.groupby("interviewee_id").size() >= 3).all()


def test_interview_texts_come_from_their_role_and_theme():
    ie = _interviews(11)
    planted = [t for t in ie["excerpt"] if any(p in t for p in PLANTED_IDENTIFIERS)]
    assert len(planted) == len(PLANTED_IDENTIFIERS)
    for role, theme, text in zip(ie["role"], ie["theme"], ie["excerpt"], strict=True):
        if text not in planted:
            assert text in INTERVIEW_EXCERPT_POOLS[role][theme]
    assert not ie.duplicated(["interviewee_id", "excerpt"]).any()


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_identifiers_occur(seed):
    text = "\n".join(_interviews(seed)["excerpt"])
    for identifier in PLANTED_IDENTIFIERS:
        assert identifier in text


def test_interview_bad_forces_raise():
    with pytest.raises(ValueError):
        interview_excerpts(np.random.default_rng(0), lead_forces=["Durham", "Durham"], case_study_forces=["Gwent"])
    with pytest.raises(ValueError):
        interview_excerpts(np.random.default_rng(0), lead_forces=LEAD_FORCES, case_study_forces=["Atlantis"])


# --- enjoyed most ---------------------------------------------------------


def test_enjoyed_pools_cover_exactly_the_scale(codebook):
    assert set(ENJOYED_MOST_BY_THEME) == set(codebook.scales["enjoyed_theme"].codes)
    assert all(8 <= len(pool) <= 15 for pool in ENJOYED_MOST_BY_THEME.values())
    assert set(WORKSHOP_COMMENT_POOLS) == set(codebook.scales["workshop_theme"].codes)
    assert all(15 <= len(pool) <= 25 for pool in WORKSHOP_COMMENT_POOLS.values())
    assert set(INTERVIEW_EXCERPT_POOLS) == set(codebook.scales["interview_role"].codes)
    assert set(INTERVIEW_EXCERPT_POOLS["strategic_lead"]) == set(codebook.scales["interview_theme"].codes)


def test_enjoyed_most_text_matches_theme():
    themes = ["activities", "impact_on_others", None, "connecting_policing", "learning", "", "feelings"] * 20
    answers = enjoyed_most_text(np.random.default_rng(2), themes + ["peer_connections"])
    assert len(answers) == len(themes) + 1
    for theme, answer in zip(themes + ["peer_connections"], answers, strict=True):
        assert (answer == "") if not theme else (answer in ENJOYED_MOST_BY_THEME[theme])


def test_enjoyed_most_text_rejects_unknown_theme():
    with pytest.raises(ValueError):
        enjoyed_most_text(np.random.default_rng(0), ["football"])


# --- the texts themselves -------------------------------------------------


@pytest.mark.parametrize(
    "pools",
    [ENJOYED_MOST_BY_THEME, WORKSHOP_COMMENT_POOLS, *INTERVIEW_EXCERPT_POOLS.values()],
)
def test_no_text_in_two_pools(pools):
    seen: dict[str, str] = {}
    for theme, pool in pools.items():
        assert len(set(pool)) == len(pool), f"{theme} repeats a text"
        for text in pool:
            assert text not in seen, f"{text!r} is in both {seen.get(text)} and {theme}"
            seen[text] = theme


def test_every_text_is_unique_overall():
    texts = [t for pool in ENJOYED_MOST_BY_THEME.values() for t in pool]
    texts += [t for pool in WORKSHOP_COMMENT_POOLS.values() for t in pool]
    texts += [t for pools in INTERVIEW_EXCERPT_POOLS.values() for pool in pools.values() for t in pool]
    assert len(set(texts)) == len(texts)


def _normalise(text: str) -> str:
    text = text.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "*": " "}))
    return re.sub(r"\s+", " ", text).strip().casefold()
