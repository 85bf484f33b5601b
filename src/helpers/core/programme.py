"""The programme under evaluation, as data: typed access to ``programme.yml``.

One job: read the root programme file, which says what the engine may print
about the programme (its title, the report's title, the notice on reports
built from synthetic data) and where its definition files and demo-data
generator live. The engine itself names no programme; everything
programme-specific comes from this file and the definition files beside it.

Examples
--------
>>> from helpers.core.programme import load_programme
>>> programme = load_programme()
>>> programme.demo.name, programme.demo.parent.name
('generate.py', 'demo')
>>> programme.report_title.startswith(programme.title)
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from helpers.core.config import PROGRAMME_PATH

__all__ = ["Programme", "load_programme"]

_REQUIRED = ("name", "label", "title", "report_title", "synthetic_banner")


@dataclass(frozen=True)
class Programme:
    """One programme: its names, its folders and its synthetic-data notice."""

    #: Short identifier (letters, digits, underscores).
    name: str
    #: The programme's own name, as tables print it (its row of ``data/context/programmes.csv``).
    label: str
    #: The evaluation's name, as headings print it.
    title: str
    #: The title of a built report (a local report appends ``": <force>"``).
    report_title: str
    #: The notice on every page of a report built from the synthetic demo data.
    synthetic_banner: str
    #: The folder of ``programme.yml``; the paths below are resolved against it.
    root: Path
    #: The folder of the definition files (codebook, figures, outcomes, recommendations).
    definitions: Path
    #: The demo-data generator (a Python file loaded by :mod:`helpers.demo`), or ``None``.
    demo: Path | None = None
    #: How prose names the programme besides "the programme" and "the scheme".
    names: tuple[str, ...] = ()

    def name_pattern(self, *, article: bool = True) -> str:
        """A regular expression matching the programme's names in prose (generic words included).

        ``programme``, ``scheme`` and each of :attr:`names`, optionally after
        ``the`` (``article``: else without it); a space or hyphen in a name matches a space, a hyphen
        or a run of spaces.
        """
        words = ["programme", "scheme"]
        words += [r"[\s-]+".join(re.escape(part) for part in re.split(r"[\s-]+", name.strip())) for name in self.names]
        return (r"(?:the\s+)?" if article else "") + "(?:" + "|".join(words) + ")"

    def local_title(self, force: str | None) -> str | None:
        """The title of a one-force report (``None`` for the national report, whose title is the book's)."""
        return f"{self.report_title}: {force}" if force else None


@lru_cache(maxsize=4)
def load_programme(path: str | Path | None = None) -> Programme:
    """Read and check ``programme.yml`` (cached).

    Parameters
    ----------
    path : str or Path, optional
        Defaults to the repository's root ``programme.yml``.

    Raises
    ------
    ValueError
        A required key missing, or a named file or folder absent.
    """
    path = Path(path) if path else PROGRAMME_PATH
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    missing = [key for key in _REQUIRED if not spec.get(key)]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}")
    root = path.resolve().parent
    definitions = root / spec.get("definitions", "definitions")
    demo = root / spec["demo"] if spec.get("demo") else None
    for name, place in (("definitions", definitions), ("demo", demo)):
        if place is not None and not place.exists():
            raise ValueError(f"{path}: {name} {place} does not exist")
    return Programme(name=str(spec["name"]), label=str(spec["label"]), title=str(spec["title"]),
                     report_title=str(spec["report_title"]),
                     synthetic_banner=" ".join(str(spec["synthetic_banner"]).split()), root=root,
                     definitions=definitions, demo=demo,
                     names=tuple(str(name) for name in spec.get("names") or ()))
