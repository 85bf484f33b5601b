"""Survey-tool exports turned into the canonical tables (docs/contract.md section 7).

One job: take one export file (a Microsoft Forms workbook, a Qualtrics or
SurveyMonkey CSV, a Google Forms sheet, an SPSS file, a sheet typed from
paper forms ...) and hand validation the table the codebook describes:
header rows joined, personal-data columns dropped before anything else,
headers matched to codebook columns (by name, by the question's wording, or
by the item part of a matrix header), ranking questions exported as one
cell spread over their rank columns, and answer maps applied. Nothing else
changes: validation, quarantine, the log and the results read the table
this module returns exactly as they read a canonical file.

A profile is a YAML file ``*.profile.yml`` in the data folder; a file named
after its instrument (``children_survey.csv`` ...) is read with the default
profile. :func:`find_sources` pairs every instrument with its file and
profile, :func:`read_source` reads one, :func:`match_headers` is the header
matching alone (for ``minipolice profile check`` and ``profile init``).

Examples
--------
>>> from helpers.core.profiles import header_item, normalise_question
>>> header_item("How much do you agree? - I trust the police")
'I trust the police'
>>> header_item("How much do you agree? [I trust the police]")
'I trust the police'
>>> normalise_question("  Do the police do a   GOOD job? ")
'do the police do a good job'
"""

from __future__ import annotations

import difflib
import fnmatch
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from helpers.core.codebook import Codebook, Instrument, normalise_token
from helpers.core.loading import (
    RAW_SUFFIXES,
    Grid,
    RawTable,
    StructuralError,
    cell_name,
    named_raw_files,
    normalise_header,
    read_grid,
)

__all__ = [
    "PROFILE_KEYS",
    "PRESETS",
    "PERSONAL_DATA",
    "Profile",
    "Ranking",
    "Source",
    "HeaderMatch",
    "load_profile",
    "find_sources",
    "default_source",
    "read_source",
    "match_headers",
    "header_item",
    "normalise_question",
    "draft_profile",
    "describe",
    "check_report",
]

log = logging.getLogger(__name__)

#: Keys a profile may have (docs/contract.md section 7); the first two are required.
PROFILE_KEYS = ("instrument", "file", "preset", "sheet", "encoding", "delimiter", "header_rows", "skip_rows",
                "drop", "columns", "rankings", "values")

#: What each preset fills in (a profile's own keys win; ``drop`` adds to the preset's list).
PRESETS: dict[str, dict[str, Any]] = {
    "msforms": {"header_rows": [1], "drop": ["Email", "Name"], "columns": {"respondent_id": "ID"},
                "separator": ";"},
    "qualtrics": {"header_rows": [2], "skip_rows": [3],
                  "drop": ["IP Address", "Recipient Last Name", "Recipient First Name", "Recipient Email",
                           "Location Latitude", "Location Longitude"],
                  "columns": {"respondent_id": "Response ID"}},
    "surveymonkey": {"header_rows": [1, 2], "drop": ["IP Address", "Email Address", "First Name", "Last Name"],
                     "columns": {"respondent_id": "Respondent ID"}},
    "googleforms": {"header_rows": [1], "drop": ["Email Address"], "separator": ", "},
}

#: Second header-row cells that name the answer kind, not the item (SurveyMonkey).
_NOT_AN_ITEM = {"response", "open-ended response"}

_RANKING_KEYS = ("header", "separator")
_ENCODINGS = ("auto", "utf-8", "utf-8-sig", "utf-16", "cp1252")
_DELIMITERS = ("auto", ",", ";", "\t", "|")
_SPACES = re.compile(r"\s+")
_BRACKET = re.compile(r"\[([^\[\]]*)\]\s*$")


@dataclass(frozen=True)
class Ranking:
    """A ranking question exported as one cell: its header and the separator between options."""

    header: str
    separator: str = ";"


@dataclass(frozen=True)
class Profile:
    """How to read one export (docs/contract.md section 7); presets already applied."""

    instrument: str
    file: str
    path: Path | None = None
    preset: str | None = None
    sheet: int | str | None = None
    encoding: str = "auto"
    delimiter: str = "auto"
    header_rows: tuple[int, ...] = (1,)
    skip_rows: tuple[int, ...] = ()
    drop: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)
    rankings: dict[str, Ranking] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """How messages name the profile."""
        return str(self.path) if self.path else "(no profile)"


@dataclass(frozen=True)
class Source:
    """One instrument's export file and the profile it is read with."""

    instrument: str
    path: Path
    profile: Profile


