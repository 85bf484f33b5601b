"""The ``minipolice`` command (docs/contract.md section 1).

One job: parse arguments, set up logging and map outcomes to exit codes:
0 success (even with quarantined rows: the log says so), 2 the input cannot
be used (one clear message naming the file and what is wrong), 1 any other
failure.

Subcommands::

    minipolice process   --data-dir DIR --out OUT [--force NAME] [--min-cell K]
    minipolice build     --data-dir DIR --out OUT [--force NAME] [--min-cell K] [--jobs N] [--no-cache]
    minipolice demo-data --out DIR [--seed S] [--waves]
    minipolice profile check --data-dir DIR
    minipolice profile init FILE --instrument NAME [--preset P]
    minipolice questionnaire --out DIR [--instrument NAME ...] [--no-pdf]

Every subcommand takes ``--programme DIR|NAME`` (:mod:`helpers.core.programme`):
the programme folder whose definitions, chapters and data the run uses.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import time
from pathlib import Path

from helpers import __version__
from helpers.core import outputs
from helpers.core.config import (
    BOOK_DIR,
    DEFAULT_MIN_CELL,
    DEFAULT_SEED,
    PROCESSED_DIR,
    PROGRAMME_ROOT,
    PROJECT_ROOT,
    RAW_DIR,
)
from helpers.core.loading import StructuralError
from helpers.core.programme import ENVIRONMENT_VARIABLE, ProgrammeError, load_programme
from helpers.core.programme import resolve as resolve_programme

__all__ = ["main", "build_parser"]

log = logging.getLogger("minipolice")

_PARTIAL = (
    "--force restricts every table to one force's respondents (the national results travel "
    "with it for comparison); --min-cell suppresses small cells, with secondary suppression so "
    "that no suppressed number can be worked out from the others (docs/contract.md section 5)."
)

#: Shown on every page of a book built with ``--min-cell 0``.
DISCLOSURE_OFF_BANNER = ("Disclosure control is OFF in this build (--min-cell 0): small numbers are shown "
                         "unsuppressed and could identify children. Do not publish or share it.")


def _common(parser: argparse.ArgumentParser, *, out_help: str) -> None:
    parser.add_argument("--data-dir", type=Path, default=RAW_DIR,
                        help="folder holding the five raw files (default: data/raw)")
    parser.add_argument("--out", type=Path, default=None, help=out_help)
    parser.add_argument("--force", default=None, metavar="NAME",
                        help="build a local report for one police force (e.g. 'Durham')")
    parser.add_argument("--min-cell", type=int, default=DEFAULT_MIN_CELL, metavar="K",
                        help=f"disclosure-control threshold (default {DEFAULT_MIN_CELL})")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``minipolice`` command."""
    parser = argparse.ArgumentParser(
        prog="minipolice",
        description=f"{load_programme().title}: validate survey exports, process them, build the report.",
        epilog=_PARTIAL,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--programme", metavar="DIR|NAME",
                        help="the programme to evaluate: a programme folder, or a name under programmes/ "
                        "(default: the repository root's programme); may be given after the subcommand too")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug output and full tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("process", help="validate and process raw files into tables (no notebooks)",
                       description="Validate the raw files and write the processed tables to OUT.",
                       epilog=_PARTIAL)
    _common(p, out_help="output folder for the tables (default: data/processed)")

    b = sub.add_parser("build", help="process, execute the chapter notebooks, build the HTML book",
                       description="Process the raw files, execute every chapter notebook with "
                       "papermill and compile the HTML book. Without --out: tables in "
                       "data/processed, notebooks in book/, HTML in book/_build/html. With "
                       "--out OUT: tables in OUT, notebooks in OUT/book, HTML in OUT/html.",
                       epilog=_PARTIAL)
    _common(b, out_help="output folder (default: data/processed and book/)")
    b.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="notebooks executed in parallel (default: the number of cores)")
    b.add_argument("--no-cache", action="store_true",
                   help="process, execute and compile everything, even what is unchanged since the last "
                   "build (the cache in the book folder's .cache is refreshed)")
    b.add_argument("--compare-2019", choices=["auto", "yes", "no"], default="auto",
                   help="include the appendix comparing results with the 2019 report's published "
                   "numbers (default auto: only for the synthetic demo data)")

    a = sub.add_parser("build-all", help="build the national book and a local book per force, in one site",
                       description="Build the national report and one local report for every force that "
                       "is active in the scheme census and has survey respondents, in parallel, into "
                       "OUT with an index page linking them. A failing book is reported at the end "
                       "without stopping the others (exit status 1).")
    a.add_argument("--data-dir", type=Path, default=RAW_DIR, help="folder with the raw files (default: data/raw)")
    a.add_argument("--out", type=Path, default=BOOK_DIR / "site", help="site folder (default: book/site)")
    a.add_argument("--min-cell", type=int, default=DEFAULT_MIN_CELL, metavar="K",
                   help=f"disclosure threshold (default {DEFAULT_MIN_CELL})")
    a.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="books built at once (default: the number of cores)")
    a.add_argument("--compare-2019", choices=["auto", "yes", "no"], default="auto",
                   help="2019 comparison appendix in the national book (default auto: demo data only)")

    pr = sub.add_parser("profile", help="check how survey-tool exports are read, or draft a profile for one",
                        description="Exports from survey tools are read through *.profile.yml files in the "
                        "data folder (docs/contract.md section 7).")
    prs = pr.add_subparsers(dest="profile_command", required=True)
    pc = prs.add_parser("check", help="dry run: how every file would be read (writes nothing)",
                        description="Print, for every file, the header -> column table, dropped and unmatched "
                        "headers, answers outside their scale and the rows read, kept and quarantined. Writes "
                        "nothing; exits as process would (2 for input process would refuse).")
    pc.add_argument("--data-dir", type=Path, default=RAW_DIR, help="folder with the exports (default: data/raw)")
    pi = prs.add_parser("init", help="write a draft profile beside an export",
                        description="Match the export's headers to the codebook and write FILE's draft profile "
                        "(<stem>.profile.yml beside it) with what matched and a # TODO line for each required "
                        "column that did not.")
    pi.add_argument("file", type=Path, metavar="FILE", help="the export file")
    pi.add_argument("--instrument", required=True, metavar="NAME", help="which instrument it holds, e.g. "
                    "children_survey")
    pi.add_argument("--preset", default=None, metavar="P",
                    help="msforms, qualtrics, surveymonkey or googleforms (defaults of that tool's exports)")

    d = sub.add_parser("demo-data", help="regenerate the synthetic demo raw files",
                       description="Write the synthetic demonstration raw files. The committed "
                       "data/raw is exactly this output with the default seed.")
    d.add_argument("--out", type=Path, default=RAW_DIR, help="output folder (default: data/raw)")
    d.add_argument("--seed", type=int, default=None,
                   help=f"random seed (default {DEFAULT_SEED}; a programme folder's demo.py has its own)")
    d.add_argument("--waves", action="store_true",
                   help="a children's survey asked twice (baseline and follow-up, linked by child_key) with a "
                   "known true difference in differences (docs/waves-and-years.md)")

    from helpers.core.codebook import load_codebook

    try:  # the programme's own survey instruments
        surveys = load_codebook().surveys
    except (OSError, ValueError, KeyError, TypeError):  # a broken codebook is reported by the command that reads it
        surveys = ()
    q = sub.add_parser("questionnaire", help="write printable questionnaires, data-entry workbooks and question lists",
                       description="Write, from the codebook alone, each instrument's printable questionnaire "
                       "(OUT/paper/*.html and *.pdf), its data-entry workbook for typing paper forms "
                       "(OUT/data-entry/*.xlsx, a folder that process reads once filled) and its question list "
                       "for building the form in an online tool (OUT/question-lists/*_questions.csv).")
    q.add_argument("--out", type=Path, default=PROJECT_ROOT / "questionnaire",
                   help="output folder (default: questionnaire/)")
    q.add_argument("--instrument", nargs="+", choices=surveys, default=None, metavar="NAME",
                   help="only these instruments (default: all of them: " + ", ".join(surveys) + ")")
    q.add_argument("--no-pdf", action="store_true",
                   help="skip the PDFs (they need Debian's chromium: apt-get install chromium)")
    return parser


