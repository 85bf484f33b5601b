"""The one entry point: load, validate, process, export.

:func:`run_process` is what ``minipolice process`` (and the first half of
``minipolice build``) runs. It logs its parameters and, per instrument, the
rows read, kept and quarantined, and writes under ``out_dir``:

``results.csv``            every figure and headline number (CONTRACT section 4)
``national_results.csv``   local runs only: the national results, for comparison
``tests.csv``              mini-police vs other children comparisons (with effect-size
                           intervals and the n for 80% power)
``power.csv``              smallest effects the children's sample detects with 80% power
``sensitivity.csv``        children's results unweighted and post-stratified by force
``design.csv``             the comparisons with schools as clusters (ICC, cluster-robust and
                           within-school tests, Holm within outcome families, equivalence)
``balance.csv``            the groups compared on gender, year group, age and force
``adjusted.csv``           primary outcomes unadjusted and adjusted for those covariates
``validation_log.csv``     one row per validation event (CONTRACT section 3)
``quarantine/<inst>.csv``  rows whose identity was unusable, verbatim
``row_counts.csv``         per instrument: raw, kept, quarantined, in scope
``<instrument>.parquet``   clean respondent-level tables (in scope only)
``manifest.json``          parameters, input hashes, package versions

Structural faults (a missing file or required column, an undecodable file,
an unknown ``--force``) raise :class:`~helpers.loading.StructuralError`
before anything is written. Outputs are written to a staging folder first
and moved into place at the end, so a failed run leaves the previous
outputs untouched and no partial set behind.
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

import pandas as pd

from .codebook import INSTRUMENTS, QUALITATIVE, Codebook, load_codebook
from .config import DEFAULT_MIN_CELL, DEMO_MARKER
from .design import adjusted_table, balance_table, design_table
from .disclosure import suppress, suppress_tests
from .loading import StructuralError, find_raw_file, has_raw_file, read_raw_file
from .outcomes import OUTCOMES_PATH, file_sha256, item_plan, load_outcomes
from .processing import summarise
from .schemas import check_design_outputs, check_outputs
from .stats import comparable_items, compare_groups, design_power
from .validation import LOG_COLUMNS, ValidationResult, validate_table
from .weighting import sensitivity

__all__ = ["ProcessResult", "run_process", "resolve_force", "OUTPUT_FILES"]

log = logging.getLogger(__name__)

#: Files every successful run writes (besides one Parquet file per instrument).
OUTPUT_FILES = ("results.csv", "tests.csv", "power.csv", "sensitivity.csv", "validation_log.csv", "row_counts.csv",
                "manifest.json", "design.csv", "balance.csv", "adjusted.csv")

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
        The name is not one of the forces of CONTRACT section 6.
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


def _in_scope(frame: pd.DataFrame, force: str | None) -> pd.DataFrame:
    if force is None or "force" not in frame:
        return frame
    return frame[frame["force"].astype("object").eq(force)].reset_index(drop=True)


def _write_outputs(staging: Path, out_dir: Path) -> None:
    """Move everything from ``staging`` into ``out_dir``, replacing old outputs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    old_quarantine = out_dir / "quarantine"
    if old_quarantine.exists():
        shutil.rmtree(old_quarantine)
    for old in out_dir.glob("*.parquet"):
        old.unlink()
    for item in staging.iterdir():
        os.replace(item, out_dir / item.name)


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
        Disclosure-control threshold (CONTRACT section 5).
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
    force = resolve_force(force, codebook)
    log.info("process: data %s -> %s (%s report, min cell %d)", data_dir, out_dir,
             f"local: {force}" if force else "national", min_cell)

    # 1. Load and check structure of every file before validating any. The
    #    qualitative instruments are optional: absent means not collected.
    raws = {name: read_raw_file(find_raw_file(data_dir, name), name) for name in INSTRUMENTS}
    not_supplied = []
    for name in QUALITATIVE:
        if has_raw_file(data_dir, name):
            raws[name] = read_raw_file(find_raw_file(data_dir, name), name)
        else:
            not_supplied.append(name)
            log.info("%s: no file supplied; reported as not collected", name)
    # 2. Validate (raises StructuralError for a missing required column).
    results: dict[str, ValidationResult] = {
        name: validate_table(raw, codebook.instruments[name], codebook) for name, raw in raws.items()
    }
    counts = []
    tables = {}
    for name, res in results.items():  # validate_table has checked raw = kept + quarantined
        scoped = _in_scope(res.clean, force)
        tables[name] = scoped
        counts.append({"instrument": name, "file": raws[name].path.name, "encoding": raws[name].encoding,
                       "raw_rows": res.raw_rows, "kept": len(res.clean),
                       "quarantined": len(res.quarantine), "in_scope": len(scoped)})
        log.info("%-20s %5d rows read, %5d kept, %4d quarantined%s", name, res.raw_rows, len(res.clean),
                 len(res.quarantine), f", {len(scoped)} in {force}" if force else "")
    row_counts = pd.DataFrame(counts)
    not_collected = {name: res.missing_columns for name, res in results.items()}

    # 3. Derive.
    summary = summarise(tables, codebook, not_collected)
    summary = suppress(summary, min_cell=min_cell, local=force is not None)
    # A local report sets each local value beside the national one: the national results,
    # with the national build's disclosure control, travel with the local tables.
    national = None
    if force is not None:
        national = suppress(summarise({name: res.clean for name, res in results.items()}, codebook, not_collected),
                            min_cell=min_cell, local=False)
    children = tables["children_survey"]
    outcomes = load_outcomes(items=[item for item, _ in comparable_items(codebook)])
    plan = item_plan(outcomes)  # families (Holm within each), directions and SESOIs
    tests = compare_groups(children, codebook, not_collected=not_collected["children_survey"],
                           families=dict(zip(plan["measure"], plan["family"], strict=True)))
    tests = suppress_tests(tests, min_cell=min_cell)
    group_sizes = children["mini_police"].astype("object").value_counts()
    power = design_power(int(group_sizes.get("yes", 0)), int(group_sizes.get("no", 0)))
    census = tables["scheme_census"].drop(columns=list(not_collected["scheme_census"]), errors="ignore")
    sensitivity_table = sensitivity(children, census, codebook, results=summary,
                                    local=force is not None, not_collected=not_collected["children_survey"])
    missing_files = pd.DataFrame([[name, None, None, None, None, "file not supplied; not collected",
                                   "missing_column"] for name in not_supplied], columns=LOG_COLUMNS)
    events = pd.concat([r.log for r in results.values()] + [missing_files], ignore_index=True)
    events = events.reindex(columns=LOG_COLUMNS).astype(
        {"instrument": "str", "problem": "str", "action": "str", "row": "Int64"})  # typed even when empty
    synthetic = (data_dir / DEMO_MARKER).exists()
    check_outputs(summary, tests, events, power, sensitivity_table)
    design = design_table(children, codebook, plan=plan, not_collected=not_collected["children_survey"],
                          min_cell=min_cell)
    balance = balance_table(children, summary, min_cell=min_cell, local=force is not None)
    adjusted = adjusted_table(children, codebook, plan=plan, design=design,
                              not_collected=not_collected["children_survey"], min_cell=min_cell)
    check_design_outputs(design, balance, adjusted)

    # 4. Export atomically.
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".staging-", dir=out_dir.parent) as tmp:
        staging = Path(tmp)
        summary.to_csv(staging / "results.csv", index=False)
        if national is not None:
            national.to_csv(staging / "national_results.csv", index=False)
        tests.to_csv(staging / "tests.csv", index=False)
        power.to_csv(staging / "power.csv", index=False)
        sensitivity_table.to_csv(staging / "sensitivity.csv", index=False)
        for name, table in (("design", design), ("balance", balance), ("adjusted", adjusted)):
            table.to_csv(staging / f"{name}.csv", index=False)
        events.to_csv(staging / "validation_log.csv", index=False)
        row_counts.to_csv(staging / "row_counts.csv", index=False)
        (staging / "quarantine").mkdir()
        for name, res in results.items():
            if len(res.quarantine):
                res.quarantine.to_csv(staging / "quarantine" / f"{name}.csv", index=False)
            tables[name].to_parquet(staging / f"{name}.parquet", index=False)
        manifest = {
            "contract_version": 1,
            "codebook_version": codebook.version,
            "data_dir": str(data_dir.resolve()),
            "force": force,
            "min_cell": min_cell,
            "synthetic": synthetic,
            "inputs": {name: {"file": raw.path.name, "sha256": raw.sha256} for name, raw in raws.items()},
            "versions": _versions(),
            "outcomes": {"file": OUTCOMES_PATH.name, "sha256": file_sha256(),
                         "changed": outcomes.get("changed", {}).get("date")},
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        _write_outputs(staging, out_dir)

    quarantined = int(row_counts["quarantined"].sum())
    seconds = time.perf_counter() - started
    log.info("process: %d results rows, %d comparisons, %d sensitivity rows, %d log events, %d rows quarantined "
             "(%.1f s)", len(summary), len(tests), len(sensitivity_table), len(events), quarantined, seconds)
    if quarantined:
        log.warning("%d rows quarantined: see %s", quarantined, out_dir / "quarantine")
    return ProcessResult(out_dir, summary, tests, events, row_counts, synthetic, force, seconds, tables, power,
                         sensitivity_table)