@dataclass(frozen=True)
class HeaderMatch:
    """Result of matching an export's headers to an instrument's columns.

    Attributes
    ----------
    columns : dict
        Codebook column -> position of its header in the export.
    how : dict
        Codebook column -> ``name``, ``label``, ``item``, ``profile`` or ``ranking``.
    rankings : dict
        Rank set name -> position of the one-cell ranking header.
    dropped : tuple of int
        Positions of the headers removed by ``drop``.
    unmatched : tuple of int
        Positions of the other headers (kept as extra columns).
    """

    headers: tuple[str, ...]
    columns: dict[str, int]
    how: dict[str, str]
    rankings: dict[str, int]
    dropped: tuple[int, ...]
    unmatched: tuple[int, ...]


# -- text helpers ---------------------------------------------------------------------------------

def normalise_question(text: object) -> str:
    """A header or label for matching: case-folded, whitespace collapsed, a trailing ``?``, ``:`` or ``.`` ignored."""
    text = _SPACES.sub(" ", str(text)).strip().casefold()
    return text.rstrip("?:.").strip()


def header_item(header: str) -> str | None:
    """The item part of a matrix header: inside a final ``[...]``, else after the last `` - ``; ``None`` if neither."""
    found = _BRACKET.search(header)
    if found:
        return found.group(1).strip()
    if " - " in header:
        return header.rsplit(" - ", 1)[1].strip()
    return None


def _closest(word: str, choices, n: int = 1) -> list[str]:
    choices = list(choices)
    by_norm = {normalise_question(c): c for c in choices}
    found = difflib.get_close_matches(normalise_question(word), list(by_norm), n=n, cutoff=0.0)
    return [by_norm[f] for f in found]


def _suggest(word: str, choices) -> str:
    best = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.5)
    return f" (did you mean {best[0]!r}?)" if best else f" (known: {', '.join(map(str, choices))})"


# -- profiles ---------------------------------------------------------------------------------------

def _fail(path: Path, key: str, what: str) -> StructuralError:
    return StructuralError(f"{path}: {key}: {what}")


def _rows(path: Path, key: str, value: Any) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                              for v in value):
        raise _fail(path, key, f"must be a list of 1-based row numbers, e.g. [1], not {value!r}")
    return tuple(value)


def _text_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise _fail(path, key, f"must be a list of export headers, not {value!r}")
    return tuple(str(v) for v in value)


