"""The one entry point: load, validate, process, export.

:func:`run_process` is what ``minipolice process`` (and the first half of
``minipolice build``) runs. It logs its parameters and, per instrument, the
rows read, kept and quarantined, and writes under ``out_dir``:

``results.csv``            every figure and headline number (docs/contract.md section 4)
``national_results.csv``   local runs only: the national results, for comparison
``tests.csv``              programme group vs other children comparisons (with effect-size
                           intervals and the smallest expected count; ``test`` names
                           Fisher's exact or permutation tests for small tables)
``power.csv``              smallest effects the children's sample detects with 80% power
``derived.csv``            numbers the prose prints that are no single results row: shares of
                           several answers with their intervals, the largest forces' shares,
                           detectable effects (:mod:`helpers.core.derived`), disclosure-controlled
``sensitivity.csv``        children's results unweighted and post-stratified by force
``evidence.csv``           the design's Maryland Scientific Methods Scale level (:mod:`helpers.core.evidence`)
``design.csv``             the comparisons with schools as clusters (ICC, cluster-robust and
                           within-school tests, Holm within outcome families, equivalence)
``balance.csv``            the groups compared on gender, year group, age and force
``adjusted.csv``           primary outcomes unadjusted and adjusted for those covariates
``pooled.csv``             primary outcomes: forces' differences pooled by random effects (national)
``pooled_forces.csv``      each force's difference and standard error behind ``pooled.csv``
``change.csv``, ``did.csv`` children asked at baseline and follow-up: paired change per group and the
                           difference in differences (empty tables without waves; :mod:`helpers.core.change`)
``attrition.csv``          who answered only at baseline, and whether they differed then
``trend.csv``              with two or more survey years: headline items per year and a trend test
``breakdowns.csv``         primary outcomes by gender and year group, within each group (descriptive;
                           :mod:`helpers.core.breakdowns`)
``enjoyed_least.csv``      themes of what the programme group enjoyed least, coded by keyword rules
``validation_log.csv``     one row per validation event (docs/contract.md section 3)
``quarantine/<inst>.csv``  rows whose identity was unusable, verbatim
``row_counts.csv``         per instrument: raw, kept, quarantined, in scope; physical data lines,
                           records read and the profile the file was read through
``<instrument>.parquet``   clean respondent-level tables (in scope only)
``manifest.json``          parameters, input hashes, package versions

Each instrument is read from the file named after it or through a
``*.profile.yml`` (:mod:`helpers.core.profiles`, docs/contract.md section 7). A data
folder may instead hold one subfolder per force (:mod:`helpers.core.intake`):
each is read and validated on its own, then combined.

Structural faults (a missing file or required column, an undecodable file,
an unknown ``--force``, a wrong profile, a stray quote, an instrument of
which no row is kept) raise :class:`~helpers.core.loading.StructuralError`
before anything is written. Outputs are written to a staging folder inside
``out_dir`` first (nothing child-level is written outside it) and swapped in
at the end, ``manifest.json`` last (see :func:`_write_outputs`), so a failed
run leaves the previous outputs untouched, and a killed one leaves no
manifest beside a mixed set. Only files the tool wrote are ever replaced or
removed, and a second run into the same folder stops with exit status 2
while the first holds its lock (:mod:`helpers.core.outputs`). Text cells of every
CSV that start like a spreadsheet formula (``=``, ``+``, ``-``, ``@``, tab,
carriage return) get a leading ``'`` (:func:`helpers.text.safe_text.neutralise_csv`).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core import outputs
from helpers.core.breakdowns import BREAKDOWN_COLUMNS, breakdown_table, least_enjoyed_table
from helpers.core.change import (
    ATTRITION_COLUMNS,
    CHANGE_COLUMNS,
    TREND_COLUMNS,
    attrition_table,
    change_table,
    did_columns,
    did_table,
    follow_up_only,
    has_waves,
    trend_table,
)
from helpers.core.codebook import GENERIC_GROUPS, Codebook, Groups, load_codebook
from helpers.core.config import DEFAULT_MIN_CELL, DEMO_MARKER
from helpers.core.derived import SHARE_KEYS, derive
from helpers.core.design import (
    ADJUSTED_COLUMNS,
    adjusted_table,
    balance_columns,
    balance_table,
    design_columns,
    design_table,
)
from helpers.core.disclosure import hide_sizes, hide_suppressed_bases, suppress, suppress_programme, suppress_tests
from helpers.core.evidence import EVIDENCE_COLUMNS, rate_design
from helpers.core.intake import force_folders, read_submissions
from helpers.core.loading import RawTable, StructuralError, find_raw_file
from helpers.core.outcomes import OUTCOMES_PATH, file_sha256, item_plan, load_outcomes
from helpers.core.pooling import POOLED_COLUMNS, pooled_forces_columns, pooled_tables
from helpers.core.processing import RESULTS_COLUMNS, summarise, tally_rows
from helpers.core.profiles import find_sources, read_source
from helpers.core.programme import resolve as resolve_programme
from helpers.core.schemas import (
    DERIVED_SCHEMA,
    LOG_SCHEMA,
    RESULTS_SCHEMA,
    check_breakdown_outputs,
    check_change_outputs,
    check_design_outputs,
    check_outputs,
    check_pooled_outputs,
)
from helpers.core.stats import comparable_items, compare_groups, comparison_columns, design_power, power_columns
from helpers.core.validation import LOG_COLUMNS, ValidationResult, validate_table
from helpers.core.weighting import SENSITIVITY_COLUMNS, sensitivity
from helpers.text.safe_text import neutralise_csv

__all__ = ["ProcessResult", "run_process", "resolve_force", "read_inputs", "check_rows_kept", "OUTPUT_FILES"]

log = logging.getLogger(__name__)

#: Files every successful run writes (besides one Parquet file per instrument).
OUTPUT_FILES = ("results.csv", "tests.csv", "power.csv", "sensitivity.csv", "evidence.csv", "validation_log.csv",
                "row_counts.csv", "manifest.json", "design.csv", "balance.csv", "adjusted.csv", "pooled.csv",
                "pooled_forces.csv", "change.csv", "did.csv", "attrition.csv", "trend.csv", "breakdowns.csv",
                "enjoyed_least.csv", "derived.csv")

_VERSIONED = ("minipolice", "pandas", "numpy", "scipy", "statsmodels", "pingouin")


@dataclass
class ProcessResult:
    """Summary of one ``process`` run."""

    out_dir: Path
    results: pd.DataFrame
    tests: pd.DataFrame
    log: pd.DataFrame
    row_counts: pd.DataFrame
    synthetic: bool
    force: str | None
    seconds: float = 0.0
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    power: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None


def resolve_force(force: str | None, codebook: Codebook) -> str | None:
    """Canonical name of a ``--force`` argument (``None`` for a national run).

    Raises
    ------
    StructuralError
        The name is not one of the forces of docs/contract.md section 6.
    """
    if force is None or not str(force).strip():
        return None
    canonical = codebook.match_force(force)
    if canonical is None:
        raise StructuralError(
            f"--force {force!r}: unknown police force; use one of: {', '.join(codebook.forces)}"
        )
    return canonical


def _versions() -> dict[str, str]:
    out = {}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def read_inputs(data_dir: Path, codebook: Codebook) -> dict[str, RawTable]:
    """Read every instrument's export (its profile's file, or the file named after it).

    The codebook's instruments are required (the default programme: the five
    surveys and census), its optional ones (the qualitative files) are left
    out when absent. Every file is read and checked before any is validated.

    Raises
    ------
    StructuralError
        A required file missing, a profile wrong, a file unreadable, a header
        or required column not found, a stray quote (docs/contract.md sections 1 and 7).
    """
    sources = find_sources(data_dir, codebook)
    for name in codebook.surveys:
        if name not in sources:
            find_raw_file(data_dir, name)  # raises the contract's "raw file missing" message
    return {name: read_source(sources[name], codebook) for name in codebook.instruments if name in sources}


def check_rows_kept(raws: dict[str, RawTable], results: dict[str, ValidationResult]) -> None:
    """Refuse (exit 2) an instrument whose rows were all quarantined: its export was not read as meant.

    A file with no data rows at all is not refused here (its measures are not collected).
    """
    for name, res in results.items():
        if res.raw_rows and not len(res.clean):
            quarantined = res.log[res.log["action"].eq("quarantined")]
            problems = quarantined["problem"].value_counts().head(3)
            why = "; ".join(f"{problem} ({count} rows)" for problem, count in problems.items())
            raw = raws[name]
            how = (f"check its profile {raw.profile}" if raw.profile else
                   "check the identity columns (respondent id, force, the group column ...), or read the file "
                   "through a profile with values: maps")
            raise StructuralError(f"{raw.path}: no row of {name} kept: all {res.raw_rows} rows would be "
                                  f"quarantined ({why}); {how}")


def _in_scope(frame: pd.DataFrame, force: str | None) -> pd.DataFrame:
    if force is None or "force" not in frame:
        return frame
    return frame[frame["force"].astype("object").eq(force)].reset_index(drop=True)


#: Prefix of the staging folders ``process`` writes inside the output folder.
STAGING_PREFIX = ".staging-minipolice-"


def _check_rows(results: dict[str, ValidationResult], raws: dict, codebook: Codebook) -> list[str]:
    """Instruments whose file has a header and no rows (reported as not collected).

    Raises
    ------
    StructuralError
        An instrument the codebook marks ``rows_required`` (with its reason:
        for the default programme the children's survey and the scheme
        census) has a header and no rows. (Rows read but none kept are
        refused before, by :func:`check_rows_kept`.) Other instruments are
        then reported as not collected.
    """
    for name, why in codebook.rows_required.items():
        res = results.get(name)
        if res is not None and res.raw_rows == 0:
            raise StructuralError(f"{raws[name].path}: the file has a header and no rows; {why}, "
                                  "so there is nothing to report without it (add its rows)")
    empty = [name for name, res in results.items() if res.raw_rows == 0]
    for name in empty:
        log.warning("%s: %s has a header and no rows; reported as not collected", name, raws[name].path.name)
    return empty


def _write_outputs(staging: Path, out_dir: Path) -> None:
    """Swap the complete table set of ``staging`` into ``out_dir``.

    ``manifest.json`` is the commit marker of a table set: it is removed
    first and moved in last, after every other file, so a run killed in
    between leaves tables without a manifest (which ``build`` and readers
    treat as no valid set: ``build`` runs ``process`` again) and never new
    tables beside an old manifest. Only files the tool wrote are replaced
    or removed (:mod:`helpers.core.outputs`); a file of the same name that the
    tool did not write stops the run before anything is moved.
    """
    new = {p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()}
    outputs.claim(out_dir, new)
    (out_dir / "manifest.json").unlink(missing_ok=True)
    for name in sorted(new - {"manifest.json"}):
        (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, out_dir / name)
    outputs.remove_owned(out_dir, keep=new)  # outputs of earlier runs this run did not write
    (out_dir / "quarantine").mkdir(exist_ok=True)
    os.replace(staging / "manifest.json", out_dir / "manifest.json")
    outputs.record(out_dir, new)


def _clear_staging(out_dir: Path) -> None:
    """Remove staging folders of earlier runs that were killed (only ours: by their name, under our lock)."""
    for old in out_dir.glob(STAGING_PREFIX + "*"):
        if old.is_dir():
            log.info("removing %s, left by an interrupted run", old)
            shutil.rmtree(old, ignore_errors=True)


def _tag_wave(summary: pd.DataFrame, children: pd.DataFrame | None, waves: bool,
              groups: Groups | None) -> pd.DataFrame:
    """Append ``wave`` and ``year`` to ``results.csv``: the follow-up wave (and its one year) on children's rows.

    Empty where not applicable: other instruments' rows, and every row of a survey without waves
    (``year`` only when the children's rows describe a single year).
    """
    out = summary.copy()
    child_rows = out["group"].isin(list(groups.names) if groups is not None else [])
    out["wave"] = pd.Series(np.where(child_rows & waves, "follow_up", None), index=out.index, dtype=object)
    years = children["year"].dropna().unique() if children is not None and "year" in children else []
    out["year"] = pd.array([pd.NA] * len(out), dtype="Int64")
    if len(years) == 1:
        out.loc[child_rows, "year"] = int(years[0])
    return out


def _to_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV, text cells that a spreadsheet would read as a formula prefixed with ``'``."""
    neutralise_csv(frame).to_csv(path, index=False)


def _two_group_design(codebook: Codebook) -> bool:
    """Whether the codebook declares what the comparisons, power, weighting, design and change tables need.

    They compare the respondents of one survey split into the programme group and the others
    (``groups: {by, yes, no, all}``), weight by a census (columns of role ``census``) and follow waves;
    a programme without those has none of them.
    """
    return codebook.groups is not None and codebook.census is not None


#: The tables of the two-group design's analyses (written empty, with their header, when not applicable).
_NOT_APPLICABLE = ("tests", "power", "sensitivity", "evidence", "design", "balance", "adjusted", "pooled",
                   "pooled_forces", "change", "did", "attrition", "trend", "breakdowns", "enjoyed_least")


def _not_applicable(codebook: Codebook) -> dict[str, pd.DataFrame]:
    """The analysis tables a programme's codebook gives nothing to compute: each empty, with its header."""
    g = GENERIC_GROUPS
    columns = {
        "tests": [*comparison_columns(g), "flag"], "power": power_columns(g), "sensitivity": SENSITIVITY_COLUMNS,
        "evidence": EVIDENCE_COLUMNS, "design": design_columns(g), "balance": balance_columns(g),
        "adjusted": ADJUSTED_COLUMNS, "pooled": POOLED_COLUMNS, "pooled_forces": pooled_forces_columns(g),
        "change": CHANGE_COLUMNS, "did": did_columns(g), "attrition": ATTRITION_COLUMNS, "trend": TREND_COLUMNS,
        "breakdowns": BREAKDOWN_COLUMNS, "enjoyed_least": RESULTS_COLUMNS,
    }
    lacking = "a survey split into two groups (groups.by)" if codebook.groups is None else "a census"
    for name in _NOT_APPLICABLE:
        log.info("%s.csv: not applicable (the codebook declares no %s); written with its header only", name, lacking)
    return {name: pd.DataFrame(columns=columns[name]) for name in _NOT_APPLICABLE}


def _programme_settings() -> dict:
    """The settings (``programme.yml``) of the programme this process serves; empty for the root."""
    return dict(resolve_programme(None).settings)


def _programme_disclosure(summary: pd.DataFrame, codebook: Codebook, settings: dict, *,
                          min_cell: int) -> pd.DataFrame:
    """Disclosure control as the programme sets it: which instruments' counts are children's counts.

    Without a ``disclosure`` setting every instrument is treated as holding children's data (the safe
    default); groups of the ``not_children`` instruments (adults' views of a course) are left as they are.
    """
    spec = settings.get("disclosure") or {}
    not_children = set(spec.get("not_children") or [])
    unknown = (set(spec.get("children") or []) | not_children) - set(codebook.instruments)
    if unknown:
        raise StructuralError(f"programme.yml: disclosure names unknown instrument(s) {', '.join(sorted(unknown))}; "
                              f"the codebook has {', '.join(codebook.instruments)}")
    children_groups = {group for name, inst in codebook.instruments.items() if name not in not_children
                       for key, group in inst.groups.items() if key != "by"}
    tallies = tuple(settings.get("tallies") or {})
    child_counts = set(spec.get("child_counts") or []) | set(tallies)
    return suppress_programme(summary, min_cell=min_cell, children_groups=children_groups,
                              child_counts=child_counts, exempt=set(spec.get("exempt") or []), codebook=codebook)


def run_process(
    data_dir: Path,
    out_dir: Path,
    *,
    force: str | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
    codebook: Codebook | None = None,
) -> ProcessResult:
    """Validate and process the raw files of ``data_dir`` into ``out_dir``.

    Parameters
    ----------
    data_dir : Path
        Folder holding the five raw files (never modified).
    out_dir : Path
        Folder for the processed tables (created if needed).
    force : str, optional
        Restrict every table to one police force (a local report).
    min_cell : int
        Disclosure-control threshold (docs/contract.md section 5).
    codebook : Codebook, optional
        Defaults to the packaged codebook.

    Returns
    -------
    ProcessResult

    Raises
    ------
    StructuralError
        The input cannot be used (exit status 2); nothing is written.
    """
    started = time.perf_counter()
    codebook = codebook or load_codebook()
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    if min_cell < 0:
        raise StructuralError(f"--min-cell {min_cell}: must be 0 or more")
    if force is not None and not str(force).strip():
        raise StructuralError("--force is empty: give a force name (e.g. --force Durham), or leave --force out "
                              "for the national report")
    if force is not None and min_cell < 1:
        raise StructuralError(f"--min-cell {min_cell}: a local report (--force) needs disclosure control; "
                              "use --min-cell 1 or more")
    if min_cell == 0:
        log.warning("--min-cell 0: disclosure control is OFF: small cells are shown unsuppressed; the book says "
                    "so on every page. Never publish such a report.")
    outputs.check_separate(data_dir, out_dir)
    force = resolve_force(force, codebook)
    log.info("process: data %s -> %s (%s report, min cell %d)", data_dir, out_dir,
             f"local: {force}" if force else "national", min_cell)

    # 1. Load and check structure of every file before validating any. The
    #    qualitative instruments are optional: absent means not collected.
    #    Each file is read through its profile (docs/contract.md section 7), or as named after its instrument.
    #    A folder of force subfolders is read folder by folder and combined (helpers.core.intake).
    submissions = force_folders(data_dir, codebook)
    intake = None
    if submissions:
        intake = read_submissions(submissions, codebook, force=force, check_rows_kept=check_rows_kept)
        raws, results = intake.raws, intake.results
        not_supplied = intake.not_supplied
        _check_rows(results, raws, codebook)
        empty = intake.empty
    else:
        raws = read_inputs(data_dir, codebook)
        not_supplied = [name for name in codebook.qualitative if name not in raws]
        # 2. Validate (raises StructuralError for a missing required column).
        results: dict[str, ValidationResult] = {
            name: validate_table(raw, codebook.instruments[name], codebook) for name, raw in raws.items()
        }
        check_rows_kept(raws, results)
        empty = _check_rows(results, raws, codebook)
    for name in not_supplied:
        log.info("%s: no file supplied; reported as not collected", name)
    counts = []
    tables = {}
    for name, res in results.items():  # validate_table has checked raw = kept + quarantined
        scoped = _in_scope(res.clean, force)
        tables[name] = scoped
        raw = raws[name]
        if intake is None:
            counts.append({"instrument": name, "file": raw.path.name, "encoding": raw.encoding,
                           "raw_rows": res.raw_rows, "kept": len(res.clean),
                           "quarantined": len(res.quarantine), "in_scope": len(scoped),
                           "data_lines": raw.data_lines if raw.data_lines is not None else res.raw_rows,
                           "records": res.raw_rows, "profile": raw.profile.name if raw.profile else "",
                           "submission": ""})
        log.info("%-20s %5d rows read, %5d kept, %4d quarantined%s", name, res.raw_rows, len(res.clean),
                 len(res.quarantine), f", {len(scoped)} in {force}" if force else "")
    row_counts = pd.DataFrame(intake.counts if intake is not None else counts)
    not_collected = {name: res.missing_columns for name, res in results.items()}
    # 3. Derive.
    missing_files = pd.DataFrame([[name, None, None, None, None, "file not supplied; not collected",
                                   "missing_column"] for name in not_supplied]
                                 + [[name, None, None, None, None, "file has a header and no rows; not collected",
                                     "missing_column"] for name in empty], columns=LOG_COLUMNS)
    if intake is not None:  # per folder: instruments a force did not send, or sent without rows
        missing_files = pd.concat([missing_files.assign(submission=""), intake.events], ignore_index=True)
    events = pd.concat([r.log for r in results.values()] + [missing_files], ignore_index=True)
    events = events.reindex(columns=[*LOG_COLUMNS, "submission"]).astype(
        {"instrument": "str", "problem": "str", "action": "str", "row": "Int64"})  # typed even when empty
    events["submission"] = events["submission"].fillna("").astype(str)  # the force folder; empty when flat
    synthetic = (data_dir / DEMO_MARKER).exists()
    # Programme settings (programme.yml): which instruments hold children's data, per-value counts (tallies).
    settings = _programme_settings()
    # The analyses of the two-group design (a survey split into the programme group and the others, a
    # census to weight by, waves) apply only when the codebook declares what they need.
    if _two_group_design(codebook):
        groups = codebook.groups
        # A survey asked at baseline and follow-up: the cross-sectional tables describe the follow-up wave
        # (no child counted twice); the change tables below use both waves (docs/waves-and-years.md).
        child = groups.instrument  # the instrument split into the programme group and the others
        all_waves = tables[child]
        waves = has_waves(all_waves)
        if waves:
            tables[child] = follow_up_only(all_waves)
            log.info("%s: baseline and follow-up present; the cross-sectional tables describe the %d "
                     "follow-up answers", child, len(tables[child]))

        summary = summarise(tables, codebook, not_collected)
        summary = _tag_wave(suppress(summary, min_cell=min_cell, local=force is not None), tables[child],
                            waves, groups)
        # A local report sets each local value beside the national one: the national results,
        # with the national build's disclosure control, travel with the local tables.
        national = None
        if force is not None:
            national_tables = {name: res.clean for name, res in results.items()}
            national_tables[child] = follow_up_only(national_tables[child])
            national = _tag_wave(suppress(summarise(national_tables, codebook, not_collected), min_cell=min_cell,
                                          local=False), national_tables[child], waves, groups)
        children = tables[child]
        outcomes = load_outcomes(items=[item for item, _ in comparable_items(codebook)])
        plan = item_plan(outcomes)  # families (Holm within each), directions and SESOIs
        tests = compare_groups(children, codebook, not_collected=not_collected[child],
                               families=dict(zip(plan["measure"], plan["family"], strict=True)))
        tests = suppress_tests(tests, min_cell=min_cell, local=force is not None, groups=groups)
        group_sizes = children[groups.column].astype("object").value_counts()
        size_columns = [groups.count_column(group) for group in groups.pair]  # n_<yes>, n_<no>
        power = design_power(int(group_sizes.get("yes", 0)), int(group_sizes.get("no", 0)), groups=groups)
        if force is not None:  # who answered, in one force: small group sizes hidden like cells
            power = hide_sizes(power, size_columns, min_cell=min_cell)
        census = tables[codebook.census].drop(columns=list(not_collected[codebook.census]), errors="ignore")
        sensitivity_table = sensitivity(children, census, codebook, results=summary,
                                        local=force is not None, not_collected=not_collected[child])
        if force is not None and min_cell > 1:
            sensitivity_table = hide_suppressed_bases(sensitivity_table)
        # headline comparisons unadjusted: see helpers.core.evidence; all waves
        evidence = rate_design(all_waves, group=groups.column)
        check_outputs(summary, tests, events, power, sensitivity_table, evidence, groups=groups)
        derived = derive(summary, tests, power, codebook, min_cell=min_cell, local=force is not None)
        DERIVED_SCHEMA.validate(derived)
        national_derived = None  # a local report: the national shares, beside the local ones
        if national is not None:
            national_derived = DERIVED_SCHEMA.validate(derive(national, tests.iloc[0:0], power.iloc[0:0], codebook,
                                                              min_cell=min_cell, local=False))
            national_derived = national_derived[national_derived["key"].isin(SHARE_KEYS)]
        design = design_table(children, codebook, plan=plan, not_collected=not_collected[child],
                              min_cell=min_cell)
        balance = balance_table(children, summary, min_cell=min_cell, local=force is not None, codebook=codebook)
        adjusted = adjusted_table(children, codebook, plan=plan, design=design,
                                  not_collected=not_collected[child], min_cell=min_cell)
        if force is not None:  # who answered, in one force: small group sizes hidden as in tests.csv
            design = hide_sizes(design, size_columns, min_cell=min_cell)
            adjusted = hide_sizes(adjusted, ["n"], min_cell=min_cell)
        check_design_outputs(design, balance, adjusted, groups=groups)
        # Pooled across forces (national reports only): each force's difference, then random effects.
        if force is None:
            pooled, pooled_forces = pooled_tables(children, plan, codebook, min_cell=min_cell,
                                                  not_collected=not_collected[child])
        else:
            log.info("pooled: skipped in a local report (one force: nothing to pool)")
            pooled, pooled_forces = pooled_tables(children.iloc[0:0], plan, codebook, min_cell=min_cell)
        check_pooled_outputs(pooled, pooled_forces, groups=groups)
        primary = plan.loc[plan["family"].eq("primary"), "measure"].tolist()
        change = change_table(all_waves, codebook, min_cell=min_cell)
        did = did_table(all_waves, codebook, min_cell=min_cell)
        attrition = attrition_table(all_waves, codebook, items=primary, min_cell=min_cell)
        trend = trend_table(children, codebook, items=primary, min_cell=min_cell)
        check_change_outputs(change, did, attrition, trend, groups=groups)
        # Descriptive: the primary outcomes by gender and year group, and the themes of what children
        # enjoyed least.
        breakdowns = breakdown_table(children, codebook, items=primary, min_cell=min_cell, local=force is not None,
                                     not_collected=not_collected[child])
        enjoyed_least = least_enjoyed_table(children, codebook, min_cell=min_cell, local=force is not None,
                                            not_collected=not_collected[child])
        check_breakdown_outputs(breakdowns, enjoyed_least, groups=groups)

    else:
        outcomes = None  # no analysis plan: nothing is compared
        tables_of = _not_applicable(codebook)
        summary = summarise(tables, codebook, not_collected)
        summary = pd.concat([summary, tally_rows(tables, codebook, settings.get("tallies") or {})],
                            ignore_index=True)
        summary = _programme_disclosure(summary, codebook, settings, min_cell=min_cell)
        summary = _tag_wave(summary, None, False, None)
        national = None
        (tests, power, sensitivity_table, evidence, design, balance, adjusted, pooled, pooled_forces, change, did,
         attrition, trend, breakdowns, enjoyed_least) = (tables_of[name] for name in _NOT_APPLICABLE)
        # The shares of several answers (top two, favourable ...) apply to any programme's scales.
        derived = DERIVED_SCHEMA.validate(derive(summary, tests, power, codebook, min_cell=min_cell,
                                                 local=force is not None))
        national_derived = None
        RESULTS_SCHEMA.validate(summary)  # the analysis tables are empty: only the results and the log to check
        LOG_SCHEMA.validate(events)

    # 4. Export: the whole set into a staging folder inside out_dir, then swapped in (_write_outputs).
    #    The staging folder is removed on any exit; one left by a killed run goes at the next run.
    with outputs.locked(out_dir):
        _clear_staging(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
        try:
            _to_csv(summary, staging / "results.csv")
            if national is not None:
                _to_csv(national, staging / "national_results.csv")
                _to_csv(national_derived, staging / "national_derived.csv")
            _to_csv(tests, staging / "tests.csv")
            _to_csv(evidence, staging / "evidence.csv")
            _to_csv(power, staging / "power.csv")
            _to_csv(derived, staging / "derived.csv")
            _to_csv(sensitivity_table, staging / "sensitivity.csv")
            for name, table in (("design", design), ("balance", balance), ("adjusted", adjusted),
                                ("pooled", pooled), ("pooled_forces", pooled_forces),
                                ("change", change), ("did", did), ("attrition", attrition), ("trend", trend),
                                ("breakdowns", breakdowns), ("enjoyed_least", enjoyed_least)):
                _to_csv(table, staging / f"{name}.csv")
            _to_csv(events, staging / "validation_log.csv")
            _to_csv(row_counts, staging / "row_counts.csv")
            (staging / "quarantine").mkdir()
            for name, res in results.items():
                if len(res.quarantine):
                    _to_csv(res.quarantine, staging / "quarantine" / f"{name}.csv")
                tables[name].to_parquet(staging / f"{name}.parquet", index=False)
            manifest = {
                "contract_version": 2,
                "codebook_version": codebook.version,
                "data_dir": str(data_dir.resolve()),
                "force": force,
                "min_cell": min_cell,
                "synthetic": synthetic,
                "inputs": (intake.inputs if intake is not None else
                           {name: {"file": raw.path.name, "sha256": raw.sha256} for name, raw in raws.items()}),
                "versions": _versions(),
                "outcomes": ({"file": OUTCOMES_PATH.name, "sha256": file_sha256(),
                              "changed": outcomes.get("changed", {}).get("date")} if outcomes is not None else None),
            }
            (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
            _write_outputs(staging, out_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    quarantined = int(row_counts["quarantined"].sum())
    seconds = time.perf_counter() - started
    log.info("process: %d results rows, %d comparisons, %d sensitivity rows, %d log events, %d rows quarantined "
             "(%.1f s)", len(summary), len(tests), len(sensitivity_table), len(events), quarantined, seconds)
    if quarantined:
        log.warning("%d rows quarantined: see %s", quarantined, out_dir / "quarantine")
    return ProcessResult(out_dir, summary, tests, events, row_counts, synthetic, force, seconds, tables, power,
                         sensitivity_table)
