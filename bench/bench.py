"""Benchmark of the build and the pipeline (issue 7), every number measured in one run.

    .venv/bin/python bench/bench.py [--work DIR] [--keep] [--out bench/results.json]

(``make bench``.) Steps, on a copy of ``data/raw`` in a scratch folder:

(a) cold build: ``minipolice build`` with an empty cache (process, execute
    every notebook, compile the HTML);
(b) baseline: plain ``jupyter-book build`` of the same notebooks, with the
    same parameters injected (papermill ``prepare_only``) and
    ``execute_notebooks: force``, so Jupyter Book executes them itself;
(c) no-op rebuild: ``minipolice build`` again, nothing changed;
(d) one raw answer changed, twice: the first mini-police child becomes "no"
    (a grouping answer, which moves most results), then one child's answer
    to one item (``impact_speaking``). Each time: which notebooks ran again
    and which were reused, the time against the cold build, and which pages
    had used an input that changed (a whole file, or the rows, columns or
    entries of it the page selected: :mod:`helpers.build.tracking`); after
    the first, whether the front page shows the new count;
(e) ``minipolice process`` on 100x the demo children (about 35,000 rows) and
    on 1,000,000 rows: wall time and peak memory (``ru_maxrss`` of the
    process);
(f) ``minipolice process`` on 1,000,000 children exported as Qualtrics does
    (three header rows, metadata columns, numeric answers) and read through
    a profile with answer maps (CONTRACT section 7): the same targets as (e).

``--only f`` runs step (f) alone (and checks its target).

Prints a table, writes ``bench/results.json`` and exits 1 if a target is
missed: (a)/(b) <= 0.6; (c) <= 5 s; (d) exactly the affected notebooks ran
(both times) and the new number is in the HTML; (e) and (f) 1,000,000 rows in <= 60 s
and <= 2 GB.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MINIPOLICE = [str(BIN / "minipolice")] if (BIN / "minipolice").exists() else [sys.executable, "-m", "helpers.cli"]
RAW = ROOT / "data" / "raw"

TARGETS = {"ratio": 0.6, "noop_seconds": 5.0, "million_seconds": 60.0, "million_mb": 2048.0}

# Measures the peak memory of one child process: ru_maxrss of a parent that waits for nothing else.
_MEASURE = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"seconds": time.perf_counter() - started, "returncode": proc.returncode,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "stderr": proc.stderr[-3000:]}))
"""


