"""Programmes as folders: ``--programme DIR|NAME`` chooses the definitions, data and chapters of a run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers.cli import main
from helpers.core.config import PROJECT_ROOT
from helpers.core.programme import ProgrammeError, resolve

FIXTURES = Path(__file__).parent / "fixtures"


def _programme(tmp_path: Path, raw: Path) -> Path:
    """A programme folder: the root's definitions and ``raw`` as its data."""
    root = tmp_path / "prog"
    shutil.copytree(PROJECT_ROOT / "definitions", root / "definitions")
    shutil.copytree(raw, root / "data" / "raw")
    (root / "programme.yml").write_text("name: prog\ntitle: A test programme\n")
    return root


def test_resolve_the_root_a_folder_and_errors(tmp_path):
    assert resolve(None).root == PROJECT_ROOT.resolve() and resolve(None).is_default
    assert resolve("").root == PROJECT_ROOT.resolve()
    folder = _programme(tmp_path, FIXTURES / "messy")
    programme = resolve(folder)
    assert (programme.root, programme.name, programme.title) == (folder.resolve(), "prog", "A test programme")
    assert programme.raw_dir == folder.resolve() / "data" / "raw" and not programme.is_default
    with pytest.raises(ProgrammeError, match="definitions/codebook.yml"):
        resolve(tmp_path)  # a folder without definitions
    with pytest.raises(ProgrammeError, match="programmes/no-such-programme"):
        resolve("no-such-programme")  # a bare name is looked up under programmes/


def test_a_run_for_another_programme_reads_its_own_data(tmp_path):
    """Without --data-dir, the programme's data/raw is read: here the messy fixture, whose results are known."""
    folder = _programme(tmp_path, FIXTURES / "messy")
    out = tmp_path / "out"
    assert main(["-q", "--programme", str(folder), "process", "--out", str(out)]) == 0
    expected = FIXTURES / "messy_expected" / "results.csv"
    assert (out / "results.csv").read_bytes() == expected.read_bytes()
    # after the subcommand, and as --programme=DIR, it means the same
    out2 = tmp_path / "out2"
    assert main(["-q", "process", "--out", str(out2), f"--programme={folder}"]) == 0
    assert (out2 / "results.csv").read_bytes() == expected.read_bytes()


def test_an_unusable_programme_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["process", "--programme", str(tmp_path / "missing"), "--out", str(out)]) == 2
    assert not out.exists()
    assert "no programme folder" in capsys.readouterr().err
    assert main(["process", "--out", str(out), "--programme"]) == 2
