"""Checking raw rows against the codebook: nothing lost, nothing silent.

One job: turn a :class:`~helpers.core.loading.RawTable` into a typed, clean table,
a quarantine of rows whose identity is unusable, and a log with one row per
event (docs/contract.md section 3):

* a missing *required* column is structural: :class:`StructuralError`
  (exit 2) before anything is written;
* a missing optional column is logged once (``missing_column``) and its
  measures are reported as not collected;
* an extra column is logged once (``ignored_column``) and kept out;
* a bad cell (unknown code, out of range, not an integer, answered but not
  applicable, broken rank permutation) becomes missing (``set_missing``);
* a row whose identity is unusable (id empty or repeated, identity column
  such as ``force`` or the group column missing or invalid, an empty row) is
  copied verbatim to the quarantine (``quarantined``); the first occurrence
  of a repeated id stays.

For every instrument, raw rows = clean rows + quarantined rows; the result
object checks this itself.

Work is vectorised: each distinct raw value is matched once, so a million
rows cost little more than a thousand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core.codebook import Codebook, Column, Instrument
from helpers.core.loading import RawTable, StructuralError, normalise_header

__all__ = ["LOG_COLUMNS", "NONE_VALID_MIN", "ValidationResult", "check_structure", "validate_table"]

log = logging.getLogger(__name__)

#: Columns of ``validation_log.csv`` (docs/contract.md section 3).
LOG_COLUMNS = ["instrument", "row", "respondent_id", "column", "value", "problem", "action"]

#: A coded column with at least this many answers, none valid, is refused (docs/contract.md section 7).
NONE_VALID_MIN = 20

#: Name of the column that carries the 1-based raw row number in clean tables.
ROW_COLUMN = "raw_row"

#: Optional design columns of a survey asked more than once (docs/waves-and-years.md).
LINK_KEY, WAVE, YEAR = "child_key", "wave", "year"


@dataclass(frozen=True)
class ValidationResult:
    """What validation made of one raw file.

    Attributes
    ----------
    instrument : str
    clean : pandas.DataFrame
        Kept rows, one column per codebook column (missing optional columns
        present but empty) plus ``raw_row``; coded columns are ordered
        categoricals of the scale codes, integers and flags ``Int64``, text
        ``string``.
    quarantine : pandas.DataFrame
        Quarantined rows exactly as read (all columns, as strings).
    log : pandas.DataFrame
        Events with columns :data:`LOG_COLUMNS`.
    raw_rows : int
    missing_columns : tuple of str
        Optional codebook columns absent from the file (not collected).
    """

    instrument: str
    clean: pd.DataFrame
    quarantine: pd.DataFrame
    log: pd.DataFrame
    raw_rows: int
    missing_columns: tuple[str, ...]

    def check_accounting(self) -> None:
        """Raise ``RuntimeError`` unless raw rows = kept rows + quarantined rows."""
        kept, quarantined = len(self.clean), len(self.quarantine)
        if kept + quarantined != self.raw_rows:
            raise RuntimeError(
                f"{self.instrument}: {self.raw_rows} raw rows but {kept} kept + "
                f"{quarantined} quarantined; rows were lost"
            )


def check_structure(raw: RawTable, instrument: Instrument) -> dict[str, str]:
    """Match the file's headers to the codebook; fail on a missing required column.

    Returns
    -------
    dict
        Codebook column name -> header as written in the file, for the
        columns the file has.

    Raises
    ------
    StructuralError
        Naming the file and every missing required column.
    """
    by_norm = {normalise_header(h): h for h in raw.frame.columns}
    present = {c: by_norm[c] for c in instrument.column_names if c in by_norm}
    missing = [c for c in instrument.required if c not in present]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise StructuralError(
            f"{raw.path}: required column{plural} {', '.join(missing)} missing "
            f"(the file has: {', '.join(map(str, raw.frame.columns)) or 'no columns'})"
        )
    return present


class _Values:
    """One raw column, factorised: every distinct value is stripped and matched once.

    ``codes[i]`` is the position in ``text`` (the cell as written) and
    ``stripped`` (the cell without surrounding spaces) of row ``i``.
    """

    def __init__(self, series: pd.Series):
        if isinstance(series.dtype, pd.CategoricalDtype) and not series.isna().any():
            codes, uniques = series.cat.codes.to_numpy(), series.cat.categories.astype(str)  # factorised already
        else:
            codes, uniques = pd.factorize(series.astype(str), use_na_sentinel=False)
            uniques = pd.Index(uniques)
        self.codes = codes
        self.text = np.asarray(uniques, dtype=object)
        self.stripped = np.asarray(pd.Series(uniques).str.strip(), dtype=object)
        self.answered = (self.stripped != "")[codes]

    def per_value(self, func) -> np.ndarray:
        """``func`` of every distinct stripped value (object array, one entry per distinct value)."""
        out = np.empty(len(self.stripped), dtype=object)
        out[:] = [func(v) for v in self.stripped]
        return out

    def full(self, per_value: np.ndarray) -> np.ndarray:
        """A per-value array spread back over the rows."""
        return per_value[self.codes]

    def stripped_at(self, rows: np.ndarray) -> np.ndarray:
        return self.stripped[self.codes[rows]]

    def text_at(self, rows: np.ndarray) -> np.ndarray:
        return self.text[self.codes[rows]]

    def strings(self) -> pd.Series:
        """The stripped cells as a ``string`` Series, empty cells missing."""
        uniques = self.stripped.copy()
        uniques[uniques == ""] = None
        return pd.Series(pd.array(uniques, dtype="string").take(self.codes))


def _events(instrument: str, rows: np.ndarray, ids: np.ndarray, column: str, values: np.ndarray,
            problem: str, action: str) -> pd.DataFrame:
    """Build log rows for the raw rows ``rows`` (0-based positions); ``ids``/``values`` are at those rows."""
    return pd.DataFrame(
        {
            "instrument": instrument,
            "row": np.asarray(rows) + 1,
            "respondent_id": ids,
            "column": column,
            "value": values,
            "problem": problem,
            "action": action,
        }
    )


def _parse_int(text: str) -> int | None | str:
    """Parse an integer cell: ``None`` if empty, the int, or ``"bad"``."""
    text = text.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return "bad"
    if not np.isfinite(number) or not number.is_integer():
        return "bad"
    return int(number)


_FLAG_VALUES = {"0": 0, "1": 1, "0.0": 0, "1.0": 1}

#: Whole numbers outside this range cannot be stored (Int64) and are out of range whatever the codebook says.
_INT64_LIMIT = 2**63 - 1


def _group_ids(per_value: np.ndarray, codes: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Row ids of equal values (-1 where not ``valid``): repeats found without comparing strings per row."""
    ids, _ = pd.factorize(pd.Series(per_value, dtype=object), use_na_sentinel=True)
    ids = ids[codes]
    return np.where(valid & (ids >= 0), ids, -1)


