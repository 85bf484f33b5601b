"""End-to-end tests of the process pipeline and the minipolice command.

The back-test runs ``minipolice process`` on the committed messy fixture
(labels, BOM + CRLF, an .xlsx, a cp1252 file, an extra column, bad codes, a
duplicate id, an unknown force, a missing mini_police answer) and compares
every output table with committed ground truth. A deliberate change of
behaviour regenerates the ground truth with::

    minipolice process --data-dir tests/fixtures/messy --out /tmp/x
    cp /tmp/x/{results,tests,power,sensitivity,validation_log,row_counts,design,balance,adjusted}.csv \
        /tmp/x/{pooled,pooled_forces}.csv \
        tests/fixtures/messy_expected/

and the diff is reviewed in the commit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.cli import main
from helpers.core.codebook import INSTRUMENTS
from helpers.core.pipeline import OUTPUT_FILES

EXPECTED = Path(__file__).parent / "fixtures" / "messy_expected"


@pytest.fixture
def processed(messy_dir, tmp_path):
    out = tmp_path / "out"
    assert main(["-q", "process", "--data-dir", str(messy_dir), "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("name", ["results.csv", "tests.csv", "power.csv", "sensitivity.csv", "evidence.csv",
                                  "validation_log.csv", "row_counts.csv", "design.csv", "balance.csv", "adjusted.csv",
                                  "pooled.csv", "pooled_forces.csv"])
def test_back_test_against_ground_truth(processed, name):
    got = pd.read_csv(processed / name, keep_default_na=False, na_values=[""])
    want = pd.read_csv(EXPECTED / name, keep_default_na=False, na_values=[""])
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, atol=1e-12)


def test_outputs_and_accounting_identity(processed, messy_dir):
    assert set(OUTPUT_FILES) <= {p.name for p in processed.iterdir()}
    assert {"power.csv", "sensitivity.csv", "evidence.csv"} <= set(OUTPUT_FILES)
    assert (processed / "quarantine").is_dir()
    counts = pd.read_csv(processed / "row_counts.csv").set_index("instrument")
    log = pd.read_csv(processed / "validation_log.csv")
    for name in INSTRUMENTS:
        raw_file = next(messy_dir.glob(f"{name}.*"))
        if raw_file.suffix == ".csv":
            encoding = "cp1252" if name == "children_survey" else "utf-8-sig"
            raw_rows = len(pd.read_csv(raw_file, dtype=str, encoding=encoding))
        else:
            raw_rows = len(pd.read_excel(raw_file))
        kept = len(pd.read_parquet(processed / f"{name}.parquet"))
        qfile = processed / "quarantine" / f"{name}.csv"
        quarantined = len(pd.read_csv(qfile, dtype=str, keep_default_na=False)) if qfile.exists() else 0
        assert raw_rows == kept + quarantined == counts.loc[name, "raw_rows"], name
        assert quarantined == ((log["instrument"] == name) & (log["action"] == "quarantined")).sum()


def test_quarantine_rows_are_verbatim(processed):
    q = pd.read_csv(processed / "quarantine" / "children_survey.csv", dtype=str, keep_default_na=False)
    assert q.columns[0] == "Respondent_ID" and " school_id " in q.columns  # headers as written
    assert q["Force"].tolist() == ["Gwent", "Atlantis", "Merseyside"]


def test_hand_checked_values(processed):
    """A few numbers checked by hand against the fixture, independently of the ground truth."""
    r = pd.read_csv(processed / "results.csv")
    get = lambda m, g, c: r[(r.measure == m) & (r.group == g) & (r.category == c)].iloc[0]  # noqa: E731
    # att_good_job of the 9 kept children: 3 strongly agree (C01, C02, C07, all mini-police), 5 agree,
    # 1 disagree. The 3 other children are a small group, so their cells and, since all children =
    # mini-police + others would give them away, the whole sample's cells are suppressed.
    row = get("att_good_job", "mini_police", "strongly_agree")
    assert (row.n, row.base) == (3, 6)
    assert get("att_good_job", "all_children", "strongly_agree").flag == "c"
    assert get("att_good_job", "all_children", "strongly_agree").base == 9
    assert get("census_schools", "national", "count").value == 150
    assert get("census_children", "national", "count").value == 2510
    assert get("sample_role", "practitioners", "pcso").n == 2
    assert get("sample_role", "practitioners", "police_officer").base == 5  # 'constable' is not a code


def test_power_and_sensitivity_agree_with_results(processed):
    """power.csv uses the children's group sizes; sensitivity.csv repeats results.csv's values and flags."""
    results = pd.read_csv(processed / "results.csv", keep_default_na=False, na_values=[""])
    sizes = results[results.measure.eq("sample_size")].set_index("group")["value"]
    power = pd.read_csv(processed / "power.csv")
    assert (power["n_mini_police"] == sizes["mini_police"]).all()
    assert (power["n_non_mini_police"] == sizes["non_mini_police"]).all()
    sens = pd.read_csv(processed / "sensitivity.csv", keep_default_na=False, na_values=[""])
    both = sens.merge(results, on=["measure", "group", "category"], suffixes=("", "_results"))
    assert len(both) == (sens["group"] != "difference").sum() > 0
    assert (both["flag"].fillna("") == both["flag_results"].fillna("")).all()
    assert both["flag"].eq("c").any() and both["flag"].isna().any()  # both kinds occur in the fixture
    shown = both["flag"].isna()
    assert (both.loc[shown, "value"] == both.loc[shown, "value_results"]).all()
    assert (both["base"] == both["base_results"]).all()
    tests = pd.read_csv(processed / "tests.csv")
    assert set(sens["measure"]) == set(tests["measure"]) | {"enjoyed", "safety_impact"}


def test_manifest_records_inputs(processed):
    manifest = json.loads((processed / "manifest.json").read_text())
    assert manifest["force"] is None and manifest["min_cell"] == 5
    assert manifest["synthetic"] is False  # no demo marker in the fixture: no banner
    assert manifest["inputs"]["practitioner_survey"]["file"] == "practitioner_survey.xlsx"
    assert len(manifest["inputs"]["children_survey"]["sha256"]) == 64


def test_raw_files_are_not_modified(messy_dir, tmp_path):
    before = {p.name: p.read_bytes() for p in messy_dir.iterdir()}
    main(["-q", "process", "--data-dir", str(messy_dir), "--out", str(tmp_path / "o")])
    assert before == {p.name: p.read_bytes() for p in messy_dir.iterdir()}


def test_missing_required_column_exits_2_and_writes_nothing(messy_dir, tmp_path, capsys):
    path = messy_dir / "children_survey.csv"
    frame = pd.read_csv(path, dtype=str, encoding="cp1252", keep_default_na=False)
    frame.drop(columns=["Respondent_ID"]).to_csv(path, index=False, encoding="cp1252")
    out = tmp_path / "out"
    assert main(["process", "--data-dir", str(messy_dir), "--out", str(out)]) == 2
    message = capsys.readouterr().err
    assert "error:" in message and "children_survey.csv" in message and "respondent_id missing" in message
    assert not (out / "results.csv").exists()
    assert not out.exists() or not any(out.iterdir())
    assert not list(tmp_path.glob(".staging-*"))


def test_failed_run_keeps_previous_outputs(processed, messy_dir):
    before = (processed / "results.csv").read_bytes()
    (messy_dir / "scheme_census.csv").unlink()
    assert main(["-q", "process", "--data-dir", str(messy_dir), "--out", str(processed)]) == 2
    assert (processed / "results.csv").read_bytes() == before


@pytest.mark.parametrize("problem", ["missing_file", "undecodable", "unknown_force"])
def test_other_structural_faults_exit_2(messy_dir, tmp_path, problem, capsys):
    args = ["process", "--data-dir", str(messy_dir), "--out", str(tmp_path / "o")]
    if problem == "missing_file":
        (messy_dir / "parent_survey.csv").unlink()
        expected = "parent_survey.csv: raw file missing"
    elif problem == "undecodable":
        (messy_dir / "teacher_survey.csv").write_bytes(b"respondent_id\n\x81\x8d\n")
        expected = "teacher_survey.csv: cannot be decoded"
    else:
        args += ["--force", "Gotham City"]
        expected = "unknown police force"
    assert main(args) == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "o" / "results.csv").exists()


def test_force_restricts_every_table(messy_dir, tmp_path):
    out = tmp_path / "durham"
    assert main(["-q", "process", "--data-dir", str(messy_dir), "--out", str(out), "--force", "durham police"]) == 0
    children = pd.read_parquet(out / "children_survey.parquet")
    assert set(children["force"]) == {"Durham"} and len(children) == 3
    counts = pd.read_csv(out / "row_counts.csv").set_index("instrument")
    assert counts.loc["children_survey", "in_scope"] == 3
    assert counts.loc["children_survey", "kept"] == 9  # validation accounting is unchanged
    results = pd.read_csv(out / "results.csv", keep_default_na=False)
    # three children: every child cell is suppressed in a local report
    child_pct = results[(results.group.isin(["mini_police", "non_mini_police", "all_children"]))
                        & (results.unit == "percent")]
    assert (child_pct["flag"] == "c").all()
    assert json.loads((out / "manifest.json").read_text())["force"] == "Durham"
    # weighting by force means nothing inside one force: the file is written unweighted
    sens = pd.read_csv(out / "sensitivity.csv", keep_default_na=False, na_values=[""])
    assert len(sens) and (sens["value_weighted"].isna() == sens["value"].isna()).all()
    assert (sens["value_weighted"].dropna() == sens["value"].dropna()).all()
    power = pd.read_csv(out / "power.csv")
    # who answered is hidden too: the three mini-police children are below --min-cell (no other child: 0 stays)
    assert power["n_mini_police"].isna().all() and power["n_non_mini_police"].eq(0).all()
    assert results.loc[results["measure"].eq("sample_size") & results["group"].eq("all_children"), "base"].eq("").all()


def test_console_script_help():
    exe = Path(sys.executable).with_name("minipolice")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "helpers.cli"]
    out = subprocess.run([*cmd, "process", "--help"], capture_output=True, text=True, check=True).stdout
    assert "--data-dir" in out and "--min-cell" in out and "--force" in out



def test_clean_input_gives_an_empty_log(tmp_path):
    """The demo data have no faulty cell or row: the log has no row-level event and is well-formed."""
    from helpers.demo import generate

    raw = tmp_path / "raw"
    generate(raw)
    out = tmp_path / "o"
    assert main(["-q", "process", "--data-dir", str(raw), "--out", str(out)]) == 0
    log = pd.read_csv(out / "validation_log.csv")
    assert log.columns.tolist() == ["instrument", "row", "respondent_id", "column", "value", "problem", "action",
                                    "submission"]  # the force folder of a national intake: empty for a flat one
    assert log["submission"].isna().all()
    assert log["row"].isna().all() and set(log["action"]) <= {"missing_column"}
    assert json.loads((out / "manifest.json").read_text())["synthetic"] is True
