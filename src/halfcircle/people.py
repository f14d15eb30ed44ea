"""Who, of the people in view, is the person being coached (pure NumPy, no model).

The pose stage (:mod:`halfcircle.pose`) asks the model for the landmarks of
whoever it finds; this module decides which of them is the person coached and,
when the model follows someone else, how to bring it back to them:

* :class:`PrimaryTracker` picks the person coached among the people of a frame:
  the largest at first, then the one nearest to the last pick, and never someone
  farther than the person coached could have moved.
* :class:`Relock` serves a model asked for one pose, which follows whoever its
  person detector ranked first: when a look at everyone in view (the people
  check) shows that this is someone else, the next frames are shown to the
  model with everything but the person coached greyed out, until it follows
  them.

Coordinates are MediaPipe's normalised image coordinates (``x`` across, ``y``
down, each in [0, 1] of the frame); distances are measured in frame heights
(``x`` scaled by the frame's aspect ratio, width over height).
"""

from __future__ import annotations

import math
import threading
from typing import Final

import numpy as np
from numpy.typing import NDArray

from halfcircle.errors import ValidationError
from halfcircle.landmarks import FloatArray

#: Landmarks whose mean image position locates a person (shoulders and hips).
TORSO: Final = np.array([11, 12, 23, 24])

#: Seconds the person coached is waited for while out of sight before someone
#: else in view may be taken instead (:class:`PrimaryTracker`).
PRIMARY_HOLD_S: Final = 1.0
#: A person is the one coached only within this many of their torso lengths
#: (mid-shoulders to mid-hips) of the last pick's torso centre, plus
#: :data:`PRIMARY_SPEED` per second since: a bend moves it about one, a step
#: sideways about two a second.
PRIMARY_REACH: Final = 1.0
#: Torso lengths per second a person coached may move between two picks.
PRIMARY_SPEED: Final = 3.0

#: Seconds of frames a :class:`Relock` greys out around the person coached, at
#: most, before it gives up (the model usually follows them from the first or
#: second frame; live, a busy model skips some of the frames it is given).
RELOCK_S: Final = 0.5
#: Margin of the box kept around the person coached, as a share of the larger
#: side of their landmarks' box, on every side: room for a bend or a step.
RELOCK_MARGIN: Final = 0.5
#: Visibility a landmark needs to count towards the box kept (:func:`_box_around`).
RELOCK_VISIBLE: Final = 0.5
#: Grey the rest of a relocking frame is filled with.
RELOCK_GREY: Final = 114


def torso_centre(person: FloatArray, aspect: float) -> FloatArray:
    """Mean image position of the shoulders and hips, ``x`` scaled by ``aspect`` (frame heights)."""
    return np.asarray(person[TORSO, :2].mean(axis=0) * np.array([aspect, 1.0]), dtype=np.float64)


def torso_length(person: FloatArray, aspect: float) -> float:
    """Mid-shoulders to mid-hips in frame heights (0 when unknown)."""
    xy = person[:, :2] * np.array([aspect, 1.0])
    length = float(np.linalg.norm(xy[[11, 12]].mean(axis=0) - xy[[23, 24]].mean(axis=0)))
    return length if math.isfinite(length) else 0.0


