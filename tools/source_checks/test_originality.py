"""Facts carry over, sentences do not: no quote or sentence of the source documents in the repository.

The quotes (children's and adults' words in the 2019 report) and the
report's sentences are read from the seed documents beside the checkout
(``MINIPOLICE_SEEDS``), so this file holds none of them. Every tracked text
file is compared with them in runs of consecutive words (the files of this
folder excepted). A maintainers' check: ``make check-sources SEEDS=DIR``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEXT_SUFFIXES = {".py", ".md", ".ipynb", ".csv", ".yml", ".yaml", ".txt", ".toml", ".cfg"}


def _words(text: str) -> list[str]:
    text = text.replace("\\n", " ").replace("’", "'").replace("‘", "'")
    return re.findall(r"[a-z0-9']+", text.lower())


def _shingles(words: list[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def _quotes(text: str) -> list[str]:
    """Passages in quotation marks of at least eight words."""
    found = re.findall(r"[“\"]([^”\"]{30,}?)[”\"]", text)
    return [q for q in found if len(_words(q)) >= 8]


def _names(text: str, size: int) -> set[tuple[str, ...]]:
    """Word runs of the report's headings, figure captions and question titles.

    These are names (the report's title and sections, and the survey's own
    question wording, which is the instrument itself), so citing them is
    allowed; prose and quotes are not.
    """
    def is_name(line: str) -> bool:
        line = line.strip()
        if line.startswith(("#", "<b>")):
            return True
        if line.startswith(("**Figure", "Figure")):  # a caption, not a sentence about a figure
            return len(_words(line)) <= 30 and not re.search(r"\b(shows|illustrates)\b", line)
        return bool(re.fullmatch(r"\*\*[^*]{3,160}\?\*\*", line))

    lines = [line for line in text.splitlines() if is_name(line)]
    return set().union(*(_shingles(_words(line), size) for line in lines)) if lines else set()


def _tracked_text_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    files = [ROOT / line for line in out.splitlines()]
    return [f for f in files if f.suffix in TEXT_SUFFIXES and f.is_file() and f.stat().st_size < 5_000_000]


@pytest.fixture(scope="module")
def repository_shingles():
    by_file = {}
    for path in _tracked_text_files():
        if path.parent == Path(__file__).resolve().parent:
            continue
        by_file[path.relative_to(ROOT)] = _words(path.read_text(encoding="utf-8", errors="ignore"))
    return by_file


def test_report_has_quotes_to_check(report_path):
    assert len(_quotes(report_path.read_text(encoding="utf-8"))) >= 40


def test_no_quote_of_the_report_in_the_repository(repository_shingles, report_path):
    """No run of 8 consecutive words of any quoted passage appears in a tracked file."""
    text = report_path.read_text(encoding="utf-8")
    wanted = set().union(*(_shingles(_words(q), 8) for q in _quotes(text))) - _names(text, 8)
    hits = {str(path): " ".join(sorted(found)[0]) for path, words in repository_shingles.items()
            if (found := _shingles(words, 8) & wanted)}
    assert not hits, f"quoted words of the report found in: {hits}"


def test_no_sentence_of_the_seeds_in_the_repository(repository_shingles, seeds_dir):
    """No run of 12 consecutive words of any seed document appears in a tracked file."""
    wanted = set()
    for seed in seeds_dir.glob("*.txt"):
        text = seed.read_text(encoding="utf-8", errors="ignore")
        wanted |= _shingles(_words(text), 12) - _names(text, 12)
    hits = {str(path): " ".join(sorted(found)[0]) for path, words in repository_shingles.items()
            if (found := _shingles(words, 12) & wanted)}
    assert not hits, f"runs of the source documents' words found in: {hits}"
