"""Frame sources: one abstraction for a video file, a webcam and a stream URL.

A source is a context manager and an iterable of :class:`Frame`. It always
releases the capture, however the loop ends. Timestamps come from the file's own
clock offline and from a monotonic clock live, in seconds from the first frame.
A phone's portrait video (landscape frames plus a rotation tag) is read upright,
as OpenCV applies the tag; ``size`` is the upright one. A mirrored recording (as
phones save selfie videos) is flipped back left-right when ``mirrored`` is given,
so that the pose model sees the person as the camera did and their left and
right stay theirs.

Failures are our own exceptions with one plain sentence:
:class:`~halfcircle.errors.VideoSourceError` when a source cannot be opened or
read at all, :class:`~halfcircle.errors.CameraLostError` when a camera or
stream stops delivering frames mid-session.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Generic, Protocol, TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray

from halfcircle.errors import CameraLostError, VideoSourceError

#: File name endings we treat as video when a folder is searched.
VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")

#: Consecutive failed reads after which a camera or stream counts as lost.
LIVE_READ_RETRIES = 10

#: Frames :class:`ReadAhead` decodes ahead of the loop that uses them.
READ_AHEAD_FRAMES = 4

_T = TypeVar("_T")


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    Attributes:
        index: 0-based position in the stream.
        time_s: Seconds since the first frame (file clock or monotonic clock).
        image: ``(height, width, 3)`` uint8 BGR pixels, as OpenCV decodes them.
    """

    index: int
    time_s: float
    image: NDArray[np.uint8]


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` that sources use (lets tests stand in a camera)."""

    def isOpened(self) -> bool: ...  # noqa: D102
    def read(self) -> tuple[bool, Any]: ...  # noqa: D102
    def get(self, prop_id: int) -> float: ...  # noqa: D102
    def set(self, prop_id: int, value: float) -> bool: ...  # noqa: D102
    def release(self) -> None: ...  # noqa: D102


CaptureFactory = Callable[[Any], Capture]


class FrameSource:
    """Frames from a video file, camera index or stream URL.

    Use :func:`open_source` to build one from what the user typed. Iterate it
    inside a ``with`` block; iteration can happen once.
    """

    def __init__(
        self,
        target: str | int | Path,
        *,
        live: bool,
        description: str,
        capture_factory: CaptureFactory | None = None,
        mirrored: bool = False,
    ) -> None:
        self.target = target
        self.live = live
        self.description = description
        self.mirrored = mirrored
        self._factory: CaptureFactory = capture_factory or cv2.VideoCapture
        self._cap: Capture | None = None
        self.frames_read = 0
        self._first_index = 0

    # -- facts about the source -------------------------------------------------------
    @property
    def fps(self) -> float:
        """Nominal frames per second (30 when the source does not say)."""
        fps = self._require().get(cv2.CAP_PROP_FPS)
        return float(fps) if np.isfinite(fps) and 1.0 <= fps <= 1000.0 else 30.0

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` in pixels."""
        cap = self._require()
        return int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))

    @property
    def frame_count(self) -> int | None:
        """Number of frames the container announces, or ``None`` for live sources."""
        if self.live:
            return None
        n = self._require().get(cv2.CAP_PROP_FRAME_COUNT)
        return int(n) if n > 0 else None

    def seek(self, index: int) -> None:
        """Start the iteration of a file at frame ``index`` (0 the first), before iterating.

        Raises:
            VideoSourceError: The source is live, or the container cannot seek there.
        """
        cap = self._require()
        if self.live or not cap.set(cv2.CAP_PROP_POS_FRAMES, float(index)):
            raise VideoSourceError(f"{self.description} cannot be read from frame {index}.")
        self._first_index = int(index)

    # -- lifetime ---------------------------------------------------------------------
    def open(self) -> FrameSource:
        """Open the capture; raise :class:`VideoSourceError` if it cannot be used."""
        if self._cap is not None:
            return self
        cap = self._factory(self.target)
        if not cap.isOpened():
            cap.release()
            if self.live:
                raise VideoSourceError(
                    f"{self.description} could not be opened: check that it is connected "
                    "and not in use by another program."
                )
            raise VideoSourceError(
                f"{self.description} could not be opened as a video: it is not a video "
                "file, it is damaged, or its codec is not supported."
            )
        self._cap = cap
        return self

    def close(self) -> None:
        """Release the capture (safe to call twice)."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def __enter__(self) -> FrameSource:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _require(self) -> Capture:
        if self._cap is None:
            self.open()
        assert self._cap is not None
        return self._cap

    # -- frames -----------------------------------------------------------------------
    def __iter__(self) -> Iterator[Frame]:
        """Yield frames until the file ends; raise :class:`CameraLostError` if live fails."""
        cap = self._require()
        try:
            if self.live:
                yield from self._iter_live(cap)
            else:
                yield from self._iter_file(cap)
        finally:
            self.close()

    def _iter_file(self, cap: Capture) -> Iterator[Frame]:
        fps = self.fps
        last_t = -np.inf
        index = first = self._first_index
        while True:
            ok, image = cap.read()
            if not ok or image is None:
                break
            t = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            # Trust the container's clock only while it moves forward.
            if not np.isfinite(t) or t <= last_t:
                t = index / fps if index / fps > last_t else last_t + 1.0 / fps
            last_t = t
            self.frames_read += 1
            yield Frame(index, float(t), cv2.flip(image, 1) if self.mirrored else image)
            index += 1
        if index == first:
            raise VideoSourceError(
                f"{self.description} holds no readable video frames: it is damaged or its "
                "codec is not supported."
            )

    def _iter_live(self, cap: Capture) -> Iterator[Frame]:
        t0: float | None = None
        index = 0
        failures = 0
        while True:
            ok, image = cap.read()
            now = time.monotonic()
            if not ok or image is None:
                failures += 1
                if failures >= LIVE_READ_RETRIES:
                    if index == 0:
                        raise VideoSourceError(
                            f"{self.description} opened but delivered no picture."
                        )
                    elapsed = now - (t0 if t0 is not None else now)
                    raise CameraLostError(
                        f"{self.description} stopped delivering frames after "
                        f"{elapsed:.1f} s ({index} frames)."
                    )
                time.sleep(0.01)
                continue
            failures = 0
            if t0 is None:
                t0 = now
            self.frames_read += 1
            yield Frame(index, now - t0, cv2.flip(image, 1) if self.mirrored else image)
            index += 1


