"""The AllStars programme folder run end to end: ``minipolice --programme allstars process`` and ``build``.

The programme shares no instrument with the Mini-Police: these tests check
that the engine processes it from its own definitions (the Mini-Police
analyses written empty, with their header), applies the programme's
disclosure setting (staff ratings shown as they are, children per course
suppressed below the threshold, with secondary suppression), that its
numbers come from the data (a changed answer changes the table), and, for
the book, that the front page shows the four published staff figures as the
published table words them and that every page carries the banner.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from helpers.cli import main
from helpers.core.config import PROJECT_ROOT
from helpers.report.reproduction import load_published

PROGRAMME = PROJECT_ROOT / "programmes" / "allstars"
RAW = PROGRAMME / "data" / "raw"
SETTINGS = yaml.safe_load((PROGRAMME / "programme.yml").read_text(encoding="utf-8"))
MIN_CELL = 5


def _results(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "results.csv", dtype={"category": str, "flag": str}, keep_default_na=False,
                       na_values={"n": [""], "value": [""], "base": [""]})


def _row(results: pd.DataFrame, measure: str, group: str, category: str) -> pd.Series:
    rows = results[results["measure"].eq(measure) & results["group"].eq(group) & results["category"].eq(category)]
    assert len(rows) == 1, (measure, group, category)
    return rows.iloc[0]


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("allstars") / "out"
    assert main(["-q", "--programme", "allstars", "process", "--out", str(out)]) == 0
    return out


def test_process_by_name_and_by_path_give_the_same_tables(processed, tmp_path):
    out = tmp_path / "by_path"
    assert main(["-q", "process", "--programme", str(PROGRAMME), "--out", str(out)]) == 0
    assert (out / "results.csv").read_bytes() == (processed / "results.csv").read_bytes()


def test_mini_police_analyses_are_written_empty_with_their_header(processed):
    for name in ("tests", "power", "sensitivity", "evidence", "design", "balance", "adjusted", "pooled",
                 "pooled_forces", "change", "did", "attrition", "trend"):
        table = pd.read_csv(processed / f"{name}.csv")
        assert len(table) == 0 and len(table.columns) > 1, name
    assert sorted(p.stem for p in processed.glob("*.parquet")) == sorted(
        ["course_register", "parent_final", "parent_midway", "staff_feedback"])


def test_staff_ratings_are_not_suppressed(processed):
    """Staff ratings of a course are not children's data: a cell of 3 of 7 is shown."""
    results = _results(processed)
    cell = _row(results, "manage_anger", "staff", "stars_4")
    assert (cell["n"], cell["base"], cell["flag"]) == (3, 7, "")
    assert round(cell["value"], 1) == 42.9
    staff = results[results["group"].eq("staff")]
    assert staff["flag"].eq("").all()


def test_children_per_course_below_the_threshold_are_suppressed(processed):
    results = _results(processed)
    per_course = results[results["measure"].eq("sample_children_by_course")].set_index("category")
    assert set(per_course.index) == {"Autumn 2023", "Spring 2024", "Summer 2024"}
    assert per_course.loc["Summer 2024", "flag"] == "c" and pd.isna(per_course.loc["Summer 2024", "n"])
    # The courses add up to the children on the registers, which are shown: one hidden course would be
    # worked out from the others, so a second one is hidden too.
    assert per_course["flag"].eq("c").sum() >= 2
    assert _row(results, "sample_size", "children", "count")["value"] == 33
    shown = per_course[per_course["flag"].eq("")]
    assert (shown["n"] >= MIN_CELL).all()
    # Every count of a children's group between 1 and min_cell - 1 is hidden; parents answer for a child.
    children_groups = {"children", "parents_midway", "parents_final"}
    programme_counts = set(SETTINGS["disclosure"]["exempt"])  # courses and schools, not children
    counts = results[results["group"].isin(children_groups) & results["n"].notna()
                     & ~results["measure"].isin(programme_counts)]
    assert not counts["n"].between(1, MIN_CELL - 1).any()
    # Courses and schools describe the programme, not children: shown.
    assert _row(results, "sample_courses", "children", "count")["flag"] == ""


def test_numbers_come_from_the_data(tmp_path):
    """One staff rating changed in the export changes the published cell it belongs to."""
    data = tmp_path / "raw"
    shutil.copytree(RAW, data)
    export = next(data.glob("AllStars staff end of course feedback*.xlsx"))
    book = openpyxl.load_workbook(export)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    column = next(i for i, h in enumerate(header) if str(h).startswith("How well did AllStars help your pupils to m"))
    row = next(r for r in sheet.iter_rows(min_row=2) if r[column].value == 4)
    row[column].value = 5
    book.save(export)
    out = tmp_path / "out"
    assert main(["-q", "--programme", "allstars", "process", "--data-dir", str(data), "--out", str(out)]) == 0
    assert _row(_results(out), "positive_choices", "staff", "stars_4")["n"] == 3


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("allstars_book") / "out"
    assert main(["-q", "--programme", "allstars", "build", "--out", str(out), "--jobs", "2"]) == 0
    return out


