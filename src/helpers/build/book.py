"""Executing the chapter notebooks and compiling the HTML book, incrementally.

One job: from processed tables to ``index.html``, doing again only what
changed (:mod:`helpers.build.cache` keeps the earlier results, keyed by content
hashes).

1. Every page of ``_toc.yml`` is executed with papermill from
   ``notebooks/<stem>.md`` (a MyST Markdown notebook, converted by
   :mod:`helpers.build.sources`; an ``.ipynb`` works too) into the book folder, with the build's
   parameters injected after the notebook's ``parameters`` cell (each must
   be declared there) -- unless an earlier execution with the same source,
   parameters, helper code and packages read exactly the data files that are
   there now, in which case that executed copy is reused. The log says, per
   notebook, whether it was reused or why it ran. Notebooks are independent
   (each reads processed tables only), so those that run are executed in
   parallel (``jobs``, default the number of cores), longest first.
2. ``_config.yml`` and ``_toc.yml`` are copied next to the executed
   notebooks, with the synthetic-data banner and a local title filled in.
3. Jupyter Book (execution off: nothing runs twice) compiles the stored
   outputs into HTML with Sphinx warnings treated as errors, from an empty
   ``_build`` -- skipped when the executed notebooks, the configuration and
   the HTML from the last build are all unchanged.

:func:`process_if_changed` does the same for ``minipolice process`` inside
``minipolice build``: the tables are reused when the raw files, options,
code and the tables themselves are as the last run left them.

A failing notebook raises :class:`BuildError` naming the notebook, the cell
and the error, without a wall of traceback; the partly executed notebook is
kept for inspection (and nothing of it is cached).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from types import SimpleNamespace

import yaml

from helpers.build import cache, sources
from helpers.core import outputs
from helpers.core.config import NOTEBOOKS_DIR, PROGRAMME_ROOT, PROJECT_ROOT

__all__ = ["BuildError", "read_toc", "toc_pages", "execute_notebook", "reader_edition", "write_book_config",
           "build_book", "process_if_changed", "summarize", "COMPARISON_PAGE", "CHANGE_PAGE", "pages_left_out"]

# jsonschema (imported by nbformat, hence by papermill, myst-nb and Jupyter Book) imports the
# optional rfc3987-syntax package, which compiles a grammar for about 3 s on every import; nothing
# in a build validates IRIs, so the build process, each kernel and the Jupyter Book process skip it.
_SKIP_SLOW_IMPORTS = "import sys; sys.modules.setdefault('rfc3987_syntax', None)"
sys.modules.setdefault("rfc3987_syntax", None)

#: The appendix comparing results with the 2019 report's published numbers.
COMPARISON_PAGE = "a4_reproduction"

#: The change chapter: only in books whose children's survey has a baseline and a follow-up (docs/waves-and-years.md).
CHANGE_PAGE = "03b_change"


def pages_left_out(processed_dir: Path, *, compare: bool, auto: bool = False) -> tuple[str, ...]:
    """Pages of ``_toc.yml`` a book leaves out: the 2019 comparison unless asked for, the change chapter
    unless ``did.csv`` has rows (the children answered at baseline and follow-up).

    With ``auto`` (``--compare-2019 auto``) the comparison is also left out of a book with waves: the
    synthetic answers with waves are drawn by another model (the programme generator's ``waves.py``,
    loaded by :mod:`helpers.demo`), not calibrated to the 2019 report's figures.
    """
    did = Path(processed_dir) / "did.csv"
    waves = did.exists() and len(did.read_text(encoding="utf-8").strip().splitlines()) > 1
    compare = compare and not (auto and waves)
    return tuple(page for page, keep in ((COMPARISON_PAGE, compare), (CHANGE_PAGE, waves)) if not keep)

log = logging.getLogger(__name__)

TOC_PATH = PROGRAMME_ROOT / "_toc.yml"
CONFIG_PATH = PROGRAMME_ROOT / "_config.yml"


class BuildError(RuntimeError):
    """A notebook failed to execute, or Sphinx reported warnings or errors."""


@functools.cache
def _kernel_manager_class():
    """papermill's kernel manager, on local IPC sockets (imported only when a notebook runs)."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class _LocalKernelManager(AsyncKernelManager):
        """Kernels talk over local IPC sockets, not TCP ports (and do not warn about it)."""

        @default("transport")
        def _default_transport(self):
            return "ipc"

        def _ip_default(self) -> str:
            # One socket prefix per kernel. jupyter_client's default for ipc is "kernel-ipc" in the
            # working directory: kernels started at once in one folder (jobs > 1) pick the same
            # socket files and then reject each other's messages ("Invalid Signature").
            return str(Path(tempfile.gettempdir()) / f"minipolice-{uuid.uuid4().hex[:12]}-ipc")

    return _LocalKernelManager


