"""When a video was recorded: its container's creation time, else the file's time.

Used to date a recorded session in the history (``analyze --to-history``,
``baseline --source``) and a batch video in the cohort.
"""

from __future__ import annotations

import os
import struct
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final

__all__ = ["recorded_at"]

_MP4_EPOCH: Final = datetime(1904, 1, 1, tzinfo=timezone.utc)
_MP4_CONTAINERS: Final = (".mp4", ".mov", ".m4v", ".3gp")


def recorded_at(path: Path) -> tuple[datetime, str]:
    """When a video was recorded: ``(time in UTC, "metadata" or "file time")``.

    The creation time in an MP4/QuickTime container's movie header (``mvhd``) is
    used when it is set (encoders that do not know it write 0, i.e. 1904);
    otherwise the file's modification time.
    """
    if path.suffix.lower() in _MP4_CONTAINERS:
        try:
            created = _mp4_creation_time(path)
        except OSError:
            created = None
        if created is not None:
            return created, "metadata"
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc), "file time"


def _mp4_creation_time(path: Path) -> datetime | None:
    """``creation_time`` of the ``moov/mvhd`` box, or None when absent or unset."""
    with path.open("rb") as f:
        size_total = os.fstat(f.fileno()).st_size
        box = _find_box(f, b"moov", 0, size_total)
        if box is None:
            return None
        box = _find_box(f, b"mvhd", box[0], box[1])
        if box is None:
            return None
        f.seek(box[0])
        head = f.read(12)
        if len(head) < 8:
            return None
        version = head[0]
        if version == 1:
            seconds = struct.unpack(">Q", head[4:12])[0]
        else:
            seconds = struct.unpack(">I", head[4:8])[0]
    # 0 means unknown; before 2000 is no phone or camera clock worth trusting
    if seconds < 3_000_000_000:
        return None
    try:
        return _MP4_EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        return None


def _find_box(f: Any, kind: bytes, start: int, end: int) -> tuple[int, int] | None:
    """``(payload start, payload end)`` of the first box of ``kind`` in ``[start, end)``."""
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        head = f.read(8)
        if len(head) < 8:
            return None
        size, name = struct.unpack(">I4s", head)
        payload = pos + 8
        if size == 1:
            ext = f.read(8)
            if len(ext) < 8:
                return None
            size = struct.unpack(">Q", ext)[0]
            payload = pos + 16
        elif size == 0:
            size = end - pos
        if size < payload - pos:
            return None  # damaged
        if name == kind:
            return payload, min(pos + size, end)
        pos += size
    return None
