"""Programmes as folders: which programme a run evaluates.

One job: resolve ``--programme DIR|NAME`` to a programme folder and check
that it has the shape the engine needs. A programme folder holds its
definition files in ``definitions/`` (``codebook.yml`` at least), its
chapter sources in ``notebooks/``, its data in ``data/`` (``raw/``,
``processed/``, published and context tables), and the book's
``_config.yml`` and ``_toc.yml``; ``programme.yml`` (optional) names it.
The repository root is the default programme; a bare name means
``programmes/NAME`` under the root.

The choice is made once per process, before any module reads a path:
:mod:`helpers.core.config` reads the ``MINIPOLICE_PROGRAMME`` environment
variable when it is imported, and the notebook kernels a build starts
inherit it. ``minipolice --programme`` therefore runs the command in a
child process with that variable set when the programme differs from the
one this process was started with.

Examples
--------
>>> from helpers.core.config import PROGRAMME_ROOT, PROJECT_ROOT
>>> resolve(None).root == PROJECT_ROOT.resolve()
True
>>> resolve("nothing-of-that-name")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
helpers.core.programme.ProgrammeError: --programme nothing-of-that-name: no programme folder at ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from helpers.core.config import PROGRAMME_ROOT, PROJECT_ROOT

__all__ = ["Programme", "ProgrammeError", "resolve", "ENVIRONMENT_VARIABLE", "available"]

#: The environment variable that carries the programme folder to the whole run.
ENVIRONMENT_VARIABLE = "MINIPOLICE_PROGRAMME"

#: Where named programmes live, under the repository root.
PROGRAMMES_DIR = "programmes"


class ProgrammeError(ValueError):
    """The programme asked for is not a usable programme folder (exit status 2)."""


@dataclass(frozen=True)
class Programme:
    """A programme folder and its settings (``programme.yml``)."""

    root: Path
    settings: dict = field(default_factory=dict, compare=False)

    @property
    def name(self) -> str:
        """The programme's short name (``programme.yml``'s ``name``, else the folder's name)."""
        return str(self.settings.get("name") or self.root.name)

    @property
    def title(self) -> str:
        """The programme's title, as the book's front page gives it."""
        return str(self.settings.get("title") or self.name)

    @property
    def definitions(self) -> Path:
        return self.root / "definitions"

    @property
    def codebook_path(self) -> Path:
        return self.definitions / "codebook.yml"

    @property
    def raw_dir(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def processed_dir(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def book_dir(self) -> Path:
        return self.root / "book"

    @property
    def notebooks_dir(self) -> Path:
        return self.root / "notebooks"

    @property
    def is_default(self) -> bool:
        """True for the repository root's programme."""
        return self.root == PROJECT_ROOT.resolve()


def available(root: Path = PROJECT_ROOT) -> list[str]:
    """Names of the programmes under ``programmes/`` (those with a codebook)."""
    folder = Path(root) / PROGRAMMES_DIR
    return sorted(p.name for p in folder.glob("*") if (p / "definitions" / "codebook.yml").is_file())


def resolve(spec: str | Path | None) -> Programme:
    """The programme ``spec`` names: a bare name ``programmes/NAME``, else a folder.

    ``None`` or ``""`` is the programme this process serves: the one
    ``MINIPOLICE_PROGRAMME`` named when it started, else the repository root.

    Raises
    ------
    ProgrammeError
        The folder does not exist or has no ``definitions/codebook.yml``.
    """
    if spec is None or str(spec).strip() == "":
        root = PROGRAMME_ROOT
    else:
        text = str(spec).strip()
        named = PROJECT_ROOT / PROGRAMMES_DIR / text
        bare = "/" not in text and "\\" not in text and text not in (".", "..")
        root = named if bare and named.is_dir() else Path(text)
        if bare and not named.is_dir() and not Path(text).is_dir():
            root = named
    root = root.resolve()
    if not (root / "definitions" / "codebook.yml").is_file():
        known = ", ".join(available()) or "none"
        raise ProgrammeError(f"--programme {spec}: no programme folder at {root} (a programme folder holds "
                             f"definitions/codebook.yml; programmes here: {known})")
    settings_path = root / "programme.yml"
    settings = {}
    if settings_path.is_file():
        settings = yaml.safe_load(settings_path.read_text(encoding="utf-8")) or {}
        if not isinstance(settings, dict):
            raise ProgrammeError(f"{settings_path}: expected a mapping of settings, found {type(settings).__name__}")
    return Programme(root=root, settings=settings)
