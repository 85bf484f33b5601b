"""Executing the chapter notebooks and compiling the HTML book.

One job: from processed tables to ``index.html``.

1. Every page of ``_toc.yml`` is executed with papermill from
   ``notebooks/<stem>.ipynb`` into the book folder, with the build's
   parameters injected after the notebook's ``parameters`` cell (each must
   be declared there). Independent notebooks run in parallel
   (``jobs``); progress is logged per notebook.
2. ``_config.yml`` and ``_toc.yml`` are copied next to the executed
   notebooks, with the synthetic-data banner and a local title filled in.
3. Jupyter Book (execution off: nothing runs twice) compiles the stored
   outputs into HTML with Sphinx warnings treated as errors.

A failing notebook raises :class:`BuildError` naming the notebook, the cell
and the error, without a wall of traceback; the partly executed notebook is
kept for inspection.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import nbformat
import papermill as pm
import yaml
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

from .config import NOTEBOOKS_DIR, PROJECT_ROOT

__all__ = ["BuildError", "read_toc", "toc_pages", "execute_notebook", "write_book_config", "build_book",
           "COMPARISON_PAGE"]

#: The appendix comparing results with the 2019 report's published numbers.
COMPARISON_PAGE = "a4_reproduction"

log = logging.getLogger(__name__)

TOC_PATH = PROJECT_ROOT / "_toc.yml"
CONFIG_PATH = PROJECT_ROOT / "_config.yml"


class BuildError(RuntimeError):
    """A notebook failed to execute, or Sphinx reported warnings or errors."""


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


def execute_notebook(stem: str, *, notebooks_dir: Path, book_dir: Path, parameters: dict) -> float:
    """Execute one notebook with papermill; return the seconds it took.

    Every parameter must be declared in the notebook's ``parameters`` cell.
    Raises :class:`BuildError` on an undeclared parameter or a failing cell.
    """
    source = Path(notebooks_dir) / f"{stem}.ipynb"
    target = Path(book_dir) / f"{stem}.ipynb"
    if not source.exists():
        raise BuildError(f"{source}: notebook listed in _toc.yml does not exist")
    declared = set(pm.inspect_notebook(str(source)))
    undeclared = sorted(set(parameters) - declared)
    if undeclared:
        # papermill skips a parameters line it cannot parse (e.g. a comment holding "="),
        # which would silently run the chapter with its default instead of the build's value.
        raise BuildError(f"{source.name}: parameters cell does not declare {', '.join(undeclared)} "
                         "(or papermill cannot parse that line; avoid '=' in its comment)")
    started = time.perf_counter()
    try:
        pm.execute_notebook(
            str(source), str(target), parameters=parameters, kernel_name="python3",
            cwd=str(book_dir), progress_bar=False, log_output=False, report_mode=False,
            kernel_manager_class=_LocalKernelManager,
        )
    except pm.PapermillExecutionError as exc:
        cell = exc.exec_count if exc.exec_count is not None else exc.cell_index
        raise BuildError(
            f"{source.name}: cell {cell} failed with {exc.ename}: {exc.evalue} "
            f"(the partly executed notebook is {target})"
        ) from None
    _hide_injected_parameters(target)
    return time.perf_counter() - started


def _hide_injected_parameters(path: Path) -> None:
    """Tag papermill's injected cell ``remove-cell``: it holds local paths, not report content."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
    nbformat.write(notebook, path)


def _asset_paths(config: dict) -> list[str]:
    """Local files and folders the book configuration refers to (logo, favicon, static files ...)."""
    html = config.get("html") or {}
    sphinx = (config.get("sphinx") or {}).get("config") or {}
    paths = [config.get("logo"), html.get("favicon"), *(config.get("bibtex_bibfiles") or []),
             *(sphinx.get("html_static_path") or []), *(sphinx.get("templates_path") or [])]
    return [p for p in paths if p and "://" not in str(p)]


def _copy_assets(config: dict, *, config_path: Path, book_dir: Path) -> None:
    """Copy the assets ``config`` names, relative to its file, to the same place in ``book_dir``.

    Raises
    ------
    BuildError
        An asset the configuration names does not exist.
    """
    for name in _asset_paths(config):
        origin, target = config_path.parent / name, book_dir / name
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
    config.setdefault("html", {})["announcement"] = banner or ""
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
    script = Path(sys.executable).with_name("jupyter-book")
    return [str(script)] if script.exists() else [sys.executable, "-m", "jupyter_book.cli.main"]


