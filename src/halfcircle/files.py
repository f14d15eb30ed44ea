"""Writing files: never half written, and JSON that every reader can parse."""

from __future__ import annotations

import glob
import math
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from halfcircle.errors import OutputFolderError, error_reason


def replace_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file renamed over it.

    Readers see the old file or the new one, never a torn one: when the write
    fails (disk full), the temporary file is removed and ``path`` is unchanged.

    Raises:
        OSError: The file could not be written.
    """
    with atomic_write(path) as f:
        f.write(text)


def temporary_path(path: Path) -> Path:
    """Where :func:`replace_text` and :func:`atomic_write` write ``path`` before renaming.

    A hidden name beside it, ``.NAME.PID.tmp``: in the same folder, so the
    rename is atomic; hidden, so a reader never takes it for a result; with the
    process id, so two writers never share one. :func:`clear_outputs` removes
    those a killed run left behind.
    """
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextmanager
def atomic_write(path: Path) -> Iterator[TextIO]:
    """Open a text file (UTF-8) that appears at ``path`` only once it is complete.

    The file is written under :func:`temporary_path`, flushed to disk and renamed
    over ``path`` when the ``with`` block ends without an exception. On any
    error (disk full, Ctrl-C) the temporary file is removed and ``path`` is left
    as it was: a reader never sees a file cut mid-row.

    Raises:
        OSError: The file could not be written.
    """
    path = Path(path)
    tmp = temporary_path(path)
    try:
        with tmp.open("w", encoding="utf-8", newline="") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def clear_outputs(folder: Path, names: Iterable[str]) -> list[str]:
    """Remove an earlier run's files ``names`` from ``folder``, and their temporaries.

    Called before a new run writes its own, so that no file of an earlier run
    (an old report beside new data) survives a run that is stopped or fails
    half way. Only the files named, and the hidden temporaries of
    :func:`temporary_path` a killed writer left of them, are touched.

    Returns:
        The names of the files removed (temporaries not counted), in ``names`` order.

    Raises:
        OSError: A file could not be removed.
    """
    folder = Path(folder)
    removed = []
    for name in names:
        path = folder / name
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(name)
        for tmp in folder.glob(f".{glob.escape(name)}.*.tmp"):
            if tmp.name[len(name) + 2 : -4].isdigit():
                tmp.unlink(missing_ok=True)
    return removed


def check_output_folder(folder: Path, option: str = "--out") -> None:
    """Raise unless ``folder`` is, or can become, a folder this process can write into.

    Checked before any work, so that a bad ``--out`` is said at once rather than
    after a long analysis. Nothing is created: a folder that does not exist yet
    is judged by the nearest folder above it that does, where a file is made
    and removed again to be sure (permissions, a read-only disk).

    Raises:
        OutputFolderError: ``folder`` is a file, lies below a file, or cannot be
            written to.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputFolderError(
            f"{option} {folder} is a file, not a folder: give a folder for the results."
        )
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise OutputFolderError(
            f"{option} {folder} cannot be made: {existing} is a file, not a folder."
        )
    try:
        fd, probe = tempfile.mkstemp(prefix=".halfcircle-probe-", dir=existing)
    except OSError as err:
        where = "" if existing == folder else f" (nor can {existing}, where it would be made)"
        raise OutputFolderError(
            f"{option} {folder} cannot be written to{where}: {error_reason(err)}."
        ) from err
    os.close(fd)
    os.unlink(probe)


def json_safe(value: Any) -> Any:
    """``value`` ready for strict JSON (``allow_nan=False``), recursively.

    NaN and inf become None, NumPy scalars Python ones, paths strings, tuples
    lists and keys strings.
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
