"""National intake: a data folder with one subfolder per force.

One job: find the force subfolders of ``--data-dir``, read and validate each
folder as a flat data folder would be (its named files and profiles), then
combine them into one table per instrument (see ``docs/national-intake.md``).

* A subfolder's name is a force name, matched as ``--force`` is (docs/contract.md
  section 6: case, ``&``/``and``, hyphens, a trailing ``Police`` or
  ``Constabulary`` ignored). An unknown name, or two folders naming one
  force, is refused (exit status 2) naming the folder and the closest forces.
* A folder holding raw files or profiles *and* subfolders is refused.
* Every force folder holds its own files, its scheme census row included
  (the census is read from every folder and combined, one row per force).
* A row whose ``force`` names another force than its folder is quarantined
  (problem ``force differs from its folder``). An empty ``force`` where the
  instrument does not require one (the parents' survey) is taken from the
  folder.
* Identifiers are namespaced by folder: ``respondent_id`` ``C0001`` of the
  folder ``Durham`` becomes ``Durham/C0001``; ``school_id``, workshop,
  child and interviewee codes and the qualitative ids likewise, so two
  forces' ``S01`` are two schools (two clusters) and ids stay unique.
* An instrument missing from some folders is reported as not collected for
  those forces (one ``missing_column`` event each); missing from every
  folder, it is refused as in a flat folder (qualitative files: not
  collected).
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core.codebook import Codebook
from helpers.core.config import DEMO_MARKER
from helpers.core.loading import RAW_SUFFIXES, RawTable, StructuralError, find_raw_file
from helpers.core.profiles import find_sources, read_source
from helpers.core.validation import LOG_COLUMNS, ValidationResult, validate_table

__all__ = ["Submission", "Intake", "MISMATCH_PROBLEM", "force_folders", "read_submissions"]

log = logging.getLogger(__name__)

#: Problem text in ``validation_log.csv`` of a row whose force is not its folder's.
MISMATCH_PROBLEM = "force differs from its folder"

_NAMESPACED_TYPES = ("id", "identifier")


@dataclass(frozen=True)
class Submission:
    """One force folder: its name as written, the force it names, its path."""

    name: str
    force: str
    path: Path


@dataclass
class Intake:
    """Every folder read, validated and combined.

    Attributes
    ----------
    results : dict
        Instrument -> combined :class:`~helpers.core.validation.ValidationResult`
        (clean rows namespaced; quarantine and log with a ``submission`` column).
    raws : dict
        Instrument -> the first folder's :class:`~helpers.core.loading.RawTable` (for messages).
    counts : list of dict
        One ``row_counts.csv`` row per (submission, instrument supplied).
    events : pandas.DataFrame
        Folder-level events: instruments not supplied, or with a header and no rows, per folder.
    not_supplied : list of str
        Qualitative instruments no folder supplied.
    empty : list of str
        Instruments with no row in any folder.
    inputs : dict
        ``manifest.json`` inputs: ``<folder>/<instrument>`` -> file and SHA-256.
    """

    results: dict[str, ValidationResult] = field(default_factory=dict)
    raws: dict[str, RawTable] = field(default_factory=dict)
    counts: list[dict] = field(default_factory=list)
    events: pd.DataFrame | None = None
    not_supplied: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    inputs: dict[str, dict] = field(default_factory=dict)


def _is_input_file(path: Path) -> bool:
    name = path.name.casefold()
    return name.endswith(".profile.yml") or path.suffix.casefold() in RAW_SUFFIXES


def force_folders(data_dir: Path, codebook: Codebook) -> list[Submission] | None:
    """The force subfolders of ``data_dir``, or ``None`` for a flat folder (no subfolder).

    Hidden entries (a leading ``.``) are ignored; the demo marker may sit at the top.

    Raises
    ------
    StructuralError
        Raw files or profiles beside subfolders; a subfolder whose name is no
        force (the message gives the three closest force names); two
        subfolders naming the same force.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return None
    entries = [p for p in sorted(data_dir.iterdir()) if not p.name.startswith(".")]
    folders = [p for p in entries if p.is_dir()]
    if not folders:
        return None
    files = [p.name for p in entries if p.is_file() and p.name != DEMO_MARKER and _is_input_file(p)]
    if files:
        raise StructuralError(
            f"{data_dir}: holds both raw files or profiles ({', '.join(files[:3])}{' ...' if len(files) > 3 else ''})"
            f" and subfolders ({', '.join(p.name for p in folders[:3])}); use either one flat folder of files, or "
            "one subfolder per force with every file inside its force's folder (nothing was written)")
    out: list[Submission] = []
    seen: dict[str, str] = {}
    for folder in folders:
        force = codebook.match_force(folder.name)
        if force is None:
            close = difflib.get_close_matches(folder.name, codebook.forces, n=3, cutoff=0.0)
            raise StructuralError(
                f"{folder}: the subfolder name {folder.name!r} is not a police force; name each subfolder after "
                f"its force (closest: {', '.join(close)}) (nothing was written)")
        if force in seen:
            raise StructuralError(f"{folder}: names the same force ({force}) as the subfolder {seen[force]!r}; "
                                  "keep one folder per force (nothing was written)")
        seen[force] = folder.name
        out.append(Submission(folder.name, force, folder))
    return out


