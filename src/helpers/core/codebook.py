"""The survey instrument as data: typed access to ``codebook.yml``.

``codebook.yml`` is the one description of every raw file, column, scale,
label and applicability rule (docs/contract.md section 2). This module reads it into
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

The programme group is data too: ``groups: {by, yes, no, all}`` on one
instrument names the column that splits its respondents and the two groups;
``group_labels`` says how a group is written. Engine code asks the codebook,
never spells a group out:

>>> g = cb.groups
>>> g.column in cb.instruments[g.instrument].column_names
True
>>> g.of("yes") == g.yes and g.of("no") == g.no
True
>>> g.count_column(g.yes) == "n_" + g.yes
True
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
    "Groups",
    "GENERIC_GROUPS",
    "Codebook",
    "load_codebook",
    "default_groups",
    "normalise_token",
    "INSTRUMENTS",
    "QUALITATIVE",
    "ALL_INSTRUMENTS",
]

_SPACES = re.compile(r"\s+")


def normalise_token(value: Any) -> str:
    """Normalise a coded answer for matching (docs/contract.md section 2).

    Case is ignored, surrounding and repeated spaces are ignored and ``_``
    counts as a space.
    """
    text = str(value).replace("_", " ")
    return _SPACES.sub(" ", text).strip().casefold()


def _normalise_force(value: Any) -> str:
    """Normalise a force name for matching (docs/contract.md section 6)."""
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
    #: Earlier wordings of the question, still accepted as headers (a rewording adds one; docs/contract.md section 7).
    aliases: tuple[str, ...] = ()
    #: Describes the survey's design (wave, year, linking key), not a measure: absent means one
    #: cross-sectional survey, so its absence is not logged as a measure not collected.
    design: bool = False
    #: Asked of the programme group only and quoted as a headline: the sensitivity table weights it too.
    headline: bool = False
    #: (census) The count per force that the children's answers are post-stratified to.
    weight_target: bool = False

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
    #: Why the report cannot be made without rows of this instrument (empty: it can; a file with a
    #: header and no rows is then reported as not collected).
    rows_required: str = ""

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
class Groups:
    """The programme group and its comparison group, as the codebook declares them.

    One instrument carries ``groups: {by, yes, no, all}``: respondents
    answering ``yes`` to its column ``by`` form the group ``yes`` (taking part
    in the programme), those answering ``no`` the group ``no``, and ``all``
    is both together. ``group_labels`` gives each group's display label and
    the noun a sentence uses.
    """

    instrument: str
    by: str
    yes: str
    no: str
    all: str
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    nouns: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def column(self) -> str:
        """The column whose answer (``yes``/``no``) puts a respondent in a group."""
        return self.by

    @property
    def pair(self) -> tuple[str, str]:
        """``(yes, no)``: the programme group first, then the comparison group."""
        return (self.yes, self.no)

    @property
    def names(self) -> tuple[str, str, str]:
        """``(yes, no, all)``: every group of the instrument's respondents."""
        return (self.yes, self.no, self.all)

    def of(self, answer: str) -> str:
        """The group of a respondent who answered ``answer`` (``"yes"`` or ``"no"``) to :attr:`column`."""
        return {"yes": self.yes, "no": self.no}[answer]

    def label(self, group: str) -> str:
        """Display label of a group (the group's code when the codebook gives none)."""
        return self.labels.get(group, group)

    def noun(self, group: str) -> str:
        """How a sentence names a group's members (the label, lower case, when no noun is given)."""
        return self.nouns.get(group, self.label(group).lower())

    def count_column(self, group: str, prefix: str = "n") -> str:
        """Name of a per-group column: ``n_<group>`` (``tests.csv``), ``value_<group>`` ...

        See docs/contract.md section 4.
        """
        return f"{prefix}_{group}"


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
    #: The programme group (``None`` when no instrument declares ``groups.by``).
    groups: Groups | None = field(default=None, compare=False)

    @property
    def surveys(self) -> tuple[str, ...]:
        """The instruments every export must supply, in pipeline order (the ``instruments`` section)."""
        return tuple(name for name, ins in self.instruments.items() if not ins.optional)

    @property
    def qualitative(self) -> tuple[str, ...]:
        """Optional instruments (the ``qualitative`` section): an absent file is reported as not collected."""
        return tuple(name for name, ins in self.instruments.items() if ins.optional)

    @property
    def census(self) -> str | None:
        """The census instrument: the one whose columns have the role ``census`` (one row per force)."""
        found = [name for name, ins in self.instruments.items() if any(c.role == "census" for c in ins.columns)]
        if len(found) > 1:
            raise ValueError(f"codebook: only one instrument may have census columns, found {found}")
        return found[0] if found else None

    @property
    def headline_items(self) -> tuple[str, ...]:
        """Items of the split instrument marked ``headline`` (asked of the programme group only)."""
        if self.groups is None:
            return ()
        return tuple(c.name for c in self.instruments[self.groups.instrument].columns if c.headline)

    @property
    def weight_target(self) -> str | None:
        """The census column marked ``weight_target`` (children per force), or ``None``."""
        if self.census is None:
            return None
        return next((c.name for c in self.instruments[self.census].columns if c.weight_target), None)

    @property
    def rows_required(self) -> dict[str, str]:
        """``{instrument: reason}`` for the instruments without whose rows there is no report."""
        return {name: ins.rows_required for name, ins in self.instruments.items() if ins.rows_required}

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
        rows_required=str(spec.get("rows_required") or ""),
    )


