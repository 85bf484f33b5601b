"""The AllStars demo data (programmes/allstars/demo.py): deterministic, calibrated, free of personal data.

The exports are read as the engine reads them: through their profiles
(helpers.profiles), validated (helpers.validation) and summarised
(helpers.processing), then compared with the published table
(helpers.reproduction), so a change to the generator, the codebook, the
profiles or the published table that breaks the four published staff
figures fails here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import codebook as codebook_module
from helpers.core.processing import summarise
from helpers.core.profiles import find_sources, read_source
from helpers.core.validation import validate_table
from helpers.report.reproduction import compare, load_published

ROOT = Path(__file__).resolve().parents[1]
PROGRAMME = ROOT / "programmes" / "allstars"
CODEBOOK = PROGRAMME / "definitions" / "codebook.yml"
RAW = PROGRAMME / "data" / "raw"
PUBLISHED = PROGRAMME / "data" / "published" / "published.csv"


def _load_demo_module():
    spec = importlib.util.spec_from_file_location("allstars_demo", PROGRAMME / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


demo = _load_demo_module()


def _codebook() -> codebook_module.Codebook:
    """The AllStars codebook, read by the engine's own code (a codebook of other instruments than the Mini-Police)."""
    return codebook_module.load_codebook(CODEBOOK)


CB = _codebook()


def _process(data_dir: Path) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Clean tables and the results table of a data folder, as the engine computes them."""
    tables, missing = {}, {}
    for name, source in find_sources(data_dir, CB).items():
        result = validate_table(read_source(source, CB), CB.instruments[name], CB)
        assert len(result.quarantine) == 0, f"{name}: rows quarantined in the demo data"
        tables[name], missing[name] = result.clean, result.missing_columns
    return tables, summarise(tables, CB, missing)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_codebook_has_the_four_instruments_and_a_star_scale():
    assert set(CB.instruments) == {"staff_feedback", "parent_midway", "parent_final", "course_register"}
    stars = CB.scales["stars5"]
    assert stars.codes == ("stars_1", "stars_2", "stars_3", "stars_4", "stars_5")
    assert stars.polarity == (-1, -1, 0, 1, 1)
    assert stars.match("4 stars") == "stars_4"


def test_same_seed_same_bytes(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    demo.generate_demo_data(first, seed=7)
    demo.generate_demo_data(second, seed=7)
    assert _files(first) == _files(second)


def test_another_seed_other_answers_same_published_cells(tmp_path):
    demo.generate_demo_data(tmp_path / "a", seed=7)
    demo.generate_demo_data(tmp_path / "b", seed=8)
    assert _files(tmp_path / "a") != _files(tmp_path / "b")
    for folder in ("a", "b"):
        _, results = _process(tmp_path / folder)
        checked = compare(load_published(PUBLISHED), results)
        assert checked.loc[checked["check"].eq("data"), "status"].eq("pass").all()


def test_committed_raw_data_are_the_default_seed_output(tmp_path):
    demo.generate_demo_data(tmp_path)
    assert _files(tmp_path) == _files(RAW), "data/raw is stale: run python programmes/allstars/demo.py"


def test_staff_export_reproduces_the_four_published_cells():
    tables, results = _process(RAW)
    staff = tables["staff_feedback"]
    assert len(staff) == 7
    # Counted directly from the clean staff table, independently of results.csv:
    counts = {item: staff[item].astype("object").value_counts().to_dict()
              for item in ("positive_choices", "care_others", "manage_anger", "happier")}
    assert counts["positive_choices"]["stars_4"] == 4
    assert counts["care_others"]["stars_5"] == 4
    assert counts["manage_anger"]["stars_4"] == 3
    assert counts["happier"]["stars_5"] == 4
    # ... and through the published table, to its rounding (57, 57, 42.9, 57).
    checked = compare(load_published(PUBLISHED), results).set_index("id")
    for row_id in ("A001", "A002", "A003", "A004", "A005"):
        assert checked.loc[row_id, "status"] == "pass", checked.loc[row_id].to_dict()
    assert round(checked.loc["A003", "reproduced"], 1) == 42.9
    assert round(checked.loc["A001", "reproduced"]) == 57


def test_published_table_has_the_root_columns_and_a_source():
    root = pd.read_csv(ROOT / "data" / "published" / "published_2019.csv", nrows=0).columns.tolist()
    ours = pd.read_csv(PUBLISHED, nrows=0).columns.tolist()
    assert ours == [*root, "source"]
    published = load_published(PUBLISHED)
    assert published["source"].str.contains("College of Policing (2024)", regex=False).all()
    assert published["id"].is_unique


def test_forms_are_microsoft_forms_shaped():
    for name in demo.FORMS:
        source = find_sources(RAW, CB)[name]
        assert source.profile.preset == "msforms"
        header = pd.read_excel(source.path, nrows=0).columns.tolist()
        assert header[:5] == list(demo.FORMS_META)


def test_no_personal_data_in_the_processed_forms():
    sources = find_sources(RAW, CB)
    for name, source in sources.items():
        frame = read_source(source, CB).frame
        assert not {"email", "name"} & {str(c).casefold() for c in frame.columns}, name
        text = frame.astype(str)
        # The forms' own Email and Name values (invented: respondent03@example.invalid, Demo respondent 03).
        # The e-mail address planted in one free-text answer is for the redaction tests, not matched here.
        for planted in (r"respondent\d+@example\.invalid", r"Demo respondent \d+"):
            hits = text.apply(lambda col, p=planted: col.str.contains(p, regex=True)).to_numpy().sum()
            assert hits == 0, f"{name}: {planted!r} reached the processed table"
        clean = validate_table(read_source(source, CB), CB.instruments[name], CB).clean
        assert set(clean.columns) - {"raw_row"} <= set(CB.instruments[name].column_names)
    # The raw exports do hold the invented e-mail and name columns: the preset is what removes them.
    staff = pd.read_excel(sources["staff_feedback"].path)
    assert staff["Email"].str.endswith("@example.invalid").all()


def test_register_has_a_course_below_the_disclosure_threshold():
    tables, _ = _process(RAW)
    per_course = tables["course_register"]["course"].value_counts()
    assert (per_course < 5).any() and (per_course >= 5).any()
    per_school_course = tables["course_register"].groupby(["course", "school"]).size()
    assert per_school_course.max() <= 3  # published capacity: three children per school


@pytest.mark.parametrize("seed", [1, 2024])
def test_parents_answer_for_children_of_the_register(tmp_path, seed):
    demo.generate_demo_data(tmp_path, seed=seed)
    tables, _ = _process(tmp_path)
    pairs = set(zip(tables["course_register"]["course"], tables["course_register"]["school"], strict=True))
    for form in ("parent_midway", "parent_final"):
        answered = set(zip(tables[form]["course"], tables[form]["school"], strict=True))
        assert answered <= pairs
        assert 0 < len(tables[form]) <= len(tables["course_register"])