def _without(entries, exclude):
    """A toc entry list with the excluded files removed (recursively)."""
    out = []
    for entry in entries or []:
        if entry.get("file") in exclude:
            continue
        entry = dict(entry)
        for key in ("sections", "chapters"):
            if key in entry:
                entry[key] = _without(entry[key], exclude)
        out.append(entry)
    return out


def read_toc(toc_path: Path = TOC_PATH, exclude: tuple[str, ...] = ()) -> dict:
    """The table of contents as a dict, without the pages in ``exclude``."""
    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    if toc["root"] in exclude:
        raise BuildError(f"the root page {toc['root']} cannot be left out")
    for part in toc.get("parts", []):
        part["chapters"] = _without(part.get("chapters"), exclude)
    if "chapters" in toc:
        toc["chapters"] = _without(toc["chapters"], exclude)
    return toc


def toc_pages(toc_path: Path = TOC_PATH, exclude: tuple[str, ...] = ()) -> list[str]:
    """Every page of a ``jb-book`` table of contents, root first, in reading order."""
    toc = read_toc(toc_path, exclude)
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return pages


def execute_notebook(stem: str, *, notebooks_dir: Path, book_dir: Path, parameters: dict,
                     reads_log: Path | None = None) -> float:
    """Execute one notebook with papermill; return the seconds it took.

    Every parameter must be declared in the notebook's ``parameters`` cell.
    With ``reads_log``, the kernel records there the files it reads
    (:func:`helpers.build.cache.record_reads`).

    Raises
    ------
    BuildError
        An undeclared parameter or a failing cell.
    """
    import papermill as pm

    source = _source(notebooks_dir, stem, book_dir)
    target = Path(book_dir) / f"{stem}.ipynb"
    declared = set(pm.inspect_notebook(str(source)))
    undeclared = sorted(set(parameters) - declared)
    if undeclared:
        # papermill skips a parameters line it cannot parse (e.g. a comment holding "="),
        # which would silently run the chapter with its default instead of the build's value.
        raise BuildError(f"{source.name}: parameters cell does not declare {', '.join(undeclared)} "
                         "(or papermill cannot parse that line; avoid '=' in its comment)")
    # Run before the first cell, outside the notebook's history and namespace.
    setup = [_SKIP_SLOW_IMPORTS + "; del sys"]
    if reads_log is not None:
        setup.append(f"import helpers.build.cache as _c; _c.record_reads({str(reads_log)!r}); del _c")
    started = time.perf_counter()
    try:
        pm.execute_notebook(
            str(source), str(target), parameters=parameters, kernel_name="python3",
            cwd=str(book_dir), progress_bar=False, log_output=False, report_mode=False,
            request_save_on_cell_execute=False, kernel_manager_class=_kernel_manager_class(),
            extra_arguments=[f"--IPKernelApp.exec_lines={json.dumps(setup)}"],
        )
    except pm.PapermillExecutionError as exc:
        cell = exc.exec_count if exc.exec_count is not None else exc.cell_index
        raise BuildError(
            f"{source.name}: cell {cell} failed with {exc.ename}: {exc.evalue} "
            f"(the partly executed notebook is {target})"
        ) from None
    _finish_notebook(target, source=sources.chapter_source(notebooks_dir, stem))
    return time.perf_counter() - started


_TIMINGS = ("start_time", "end_time", "duration")


def _source(notebooks_dir: Path, stem: str, book_dir: Path) -> Path:
    """The ``.ipynb`` to execute for a page (a Markdown chapter is converted into the cache folder)."""
    if not sources.chapter_source(notebooks_dir, stem).exists():
        raise BuildError(f"{Path(notebooks_dir) / stem}.md: notebook listed in _toc.yml does not exist")
    return sources.prepare(notebooks_dir, stem, Path(book_dir) / cache.CACHE_DIR / "sources")


