"""Tests of helpers.text.redaction: identifiers are removed, ordinary text is kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.core.config import RAW_DIR
from helpers.demo import demo_module
from helpers.text.redaction import find_identifiers, known_names, redact

_text = demo_module("text")  # the programme's demo generator (definitions/demo/text.py), loaded by path
ENJOYED_MOST_BY_THEME = _text.ENJOYED_MOST_BY_THEME
INTERVIEW_EXCERPT_POOLS = _text.INTERVIEW_EXCERPT_POOLS
PLANTED_IDENTIFIERS = _text.PLANTED_IDENTIFIERS
WORKSHOP_COMMENT_POOLS = _text.WORKSHOP_COMMENT_POOLS

R = "[redacted]"

EMAILS = [
    "d.okafor@example.org",
    "j_smith+mini@school.example.co.uk",
    "HEAD.TEACHER@Oakfield-Primary.sch.uk",
]
PHONES = [
    "01632 960417",
    "01632960417",
    "07700 900123",
    "07700-900-123",
    "07700 900 123",
    "+44 7700 900123",
    "+447700900123",
    "+44 (0)20 7946 0000",
    "0044 20 7946 0000",
    "(020) 7946 0000",
    "020 7946 0000",
    "0113 496 0000",
    "0191 498 0123",
    "0800 123 4567",
    "0800 123456",
    "01632.960.417",
]
POSTCODES = ["DH1 3LE", "sw1a 1aa", "SW1A 1AA", "M1 1AE", "m11ae", "EC1A 1BB", "B33 8TH", "LN2 2LG", "cr2 6xh"]
OUTWARD_CODES = ["DH1", "SW1A", "LN2", "NE12"]


def _one(text: str, **kwargs) -> str:
    return redact(pd.Series([text], dtype=object), **kwargs).iloc[0]


@pytest.mark.parametrize("identifier", EMAILS + PHONES + POSTCODES)
def test_contact_details_are_replaced_in_context(identifier):
    text = f"If you need me, {identifier} is best."
    assert _one(text) == f"If you need me, {R} is best."


@pytest.mark.parametrize("identifier", PHONES + POSTCODES + EMAILS)
def test_contact_details_are_replaced_alone(identifier):
    assert _one(identifier) == R


@pytest.mark.parametrize("code", OUTWARD_CODES)
def test_unambiguous_outward_postcode_alone_is_replaced(code):
    assert _one(f"We live in {code} near the park") == f"We live in {R} near the park"


def test_phone_in_brackets_keeps_the_brackets_outside_the_number():
    assert _one("ring the office (01632 960417) today") == f"ring the office ({R}) today"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PC Jones came in", f"PC {R} came in"),
        ("PCSO Sarah Hughes helped", f"PCSO {R} helped"),
        ("Sergeant Smith said", f"Sergeant {R} said"),
        ("sergeant Smith said", f"sergeant {R} said"),
        ("Sgt. Patel said", f"Sgt. {R} said"),
        ("Inspector Morse said", f"Inspector {R} said"),
        ("DC Green and DS Black", f"DC {R} and DS {R}"),
        ("ask Mrs O'Brien or Mr J. Smith", f"ask Mrs {R} or Mr {R}"),
        ("Dr McDonald-Jones visited", f"Dr {R} visited"),
        ("Miss Honey is our teacher", f"Miss {R} is our teacher"),
    ],
)
def test_titles_followed_by_a_name_lose_the_name(text, expected):
    assert _one(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("At Oakfield Primary we", f"At {R} we"),
        ("St Mary's C of E Primary School is big", f"{R} is big"),
        ("children from Hill Top Academy came", f"children from {R} came"),
        ("Durham High School joined", f"{R} joined"),
        ("Our Lady RC Junior School", f"Our {R}"),
    ],
)
def test_school_names_with_their_type_are_replaced(text, expected):
    assert _one(text) == expected


ORDINARY = [
    "Year 6",
    "We are in Year 5 and Year 6",
    "ring 999 in an emergency",
    "call 101 if it is not urgent, or 111",
    "I am 10 years old, my brother is 8",
    "aged 9-11",
    "we meet at 3pm on Thursdays",
    "it started in 2019",
    "on 12/03/2019 at 15:30",
    "we scored 10 out of 10",
    "KS2 pupils and Y6 children",
    "we came 1st and they came 4th",
    "the M25 4th junction",
    "CO2 levels and the A1 road",
    "Primary School and Secondary School",
    "The High School",
    "Police Academy is a film",
    "the PCSO Team",
    "our PCSOs were funny",
    "I miss Mum",
    "p = 0.0123456789",
    "12345678901 is too long to be a UK number",
    "The police are nice",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_untouched(text):
    assert _one(text) == text
    assert find_identifiers(text) == []


def test_known_names_case_insensitive_whole_word_longest_first():
    texts = pd.Series(["SAM LEE said", "sam said", "Samuel said", "Sam Lee-Smith", "Oakfield is lovely"])
    out = redact(texts, names=["Sam", "Sam Lee", "Oakfield"])
    assert out.tolist() == [f"{R} said", f"{R} said", "Samuel said", f"{R}-Smith", f"{R} is lovely"]


def test_known_name_across_spacing():
    assert _one("Sam\n  Lee was there", names=["Sam Lee"]) == f"{R} was there"


def test_common_word_names_match_only_when_capitalised():
    out = redact(pd.Series(["Will will help", "they may come in May"]), names=["Will", "May"])
    assert out.tolist() == [f"{R} will help", f"they may come in {R}"]


def test_names_with_regex_characters_are_literal():
    assert _one("Ann (Jo) came, Ann Jo did not", names=["Ann (Jo)"]) == f"{R} came, Ann Jo did not"


def test_missing_values_index_name_and_dtype_are_kept():
    texts = pd.Series(["PC Jones", None, np.nan, "fine"], index=[10, 11, 12, 13], name="excerpt", dtype=object)
    out = redact(texts)
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out.name == "excerpt"
    assert out.dtype == object
    assert out.iloc[0] == f"PC {R}"
    assert out.iloc[1] is None and pd.isna(out.iloc[2])
    assert out.iloc[3] == "fine"


def test_string_dtype_keeps_na():
    texts = pd.Series(["01632 960417", pd.NA], dtype="string")
    out = redact(texts)
    assert out.dtype == "string"
    assert out.iloc[0] == R and pd.isna(out.iloc[1])


def test_input_is_not_changed():
    texts = pd.Series(["PC Jones on 01632 960417"], dtype=object)
    copy = texts.copy()
    redact(texts, names=["Jones"])
    pd.testing.assert_series_equal(texts, copy)


def test_custom_replacement_is_literal():
    assert _one("e-mail a@b.org", replacement=r"<\1 removed>") == r"e-mail <\1 removed>"
    assert _one("PC Jones", replacement="***") == "PC ***"


def test_redact_needs_a_series():
    with pytest.raises(TypeError, match="Series"):
        redact(["PC Jones"])


def test_known_names_from_raw_and_processed_tables(codebook):
    tables = {
        "children_survey": pd.DataFrame({"respondent_id": ["C1", "C2"], " First_Name ": ["Aisha", None],
                                         "last_name": ["Kent", "Okafor"]}),
        "teacher_survey": pd.DataFrame({"School_Name": ["Oakfield Primary School", "Durham High School"],
                                        "officer": ["PC Sam Lee", ""]}),
        "parent_survey": pd.DataFrame({"comment": ["Jones"]}),  # not a name column
    }
    names = known_names(tables, codebook)
    assert set(names) == {
        "Aisha", "Kent", "Okafor",  # Kent stays: the full value is always kept
        "Oakfield Primary School", "Oakfield Primary", "Oakfield",
        "Durham High School", "Durham High",  # no bare "Durham": it is a force name
        "PC Sam Lee", "Sam", "Lee",
    }
    assert names == sorted(names, key=lambda s: (-len(s), s))


def test_known_names_feed_redact(codebook):
    tables = {"raw": pd.DataFrame({"school_name": ["Oakfield Primary School"], "respondent_name": ["Aisha Khan"]})}
    names = known_names(tables, codebook)
    out = redact(pd.Series(["Aisha and aisha khan love oakfield", "at OAKFIELD PRIMARY SCHOOL"]), names=names)
    assert out.tolist() == [f"{R} and {R} love {R}", f"at {R}"]


def test_find_identifiers_lists_every_kind_in_order():
    text = "Mail d.okafor@example.org, ring 07700 900123 or write to DH1 3LE; again d.okafor@example.org"
    assert find_identifiers(text) == ["d.okafor@example.org", "07700 900123", "DH1 3LE", "d.okafor@example.org"]


def test_find_identifiers_in_html_ignores_markup_scripts_and_images():
    page = (
        "<html><head><style>.x{color:#0123456789}</style>"
        "<script>var digits='0123456789'; var pc='DH1 3LE';</script></head>"
        "<body><img src='data:image/png;base64,AB12CD+ab12cd/0123456789'>"
        "<p data-x='07700900123'>Nothing here: Year 6, 999, 2019.</p><!-- sw1a 1aa --></body></html>"
    )
    assert find_identifiers(page, markup="html") == []
    leak = "<p>Contact <b>PC Jones</b> on 01632&nbsp;960417 &lt;a@b.org&gt;</p>"
    assert find_identifiers(leak, markup="html") == ["01632\xa0960417", "a@b.org"]


def test_find_identifiers_rejects_unknown_markup():
    with pytest.raises(ValueError, match="markup"):
        find_identifiers("x", markup="pdf")


def test_redacted_text_has_no_identifiers_left():
    texts = pd.Series([f"a {x} b" for x in EMAILS + PHONES + POSTCODES])
    assert all(find_identifiers(t) == [] for t in redact(texts))


# --- the demo data -----------------------------------------------------------


@pytest.fixture(scope="module")
def demo_excerpts() -> pd.DataFrame:
    return pd.read_csv(RAW_DIR / "interview_excerpts.csv", dtype=str, keep_default_na=False)


def test_planted_identifiers_are_in_the_demo_excerpts(demo_excerpts):
    for identifier in PLANTED_IDENTIFIERS:
        assert demo_excerpts["excerpt"].str.contains(identifier, regex=False).any(), identifier


def test_planted_identifiers_are_all_redacted_without_known_names(demo_excerpts):
    out = redact(demo_excerpts["excerpt"])
    for identifier in PLANTED_IDENTIFIERS:
        assert not out.str.contains(identifier, regex=False).any(), identifier
    joined = " ".join(out)
    assert find_identifiers(joined) == []
    # only the four planted excerpts change: nothing else in the demo corpus is taken for an identifier
    changed = demo_excerpts.loc[out.ne(demo_excerpts["excerpt"]), "excerpt"]
    assert len(changed) == len(PLANTED_IDENTIFIERS)
    assert all(any(p in text for p in PLANTED_IDENTIFIERS) for text in changed)


def test_demo_free_text_pools_are_left_alone():
    pools = [t for pool in ENJOYED_MOST_BY_THEME.values() for t in pool]
    pools += [t for pool in WORKSHOP_COMMENT_POOLS.values() for t in pool]
    pools += [t for role in INTERVIEW_EXCERPT_POOLS.values() for pool in role.values() for t in pool]
    texts = pd.Series(pools)
    pd.testing.assert_series_equal(redact(texts), texts)


def test_demo_children_answers_are_left_alone():
    raw = pd.read_csv(RAW_DIR / "children_survey.csv", dtype=str, keep_default_na=False)
    for column in ("enjoyed_most", "enjoyed_least", "police_good_job_why"):
        texts = raw[column]
        pd.testing.assert_series_equal(redact(texts), texts)