def _text(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    main_part = re.search(r"<main.*?</main>", html, flags=re.S)
    text = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", main_part.group(0), flags=re.S)
    return re.sub(r"\s+", " ", text.replace("&nbsp;", " "))


@pytest.mark.book
def test_book_builds_with_every_chapter(book):
    pages = {p.stem for p in (book / "html").glob("*.html")}
    assert set(SETTINGS["chapters"]) <= pages


@pytest.mark.book
def test_front_page_shows_the_four_staff_figures_as_published(book):
    published = load_published(PROGRAMME / SETTINGS["published"])
    staff = published[published["measure"].isin(["positive_choices", "care_others", "manage_anger", "happier"])]
    text = _text(book / "html" / "index.html")
    for _, row in staff.iterrows():
        shown = f"{row['value']:.0f}%" if row["rounding"] == "integer" else f"{row['value']:.1f}%"
        phrase = {"positive_choices": "positive choices", "care_others": "care more about others",
                  "manage_anger": "manage their anger", "happier": "be happier"}[row["measure"]]
        assert re.search(rf"{re.escape(shown)} gave \w+ stars for [^;.]*{phrase}", text), (shown, phrase)
    assert "42.9%" in text and "57%" in text


@pytest.mark.book
def test_every_page_shows_the_synthetic_banner(book):
    banner = " ".join(SETTINGS["synthetic_banner"].split())[:60]
    pages = sorted((book / "html").glob("*.html"))
    assert pages
    for page in pages:
        html = re.sub(r"\s+", " ", page.read_text(encoding="utf-8")).replace("&#8217;", "’").replace("’", "'")
        assert banner.replace("’", "'") in html, page.name


@pytest.mark.book
def test_book_suppresses_small_courses_and_shows_no_identifiers(book):
    text = _text(book / "html" / "02_participation.html")
    assert re.search(r"Summer 2024 \[c\]", text)
    assert re.search(r"Autumn 2023 15 ", text)
    everything = " ".join(p.read_text(encoding="utf-8") for p in (book / "html").glob("*.html"))
    for planted in (r"respondent\d+@example\.invalid", r"office@example\.invalid", r"Demo respondent",
                    r"Beechcroft Primary", r"\bAS0\d\d\b"):
        assert not re.search(planted, everything), planted


def test_demo_data_command_runs_the_programme_generator(tmp_path):
    """`minipolice --programme allstars demo-data` runs programmes/allstars/demo.py: the committed bytes."""
    assert main(["-q", "--programme", "allstars", "demo-data", "--out", str(tmp_path)]) == 0
    generated = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert generated == {p.name: p.read_bytes() for p in RAW.iterdir()}


def test_the_disclosure_setting_decides_which_counts_are_childrens(tmp_path):
    """The same data with staff_feedback listed as children's data: its small cells are suppressed."""
    folder = tmp_path / "allstars"
    shutil.copytree(PROGRAMME, folder, ignore=shutil.ignore_patterns("book", "processed", "notebooks"))
    settings = dict(SETTINGS, disclosure=dict(SETTINGS["disclosure"], not_children=[],
                                              children=[*SETTINGS["disclosure"]["children"], "staff_feedback"]))
    (folder / "programme.yml").write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["-q", "--programme", str(folder), "process", "--out", str(out)]) == 0
    assert _row(_results(out), "manage_anger", "staff", "stars_4")["flag"] == "c"


def test_programme_settings_are_part_of_the_build_cache_key():
    from helpers.build.cache import helpers_hash

    allstars = helpers_hash(set(), definitions_dir=PROGRAMME / "definitions")
    root = helpers_hash(set(), definitions_dir=PROJECT_ROOT / "definitions")
    assert "programme.yml" in allstars and "programme.yml" in root
    assert allstars["programme.yml"] != root["programme.yml"]  # each programme's own settings


def test_a_codebook_with_a_subset_of_the_instruments_is_a_programme_of_its_own(tmp_path):
    """Only the children's survey: it loads, and without a census the two-group analyses do not apply."""
    from helpers.core.codebook import load_codebook
    from helpers.core.pipeline import _two_group_design

    spec = yaml.safe_load((PROJECT_ROOT / "definitions" / "codebook.yml").read_text(encoding="utf-8"))
    spec["instruments"] = {"children_survey": spec["instruments"]["children_survey"]}
    spec.pop("qualitative", None)
    spec.pop("forms", None)
    path = tmp_path / "codebook.yml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    codebook = load_codebook(path)
    assert codebook.surveys == ("children_survey",) and codebook.census is None
    assert not _two_group_design(codebook)
    assert _two_group_design(load_codebook())
    assert set(load_codebook(PROGRAMME / "definitions" / "codebook.yml").surveys) == {
        "staff_feedback", "parent_midway", "parent_final", "course_register"}


def test_questionnaire_writes_the_programmes_own_forms(tmp_path):
    assert main(["-q", "--programme", "allstars", "questionnaire", "--out", str(tmp_path), "--no-pdf"]) == 0
    lists = sorted(p.name for p in (tmp_path / "question-lists").glob("*.csv"))
    assert lists == ["course_register_questions.csv", "parent_final_questions.csv", "parent_midway_questions.csv",
                     "staff_feedback_questions.csv"]
    staff = pd.read_csv(tmp_path / "question-lists" / "staff_feedback_questions.csv")
    assert staff.set_index("column").loc["happier", "options"] == "1 star | 2 stars | 3 stars | 4 stars | 5 stars"