def _answer(value: Any) -> str:
    """A YAML answer as text: YAML 1.1 reads an unquoted yes/no as a boolean."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def load_profile(path: Path, codebook: Codebook) -> Profile:
    """Read and check one ``*.profile.yml``.

    Raises
    ------
    StructuralError
        Naming the profile and the key that is wrong (unknown keys with the closest known one).
    """
    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise StructuralError(f"{path}: not a readable YAML profile ({exc})") from exc
    if not isinstance(spec, dict):
        raise StructuralError(f"{path}: a profile is a YAML mapping of keys ({', '.join(PROFILE_KEYS)})")
    for key in spec:
        if key not in PROFILE_KEYS:
            raise _fail(path, str(key), f"unknown key{_suggest(key, PROFILE_KEYS)}")
    for key in ("instrument", "file"):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise _fail(path, key, "required (instrument: children_survey, file: a glob such as \"export*.csv\")")
    instrument = spec["instrument"]
    if instrument not in codebook.instruments:
        known = list(codebook.instruments)
        raise _fail(path, "instrument", f"unknown instrument {instrument!r}{_suggest(instrument, known)}")
    inst = codebook.instruments[instrument]
    preset_name = spec.get("preset")
    if preset_name is not None and preset_name not in PRESETS:
        raise _fail(path, "preset", f"unknown preset {preset_name!r}{_suggest(preset_name, PRESETS)}")
    preset = PRESETS.get(preset_name, {})
    sheet = spec.get("sheet")
    if sheet is not None and not isinstance(sheet, int | str) or isinstance(sheet, bool):
        raise _fail(path, "sheet", "a 1-based sheet number or a sheet name")
    encoding = spec.get("encoding", "auto")
    if encoding not in _ENCODINGS:
        raise _fail(path, "encoding", f"{encoding!r} is not one of {', '.join(_ENCODINGS)}")
    delimiter = spec.get("delimiter", "auto")
    if delimiter not in _DELIMITERS:
        raise _fail(path, "delimiter", f"{delimiter!r} is not one of auto, \",\", \";\", \"\\t\", \"|\"")
    header_rows = _rows(path, "header_rows", spec.get("header_rows", preset.get("header_rows", [1])))
    skip_rows = _rows(path, "skip_rows", spec.get("skip_rows", preset.get("skip_rows", [])))
    if not header_rows:
        raise _fail(path, "header_rows", "at least one row must hold the header")
    if set(header_rows) & set(skip_rows):
        raise _fail(path, "skip_rows", "a row cannot be both a header row and a skipped row")
    drop = tuple(dict.fromkeys(preset.get("drop", []) + list(_text_list(path, "drop", spec.get("drop", [])))))
    columns = dict(preset.get("columns", {}))
    given = spec.get("columns") or {}
    if not isinstance(given, dict):
        raise _fail(path, "columns", "a mapping of codebook column: export header")
    for column, header in given.items():
        if column not in inst.column_names:
            raise _fail(path, "columns", f"{instrument} has no column {column!r}{_suggest(column, inst.column_names)}")
        if not isinstance(header, str | int | float) or isinstance(header, bool):
            raise _fail(path, f"columns: {column}", f"must be the export's header text, not {header!r}")
        columns[column] = str(header)
    rankings = {}
    given = spec.get("rankings") or {}
    if not isinstance(given, dict):
        raise _fail(path, "rankings", "a mapping of rank set: {header: ..., separator: ...}")
    for name, entry in given.items():
        if name not in inst.rank_sets:
            known = list(inst.rank_sets) or ["(none: this instrument has no ranking question)"]
            raise _fail(path, "rankings", f"{instrument} has no rank set {name!r}{_suggest(name, known)}")
        if isinstance(entry, str):
            entry = {"header": entry}
        if not isinstance(entry, dict):
            raise _fail(path, f"rankings: {name}", "a mapping {header: ..., separator: ...}")
        for key in entry:
            if key not in _RANKING_KEYS:
                raise _fail(path, f"rankings: {name}: {key}", f"unknown key{_suggest(key, _RANKING_KEYS)}")
        if not isinstance(entry.get("header"), str):
            raise _fail(path, f"rankings: {name}: header", "required: the export's header of the ranking question")
        separator = entry.get("separator", preset.get("separator", ";"))
        if not isinstance(separator, str) or not separator:
            raise _fail(path, f"rankings: {name}: separator", "a non-empty text such as \";\" or \", \"")
        rankings[name] = Ranking(entry["header"], separator)
    values: dict[str, dict[str, str]] = {}
    given = spec.get("values") or {}
    if not isinstance(given, dict):
        raise _fail(path, "values", "a mapping of scale or column: {answer: code}")
    for key, mapping in given.items():
        column = next((c for c in inst.columns if c.name == key), None)
        scale_name = column.scale if column is not None else key if key in codebook.scales else None
        if column is None and scale_name is None:
            raise _fail(path, "values", f"{key!r} is neither a scale nor a column of {instrument}"
                        f"{_suggest(key, list(codebook.scales) + list(inst.column_names))}")
        if not isinstance(mapping, dict) or not mapping:
            raise _fail(path, f"values: {key}", "a mapping of answer: code, e.g. {\"1\": strongly_agree}")
        scale = codebook.scales.get(scale_name) if scale_name else None
        clean = {}
        for answer, code in mapping.items():
            code = _answer(code)
            if scale is not None and scale.match(code) is None:
                raise _fail(path, f"values: {key}: {_answer(answer)}",
                            f"{code!r} is not a code of scale {scale.name} ({', '.join(scale.codes)})")
            clean[normalise_token(_answer(answer))] = code
        values[str(key)] = clean
    return Profile(instrument=instrument, file=spec["file"], path=path, preset=preset_name, sheet=sheet,
                   encoding=encoding, delimiter=delimiter, header_rows=header_rows, skip_rows=skip_rows, drop=drop,
                   columns=columns, rankings=rankings, values=values)


#: Personal-data headers that survey tools export (every preset's ``drop`` list). A file read
#: without a profile never reads them either: a tool's export renamed after its instrument must
#: not carry e-mail addresses or names into the quarantine file.
PERSONAL_DATA: tuple[str, ...] = tuple(dict.fromkeys(h for preset in PRESETS.values() for h in preset["drop"]))


def default_source(path: Path, instrument: str) -> Source:
    """A file named after its instrument, read without a profile (header in row 1).

    The presets' personal-data headers (:data:`PERSONAL_DATA`) are dropped as a
    profile's ``drop`` would drop them.
    """
    return Source(instrument, Path(path), Profile(instrument=instrument, file=Path(path).name, drop=PERSONAL_DATA))


def _profile_paths(data_dir: Path) -> list[Path]:
    return sorted(p for p in data_dir.iterdir() if p.is_file() and p.name.casefold().endswith(".profile.yml"))


def find_sources(data_dir: Path, codebook: Codebook) -> dict[str, Source]:
    """Every instrument with an export in ``data_dir``: its file and profile.

    Raises
    ------
    StructuralError
        A profile is wrong (see :func:`load_profile`), its ``file`` matches no
        file or several, two profiles read the same instrument, or an
        instrument has both a file named after it and a profile.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise StructuralError(f"{data_dir}: data directory not found")
    files = sorted(p for p in data_dir.iterdir() if p.is_file() and not p.name.casefold().endswith(".profile.yml"))
    sources: dict[str, Source] = {}
    for path in _profile_paths(data_dir):
        profile = load_profile(path, codebook)
        pattern = profile.file
        matched = [f for f in files if fnmatch.fnmatch(f.name, pattern)
                   or fnmatch.fnmatch(f.name.casefold(), pattern.casefold())]
        if not matched:
            raise _fail(path, "file", f"{pattern!r} matches no file in {data_dir}"
                        f" (files there: {', '.join(f.name for f in files) or 'none'})")
        if len(matched) > 1:
            names = ", ".join(f.name for f in matched)
            raise _fail(path, "file", f"{pattern!r} matches {len(matched)} files ({names}); "
                        "make the pattern match exactly one")
        target = matched[0]
        if target.suffix.casefold() not in RAW_SUFFIXES:
            raise _fail(path, "file", f"{target.name}: not a file type that can be read ({', '.join(RAW_SUFFIXES)})")
        if profile.instrument in sources:
            other = sources[profile.instrument].profile.path
            raise StructuralError(f"{path}: instrument {profile.instrument} is given twice (also by {other}); "
                                  "keep one profile per instrument")
        named = [p for p in named_raw_files(data_dir, profile.instrument) if p != target]
        if named:
            raise StructuralError(f"{path}: instrument {profile.instrument} is given twice: by this profile "
                                  f"({target.name}) and by the file {named[0].name}; remove or rename one of them")
        claimed = next((s for s in sources.values() if s.path == target), None)
        if claimed is not None:
            raise StructuralError(f"{path}: {target.name} is read by two profiles (also {claimed.profile.path})")
        sources[profile.instrument] = Source(profile.instrument, target, profile)
    for name in codebook.instruments:
        if name in sources:
            continue
        named = named_raw_files(data_dir, name)
        if len(named) > 1:
            raise StructuralError(f"{data_dir}: more than one raw file for {name} "
                                  f"({', '.join(p.name for p in named)}); keep one")
        if named:
            sources[name] = default_source(named[0], name)
    return sources


