"""Incremental builds: content hashes decide what runs again.

One job: tell :mod:`helpers.build.book` whether a step's earlier result can be
reused, from SHA-256 hashes of what the step depends on (never timestamps),
and keep those results. Three steps are cached, each in the book folder's
``.cache/`` (outside ``_build``, which every HTML build empties):

``process``
    The processed tables. Reused when the raw folder's files, the options
    (``--force``, ``--min-cell``), the helper code ``helpers.core.pipeline``
    imports, the installed packages, and the tables themselves (nobody has
    overwritten them since) are what they were.
``notebooks/<stem>/``
    Executed notebooks, several per chapter. One is reused when the
    notebook's source, its parameters, the helper modules it imports
    (followed through their imports, plus every ``*.yml`` of the package),
    the build code, the installed packages, and every data file it *read*
    while it ran are unchanged. What a notebook read is recorded in its
    kernel (:func:`record_reads`: Python's audit hook sees every ``open`` and
    directory listing, and pyarrow's Parquet readers are wrapped because they
    open files below Python). A processed table the chapter never opened
    cannot make it run again, so a change to one raw answer re-executes only
    the chapters that read a table whose bytes changed.

    Finer still, for tables read through the accessor of
    :mod:`helpers.build.tracking` (``load_results``, ``load_tests``,
    ``load_national``, ``load_optional``; ``load_columns``;
    ``load_manifest``): the kernel's log then holds ``rows<TAB>path<TAB>measure``,
    ``cols<TAB>path<TAB>column`` or ``keys<TAB>path<TAB>entry`` lines, and the
    page is keyed on :func:`rows_hash` (the header and the rows of the
    measures it selected, with their positions), :func:`columns_hash` (those
    columns' values in row order) or :func:`keys_hash` (those top-level JSON
    entries) instead of the file's bytes. A file the page also read in any
    other way (a plain ``pd.read_csv``, or a use the accessor cannot follow,
    which it logs as a ``read`` line) keeps the whole-file key: correctness
    first. So one child's answer to one item re-executes the pages that
    selected that item's rows, plus those that read a changed table whole
    (``docs/incremental-builds.md`` lists them).
``html.json``
    The compiled HTML: rebuilt unless the executed notebooks, the book
    configuration and the HTML tree itself (nothing deleted or planted) are
    as they were after the last build.

Only files under the project folder, the raw folder and the processed
folder count as a notebook's data (the virtual environment, the package's
own folder, ``.git`` and the book folder are left out): fonts and other
system files are part of the environment, which the package list stands
for. A file a notebook only tests for existence is not a read; the listing
of the processed folder (file names) is therefore always a dependency.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import logging
import os
import platform
import shutil
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from helpers.core.config import PROGRAMME_PATH, PROJECT_ROOT
from helpers.core.config import definitions_dir as config_definitions_dir

__all__ = ["CACHE_DIR", "Fingerprint", "NotebookCache", "Outcome", "columns_hash", "environment_hash", "file_hash",
           "files_hash", "fingerprint", "helper_modules", "helpers_hash", "keys_hash", "listing_hash",
           "notebook_helper_modules", "pattern_hash", "read_log", "record_reads", "rows_hash", "tree_hash"]

log = logging.getLogger(__name__)

#: Folder, inside the book folder, that holds the cache.
CACHE_DIR = ".cache"

#: Executed copies kept per chapter (most recently used first).
KEEP_PER_NOTEBOOK = 4

#: The helpers package (the engine), whose modules a notebook may import.
HELPERS_DIR = Path(__file__).resolve().parents[1]

_BUILD_CODE = ("book.py", "cache.py", "tracking.py")


# -- hashing -------------------------------------------------------------------------------------

def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes (``"missing"`` if there is no such file)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return "missing"
    return digest.hexdigest()


def tree_hash(root: Path, *, skip_hidden: bool = True, skip=None) -> str:
    """One hash of every file under ``root`` (relative names and contents); ``"missing"`` without it.

    ``skip(relative_path)`` leaves files and whole folders out (paths relative to ``root``).
    """
    root = Path(root)
    if not root.is_dir():
        return "missing"

    def left_out(path: Path) -> bool:
        return (skip_hidden and path.name.startswith(".")) or bool(skip and skip(path.relative_to(root)))

    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not left_out(Path(dirpath) / d))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not left_out(path):
                digest.update(f"{path.relative_to(root).as_posix()}\0{file_hash(path)}\n".encode())
    return digest.hexdigest()


def files_hash(folder: Path) -> str:
    """One hash of the files in ``folder`` (names and contents; hidden files and folders left out).

    Subfolders (the force folders of a national intake, :mod:`helpers.core.intake`)
    count with their files, recursively; a folder without subfolders hashes
    as it always did.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return "missing"
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_file():
            digest.update(f"{path.name}\0{file_hash(path)}\n".encode())
        elif path.is_dir():
            digest.update(f"{path.name}/\0{files_hash(path)}\n".encode())
    return digest.hexdigest()


