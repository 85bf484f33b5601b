"""Sentences an author may reword: templates with named slots, read from ``definitions/phrases.yml``.

One job: turn a template name and its slot values into text. The words live
in the programme's phrase file (:data:`helpers.core.config.PHRASES_PATH`,
overridable with ``MINIPOLICE_DEFINITIONS``), never in Python, so rewording
a sentence needs no code change; the numbers in the slots come from the
processed tables, already formatted by :mod:`helpers.report.formatting`.

* :func:`sentence` fills one named template (``str.format`` slots); a name
  with several wordings takes them in turn on a page (:class:`Wording`).
* :func:`verdict` words a comparison by the strength of its evidence
  (``strong``, ``some``, ``unclear``, ``untestable``: :func:`strength`),
  with several wordings per grade handed out in turn, so one page does not
  repeat a verdict.
* :func:`number_words` spells a count from the data ("six"), from the
  file's list of number words.

Examples
--------
>>> number_words(3), number_words(14)
('three', '14')
>>> strength(0.004), strength(0.03), strength(0.4), strength(float("nan"))
('strong', 'some', 'unclear', 'untestable')
>>> page = Wording()
>>> first = verdict("unclear", "p = 0.40", wording=page)
>>> second = verdict("unclear", "p = 0.40", wording=page)
>>> first != second and first.endswith("(p = 0.40)")
True
"""

from __future__ import annotations

import string
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from helpers.core import config

__all__ = ["GRADES", "Wording", "load_phrases", "number_words", "sentence", "strength", "verdict", "wordings"]

#: Grades of evidence a verdict is worded by, strongest first.
GRADES = ("strong", "some", "unclear", "untestable")

def _path(path: str | Path | None) -> Path:
    """``path``, else the phrase file of the definitions folder the environment names now."""
    return Path(path) if path else config.definitions_dir() / config.PHRASES_PATH.name


@lru_cache(maxsize=8)
def _read(path: Path, stamp: int) -> dict:
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for key in ("numbers", "strength", "verdicts", "sentences"):
        if key not in spec:
            raise ValueError(f"{path}: the phrase file needs a {key!r} block")
    missing = [g for g in GRADES if not spec["verdicts"].get(g)]
    if missing:
        raise ValueError(f"{path}: verdicts has no wording for {', '.join(missing)}")
    return spec


def load_phrases(path: str | Path | None = None) -> dict:
    """The phrase file as a dict (cached until the file changes).

    Raises
    ------
    ValueError
        A block is missing, or a grade of evidence has no wording.
    """
    path = _path(path)
    return _read(path, path.stat().st_mtime_ns)


class Wording:
    """Hands out the wordings of a template in turn, for one page.

    A chapter makes one at its top and passes it to every call that words a
    verdict or a varied sentence; the n-th use of a name on the page gets its
    n-th wording (cycling when the list runs out), so the choice depends only
    on position and a rebuilt page reads the same.
    """

    def __init__(self) -> None:
        self._used: Counter[str] = Counter()

    def pick(self, name: str, variants: list[str]) -> str:
        """The next wording of ``name`` on this page."""
        turn = self._used[name]
        self._used[name] += 1
        return variants[turn % len(variants)]


def wordings(name: str, *, path: str | Path | None = None) -> list[str]:
    """Every wording of a sentence template (a one-item list for a single template).

    Raises
    ------
    KeyError
        The phrase file has no such template.
    """
    entry = load_phrases(path)["sentences"].get(name)
    if entry is None:
        raise KeyError(f"{_path(path)}: no sentence {name!r}")
    return [str(v) for v in entry] if isinstance(entry, list) else [str(entry)]


def _fill(template: str, name: str, slots: dict, path: str | Path | None) -> str:
    wanted = {field for _, field, _, _ in string.Formatter().parse(template) if field}
    unknown = wanted - set(slots)
    if unknown:
        raise KeyError(f"{_path(path)}: template {name!r} names {', '.join(sorted(unknown))}, which the code "
                       f"does not fill (it fills {', '.join(sorted(slots)) or 'nothing'})")
    return template.format(**slots)


def sentence(name: str, *, wording: Wording | None = None, path: str | Path | None = None, **slots) -> str:
    """The template ``name`` with its slots filled.

    Examples
    --------
    >>> sentence("sample_skew_one_force", names="Durham")
    'All the children who answered are from Durham, so the survey has no spread across forces to distort.'
    """
    variants = wordings(name, path=path)
    template = wording.pick(name, variants) if wording is not None else variants[0]
    return _fill(template, name, slots, path)


def strength(p_holm: float | None, *, path: str | Path | None = None) -> str:
    """The grade of evidence of a comparison from its Holm-adjusted p-value (:data:`GRADES`)."""
    from helpers.report.tables import SIGNIFICANCE  # here: tables reads its labels from this module

    if p_holm is None or pd.isna(p_holm):
        return "untestable"
    if float(p_holm) < float(load_phrases(path)["strength"]["strong_below"]):
        return "strong"
    return "some" if float(p_holm) < SIGNIFICANCE else "unclear"


def verdict(grade: str, stats: str = "", *, wording: Wording | None = None, path: str | Path | None = None) -> str:
    """A comparison's verdict worded for its grade, ``stats`` in its ``{stats}`` slot.

    Without ``wording`` the first wording of the grade is used.
    """
    if grade not in GRADES:
        raise ValueError(f"verdict: grade must be one of {', '.join(GRADES)}, not {grade!r}")
    variants = [str(v) for v in load_phrases(path)["verdicts"][grade]]
    template = wording.pick(f"verdict:{grade}", variants) if wording is not None else variants[0]
    return _fill(template, f"verdicts/{grade}", {"stats": stats}, path)


def number_words(count, *, path: str | Path | None = None) -> str:
    """A count in words for prose ("six"), digits beyond the phrase file's list of number words."""
    numbers = load_phrases(path)["numbers"]
    value = int(count)
    return str(numbers[value]) if 0 <= value < len(numbers) else f"{value:,}"
