"""All reports at once: the national book and one local book per force, in one site.

One job: ``minipolice build-all``. It processes the raw files nationally,
chooses the forces that get a local report (active in the scheme census and
with respondents in at least one survey), builds every book in parallel and
writes a landing page that links them all::

    OUT/index.html              links to every book, with its status
    OUT/national/index.html     the national report
    OUT/<force-slug>/index.html one local report per force
    OUT/_work/<book>/           processed tables and executed notebooks

A book that fails is reported at the end (with its error) without stopping
the others; the command then exits 1.
"""

from __future__ import annotations

import html
import logging
import re
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.build.book import build_book, pages_left_out
from helpers.core import outputs
from helpers.core.codebook import Codebook, load_codebook
from helpers.core.config import DEFAULT_MIN_CELL
from helpers.core.loading import StructuralError
from helpers.core.pipeline import run_process
from helpers.core.programme import load_programme

__all__ = ["BookResult", "build_all", "local_forces", "slug"]

log = logging.getLogger(__name__)

@dataclass
class BookResult:
    """The outcome of one book of a ``build-all`` run."""

    name: str
    force: str
    path: str
    seconds: float
    error: str = ""


def slug(force: str) -> str:
    """File-name form of a force: ``"Devon & Cornwall"`` → ``"devon-cornwall"``."""
    return re.sub(r"[^a-z0-9]+", "-", force.lower()).strip("-")


def local_forces(tables: dict[str, pd.DataFrame], codebook: Codebook | None = None) -> list[str]:
    """Forces that get a local report: active in the census and with survey respondents.

    Parameters
    ----------
    tables : dict
        The national clean tables (``ProcessResult.tables``).
    codebook : Codebook, optional
        Says which instrument is the census and which are surveys (default: the packaged codebook).

    Returns
    -------
    list of str
        Force names in alphabetical order.
    """
    codebook = codebook or load_codebook()
    census = tables.get(codebook.census, pd.DataFrame(columns=["force", "status"]))
    active = set(census.loc[census["status"].astype("object").eq("active"), "force"].astype(str))
    answered = set()
    for name in (name for name in codebook.surveys if name != codebook.census):
        frame = tables.get(name)
        if frame is not None and "force" in frame:
            answered |= set(frame["force"].dropna().astype(str))
    return sorted(active & answered)


class _BookPrefix(logging.Filter):
    """Prefix each log line with the book it is about: books built in parallel interleave their lines."""

    def __init__(self, name: str):
        super().__init__()
        self.prefix = f"[{name}] "

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "_minipolice_book", False):  # once, however many handlers see it
            record.msg = self.prefix + str(record.msg)
            record._minipolice_book = True
        return True


def _one_book(data_dir: str, out_dir: str, force: str, min_cell: int, compare: str) -> BookResult:
    """Process and build one book (run in a worker process)."""
    started = time.perf_counter()
    name = slug(force) if force else "national"
    work = Path(out_dir) / "_work" / name
    target = Path(out_dir) / name
    prefix = _BookPrefix(name)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(prefix)
    try:
        result = run_process(Path(data_dir), work / "processed", force=force or None, min_cell=min_cell)
        parameters = {"data_dir": str(Path(data_dir).resolve()), "processed_dir": str((work / "processed").resolve()),
                      "force": result.force or "", "min_cell": min_cell, "synthetic": result.synthetic}
        with_comparison = (compare == "yes" or (compare == "auto" and result.synthetic)) and not force
        build_book(processed_dir=(work / "processed").resolve(), book_dir=(work / "book").resolve(),
                   html_dir=target.resolve(), parameters=parameters,
                   banner=load_programme().synthetic_banner if result.synthetic else None,
                   title=load_programme().local_title(force),
                   jobs=1, exclude=pages_left_out(work / "processed", compare=with_comparison,
                                                          auto=compare == "auto"))
        return BookResult(name, force, f"{name}/index.html", time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - one failing force must not stop the others
        log.debug("%s failed:\n%s", name, traceback.format_exc())
        summary = " ".join(str(exc).split())  # one line, with the first problem (not just its heading)
        return BookResult(name, force, "", time.perf_counter() - started,
                          f"{type(exc).__name__}: {summary[:400]}")
    finally:
        for handler in handlers:
            handler.removeFilter(prefix)


def _landing_page(results: list[BookResult], *, synthetic: bool) -> str:
    rows = []
    for book in results:
        label = html.escape(book.force or "National report (all forces)")
        if book.error:
            rows.append(f"<li>{label}: not built ({html.escape(book.error.splitlines()[0])})</li>")
        else:
            rows.append(f'<li><a href="{html.escape(book.path)}">{label}</a></li>')
    programme = load_programme()
    banner = (f'<p role="note"><strong>{html.escape(programme.synthetic_banner)}</strong></p>' if synthetic else "")
    heading = html.escape(f"{programme.title} reports")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{heading}</title></head>\n<body>\n<main>\n"
            f"<h1>{heading}</h1>\n" + banner +
            "\n<p>The national report, and a local report for each force that runs an active scheme and "
            "has survey respondents. Local reports suppress small numbers to protect the children.</p>\n"
            "<h2>Reports</h2>\n<ul>\n" + "\n".join(rows) + "\n</ul>\n</main>\n</body>\n</html>\n")