def _namespace(series: pd.Series, prefix: str) -> pd.Series:
    text = series.astype("string")
    return (prefix + "/" + text).where(text.notna())


def _folder_result(sub: Submission, raw: RawTable, res: ValidationResult, codebook: Codebook,
                   force: str | None) -> tuple[ValidationResult, dict]:
    """One folder's instrument: mismatched rows quarantined, ids namespaced; and its row_counts row."""
    inst = codebook.instruments[res.instrument]
    clean, quarantine, events = res.clean.copy(), res.quarantine.copy(), res.log.copy()
    moved = 0
    if "force" in clean:
        forces = clean["force"].astype("object")
        if not inst.column("force").required:
            filled = forces.isna()
            if filled.any():
                log.info("%s/%s: %d rows without a force take their folder's (%s)", sub.name, raw.path.name,
                         int(filled.sum()), sub.force)
                clean.loc[filled, "force"] = sub.force
                forces = clean["force"].astype("object")
        bad = forces.notna() & forces.ne(sub.force)
        if bad.any():
            rows = clean.loc[bad, "raw_row"].to_numpy(dtype=np.int64)
            moved = len(rows)
            ids = clean.loc[bad, inst.id].astype("object").fillna("").to_numpy()
            events = pd.concat([events, pd.DataFrame({
                "instrument": res.instrument, "row": rows, "respondent_id": ids, "column": "force",
                "value": forces[bad].to_numpy(), "problem": f"{MISMATCH_PROBLEM} ({sub.name}: {sub.force})",
                "action": "quarantined"})], ignore_index=True)
            quarantine = pd.concat([quarantine, raw.frame.iloc[rows - 1].astype(str)], ignore_index=True)
            clean = clean[~bad].reset_index(drop=True)
            log.warning("%s/%s: %d rows name another force than the folder's (%s): quarantined", sub.name,
                        raw.path.name, moved, sub.force)
    for col in inst.columns:
        if col.type in _NAMESPACED_TYPES and col.name in clean and col.type != "force":
            clean[col.name] = _namespace(clean[col.name], sub.name)
    ids = events["respondent_id"].astype("object")
    events["respondent_id"] = ids.where(ids.isna() | ids.eq(""), sub.name + "/" + ids.astype(str))
    events["row"] = events["row"].astype("Int64")
    events = events.sort_values(["row", "column"], na_position="first", kind="stable").reset_index(drop=True)
    events["submission"] = sub.name
    quarantine.insert(0, "submission", sub.name)
    combined = ValidationResult(res.instrument, clean, quarantine, events, res.raw_rows, res.missing_columns)
    combined.check_accounting()
    in_scope = len(clean) if force is None else int(clean["force"].astype("object").eq(force).sum()) \
        if "force" in clean else len(clean)
    count = {"instrument": res.instrument, "file": raw.path.name, "encoding": raw.encoding,
             "raw_rows": res.raw_rows, "kept": len(clean), "quarantined": len(quarantine), "in_scope": in_scope,
             "data_lines": raw.data_lines if raw.data_lines is not None else res.raw_rows,
             "records": res.raw_rows, "profile": raw.profile.name if raw.profile else "", "submission": sub.name}
    log.info("%s: %-20s %5d rows read, %5d kept, %4d quarantined (%d name another force)", sub.name,
             res.instrument, res.raw_rows, len(clean), len(quarantine), moved)
    return combined, count


