"""Writing files: never half written, and JSON that every reader can parse."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np


def replace_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file renamed over it.

    Readers see the old file or the new one, never a torn one: when the write
    fails (disk full), the temporary file is removed and ``path`` is unchanged.

    Raises:
        OSError: The file could not be written.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


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
