"""The pose stage: MediaPipe PoseLandmarker turned into our own arrays.

This is the only module of halfcircle that imports mediapipe. Nothing it
returns carries a MediaPipe type: each frame becomes a
:class:`~halfcircle.landmarks.PoseFrame` of NumPy arrays.

Two running modes:

* ``"video"`` (files): :meth:`PoseEstimator.process` runs synchronously on each
  frame and returns its pose; the landmarker tracks the person between frames.
* ``"live"`` (cameras): :meth:`PoseEstimator.submit` hands a frame over and
  returns at once; finished poses are collected with :meth:`PoseEstimator.poll`.
  The landmarker may drop frames to keep latency low.

By default (the setting ``pose.track_one``) the landmarker is asked for one
pose: it follows the person from the box of their landmarks in the frame before
and runs its person detector only when it has lost them, which is about half the
model time of two poses. Other people in view are found by a
:class:`PeopleCheck`, a second, small landmarker that looks at the whole frame
every ``pose.others_check_s`` seconds (0.5 by default) on a thread of its own,
so a second person is reported within about a second
(``PoseFrame.n_people == 2``). One pose follows whoever the detector ranked
first; when a look shows that this is someone else, the next frames are shown
to the model with everything but the person coached greyed out until it follows
them (:class:`~halfcircle.people.Relock`). The *primary* person is the largest
one when tracking starts, then the one closest to the last pick, and never
someone who stands farther away than the primary could have moved: a frame
showing only someone else reads as nobody found for up to
:data:`~halfcircle.people.PRIMARY_HOLD_S` seconds
(:class:`~halfcircle.people.PrimaryTracker`). Because a landmarker with one pose
reads a file's frames in order, a long file is read in consecutive parts side
by side (:mod:`halfcircle.analyze.parts`).

Asked for two poses (``pose.track_one = false``), the landmarker runs its
person detector on every frame (looking for a second person) and reads the
landmarks in the box the detector found, so that a second person in view is
noticed on the frame they appear and each frame's landmarks depend on that frame
alone. Files are then read by a :class:`VideoPosePool`: two landmarkers reading
alternate frames side by side (MediaPipe runs outside the GIL, each on a core),
which gives the poses of one landmarker reading every frame, bit for bit.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import cv2
import numpy as np
from mediapipe.tasks.python.core.base_options import BaseOptions
from mediapipe.tasks.python.vision.core import image as mp_image
from mediapipe.tasks.python.vision.core.vision_task_running_mode import (
    VisionTaskRunningMode,
)
from mediapipe.tasks.python.vision.pose_landmarker import (
    PoseLandmarker,
    PoseLandmarkerOptions,
    PoseLandmarkerResult,
)
from numpy.typing import NDArray

from halfcircle.errors import ModelError, ValidationError
from halfcircle.io.capture import Frame
from halfcircle.landmarks import N_LANDMARKS, FloatArray, PoseFrame
from halfcircle.models import model_path
from halfcircle.nativelog import _native_stderr_silenced, _StderrMute
from halfcircle.offline import keep_mediapipe_offline
from halfcircle.people import PrimaryTracker, Relock
from halfcircle.poseconfig import OTHERS_CHECK_S

Mode = Literal["video", "live"]
_RUNNING_MODES = {"video": VisionTaskRunningMode.VIDEO, "live": VisionTaskRunningMode.LIVE_STREAM}

#: Longest time (s) the native log is muted while waiting for the first live result.
LIVE_MUTE_MAX_S = 3.0

#: Gap (ms) between two videos read by one landmarker (see PoseEstimator.restart).
RESTART_GAP_MS = 1000

#: Pose slots of a :class:`PoseEstimator` or pool unless told (see the module
#: docstring: the pose stage's own default, ``pose.track_one``, asks for one).
DEFAULT_POSES = 2
#: Pose slots of a :class:`PeopleCheck`: two tell "someone else is in view".
CHECK_POSES = 2
#: Model of a :class:`PeopleCheck` (it only counts: the smallest will do).
CHECK_MODEL = "lite"
#: Longest side (px) of the frame a :class:`PeopleCheck` looks at (larger ones are
#: shrunk; the person detector itself reads 224 x 224).
CHECK_MAX_SIDE = 640
#: Offline, a look's count is used from this many frames after the frame it looked
#: at (0.1 s at 30 fps), so that it runs beside the tracking landmarker instead of
#: holding it up; the first look of a video is used at once.
CHECK_LAG_FRAMES = 3


class PoseEstimator:
    """A context-managed MediaPipe PoseLandmarker for one stream.

    Args:
        model: ``"lite"``, ``"full"``, ``"heavy"`` or a path to a ``.task`` bundle.
        mode: ``"video"`` for files (synchronous), ``"live"`` for cameras (asynchronous).
        max_people: Poses asked of the model: 2 runs the person detector on
            every frame, which notices a second person at once; 1 follows one
            person from frame to frame (faster; others are counted by the looks
            of ``others_check_s``; the landmarks differ, see the module docstring).
        min_detection_confidence: Detector score needed to start tracking, in [0, 1].
        min_tracking_confidence: Score needed to keep tracking, in [0, 1].
        primary: Chooser of the person being coached, shared between the
            landmarkers of one stream (default: a tracker of this one's own).
        others_check_s: Seconds between two looks for other people
            (:class:`PeopleCheck`); 0 turns them off (then ``n_people`` is at
            most 1 with ``max_people=1``). Not used with ``max_people`` 2.

    Raises:
        ModelError: The bundle is missing, damaged or cannot be loaded.
    """

    def __init__(
        self,
        model: str | Path = "full",
        mode: Mode = "video",
        *,
        max_people: int = DEFAULT_POSES,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        primary: PrimaryTracker | None = None,
        others_check_s: float = OTHERS_CHECK_S,
    ) -> None:
        if mode not in ("video", "live"):
            raise ValidationError(f"Pose mode must be 'video' or 'live', got {mode!r}.")
        if max_people not in (1, 2):
            raise ValidationError(f"A pose estimator tracks 1 or 2 people, got {max_people}.")
        self.max_people = max_people
        self._min_detection_confidence = min_detection_confidence
        self._check: PeopleCheck | None = None
        self.mode: Mode = mode
        self.model_path = model_path(str(model))
        self._last_ms = -1
        self._offset_ms = 0
        self._last_shape: tuple[int, ...] = (64, 64, 3)
        self._primary = primary if primary is not None else PrimaryTracker()
        self._lock = threading.Lock()
        self._results: deque[tuple[PoseFrame, FloatArray | None]] = deque()
        self._relock: Relock | None = None
        self._options = options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=(
                VisionTaskRunningMode.VIDEO
                if mode == "video"
                else VisionTaskRunningMode.LIVE_STREAM
            ),
            num_poses=max_people,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
            result_callback=self._on_result if mode == "live" else None,
        )
        self._live_started = False
        # live mode: the first inference runs on MediaPipe's thread, after submit()
        self._live_mute = _StderrMute()
        keep_mediapipe_offline()
        try:
            with _native_stderr_silenced():
                self._landmarker: PoseLandmarker | None = PoseLandmarker.create_from_options(
                    options
                )
        except (RuntimeError, ValueError, OSError) as err:
            raise ModelError(
                f"The pose model {self.model_path} could not be loaded by MediaPipe ({err})."
            ) from err
        try:
            self.others_check_s = others_check_s
        except BaseException:
            self.close()
            raise

    @property
    def others_check_s(self) -> float:
        """Seconds between two looks for other people (0: none); may be changed between videos."""
        return self._check.period_s if self._check is not None else 0.0

    @others_check_s.setter
    def others_check_s(self, period_s: float) -> None:
        if self.max_people > 1:  # the model counts the people itself
            return
        if self._check is None and period_s > 0:
            self._check = PeopleCheck(
                period_s, min_detection_confidence=self._min_detection_confidence
            )
            self._relock = Relock(self._primary)
        elif self._check is not None:
            self._check.period_s = _check_period(period_s)

    # -- lifetime ---------------------------------------------------------------------
    def close(self) -> None:
        """Release the landmarker and its people check (safe to call twice)."""
        self._live_mute.stop()
        if self._check is not None:
            self._check.close()
        if self._landmarker is not None:
            with _native_stderr_silenced():
                self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def restart(self) -> None:
        """Read the next frame as the first of a new video (``"video"`` mode).

        Lets one estimator serve many files in turn (a batch worker) with the
        poses a fresh one would give. The choice of the primary person and the
        looks for others start over. With one pose slot the landmarker is made
        anew from the loaded bundle: its landmark smoothing keeps a trace of
        the last video that no blank frame clears (up to 1e-3 of the frame).
        With two, the model is shown one blank frame, which ends its tracking of
        the last person, and the next video's timestamps are shifted past
        everything seen (MediaPipe needs them to increase) while keeping their
        spacing.
        """
        if self.mode != "video":
            raise ValidationError("restart() needs a 'video' mode estimator.")
        if self._last_ms < 0:
            return  # nothing seen yet: already fresh
        self._primary.reset()
        if self._check is not None:
            self._check.reset()
        if self._relock is not None:
            self._relock.reset()
        if self.max_people == 1:
            with _native_stderr_silenced():
                self._require().close()
                self._landmarker = PoseLandmarker.create_from_options(self._options)
            self._last_ms, self._offset_ms = -1, 0
            return
        blank = np.zeros(self._last_shape, np.uint8)
        landmarker = self._require()
        self._last_ms += RESTART_GAP_MS
        with _native_stderr_silenced():
            landmarker.detect_for_video(_to_mp_image(blank), self._last_ms)
        self._offset_ms = self._last_ms + RESTART_GAP_MS

    # -- frames -----------------------------------------------------------------------
    def process(self, image_bgr: NDArray[np.uint8], time_s: float) -> PoseFrame:
        """Find the pose in one frame of a file (``"video"`` mode).

        Args:
            image_bgr: ``(height, width, 3)`` uint8 BGR pixels, as OpenCV decodes them.
            time_s: Time of the frame in seconds; must increase from call to call.
        """
        if self.mode != "video":
            raise ValidationError("process() needs a 'video' mode estimator; use submit().")
        check, relock = self._check, self._relock
        if check is None or relock is None:
            return self._convert(self._infer(image_bgr, time_s), time_s)[0]
        check.begin(image_bgr, time_s)  # looks on its own thread meanwhile, when one is due
        pose, followed = self._convert(self._infer(relock.frame(image_bgr, time_s), time_s), time_s)
        aspect = self._aspect()
        _after_frame(pose, followed, check, relock, aspect)
        look = check.take(wait_after_frames=CHECK_LAG_FRAMES)
        if look is not None and relock.check(look.people, followed, look.time_s, look.aspect):
            pose = PoseFrame.empty(time_s)  # it follows someone else: relocks from the next frame
        return _with_others(pose, check.people(wait_after_frames=CHECK_LAG_FRAMES))

    def poses(self, frames: Iterable[Frame]) -> Iterator[tuple[Frame, PoseFrame]]:
        """Each frame of a file with its pose, in order (``"video"`` mode)."""
        for frame in frames:
            yield frame, self.process(frame.image, frame.time_s)

    def _infer(self, image_bgr: NDArray[np.uint8], time_s: float) -> PoseLandmarkerResult:
        """MediaPipe's result for one frame of a file (any thread, one at a time)."""
        landmarker = self._require()
        ts = self._timestamp_ms(time_s)
        mp_input = _to_mp_image(image_bgr)
        self._last_shape = image_bgr.shape
        # The runtime may log a warning on any inference (e.g. on reallocating an
        # unaligned input tensor): keep fd 2 muted for the call (a few syscalls).
        with _native_stderr_silenced():
            return landmarker.detect_for_video(mp_input, ts)

    def submit(self, image_bgr: NDArray[np.uint8], time_s: float) -> None:
        """Hand one camera frame to the model (``"live"`` mode); returns at once."""
        if self.mode != "live":
            raise ValidationError("submit() needs a 'live' mode estimator; use process().")
        landmarker = self._require()
        if not self._live_started:  # muted until the first result is back (see poll)
            self._live_mute.start()
            self._live_started = True
        self._last_shape = image_bgr.shape
        shown = self._relock.frame(image_bgr, time_s) if self._relock is not None else image_bgr
        landmarker.detect_async(_to_mp_image(shown), self._timestamp_ms(time_s))
        if self._check is not None:
            self._check.begin(image_bgr, time_s)

    def poll(self) -> list[PoseFrame]:
        """Poses finished since the last call, oldest first (``"live"`` mode).

        With one pose slot, the poses are held until the stream's first look for
        other people is back (a few frames), so that someone else the model
        happened to find first is never given as the person coached.
        """
        check = self._check
        with self._lock:
            if check is not None and check.first_look_running():
                done = []
            else:
                done = list(self._results)
                self._results.clear()
        out = [pose for pose, _ in done]
        if self._check is not None and self._relock is not None and done:
            out = self._relocked(done, self._check, self._relock)
        if self._live_mute.active and (
            out or time.monotonic() - self._live_mute.started_at > LIVE_MUTE_MAX_S
        ):
            self._live_mute.stop()
        return out

    def _relocked(
        self,
        done: list[tuple[PoseFrame, FloatArray | None]],
        check: PeopleCheck,
        relock: Relock,
    ) -> list[PoseFrame]:
        """Live poses with the people a look counted; those of someone else blanked."""
        aspect = self._aspect()
        for pose, followed in done:
            _after_frame(pose, followed, check, relock, aspect)
        out = [pose for pose, _ in done]
        look = check.take(wait_after_frames=None)
        if look is not None and relock.check(look.people, done[-1][1], look.time_s, look.aspect):
            near = self._primary.near
            out = [p if f is not None and near(f, aspect) else p.empty(p.time_s) for p, f in done]
        people = check.people(wait_after_frames=None)
        return [_with_others(pose, people) for pose in out]

    # -- internals --------------------------------------------------------------------
    def _aspect(self) -> float:
        height, width = self._last_shape[:2]
        return width / height

    def _require(self) -> PoseLandmarker:
        if self._landmarker is None:
            raise ValidationError("This pose estimator is closed.")
        return self._landmarker

    def _timestamp_ms(self, time_s: float) -> int:
        # MediaPipe needs strictly increasing integer milliseconds.
        ts = max(self._offset_ms + round(time_s * 1000.0), self._last_ms + 1)
        self._last_ms = ts
        return ts

    def _on_result(self, result: PoseLandmarkerResult, _image: Any, timestamp_ms: int) -> None:
        frame = self._convert(result, timestamp_ms / 1000.0)
        with self._lock:
            self._results.append(frame)

    def _convert(
        self, result: PoseLandmarkerResult, time_s: float
    ) -> tuple[PoseFrame, FloatArray | None]:
        """The person coached in ``result``, and the first person the model found (None: nobody)."""
        n = len(result.pose_landmarks)
        if n == 0:  # the tracker waits for the person coached (PrimaryTracker.hold_s)
            return PoseFrame.empty(time_s), None
        people = [_landmarks_array(lms) for lms in result.pose_landmarks]
        pick = self._primary.pick(people, time_s, aspect=self._aspect())
        if pick is None:  # only someone else in view: the person coached is not seen
            return PoseFrame.empty(time_s), people[0]
        image = people[pick]
        world = np.array(
            [(p.x, p.y, p.z) for p in result.pose_world_landmarks[pick]], dtype=np.float64
        )
        pose = PoseFrame(
            time_s=time_s,
            image=image[:, :3],
            world=world,
            visibility=image[:, 3],
            presence=image[:, 4],
            n_people=n,
        )
        return pose, people[0]


class VideoPosePool:
    """Landmarkers reading the frames of one file in turn, side by side (``"video"`` mode).

    Frame *i* goes to landmarker *i* mod ``workers``, each on a thread of its own
    (MediaPipe runs outside the GIL, so each takes a core); the poses come back
    in frame order and the primary person is chosen in that order. With two
    pose slots each frame's landmarks depend on that frame alone (see the module
    docstring), so the poses are those of one :class:`PoseEstimator` reading
    every frame, bit for bit, whatever the number of workers.

    Args:
        model: ``"lite"``, ``"full"``, ``"heavy"`` or a path to a ``.task`` bundle.
        workers: Landmarkers (one core each).

    Raises:
        ModelError: The bundle is missing, damaged or cannot be loaded.
    """

    mode: Mode = "video"

    def __init__(self, model: str | Path = "full", workers: int = 2) -> None:
        if workers < 1:
            raise ValidationError(f"A pose pool needs at least one worker, got {workers}.")
        self._estimators: list[PoseEstimator] = []
        self._threads: list[ThreadPoolExecutor] = []
        self._turn = 0
        try:
            primary = PrimaryTracker()
            for k in range(workers):
                self._estimators.append(
                    PoseEstimator(model, "video", max_people=DEFAULT_POSES, primary=primary)
                )
                self._threads.append(ThreadPoolExecutor(1, thread_name_prefix=f"pose-{k}"))
        except BaseException:
            self.close()
            raise
        self.model_path = self._estimators[0].model_path

    @property
    def workers(self) -> int:
        """Number of landmarkers."""
        return len(self._estimators)

    def close(self) -> None:
        """Wait for the frames in hand, then release every landmarker (safe to call twice)."""
        for thread in self._threads:
            thread.shutdown(wait=True, cancel_futures=True)
        for est in self._estimators:
            est.close()

    def __enter__(self) -> VideoPosePool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def restart(self) -> None:
        """Read the next frame as the first of a new video (see :meth:`PoseEstimator.restart`)."""
        for est in self._estimators:
            est.restart()
        self._turn = 0

    def process(self, image_bgr: NDArray[np.uint8], time_s: float) -> PoseFrame:
        """The pose in one frame of a file, the frame read by the next landmarker in turn."""
        return self._finish(self._start(image_bgr, time_s))

    def poses(self, frames: Iterable[Frame]) -> Iterator[tuple[Frame, PoseFrame]]:
        """Each frame of a file with its pose, in order, two frames per landmarker in hand."""
        pending: deque[tuple[Frame, tuple[PoseEstimator, Future[PoseLandmarkerResult], float]]]
        pending = deque()
        try:
            for frame in frames:
                pending.append((frame, self._start(frame.image, frame.time_s)))
                if len(pending) >= 2 * self.workers:  # each busy, with one more waiting
                    done, started = pending.popleft()
                    yield done, self._finish(started)
            while pending:
                done, started = pending.popleft()
                yield done, self._finish(started)
        finally:
            for _, (_, future, _) in pending:
                future.cancel()

    def _start(
        self, image_bgr: NDArray[np.uint8], time_s: float
    ) -> tuple[PoseEstimator, Future[PoseLandmarkerResult], float]:
        k = self._turn
        self._turn = (k + 1) % self.workers
        est = self._estimators[k]
        return est, self._threads[k].submit(est._infer, image_bgr, time_s), time_s

    @staticmethod
    def _finish(started: tuple[PoseEstimator, Future[PoseLandmarkerResult], float]) -> PoseFrame:
        est, future, time_s = started
        return est._convert(future.result(), time_s)[0]


#: Landmarkers a file is read with side by side (one core each), at most.
VIDEO_POSE_WORKERS = 2


def video_pose_stage(
    model: str | Path = "full",
    track_one: bool = True,
    others_check_s: float = OTHERS_CHECK_S,
) -> PoseEstimator | VideoPosePool:
    """The pose stage that reads a file (``"video"`` mode) in one pass.

    ``track_one`` (the default): one landmarker with one pose slot (it follows
    the person, so it reads every frame itself) and a :class:`PeopleCheck`
    every ``others_check_s`` seconds (:func:`halfcircle.analyze.parts.poses_in_parts`
    reads a long file in parts instead, one such landmarker per core). Else two
    pose slots: a :class:`VideoPosePool` of one landmarker per core, up to
    :data:`VIDEO_POSE_WORKERS`.
    """
    if track_one:
        return PoseEstimator(model, "video", max_people=1, others_check_s=others_check_s)
    return VideoPosePool(model, min(VIDEO_POSE_WORKERS, available_cores()))


def available_cores() -> int:
    """Cores this process may run on (at least 1)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


@dataclass(frozen=True)
class Look:
    """What one look of a :class:`PeopleCheck` found.

    Attributes:
        time_s: Time of the frame looked at (s).
        aspect: Width over height of that frame.
        people: Each person's ``(33, 5)`` image landmarks (x, y, z, visibility,
            presence), as :class:`PoseEstimator` reads them.
    """

    time_s: float
    aspect: float
    people: list[FloatArray]


class PeopleCheck:
    """How many people are in view, looked at now and then beside the tracking landmarker.

    A second landmarker (:data:`CHECK_MODEL`, :data:`CHECK_POSES` pose slots,
    IMAGE mode: it runs the person detector on every look, remembering nothing
    between looks) counts the people in one frame every ``period_s`` seconds, on
    a thread of its own. Call :meth:`begin` with every frame, before the
    tracking landmarker reads it: a look starts when one is due and none is
    running. :meth:`people` then gives the count of the latest finished look.

    Offline (``wait_after_frames`` a number) the count of a look is used from
    that many frames after the frame it looked at, waiting for it then if
    needed, so that the same video gives the same counts on any machine; live
    (``None``) it is used as soon as it is back.

    Args:
        period_s: Seconds between two looks (>= 0; 0: no looks).
        model: The model that counts (``"lite"``, ``"full"``, ``"heavy"`` or a path).
        min_detection_confidence: Detector score needed to count a person, in [0, 1].

    Raises:
        ModelError: The bundle is missing, damaged or cannot be loaded.
    """

    def __init__(
        self,
        period_s: float = OTHERS_CHECK_S,
        model: str | Path = CHECK_MODEL,
        *,
        min_detection_confidence: float = 0.5,
    ) -> None:
        self.period_s = _check_period(period_s)
        self.looks = 0
        self._path = model_path(str(model))
        self._confidence = min_detection_confidence
        self._landmarker: PoseLandmarker | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._running: Future[Look] | None = None
        self._frames_since = 0  # frames begun since the running look's frame
        self._next_s = -math.inf
        self._latest: Look | None = None
        self._new = False  # the latest look was not taken yet
        if self.period_s > 0:
            self._open()

    def _open(self) -> None:
        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self._path)),
            running_mode=VisionTaskRunningMode.IMAGE,
            num_poses=CHECK_POSES,
            min_pose_detection_confidence=self._confidence,
            min_pose_presence_confidence=self._confidence,
        )
        try:
            with _native_stderr_silenced():
                self._landmarker = PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError, OSError) as err:
            raise ModelError(
                f"The pose model {self._path} could not be loaded by MediaPipe ({err})."
            ) from err
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="people-check")

    def close(self) -> None:
        """Wait for a running look, then release the landmarker (safe to call twice)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        self._running = None
        if self._landmarker is not None:
            with _native_stderr_silenced():
                self._landmarker.close()
            self._landmarker = None

    def reset(self) -> None:
        """Start over for a new video: forget the count, look at the next frame."""
        if self._running is not None:
            self._running.exception()  # wait; what it counted belongs to the last video
            self._running = None
        self._latest, self._new = None, False
        self._next_s = -math.inf

    def begin(self, image_bgr: NDArray[np.uint8], time_s: float) -> None:
        """Start a look at this frame (seconds ``time_s``) when one is due and none is running."""
        if self._running is not None:
            self._frames_since += 1
            return
        if self.period_s <= 0 or time_s < self._next_s:
            return
        if self._executor is None:
            self._open()
        assert self._executor is not None
        self._next_s = time_s + self.period_s
        self._frames_since = 0
        self._running = self._executor.submit(self._look, _shrunk(image_bgr), time_s)
        self.looks += 1

    def people(self, wait_after_frames: int | None) -> int | None:
        """People counted by the latest finished look (None before the first).

        Args:
            wait_after_frames: Offline, wait for the running look once this many
                frames were begun after its own (and for the first look of a
                video at once); None (live): never wait.
        """
        self._collect(wait_after_frames)
        return None if self._latest is None else len(self._latest.people)

    def look_soon(self) -> None:
        """Start the next look with the next frame instead of waiting for the period."""
        if self.period_s > 0:
            self._next_s = -math.inf

    def first_look_running(self) -> bool:
        """Whether the first look (of a video or stream) was started and is not back yet."""
        return self._latest is None and self._running is not None and not self._running.done()

    def take(self, wait_after_frames: int | None) -> Look | None:
        """The look finished since the last call, once (None: none new); waits as :meth:`people`."""
        self._collect(wait_after_frames)
        look, self._new = (self._latest if self._new else None), False
        return look

    def _collect(self, wait_after_frames: int | None) -> None:
        running = self._running
        if running is None:
            return
        if wait_after_frames is None:
            due = running.done()
        else:  # by frames, not by the clock: the same counts on any machine
            due = self._latest is None or self._frames_since >= wait_after_frames
        if due:
            self._running = None
            self._latest, self._new = running.result(), True

    def _look(self, image_bgr: NDArray[np.uint8], time_s: float) -> Look:
        landmarker = self._landmarker
        if landmarker is None:
            raise ValidationError("This people check is closed.")
        with _native_stderr_silenced():
            result = landmarker.detect(_to_mp_image(image_bgr))
        aspect = image_bgr.shape[1] / image_bgr.shape[0]
        return Look(time_s, aspect, [_landmarks_array(lms) for lms in result.pose_landmarks])