# -- reading ----------------------------------------------------------------------------------------

def _texts(series: pd.Series) -> list[str]:
    return [str(v) for v in series.tolist()]


def _header(grid: Grid, profile: Profile) -> list[str]:
    """The header: one row as written, or several rows joined with `` - ``."""
    width = grid.frame.shape[1]
    rows = [r - 1 for r in profile.header_rows]
    for r in rows:
        if r >= len(grid.frame):
            raise StructuralError(f"{grid.path}: header row {r + 1} asked for ({profile.where}), but the file has "
                                  f"{len(grid.frame)} row(s)")
    if len(rows) == 1:
        return _texts(grid.frame.iloc[rows[0]])
    filled = []
    for r in rows:
        cells = [_SPACES.sub(" ", c).strip() for c in _texts(grid.frame.iloc[r])]
        for j in range(1, width):  # a blank cell (a merged one) takes its left neighbour's text
            if not cells[j]:
                cells[j] = cells[j - 1]
        filled.append(cells)
    header = []
    for j in range(width):
        parts: list[str] = []
        for k, cells in enumerate(filled):
            part = cells[j]
            if not part or (k > 0 and part.casefold() in _NOT_AN_ITEM) or part in parts:
                continue
            parts.append(part)
        header.append(" - ".join(parts))
    return header


def _check_merged(grid: Grid, profile: Profile) -> None:
    if len(profile.header_rows) > 1:
        return  # several header rows: blank and merged cells are filled from the left
    header_row = profile.header_rows[0] - 1
    for first_row, first_col, last_row, last_col in sorted(grid.merged):
        if first_row <= header_row <= last_row:
            cells = f"{cell_name(first_row, first_col)}:{cell_name(last_row, last_col)}"
            raise StructuralError(
                f"{grid.path}: header cells {cells} are merged, so the columns under them have no header of their "
                "own; unmerge them and give each column its question, or describe the header rows in a profile "
                "(header_rows: [1, 2])")


