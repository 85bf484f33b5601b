"""What the tool wrote, and who is writing: output ownership and run locks.

One job: make sure ``minipolice`` only ever deletes or overwrites files it
wrote itself, and that two runs never write into the same folder at once.

Ownership
---------
Every output folder the tool writes (the tables folder, the book folder,
the HTML folder) holds a record, :data:`RECORD` (``.minipolice-outputs.json``):
the relative paths of the files the tool wrote there. A later run

* deletes a file only if the record lists it (stale Parquet files, a
  quarantine file of an instrument that has no quarantined rows any more,
  an HTML page left out this time ...);
* refuses (:class:`~helpers.core.loading.StructuralError`, exit status 2) to
  overwrite a file the record does not list, naming it: a user's own
  ``results.csv`` or ``index.html`` is never replaced silently;
* leaves every other file alone (a user's ``thesis.parquet`` beside the
  tables, notes in ``OUT/html/`` or ``OUT/book/``).

Folders written before this record existed are adopted once: a tables
folder whose ``manifest.json`` was written by ``minipolice process`` (it has
``contract_version`` and ``inputs``) owns the files ``process`` writes; a
book folder holding the build cache (``.cache``) owns its executed
notebooks, configuration, assets and ``_build``. An HTML folder written
before records existed owns nothing: its files are refused by name (move
them away once).

Locks
-----
:func:`locked` holds :data:`LOCK` (``.minipolice.lock``, the process id
inside) in a folder while a run writes there. A second run finds the file,
checks whether that process is alive and, if it is, stops with exit status
2 naming the process id; a lock whose process has died (a killed run) is
taken over with a warning. Locks are re-entrant within one process
(``build`` holds the tables folder's lock while ``process`` runs inside it).

Separate folders
----------------
:func:`check_separate` refuses a raw-data folder equal to an output folder,
inside one, or holding one: the raw files are never written next to, or
deleted with, outputs.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from helpers.core.loading import StructuralError

__all__ = ["RECORD", "LOCK", "owned", "record", "claim", "add_owned", "remove_owned", "locked", "check_separate",
           "LockedError"]

log = logging.getLogger(__name__)

#: The record of what the tool wrote in a folder (relative POSIX paths of files).
RECORD = ".minipolice-outputs.json"

#: The lock file of a folder being written.
LOCK = ".minipolice.lock"

_LEGACY_TABLES = ("results.csv", "national_results.csv", "tests.csv", "power.csv", "sensitivity.csv",
                  "validation_log.csv", "row_counts.csv", "manifest.json")


class LockedError(StructuralError):
    """Another live run holds the folder's lock."""


def _legacy(folder: Path) -> set[str]:
    """Files of a folder written by an earlier version of the tool, before records existed."""
    found: set[str] = set()
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if isinstance(manifest, dict) and "contract_version" in manifest and "inputs" in manifest:
        found.update(name for name in _LEGACY_TABLES if (folder / name).is_file())
        found.update(p.name for p in folder.glob("*.parquet"))
        found.update(f"quarantine/{p.name}" for p in (folder / "quarantine").glob("*.csv"))
    if (folder / ".cache").is_dir():  # a book folder of an earlier build (it holds the build cache)
        for pattern in ("*.ipynb", "_config.yml", "_toc.yml", "book_assets/**/*", "_build/**/*"):
            found.update(p.relative_to(folder).as_posix() for p in folder.glob(pattern) if p.is_file())
    return found


def owned(folder: Path) -> set[str]:
    """Relative paths of the files the tool wrote in ``folder`` (from its record, or adopted, see above)."""
    folder = Path(folder)
    try:
        data = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        return {str(p) for p in data.get("files", [])}
    except FileNotFoundError:
        return _legacy(folder)
    except (OSError, ValueError, AttributeError):
        raise StructuralError(f"{folder / RECORD}: unreadable record of the tool's outputs; "
                              "remove the files minipolice wrote there by hand, and this file") from None


def record(folder: Path, files: Iterable[str]) -> None:
    """Write the record of ``folder``: ``files`` (relative paths) that exist there now."""
    folder = Path(folder)
    _write_record(folder, {Path(f).as_posix() for f in files if (folder / f).is_file()})


def _write_record(folder: Path, files: set[str]) -> None:
    tmp = folder / (RECORD + ".tmp")
    tmp.write_text(json.dumps({"written_by": "minipolice", "files": sorted(files)}, indent=1) + "\n",
                   encoding="utf-8")
    os.replace(tmp, folder / RECORD)


