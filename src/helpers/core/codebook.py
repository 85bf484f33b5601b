"""The survey instrument as data: typed access to ``codebook.yml``.

``codebook.yml`` is the one description of every raw file, column, scale,
label and applicability rule (CONTRACT section 2). This module reads it into
small immutable objects and provides the matching rules the contract sets
for coded answers and force names. Nothing else in the project spells out a
scale or a force list.

Examples
--------
>>> from helpers.core.codebook import load_codebook
>>> cb = load_codebook()
>>> cb.scales["agree5"].codes[:2]
('strongly_agree', 'agree')
>>> cb.scales["agree5"].match("  STRONGLY   Agree ")
'strongly_agree'
>>> cb.match_force("devon and cornwall police")
'Devon & Cornwall'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from helpers.core.config import CODEBOOK_PATH

__all__ = [
    "Scale",
    "Column",
    "Instrument",
    "Codebook",
    "load_codebook",
    "normalise_token",
    "INSTRUMENTS",
    "QUALITATIVE",
    "ALL_INSTRUMENTS",
]

#: The five required raw instruments (CONTRACT section 2), in pipeline order.
INSTRUMENTS = (
    "children_survey",
    "practitioner_survey",
    "teacher_survey",
    "parent_survey",
    "scheme_census",
)

#: Optional qualitative instruments: when their file is absent they are
#: reported as not collected.
QUALITATIVE = ("workshop_comments", "interview_excerpts")

#: Every instrument the codebook describes.
ALL_INSTRUMENTS = INSTRUMENTS + QUALITATIVE

_SPACES = re.compile(r"\s+")


def normalise_token(value: Any) -> str:
    """Normalise a coded answer for matching (CONTRACT section 2).

    Case is ignored, surrounding and repeated spaces are ignored and ``_``
    counts as a space.
    """
    text = str(value).replace("_", " ")
    return _SPACES.sub(" ", text).strip().casefold()


def _normalise_force(value: Any) -> str:
    """Normalise a force name for matching (CONTRACT section 6)."""
    text = str(value).casefold().replace("&", " and ").replace("-", " ")
    text = _SPACES.sub(" ", text).strip()
    for suffix in (" police", " constabulary", " police service"):
        if text.endswith(suffix):
            text = text[: -len(suffix)].strip()
    return text


@dataclass(frozen=True)
class Scale:
    """A closed answer scale: ordered codes, their labels and optional scores."""

    name: str
    level: str  # "ordinal" or "nominal"
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    scores: tuple[float, ...] | None = None
    #: Sign of each code in a diverging bar: +1 favourable, 0 neutral, -1 unfavourable
    #: (``None``: the scale is not drawn as diverging bars).
    polarity: tuple[int, ...] | None = None
    _lookup: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def match(self, value: Any) -> str | None:
        """Return the code for a raw answer given as code or label, else ``None``."""
        return self._lookup.get(normalise_token(value))

    def label(self, code: str) -> str:
        """Return the display label of a code."""
        return self.labels[self.codes.index(code)]

    def score(self, code: str) -> float | None:
        """Return the numeric score of a code (``None`` if the scale has none)."""
        if self.scores is None:
            return None
        return self.scores[self.codes.index(code)]


@dataclass(frozen=True)
class Column:
    """One column of a raw file, as the codebook describes it."""

    name: str
    type: str
    label: str = ""
    scale: str | None = None
    min: int | None = None
    max: int | None = None
    required: bool = False
    identity: bool = False
    applies_if: dict[str, str] | None = None
    role: str = "outcome"
    figure: str | None = None
    count_as: str | None = None
    #: Earlier wordings of the question, still accepted as headers (a rewording adds one; CONTRACT section 7).
    aliases: tuple[str, ...] = ()
    #: Describes the survey's design (wave, year, linking key), not a measure: absent means one
    #: cross-sectional survey, so its absence is not logged as a measure not collected.
    design: bool = False

    @property
    def measure(self) -> str:
        """The measure name under which the column is reported in ``results.csv``."""
        return f"sample_{self.name}" if self.role == "demographic" else self.name


@dataclass(frozen=True)
class Instrument:
    """One raw file: its columns, groups and rank sets."""

    name: str
    title: str
    unit: str
    id: str
    groups: dict[str, str]
    columns: tuple[Column, ...]
    rank_sets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    optional: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        """Return the column called ``name`` (``KeyError`` if unknown)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")