def reader_edition(cell) -> None:
    """Tag a code cell ``remove-input``: the book shows what a cell prints, never its code.

    This is the one switch that keeps code off every reader page (and so off
    the PDF edition, printed from the same pages). ``hide-input`` (a "Show
    code cell source" toggle) becomes ``remove-input``; the source notebooks
    keep their tags, and the code stays one click away through the page's
    download button and the repository. Markdown cells are left alone.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["hide-input"]})
    >>> reader_edition(cell); cell.metadata["tags"]
    ['remove-input']
    """
    if cell.cell_type != "code":
        return
    tags = [t for t in cell.metadata.get("tags", []) if t != "hide-input"]
    if "remove-input" not in tags and "remove-cell" not in tags:
        tags.append("remove-input")
    cell.metadata["tags"] = tags


def _finish_notebook(path: Path, *, source: Path | None = None) -> None:
    """Tidy an executed notebook: the same inputs give the same bytes.

    papermill's injected cell is tagged ``remove-cell`` (it holds local
    paths, not report content) and given a fixed id instead of a random
    one, and the run's clock times (papermill's
    start, end and duration, the kernel's message timestamps) are dropped.
    """
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    for key in _TIMINGS:
        notebook.metadata.get("papermill", {}).pop(key, None)
    if source is not None and "papermill" in notebook.metadata:
        # papermill ran the chapter's conversion in the cache folder; record the chapter itself.
        notebook.metadata["papermill"]["input_path"] = str(source)
    for cell in notebook.cells:
        reader_edition(cell)
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags:
            if "remove-cell" not in tags:
                cell.metadata["tags"] = [*tags, "remove-cell"]
            cell["id"] = "injected-parameters"  # papermill gives it a random id
        cell.metadata.pop("execution", None)
        for key in _TIMINGS:
            cell.metadata.get("papermill", {}).pop(key, None)
    nbformat.write(notebook, path)


def _asset_paths(config: dict) -> list[str]:
    """Local files and folders the book configuration refers to (logo, favicon, static files ...)."""
    html = config.get("html") or {}
    sphinx = (config.get("sphinx") or {}).get("config") or {}
    paths = [config.get("logo"), html.get("favicon"), *(config.get("bibtex_bibfiles") or []),
             *(sphinx.get("html_static_path") or []), *(sphinx.get("templates_path") or [])]
    return [p for p in paths if p and "://" not in str(p)]


def _asset_origin(name: str, config_path: Path) -> Path:
    """Where an asset the configuration names comes from: beside the configuration, else the engine's own.

    A programme folder (``programmes/NAME``) keeps its own configuration,
    bibliography and any asset it overrides; the theme's static files and
    templates (``book_assets/``) are shared, taken from the repository root.
    """
    own = config_path.parent / name
    shared = PROJECT_ROOT / name
    return own if own.exists() or not shared.exists() else shared


def _asset_files(config: dict, *, config_path: Path) -> list[str]:
    """Relative paths of the files :func:`_copy_assets` writes into a book folder."""
    files = []
    for name in _asset_paths(config):
        origin = _asset_origin(name, config_path)
        if origin.is_dir():
            files += [(Path(name) / p.relative_to(origin)).as_posix() for p in origin.rglob("*") if p.is_file()]
        elif origin.exists():
            files.append(Path(name).as_posix())
    return files


def _copy_assets(config: dict, *, config_path: Path, book_dir: Path) -> None:
    """Copy the assets ``config`` names (:func:`_asset_origin`) to the same place in ``book_dir``.

    Raises
    ------
    BuildError
        An asset the configuration names does not exist.
    """
    for name in _asset_paths(config):
        origin, target = _asset_origin(name, config_path), book_dir / name
        if not origin.exists():
            raise BuildError(f"{config_path} refers to {name}, which does not exist")
        if origin.resolve() == target.resolve():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(origin, target)