def match_headers(headers: list[str], instrument: Instrument, profile: Profile, *, path: Path | None = None,
                  strict: bool = True) -> HeaderMatch:
    """Match an export's headers to the instrument's codebook columns.

    ``drop`` headers are removed first; then the profile's ``columns`` and
    ``rankings``; then every other codebook column is found when a header
    equals its name, its label (the question as asked) or one of its
    ``aliases`` (earlier wordings), or when one of those equals the header's
    item part (:func:`header_item`). With ``strict``, a
    ``columns`` or ``rankings`` header that is not in the export, and a
    header that two columns would claim, raise :class:`StructuralError`.
    """
    where = path or Path(profile.file)
    norms = [normalise_question(h) for h in headers]
    drop = {normalise_question(d) for d in profile.drop}
    dropped = tuple(i for i, n in enumerate(norms) if n and n in drop)
    for wanted in profile.drop:
        if normalise_question(wanted) not in norms:
            log.debug("%s: drop %r: no such header", where, wanted)
    available = [i for i in range(len(headers)) if i not in dropped and norms[i]]
    columns: dict[str, int] = {}
    how: dict[str, str] = {}
    taken: set[int] = set()

    def find(header: str, key: str) -> int | None:
        hits = [i for i in available if norms[i] == normalise_question(header)]
        if not hits:
            if any(norms[i] == normalise_question(header) for i in dropped):
                raise StructuralError(f"{profile.where}: {key}: {header!r} is also listed under drop (personal "
                                      "data is never read); remove it from one of the two")
            if strict:
                close = ", ".join(repr(h) for h in _closest(header, [headers[i] for i in available], 3))
                raise StructuralError(f"{profile.where}: {key}: no header {header!r} in {where.name}; "
                                      f"closest headers: {close or 'none'}")
            return None
        return hits[0]

    for column, header in profile.columns.items():
        position = find(header, f"columns: {column}")
        if position is not None:
            columns[column], how[column] = position, "profile"
            taken.add(position)
    rankings: dict[str, int] = {}
    for name, ranking in profile.rankings.items():
        position = find(ranking.header, f"rankings: {name}: header")
        if position is not None:
            rankings[name] = position
            taken.add(position)
            for member in instrument.rank_sets[name]:
                how[member] = "ranking"
    items = [normalise_question(it) if (it := header_item(h)) is not None else None for h in headers]
    claims: dict[int, list[str]] = {}
    for col in instrument.columns:
        if col.name in columns or col.name in how:
            continue
        wordings = {normalise_question(w) for w in (col.label, *col.aliases) if w}
        free = [i for i in available if i not in taken]
        candidates = ([i for i in free if norms[i] == normalise_question(col.name)],
                      [i for i in free if norms[i] in wordings],
                      [i for i in free if items[i] is not None and items[i] in wordings])
        best = next(((p, hits) for p, hits in enumerate(candidates) if hits), None)
        if best is None:
            continue
        priority, hits = best
        if len(hits) > 1 and strict:
            names = ", ".join(repr(headers[i]) for i in hits)
            raise StructuralError(f"{where}: headers {names} all match column {col.name} of {instrument.name}; "
                                  f"say which one under columns: in a profile ({col.name}: ...)")
        columns[col.name] = hits[0]
        how[col.name] = ("name", "label", "item")[priority]
        claims.setdefault(hits[0], []).append(col.name)
    for position, names in claims.items():
        if len(names) > 1 and strict:
            raise StructuralError(f"{where}: header {headers[position]!r} matches columns {', '.join(names)} of "
                                  f"{instrument.name}; say which under columns: in a profile")
    used = set(columns.values()) | set(rankings.values())
    unmatched = tuple(i for i in range(len(headers)) if i not in used and i not in dropped)
    return HeaderMatch(tuple(headers), columns, how, rankings, dropped, unmatched)