def listing_hash(folder: Path, skip=None) -> str:
    """Hash of the names in a folder (not their contents): what an existence test can see.

    ``skip(path)`` leaves entries out (the build's own output folders, which
    ``build --out OUT`` puts next to the tables).
    """
    try:
        names = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    kept = [n for n in names if not n.startswith(".") and not (skip and skip(Path(folder) / n))]
    return _sha256("\n".join(kept).encode())


_ENVIRONMENT: str | None = None


def environment_hash() -> str:
    """The interpreter and every installed distribution with its version, hashed (once per process)."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        dists = sorted({f"{d.metadata['Name'] or ''}=={d.version}" for d in metadata.distributions()})
        text = "\n".join([sys.version, platform.platform(terse=True), *dists])
        _ENVIRONMENT = _sha256(text.encode())
    return _ENVIRONMENT


# -- which helper code a notebook runs -----------------------------------------------------------

def _module_name(path: Path, helpers_dir: Path) -> str:
    """The dotted name of a module file inside the package (``core/codebook.py`` -> ``core.codebook``).

    A subpackage's ``__init__.py`` is the subpackage (``core``); the package's
    own ``__init__.py`` is ``__init__``.
    """
    parts = list(path.relative_to(helpers_dir).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def _module_path(name: str, helpers_dir: Path) -> Path:
    """The file of a dotted module name (the inverse of :func:`_module_name`)."""
    path = helpers_dir.joinpath(*name.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _imports(tree: ast.AST, *, current: str | None = None) -> set[str]:
    """Dotted helper modules named by the import statements of ``tree``.

    ``current`` is the dotted name of the module the tree belongs to when it
    is part of the helpers package itself, so that relative imports
    (``from .stats import x``, ``from ..report import plots``) resolve. Names
    imported from a package (``from helpers.report import plots``) are given
    as ``report.plots``; the caller keeps those that are modules and falls
    back to the package otherwise.
    """
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "helpers":
                    found.add(".".join(parts[1:]) if len(parts) > 1 else "*")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if current is None:
                    continue
                package = current.split(".")[: -node.level] if current != "__init__" else []
                if node.level > 1 and current == "__init__":
                    continue
                base = ".".join([*package, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.split(".")[0] == "helpers":
                base = ".".join(node.module.split(".")[1:])
            else:
                continue
            if base:
                found.add(base)
            found.update(f"{base}.{alias.name}" if base else alias.name for alias in node.names)
    return found


def _available(helpers_dir: Path) -> set[str]:
    return {_module_name(p, helpers_dir) for p in helpers_dir.rglob("*.py")}


def helper_modules(names: set[str], helpers_dir: Path = HELPERS_DIR) -> set[str]:
    """The helper modules ``names`` (dotted, e.g. ``core.stats``) and everything they import, transitively.

    ``__init__`` is always included, and so is the ``__init__`` of every
    subpackage a module lives in (Python runs it on import). ``"*"`` (a bare
    ``import helpers``) stands for every module.
    """
    available = _available(helpers_dir)
    if "*" in names:
        return available
    todo = [n for n in names if n in available] + ["__init__"]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in available)
        todo.extend(n for n in _module_imports(_module_path(name, helpers_dir), name) if n in available
                    and n not in seen)
    return seen


_PARSED: dict[tuple[str, str], frozenset[str]] = {}


def _module_imports(path: Path, name: str) -> frozenset[str]:
    """The helper modules one module imports (parsed once per content, per process)."""
    data = path.read_bytes()
    key = (str(path), _sha256(data))
    if key not in _PARSED:
        current = f"{name}.__init__" if path.name == "__init__.py" and name != "__init__" else name
        _PARSED[key] = frozenset(_imports(ast.parse(data), current=current))
    return _PARSED[key]


def notebook_helper_modules(notebook: dict) -> set[str]:
    """Helper modules a notebook imports in its code cells (IPython magics are skipped)."""
    names: set[str] = set()
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", ""))
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            return {"*"}
        names |= _imports(tree)
    return names


def helpers_hash(modules: set[str], helpers_dir: Path = HELPERS_DIR,
                 definitions_dir: Path | None = None) -> dict[str, str]:
    """Per file: hash of each helper module in ``modules``, every definition file, ``programme.yml``, the build code.

    ``definitions_dir`` defaults to the folder ``MINIPOLICE_DEFINITIONS`` names at the time of the call
    (:func:`helpers.core.config.definitions_dir`), so a reworded copy of the phrase file re-executes the pages.
    """
    definitions_dir = definitions_dir or config_definitions_dir()
    files = {_module_path(m, helpers_dir).relative_to(helpers_dir).as_posix(): _module_path(m, helpers_dir)
             for m in modules}
    files |= {f"build/{name}": helpers_dir / "build" / name for name in _BUILD_CODE
              if (helpers_dir / "build" / name).exists()}
    files |= {f"definitions/{p.name}": p for p in definitions_dir.glob("*.yml")}
    settings = definitions_dir.parent / "programme.yml"  # the programme's names, banner, disclosure settings
    if not settings.is_file():
        settings = PROGRAMME_PATH
    if settings.is_file():
        files["programme.yml"] = settings
    return {name: file_hash(path) for name, path in sorted(files.items())}


# -- recording what a kernel reads ----------------------------------------------------------------

def record_reads(log_path: str) -> None:
    """In a kernel: append every file opened for reading, and every folder listed, to ``log_path``.

    Lines are ``read<TAB>path``, ``write<TAB>path`` or ``list<TAB>path`` with
    absolute paths, each once. Files of the Python installation are left
    out. :mod:`helpers.build.book` starts this in each kernel before the first
    cell runs; it changes nothing the notebook sees. It also makes the log the
    sink of :mod:`helpers.build.tracking`, whose accessors add
    ``rows``/``cols``/``keys``/``pattern<TAB>path<TAB>name`` lines for what a
    page used of a table (and no ``read`` line for the file while they read it).
    """
    out = open(log_path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - open for the kernel's life
    prefixes = tuple({os.path.join(p, "") for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
                     | {"/proc/", "/sys/", "/dev/"})
    seen: set[tuple[str, str]] = set()
    import_path = {os.path.abspath(p or ".") for p in sys.path}
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    quiet: set[str] = set()  # replaced below by the accessor's set of files being read

    def note(kind: str, path) -> None:
        if isinstance(path, int) or path is None:
            return
        path = os.path.abspath(os.fsdecode(path))
        if path.startswith(prefixes) or (kind, path) in seen or (kind == "read" and path in quiet):
            return
        seen.add((kind, path))
        out.write(f"{kind}\t{path}\n")

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            if mode is None:
                writing = bool((flags or 0) & write_flags)
            else:
                writing = any(c in mode for c in "wax+")
            note("write" if writing else "read", path)
        elif event in ("os.listdir", "os.scandir"):
            folder = os.path.abspath(os.fsdecode(args[0] if args[0] is not None else "."))
            if folder not in import_path:  # the import system lists sys.path folders: not data
                note("list", folder)

    sys.addaudithook(hook)
    # The accessor of keyed tables (helpers.build.tracking) writes its rows/cols lines here, and the
    # files it is reading are not noted as whole reads while it reads them.
    from helpers.build import tracking

    quiet = tracking.quiet_paths()
    written: set[str] = set()

    def write(line: str) -> None:
        if line not in written:
            written.add(line)
            out.write(line + "\n")

    tracking.set_sink(write)
    # pyarrow opens Parquet files in C++, below Python's open(): pandas.read_parquet and
    # pyarrow.parquet go through these two entry points, which are wrapped to note the path.
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return

    def noting(function):
        def wrapper(source, *args, **kwargs):
            if isinstance(source, str | os.PathLike):
                note("read", source)
            return function(source, *args, **kwargs)

        wrapper.__wrapped__ = function
        wrapper.__name__ = function.__name__
        wrapper.__doc__ = function.__doc__
        return wrapper

    pq.read_table = noting(pq.read_table)
    original_init = pq.ParquetFile.__init__

    def parquet_file_init(self, source, *args, **kwargs):
        if isinstance(source, str | os.PathLike):
            note("read", source)
        original_init(self, source, *args, **kwargs)

    pq.ParquetFile.__init__ = parquet_file_init


def read_log(log_path: Path) -> dict:
    """The ``read``, ``write`` and ``list`` paths a kernel recorded, and the keyed rows and columns it used.

    ``rows`` maps a file read through the accessor of :mod:`helpers.build.tracking`
    to the measures selected, ``cols`` a Parquet table to the columns used.
    """
    found: dict = {"read": set(), "write": set(), "list": set(), "rows": {}, "cols": {}, "keys": {}, "pattern": {}}
    if Path(log_path).exists():
        for line in Path(log_path).read_text(encoding="utf-8").splitlines():
            kind, _, rest = line.partition("\t")
            if kind in _PARTS:
                path, _, name = rest.partition("\t")
                if path:
                    found[kind].setdefault(path, set()).update([name] if name else [])
            elif kind in found and rest:
                found[kind].add(rest)
    return found


def rows_hash(path: Path, measures) -> str:
    """Hash of a keyed CSV's header and of its rows whose ``measure`` is one of ``measures``, with their positions.

    ``"missing"`` without the file; the whole file's hash if it has no ``measure`` column.
    """
    from helpers.build.tracking import KEY

    try:
        handle = open(path, newline="", encoding="utf-8")  # noqa: SIM115 - closed below
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return "missing"
    with handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if KEY not in header:
            return file_hash(path)
        column, wanted = header.index(KEY), set(measures)
        kept = [[i, row] for i, row in enumerate(reader) if len(row) > column and row[column] in wanted]
    return _sha256(json.dumps([header, sorted(wanted), kept]).encode())


#: What a page can use of a file instead of all of it (log line kinds), as the log explains a change.
_PARTS = {"rows": "the rows of the {} it used", "cols": "the {} it used", "keys": "the {} it used",
          "pattern": "which cells are answered, and {}"}
_WHAT = {"rows": "measure", "cols": "column", "keys": "entry", "pattern": "routing column"}


def _counted(kind: str, n: int) -> str:
    """``1 measure``, ``3 measures``, ``2 entries``: what a page used of a file, for the log."""
    word = _WHAT[kind]
    return f"{n} {word}" if n == 1 else f"{n} {word[:-1] + 'ies' if word.endswith('y') else word + 's'}"


def pattern_hash(path: Path, keep) -> str:
    """Hash of what :func:`helpers.build.tracking.answered_pattern` shows of a Parquet table.

    The column names, the index, which cells are missing, and the values
    and types of the ``keep`` columns.
    """
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except (FileNotFoundError, OSError):
        return "missing"
    digest = hashlib.sha256(json.dumps([list(map(str, frame.columns)), sorted(keep),
                                        frame.index.tolist()], default=str).encode())
    for column in frame.columns:
        digest.update(frame[column].isna().to_numpy().tobytes())
        if column in keep:
            digest.update(json.dumps([str(frame[column].dtype), frame[column].tolist()], default=str).encode())
    return digest.hexdigest()


def keys_hash(path: Path, keys) -> str:
    """Hash of some top-level entries of a JSON object (``"missing"`` without the file)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return "missing"
    except ValueError:
        return file_hash(path)
    if not isinstance(data, dict):
        return file_hash(path)
    return _sha256(json.dumps([[k, k in data, data.get(k)] for k in sorted(keys)], sort_keys=True,
                              default=str).encode())


