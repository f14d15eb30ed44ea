"""The record of a live session, written to disk as it happens.

A session folder holds, while the session runs (every line flushed as written):

* ``session.json``: what was measured how (source, model, frame size and rate,
  camera tilt, the settings that differ from the defaults, start time; the end,
  its reason and frame counts are added when it ends).
* ``poses.csv``: the pose of every frame the pose model returned, in the format
  of :mod:`halfcircle.analyze.posefile` (empty cells where nobody was found), in capture
  order; a frame dropped by the model (live mode) has no row.
* ``live_frames.csv``: what the live view showed on each frame it processed,
  with the columns of ``analyze``'s ``frames.csv``
  (:data:`~halfcircle.analyze.video.FRAME_COLUMNS`).
* ``events.jsonl``: one JSON object per line: ``start``, ``calibrated``,
  ``rep`` (a rep as in ``reps.json``), ``aborted`` (a half circle begun), ``drill``
  (an attempt that was a side bend or roll-down: its ``movement`` and ``side`` added,
  :func:`halfcircle.coaching.drills.attempt_drill`), ``recalibrate``, ``pause``,
  ``resume``, ``reset``, ``spoken``, ``mute``, ``unmute``, ``rating`` and ``end``;
  each with ``time_s``. The end-of-set summary, said once the report is written,
  is a ``spoken`` line after ``end`` (:func:`append_event`), its ``time_s`` past
  the last frame on the stream's clock.
* ``raw.mkv`` (``--record`` with a camera): the frames as captured. Matroska
  stays readable up to the last frame written if the program dies.

So a crash, Ctrl-C or a lost camera leaves a complete record up to that frame,
and :func:`load_poses` rebuilds the pose sequence from it for the report. When a
write fails (the disk is full, the folder was removed), the recorder raises
:class:`RecordWriteError` once and ignores every later write, so the session can
end cleanly with what reached the disk.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Final, TextIO

import numpy as np
from numpy.typing import NDArray

from halfcircle.analyze.posefile import CSV_COLUMNS, PoseCsvWriter
from halfcircle.analyze.video import FRAME_COLUMNS, PHI_MIN_INCLINATION_DEG
from halfcircle.coaching.session import FrameState
from halfcircle.errors import HalfcircleError, InputError, error_reason
from halfcircle.files import json_safe, replace_text
from halfcircle.io.videowriter import H264Writer, VideoWriteError
from halfcircle.kinematics.measure import AngleSample
from halfcircle.landmarks import N_LANDMARKS, PoseSequence

#: Schema version of ``session.json``. 2: ``settings`` (a version 1 session ran
#: with the default settings, and is rebuilt with them).
SESSION_SCHEMA_VERSION: Final = 2

SESSION_FILE: Final = "session.json"
POSES_FILE: Final = "poses.csv"
LIVE_FRAMES_FILE: Final = "live_frames.csv"
EVENTS_FILE: Final = "events.jsonl"
RAW_VIDEO_FILE: Final = "raw.mkv"


class RecordWriteError(HalfcircleError):
    """The session record could not be written (disk full, folder gone, ...)."""


def _now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SessionRecorder:
    """Writes one live session's folder incrementally (a context manager).

    Args:
        folder: The session folder (created; files in it are replaced).
        meta: Facts about the session for ``session.json`` (source, model, ...).
            Must hold ``image_size`` (``[width, height]``) and ``fps``.
        raw_video: Whether to keep the captured frames in ``raw.mkv``.
    """

    def __init__(self, folder: Path, meta: dict[str, Any], *, raw_video: bool = False) -> None:
        missing = {"image_size", "fps"} - set(meta)
        if missing:
            raise InputError(f"Session facts need {sorted(missing)}, got {sorted(meta)}.")
        self.folder = Path(folder)
        self.meta = {"schema_version": SESSION_SCHEMA_VERSION, **meta, "started": _now_utc()}
        self.raw_video = raw_video
        self._poses: PoseCsvWriter | None = None
        self._frames_file: TextIO | None = None
        self._frames: Any = None
        self._events: TextIO | None = None
        self._raw: H264Writer | None = None
        self.pose_rows = 0
        #: The first failed write; every write after it is skipped.
        self.failed: RecordWriteError | None = None
        #: Whether that first failure raises; when False, only :attr:`failed` tells.
        self.raise_errors = True

    @property
    def raw_path(self) -> Path:
        """Where the raw video goes (exists only with ``raw_video``)."""
        return self.folder / RAW_VIDEO_FILE

    def __enter__(self) -> SessionRecorder:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._write_meta()
        self._poses = PoseCsvWriter(self.folder / POSES_FILE).__enter__()
        self._frames_file = (self.folder / LIVE_FRAMES_FILE).open("w", newline="", encoding="utf-8")
        self._frames = csv.writer(self._frames_file)
        self._frames.writerow(FRAME_COLUMNS)
        self._frames_file.flush()
        self._events = (self.folder / EVENTS_FILE).open("w", encoding="utf-8")
        if self.raw_video:
            w, h = self.meta["image_size"]
            self._raw = H264Writer(self.raw_path, (int(w), int(h)), float(self.meta["fps"]))
            self._raw.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close every file (safe to call twice).

        Raises:
            RecordWriteError: The last buffered lines or video frames could not
                be written (only if no write had failed before, and with
                ``raise_errors``).
        """
        closers: list[Callable[[], None]] = []
        if self._raw is not None:
            raw, self._raw = self._raw, None
            closers.append(lambda: raw.__exit__(None, None, None))
        if self._poses is not None:
            poses, self._poses = self._poses, None
            closers.append(lambda: poses.__exit__(None, None, None))
        for f in (self._frames_file, self._events):
            if f is not None:
                closers.append(f.close)
        self._frames_file = self._events = None
        first: RecordWriteError | None = None
        for close in closers:  # every file is closed, whatever the others do
            try:
                if self.failed is None:
                    self._guarded(close)
                else:
                    close()
            except RecordWriteError as err:
                first = err
            except (OSError, VideoWriteError, ValueError):
                pass  # a write had failed before and was reported then
        if first is not None:
            raise first

    def _guarded(self, write: Callable[[], None]) -> None:
        """Run one write unless one failed before; the first failure raises (``raise_errors``)."""
        if self.failed is not None:
            return
        try:
            write()
        except (OSError, VideoWriteError) as err:
            self.failed = RecordWriteError(
                f"The session record in {self.folder} could not be written "
                f"({error_reason(err)}); what was written before is kept there."
            )
            self.failed.__cause__ = err
            if self.raise_errors:
                raise self.failed from err

    # -- writing ----------------------------------------------------------------------
    def write_raw(self, image: np.ndarray) -> None:
        """Append one captured frame to the raw video (no-op without ``raw_video``)."""
        raw = self._raw
        if raw is not None:
            self._guarded(lambda: raw.write(image))

    def write_pose(self, index: int, pose: Any) -> None:
        """Append the pose row of frame ``index`` (frames in order, none skipped)."""
        assert self._poses is not None, "use inside 'with'"
        writer = self._poses
        self._guarded(lambda: writer.write(index, pose))
        if self.failed is None:
            self.pose_rows += 1

    def write_frame(
        self,
        index: int,
        sample: AngleSample,
        state: FrameState,
        *,
        n_people: int,
        view: str,
        lateral_observable: bool,
        rep: int,
    ) -> None:
        """Append what the live view showed on frame ``index`` (``frames.csv`` columns)."""
        assert self._frames is not None and self._frames_file is not None, "use inside 'with'"
        row: list[Any] = [index, f"{sample.time_s:.4f}", int(n_people > 0), n_people]
        for name in FRAME_COLUMNS[4:14]:
            value = float(getattr(sample, name))
            shown = sample.valid and math.isfinite(value)
            if name == "lateral_deg":
                shown = shown and lateral_observable
            if name == "phi_deg" and not sample.inclination_deg >= PHI_MIN_INCLINATION_DEG:
                shown = False
            row.append(f"{value:.2f}" if shown else "")
        row += [view, state.phase, rep or "", state.cue or ""]
        frames, file = self._frames, self._frames_file

        def write() -> None:
            frames.writerow(row)
            file.flush()

        self._guarded(write)

    def event(self, kind: str, time_s: float | None, **data: Any) -> None:
        """Append one event line to ``events.jsonl``."""
        assert self._events is not None, "use inside 'with'"
        line = {"type": kind, "time_s": None if time_s is None else round(float(time_s), 4)}
        line.update(data)
        events, text = self._events, json.dumps(json_safe(line), allow_nan=False) + "\n"

        def write() -> None:
            events.write(text)
            events.flush()

        self._guarded(write)

    def finish(self, **facts: Any) -> None:
        """Add how the session ended to ``session.json``."""
        self.meta.update(facts)
        self.meta["ended"] = _now_utc()
        self._guarded(self._write_meta)

    def _write_meta(self) -> None:
        text = json.dumps(json_safe(self.meta), indent=2, allow_nan=False) + "\n"
        replace_text(self.folder / SESSION_FILE, text)


