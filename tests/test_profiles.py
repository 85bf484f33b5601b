"""Tests for helpers.core.profiles: profiles, header matching, rankings, answer maps, refusals, the profile commands.

Every refusal of docs/contract.md section 7 exits 2 with one message naming the
file and what to change, and writes nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.cli import main
from helpers.core.codebook import ALL_INSTRUMENTS, load_codebook
from helpers.core.loading import StructuralError, read_raw_file
from helpers.core.profiles import (
    find_sources,
    header_item,
    load_profile,
    match_headers,
    normalise_question,
    read_source,
)

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = Path(__file__).parent / "fixtures" / "exports"
CB = load_codebook()
QUALTRICS = "Mini-Police Children_December 4, 2026_10.15.csv"


@pytest.fixture
def folder(tmp_path):
    """The demo's other instruments beside the Qualtrics export and its profile."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ALL_INSTRUMENTS:
        if name != "children_survey":
            shutil.copy(ROOT / "data" / "raw" / f"{name}.csv", raw)
    for path in (EXPORTS / "qualtrics").iterdir():
        shutil.copy(path, raw)
    return raw


def _profile(folder: Path) -> dict:
    return yaml.safe_load((folder / "children.profile.yml").read_text(encoding="utf-8"))


def _save(folder: Path, spec: dict) -> None:
    (folder / "children.profile.yml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")


