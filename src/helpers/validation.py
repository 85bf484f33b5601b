"""Checking raw rows against the codebook: nothing lost, nothing silent.

One job: turn a :class:`~helpers.loading.RawTable` into a typed, clean table,
a quarantine of rows whose identity is unusable, and a log with one row per
event (CONTRACT section 3):

* a missing *required* column is structural: :class:`StructuralError`
  (exit 2) before anything is written;
* a missing optional column is logged once (``missing_column``) and its
  measures are reported as not collected;
* an extra column is logged once (``ignored_column``) and kept out;
* a bad cell (unknown code, out of range, not an integer, answered but not
  applicable, broken rank permutation) becomes missing (``set_missing``);
* a row whose identity is unusable (id empty or repeated, identity column
  such as ``force`` or ``mini_police`` missing or invalid, an empty row) is
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

from .codebook import Codebook, Column, Instrument
from .loading import RawTable, StructuralError, normalise_header

__all__ = ["LOG_COLUMNS", "ValidationResult", "check_structure", "validate_table"]

log = logging.getLogger(__name__)

#: Columns of ``validation_log.csv`` (CONTRACT section 3).
LOG_COLUMNS = ["instrument", "row", "respondent_id", "column", "value", "problem", "action"]

#: Name of the column that carries the 1-based raw row number in clean tables.
ROW_COLUMN = "raw_row"


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


def _events(instrument: str, rows: pd.Index, ids: pd.Series, column: str, values: pd.Series,
            problem: str, action: str) -> pd.DataFrame:
    """Build log rows for the raw rows ``rows`` (0-based positions)."""
    return pd.DataFrame(
        {
            "instrument": instrument,
            "row": np.asarray(rows) + 1,
            "respondent_id": ids.loc[rows].to_numpy(),
            "column": column,
            "value": values.loc[rows].to_numpy(),
            "problem": problem,
            "action": action,
        }
    )


def _match_unique(values: pd.Series, matcher) -> pd.Series:
    """Apply ``matcher`` once per distinct value and map the result back."""
    uniques = values.unique()
    mapping = {u: matcher(u) for u in uniques}
    return values.map(mapping)


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


class _Validator:
    """Validation of one table (private; use :func:`validate_table`)."""

    def __init__(self, raw: RawTable, instrument: Instrument, codebook: Codebook):
        self.raw = raw
        self.inst = instrument
        self.cb = codebook
        self.present = check_structure(raw, instrument)
        frame = raw.frame
        self.text = {c: frame[h].astype(str) for c, h in self.present.items()}
        self.stripped = {c: s.str.strip() for c, s in self.text.items()}
        n = len(frame)
        self.n = n
        id_col = instrument.id
        self.ids = self.stripped[id_col] if id_col in self.stripped else pd.Series([""] * n)
        self.events: list[pd.DataFrame] = []
        self.quarantined = pd.Series(False, index=frame.index)
        self.reason_logged = pd.Series(False, index=frame.index)

    # -- column-level events ------------------------------------------------
    def column_events(self) -> tuple[str, ...]:
        known = set(self.inst.column_names)
        extra = [h for h in self.raw.frame.columns if normalise_header(h) not in known]
        missing = tuple(c for c in self.inst.column_names if c not in self.present)
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
    def _quarantine(self, mask: pd.Series, column: str, values: pd.Series, problem: str) -> None:
        new = mask & ~self.quarantined
        if new.any():
            rows = new[new].index
            self.events.append(_events(self.inst.name, rows, self.ids, column, values, problem, "quarantined"))
            self.quarantined |= new

    def identity(self) -> dict[str, pd.Series]:
        """Quarantine rows with unusable identity; return matched identity values."""
        matched: dict[str, pd.Series] = {}
        all_empty = pd.concat(self.stripped.values(), axis=1).eq("").all(axis=1) if self.stripped else None
        if all_empty is not None and all_empty.any():
            self._quarantine(all_empty, "", pd.Series([""] * self.n), "empty row")
        for col in self.inst.columns:
            if not col.identity or col.name not in self.stripped:
                continue
            values = self.stripped[col.name]
            if col.type == "id":
                self._quarantine(values.eq(""), col.name, values, f"{col.name} empty")
                matched[col.name] = values
                continue
            codes = self._match(col, values)
            self._quarantine(values.eq(""), col.name, values, f"{col.name} missing")
            bad = values.ne("") & codes.isna()
            what = "unknown force" if col.type == "force" else f"unknown code for {col.name}"
            self._quarantine(bad, col.name, values, what)
            matched[col.name] = codes
        # Repeated ids: the first occurrence stays. The census is keyed by force.
        key_col = self.inst.id
        key = matched.get(key_col)
        if key is not None:
            key = key.where(key.ne("") & key.notna())
            dup = key.notna() & key.duplicated(keep="first")
            self._quarantine(dup, key_col, self.stripped[key_col], f"{key_col} repeated")
        return matched

    # -- cells ---------------------------------------------------------------
    def _match(self, col: Column, values: pd.Series) -> pd.Series:
        if col.type == "force":
            return _match_unique(values, lambda v: self.cb.match_force(v) if v else None)
        if col.type == "coded":
            scale = self.cb.scales[col.scale]
            return _match_unique(values, lambda v: scale.match(v) if v else None)
        raise ValueError(col.type)

    def _set_missing(self, mask: pd.Series, col: Column, problem: str) -> None:
        mask = mask & ~self.quarantined
        if mask.any():
            rows = mask[mask].index
            self.events.append(
                _events(self.inst.name, rows, self.ids, col.name, self.text[col.name], problem, "set_missing")
            )

    def cell(self, col: Column, matched: dict[str, pd.Series]) -> pd.Series:
        """Return the typed clean values of one column, logging bad cells."""
        if col.name not in self.stripped:
            return self._empty(col)
        values = self.stripped[col.name]
        answered = values.ne("")
        if col.type in ("force", "coded"):
            codes = matched.get(col.name)
            if codes is None:
                codes = self._match(col, values)
            bad = answered & codes.isna()
            problem = "unknown force" if col.type == "force" else f"not a code of scale {col.scale}"
            self._set_missing(bad, col, problem)
            out = codes.where(~bad)
            if col.type == "coded":
                scale = self.cb.scales[col.scale]
                return pd.Categorical(out, categories=scale.codes, ordered=scale.level == "ordinal")
            return out.astype("string")
        if col.type == "integer":
            parsed = _match_unique(values, _parse_int)
            bad = parsed.eq("bad")
            self._set_missing(bad, col, "not a whole number")
            numbers = pd.to_numeric(parsed.where(~bad), errors="coerce").astype("Int64")
            low = col.min if col.min is not None else -np.inf
            high = col.max if col.max is not None else np.inf
            out_of_range = numbers.notna() & ((numbers < low) | (numbers > high))
            out_of_range = out_of_range.fillna(False).astype(bool)
            rng = f"{col.min if col.min is not None else ''}-{col.max if col.max is not None else ''}"
            self._set_missing(out_of_range, col, f"out of range {rng.strip('-') if col.max is None else rng}")
            return numbers.mask(out_of_range)
        if col.type == "flag":
            flags = values.map(lambda v: _FLAG_VALUES.get(v.casefold()) if v else None)
            bad = answered & flags.isna()
            self._set_missing(bad, col, "flag must be 0 or 1")
            return flags.where(~bad).astype("Int64")
        if col.type in ("id", "identifier", "free_text"):
            if col.required and col.type == "identifier":
                self._set_missing(~answered, col, f"{col.name} empty")
            return values.where(answered).astype("string")
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
        for col in self.inst.columns:
            if not col.applies_if or col.name not in self.stripped:
                continue
            asked = pd.Series(True, index=clean.index)
            for cond_col, code in col.applies_if.items():
                asked &= clean[cond_col].astype("object").eq(code).fillna(False).astype(bool)
            answered = clean[col.name].notna()
            if isinstance(answered, pd.Series):
                answered = answered.astype(bool)
            wrong = answered & ~asked
            conditions = ", ".join(f"{k} = {v}" for k, v in col.applies_if.items())
            self._set_missing(wrong, col, f"not applicable (asked only if {conditions})")
            clean.loc[wrong, col.name] = pd.NA

    def ranks(self, clean: pd.DataFrame) -> None:
        """Blank a rank set that is not a permutation of 1..k (nor all empty)."""
        for members in self.inst.rank_sets.values():
            cols = [c for c in members if c in self.present]
            if len(cols) != len(members):
                continue
            block = clean[list(members)]
            raw_answered = pd.concat([self.stripped[c].ne("") for c in members], axis=1).any(axis=1)
            k = len(members)
            ok = block.notna().all(axis=1)
            values = block.fillna(0).astype("int64").to_numpy()
            perm = np.sort(values, axis=1) == np.arange(1, k + 1)
            ok &= pd.Series(perm.all(axis=1), index=clean.index)
            broken = raw_answered & ~ok
            for c in members:
                col = self.inst.column(c)
                self._set_missing(broken & self.stripped[c].ne(""), col,
                                  f"ranks are not a permutation of 1-{k}")
            clean.loc[broken, list(members)] = pd.NA

    def run(self) -> ValidationResult:
        missing = self.column_events()
        matched = self.identity()
        clean = pd.DataFrame({ROW_COLUMN: np.arange(1, self.n + 1)}, index=self.raw.frame.index)
        for col in self.inst.columns:
            clean[col.name] = self.cell(col, matched)
        self.applicability(clean)
        self.ranks(clean)
        keep = ~self.quarantined
        clean = clean[keep].reset_index(drop=True)
        quarantine = self.raw.frame[self.quarantined].reset_index(drop=True)
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
        The file as read by :func:`helpers.loading.read_raw_file`.
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
    >>> from helpers.codebook import load_codebook
    >>> from helpers.loading import RawTable
    >>> cb = load_codebook()
    >>> frame = pd.DataFrame({"respondent_id": ["p1", "p1"], "force": ["Durham", "Kent"],
    ...                       "role": ["PCSO", "sergeant"]})
    >>> raw = RawTable("practitioner_survey", Path("p.csv"), frame, "utf-8", "")
    >>> res = validate_table(raw, cb.instruments["practitioner_survey"], cb)
    >>> len(res.clean), len(res.quarantine)
    (1, 1)
    """
    return _Validator(raw, instrument, codebook).run()