def write_book_config(book_dir: Path, *, banner: str | None = None, title: str | None = None,
                      config_path: Path = CONFIG_PATH, toc_path: Path = TOC_PATH,
                      exclude: tuple[str, ...] = ()) -> None:
    """Write ``_config.yml`` and ``_toc.yml`` into ``book_dir``: banner, title and excluded pages applied."""
    config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8"))
    outputs.claim(book_dir, ["_config.yml", "_toc.yml", *_asset_files(config, config_path=Path(config_path))])
    config.setdefault("html", {})["announcement"] = banner or ""
    # The cache (converted chapter sources, executed copies) is never a page of the book.
    patterns = config.setdefault("exclude_patterns", [])
    patterns += [p for p in (cache.CACHE_DIR, f"{cache.CACHE_DIR}/**") if p not in patterns]
    if title:
        config["title"] = title
    (Path(book_dir) / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    _copy_assets(config, config_path=Path(config_path), book_dir=Path(book_dir))
    if exclude:
        toc = yaml.safe_dump(read_toc(toc_path, exclude), sort_keys=False)
        (Path(book_dir) / "_toc.yml").write_text(toc, encoding="utf-8")
    else:
        shutil.copyfile(toc_path, Path(book_dir) / "_toc.yml")


def _jupyter_book() -> list[str]:
    """The ``jupyter-book`` command, started without the slow optional import (see above)."""
    return [sys.executable, "-c", f"{_SKIP_SLOW_IMPORTS}; from jupyter_book.cli.main import main; "
            "sys.argv[0] = 'jupyter-book'; main()"]


def _sphinx_problems(output: str) -> list[str]:
    keep = ("WARNING", "ERROR", "CRITICAL", "Exception", "Error:")
    return [line for line in output.splitlines() if any(k in line for k in keep)]


def _code_cells(source: Path) -> int:
    try:
        return sum(c.get("cell_type") == "code" for c in json.loads(source.read_text(encoding="utf-8"))["cells"])
    except (OSError, ValueError, KeyError):
        return 0


def _run_notebooks(outcomes: list[cache.Outcome], *, jobs: int, store, **kwargs) -> list[str]:
    """Execute the notebooks of ``outcomes`` (longest first), ``jobs`` at a time; return the failures."""
    failures: list[str] = []
    total = len(outcomes)
    book_dir = Path(kwargs["book_dir"])
    logs_dir = book_dir / cache.CACHE_DIR / "reads"
    logs_dir.mkdir(parents=True, exist_ok=True)
    logs = {}
    for outcome in outcomes:
        logs[outcome.stem] = logs_dir / f"{outcome.stem}.log"
        logs[outcome.stem].unlink(missing_ok=True)
    if jobs <= 1 or total <= 1:
        for i, outcome in enumerate(outcomes, 1):
            log.info("executing %d/%d: %s", i, total, outcome.stem)
            try:
                seconds = execute_notebook(outcome.stem, reads_log=logs[outcome.stem], **kwargs)
            except BuildError as exc:
                failures.append(str(exc))
                break
            log.info("  %s done in %.1f s", outcome.stem, seconds)
            store(outcome, logs[outcome.stem], seconds)
        return failures
    with ProcessPoolExecutor(max_workers=min(jobs, total)) as pool:
        futures = {pool.submit(execute_notebook, o.stem, reads_log=logs[o.stem], **kwargs): o for o in outcomes}
        for done, future in enumerate(as_completed(futures), 1):
            outcome = futures[future]
            try:
                seconds = future.result()
            except BuildError as exc:
                failures.append(str(exc))
                continue
            log.info("executed %d/%d: %s (%.1f s)", done, total, outcome.stem, seconds)
            store(outcome, logs[outcome.stem], seconds)
    return failures


def _book_inputs_hash(book_dir: Path, pages: list[str]) -> str:
    """Hash of everything Jupyter Book reads from the book folder, and of what compiles it."""
    def not_read(relative: Path) -> bool:  # the HTML itself, and executed notebooks of other pages
        return len(relative.parts) == 1 and (relative.name == "_build"
                                             or (relative.suffix == ".ipynb" and relative.stem not in pages))

    digest = hashlib.sha256()
    digest.update(json.dumps(pages).encode())
    digest.update(cache.tree_hash(book_dir, skip=not_read).encode())
    digest.update(cache.environment_hash().encode())
    # The build code, the package's yml, and the Sphinx extension that rewrites every page (helpers.build.theme).
    digest.update(json.dumps(cache.helpers_hash({"build.theme"})).encode())
    return digest.hexdigest()


def _owned_tree_hash(folder: Path) -> str:
    """:func:`helpers.build.cache.tree_hash` of the files the tool wrote in ``folder`` (a user's files left out)."""
    mine = outputs.owned(folder)
    parents = {p.as_posix() for name in mine for p in Path(name).parents}

    def not_ours(relative: Path) -> bool:
        name = relative.as_posix()
        return name not in mine and name not in parents

    return cache.tree_hash(folder, skip_hidden=False, skip=not_ours)


def _html_is_current(stamp: dict, key: str, built: Path, html_dir: Path | None) -> bool:
    if stamp.get("key") != key or not (built / "index.html").exists():
        return False
    if cache.tree_hash(built, skip_hidden=False) != stamp.get("tree"):
        return False  # something in the HTML was deleted, changed or planted since
    if html_dir is not None and built.resolve() != html_dir.resolve():
        return (stamp.get("html_dir") == str(html_dir.resolve())
                and _owned_tree_hash(html_dir) == stamp.get("tree"))
    return True


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file())


