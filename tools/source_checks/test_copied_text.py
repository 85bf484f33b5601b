"""The demo data's free text and the published table's descriptions are not the report's words (maintainers' check)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

from helpers.report.reproduction import PUBLISHED_PATH as PUBLISHED


def _normalise(text: str) -> str:
    text = text.translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "*": " "}))
    return re.sub(r"\s+", " ", text).strip().casefold()


def _all_texts() -> list[str]:
    """Every free text the demo generator can write (the unit tests' own list)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
    from test_demo_text import _all_texts as texts

    return texts()


def test_no_demo_text_shares_a_40_character_span_with_the_report(report_path):
    span = 40
    report = _normalise(report_path.read_text(encoding="utf-8"))
    grams = {report[i : i + span] for i in range(len(report) - span + 1)}
    assert len(grams) > 10_000  # the report was read
    shared = []
    for text in set(_all_texts()):
        norm = _normalise(text)
        shared += [(text, norm[i : i + span]) for i in range(len(norm) - span + 1) if norm[i : i + span] in grams]
    assert not shared, shared[:5]



def test_published_descriptions_are_not_copied_from_the_report(report_path):
    table = pd.read_csv(PUBLISHED, dtype=str, keep_default_na=False, encoding="utf-8")
    text = re.sub(r"\s+", " ", report_path.read_text(encoding="utf-8").lower())
    copied = [row.id for row in table.itertuples() if len(row.description.split()) >= 6
              and row.description.lower() in text]
    assert not copied, copied