def _sphinx_problems(output: str) -> list[str]:
    keep = ("WARNING", "ERROR", "CRITICAL", "Exception", "Error:")
    return [line for line in output.splitlines() if any(k in line for k in keep)]


def build_book(*, processed_dir: Path, book_dir: Path, parameters: dict, html_dir: Path | None = None,
               banner: str | None = None, title: str | None = None, jobs: int = 1,
               notebooks_dir: Path = NOTEBOOKS_DIR, toc_path: Path = TOC_PATH,
               config_path: Path = CONFIG_PATH, exclude: tuple[str, ...] = ()) -> Path:
    """Execute every chapter and compile the HTML book.

    Parameters
    ----------
    processed_dir : Path
        Tables written by ``minipolice process``; passed to the notebooks as
        an absolute ``processed_dir``.
    book_dir : Path
        Folder for the executed notebooks and ``_build/html``.
    parameters : dict
        Papermill parameters (``data_dir``, ``force``, ``min_cell``, ``synthetic`` ...).
    html_dir : Path, optional
        Where the HTML should end up, if not ``book_dir/_build/html``.
    banner : str, optional
        HTML of the announcement shown on every page (the synthetic-data notice).
    title : str, optional
        Book title (local reports name their force).
    jobs : int
        Notebooks executed at once.
    notebooks_dir, toc_path, config_path : Path
        Sources (the project's by default; tests point them at a fixture book).
    exclude : tuple of str
        Pages of the toc left out of this book (e.g. the 2019 comparison).

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
    pages = toc_pages(toc_path, exclude)
    for stale in book_dir.glob("*.ipynb"):
        if stale.stem not in pages:
            stale.unlink()
    params = dict(parameters, processed_dir=str(Path(processed_dir).resolve()))
    total = len(pages)
    log.info("executing %d notebooks (%d at a time)", total, max(1, jobs))
    failures: list[str] = []
    kwargs = {"notebooks_dir": Path(notebooks_dir), "book_dir": book_dir, "parameters": params}
    if jobs <= 1:
        for i, stem in enumerate(pages, 1):
            log.info("executing %d/%d: %s", i, total, stem)
            try:
                seconds = execute_notebook(stem, **kwargs)
                log.info("  %s done in %.1f s", stem, seconds)
            except BuildError as exc:
                failures.append(str(exc))
                break
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(execute_notebook, stem, **kwargs): stem for stem in pages}
            for done, future in enumerate(as_completed(futures), 1):
                stem = futures[future]
                try:
                    log.info("executed %d/%d: %s (%.1f s)", done, total, stem, future.result())
                except BuildError as exc:
                    failures.append(str(exc))
    if failures:
        raise BuildError("notebook failed: " + "; ".join(failures))

    write_book_config(book_dir, banner=banner, title=title, config_path=config_path, toc_path=toc_path,
                      exclude=exclude)
    log.info("compiling HTML with Jupyter Book (warnings are errors)")
    # A clean build: pages left out this time (e.g. the 2019 comparison) must not survive
    # from an earlier build. (Incremental rebuilds are a later piece of work.)
    shutil.rmtree(book_dir / "_build", ignore_errors=True)
    cmd = [*_jupyter_book(), "build", str(book_dir), "--path-output", str(book_dir),
           "--all", "-W", "-n", "--keep-going"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        problems = _sphinx_problems(proc.stdout + "\n" + proc.stderr) or (proc.stdout + proc.stderr).splitlines()[-15:]
        raise BuildError("Jupyter Book failed:\n  " + "\n  ".join(problems[:40]))
    built = book_dir / "_build" / "html"
    if html_dir is not None and Path(html_dir).resolve() != built.resolve():
        if Path(html_dir).exists():
            shutil.rmtree(html_dir)
        shutil.copytree(built, html_dir)
        built = Path(html_dir)
    index = built / "index.html"
    log.info("book built: %d pages in %.0f s", total, time.perf_counter() - started)
    return index