def append_event(folder: Path, kind: str, time_s: float, **data: Any) -> bool:
    """Append one event line to a closed session's ``events.jsonl``; False if it failed.

    For what happens after the recording ends (the end-of-set summary). A failed
    write (full disk) loses only that line, so it is not raised.
    """
    line = {"type": kind, "time_s": round(float(time_s), 4), **data}
    try:
        with (Path(folder) / EVENTS_FILE).open("a", encoding="utf-8") as events:
            events.write(json.dumps(json_safe(line), allow_nan=False) + "\n")
    except OSError:
        return False
    return True


# ----------------------------------------------------------------------------- reading
def read_meta(folder: Path) -> dict[str, Any]:
    """The facts of ``session.json``."""
    path = Path(folder) / SESSION_FILE
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise InputError(f"{path} is missing or damaged: it is not a session folder.") from err
    return data


def read_events(folder: Path) -> list[dict[str, Any]]:
    """Every complete line of ``events.jsonl`` (a torn last line is skipped)."""
    path = Path(folder) / EVENTS_FILE
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def read_pose_csv(
    path: Path, image_size: tuple[int, int], fps: float, source: str = ""
) -> tuple[PoseSequence, NDArray[np.int64]]:
    """Load a pose dump written by :class:`~halfcircle.analyze.posefile.PoseCsvWriter`.

    A torn last row (the program died while writing it) is dropped.

    Returns:
        The poses, and ``(n,)`` the frame index of each row (a live session
        writes no row for a frame the pose model dropped).
    """
    with Path(path).open(newline="", encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    rows = list(csv.reader(lines))
    if not rows or tuple(rows[0]) != CSV_COLUMNS:
        raise InputError(f"{path} is not a halfcircle pose dump (unexpected header).")
    body = [r for r in rows[1:] if len(r) == len(CSV_COLUMNS)]
    n = len(body)
    values = np.array(
        [[float(c) if c != "" else np.nan for c in r[3:]] for r in body], dtype=np.float64
    ).reshape(n, N_LANDMARKS, 8)
    seq = PoseSequence(
        time_s=np.array([float(r[1]) for r in body], dtype=np.float64),
        image=values[:, :, 0:3],
        world=values[:, :, 5:8],
        visibility=values[:, :, 3],
        presence=values[:, :, 4],
        n_people=np.array([int(r[2]) for r in body], dtype=np.int64),
        image_size=image_size,
        fps=fps,
        source=source,
    )
    return seq, np.array([int(r[0]) for r in body], dtype=np.int64)


def load_poses(folder: Path) -> tuple[PoseSequence, NDArray[np.int64]]:
    """The pose sequence recorded in a session folder, and each row's frame index."""
    meta = read_meta(folder)
    w, h = meta["image_size"]
    return read_pose_csv(
        Path(folder) / POSES_FILE, (int(w), int(h)), float(meta["fps"]), meta.get("video") or ""
    )


def previous_rating(folder: Path) -> dict[str, Any] | None:
    """The latest rating with a pain score among the sibling session folders."""
    folder = Path(folder).resolve()
    best: tuple[str, dict[str, Any]] | None = None
    parent = folder.parent
    if not parent.is_dir():
        return None
    for other in parent.iterdir():
        if other == folder or not (other / EVENTS_FILE).is_file():
            continue
        for e in read_events(other):
            if e.get("type") == "rating" and e.get("pain") is not None:
                when = str(e.get("at", ""))
                if best is None or when > best[0]:
                    best = (when, e)
    return best[1] if best is not None else None
