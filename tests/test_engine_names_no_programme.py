"""The engine names no programme (issue 15, point 1).

Everything under ``src/`` is the generic engine: groups, labels, favourable
answers and census roles come from a programme's definition files, never from
Python. This test reads every file under ``src/`` (Python and anything else
tracked there) and fails, listing ``file:line``, wherever the name of the
root programme appears.
"""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

#: Spellings of the root programme's name (case ignored; ``-``, ``_`` or a space between the words).
NAME = re.compile(r"mini[-_ ]police", re.IGNORECASE)

#: Modules still allowed to name the programme: none (the list stays, empty, so that a reader
#: sees there are no exceptions; nothing may be added to it).
ALLOWED: set[str] = set()

#: Build products, not source (pip writes ``*.egg-info`` from the README).
_SKIP_DIRS = {"__pycache__"}


def _source_files():
    for path in sorted(SRC.rglob("*")):
        relative = path.relative_to(SRC)
        if not path.is_file() or any(p in _SKIP_DIRS or p.endswith(".egg-info") for p in relative.parts):
            continue
        yield relative.as_posix(), path


def _mentions(text: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), start=1) if NAME.search(line)]


def test_no_module_under_src_names_the_programme():
    hits = []
    for relative, path in _source_files():
        if relative in ALLOWED:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        hits += [f"src/{relative}:{number}" for number in _mentions(text)]
    assert not hits, "the engine names the programme at:\n" + "\n".join(hits)


def test_the_allow_list_names_existing_files():
    # A stale entry would hide nothing but mislead the reader; the list only shrinks.
    assert all((SRC / relative).is_file() for relative in ALLOWED)


def test_the_pattern_catches_every_spelling():
    text = "a\nThe Mini-Police\nmini_police = 1\nMINI POLICE\nminipolice\n"
    assert _mentions(text) == [2, 3, 4]