def _setup_logging(quiet: bool, verbose: bool) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("minipolice: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("papermill", "traitlets", "matplotlib", "fontTools", "PIL", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _check_options(args: argparse.Namespace) -> None:
    """Refuse option values that cannot give a safe report (exit status 2, before anything is written)."""
    force = getattr(args, "force", None)
    if force is not None and not force.strip():
        raise StructuralError("--force is empty: give a force name (e.g. --force Durham), or leave --force out "
                              "for the national report")
    if args.min_cell < 0 or (args.min_cell < 1 and (force is not None or args.command == "build-all")):
        raise StructuralError(f"--min-cell {args.min_cell}: must be 1 or more for local reports (0 turns "
                              "disclosure control off, which only a national working copy may do)")


def _process(args: argparse.Namespace) -> int:
    from helpers.core.pipeline import run_process

    _check_options(args)
    out = args.out or PROCESSED_DIR
    result = run_process(args.data_dir, out, force=args.force, min_cell=args.min_cell)
    log.info("tables written to %s", result.out_dir)
    return 0


def _build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.out is None:
        processed, book_dir, html_dir = PROCESSED_DIR, BOOK_DIR, None
    else:
        processed, book_dir, html_dir = args.out, args.out / "book", args.out / "html"
    _check_options(args)
    outputs.check_separate(args.data_dir, processed, book_dir, html_dir)
    with outputs.locked(processed, book_dir):  # a second build into the same folders stops (exit 2)
        return _build_locked(args, started, processed, book_dir, html_dir)


def _build_locked(args, started, processed, book_dir, html_dir) -> int:
    from helpers.build.book import build_book, pages_left_out, process_if_changed, summarize

    result = process_if_changed(args.data_dir, processed, force=args.force, min_cell=args.min_cell,
                                state_dir=Path(book_dir) / ".cache", use_cache=not args.no_cache)
    parameters = {
        "data_dir": str(Path(args.data_dir).resolve()),
        "processed_dir": str(Path(processed).resolve()),
        "force": result.force or "",
        "min_cell": args.min_cell,
        "synthetic": result.synthetic,
    }
    programme = load_programme()
    title = programme.local_title(result.force)
    compare = result.synthetic if args.compare_2019 == "auto" else args.compare_2019 == "yes"
    compare = compare and not result.force  # the 2019 report published national numbers only
    index = build_book(
        processed_dir=Path(processed).resolve(),
        book_dir=Path(book_dir).resolve(),
        html_dir=Path(html_dir).resolve() if html_dir else None,
        parameters=parameters,
        banner=" ".join(notice for notice in (programme.synthetic_banner if result.synthetic else "",
                                              DISCLOSURE_OFF_BANNER if args.min_cell == 0 else "") if notice)
        or None,
        title=title,
        jobs=max(1, args.jobs),
        exclude=pages_left_out(processed, compare=compare, auto=args.compare_2019 == "auto"),
        use_cache=not args.no_cache,
    )
    log.info("%s", summarize(index, processed, seconds=time.perf_counter() - started))
    log.info("book: %s", index)
    return 0


def _build_all(args: argparse.Namespace) -> int:
    from helpers.build.site import build_all

    _check_options(args)
    outputs.check_separate(args.data_dir, args.out)
    with outputs.locked(args.out):  # one build-all per site folder
        books = build_all(args.data_dir, args.out, jobs=max(1, args.jobs), min_cell=args.min_cell,
                          compare=args.compare_2019)
    return 1 if any(book.error for book in books) else 0


def _demo(args: argparse.Namespace) -> int:
    from helpers.demo import generate

    written = generate(args.out, seed=args.seed, waves=args.waves)  # the programme's generator (programme.yml)
    log.info("demo data of %s (%s%s): %d files written to %s", load_programme().name,
             "its default seed" if args.seed is None else f"seed {args.seed}", ", waves" if args.waves else "",
             len(written), args.out)
    return 0


@contextlib.contextmanager
def _stop_on_sigterm():
    """SIGTERM (``kill``, a CI timeout) stops the run like Ctrl-C: staging folders and locks are cleaned up."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (e.g. called from a test's worker): nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _profile(args: argparse.Namespace) -> int:
    from helpers.core.codebook import load_codebook
    from helpers.core.profiles import check_report, draft_profile

    codebook = load_codebook()
    if args.profile_command == "check":
        sys.stdout.write(check_report(args.data_dir, codebook))
        return 0
    target = args.file.with_name(f"{args.file.stem}.profile.yml")
    if target.exists():
        raise StructuralError(f"{target}: a profile is already there; remove it first or edit it")
    if not args.file.is_file():
        raise StructuralError(f"{args.file}: no such file")
    text = draft_profile(args.file, args.instrument, codebook, preset=args.preset)
    target.write_text(text, encoding="utf-8")
    log.info("draft profile written to %s (check it; fill in any TODO)", target)
    return 0


def _questionnaire(args: argparse.Namespace) -> int:
    from helpers.build.pdf import PdfError
    from helpers.core.questionnaire import write_questionnaires

    try:
        files = write_questionnaires(args.out, args.instrument, pdf=not args.no_pdf)
    except PdfError as exc:
        log.error("error: the PDF questionnaires were not written (%s); the HTML forms, workbooks and question "
                  "lists are in %s (--no-pdf skips the PDFs)", exc, args.out)
        return 1
    log.info("%d files written to %s", len(files), args.out)
    return 0


_COMMANDS = {"process": _process, "profile": _profile, "build": _build, "build-all": _build_all, "demo-data": _demo,
             "questionnaire": _questionnaire}


def _take_programme(argv: list[str]) -> tuple[str | None, list[str]]:
    """``--programme DIR|NAME`` (anywhere on the line, also as ``--programme=X``) and the other arguments."""
    rest, spec, i = [], None, 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--programme":
            if i + 1 >= len(argv):
                raise ProgrammeError("--programme needs a programme folder or name (e.g. --programme allstars)")
            spec, i = argv[i + 1], i + 2
            continue
        if arg.startswith("--programme="):
            spec = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        i += 1
    return spec, rest


def _in_programme(spec: str | None, argv: list[str]) -> int | None:
    """Run the command for another programme in a child process; ``None`` when this process already serves it.

    Every path of a run (definitions, notebooks, data, the book) follows from
    the programme, which :mod:`helpers.core.config` fixes when it is
    imported; the child is started with ``MINIPOLICE_PROGRAMME`` set, and so
    are the notebook kernels it starts.
    """
    programme = resolve_programme(spec)
    if programme.root == PROGRAMME_ROOT:
        return None
    import subprocess

    env = dict(os.environ, **{ENVIRONMENT_VARIABLE: str(programme.root)})
    log.debug("programme %s: running in %s", programme.name, programme.root)
    return subprocess.run([sys.executable, "-m", "helpers.cli", *argv], env=env).returncode


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        spec, argv = _take_programme(argv)
        delegated = _in_programme(spec, argv)
    except ProgrammeError as exc:
        _setup_logging(False, False)
        log.error("error: %s", exc)
        return 2
    if delegated is not None:
        return delegated
    args = build_parser().parse_args(argv)
    _setup_logging(args.quiet, args.verbose)
    started = time.perf_counter()
    try:
        with _stop_on_sigterm():
            status = _COMMANDS[args.command](args)
    except StructuralError as exc:
        log.error("error: %s", exc)
        return 2
    except KeyboardInterrupt:
        log.error("interrupted")
        return 1
    except Exception as exc:  # noqa: BLE001 - the command's last line of defence
        if args.verbose or os.environ.get("MINIPOLICE_DEBUG"):
            log.exception("failed")
        else:
            log.error("failed: %s: %s (run with -v for the traceback)", type(exc).__name__, exc)
        return 1
    log.debug("done in %.1f s", time.perf_counter() - started)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
