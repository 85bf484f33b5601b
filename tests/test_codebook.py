"""Tests for helpers.core.codebook: the instrument as data."""

from __future__ import annotations

import pytest

from helpers.core.codebook import ALL_INSTRUMENTS, INSTRUMENTS, QUALITATIVE, normalise_token


def test_every_instrument_and_required_column_of_the_contract(codebook):
    assert tuple(codebook.instruments) == ALL_INSTRUMENTS == INSTRUMENTS + QUALITATIVE
    assert not any(codebook.instruments[n].optional for n in INSTRUMENTS)
    assert all(codebook.instruments[n].optional for n in QUALITATIVE)
    required = {name: set(codebook.instruments[name].required) for name in INSTRUMENTS}
    assert required == {
        "children_survey": {"respondent_id", "force", "school_id", "mini_police"},
        "practitioner_survey": {"respondent_id", "force"},
        "teacher_survey": {"respondent_id", "force", "school_id"},
        "parent_survey": {"respondent_id", "school_id"},
        "scheme_census": {"force"},
    }


def test_scales_of_the_contract(codebook):
    assert codebook.scales["agree5"].codes == (
        "strongly_agree", "agree", "neither", "disagree", "strongly_disagree")
    assert codebook.scales["agree5"].scores == (1, 2, 3, 4, 5)
    assert codebook.scales["agree6"].codes[2:4] == ("slightly_agree", "slightly_disagree")
    assert codebook.scales["impact4"].codes == ("significantly_positive", "positive", "no_impact", "negative")
    assert codebook.scales["yesnotsure"].codes == ("yes", "no", "not_sure")


@pytest.mark.parametrize("raw, code", [
    ("Strongly agree", "strongly_agree"),
    ("  STRONGLY   AGREE ", "strongly_agree"),
    ("strongly_agree", "strongly_agree"),
    ("Neither agree nor disagree", "neither"),
    ("neither", "neither"),
    ("Strongly disagree!", None),
    ("", None),
])
def test_scale_matching_ignores_case_spaces_and_underscores(codebook, raw, code):
    assert codebook.scales["agree5"].match(raw) == code


def test_normalise_token():
    assert normalise_token("  A_bit   SAFER ") == "a bit safer"


def test_44_forces_and_matching_rules(codebook):
    assert len(codebook.forces) == 44
    assert codebook.match_force("devon and cornwall police") == "Devon & Cornwall"
    assert codebook.match_force("Dyfed Powys") == "Dyfed-Powys"
    assert codebook.match_force("DURHAM CONSTABULARY") == "Durham"
    assert codebook.match_force("Metropolitan Police Service") == "Metropolitan Police"
    assert codebook.match_force("British Transport Police") == "British Transport Police"
    assert codebook.match_force("Gotham") is None


def test_applicability_rules_only_on_mini_police_items(codebook):
    children = codebook.instruments["children_survey"]
    mini_only = {c.name for c in children.columns if c.applies_if}
    assert mini_only == {
        "enjoyed", "enjoyed_amount", "enjoyed_most", "enjoyed_least", "enjoyed_most_theme", "impact_understanding",
        "impact_help_others", "impact_trust", "impact_teamwork", "impact_confidence",
        "impact_speaking", "impact_listening", "safety_impact"}
    assert children.rank_sets["rank"][0] == "rank_emergency"