def run(cmd: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    """Run a command; return its wall time and the completed process (raises on failure)."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-5000:])
        raise SystemExit(f"bench: {' '.join(cmd[:3])} ... failed with status {proc.returncode}")
    return seconds, proc


def measure(cmd: list[str]) -> dict:
    """Wall time and peak memory (MB) of one command."""
    _, proc = run([sys.executable, "-c", _MEASURE, *cmd])
    result = json.loads(proc.stdout)
    if result["returncode"] != 0:
        sys.stderr.write(result["stderr"])
        raise SystemExit(f"bench: {' '.join(cmd[:3])} ... failed with status {result['returncode']}")
    return {"seconds": round(result["seconds"], 2), "peak_mb": round(result["maxrss_kb"] / 1024, 1)}


def build(raw: Path, out: Path) -> tuple[float, str]:
    seconds, proc = run([*MINIPOLICE, "build", "--data-dir", str(raw), "--out", str(out)])
    return seconds, proc.stderr


def notebook_lines(log: str) -> tuple[list[str], list[str]]:
    """Notebooks the build reused and executed, from its log."""
    reused = re.findall(r"reused\s+(\S+) \(", log)
    executed = re.findall(r"execute\s+(\S+): ", log)
    return reused, executed


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- (b) the baseline -----------------------------------------------------------------------------

def baseline(processed: Path, raw: Path, work: Path) -> float:
    """Plain Jupyter Book executing the same notebooks with the same parameters."""
    import nbformat
    import papermill as pm
    import yaml

    from helpers.build import sources
    from helpers.build.book import toc_pages, write_book_config
    from helpers.core.config import NOTEBOOKS_DIR
    from helpers.core.programme import load_programme

    book = work / "plain"
    book.mkdir(parents=True)
    parameters = {"data_dir": str(raw), "processed_dir": str(processed), "force": "", "min_cell": 5,
                  "synthetic": True}
    for stem in toc_pages():
        target = book / f"{stem}.ipynb"
        source = sources.prepare(NOTEBOOKS_DIR, stem, work / "plain_sources")
        pm.execute_notebook(str(source), str(target), parameters=parameters,
                            prepare_only=True, kernel_name="python3", progress_bar=False)
        notebook = nbformat.read(target, as_version=4)
        for cell in notebook.cells:  # hidden as in our build: it holds local paths
            if "injected-parameters" in cell.metadata.get("tags", []):
                cell.metadata["tags"] = [*cell.metadata["tags"], "remove-cell"]
        nbformat.write(notebook, target)
    write_book_config(book, banner=load_programme().synthetic_banner)
    config = yaml.safe_load((book / "_config.yml").read_text())
    config["execute"] = {"execute_notebooks": "force", "timeout": -1}  # no per-cell time limit
    (book / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    jupyter_book = str(BIN / "jupyter-book")
    seconds, _ = run([jupyter_book, "build", str(book), "--path-output", str(book), "--all", "-W", "-n",
                      "--keep-going"])
    if not (book / "_build" / "html" / "index.html").exists():
        raise SystemExit("bench: the baseline built no index.html")
    return seconds


# -- (e) scaled data ------------------------------------------------------------------------------

def scaled_copy(rows: int, target: Path, seed: int = 7) -> Path:
    """The demo raw folder with ``rows`` children, drawn with replacement from the demo children (new ids)."""
    shutil.copytree(RAW, target)
    with open(RAW / "children_survey.csv", newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        records = list(reader)
    id_at = header.index("respondent_id")
    tails = []
    for record in records:  # every field but the id, CSV-encoded once
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(record[:id_at] + ["\0"] + record[id_at + 1:])
        tails.append(buffer.getvalue().split("\0"))
    draw = random.Random(seed).choices(range(len(tails)), k=rows)
    with open(target / "children_survey.csv", "w", encoding="utf-8", newline="") as out:
        out.write(",".join(header) + "\n")
        for i, pick in enumerate(draw, 1):
            before, after = tails[pick]
            out.write(f"{before}B{i:07d}{after}\n")
    return target


def profile_export_copy(rows: int, target: Path, seed: int = 11) -> Path:
    """The demo raw folder with ``rows`` children as a Qualtrics export with numeric answers, and its profile.

    The rows are drawn with replacement from the Qualtrics fixture of ``tests/fixtures/exports`` (the demo
    children, numeric answers, planted personal data), each with a new response id.
    """
    fixture = ROOT / "tests" / "fixtures" / "exports" / "qualtrics"
    export = next(fixture.glob("*.csv"))
    shutil.copytree(RAW, target)
    (target / "children_survey.csv").unlink()
    shutil.copy(fixture / "children.profile.yml", target)
    with open(export, newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    head, body = records[:3], records[3:]
    id_at = head[1].index("Response ID")
    tails = []
    for record in body:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(record[:id_at] + ["\0"] + record[id_at + 1:])
        tails.append(buffer.getvalue().split("\0"))
    draw = random.Random(seed).choices(range(len(tails)), k=rows)
    with open(target / export.name, "w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows(head)
        for i, pick in enumerate(draw, 1):
            before, after = tails[pick]
            out.write(f"{before}R_{i:07d}{after}\n")
    return target


def profile_step(work: Path) -> dict:
    """(f): process a million children read through a Qualtrics profile."""
    data = profile_export_copy(1_000_000, work / "raw_profile_1M")
    try:
        return {"rows": 1_000_000, **measure([*MINIPOLICE, "-q", "process", "--data-dir", str(data),
                                              "--out", str(work / "processed_profile_1M")])}
    finally:
        shutil.rmtree(data)


# -- the run --------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--only", choices=["f"], default=None,
                        help="run one step alone: f = process a million rows read through a profile")
    args = parser.parse_args(argv)
    work = Path(args.work or tempfile.mkdtemp(prefix="minipolice-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.only == "f":
        try:
            print("bench: (f) process, 1,000,000 children through a Qualtrics profile ...", file=sys.stderr,
                  flush=True)
            step = profile_step(work)
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        met = step["seconds"] <= TARGETS["million_seconds"] and step["peak_mb"] <= TARGETS["million_mb"]
        print(f"(f) process, 1,000,000 children via a profile: {step['seconds']:.1f} s, peak "
              f"{step['peak_mb']:,.0f} MB (<= 60 s, <= 2 GB: {'met' if met else 'MISSED'})")
        return 0 if met else 1
    results: dict = {
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cores": os.cpu_count(), "load_average_at_start": os.getloadavg()[0],
                    "python": platform.python_version(), "platform": platform.platform(terse=True)},
        "targets": TARGETS,
    }
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        results["commit"] = commit.stdout.strip() or None
    except OSError:
        results["commit"] = None
    try:
        raw = work / "raw"
        shutil.copytree(RAW, raw)
        out = work / "ours"
        print("bench: (a) cold build ...", file=sys.stderr, flush=True)
        cold, cold_log = build(raw, out)
        reused, executed = notebook_lines(cold_log)
        results["a_cold_build"] = {"seconds": round(cold, 2), "executed": len(executed), "reused": len(reused),
                                   "jobs": os.cpu_count()}

        print("bench: (b) plain jupyter-book, execute_notebooks: force ...", file=sys.stderr, flush=True)
        plain = baseline(out, raw, work)
        results["b_plain_jupyter_book"] = {"seconds": round(plain, 2), "notebooks": len(executed)}
        results["ratio_a_b"] = round(cold / plain, 3)

        print("bench: (c) no-op rebuild ...", file=sys.stderr, flush=True)
        noop, noop_log = build(raw, out)
        reused, executed = notebook_lines(noop_log)
        results["c_noop_rebuild"] = {"seconds": round(noop, 2), "executed": executed, "reused": len(reused),
                                     "html_rebuilt": "HTML unchanged" not in noop_log,
                                     "process_rerun": "reusing the tables" not in noop_log}

        print("bench: (d) one raw answer changed ...", file=sys.stderr, flush=True)
        results["d_one_answer"] = one_answer(raw, out)
        results["d_one_item"] = one_item(raw, out)
        for key in ("d_one_answer", "d_one_item"):
            results[key]["ratio_to_cold"] = round(results[key]["seconds"] / cold, 3)

        print("bench: (e) process at scale ...", file=sys.stderr, flush=True)
        scale = {}
        for label, rows in (("35k", 100 * count_children()), ("1M", 1_000_000)):
            data = scaled_copy(rows, work / f"raw_{label}")
            scale[label] = {"rows": rows, **measure([*MINIPOLICE, "-q", "process", "--data-dir", str(data),
                                                     "--out", str(work / f"processed_{label}")])}
            shutil.rmtree(data)
        results["e_process_scale"] = scale

        print("bench: (f) process, 1,000,000 children through a Qualtrics profile ...", file=sys.stderr, flush=True)
        results["f_profile_export"] = profile_step(work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    results["met"] = verdicts(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nwritten to {args.out}")
    return 0 if all(results["met"].values()) else 1


def count_children() -> int:
    with open(RAW / "children_survey.csv", newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def one_answer(raw: Path, out: Path) -> dict:
    """(d): move the first mini-police child to the other children, rebuild, check what ran and the page."""
    sentence = "{} of them were in the mini-police"
    before_text = text_of((out / "html" / "index.html").read_text(encoding="utf-8"))
    path = raw / "children_survey.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    col = header.index("mini_police")
    first = next(i for i, row in enumerate(rows[1:], 1) if row[col].strip().lower() == "yes")
    changed_id = rows[first][header.index("respondent_id")]
    rows[first][col] = "no"
    mini_before = sum(row[col].strip().lower() == "yes" for row in rows[1:]) + 1
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)

    tables = {p.name: sha(p) for p in out.iterdir() if p.is_file()}
    metas = latest_executions(out)
    seconds, log = build(raw, out)
    changed_tables = sorted(n for n in tables if sha(out / n) != tables[n] and n != "manifest.json")
    expected = sorted(stem for stem, meta in metas.items() if used_a_change(meta))
    reused, executed = notebook_lines(log)
    after_text = text_of((out / "html" / "index.html").read_text(encoding="utf-8"))
    return {
        "seconds": round(seconds, 2),
        "change": f"children_survey.csv: mini_police of {changed_id} yes -> no",
        "processed_tables_changed": changed_tables,
        "executed": sorted(executed),
        "reused": sorted(reused),
        "expected_executed": expected,
        "exactly_affected": sorted(executed) == expected,
        "page_before": sentence.format(mini_before) if sentence.format(mini_before) in before_text else None,
        "page_after": sentence.format(mini_before - 1) if sentence.format(mini_before - 1) in after_text else None,
        "new_number_shown": sentence.format(mini_before - 1) in after_text
        and sentence.format(mini_before) not in after_text,
    }


def latest_executions(out: Path) -> dict:
    """Per page, the record of the execution the last build used (most recently used first)."""
    metas = {}
    for folder in (out / "book" / ".cache" / "notebooks").iterdir():
        entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        metas[folder.name] = json.loads(entries[0].read_text())
    return metas


def used_a_change(meta: dict) -> bool:
    """Whether an input the page used changed: a file it read whole, or the rows/columns/entries it selected."""
    from helpers.build import cache

    if any(cache.file_hash(Path(p)) != h for p, h in meta["reads"].items()):
        return True
    hashes = {"rows": cache.rows_hash, "cols": cache.columns_hash, "keys": cache.keys_hash}
    return any(hashes[kind](Path(p), used["names"]) != used["hash"]
               for kind in hashes for p, used in meta.get(kind, {}).items())


def one_item(raw: Path, out: Path, column: str = "impact_speaking") -> dict:
    """(d), second change: one child's answer to one item moves one step; which pages ran again."""
    path = raw / "children_survey.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    col = header.index(column)
    first = next(i for i, row in enumerate(rows[1:], 1) if row[col] == "neither")
    rows[first][col] = "agree"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    metas = latest_executions(out)
    seconds, log = build(raw, out)
    reused, executed = notebook_lines(log)
    expected = sorted(stem for stem, meta in metas.items() if used_a_change(meta))
    return {"seconds": round(seconds, 2),
            "change": f"children_survey.csv: {column} of {rows[first][header.index('respondent_id')]} "
                      "neither -> agree",
            "executed": sorted(executed), "reused": sorted(reused), "expected_executed": expected,
            "exactly_affected": sorted(executed) == expected}


def verdicts(r: dict) -> dict:
    million = r["e_process_scale"]["1M"]
    return {
        "a_b_ratio": r["ratio_a_b"] <= TARGETS["ratio"],
        "c_noop": r["c_noop_rebuild"]["seconds"] <= TARGETS["noop_seconds"] and not r["c_noop_rebuild"]["executed"],
        "d_only_affected": r["d_one_answer"]["exactly_affected"] and r["d_one_answer"]["new_number_shown"]
        and r["d_one_item"]["exactly_affected"],
        "e_million": million["seconds"] <= TARGETS["million_seconds"] and million["peak_mb"] <= TARGETS["million_mb"],
        "f_profile_million": r["f_profile_export"]["seconds"] <= TARGETS["million_seconds"]
        and r["f_profile_export"]["peak_mb"] <= TARGETS["million_mb"],
    }


def table(r: dict) -> str:
    ok = {True: "met", False: "MISSED"}
    a, b, c, d = r["a_cold_build"], r["b_plain_jupyter_book"], r["c_noop_rebuild"], r["d_one_answer"]
    d2 = r["d_one_item"]
    e35, e1m = r["e_process_scale"]["35k"], r["e_process_scale"]["1M"]
    m = r["met"]
    lines = [
        f"minipolice benchmark: {r['machine']['cores']} cores, load {r['machine']['load_average_at_start']:.2f} "
        f"at start, commit {r.get('commit')}, {r['when']}",
        "",
        f"{'step':<52} {'time':>9}  {'target':<18} result",
        f"{'(a) cold build: process, ' + str(a['executed']) + ' notebooks, HTML (jobs ' + str(a['jobs']) + ')':<52}"
        f" {a['seconds']:>8.1f}s",
        f"{'(b) plain jupyter-book, execute_notebooks: force':<52} {b['seconds']:>8.1f}s",
        f"{'    (a)/(b)':<52} {r['ratio_a_b']:>9.2f}  {'<= 0.6':<18} {ok[m['a_b_ratio']]}",
        f"{'(c) no-op rebuild':<52} {c['seconds']:>8.1f}s  {'<= 5 s':<18} {ok[m['c_noop']]}"
        f" ({c['reused']} reused, {len(c['executed'])} executed, HTML "
        f"{'rebuilt' if c['html_rebuilt'] else 'kept'})",
        f"{'(d) one raw answer changed':<52} {d['seconds']:>8.1f}s  {'affected only':<18} "
        f"{ok[m['d_only_affected']]}",
        f"      change: {d['change']}",
        f"      tables changed: {', '.join(d['processed_tables_changed']) or 'none'}",
        f"      executed ({len(d['executed'])}): {', '.join(d['executed']) or 'none'}",
        f"      reused ({len(d['reused'])}): {', '.join(d['reused']) or 'none'}",
        f"      used a changed input: {', '.join(d['expected_executed']) or 'none'}",
        f"      time / cold build: {d['ratio_to_cold']:.2f}",
        f"      front page: \"{d['page_before']}\" -> \"{d['page_after']}\"",
        f"{'    then one answer to one item':<52} {d2['seconds']:>8.1f}s",
        f"      change: {d2['change']}",
        f"      executed ({len(d2['executed'])}): {', '.join(d2['executed']) or 'none'}",
        f"      reused ({len(d2['reused'])}): {', '.join(d2['reused']) or 'none'}",
        f"      used a changed input: {', '.join(d2['expected_executed']) or 'none'}",
        f"      time / cold build: {d2['ratio_to_cold']:.2f}",
        f"{'(e) process, ' + format(e35['rows'], ',') + ' children':<52} {e35['seconds']:>8.1f}s  "
        f"{'':<18} peak {e35['peak_mb']:,.0f} MB",
        f"{'    process, ' + format(e1m['rows'], ',') + ' children':<52} {e1m['seconds']:>8.1f}s  "
        f"{'<= 60 s, <= 2 GB':<18} {ok[m['e_million']]}, peak {e1m['peak_mb']:,.0f} MB",
        f"{'(f) process, 1,000,000 children, Qualtrics profile':<52} {r['f_profile_export']['seconds']:>8.1f}s  "
        f"{'<= 60 s, <= 2 GB':<18} {ok[m['f_profile_million']]}, peak {r['f_profile_export']['peak_mb']:,.0f} MB",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