def _publish_html(built: Path, target: Path, *, adopt: bool = False) -> None:
    """Copy the built HTML to ``target``, replacing only files the tool wrote there (:mod:`helpers.core.outputs`).

    ``adopt``: ``target`` is the HTML folder of an earlier build made before ownership records
    existed (the build's stamp names it); its files of the same names are taken as the tool's.
    """
    files = _files(built)
    if adopt and not (target / outputs.RECORD).exists():
        outputs.add_owned(target, [name for name in files if (target / name).is_file()])
    outputs.claim(target, files)
    outputs.remove_owned(target, keep=files)
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built / name, target / name)
    outputs.record(target, files)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def build_book(*, processed_dir: Path, book_dir: Path, parameters: dict, html_dir: Path | None = None,
               banner: str | None = None, title: str | None = None, jobs: int | None = None,
               notebooks_dir: Path = NOTEBOOKS_DIR, toc_path: Path = TOC_PATH,
               config_path: Path = CONFIG_PATH, exclude: tuple[str, ...] = (), use_cache: bool = True) -> Path:
    """Execute every chapter that needs it and compile the HTML book.

    Parameters
    ----------
    processed_dir : Path
        Tables written by ``minipolice process``; passed to the notebooks as
        an absolute ``processed_dir``.
    book_dir : Path
        Folder for the executed notebooks, ``_build/html`` and the cache
        (``.cache``).
    parameters : dict
        Papermill parameters (``data_dir``, ``force``, ``min_cell``, ``synthetic`` ...).
    html_dir : Path, optional
        Where the HTML should end up, if not ``book_dir/_build/html``.
    banner : str, optional
        HTML of the announcement shown on every page (the synthetic-data notice).
    title : str, optional
        Book title (local reports name their force).
    jobs : int, optional
        Notebooks executed at once (default: the number of cores).
    notebooks_dir, toc_path, config_path : Path
        Sources (the project's by default; tests point them at a fixture book).
    exclude : tuple of str
        Pages of the toc left out of this book (e.g. the 2019 comparison).
    use_cache : bool
        Reuse unchanged executed notebooks and HTML (see :mod:`helpers.build.cache`);
        ``False`` executes and compiles everything (the cache is refreshed).

    Returns
    -------
    Path
        The book's ``index.html``.

    Raises
    ------
    BuildError
        A notebook failed, or Sphinx reported a warning or error.
    """
    started = time.perf_counter()
    book_dir = Path(book_dir)
    book_dir.mkdir(parents=True, exist_ok=True)
    jobs = max(1, jobs if jobs is not None else os.cpu_count() or 1)
    pages = toc_pages(toc_path, exclude)
    # The book folder's files are the tool's only where its record says so (helpers.core.outputs):
    # executed notebooks of pages left out this time go, anything a user put there stays.
    mine = outputs.owned(book_dir)
    for stale in book_dir.glob("*.ipynb"):
        if stale.stem not in pages and stale.name in mine:
            stale.unlink()
    outputs.claim(book_dir, [f"{stem}.ipynb" for stem in pages])
    params = dict(parameters, processed_dir=str(Path(processed_dir).resolve()))
    roots = [Path(processed_dir), PROJECT_ROOT]
    if params.get("data_dir"):
        roots.append(Path(params["data_dir"]))
    # The HTML folder is output, not data, wherever it is (``build --out OUT`` puts it, and the
    # book folder, next to the tables in OUT, whose file names every notebook depends on).
    ignore = cache.default_ignore() + ([Path(html_dir)] if html_dir is not None else [])
    notebooks = cache.NotebookCache(book_dir, data_roots=roots, ignore=ignore, listed=[Path(processed_dir)])

    # 1. What can be reused, and why the rest must run.
    to_run: list[cache.Outcome] = []
    for stem in pages:
        source = _source(notebooks_dir, stem, book_dir)
        outcome = notebooks.lookup(stem, cache.fingerprint(source, params))
        if outcome.reusable and use_cache:
            notebooks.restore(outcome, book_dir / f"{stem}.ipynb")
            log.info("reused    %s (source, parameters, code and the %d data files it read are unchanged)",
                     stem, len(_read_json(outcome.entry).get("reads", {})))
            continue
        if not use_cache:
            outcome.reasons = ["cache not used"]
        outcome.estimate = outcome.estimate or _code_cells(source)
        log.info("execute   %s: %s", stem, "; ".join(outcome.reasons))
        to_run.append(outcome)
    log.info("%d of %d notebooks reused, %d to execute (%d at a time)", len(pages) - len(to_run), len(pages),
             len(to_run), min(jobs, max(1, len(to_run))))

    # 2. Execute, longest first (the estimate is the last run's seconds, else the code cells).
    to_run.sort(key=lambda o: -o.estimate)

    def store(outcome: cache.Outcome, reads_log: Path, seconds: float) -> None:
        notebooks.store(outcome, book_dir / f"{outcome.stem}.ipynb", reads_log, seconds)

    failures = _run_notebooks(to_run, jobs=jobs, store=store, notebooks_dir=Path(notebooks_dir),
                              book_dir=book_dir, parameters=params)
    if failures:
        raise BuildError("notebook failed: " + "; ".join(failures))

    # 3. HTML, unless nothing it is made from changed.
    write_book_config(book_dir, banner=banner, title=title, config_path=config_path, toc_path=toc_path,
                      exclude=exclude)
    built = book_dir / "_build" / "html"
    target = Path(html_dir) if html_dir is not None else built
    stamp_path = book_dir / cache.CACHE_DIR / "html.json"
    key = _book_inputs_hash(book_dir, pages)
    if use_cache and _html_is_current(_read_json(stamp_path), key, built, Path(html_dir) if html_dir else None):
        log.info("HTML unchanged: notebooks, configuration and the last build's HTML are as they were")
        log.info("book up to date: %d pages in %.1f s", len(pages), time.perf_counter() - started)
        return target / "index.html"
    earlier_html = _read_json(stamp_path).get("html_dir")
    stamp_path.unlink(missing_ok=True)
    log.info("compiling HTML with Jupyter Book (warnings are errors)")
    # A clean build: pages left out this time (e.g. the 2019 comparison) must not survive
    # from an earlier build.
    mine = outputs.owned(book_dir)
    outputs.remove_owned(book_dir, keep={name for name in mine if not name.startswith("_build/")})
    if (book_dir / "_build").exists() and any((book_dir / "_build").rglob("*")):
        log.warning("%s holds files minipolice did not write; they are left there, and Jupyter Book builds "
                    "over them", book_dir / "_build")
    cmd = [*_jupyter_book(), "build", str(book_dir), "--path-output", str(book_dir),
           "--all", "-W", "-n", "--keep-going"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        problems = _sphinx_problems(proc.stdout + "\n" + proc.stderr) or (proc.stdout + proc.stderr).splitlines()[-15:]
        raise BuildError("Jupyter Book failed:\n  " + "\n  ".join(problems[:40]))
    outputs.record(book_dir, outputs.owned(book_dir) | {f"_build/{name}" for name in _files(book_dir / "_build")})
    if html_dir is not None and target.resolve() != built.resolve():
        _publish_html(built, target, adopt=earlier_html == str(target.resolve()))
    stamp = {"key": key, "tree": cache.tree_hash(built, skip_hidden=False),
             "html_dir": str(target.resolve()) if html_dir is not None else None}
    stamp_path.parent.mkdir(parents=True, exist_ok=True)
    stamp_path.write_text(json.dumps(stamp, indent=1), encoding="utf-8")
    log.info("book built: %d pages (%d executed) in %.0f s", len(pages), len(to_run), time.perf_counter() - started)
    return target / "index.html"


def summarize(index: Path, processed_dir: Path, *, seconds: float) -> str:
    """One line for the end of a build: pages, figures, warnings, quarantined rows and time.

    Pages and figures are counted in the built HTML (every ``<figure>`` with an
    image, the 2019 report's and the book's own charts); Sphinx warnings are
    always none, as any warning fails the build; the rows quarantined and the
    validation events come from ``row_counts.csv`` and ``validation_log.csv``.
    """
    import pandas as pd

    html_dir = Path(index).parent
    pages = [p for p in html_dir.glob("*.html") if p.stem not in ("search", "genindex")]
    figure = re.compile(r"<figure\b[^>]*>(?:(?!</figure>).)*?<img\b", re.S)
    figures = sum(len(figure.findall(p.read_text(encoding="utf-8"))) for p in pages)
    quarantined = events = 0
    try:
        quarantined = int(pd.read_csv(Path(processed_dir) / "row_counts.csv")["quarantined"].sum())
        events = len(pd.read_csv(Path(processed_dir) / "validation_log.csv"))
    except (OSError, KeyError, ValueError):
        pass
    return (f"summary: {len(pages)} pages, {figures} figures, 0 Sphinx warnings (any would have failed the "
            f"build), {quarantined} rows quarantined, {events} validation events, {seconds:.0f} s")


def _tables_hash(out_dir: Path) -> str:
    """Hash of what ``process`` writes: the files directly in ``out_dir`` and its ``quarantine`` folder.

    (With ``build --out OUT`` the tables share OUT with the book's folders, which are not tables.)
    """
    if not (Path(out_dir) / "manifest.json").exists():
        return "missing"
    return cache.files_hash(out_dir) + cache.tree_hash(Path(out_dir) / "quarantine")


def process_if_changed(data_dir: Path, out_dir: Path, *, force: str | None, min_cell: int, state_dir: Path,
                       use_cache: bool = True):
    """``minipolice process``, unless its last run in ``out_dir`` is still valid.

    The tables are reused when the raw folder's files (names and bytes), the
    options, the helper code the pipeline imports, the installed packages and
    the tables in ``out_dir`` are exactly as the last run recorded them in
    ``state_dir/process.json``.

    Returns
    -------
    ProcessResult or SimpleNamespace
        The run's result, or (reused) an object with ``out_dir``, ``force``
        (canonical name or ``None``) and ``synthetic``, read from the manifest.
    """
    data_dir, out_dir, state_dir = Path(data_dir), Path(out_dir), Path(state_dir)
    stamp_path = state_dir / "process.json"
    inputs = {
        "raw": cache.files_hash(data_dir),
        "options": [str(data_dir.resolve()), force, min_cell],
        "code": cache.helpers_hash(cache.helper_modules({"core.pipeline"})),
        "environment": cache.environment_hash(),
    }
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    stamp = _read_json(stamp_path) if use_cache else {}
    if stamp.get("key") == key and stamp.get("tables") == _tables_hash(out_dir):
        manifest = _read_json(out_dir / "manifest.json")
        if "synthetic" in manifest:
            log.info("process: raw files, options and code unchanged; reusing the tables in %s", out_dir)
            return SimpleNamespace(out_dir=out_dir, force=manifest.get("force"),
                                   synthetic=bool(manifest["synthetic"]), reused=True)
    stamp_path.unlink(missing_ok=True)
    from helpers.core.pipeline import run_process

    result = run_process(data_dir, out_dir, force=force, min_cell=min_cell)
    state_dir.mkdir(parents=True, exist_ok=True)
    stamp_path.write_text(json.dumps({"key": key, "tables": _tables_hash(out_dir)}, indent=1), encoding="utf-8")
    return result