def build_all(data_dir: Path, out_dir: Path, *, jobs: int = 1, min_cell: int = DEFAULT_MIN_CELL,
              compare: str = "auto", forces: list[str] | None = None) -> list[BookResult]:
    """Build the national book and one local book per force, in parallel, into one site.

    Parameters
    ----------
    data_dir : Path
        Raw files.
    out_dir : Path
        The site folder (see the module docstring for its layout).
    jobs : int
        Books built at once (each executes its notebooks one at a time).
    min_cell : int
        Disclosure threshold for every book.
    compare : {"auto", "yes", "no"}
        The 2019 comparison appendix in the national book (never in local ones).
    forces : list of str, optional
        Local reports to build; by default :func:`local_forces` of the national data.

    Returns
    -------
    list of BookResult
        National first, then forces in order; ``error`` is empty for books that built.
    """
    out_dir = Path(out_dir)
    legacy_site = (out_dir / "_work").is_dir()
    outputs.check_separate(data_dir, out_dir)
    if min_cell < 1:
        raise StructuralError(f"--min-cell {min_cell}: local reports need disclosure control; use 1 or more")
    out_dir.mkdir(parents=True, exist_ok=True)
    national = run_process(Path(data_dir), out_dir / "_work" / "national" / "processed", min_cell=min_cell)
    chosen = local_forces(national.tables) if forces is None else list(forces)
    log.info("build-all: the national book and %d local books (%s), %d at a time", len(chosen),
             ", ".join(chosen) or "none", jobs)
    names = [""] + chosen
    results: dict[str, BookResult] = {}
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(_one_book, str(data_dir), str(out_dir), force, min_cell, compare): force
                   for force in names}
        for done, future in enumerate(as_completed(futures), start=1):
            book = future.result()
            results[futures[future]] = book
            status = f"failed: {book.error}" if book.error else "done"
            log.info("build-all: book %d/%d %s %s (%.0f s)", done, len(names), book.force or "national", status,
                     book.seconds)
    ordered = [results[name] for name in names]
    if legacy_site and not (out_dir / outputs.RECORD).exists():
        outputs.add_owned(out_dir, ["index.html"])  # a site built before ownership records existed
    outputs.claim(out_dir, ["index.html"])  # never a user's own index.html (helpers.core.outputs)
    (out_dir / "index.html").write_text(_landing_page(ordered, synthetic=national.synthetic), encoding="utf-8")
    failed = [book for book in ordered if book.error]
    log.info("build-all: %d of %d books built; site: %s", len(ordered) - len(failed), len(ordered),
             out_dir / "index.html")
    for book in failed:
        log.error("build-all: %s was not built: %s", book.force or "national", book.error)
    return ordered