def open_source(
    spec: str | int | Path,
    capture_factory: CaptureFactory | None = None,
    *,
    mirrored: bool = False,
) -> FrameSource:
    """Build a frame source from what the user gave.

    Args:
        spec: A camera index (``0`` or ``"0"``), a stream URL (``rtsp://``,
            ``http://``, ...) or a path to a video file.
        capture_factory: Stand-in for ``cv2.VideoCapture`` (tests only).
        mirrored: The recording is mirrored (a selfie video): every frame is
            flipped back left-right.

    Raises:
        VideoSourceError: The file is missing or is a folder.
    """
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        index = int(spec)
        return FrameSource(
            index,
            live=True,
            description=f"Camera {index}",
            capture_factory=capture_factory,
            mirrored=mirrored,
        )
    text = str(spec)
    if "://" in text:
        return FrameSource(
            text,
            live=True,
            description=f"The stream {text}",
            capture_factory=capture_factory,
            mirrored=mirrored,
        )
    path = Path(text)
    if not path.exists():
        raise VideoSourceError(f"There is no video file at {path}.")
    if path.is_dir():
        raise VideoSourceError(f"{path} is a folder, not a video file.")
    return FrameSource(
        str(path),
        live=False,
        description=str(path),
        capture_factory=capture_factory,
        mirrored=mirrored,
    )


def find_videos(paths: list[Path]) -> list[Path]:
    """Video files among ``paths``, searching folders recursively, sorted by path."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(
                q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in VIDEO_SUFFIXES
            )
        else:
            found.append(p)
    return sorted(set(found))


#: Longest wait for the read-ahead thread when its iteration is left (s).
READ_AHEAD_JOIN_S: Final = 2.0


class ReadAhead(Generic[_T]):
    """Iterate ``items`` while a background thread reads up to ``depth`` of them ahead.

    For video files: decoding then runs on the core the pose model leaves free
    (OpenCV releases the GIL while it decodes), instead of between inferences.
    An exception raised by the reader is raised by the iteration at the point it
    happened. A context manager: leaving it (loop finished, ``break``, Ctrl-C)
    stops the reader and closes ``items`` on the reader's thread, so a frame
    source is released before its own ``with`` block ends.

    Args:
        items: What to read, e.g. a :class:`FrameSource` of a file.
        depth: Items read ahead at most.
    """

    _END: Final = object()

    def __init__(self, items: Iterable[_T], depth: int = READ_AHEAD_FRAMES) -> None:
        self._items = items
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="read-ahead", daemon=True)

    def __enter__(self) -> ReadAhead[_T]:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()  # a reader waiting on a full queue sees it within 50 ms
        # Bounded: Ctrl-C landing inside Queue.get can leave the queue's lock taken
        # (CPython re-acquires it in Condition.wait), and the reader then waits on it for
        # ever; it is a daemon thread, so the process still ends.
        self._thread.join(timeout=READ_AHEAD_JOIN_S)

    def __iter__(self) -> Iterator[_T]:
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item

    def _read(self) -> None:
        it = iter(self._items)
        try:
            for item in it:
                self._put(item)
                if self._stop.is_set():
                    return
            self._put(self._END)
        except BaseException as err:  # handed to the consuming thread, raised there
            self._put(_Raised(err))
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()

    def _put(self, item: Any) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return
            except queue.Full:
                continue


@dataclass(frozen=True)
class _Raised:
    error: BaseException