def _build_groups(instruments: dict[str, Instrument], spec: dict[str, Any]) -> Groups | None:
    """The one instrument whose ``groups`` has ``by``, with the labels of ``group_labels``."""
    split = [ins for ins in instruments.values() if "by" in ins.groups]
    if not split:
        return None
    if len(split) > 1:
        raise ValueError(f"codebook: only one instrument may split its respondents (groups.by), found "
                         f"{[ins.name for ins in split]}")
    ins = split[0]
    missing = {"by", "yes", "no", "all"} - set(ins.groups)
    if missing:
        raise ValueError(f"codebook: {ins.name}.groups needs {sorted(missing)} beside 'by'")
    if ins.groups["by"] not in ins.column_names:
        raise ValueError(f"codebook: {ins.name}.groups.by names no column ({ins.groups['by']!r})")
    labels = {str(k): v for k, v in (spec.get("group_labels") or {}).items()}
    return Groups(instrument=ins.name, by=ins.groups["by"], yes=ins.groups["yes"], no=ins.groups["no"],
                  all=ins.groups["all"],
                  labels={k: str(v["label"]) for k, v in labels.items() if "label" in v},
                  nouns={k: str(v["noun"]) for k, v in labels.items() if "noun" in v})


def _read_codebook(path: Path) -> Codebook:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    scales = {name: _build_scale(name, s) for name, s in spec["scales"].items()}
    qualitative = {name: {**s, "optional": True} for name, s in (spec.get("qualitative") or {}).items()}
    specs = {**spec["instruments"], **qualitative}
    if len(specs) != len(spec["instruments"]) + len(qualitative):
        raise ValueError("codebook: an instrument is listed both under instruments and qualitative")
    instruments = {name: _build_instrument(name, s, scales) for name, s in specs.items()}
    if not instruments:
        raise ValueError(f"codebook {path}: no instruments")
    optional = [name for name in spec["instruments"] if instruments[name].optional]
    if optional:
        raise ValueError(f"codebook: {optional} marked optional: optional instruments go under qualitative")
    forces: list[str] = []
    lookup: dict[str, str] = {}
    for entry in spec["forces"]:
        canonical = entry["name"]
        forces.append(canonical)
        for alias in [canonical, *entry.get("aliases", [])]:
            lookup[_normalise_force(alias)] = canonical
    forms = spec.get("forms") or {}
    unknown = set(forms.get("instruments") or {}) - set(spec["instruments"])
    if unknown:
        raise ValueError(f"codebook: forms for unknown instrument(s) {sorted(unknown)}")
    return Codebook(spec["version"], scales, instruments, tuple(forces), lookup, forms,
                    _build_groups(instruments, spec))


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


#: Group names for a codebook that splits no survey into two groups: the headers of its (empty)
#: comparison tables use them, so that no programme's group names appear where there are none.
GENERIC_GROUPS = Groups(instrument="", by="group", yes="programme", no="comparison", all="all", labels={}, nouns={})


def default_groups() -> Groups:
    """The programme group of the codebook this run reads (for callers not handed a codebook).

    A codebook that splits no survey into two groups gets :data:`GENERIC_GROUPS`.
    """
    groups = load_codebook().groups
    return GENERIC_GROUPS if groups is None else groups


#: The default programme's survey instruments, in pipeline order (its codebook's ``instruments``
#: section). Engine code that is handed a codebook uses :attr:`Codebook.surveys` instead.
INSTRUMENTS = load_codebook().surveys

#: The default programme's optional qualitative instruments (its codebook's ``qualitative`` section).
QUALITATIVE = load_codebook().qualitative

#: Every instrument the default programme's codebook describes.
ALL_INSTRUMENTS = INSTRUMENTS + QUALITATIVE