def _check_period(period_s: float) -> float:
    if not period_s >= 0:
        raise ValidationError(
            f"The time between two looks for other people must be >= 0 s, got {period_s}."
        )
    return float(period_s)


def _shrunk(image_bgr: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``image_bgr`` with its longest side at most :data:`CHECK_MAX_SIDE` (a copy either way)."""
    h, w = image_bgr.shape[:2]
    scale = CHECK_MAX_SIDE / max(h, w)
    if scale >= 1.0:
        return image_bgr.copy()
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(cv2.resize(image_bgr, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _with_others(pose: PoseFrame, people: int | None) -> PoseFrame:
    """``pose`` with the people a look counted (nobody stays nobody; at most two)."""
    if people is None or not pose.detected or people <= pose.n_people:
        return pose
    return replace(pose, n_people=min(people, CHECK_POSES))


class LivePosePool:
    """Several ``"live"`` landmarkers taking turns, so that the camera's rate is kept.

    One landmarker runs on one core. When a frame takes it longer than the
    camera's frame interval (the full model on a modest laptop: about 40 ms
    against 33), MediaPipe queues or drops frames. The pool hands each frame to
    a landmarker that is idle (a frame that finds none idle is dropped at once,
    so no latency builds up) and gives the poses back in frame order, so the
    live loop sees one stream, as from :class:`PoseEstimator`. Each landmarker
    reads every ``workers``-th frame; the landmarks do not depend on that (on
    the rendered fixtures, two landmarkers reading alternate frames give the
    same landmarks as one reading all of them).

    With ``max_people=1`` one :class:`PeopleCheck` of the pool looks for
    other people (each landmarker then follows the person on its own frames).

    Args:
        model: ``"lite"``, ``"full"``, ``"heavy"`` or a path to a ``.task`` bundle.
        workers: Landmarkers (one core each).
        stuck_s: A frame whose pose has not come back after this long (s) is
            taken as dropped by MediaPipe, and its landmarker as idle again.
        max_people: Poses asked of each landmarker (see :class:`PoseEstimator`).
        others_check_s: With ``max_people=1``, seconds between two looks for
            other people (0: none).

    Raises:
        ModelError: The bundle is missing, damaged or cannot be loaded.
    """

    def __init__(
        self,
        model: str | Path = "full",
        workers: int = 2,
        stuck_s: float = 1.0,
        *,
        max_people: int = DEFAULT_POSES,
        others_check_s: float = OTHERS_CHECK_S,
    ) -> None:
        if workers < 1:
            raise ValidationError(f"A pose pool needs at least one worker, got {workers}.")
        self.stuck_s = stuck_s
        self._estimators: list[PoseEstimator] = []
        self._check: PeopleCheck | None = None
        try:
            primary = PrimaryTracker()  # shared: every landmarker follows one person
            for _ in range(workers):
                self._estimators.append(
                    PoseEstimator(
                        model, "live", max_people=max_people, primary=primary, others_check_s=0
                    )
                )
            if max_people == 1 and others_check_s > 0:
                self._check = PeopleCheck(others_check_s)
        except BaseException:
            self.close()
            raise
        self._in_flight: list[tuple[int, float] | None] = [None] * workers
        self._done: list[tuple[int, PoseFrame]] = []  # (timestamp ms, pose)
        self._last_ms = -1
        self._released_ms = -1

    @property
    def workers(self) -> int:
        """Number of landmarkers."""
        return len(self._estimators)

    def close(self) -> None:
        """Release every landmarker (safe to call twice)."""
        for est in self._estimators:
            est.close()
        if self._check is not None:
            self._check.close()

    def __enter__(self) -> LivePosePool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def process(self, image_bgr: NDArray[np.uint8], time_s: float) -> PoseFrame:
        """Not for a live pool (as for a ``"live"`` :class:`PoseEstimator`): use :meth:`submit`."""
        raise ValidationError("process() needs a 'video' mode estimator; use submit().")

    def submit(self, image_bgr: NDArray[np.uint8], time_s: float) -> None:
        """Hand one camera frame to an idle landmarker (dropped when none is); returns at once.

        ``time_s`` must increase from call to call (the poses come back with it).
        """
        ts = max(round(time_s * 1000.0), self._last_ms + 1)
        self._last_ms = ts
        self._reap()
        for i, flight in enumerate(self._in_flight):
            if flight is None:
                self._estimators[i].submit(image_bgr, ts / 1000.0)
                self._in_flight[i] = (ts, time.monotonic())
                break
        if self._check is not None:
            self._check.begin(image_bgr, ts / 1000.0)

    def poll(self) -> list[PoseFrame]:
        """Poses finished since the last call, oldest first, never ahead of a pose still due."""
        self._reap()
        due = [f[0] for f in self._in_flight if f is not None]
        first_due = min(due) if due else None
        self._done.sort(key=lambda done: done[0])
        ready = [d for d in self._done if first_due is None or d[0] < first_due]
        self._done = self._done[len(ready) :]
        # a pose back after its frame was given up (stuck_s) comes too late to be used
        ready = [d for d in ready if d[0] > self._released_ms]
        if ready:
            self._released_ms = ready[-1][0]
        people = self._check.people(wait_after_frames=None) if self._check is not None else None
        return [_with_others(pose, people) for _, pose in ready]

    def _reap(self) -> None:
        now = time.monotonic()
        for i, est in enumerate(self._estimators):
            for pose in est.poll():
                ts = round(pose.time_s * 1000)
                self._done.append((ts, pose))
                flight = self._in_flight[i]
                if flight is not None and ts >= flight[0]:
                    self._in_flight[i] = None
            flight = self._in_flight[i]
            if flight is not None and now - flight[1] > self.stuck_s:
                self._in_flight[i] = None


def _after_frame(
    pose: PoseFrame,
    followed: FloatArray | None,
    check: PeopleCheck,
    relock: Relock,
    aspect: float,
) -> None:
    """What follows a one-pose frame: the relock learns whom the model followed.

    When the tracker refused them (someone else), the people check looks again at once.
    """
    relock.followed(followed, aspect)
    if followed is not None and not pose.detected:
        check.look_soon()


def _landmarks_array(landmarks: list[Any]) -> FloatArray:
    """``(33, 5)``: x, y, z, visibility, presence of one MediaPipe pose."""
    arr = np.array([(p.x, p.y, p.z, p.visibility, p.presence) for p in landmarks], dtype=np.float64)
    if arr.shape != (N_LANDMARKS, 5):
        raise ModelError(
            f"The pose model returned {arr.shape[0]} landmarks, expected {N_LANDMARKS}."
        )
    # MediaPipe leaves visibility/presence as None on some builds: treat as unknown.
    return np.where(np.isfinite(arr), arr, np.nan)


def _to_mp_image(image_bgr: NDArray[np.uint8]) -> mp_image.Image:
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or image_bgr.dtype != np.uint8:
        raise ValidationError(
            f"Frames must be (height, width, 3) uint8 BGR, got {image_bgr.shape} {image_bgr.dtype}."
        )
    rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    return mp_image.Image(image_format=mp_image.ImageFormat.SRGB, data=rgb)