def _event(instrument: str, problem: str, submission: str) -> list:
    return [instrument, None, None, None, None, problem, "missing_column", submission]


def read_submissions(submissions: list[Submission], codebook: Codebook, *, force: str | None = None,
                     check_rows_kept=None) -> Intake:
    """Read, validate and combine every force folder.

    Parameters
    ----------
    submissions : list of Submission
        From :func:`force_folders`.
    codebook : Codebook
    force : str, optional
        The local report's force (for ``in_scope``).
    check_rows_kept : callable, optional
        ``check_rows_kept(raws, results)`` run per folder (the pipeline's refusal of an
        instrument of which no row is kept).

    Raises
    ------
    StructuralError
        As a flat folder would, per folder (the message names the file, so its folder); a folder
        with no input file at all; a survey instrument that no folder supplies.
    """
    intake = Intake()
    per_instrument: dict[str, list[ValidationResult]] = {}
    events: list[list] = []
    for sub in submissions:
        sources = find_sources(sub.path, codebook)
        if not sources:
            raise StructuralError(f"{sub.path}: the force folder holds no raw file or profile (nothing was written)")
        raws = {name: read_source(sources[name], codebook) for name in codebook.instruments if name in sources}
        results = {name: validate_table(raw, codebook.instruments[name], codebook) for name, raw in raws.items()}
        if check_rows_kept is not None:
            check_rows_kept(raws, results)
        for name in codebook.surveys:
            if name not in raws:
                log.warning("%s: no %s file; not collected for %s", sub.name, name, sub.force)
                events.append(_event(name, f"file not supplied by {sub.name}; not collected for {sub.force}",
                                     sub.name))
        for name, raw in raws.items():
            intake.raws.setdefault(name, raw)
            intake.inputs[f"{sub.name}/{name}"] = {"file": raw.path.name, "sha256": raw.sha256}
            if results[name].raw_rows == 0:
                log.warning("%s: %s has a header and no rows; not collected for %s", sub.name, raw.path.name,
                            sub.force)
                events.append(_event(name, f"file of {sub.name} has a header and no rows; not collected for "
                                     f"{sub.force}", sub.name))
            combined, count = _folder_result(sub, raw, results[name], codebook, force)
            per_instrument.setdefault(name, []).append(combined)
            intake.counts.append(count)
    for name in codebook.surveys:
        if name not in per_instrument:
            find_raw_file(submissions[0].path, name)  # the contract's "raw file missing" message
    intake.not_supplied = [name for name in codebook.qualitative if name not in per_instrument]
    for name, parts in per_instrument.items():
        missing = set.intersection(*(set(p.missing_columns) for p in parts))
        order = [c for c in parts[0].missing_columns if c in missing]
        clean = pd.concat([p.clean for p in parts], ignore_index=True)
        quarantine = pd.concat([p.quarantine for p in parts], ignore_index=True).fillna("")
        events_frame = pd.concat([p.log for p in parts], ignore_index=True)
        result = ValidationResult(name, clean, quarantine, events_frame, sum(p.raw_rows for p in parts),
                                  tuple(order))
        result.check_accounting()
        intake.results[name] = result
    intake.empty = [name for name, res in intake.results.items() if res.raw_rows == 0]
    intake.events = pd.DataFrame(events, columns=[*LOG_COLUMNS, "submission"])
    log.info("national intake: %d force folders (%s)", len(submissions), ", ".join(s.name for s in submissions))
    return intake