def _categorical(values: pd.Series) -> pd.Series:
    """A column as a categorical of its texts. Categories left unused by the header rows stay: every
    step works per category and reads rows through the codes, and dropping them costs a sort per column."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values
    return values.astype(str).astype("category")


def _per_value(series: pd.Series, func) -> pd.Series:
    """Apply ``func`` to every distinct text of a categorical column; a categorical again."""
    cats = series.cat.categories.astype(str)
    new = np.array([func(v) for v in cats], dtype=object)
    if len(new) == 0:
        return series
    new_codes, uniques = pd.factorize(new)
    codes = series.cat.codes.to_numpy()
    return pd.Series(pd.Categorical.from_codes(new_codes[codes], categories=pd.Index(uniques, dtype=object)),
                     index=series.index)


def _rank_columns(series: pd.Series, members: tuple[str, ...], labels: dict[str, str],
                  separator: str) -> dict[str, pd.Series]:
    """Spread a one-cell ranking over its rank columns (rank 1 = first option listed)."""
    lookup = {}
    for member in members:
        lookup[normalise_question(member)] = member
        if labels.get(member):
            lookup[normalise_question(labels[member])] = member
    split_on = separator.strip() or separator
    cats = series.cat.categories.astype(str)
    table = np.empty((len(members), len(cats)), dtype=object)
    for k, cell in enumerate(cats):
        text = cell.strip()
        if text.endswith(split_on):
            text = text[: -len(split_on)].strip()
        if not text:
            table[:, k] = ""
            continue
        ranks: dict[str, str] = {}
        for position, part in enumerate(text.split(split_on), 1):
            member = lookup.get(normalise_question(part))
            if member is not None:
                ranks[member] = str(position)
        if not ranks:  # nothing recognisable: validation logs the cell as it was written
            table[:, k] = cell
            continue
        table[:, k] = [ranks.get(m, "") for m in members]
    codes = series.cat.codes.to_numpy()
    out = {}
    for m, member in enumerate(members):
        new_codes, uniques = pd.factorize(table[m])
        if len(uniques) == 0:
            uniques, new_codes = np.array([""], dtype=object), np.zeros(0, dtype=np.int64)
        out[member] = pd.Series(pd.Categorical.from_codes(new_codes[codes], categories=pd.Index(uniques,
                                                                                                dtype=object)),
                                index=series.index)
    return out


def _check_line_breaks(grid: Grid, data_rows: np.ndarray, positions: dict[str, int], frame_columns: list,
                       instrument: Instrument, headers: list[str]) -> None:
    """A line break inside a cell of a column that is not free text is a stray quote: refuse (exit 2)."""
    if grid.line_breaks is None:
        return
    first = None
    for name, position in positions.items():
        col = instrument.column(name)
        if col.type == "free_text":
            continue
        series = grid.frame.iloc[data_rows, position]
        cats = series.cat.categories.astype(str)
        broken = np.asarray(cats.str.contains("\n", regex=False) | cats.str.contains("\r", regex=False))
        if not broken.any():
            continue
        rows = np.flatnonzero(broken[series.cat.codes.to_numpy()])
        if len(rows) and (first is None or rows[0] < first[0]):
            first = (int(rows[0]), name, position)
    if first is None:
        return
    row, name, position = first
    grid_row = int(data_rows[row])
    cells = [str(grid.frame.iat[grid_row, j]) for j in range(position)]
    line = grid.start_line(grid_row) + sum(c.count("\n") + c.count("\r") - c.count("\r\n") for c in cells)
    cell = str(grid.frame.iat[grid_row, position])
    spans = cell.count("\n") + cell.count("\r") - cell.count("\r\n")
    raise StructuralError(
        f"{grid.path}: line {line}, column {name} (header {headers[position]!r}): a cell runs on over "
        f"{spans + 1} lines. A line break cannot be an answer to this question: a double quote (\") at the start "
        f"of the cell on line {line} opens a quoted cell that swallows the rows below it. Remove that stray quote "
        "(or close it) and run again")


def read_source(source: Source, codebook: Codebook | None) -> RawTable:
    """Read one export through its profile into the canonical table.

    Parameters
    ----------
    source : Source
        From :func:`find_sources` or :func:`default_source`.
    codebook : Codebook or None
        ``None``: no header matching (columns as written, e.g. for tests of
        reading alone).

    Returns
    -------
    RawTable
        One row per data row (rows after the last header row, skipped rows
        left out); matched columns under their codebook names, the export's
        other columns under their own headers, ``drop`` columns gone.

    Raises
    ------
    StructuralError
        Unreadable file, header cells merged or blank over answers, repeated
        headers, a profile header not in the export, a required column not
        found, or a stray quote (a line break in a cell that cannot hold one).
    """
    profile = source.profile
    grid = read_grid(source.path, sheet=profile.sheet, encoding=profile.encoding, delimiter=profile.delimiter)
    _check_merged(grid, profile)
    headers = _header(grid, profile)
    last_header = max(profile.header_rows)
    skip = {r - 1 for r in profile.skip_rows}
    n = len(grid.frame)
    if skip:
        data_rows = np.array([r for r in range(last_header, n) if r not in skip], dtype=np.int64)
    else:
        data_rows = np.arange(last_header, n, dtype=np.int64)
    contiguous = not skip
    body = grid.frame.iloc[last_header:] if contiguous else grid.frame.iloc[data_rows]
    # Blank headers: a column without a header but with answers cannot be read (its answers would be lost).
    keep_positions = []
    for j, header in enumerate(headers):
        if header.strip():
            keep_positions.append(j)
            continue
        column = body.iloc[:, j]
        answered = column.astype(str).str.strip().ne("").any() if len(column) else False
        if answered:
            row = profile.header_rows[-1] - 1
            where = f"cell {cell_name(row, j)}" if grid.encoding == "xlsx" else \
                f"column {j + 1} of header row {row + 1}"
            raise StructuralError(
                f"{grid.path}: {where} of the header is blank, but the column under it holds answers; "
                "give the column its header (or, for a header over several rows, list them in a profile: "
                "header_rows: [1, 2])")
    data_lines = len(data_rows) + (int(grid.line_breaks[data_rows].sum()) if grid.line_breaks is not None else 0)
    inst = codebook.instruments[source.instrument] if codebook is not None else None
    if inst is None:
        match = HeaderMatch(tuple(headers), {}, {}, {}, (), tuple(keep_positions))
    else:
        match = match_headers(headers, inst, profile, path=source.path)
    dropped = set(match.dropped)
    positions = [j for j in keep_positions if j not in dropped and j not in match.rankings.values()]
    # A header that already is the column's name stays as written (a canonical file's quarantine is verbatim).
    name_at = {j: headers[j] if normalise_header(headers[j]) == c else c for c, j in match.columns.items()}
    names = [name_at.get(j, headers[j]) for j in positions]
    seen: dict[str, str] = {}
    for j, name in zip(positions, names, strict=True):
        key = normalise_header(name)
        if key in seen:
            raise StructuralError(f"{grid.path}: column(s) {key} appear more than once"
                                  + (f" (headers {seen[key]!r} and {headers[j]!r})" if seen[key] != headers[j] else ""))
        seen[key] = headers[j]
    if inst is not None:
        _check_line_breaks(grid, data_rows, match.columns, names, inst, headers)
    frame = pd.DataFrame({k: body.iloc[:, j] for k, j in enumerate(positions)})
    frame.columns = names
    frame = frame.reset_index(drop=True)
    if grid.is_text:
        for k in range(frame.shape[1]):
            frame.isetitem(k, _categorical(frame.iloc[:, k]))
    if inst is not None:
        for name, position in match.rankings.items():
            members = inst.rank_sets[name]
            cell = _categorical(body.iloc[:, position].reset_index(drop=True).astype(str)
                                if not grid.is_text else body.iloc[:, position].reset_index(drop=True))
            labels = {m: inst.column(m).label for m in members}
            spread = _rank_columns(cell, members, labels, profile.rankings[name].separator)
            for member, series in spread.items():
                frame[member] = series if grid.is_text else series.astype(str)
        in_frame = {c: name_at[j] for c, j in match.columns.items()}
        in_frame.update({m: m for r in match.rankings for m in inst.rank_sets[r]})
        for col in inst.columns:
            if col.name not in in_frame:
                continue
            mapping = profile.values.get(col.name) or (profile.values.get(col.scale) if col.scale else None)
            if not mapping:
                continue
            series = _categorical(frame[in_frame[col.name]])
            mapped = _per_value(series, lambda v, m=mapping: m.get(normalise_token(v), v))
            frame[in_frame[col.name]] = mapped if grid.is_text else mapped.astype(str)
        missing = [c for c in inst.required if c not in in_frame]
        if missing:
            shown = [headers[j] for j in match.unmatched if headers[j].strip()]  # not matched, not dropped
            details = []
            for name in missing:
                col = inst.column(name)
                close = ", ".join(repr(h) for h in _closest(col.label or name, shown, 3))
                details.append(f"{name} ({col.label or name!r}; closest headers: {close or 'none'})")
            plural = "s" if len(missing) > 1 else ""
            hint = (f"add it under columns: in {profile.where}" if profile.path else
                    f"rename the header, or read the file through a profile ({source.instrument}.profile.yml "
                    f"with columns: {missing[0]}: <the header>)")
            raise StructuralError(f"{source.path}: required column{plural} {', '.join(missing)} missing: "
                                  f"{'; '.join(details)}; {hint}")
        log.log(logging.INFO if profile.path else logging.DEBUG,
                "%s: %d column(s) matched to %s (%s), %d dropped, %d other", source.path.name, len(match.columns)
                 + sum(len(inst.rank_sets[r]) for r in match.rankings), source.instrument,
                 profile.path.name if profile.path else "no profile", len(match.dropped), len(match.unmatched))
    return RawTable(source.instrument, source.path, frame, grid.encoding, grid.sha256, data_lines, profile.path)


# -- drafting a profile -----------------------------------------------------------------------------

def draft_profile(path: Path, instrument: str, codebook: Codebook, *, preset: str | None = None) -> str:
    """The text of a draft profile for one export: what matched, and ``# TODO`` for required columns that did not.

    Raises
    ------
    StructuralError
        Unknown instrument or preset, or an unreadable file.
    """
    path = Path(path)
    if instrument not in codebook.instruments:
        raise StructuralError(f"--instrument {instrument!r}: unknown{_suggest(instrument, list(codebook.instruments))}")
    if preset is not None and preset not in PRESETS:
        raise StructuralError(f"--preset {preset!r}: unknown{_suggest(preset, PRESETS)}")
    inst = codebook.instruments[instrument]
    settings = PRESETS.get(preset, {})
    profile = Profile(instrument=instrument, file=path.name, preset=preset,
                      header_rows=tuple(settings.get("header_rows", [1])),
                      skip_rows=tuple(settings.get("skip_rows", [])), drop=tuple(settings.get("drop", [])),
                      columns=dict(settings.get("columns", {})))
    grid = read_grid(path)
    headers = _header(grid, profile)
    match = match_headers(headers, inst, profile, path=path, strict=False)
    quote = _yaml_text
    lines = [f"# Draft profile for {path.name}, written by minipolice profile init: check it, fill in the TODOs.",
             f"instrument: {instrument}", f"file: {quote(path.name)}"]
    if preset:
        lines.append(f"preset: {preset}")
    if not preset or settings.get("header_rows") is None:
        lines.append("header_rows: [1]")
    lines.append("columns:")
    found = 0
    for col in inst.columns:
        if col.name in match.columns:
            found += 1
            how = match.how[col.name]
            comment = "" if how == "profile" else f"  # matched by {how}"
            lines.append(f"  {col.name}: {quote(headers[match.columns[col.name]])}{comment}")
    for col in inst.columns:
        if col.required and col.name not in match.columns:
            close = _closest(col.label or col.name, [headers[i] for i in match.unmatched], 3)
            hint = f" (closest headers: {', '.join(close)})" if close else ""
            lines.append(f"  # TODO {col.name}: <the export's header for {col.label or col.name}>{hint}")
    for name, members in inst.rank_sets.items():
        if not any(m in match.columns for m in members):
            separator = settings.get("separator", ";")
            lines.append(f"# TODO if the export has the ranking question as one cell:\n# rankings:\n"
                         f"#   {name}: {{header: \"<its header>\", separator: \"{separator}\"}}")
    if match.dropped:
        lines.append("# Dropped (personal data, never read): " + ", ".join(headers[i] for i in match.dropped))
    lines.append("# Headers not matched (kept as extra columns; list personal data under drop:):")
    for i in match.unmatched:
        lines.append(f"#   {headers[i]}")
    log.info("%s: %d of %d columns of %s matched", path.name, found, len(inst.columns), instrument)
    return "\n".join(lines) + "\n"


def _yaml_text(text: str) -> str:
    return yaml.safe_dump(text, default_style='"', width=10_000).strip()



# -- the dry run ------------------------------------------------------------------------------------

def describe(source: Source, codebook: Codebook) -> HeaderMatch:
    """The header matching of one source, as :func:`read_source` does it (for ``profile check``)."""
    profile = source.profile
    grid = read_grid(source.path, sheet=profile.sheet, encoding=profile.encoding, delimiter=profile.delimiter)
    headers = _header(grid, profile)
    return match_headers(headers, codebook.instruments[source.instrument], profile, path=source.path)


def check_report(data_dir: Path, codebook: Codebook) -> str:
    """What ``process`` would read from ``data_dir``, as text; writes nothing.

    For every instrument: the file and profile, the header -> column table,
    the headers dropped and not matched, the codebook columns not found,
    the answers outside their scale, and the rows read, kept and
    quarantined.

    Raises
    ------
    StructuralError
        Exactly where ``process`` would (exit status 2).
    """
    from helpers.core.pipeline import check_rows_kept, read_inputs
    from helpers.core.validation import validate_table

    data_dir = Path(data_dir)
    raws = read_inputs(data_dir, codebook)
    results = {name: validate_table(raw, codebook.instruments[name], codebook) for name, raw in raws.items()}
    check_rows_kept(raws, results)
    sources = find_sources(data_dir, codebook)
    lines = []
    for name, raw in raws.items():
        res = results[name]
        match = describe(sources[name], codebook)
        headers = match.headers
        lines.append(f"{name}: {raw.path.name} ({'profile ' + raw.profile.name if raw.profile else 'no profile'}, "
                     f"{raw.encoding})")
        lines.append(f"  rows: {res.raw_rows} read ({raw.data_lines} data lines), {len(res.clean)} kept, "
                     f"{len(res.quarantine)} quarantined")
        lines.append("  header -> column:")
        for col in codebook.instruments[name].columns:
            if col.name in match.columns:
                lines.append(f"    {headers[match.columns[col.name]]!r} -> {col.name} ({match.how[col.name]})")
        for rank_set, position in match.rankings.items():
            members = ", ".join(codebook.instruments[name].rank_sets[rank_set])
            lines.append(f"    {headers[position]!r} -> {members} (ranking in one cell)")
        if match.dropped:
            lines.append("  dropped (personal data, never read): " + ", ".join(repr(headers[i]) for i in match.dropped))
        if match.unmatched:
            lines.append("  headers not matched (kept as extra columns): "
                         + ", ".join(repr(headers[i]) for i in match.unmatched if headers[i].strip()))
        if res.missing_columns:
            lines.append("  columns not found (reported as not collected): " + ", ".join(res.missing_columns))
        log_rows = res.log[res.log["problem"].astype(str).str.startswith(("not a code", "unknown code",
                                                                           "unknown force"))]
        if len(log_rows):
            lines.append("  answers outside their scale:")
            for column, group in log_rows.groupby("column", sort=True):
                counts = group["value"].astype(str).value_counts()
                shown = ", ".join(f"{value!r} ({count})" for value, count in counts.head(5).items())
                lines.append(f"    {column}: {shown}")
    return "\n".join(lines) + "\n"