class PrimaryTracker:
    """Which of the people in view is the one being coached, frame after frame.

    The first frame with people picks the largest; each later frame picks the
    one whose torso centre is closest to the last pick. A gate keeps the same
    person when the one being coached is briefly out of sight while someone
    else is in view (walked past, hidden, missed by the model): given the
    frames' times, a person is taken as the one coached only if their torso
    centre lies within :data:`PRIMARY_REACH` torso lengths plus
    :data:`PRIMARY_SPEED` torso lengths per second since the last pick (no body
    moves faster); else the frame has nobody to coach. After ``hold_s`` seconds
    without them, the choice starts over with the largest person in view.

    A model asked for one pose shows :meth:`pick` only the person it follows,
    so a first pick made that way is provisional: :meth:`settle`, given
    everyone in view, confirms or corrects it by the same rules.
    Thread-safe, so that landmarkers whose results come back on their own
    threads follow one person together instead of each its own.

    Args:
        hold_s: Seconds the person coached is waited for (>= 0).
    """

    def __init__(self, hold_s: float = PRIMARY_HOLD_S) -> None:
        if not hold_s >= 0:
            raise ValidationError(f"The primary person's hold must be >= 0 s, got {hold_s}.")
        self.hold_s = float(hold_s)
        self._lock = threading.Lock()
        self._centre: FloatArray | None = None
        self._seen_s: float | None = None  # time of the last pick (None: not given)
        self._torso = 0.0  # longest torso of the person picked so far (frame heights)
        self._settled = False  # the pick was made seeing everyone in view

    def reset(self) -> None:
        """Forget the last pick: the next frame picks the largest person."""
        with self._lock:
            self._forget()

    def pick(
        self, people: list[FloatArray], time_s: float | None = None, aspect: float = 1.0
    ) -> int | None:
        """Index of the primary person among ``people``, or None when none of them is.

        Args:
            people: Each ``(33, >=2)`` normalised image coordinates.
            time_s: Time of the frame (s); None: no gate (the nearest is taken).
            aspect: Width over height of the frames, so that distances are
                measured in the same units across and down.
        """
        if not people:
            self.reset()
            raise ValidationError("No people to pick the primary one from.")
        with self._lock:
            return self._choose(people, time_s, aspect, everyone=len(people) > 1)

    def settle(
        self, people: list[FloatArray], time_s: float | None = None, aspect: float = 1.0
    ) -> int | None:
        """The person coached among everyone in view (a look for other people).

        Like :meth:`pick`, except that a pick not yet made seeing everyone is
        made again from ``people``: the largest of them. Returns their index,
        or None when none of them can be the person coached (or nobody is in view).
        """
        if not people:
            return None
        with self._lock:
            if not self._settled:
                self._forget()
            return self._choose(people, time_s, aspect, everyone=True)

    def near(self, person: FloatArray, aspect: float = 1.0) -> bool:
        """Whether ``person`` stands where the last pick was (within :data:`PRIMARY_REACH`)."""
        with self._lock:
            if self._centre is None or not self._torso > 0:
                return True
            dist = float(np.linalg.norm(torso_centre(person, aspect) - self._centre))
            return dist <= PRIMARY_REACH * self._torso

    def _forget(self) -> None:
        self._centre = None
        self._seen_s = None
        self._torso = 0.0
        self._settled = False

    def _choose(
        self, people: list[FloatArray], time_s: float | None, aspect: float, everyone: bool
    ) -> int | None:
        centres = [torso_centre(p, aspect) for p in people]
        if self._centre is not None and self._seen_s is not None and time_s is not None:
            if abs(time_s - self._seen_s) > self.hold_s:  # gone too long: start over
                self._forget()
        if self._centre is None:
            sizes = [float(np.ptp(p[:, 0]) * np.ptp(p[:, 1])) for p in people]
            pick = int(np.argmax(sizes))
        else:
            dists = [float(np.linalg.norm(c - self._centre)) for c in centres]
            pick = int(np.argmin(dists))
            if not self._within_reach(dists[pick], time_s):
                return None
        self._centre = centres[pick]
        self._seen_s = time_s
        self._torso = max(self._torso, torso_length(people[pick], aspect))
        self._settled = self._settled or everyone
        return pick

    def _within_reach(self, dist: float, time_s: float | None) -> bool:
        if time_s is None or self._seen_s is None or not self._torso > 0:
            return True  # no times given, or no size to measure against
        reach = PRIMARY_REACH + PRIMARY_SPEED * abs(time_s - self._seen_s)
        return dist <= reach * self._torso