def columns_hash(path: Path, columns) -> str:
    """Hash of a Parquet table's column names and of the values of ``columns``, in row order."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, columns=sorted(columns))
        names = pq.read_schema(path).names
    except (FileNotFoundError, OSError):
        return "missing"
    digest = hashlib.sha256(json.dumps([names, sorted(columns), table.num_rows]).encode())
    for name in sorted(columns):
        digest.update(json.dumps(table.column(name).to_pylist(), default=str).encode())
    return digest.hexdigest()


# -- the notebook cache ---------------------------------------------------------------------------

@dataclass
class Fingerprint:
    """Everything a notebook's execution depends on, apart from the data it reads."""

    source: str
    parameters: str
    helpers: dict[str, str]
    environment: str

    @property
    def key(self) -> str:
        return _sha256(json.dumps([self.source, self.parameters, self.helpers, self.environment],
                                  sort_keys=True).encode())


@dataclass
class Outcome:
    """Whether a notebook can be reused, and if not why."""

    stem: str
    fingerprint: Fingerprint
    entry: Path | None = None
    reasons: list[str] = field(default_factory=list)
    estimate: float = 0.0

    @property
    def reusable(self) -> bool:
        return self.entry is not None


def _under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


class NotebookCache:
    """Executed notebooks of one book folder, keyed by content hashes.

    Parameters
    ----------
    book_dir : Path
        The book folder; the cache lives in ``book_dir/.cache/notebooks``.
    data_roots : list of Path
        Folders whose files count as a notebook's data (the processed and
        raw folders, the project folder).
    ignore : list of Path
        Folders inside those that do not (the virtual environment, the
        helpers package, ``.git``, the book folder).
    listed : list of Path
        Folders whose file names every notebook depends on (the processed
        folder: a table that appears or disappears can change a chapter
        that only tested for it).
    """

    def __init__(self, book_dir: Path, *, data_roots: list[Path], ignore: list[Path], listed: list[Path] = ()):
        self.listed = [str(Path(p).resolve()) for p in listed]
        self.book_dir = Path(book_dir)
        self.root = self.book_dir / CACHE_DIR / "notebooks"
        self.data_roots = [Path(p).resolve() for p in data_roots]
        self.ignore = [Path(p).resolve() for p in ignore] + [self.book_dir.resolve()]
        self._hashes: dict[str, str] = {}

    # -- dependencies ----------------------------------------------------------------------------
    def _ignored(self, path: Path) -> bool:
        return any(_under(path, i) for i in self.ignore)

    def is_data(self, path: Path) -> bool:
        """Whether a file a kernel read is data the notebook depends on."""
        return any(_under(path, r) for r in self.data_roots) and not self._ignored(path)

    def current_hash(self, path: str, kind: str = "read", names=()) -> str:
        """Hash of a file's content (``read``), a folder's names (``list``), some keyed rows of a CSV
        (``rows``, :func:`rows_hash`) or some columns of a Parquet table (``cols``, :func:`columns_hash`),
        memoised for this build."""
        names = sorted(names)
        key = "\t".join([kind, path, *names])
        if key not in self._hashes:
            if kind == "read":
                value = file_hash(Path(path))
            elif kind == "rows":
                value = rows_hash(Path(path), names)
            elif kind == "cols":
                value = columns_hash(Path(path), names)
            elif kind == "keys":
                value = keys_hash(Path(path), names)
            elif kind == "pattern":
                value = pattern_hash(Path(path), names)
            else:
                value = listing_hash(Path(path), skip=lambda p: self._ignored(p.resolve()))
            self._hashes[key] = value
        return self._hashes[key]

    def forget(self) -> None:
        """Drop memoised hashes (after files were rewritten)."""
        self._hashes.clear()

    # -- lookup ----------------------------------------------------------------------------------
    def _entries(self, stem: str) -> list[tuple[Path, dict]]:
        folder = self.root / stem
        entries = []
        for meta_path in folder.glob("*.json"):
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if meta_path.with_suffix(".nb").exists():
                entries.append((meta_path, meta))
        entries.sort(key=lambda item: item[0].stat().st_mtime_ns, reverse=True)
        return entries

    def _stale_inputs(self, meta: dict) -> list[str]:
        """What changed among the files an execution read: ``a.csv``, ``file names in tables/``."""
        stale = [self._short(p) for p, h in meta.get("reads", {}).items() if self.current_hash(p, "read") != h]
        stale += [f"file names in {self._short(p)}/" for p, h in meta.get("lists", {}).items()
                  if self.current_hash(p, "list") != h]
        for kind, what in _PARTS.items():
            for p, used in meta.get(kind, {}).items():
                if self.current_hash(p, kind, used["names"]) != used["hash"]:
                    stale.append(f"{self._short(p)} ({what.format(_counted(kind, len(used['names'])))})")
        return stale

    def lookup(self, stem: str, fingerprint: Fingerprint) -> Outcome:
        """Find a reusable execution of ``stem``; otherwise say why it must run."""
        entries = self._entries(stem)
        outcome = Outcome(stem, fingerprint)
        if entries:
            outcome.estimate = float(entries[0][1].get("seconds", 0.0))
        for meta_path, meta in entries:
            if meta.get("key") == fingerprint.key and not self._stale_inputs(meta):
                outcome.entry = meta_path
                return outcome
        if not entries:
            outcome.reasons = ["not executed before"]
            return outcome
        latest = entries[0][1]
        same_key = [meta for _, meta in entries if meta.get("key") == fingerprint.key]
        if same_key:
            outcome.reasons = ["input changed: " + ", ".join(self._stale_inputs(same_key[0]))]
            return outcome
        reasons = []
        if latest.get("source") != fingerprint.source:
            reasons.append("source changed")
        if latest.get("parameters") != fingerprint.parameters:
            reasons.append("parameters changed")
        helpers = latest.get("helpers", {})
        changed = sorted(n for n in set(helpers) | set(fingerprint.helpers)
                         if helpers.get(n) != fingerprint.helpers.get(n))
        if changed:
            reasons.append("code changed: " + ", ".join(changed))
        if latest.get("environment") != fingerprint.environment:
            reasons.append("installed packages changed")
        outcome.reasons = reasons or ["no matching execution"]
        return outcome

    def _short(self, path: str) -> str:
        """A data path relative to the most specific data folder (``a.csv``), or the folder's name."""
        for root in sorted(self.data_roots, key=lambda r: -len(r.parts)):
            if _under(Path(path), root):
                relative = Path(path).relative_to(root)
                return relative.as_posix() if relative.parts else root.name
        return path

    # -- store and restore -----------------------------------------------------------------------
    def store(self, outcome: Outcome, executed: Path, log_path: Path, seconds: float) -> Path | None:
        """Keep an executed notebook with what it read; return the entry (``None`` if not cacheable)."""
        recorded = read_log(log_path)
        written = sorted(p for p in recorded["write"] if _under(Path(p), self.book_dir.resolve())
                         and not _under(Path(p), (self.book_dir / CACHE_DIR).resolve()))
        if written:
            log.info("  %s writes files into the book folder (%s): not cached", outcome.stem,
                     ", ".join(Path(p).name for p in written))
            return None
        reads = {p: self.current_hash(p, "read") for p in sorted(recorded["read"])
                 if self.is_data(Path(p)) and Path(p).is_file()}
        folders = {p for p in recorded["list"] if self.is_data(Path(p))} | set(self.listed)
        lists = {p: self.current_hash(p, "list") for p in sorted(folders)}
        # A file also read whole (a plain read, or a use the accessor could not follow) keeps the whole-file key.
        parts = {kind: {p: {"names": sorted(names), "hash": self.current_hash(p, kind, names)}
                        for p, names in sorted(recorded[kind].items())
                        if p not in recorded["read"] and self.is_data(Path(p))}
                 for kind in _PARTS}
        fp = outcome.fingerprint
        meta = {"stem": outcome.stem, "key": fp.key, "source": fp.source, "parameters": fp.parameters,
                "helpers": fp.helpers, "environment": fp.environment, "reads": reads, "lists": lists,
                **parts, "seconds": round(seconds, 2)}
        entry_id = _sha256(json.dumps([fp.key, reads, lists, parts], sort_keys=True).encode())[:24]
        folder = self.root / outcome.stem
        folder.mkdir(parents=True, exist_ok=True)
        meta_path = folder / f"{entry_id}.json"
        tmp = folder / f".{entry_id}.nb.tmp"
        shutil.copyfile(executed, tmp)
        os.replace(tmp, meta_path.with_suffix(".nb"))
        meta_path.write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
        self._prune(outcome.stem)
        return meta_path

    def restore(self, outcome: Outcome, target: Path) -> None:
        """Put the cached executed notebook at ``target`` (untouched if it already holds it)."""
        source = outcome.entry.with_suffix(".nb")
        if not target.exists() or file_hash(target) != file_hash(source):
            tmp = target.with_name(f".{target.name}.tmp")
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        os.utime(outcome.entry)  # most recently used: kept longest

    def _prune(self, stem: str) -> None:
        for meta_path, _ in self._entries(stem)[KEEP_PER_NOTEBOOK:]:
            meta_path.with_suffix(".nb").unlink(missing_ok=True)
            meta_path.unlink(missing_ok=True)


def fingerprint(source: Path, parameters: dict, *, helpers_dir: Path = HELPERS_DIR,
                definitions_dir: Path | None = None) -> Fingerprint:
    """The :class:`Fingerprint` of one notebook with these parameters."""
    data = Path(source).read_bytes()
    modules = helper_modules(notebook_helper_modules(json.loads(data)), helpers_dir)
    return Fingerprint(source=_sha256(data),
                       parameters=_sha256(json.dumps(parameters, sort_keys=True, default=str).encode()),
                       helpers=helpers_hash(modules, helpers_dir, definitions_dir), environment=environment_hash())


def default_ignore() -> list[Path]:
    """Folders under the project that are not data: the environment, the package, git, caches."""
    return [PROJECT_ROOT / ".venv", PROJECT_ROOT / ".git", HELPERS_DIR, Path(sys.prefix),
            PROJECT_ROOT / "node_modules"]
