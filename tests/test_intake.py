"""National intake (helpers.core.intake): a data folder with one subfolder per force.

The folders are made from the demo data (``data/raw``) split by force in a
pytest tmp dir; each test plants one thing (a row naming another force, a
missing file, a wrong folder name) and checks what ``process`` makes of it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.cli import main
from helpers.core.config import DEMO_MARKER
from helpers.core.intake import MISMATCH_PROBLEM, force_folders
from helpers.core.loading import StructuralError

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"

#: The three forces the national fixture holds, and the folder names they are given (matched leniently).
FOLDERS = {"Durham": "Durham", "Cumbria": "cumbria constabulary", "Gwent": "Gwent Police"}


def split_by_force(target: Path, folders: dict[str, str] = FOLDERS, *, source: Path = RAW) -> Path:
    """Write one subfolder per force with that force's rows of every demo file (the census row included)."""
    target.mkdir(parents=True)
    shutil.copy(source / DEMO_MARKER, target / DEMO_MARKER)
    for path in sorted(source.glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for force, folder in folders.items():
            (target / folder).mkdir(exist_ok=True)
            frame[frame["force"].eq(force)].to_csv(target / folder / path.name, index=False)
    return target


@pytest.fixture
def national(tmp_path: Path) -> Path:
    return split_by_force(tmp_path / "national")


def _process(data: Path, out: Path, *extra: str) -> int:
    return main(["-q", "process", "--data-dir", str(data), "--out", str(out), *extra])


def test_three_folders_are_read_combined_and_namespaced(national, tmp_path):
    out = tmp_path / "out"
    assert _process(national, out) == 0
    counts = pd.read_csv(out / "row_counts.csv", keep_default_na=False)
    assert set(counts["submission"]) == set(FOLDERS.values())
    assert not counts.duplicated(["submission", "instrument"]).any()
    assert (counts["raw_rows"] == counts["kept"] + counts["quarantined"]).all()
    children = pd.read_parquet(out / "children_survey.parquet")
    raw = pd.read_csv(RAW / "children_survey.csv", dtype=str)
    raw = raw[raw["force"].isin(FOLDERS)]
    assert len(children) == len(raw)
    assert children["respondent_id"].is_unique
    folder_of = {force: folder for force, folder in FOLDERS.items()}
    want = {f"{folder_of[f]}/{i}" for f, i in zip(raw["force"], raw["respondent_id"], strict=True)}
    assert set(children["respondent_id"]) == want
    # schools are namespaced too: each school belongs to one folder
    prefixes = children["school_id"].str.split("/").str[0]
    assert (prefixes == children["force"].map(folder_of)).all()
    census = pd.read_parquet(out / "scheme_census.parquet")
    assert sorted(census["force"]) == sorted(FOLDERS)


def test_same_school_code_in_two_forces_is_two_schools(national, tmp_path):
    for folder in ("Durham", "Gwent Police"):
        path = national / folder / "children_survey.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["school_id"] = "S01"
        frame.to_csv(path, index=False)
    assert _process(national, tmp_path / "out") == 0
    children = pd.read_parquet(tmp_path / "out" / "children_survey.parquet")
    assert {"Durham/S01", "Gwent Police/S01"} <= set(children["school_id"])


def test_row_naming_another_force_is_quarantined_and_logged(national, tmp_path):
    path = national / "Durham" / "children_survey.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[3, "force"] = "Cumbria"
    planted = frame.loc[3, "respondent_id"]
    frame.to_csv(path, index=False)
    out = tmp_path / "out"
    assert _process(national, out) == 0
    log = pd.read_csv(out / "validation_log.csv", keep_default_na=False)
    hit = log[log["problem"].str.startswith(MISMATCH_PROBLEM)]
    assert len(hit) == 1
    event = hit.iloc[0]
    assert (event["instrument"], event["row"], event["respondent_id"], event["column"], event["value"],
            event["action"], event["submission"]) == ("children_survey", 4, f"Durham/{planted}", "force", "Cumbria",
                                                      "quarantined", "Durham")
    quarantine = pd.read_csv(out / "quarantine" / "children_survey.csv", dtype=str, keep_default_na=False)
    row = quarantine[quarantine["respondent_id"].eq(planted)]
    assert len(row) == 1 and row.iloc[0]["submission"] == "Durham" and row.iloc[0]["force"] == "Cumbria"
    counts = pd.read_csv(out / "row_counts.csv", keep_default_na=False).set_index(["submission", "instrument"])
    assert counts.loc[("Durham", "children_survey"), "quarantined"] == 1
    children = pd.read_parquet(out / "children_survey.parquet")
    assert f"Durham/{planted}" not in set(children["respondent_id"])


def test_a_force_without_a_file_reports_it_not_collected(national, tmp_path):
    (national / "Gwent Police" / "parent_survey.csv").unlink()
    out = tmp_path / "out"
    assert _process(national, out) == 0
    log = pd.read_csv(out / "validation_log.csv", keep_default_na=False)
    absent = log[log["action"].eq("missing_column") & log["submission"].eq("Gwent Police")]
    assert absent["instrument"].tolist() == ["parent_survey"]
    from helpers.report.tables import submissions

    table = submissions(out).set_index("submission")
    assert table.loc["Gwent Police", "not_collected"] == "Parent and carer survey"
    assert table.loc["Durham", "not_collected"] == ""
    assert table["files"].to_dict() == {"Durham": 7, "Gwent Police": 6, "cumbria constabulary": 7}


def test_an_instrument_no_folder_holds_is_refused(national, tmp_path, capsys):
    for folder in FOLDERS.values():
        (national / folder / "children_survey.csv").unlink()
    assert _process(national, tmp_path / "out") == 2
    assert "children_survey" in capsys.readouterr().err
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_unknown_folder_name_is_refused_with_the_closest_forces(national, tmp_path, capsys):
    (national / "Durham").rename(national / "Durhm")
    assert _process(national, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "Durhm" in err and "Durham" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_files_beside_force_folders_are_refused(national, tmp_path, capsys):
    shutil.copy(RAW / "scheme_census.csv", national / "scheme_census.csv")
    assert _process(national, tmp_path / "out") == 2
    assert "subfolders" in capsys.readouterr().err
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_two_folders_for_one_force_are_refused(national, codebook):
    shutil.copytree(national / "Durham", national / "Durham Constabulary")
    with pytest.raises(StructuralError, match="same force"):
        force_folders(national, codebook)


def test_a_flat_folder_is_not_a_national_intake(codebook, tmp_path):
    assert force_folders(RAW, codebook) is None
    assert force_folders(tmp_path, codebook) is None


def test_parent_rows_without_a_force_take_the_folder_s(national, tmp_path):
    path = national / "Durham" / "parent_survey.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["force"] = ""
    frame.to_csv(path, index=False)
    assert _process(national, tmp_path / "out") == 0
    parents = pd.read_parquet(tmp_path / "out" / "parent_survey.parquet")
    durham = parents[parents["respondent_id"].str.startswith("Durham/")]
    assert len(durham) == len(frame) and durham["force"].eq("Durham").all()


def test_local_report_from_a_national_folder_skips_pooling(national, tmp_path):
    out = tmp_path / "out"
    assert _process(national, out, "--force", "Gwent") == 0
    assert len(pd.read_csv(out / "pooled.csv")) == 0
    assert len(pd.read_csv(out / "pooled_forces.csv")) == 0
    counts = pd.read_csv(out / "row_counts.csv", keep_default_na=False).set_index(["submission", "instrument"])
    assert counts.loc[("Durham", "children_survey"), "in_scope"] == 0
    assert counts.loc[("Gwent Police", "children_survey"), "in_scope"] > 0


@pytest.mark.book
def test_national_book_lists_every_force_s_submission(tmp_path):
    """Three force folders build one national book; the data-quality appendix lists each submission,
    the planted force mismatch is quarantined and logged, and the overview draws the pooled forest plot."""
    import re
    from html import unescape

    data = split_by_force(tmp_path / "national")
    path = data / "Durham" / "children_survey.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, "force"] = "Gwent"
    frame.to_csv(path, index=False)
    out = tmp_path / "book"
    assert main(["-q", "build", "--data-dir", str(data), "--out", str(out), "--jobs", "1"]) == 0
    log = pd.read_csv(out / "validation_log.csv", keep_default_na=False)
    assert (log["problem"].str.startswith(MISMATCH_PROBLEM) & log["submission"].eq("Durham")).sum() == 1
    html = out / "html"
    quality = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", (html / "a3_data_quality.html").read_text())))
    assert "Submissions by force" in quality
    for folder in FOLDERS.values():
        assert folder in quality
    assert "The data came as 3 force folders" in quality
    assert re.search(r"Rows naming another force than their folder.s: 1 \(quarantined\)", quality)
    overview = (html / "02_national_overview.html").read_text()
    assert "fig-pooled-forest" in overview and "All forces pooled (random effects)" in overview
    children = pd.read_parquet(out / "children_survey.parquet")
    for page in html.glob("*.html"):  # namespaced identifiers never reach a page
        text = page.read_text()
        assert not any(i in text for i in children["respondent_id"].head(20))


def test_a_change_inside_a_force_folder_changes_the_raw_hash(national):
    """build reuses process only while the raw files are unchanged: force folders count too."""
    from helpers.build.cache import files_hash

    before = files_hash(national)
    path = national / "Gwent Police" / "children_survey.csv"
    path.write_text(path.read_text().replace(",yes,", ",no,", 1))
    assert files_hash(national) != before
    flat = files_hash(RAW)
    assert flat == files_hash(RAW)  # a flat folder hashes as before (no subfolder to add)