@dataclass(frozen=True)
class Codebook:
    """The whole instrument: scales, instruments and force names."""

    version: int
    scales: dict[str, Scale]
    instruments: dict[str, Instrument]
    forces: tuple[str, ...]
    _force_lookup: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    #: How each instrument is printed as a paper form (the ``forms`` block; read by
    #: :mod:`helpers.core.questionnaire`): ``{"programme": str, "instruments": {name: {...}}}``.
    forms: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def required_instruments(self) -> tuple[str, ...]:
        """Instruments whose file must be supplied, in codebook order (the Mini-Police: :data:`INSTRUMENTS`)."""
        return tuple(name for name, inst in self.instruments.items() if not inst.optional)

    @property
    def optional_instruments(self) -> tuple[str, ...]:
        """Instruments reported as not collected when absent (the Mini-Police: :data:`QUALITATIVE`)."""
        return tuple(name for name, inst in self.instruments.items() if inst.optional)

    def match_force(self, value: Any) -> str | None:
        """Return the canonical force name for ``value``, or ``None`` if unknown."""
        if value is None:
            return None
        return self._force_lookup.get(_normalise_force(value))


def _flatten(items: list[Any]) -> list[dict[str, Any]]:
    """Flatten YAML aliases that insert a list of columns inside a list."""
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, list):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


def _build_scale(name: str, spec: dict[str, Any]) -> Scale:
    codes = tuple(str(c) for c, _ in spec["codes"])
    labels = tuple(str(lab) for _, lab in spec["codes"])
    scores = tuple(float(s) for s in spec["scores"]) if "scores" in spec else None
    if scores is not None and len(scores) != len(codes):
        raise ValueError(f"codebook: scale {name!r} has {len(codes)} codes but {len(scores)} scores")
    polarity = tuple(int(p) for p in spec["polarity"]) if "polarity" in spec else None
    if polarity is not None and (len(polarity) != len(codes) or not set(polarity) <= {-1, 0, 1}):
        raise ValueError(f"codebook: scale {name!r} needs one polarity (-1, 0 or 1) per code")
    lookup: dict[str, str] = {}
    for code, label in zip(codes, labels, strict=True):
        for token in (code, label):
            key = normalise_token(token)
            if lookup.get(key, code) != code:
                raise ValueError(f"codebook: scale {name!r}: {token!r} is ambiguous")
            lookup[key] = code
    return Scale(name, spec.get("level", "nominal"), codes, labels, scores, polarity, lookup)


def _build_instrument(name: str, spec: dict[str, Any], scales: dict[str, Scale]) -> Instrument:
    columns = []
    for raw in _flatten(spec["columns"]):
        if "aliases" in raw:
            raw = {**raw, "aliases": tuple(str(a) for a in raw["aliases"])}
        col = Column(**raw)
        if col.type == "coded" and col.scale not in scales:
            raise ValueError(f"codebook: {name}.{col.name} uses unknown scale {col.scale!r}")
        columns.append(col)
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise ValueError(f"codebook: {name} lists a column twice")
    rank_sets = {k: tuple(v) for k, v in (spec.get("rank_sets") or {}).items()}
    return Instrument(
        name=name,
        title=spec["title"],
        unit=spec["unit"],
        id=spec["id"],
        groups={str(k): str(v) for k, v in spec["groups"].items()},
        columns=tuple(columns),
        rank_sets=rank_sets,
        optional=bool(spec.get("optional", False)),
    )


def _read_codebook(path: Path) -> Codebook:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    scales = {name: _build_scale(name, s) for name, s in spec["scales"].items()}
    specs = {**spec["instruments"], **spec.get("qualitative", {})}
    instruments = {name: _build_instrument(name, s, scales) for name, s in specs.items()}
    if not instruments:
        raise ValueError(f"codebook {path}: no instruments")
    # A codebook with any Mini-Police instrument is the Mini-Police codebook and must have them all, in order;
    # another programme's codebook (issue 15) declares only its own instruments.
    if set(instruments) & set(ALL_INSTRUMENTS) and tuple(instruments) != ALL_INSTRUMENTS:
        raise ValueError(f"codebook: instruments must be {ALL_INSTRUMENTS}, found {tuple(instruments)}")
    forces: list[str] = []
    lookup: dict[str, str] = {}
    for entry in spec["forces"]:
        canonical = entry["name"]
        forces.append(canonical)
        for alias in [canonical, *entry.get("aliases", [])]:
            lookup[_normalise_force(alias)] = canonical
    forms = spec.get("forms") or {}
    unknown = set(forms.get("instruments") or {}) - {n for n, inst in instruments.items() if not inst.optional}
    if unknown:
        raise ValueError(f"codebook: forms for unknown instrument(s) {sorted(unknown)}")
    return Codebook(spec["version"], scales, instruments, tuple(forces), lookup, forms)


@lru_cache(maxsize=4)
def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and check the codebook (cached).

    Parameters
    ----------
    path : str or Path, optional
        Defaults to the packaged ``codebook.yml``.

    Returns
    -------
    Codebook
    """
    return _read_codebook(Path(path) if path else CODEBOOK_PATH)
