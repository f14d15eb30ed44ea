"""A long video read in parts side by side, each by a landmarker with one pose slot.

A landmarker asked for one pose follows the person from frame to frame, so it
must read a video's frames in order, on one core. A recording long enough is
therefore cut into consecutive parts, one per core: each part is read from its
first frame (the file is sought there) by a landmarker of its own, with its
own look for other people, and the poses are joined in time order. A part
starts as a video does: the model finds the person on its first frame instead
of following them from the frame before, so the landmarks of the first few
frames of a part differ slightly from those of one reading (a few centimetres
on the first frame, fading within about five).

Each part begins where the file's own clock reaches the next part's first
frame, so no frame is read twice or missed even where seeking lands off the
frame asked for. When the person measured on either side of a seam is not the
same (two people in view, each part following another), or the part after a seam
does not find the person followed up to it, the video is read again in one pass.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Final

from halfcircle.errors import HalfcircleError
from halfcircle.io.capture import open_source
from halfcircle.landmarks import PoseFrame
from halfcircle.people import PrimaryTracker
from halfcircle.pose import PoseEstimator

#: Shortest part worth a landmarker of its own (s of video).
PART_MIN_S: Final = 5.0
#: Most parts read side by side (one core each).
MAX_PARTS: Final = 2
#: Seconds between the last person measured before a seam and the first after it
#: beyond which each side stands on its own (nobody is compared across the seam).
SEAM_HOLD_S: Final = 2.0


def part_starts(
    frame_count: int | None, fps: float, cores: int, min_s: float = PART_MIN_S
) -> list[int]:
    """First frame of each part: ``[0]`` (one part) unless the video is long enough.

    Args:
        frame_count: Frames the container announces (None: unknown, one part).
        fps: Nominal frame rate.
        cores: Cores this process may use.
        min_s: Shortest part (s).
    """
    if not frame_count or fps <= 0 or cores < 2:
        return [0]
    parts = int(min(MAX_PARTS, cores, frame_count / (fps * min_s)))
    if parts < 2:
        return [0]
    return [round(k * frame_count / parts) for k in range(parts)]


@dataclass
class _Part:
    start: int
    poses: list[PoseFrame] = field(default_factory=list)
    first_s: float | None = None  # time of this part's first frame, once read
    started: threading.Event = field(default_factory=threading.Event)


def poses_in_parts(
    video: str | Path,
    starts: list[int],
    model: str,
    others_check_s: float,
    *,
    aspect: float,
    mirrored: bool = False,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[PoseFrame], bool] | None:
    """The poses of every frame of ``video``, its parts read side by side.

    ``aspect``: width over height of the frames. Returns the poses in time
    order and whether the reading was stopped by Ctrl-C (then only the first
    part's frames read until then are returned, so that the poses have no
    hole); None when the parts do not join (a part could not be read from its
    first frame, or a seam changed the person measured): the caller then reads
    the video in one pass.
    """
    parts = [_Part(start) for start in starts]
    stop = threading.Event()
    told = [0]

    def tell() -> None:  # on the main thread, which also reads the first part
        done = sum(len(p.poses) for p in parts)
        if progress is not None:
            for _ in range(done - told[0]):  # once per frame, as the callers count
                progress(1)
        told[0] = done

    with ThreadPoolExecutor(len(parts) - 1, thread_name_prefix="pose-part") as pool:
        futures = [
            pool.submit(_read_part, video, parts, k, model, others_check_s, mirrored, stop)
            for k in range(1, len(parts))
        ]
        try:  # the main thread reads a part itself: it then gets its turns at the GIL
            # beside the others, to count the frames and to take a Ctrl-C at once
            _read_part(video, parts, 0, model, others_check_s, mirrored, stop, tell)
            while not all(f.done() for f in futures):
                time.sleep(0.05)
                tell()
            tell()
        except KeyboardInterrupt:
            stop.set()
            for f in futures:
                f.exception()  # each part stops at its next frame
            return parts[0].poses, True
        except BaseException:
            stop.set()
            raise
    errors = [f.exception() for f in futures]
    failed = next((e for e in errors if e is not None), None)
    if isinstance(failed, HalfcircleError):
        return None  # a later part could not be read from its frame: one pass instead
    if failed is not None:
        raise failed
    if not all(_joins(a.poses, b.poses, aspect) for a, b in pairwise(parts)):
        return None
    return [pose for part in parts for pose in part.poses], False


def _read_part(
    video: str | Path,
    parts: list[_Part],
    k: int,
    model: str,
    others_check_s: float,
    mirrored: bool,
    stop: threading.Event,
    after_frame: Callable[[], None] | None = None,
) -> None:
    """Read part ``k`` until the file's clock reaches the next part's first frame."""
    part, after = parts[k], (parts[k + 1] if k + 1 < len(parts) else None)
    try:
        with (
            open_source(video, mirrored=mirrored) as source,
            PoseEstimator(model, "video", max_people=1, others_check_s=others_check_s) as est,
        ):
            if part.start:
                source.seek(part.start)
            for frame in source:
                if part.first_s is None:
                    part.first_s = frame.time_s
                    part.started.set()
                if after is not None:
                    after.started.wait()
                    end_s = after.first_s
                    if end_s is None or frame.time_s >= end_s - 1e-6:
                        break
                if stop.is_set():
                    break
                part.poses.append(est.process(frame.image, frame.time_s))
                if after_frame is not None:
                    after_frame()
    finally:
        part.started.set()  # never leave the part before waiting


def _joins(before: list[PoseFrame], after: list[PoseFrame], aspect: float) -> bool:
    """Whether the poses on either side of a seam join as one reading's would.

    Not when the person was measured on the seam's last frame and the part after it
    does not find anyone on its first: a landmarker starting afresh can miss a person
    one reading goes on following (small in the picture: a clip of a person a third of
    the frame's height lost its second half circle so); nor when the person is not
    the same (:func:`_same_person`).
    """
    if before and before[-1].detected and after and not after[0].detected:
        return False
    return _same_person(before, after, aspect)


def _same_person(before: list[PoseFrame], after: list[PoseFrame], aspect: float) -> bool:
    """Whether the first person measured after a seam is the last one before it.

    By the rule that keeps the person coached from frame to frame
    (:class:`~halfcircle.people.PrimaryTracker`), waiting :data:`SEAM_HOLD_S`.
    """
    last = next((p for p in reversed(before) if p.detected), None)
    first = next((p for p in after if p.detected), None)
    if last is None or first is None:
        return True  # nobody on one side: each side stands on its own
    tracker = PrimaryTracker(hold_s=SEAM_HOLD_S)
    tracker.pick([last.image], last.time_s, aspect)
    return tracker.pick([first.image], first.time_s, aspect) is not None