class Relock:
    """Bring a one-pose model back to the person coached when it follows someone else.

    After each look at everyone in view, :meth:`check` asks the tracker who the
    person coached is and compares them with the person the model follows; when
    they differ, the next frames go to the model through :meth:`frame`, with
    everything outside a box around the person coached filled with grey, so that
    the model loses the other person and its detector finds the one coached.
    This ends as soon as the model follows them (:meth:`followed`), or after
    :data:`RELOCK_S` seconds of greyed-out frames.
    """

    def __init__(self, tracker: PrimaryTracker) -> None:
        self._tracker = tracker
        self._box: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1 (0-1)
        self._until_s: float | None = None  # greying out ends after this frame time
        self.relocks = 0  # times the model was found following someone else

    @property
    def active(self) -> bool:
        """Whether frames are being greyed out around the person coached."""
        return self._box is not None

    def reset(self) -> None:
        """Stop greying out (a new video)."""
        self._box = None
        self._until_s = None

    def check(
        self,
        people: list[FloatArray],
        followed: FloatArray | None,
        time_s: float,
        aspect: float,
    ) -> bool:
        """Take a look at everyone in view; True when the model follows someone else.

        Args:
            people: Everyone the look found, each ``(33, >=2)`` image coordinates.
            followed: The image landmarks of the person the model follows now
                (None: it follows nobody).
            time_s: Time of the frame looked at (s).
            aspect: Width over height of the frames.
        """
        index = self._tracker.settle(people, time_s, aspect)
        if index is None:
            return False
        if followed is None:  # nobody followed: help the detector only if others are in view
            if len(people) < 2:
                return False
        elif self._tracker.near(followed, aspect):
            return False
        self._box = _box_around(people[index])
        self._until_s = None
        self.relocks += 1
        return True

    def frame(self, image_bgr: NDArray[np.uint8], time_s: float) -> NDArray[np.uint8]:
        """The frame (seconds ``time_s``) to show the model: as it is, or greyed out."""
        box = self._box
        if box is None:
            return image_bgr
        if self._until_s is None:
            self._until_s = time_s + RELOCK_S
        elif time_s > self._until_s:  # given up: the model keeps whom it follows
            self.reset()
            return image_bgr
        h, w = image_bgr.shape[:2]
        x0, x1 = max(0, math.floor(box[0] * w)), min(w, math.ceil(box[2] * w))
        y0, y1 = max(0, math.floor(box[1] * h)), min(h, math.ceil(box[3] * h))
        out = np.full_like(image_bgr, RELOCK_GREY)
        out[y0:y1, x0:x1] = image_bgr[y0:y1, x0:x1]
        return out

    def followed(self, person: FloatArray | None, aspect: float) -> None:
        """The person the model followed on a frame (None: nobody): relocking ends at them."""
        if self._box is not None and person is not None and self._tracker.near(person, aspect):
            self.reset()


def _box_around(person: FloatArray) -> tuple[float, float, float, float]:
    """The box of a person's landmarks in the frame, widened by :data:`RELOCK_MARGIN` (0-1).

    Only landmarks the model saw (visibility >= :data:`RELOCK_VISIBLE`, where
    ``person`` carries it as its fourth column) and the torso count, each
    clipped to the frame: the model places the unseen ones (legs out of the
    picture) far outside it.
    """
    seen = np.asarray(np.isfinite(person[:, :2]).all(axis=1), dtype=bool)
    if person.shape[1] > 3:
        seen &= np.nan_to_num(person[:, 3], nan=1.0) >= RELOCK_VISIBLE
    seen[TORSO] = True
    xy = np.clip(person[seen, :2], 0.0, 1.0)
    (x0, y0), (x1, y1) = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
    pad = RELOCK_MARGIN * float(max(x1 - x0, y1 - y0))
    return (float(x0) - pad, float(y0) - pad, float(x1) + pad, float(y1) + pad)