def _refused(folder: Path, tmp_path: Path, capsys) -> str:
    out = tmp_path / "out"
    status = main(["process", "--data-dir", str(folder), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2, err
    assert not out.exists(), "a refusal writes nothing"
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1, err
    return errors[0]


# -- matching ---------------------------------------------------------------------------------------

def test_header_item_and_normalisation():
    assert header_item("Q - a - I trust the police") == "I trust the police"
    assert header_item("Grid [I feel safe online] ") == "I feel safe online"
    assert header_item("Do the police do a good job?") is None
    assert normalise_question("Why do you think that ?") == normalise_question("why do  you think THAT")


def test_match_by_name_label_and_item():
    inst = CB.instruments["children_survey"]
    profile = load_profile_text("instrument: children_survey\nfile: x.csv\n")
    headers = ["Respondent_ID", "Police force area:", "school_id", "Is the child in the mini-police",
               "How much do you agree? - I trust the police", "Grid [I feel safe online]", "Email"]
    match = match_headers(headers, inst, profile)
    assert match.columns == {"respondent_id": 0, "force": 1, "school_id": 2, "mini_police": 3, "att_trust": 4,
                             "safe_online": 5}
    assert match.how["force"] == "label" and match.how["att_trust"] == "item"
    assert match.unmatched == (6,)


def test_two_headers_for_one_column_must_be_resolved():
    inst = CB.instruments["children_survey"]
    profile = load_profile_text("instrument: children_survey\nfile: x.csv\n")
    with pytest.raises(StructuralError, match="all match column att_trust"):
        match_headers(["A - I trust the police", "B - I trust the police"], inst, profile)


def load_profile_text(text: str, tmp: Path | None = None):
    path = (tmp or Path("/tmp")) / "h13-test.profile.yml"
    path.write_text(text, encoding="utf-8")
    return load_profile(path, CB)


def test_presets_fill_defaults_and_drop_adds(tmp_path):
    profile = load_profile_text("instrument: children_survey\nfile: x.csv\npreset: qualtrics\ndrop: [Teacher]\n"
                                "header_rows: [1]\n", tmp_path)
    assert profile.header_rows == (1,) and profile.skip_rows == (3,)
    assert "Recipient Email" in profile.drop and "Teacher" in profile.drop
    assert profile.columns["respondent_id"] == "Response ID"


def test_answer_maps_accept_unquoted_yes_no(tmp_path):
    profile = load_profile_text("instrument: children_survey\nfile: x.csv\nvalues:\n  yesno: {1: yes, 2: no}\n",
                                tmp_path)
    assert profile.values["yesno"] == {"1": "yes", "2": "no"}


def test_ranking_in_one_cell(tmp_path):
    rank_q = "Put these in order"
    labels = [CB.instruments["children_survey"].column(c).label for c in CB.instruments["children_survey"]
              .rank_sets["rank"]]
    frame = pd.DataFrame({
        "ID": ["a", "b", "c", "d"], "force": "Durham", "school_id": "S1", "mini_police": "no",
        rank_q: [";".join(reversed(labels)) + ";", "", "nonsense", ";".join(labels[:5])],
    })
    frame.to_csv(tmp_path / "export.csv", index=False)
    (tmp_path / "p.profile.yml").write_text(f"instrument: children_survey\nfile: export.csv\npreset: msforms\n"
                                            f"rankings:\n  rank: {{header: {rank_q}}}\n", encoding="utf-8")
    source = find_sources(tmp_path, CB)["children_survey"]
    table = read_source(source, CB).frame.astype(str)
    assert table.loc[0, "rank_community"] == "1" and table.loc[0, "rank_emergency"] == "6"
    assert (table.loc[1, list(CB.instruments["children_survey"].rank_sets["rank"])] == "").all()
    assert table.loc[2, "rank_emergency"] == "nonsense"  # logged by validation as it was written
    assert table.loc[3, "rank_community"] == "" and table.loc[3, "rank_emergency"] == "1"  # incomplete: broken


def test_read_raw_file_keeps_headers_as_written(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("Respondent_ID\tForce\n c1\tDurham\n", encoding="utf-8")
    assert list(read_raw_file(path, "x").frame.columns) == ["Respondent_ID", "Force"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_sniffed(tmp_path, delimiter):
    path = tmp_path / "x.csv"
    path.write_text(delimiter.join(["respondent_id", "force", "note"]) + "\n"
                    + delimiter.join(["c1", "Durham", '"a, b; c|d"']) + "\n", encoding="utf-8")
    raw = read_raw_file(path, "x")
    assert raw.frame.astype(str).to_dict("list") == {"respondent_id": ["c1"], "force": ["Durham"],
                                                     "note": ["a, b; c|d"]}


@pytest.mark.parametrize("bom, codec", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_utf16_with_bom(tmp_path, bom, codec):
    path = tmp_path / "x.txt"
    path.write_bytes(bom + "respondent_id\tforce\r\nc1\tDevon & Cornwall\r\nc2\tGwent\r\n".encode(codec))
    raw = read_raw_file(path, "x")
    assert raw.encoding == "utf-16"
    assert raw.frame.astype(str).to_dict("list") == {"respondent_id": ["c1", "c2"],
                                                     "force": ["Devon & Cornwall", "Gwent"]}


# -- refusals (exit 2, one message naming the file, nothing written) ------------------------------

def test_unknown_profile_key_suggests_the_closest(folder, tmp_path, capsys):
    spec = _profile(folder)
    spec["header_row"] = spec.pop("columns")
    _save(folder, spec)
    message = _refused(folder, tmp_path, capsys)
    assert "children.profile.yml: header_row: unknown key (did you mean 'header_rows'?)" in message


def test_glob_matching_no_file(folder, tmp_path, capsys):
    spec = _profile(folder)
    spec["file"] = "Qualtrics*.csv"
    _save(folder, spec)
    message = _refused(folder, tmp_path, capsys)
    assert "children.profile.yml: file: 'Qualtrics*.csv' matches no file" in message


def test_glob_matching_several_files(folder, tmp_path, capsys):
    shutil.copy(folder / QUALTRICS, folder / "Mini-Police Children_December 5.csv")
    message = _refused(folder, tmp_path, capsys)
    assert "children.profile.yml: file: 'Mini-Police Children_*.csv' matches 2 files" in message


def test_instrument_given_twice(folder, tmp_path, capsys):
    shutil.copy(EXPORTS / "canonical" / "children_survey.csv", folder)
    message = _refused(folder, tmp_path, capsys)
    assert "children.profile.yml: instrument children_survey is given twice" in message
    assert "children_survey.csv" in message


def test_required_column_not_found_names_the_closest_headers(folder, tmp_path, capsys):
    spec = _profile(folder)
    del spec["columns"]["school_id"]
    _save(folder, spec)
    message = _refused(folder, tmp_path, capsys)
    assert f"{QUALTRICS}: required column school_id missing" in message
    assert "closest headers: \"What is your school's code?\"" in message
    assert "add it under columns: in" in message


def test_profile_header_not_in_the_export(folder, tmp_path, capsys):
    spec = _profile(folder)
    spec["columns"]["school_id"] = "School code"
    _save(folder, spec)
    message = _refused(folder, tmp_path, capsys)
    assert "columns: school_id: no header 'School code'" in message and "closest headers" in message


def test_no_row_kept(folder, tmp_path, capsys):
    spec = _profile(folder)
    spec["values"]["mini_police"] = {"1": "no", "2": "no"}  # fine: every child is "no"
    spec["columns"]["force"] = "External Data Reference"  # empty for everyone: every row quarantined
    _save(folder, spec)
    message = _refused(folder, tmp_path, capsys)
    assert f"{QUALTRICS}: no row of children_survey kept: all 59 rows would be quarantined" in message
    assert "force missing" in message


def test_coded_column_with_no_valid_answer_suggests_a_values_map(folder, tmp_path, capsys):
    spec = _profile(folder)
    del spec["values"]["agree5"]
    _save(folder, spec)
    message = _refused(folder, tmp_path, capsys)
    assert f"{QUALTRICS}: column att_" in message or f"{QUALTRICS}: column impact_" in message
    assert "none of them is a code or label of scale agree5 (e.g. '1', '2')" in message
    assert "values: {agree5: {\"1\": strongly_agree, \"2\": agree" in message


def test_fewer_than_twenty_unmatched_answers_are_set_missing(tmp_path):
    """Below the threshold the answers are bad cells (set missing and logged), not a refusal."""
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    children = pd.read_csv(raw / "children_survey.csv", dtype=str, keep_default_na=False)
    children = children.head(30)
    children["att_trust"] = ""
    children.loc[:18, "att_trust"] = "7"
    children.to_csv(raw / "children_survey.csv", index=False)
    assert main(["-q", "process", "--data-dir", str(raw), "--out", str(tmp_path / "out")]) == 0
    log = pd.read_csv(tmp_path / "out" / "validation_log.csv")
    assert (log["column"].eq("att_trust") & log["action"].eq("set_missing")).sum() == 19


# -- the profile commands -----------------------------------------------------------------------------

def test_profile_check_prints_the_mapping_and_writes_nothing(folder, capsys):
    before = sorted(p.name for p in folder.iterdir())
    assert main(["profile", "check", "--data-dir", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "'Response ID' -> respondent_id (profile)" in out
    assert "-> att_trust (item)" in out
    assert "dropped (personal data, never read): 'IP Address'" in out
    assert "att_trust: '9' (1)" in out and "force: 'Atlantis' (1)" in out
    assert "rows: 59 read (59 data lines), 56 kept, 3 quarantined" in out
    assert sorted(p.name for p in folder.iterdir()) == before


def test_profile_check_exits_as_process_would(folder, capsys):
    spec = _profile(folder)
    spec["colums"] = spec.pop("columns")
    _save(folder, spec)
    assert main(["profile", "check", "--data-dir", str(folder)]) == 2
    assert "did you mean 'columns'?" in capsys.readouterr().err


def test_profile_init_drafts_a_profile_that_reads(folder, tmp_path, capsys):
    (folder / "children.profile.yml").unlink()
    export = folder / QUALTRICS
    assert main(["profile", "init", str(export), "--instrument", "children_survey", "--preset", "qualtrics"]) == 0
    draft = export.with_name(export.stem + ".profile.yml")
    text = draft.read_text(encoding="utf-8")
    assert "preset: qualtrics" in text and "att_trust: " in text
    assert "# TODO force:" in text and "# TODO school_id:" in text and "# TODO mini_police:" in text
    # Filled in, with the answer maps, the draft reads the export exactly as the fixture's profile does.
    fixture = yaml.safe_load((EXPORTS / "qualtrics" / "children.profile.yml").read_text(encoding="utf-8"))
    spec = yaml.safe_load(text)
    spec["columns"].update({k: v for k, v in fixture["columns"].items()})
    spec["values"] = fixture["values"]
    draft.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    assert main(["-q", "process", "--data-dir", str(folder), "--out", str(tmp_path / "out")]) == 0
    assert main(["profile", "init", str(export), "--instrument", "children_survey"]) == 2  # never overwrites


def test_aliases_keep_old_wordings_readable(tmp_path):
    from dataclasses import replace

    inst = CB.instruments["children_survey"]
    old = "Do you trust the police?"
    columns = tuple(replace(c, aliases=(old,)) if c.name == "att_trust" else c for c in inst.columns)
    reworded = replace(inst, columns=columns)
    profile = load_profile_text("instrument: children_survey\nfile: x.csv\n", tmp_path)
    assert match_headers(["Grid - Do you trust the police"], reworded, profile).columns == {"att_trust": 0}
    assert match_headers(["Grid - Do you trust the police"], inst, profile).columns == {}


@pytest.mark.parametrize("encoding", ["auto", "utf-8", "utf-8-sig"])
def test_explicit_encoding_with_bom(tmp_path, encoding):
    (tmp_path / "export.csv").write_bytes(b"\xef\xbb\xbfID;force;school_id;mini_police\nc1;Durham;S1;yes\n")
    (tmp_path / "c.profile.yml").write_text(f"instrument: children_survey\nfile: export.csv\nencoding: {encoding}\n"
                                            "columns: {respondent_id: ID}\n", encoding="utf-8")
    table = read_source(find_sources(tmp_path, CB)["children_survey"], CB)
    assert list(table.frame.columns) == ["respondent_id", "force", "school_id", "mini_police"]
    assert table.encoding == "utf-8-sig"


def test_cp1252_export_with_explicit_encoding(tmp_path):
    (tmp_path / "export.csv").write_bytes("respondent_id,force,school_id,mini_police,enjoyed_most\n"
                                          "c1,Durham,S1,yes,café\n".encode("cp1252"))
    (tmp_path / "c.profile.yml").write_text("instrument: children_survey\nfile: export.csv\nencoding: cp1252\n",
                                            encoding="utf-8")
    table = read_source(find_sources(tmp_path, CB)["children_survey"], CB)
    assert table.frame["enjoyed_most"].astype(str).tolist() == ["café"]
