"""Per-frame pose dumps: run the pose stage over a video and write the landmarks.

Two formats:

* ``.npz``: the :class:`~halfcircle.landmarks.PoseSequence` arrays as they are
  (see :meth:`PoseSequence.save_npz`).
* ``.csv``: one row per frame, written as frames arrive, so an interrupted run
  keeps every row written before it stopped. Columns (see :data:`CSV_COLUMNS`):
  ``frame, time_s, n_people``, then for each landmark ``NAME``:
  ``NAME_x_norm, NAME_y_norm`` (normalised image coordinates, y down),
  ``NAME_z_norm`` (relative depth, scale of x), ``NAME_visibility``,
  ``NAME_presence`` (0-1), and ``NAME_world_x_m, NAME_world_y_m, NAME_world_z_m``
  (metres, origin between the hips, y down, z away from the camera). Cells are
  empty where nobody was found.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Final, TextIO

import numpy as np

from halfcircle.io.capture import Frame, FrameSource, ReadAhead
from halfcircle.landmarks import LANDMARK_NAMES, PoseFrame
from halfcircle.pose import PoseEstimator, VideoPosePool

CSV_SCHEMA_VERSION: Final = 1

_PER_LANDMARK: Final = (
    "x_norm",
    "y_norm",
    "z_norm",
    "visibility",
    "presence",
    "world_x_m",
    "world_y_m",
    "world_z_m",
)

#: Column names of the CSV pose dump, in order.
CSV_COLUMNS: Final[tuple[str, ...]] = (
    "frame",
    "time_s",
    "n_people",
    *(f"{name}_{part}" for name in LANDMARK_NAMES for part in _PER_LANDMARK),
)


def iter_poses(
    source: FrameSource, estimator: PoseEstimator | VideoPosePool
) -> Iterator[tuple[Frame, PoseFrame]]:
    """Yield each frame of a file source with the primary person's pose.

    Frames are decoded ahead on a background thread (:class:`ReadAhead`), while
    the model works on the current ones. Close the generator (or exhaust it)
    before leaving the source's ``with`` block.
    """
    with ReadAhead(source) as frames:
        yield from estimator.poses(frames)


class PoseCsvWriter:
    """Write pose frames to CSV as they arrive (a context manager).

    The first line is a comment with the schema version; every row is flushed
    so that a crash or Ctrl-C loses nothing already measured.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: TextIO | None = None
        self._writer: csv.writer | None = None  # type: ignore[valid-type]
        self.rows = 0

    def __enter__(self) -> PoseCsvWriter:
        self._file = self.path.open("w", newline="", encoding="utf-8")
        self._file.write(f"# halfcircle pose dump, schema_version={CSV_SCHEMA_VERSION}\n")
        self._writer = csv.writer(self._file)
        self._writer.writerow(CSV_COLUMNS)
        return self

    def write(self, index: int, pose: PoseFrame) -> None:
        """Append the row of frame ``index``."""
        assert self._writer is not None and self._file is not None, "use inside 'with'"
        if pose.detected:
            values = np.concatenate(
                [pose.image, pose.visibility[:, None], pose.presence[:, None], pose.world],
                axis=1,
            ).ravel()
            # Python floats: formatting them is five times faster than NumPy scalars
            cells = [f"{v:.6g}" if math.isfinite(v) else "" for v in values.tolist()]
        else:
            cells = [""] * (len(CSV_COLUMNS) - 3)
        self._writer.writerow([index, f"{pose.time_s:.6f}", pose.n_people, *cells])
        self._file.flush()
        self.rows += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
