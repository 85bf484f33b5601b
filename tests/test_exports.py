"""Survey-tool exports read through profiles (docs/contract.md section 7, issue 13).

The fixtures in ``tests/fixtures/exports/`` (written by ``make_exports.py``
there) hold the same children's answers as Microsoft Forms, Qualtrics
(numeric), SurveyMonkey, Google Forms, Excel Unicode text, a ``;`` CSV with
title rows, SPSS and typed paper forms. Each, with the demo's other
instruments, must give a ``results.csv`` byte-identical to the canonical
file's, quarantine the same respondents, and leave none of the planted
personal data (e-mail addresses, names, IP addresses) in any output file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers.cli import main
from helpers.core.codebook import ALL_INSTRUMENTS

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = Path(__file__).parent / "fixtures" / "exports"
TOOLS = ["msforms", "qualtrics", "surveymonkey", "googleforms", "unicode", "semicolon", "spss", "paper"]
PLANTED = json.loads((EXPORTS / "planted.json").read_text(encoding="utf-8"))


def data_folder(target: Path, children: Path) -> Path:
    """The demo's other instruments beside the files of ``children`` (a fixture folder)."""
    target.mkdir(parents=True)
    for name in ALL_INSTRUMENTS:
        if name != "children_survey":
            shutil.copy(ROOT / "data" / "raw" / f"{name}.csv", target)
    for path in children.iterdir():
        shutil.copy(path, target)
    return target


@pytest.fixture(scope="module")
def canonical(tmp_path_factory):
    base = tmp_path_factory.mktemp("canonical")
    out = base / "out"
    assert main(["-q", "process", "--data-dir", str(data_folder(base / "raw", EXPORTS / "canonical")),
                 "--out", str(out)]) == 0
    return out


def quarantined_ids(out: Path) -> list[str]:
    path = out / "quarantine" / "children_survey.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    column = next(c for c in frame.columns if c.strip().casefold() == "respondent_id")
    return sorted(frame[column])


def test_canonical_fixture_has_the_planted_faults(canonical):
    assert quarantined_ids(canonical) == sorted(["C9001", "C9002", quarantined_ids(canonical)[0]])
    log = pd.read_csv(canonical / "validation_log.csv")
    problems = set(log[log["instrument"].eq("children_survey")]["problem"])
    assert {"unknown force", "mini_police missing", "respondent_id repeated", "out of range 7-12",
            "not a code of scale agree5", "ranks are not a permutation of 1-6"} <= problems
    assert any(p.startswith("not applicable") for p in problems)


@pytest.mark.parametrize("tool", TOOLS)
def test_export_gives_the_canonical_results(tool, canonical, tmp_path):
    out = tmp_path / "out"
    status = main(["-q", "process", "--data-dir", str(data_folder(tmp_path / "raw", EXPORTS / tool)),
                   "--out", str(out)])
    assert status == 0
    assert (out / "results.csv").read_bytes() == (canonical / "results.csv").read_bytes()
    assert (out / "tests.csv").read_bytes() == (canonical / "tests.csv").read_bytes()
    assert quarantined_ids(out) == quarantined_ids(canonical)
    counts = pd.read_csv(out / "row_counts.csv").set_index("instrument").loc["children_survey"]
    want = pd.read_csv(canonical / "row_counts.csv").set_index("instrument").loc["children_survey"]
    assert (counts["raw_rows"], counts["kept"], counts["quarantined"]) == (want["raw_rows"], want["kept"],
                                                                          want["quarantined"])
    assert counts["records"] == counts["raw_rows"] == counts["data_lines"]
    # No output file holds a planted e-mail address, name or IP address (Parquet read cell by cell too).
    secrets = PLANTED["emails"] + PLANTED["names"] + PLANTED["ips"]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files)
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        if path.suffix == ".parquet":
            table = pq.read_table(path).to_pandas()
            text += "\n".join(map(str, table.to_numpy(dtype=object).ravel())) + "\n".join(map(str, table.columns))
        leaked = [s for s in secrets if s in text or s.split("@")[0] in text]
        assert not leaked, f"{path.name} holds {leaked[:3]}"


def test_personal_columns_are_not_in_quarantine_or_log(tmp_path):
    out = tmp_path / "out"
    assert main(["-q", "process", "--data-dir", str(data_folder(tmp_path / "raw", EXPORTS / "msforms")),
                 "--out", str(out)]) == 0
    quarantine = pd.read_csv(out / "quarantine" / "children_survey.csv", dtype=str)
    assert "Email" not in quarantine.columns and "Name" not in quarantine.columns
    assert {"respondent_id", "force", "Start time"} <= set(quarantine.columns)  # codebook and other columns kept
    log = pd.read_csv(out / "validation_log.csv", dtype=str)
    assert not log["column"].isin(["Email", "Name"]).any()


def test_personal_columns_of_a_file_without_profile_are_never_read(tmp_path):
    """A tool's export renamed after its instrument (no profile) still loses its personal-data columns."""
    raw = data_folder(tmp_path / "raw", EXPORTS / "canonical")
    children = pd.read_csv(raw / "children_survey.csv", dtype=str, keep_default_na=False)
    children["Email Address"] = [f"pupil{i}@example.org" for i in range(len(children))]
    children["IP Address"] = [f"203.0.113.{i % 250}" for i in range(len(children))]
    children.to_csv(raw / "children_survey.csv", index=False)
    out = tmp_path / "out"
    assert main(["-q", "process", "--data-dir", str(raw), "--out", str(out)]) == 0
    assert (out / "quarantine" / "children_survey.csv").exists()  # quarantined rows are copied: without them
    for path in (p for p in out.rglob("*") if p.is_file() and p.suffix != ".parquet"):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "@example.org" not in text and "203.0.113." not in text, path.name
        assert "Email Address" not in text, path.name