def claim(folder: Path, files: Iterable[str]) -> set[str]:
    """Check that the tool may write ``files`` in ``folder`` and record them as its own first.

    Recording before writing means a run killed half-way leaves nothing
    unrecorded that it wrote.

    Returns
    -------
    set of str
        The folder's owned files, ``files`` included.

    Raises
    ------
    StructuralError
        One of ``files`` exists there and the tool did not write it.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    mine = owned(folder)
    wanted = {Path(f).as_posix() for f in files}
    foreign = sorted(f for f in wanted - mine if (folder / f).exists())
    if foreign:
        raise StructuralError(
            f"{folder}: {', '.join(foreign[:3])}{' ...' if len(foreign) > 3 else ''} already exists and was "
            "not written by minipolice; move it away or choose another --out (nothing was changed)")
    mine |= wanted
    _write_record(folder, mine)  # listed before they are written
    return mine


def add_owned(folder: Path, files: Iterable[str]) -> None:
    """Add ``files``, written by the tool in ``folder`` just now, to its record."""
    record(folder, owned(folder) | {Path(f).as_posix() for f in files})


def remove_owned(folder: Path, *, keep: Iterable[str] = ()) -> list[str]:
    """Delete the files the tool wrote in ``folder``, except ``keep``; return what was deleted.

    Folders left empty by the deletion are removed too; anything not in the
    record stays. The record is rewritten to list what remains.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    keep = {Path(f).as_posix() for f in keep}
    mine = owned(folder)
    removed = []
    for name in sorted(mine - keep):
        path = folder / name
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(name)
        parent = path.parent
        while parent != folder and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    record(folder, mine & keep)
    if removed:
        log.debug("%s: removed %d files the tool wrote earlier", folder, len(removed))
    return removed


# ---------------------------------------------------------------------------
# Locks
# ---------------------------------------------------------------------------

_HELD: dict[Path, int] = {}
_CREATED: set[Path] = set()


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM  # exists, owned by someone else
    return True


def _read_pid(path: Path) -> int:
    try:
        return int(path.read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return -1


@contextlib.contextmanager
def locked(*folders: Path) -> Iterator[None]:
    """Hold the lock of every folder in ``folders`` (created if needed) for the duration of the block.

    Raises
    ------
    LockedError
        Another live process holds one of the locks (exit status 2; the
        message names its process id).
    """
    paths = sorted({Path(f).resolve() for f in folders})
    taken: list[Path] = []
    try:
        for folder in paths:
            _acquire(folder)
            taken.append(folder)
        yield
    finally:
        for folder in reversed(taken):
            _release(folder)


def _acquire(folder: Path) -> None:
    if folder in _HELD:
        _HELD[folder] += 1
        return
    if not folder.exists():
        folder.mkdir(parents=True)
        _CREATED.add(folder)  # removed again at release if the run wrote nothing there
    path = folder / LOCK
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            pid = _read_pid(path)
            if pid == os.getpid() or not _alive(pid):
                log.warning("%s: taking over the lock of process %s, which is no longer running", folder, pid)
                path.unlink(missing_ok=True)
                continue
            raise LockedError(f"{folder}: another minipolice run (process {pid}) is writing here; wait for it "
                              f"to finish, or use another --out (if process {pid} is not minipolice, delete "
                              f"{path})") from None
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(f"{os.getpid()}\n")
        _HELD[folder] = 1
        return
    raise LockedError(f"{folder}: could not take the lock {path}")


def _release(folder: Path) -> None:
    _HELD[folder] -= 1
    if _HELD[folder] == 0:
        del _HELD[folder]
        path = folder / LOCK
        if _read_pid(path) == os.getpid():
            path.unlink(missing_ok=True)
        if folder in _CREATED:
            _CREATED.discard(folder)
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty: a failed first run leaves no folder behind


# ---------------------------------------------------------------------------
# Separate folders
# ---------------------------------------------------------------------------


def check_separate(data_dir: Path, *outputs: Path | None) -> None:
    """Refuse a raw-data folder that is an output folder, lies inside one, or holds one.

    Raises
    ------
    StructuralError
        Naming both folders (exit status 2, nothing written).
    """
    data = Path(data_dir).resolve()
    for out in outputs:
        if out is None:
            continue
        target = Path(out).resolve()
        if data == target or data.is_relative_to(target) or target.is_relative_to(data):
            relation = ("is" if data == target else "is inside" if data.is_relative_to(target) else "holds")
            raise StructuralError(
                f"--data-dir {data_dir} {relation} the output folder {out}: the raw files must live apart from "
                "everything minipolice writes; choose an --out outside the data folder (nothing was written)")
