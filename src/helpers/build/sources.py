"""Chapter sources: MyST Markdown notebooks, converted to ``.ipynb`` for papermill.

One job: turn a chapter's text source into the notebook papermill executes.
Chapters are written as MyST Markdown notebooks (jupytext's ``myst``
format: prose as Markdown, code in ```` ```{code-cell} ```` blocks, cell
tags as ``:tags:`` options), so that a one-word change to the prose is a
one-line diff a reviewer can read. A chapter may still be an ``.ipynb``
(the Markdown source wins when both exist).

The conversion is deterministic: the same Markdown gives the same bytes
(cell ids are ``<stem>-NN`` by position, jupytext's own metadata is dropped),
so the build cache, which keys a page on its source, sees a change only
when the chapter changed.

``python -m helpers.build.sources DIR`` writes ``DIR/<stem>.ipynb`` beside
every ``DIR/<stem>.md``: the copies nbval runs (they are not committed).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "page.md").write_text(
...     "---\\njupytext:\\n  text_representation:\\n    format_name: myst\\n"
...     "kernelspec:\\n  name: python3\\n  display_name: Python 3\\n  language: python\\n---\\n\\n"
...     "# A page\\n\\n```{code-cell} ipython3\\n:tags: [parameters]\\n\\nx = 1\\n```\\n")
>>> notebook = read_chapter(folder, "page")
>>> [(c.cell_type, c.id, c.source) for c in notebook.cells]
[('markdown', 'page-00', '# A page'), ('code', 'page-01', 'x = 1')]
>>> notebook.cells[1].metadata["tags"]
['parameters']
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["chapter_source", "read_chapter", "chapter_bytes", "prepare", "write_ipynb", "main"]


def chapter_source(notebooks_dir: Path, stem: str) -> Path:
    """The file a chapter is written in: ``<stem>.md`` if it exists, else ``<stem>.ipynb``."""
    markdown = Path(notebooks_dir) / f"{stem}.md"
    return markdown if markdown.exists() else Path(notebooks_dir) / f"{stem}.ipynb"


def read_chapter(notebooks_dir: Path, stem: str):
    """The chapter as an ``nbformat`` notebook (version 4), whichever file it is written in.

    Raises
    ------
    FileNotFoundError
        Neither ``<stem>.md`` nor ``<stem>.ipynb`` exists.
    """
    import jupytext
    import nbformat

    source = chapter_source(notebooks_dir, stem)
    if not source.exists():
        raise FileNotFoundError(f"{Path(notebooks_dir) / stem}.md: chapter source does not exist")
    if source.suffix == ".ipynb":
        return nbformat.read(source, as_version=4)
    notebook = jupytext.read(source, fmt="md:myst")
    notebook.metadata.pop("jupytext", None)
    notebook.metadata.setdefault("language_info", {"name": "python"})
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"{stem}-{index:02d}"
        if cell.cell_type == "code":
            cell.setdefault("outputs", [])
            cell["execution_count"] = None
    return notebook


def chapter_bytes(notebooks_dir: Path, stem: str) -> bytes:
    """The ``.ipynb`` bytes of a chapter: the same source always gives the same bytes."""
    import nbformat

    return (nbformat.writes(read_chapter(notebooks_dir, stem)) + "\n").encode("utf-8")


def prepare(notebooks_dir: Path, stem: str, folder: Path) -> Path:
    """The ``.ipynb`` papermill should execute for ``stem``.

    An ``.ipynb`` chapter is used where it is. A Markdown chapter is
    converted to ``folder/<stem>.ipynb``, which is written only when its
    bytes change (so its timestamp, too, moves only with the chapter).
    """
    source = chapter_source(notebooks_dir, stem)
    if source.suffix == ".ipynb":
        return source
    return _write_if_changed(Path(folder) / f"{stem}.ipynb", chapter_bytes(notebooks_dir, stem))


def _write_if_changed(target: Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` unless it already holds exactly those bytes (its timestamp stays)."""
    if not target.exists() or target.read_bytes() != data:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return target


def write_ipynb(notebooks_dir: Path) -> list[Path]:
    """Write ``<stem>.ipynb`` beside every ``<stem>.md`` chapter of ``notebooks_dir``; return them."""
    written = []
    for markdown in sorted(Path(notebooks_dir).glob("*.md")):
        if markdown.name.upper() == "README.MD":
            continue
        written.append(_write_if_changed(markdown.with_suffix(".ipynb"),
                                         chapter_bytes(markdown.parent, markdown.stem)))
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.build.sources DIR``: write the ``.ipynb`` copies nbval executes."""
    parser = argparse.ArgumentParser(prog="python -m helpers.build.sources", description=main.__doc__)
    parser.add_argument("folder", type=Path, help="folder of MyST Markdown chapters")
    args = parser.parse_args(argv)
    written = write_ipynb(args.folder)
    print(f"{len(written)} notebooks written from Markdown chapters in {args.folder}", file=sys.stderr)
    return 0 if written else 2


if __name__ == "__main__":
    raise SystemExit(main())