class _Validator:
    """Validation of one table (private; use :func:`validate_table`)."""

    def __init__(self, raw: RawTable, instrument: Instrument, codebook: Codebook):
        self.raw = raw
        self.inst = instrument
        self.cb = codebook
        self.present = check_structure(raw, instrument)
        frame = raw.frame
        self.values = {c: _Values(frame[h]) for c, h in self.present.items()}
        n = len(frame)
        self.n = n
        id_col = instrument.id
        self.id_values = self.values.get(id_col)
        self.events: list[pd.DataFrame] = []
        self.quarantined = np.zeros(n, dtype=bool)
        self.matched: dict[str, np.ndarray] = {}
        self.check_coded()

    def _ids_at(self, rows: np.ndarray) -> np.ndarray:
        if self.id_values is None:
            return np.full(len(rows), "", dtype=object)
        return self.id_values.stripped_at(rows)

    def check_coded(self) -> None:
        """Refuse a coded column with many answers of which none is valid: the export needs an answer map.

        At least :data:`NONE_VALID_MIN` non-empty answers, not one a code or
        label of the column's scale, means the tool exported something else
        (numbers, another wording); blanking them all would report the
        question as unanswered while claiming success.
        """
        for col in self.inst.columns:
            if col.type != "coded" or col.name not in self.values:
                continue
            values = self.values[col.name]
            per_value = self._match(col, values)
            self.matched[col.name] = per_value
            answered = int(values.answered.sum())
            if answered < NONE_VALID_MIN:
                continue
            valid = np.array([v is not None for v in per_value], dtype=bool)[values.codes] & values.answered
            if valid.any():
                continue
            scale = self.cb.scales[col.scale]
            seen = sorted({v for v in values.stripped[values.codes[values.answered]] if v},
                          key=lambda v: (not v.isdigit(), int(v) if v.isdigit() else 0, v))
            if all(v.isdigit() for v in seen):  # numbers: the usual export of positions 1..k on the scale
                example = ", ".join(f'"{k}": {code}' for k, code in enumerate(scale.codes, 1))
            else:
                example = ", ".join(f'"{a}": {c}' for a, c in zip(seen, scale.codes, strict=False))
            where = f"the profile {self.raw.profile}" if self.raw.profile else \
                f"a profile ({self.inst.name}.profile.yml beside the file)"
            raise StructuralError(
                f"{self.raw.path}: column {col.name}: {answered} answers and none of them is a code or label of "
                f"scale {col.scale} (e.g. {seen[0]!r}{', ' + repr(seen[1]) if len(seen) > 1 else ''}); "
                f"say what the answers mean with a values map in {where}, e.g. "
                f"values: {{{col.scale}: {{{example}}}}} (check the order against the questionnaire)")

    # -- column-level events ------------------------------------------------
    def column_events(self) -> tuple[str, ...]:
        known = set(self.inst.column_names)
        extra = [h for h in self.raw.frame.columns if normalise_header(h) not in known]
        # Design columns (wave, year, child_key) absent mean one cross-sectional survey, not a measure missing.
        missing = tuple(c.name for c in self.inst.columns if c.name not in self.present and not c.design)
        rows = []
        for header in extra:
            rows.append([self.inst.name, None, None, header, None, "column not in the codebook", "ignored_column"])
        for name in missing:
            rows.append([self.inst.name, None, None, name, None, "column not in the file; not collected",
                         "missing_column"])
        if extra:
            log.info("%s: %d column(s) not in the codebook, ignored: %s", self.raw.path.name, len(extra),
                     ", ".join(map(str, extra)))
        if missing:
            log.warning("%s: %d optional column(s) missing, reported as not collected: %s",
                        self.raw.path.name, len(missing), ", ".join(missing))
        if rows:
            self.events.append(pd.DataFrame(rows, columns=LOG_COLUMNS))
        return missing

    # -- identity ------------------------------------------------------------
    def _quarantine(self, mask: np.ndarray, column: str, values_at, problem: str) -> None:
        new = mask & ~self.quarantined
        if new.any():
            rows = np.flatnonzero(new)
            self.events.append(_events(self.inst.name, rows, self._ids_at(rows), column, values_at(rows), problem,
                                       "quarantined"))
            self.quarantined |= new

    def identity(self) -> None:
        """Quarantine rows with unusable identity; keep the matched identity values."""
        if self.values:
            all_empty = ~np.logical_or.reduce([v.answered for v in self.values.values()])
            if all_empty.any():
                self._quarantine(all_empty, "", lambda rows: np.full(len(rows), "", dtype=object), "empty row")
        key_ids = None
        for col in self.inst.columns:
            if not col.identity or col.name not in self.values:
                continue
            values = self.values[col.name]
            if col.type == "id":
                self._quarantine(~values.answered, col.name, values.stripped_at, f"{col.name} empty")
                if col.name == self.inst.id:
                    key_ids = _group_ids(values.stripped, values.codes, values.answered)
                continue
            per_value = self.matched.get(col.name)
            if per_value is None:
                per_value = self._match(col, values)
            self.matched[col.name] = per_value
            self._quarantine(~values.answered, col.name, values.stripped_at, f"{col.name} missing")
            unmatched = np.array([v is None for v in per_value], dtype=bool)[values.codes]
            bad = values.answered & unmatched
            what = "unknown force" if col.type == "force" else f"unknown code for {col.name}"
            self._quarantine(bad, col.name, values.stripped_at, what)
            if col.name == self.inst.id:
                key_ids = _group_ids(per_value, values.codes, values.answered)
        # Repeated ids: the first occurrence stays. The census is keyed by force.
        if key_ids is not None:
            seen = key_ids >= 0
            dup = seen & pd.Series(key_ids).duplicated(keep="first").to_numpy()
            self._quarantine(dup, self.inst.id, self.values[self.inst.id].stripped_at,
                             f"{self.inst.id} repeated")

    # -- cells ---------------------------------------------------------------
    def _match(self, col: Column, values: _Values) -> np.ndarray:
        """Per distinct value: the canonical force or scale code, ``None`` where nothing matches."""
        if col.type == "force":
            return values.per_value(lambda v: self.cb.match_force(v) if v else None)
        if col.type == "coded":
            scale = self.cb.scales[col.scale]
            return values.per_value(lambda v: scale.match(v) if v else None)
        raise ValueError(col.type)

    def _set_missing(self, mask: np.ndarray, col: Column, problem: str) -> None:
        mask = mask & ~self.quarantined
        if mask.any():
            rows = np.flatnonzero(mask)
            self.events.append(_events(self.inst.name, rows, self._ids_at(rows), col.name,
                                       self.values[col.name].text_at(rows), problem, "set_missing"))

    def cell(self, col: Column):
        """Return the typed clean values of one column, logging bad cells."""
        if col.name not in self.values:
            return self._empty(col)
        values = self.values[col.name]
        answered = values.answered
        if col.type in ("force", "coded"):
            per_value = self.matched.get(col.name)
            if per_value is None:
                per_value = self._match(col, values)
            unmatched = np.array([v is None for v in per_value], dtype=bool)[values.codes]
            problem = "unknown force" if col.type == "force" else f"not a code of scale {col.scale}"
            self._set_missing(answered & unmatched, col, problem)
            if col.type == "coded":
                scale = self.cb.scales[col.scale]
                position = {code: i for i, code in enumerate(scale.codes)}
                codes = np.array([-1 if v is None else position[v] for v in per_value], dtype=np.int64)
                return pd.Categorical.from_codes(codes[values.codes], categories=scale.codes,
                                                 ordered=scale.level == "ordinal")
            return pd.Series(values.full(per_value)).astype("string")
        if col.type == "integer":
            parsed = values.per_value(_parse_int)
            bad_value = np.array([isinstance(v, str) for v in parsed], dtype=bool)
            self._set_missing(bad_value[values.codes], col, "not a whole number")
            low = col.min if col.min is not None else -np.inf
            high = col.max if col.max is not None else np.inf
            number = np.zeros(len(parsed), dtype=np.int64)
            present = np.zeros(len(parsed), dtype=bool)
            out_of_range = np.zeros(len(parsed), dtype=bool)
            for i, v in enumerate(parsed):
                if v is None or isinstance(v, str):
                    continue
                if v < low or v > high or abs(v) > _INT64_LIMIT:
                    out_of_range[i] = True
                else:
                    number[i], present[i] = v, True
            rng = f"{col.min if col.min is not None else ''}-{col.max if col.max is not None else ''}"
            self._set_missing(out_of_range[values.codes], col,
                              f"out of range {rng.strip('-') if col.max is None else rng}")
            return pd.arrays.IntegerArray(number[values.codes], ~present[values.codes])
        if col.type == "flag":
            flags = values.per_value(lambda v: _FLAG_VALUES.get(v.casefold()) if v else None)
            unknown = np.array([f is None for f in flags], dtype=bool)
            self._set_missing(answered & unknown[values.codes], col, "flag must be 0 or 1")
            number = np.array([0 if f is None else f for f in flags], dtype=np.int64)
            return pd.arrays.IntegerArray(number[values.codes], unknown[values.codes])
        if col.type in ("id", "identifier", "free_text"):
            if col.required and col.type == "identifier":
                self._set_missing(~answered, col, f"{col.name} empty")
            return values.strings()
        raise ValueError(f"codebook: unknown column type {col.type!r}")

    def _empty(self, col: Column):
        if col.type == "coded":
            scale = self.cb.scales[col.scale]
            return pd.Categorical([None] * self.n, categories=scale.codes, ordered=scale.level == "ordinal")
        if col.type in ("integer", "flag"):
            return pd.array([pd.NA] * self.n, dtype="Int64")
        return pd.array([pd.NA] * self.n, dtype="string")

    def applicability(self, clean: pd.DataFrame) -> None:
        """Blank answers from respondents who were not asked the question."""
        asked_by: dict[tuple, np.ndarray] = {}  # many columns share one condition
        for col in self.inst.columns:
            if not col.applies_if or col.name not in self.values:
                continue
            condition = tuple(sorted(col.applies_if.items()))
            if condition not in asked_by:
                asked = np.ones(self.n, dtype=bool)
                for cond_col, code in condition:
                    asked &= clean[cond_col].astype("object").eq(code).fillna(False).to_numpy(dtype=bool)
                asked_by[condition] = asked
            asked = asked_by[condition]
            wrong = clean[col.name].notna().to_numpy(dtype=bool) & ~asked
            conditions = ", ".join(f"{k} = {v}" for k, v in col.applies_if.items())
            self._set_missing(wrong, col, f"not applicable (asked only if {conditions})")
            if wrong.any():
                clean.loc[wrong, col.name] = pd.NA

    def ranks(self, clean: pd.DataFrame) -> None:
        """Blank a rank set that is not a permutation of 1..k (nor all empty)."""
        for members in self.inst.rank_sets.values():
            cols = [c for c in members if c in self.present]
            if len(cols) != len(members):
                continue
            block = clean[list(members)]
            raw_answered = np.logical_or.reduce([self.values[c].answered for c in members])
            k = len(members)
            ok = block.notna().all(axis=1).to_numpy(dtype=bool, copy=True)
            values = block.fillna(0).astype("int64").to_numpy()
            perm = np.sort(values, axis=1) == np.arange(1, k + 1)
            ok &= perm.all(axis=1)
            broken = raw_answered & ~ok
            for c in members:
                col = self.inst.column(c)
                self._set_missing(broken & self.values[c].answered, col, f"ranks are not a permutation of 1-{k}")
            if broken.any():
                clean.loc[broken, list(members)] = pd.NA

    def linked_answers(self, clean: pd.DataFrame) -> None:
        """Check answers linked by a pseudonymous key across survey waves (docs/waves-and-years.md).

        A key answered twice in the same wave and year is quarantined (the first
        answer stays); a key whose group (the codebook's ``groups.by`` column) or school differs
        between its answers is kept and noted in the log (action ``noted``).
        """
        if LINK_KEY not in self.values:
            return
        key = clean[LINK_KEY].astype("object")
        has_key = key.notna().to_numpy(dtype=bool) & ~self.quarantined
        if not has_key.any():
            return
        wave = clean[WAVE].astype("object") if WAVE in clean else pd.Series(None, index=clean.index, dtype=object)
        year = clean[YEAR].astype("object") if YEAR in clean else pd.Series(None, index=clean.index, dtype=object)
        frame = pd.DataFrame({"key": key, "wave": wave.fillna(""), "year": year.fillna("").astype(str)})
        repeated = np.zeros(self.n, dtype=bool)
        repeated[np.flatnonzero(has_key)] = frame[has_key].duplicated(keep="first").to_numpy()
        self._quarantine(repeated, LINK_KEY, self.values[LINK_KEY].stripped_at,
                         f"{LINK_KEY} repeated in the same wave and year")
        kept = has_key & ~self.quarantined
        for column in (self.inst.groups.get("by"), "school_id"):  # the group column, when the instrument has one
            if column is None or column not in clean:
                continue
            sub = pd.DataFrame({"key": key.to_numpy(), "value": clean[column].astype("object").to_numpy()})[kept]
            differs = sub.groupby("key")["value"].transform("nunique").to_numpy() > 1
            rows = np.flatnonzero(kept)[differs]
            if len(rows):
                log.warning("%s: %d answers linked by %s whose %s differs between waves (kept; see the log)",
                            self.raw.path.name, len(rows), LINK_KEY, column)
                self.events.append(_events(self.inst.name, rows, self._ids_at(rows), column,
                                           self.values[column].text_at(rows) if column in self.values
                                           else np.full(len(rows), "", dtype=object),
                                           f"{column} differs between the answers linked by {LINK_KEY}", "noted"))

    def run(self) -> ValidationResult:
        missing = self.column_events()
        self.identity()
        clean = pd.DataFrame({ROW_COLUMN: np.arange(1, self.n + 1)}, index=self.raw.frame.index)
        for col in self.inst.columns:
            clean[col.name] = self.cell(col)
        self.applicability(clean)
        self.ranks(clean)
        self.linked_answers(clean)
        keep = ~self.quarantined
        clean = clean[keep].reset_index(drop=True)
        quarantine = self.raw.frame[self.quarantined].astype(str).reset_index(drop=True)
        events = pd.concat(self.events, ignore_index=True) if self.events else pd.DataFrame(columns=LOG_COLUMNS)
        events["row"] = events["row"].astype("Int64")
        events = events.sort_values(["row", "column"], na_position="first", kind="stable").reset_index(drop=True)
        result = ValidationResult(self.inst.name, clean, quarantine, events[LOG_COLUMNS], self.n, missing)
        result.check_accounting()
        return result


def validate_table(raw: RawTable, instrument: Instrument, codebook: Codebook) -> ValidationResult:
    """Validate one raw file against its codebook instrument.

    Parameters
    ----------
    raw : RawTable
        The file as read by :func:`helpers.core.profiles.read_source` (or :func:`helpers.core.loading.read_raw_file`).
    instrument : Instrument
        Its codebook entry.
    codebook : Codebook
        For scales and force names.

    Returns
    -------
    ValidationResult
        Clean rows, quarantined rows and the event log; raw rows = clean +
        quarantined is checked before returning.

    Raises
    ------
    StructuralError
        A required column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> from pathlib import Path
    >>> from helpers.core.codebook import load_codebook
    >>> from helpers.core.loading import RawTable
    >>> cb = load_codebook()
    >>> frame = pd.DataFrame({"respondent_id": ["p1", "p1"], "force": ["Durham", "Kent"],
    ...                       "role": ["PCSO", "sergeant"]})
    >>> raw = RawTable("practitioner_survey", Path("p.csv"), frame, "utf-8", "")
    >>> res = validate_table(raw, cb.instruments["practitioner_survey"], cb)
    >>> len(res.clean), len(res.quarantine)
    (1, 1)
    """
    return _Validator(raw, instrument, codebook).run()
