"""Tests for helpers.core.outputs: ownership records, locks and folder separation."""

from __future__ import annotations

import json
import os

import pytest

from helpers.core import outputs
from helpers.core.loading import StructuralError


def test_claim_records_first_and_refuses_foreign_files(tmp_path):
    (tmp_path / "mine.txt").write_text("user")
    assert outputs.claim(tmp_path, ["results.csv", "quarantine/a.csv"]) == {"results.csv", "quarantine/a.csv"}
    recorded = json.loads((tmp_path / outputs.RECORD).read_text())["files"]
    assert recorded == ["quarantine/a.csv", "results.csv"]  # listed before they exist
    with pytest.raises(StructuralError, match="mine.txt already exists and was not written by minipolice"):
        outputs.claim(tmp_path, ["mine.txt"])
    assert (tmp_path / "mine.txt").read_text() == "user"


def test_remove_owned_deletes_only_recorded_files_and_their_empty_folders(tmp_path):
    (tmp_path / "q").mkdir()
    for name in ("a.csv", "q/b.csv", "user.txt"):
        (tmp_path / name).write_text(name)
    outputs.record(tmp_path, ["a.csv", "q/b.csv", "gone.csv"])
    assert outputs.owned(tmp_path) == {"a.csv", "q/b.csv"}  # only files that exist are recorded
    assert outputs.remove_owned(tmp_path, keep=["a.csv"]) == ["q/b.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [outputs.RECORD, "a.csv", "user.txt"]
    assert outputs.owned(tmp_path) == {"a.csv"}


def test_legacy_tables_folder_is_adopted(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"contract_version": 1, "inputs": {}}))
    (tmp_path / "results.csv").write_text("x")
    (tmp_path / "children_survey.parquet").write_bytes(b"x")
    (tmp_path / "thesis.txt").write_text("mine")
    assert outputs.owned(tmp_path) == {"manifest.json", "results.csv", "children_survey.parquet"}


def test_locks_are_reentrant_refuse_live_holders_and_take_over_dead_ones(tmp_path):
    with outputs.locked(tmp_path), outputs.locked(tmp_path):
        assert (tmp_path / outputs.LOCK).read_text().strip() == str(os.getpid())
    assert not (tmp_path / outputs.LOCK).exists()
    (tmp_path / outputs.LOCK).write_text("1\n")  # pid 1 is always alive
    with pytest.raises(outputs.LockedError, match="process 1"), outputs.locked(tmp_path):
        pass
    (tmp_path / outputs.LOCK).write_text("999999999\n")  # no such process
    with outputs.locked(tmp_path):
        pass
    assert not (tmp_path / outputs.LOCK).exists()
    fresh = tmp_path / "new"
    with outputs.locked(fresh):
        assert fresh.is_dir()
    assert not fresh.exists()  # created for the lock, left empty: removed again


def test_check_separate(tmp_path):
    outputs.check_separate(tmp_path / "raw", tmp_path / "out", None)
    for data, out, word in ((tmp_path, tmp_path, "is the output"), (tmp_path / "raw", tmp_path, "is inside"),
                            (tmp_path, tmp_path / "out", "holds")):
        with pytest.raises(StructuralError, match=word):
            outputs.check_separate(data, out)
