"""Tracking errors of the pose model, found and repaired before and after the angles are read.

Two kinds of error, both seen on real footage (issue 16: a real four-camera
recording checked against the triangulation of all four views):

* **Left/right swaps.** For a moment (about half a second there) MediaPipe
  labels the person's left landmarks as their right and the other way round.
  The midpoints of the trunk do not change, but the shoulder line turns by 180
  deg, which read as a 190 deg trunk rotation, and its depth changes sign, which
  the front-view turn correction (:func:`halfcircle.kinematics.geometry.turn_depth_shift`)
  read as a 28 deg forward spike. The torso's four points (shoulders and hips)
  keep their identity from frame to frame: :func:`find_swaps` compares each
  frame's labelling with the frame before, in image and in world coordinates,
  and :func:`repair_swaps` swaps the labels of the frames found swapped back.
* **Jumps.** No trunk angle can change faster than a body moves it:
  :func:`jump_outliers` marks the samples reached by a jump faster than
  :data:`MAX_TRUNK_SPEED_DEG_S` as tracking errors; :func:`bridge_or_mark`
  interpolates over short ones and leaves long ones missing.

Pure NumPy over whole arrays, plus :class:`SwapTracker` and :class:`JumpGuard`,
their frame-by-frame twins for the live view (causal: they look only back).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from halfcircle.landmarks import LANDMARK_NAMES, PoseFrame, PoseSequence

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Fastest trunk angular speed (deg/s) a person produces, used as the jump limit.
#:
#: Trunk angular speeds stay below a few hundred degrees per second even in
#: fast, maximal-effort movements (lifting, throwing, sport); this exercise is
#: slow (a half circle takes several seconds, under 100 deg/s, and the fastest
#: fixture, ``hc_fast``, peaks near 120 deg/s of forward flexion). 400 deg/s sits
#: above any trunk movement and far below a tracking jump (the real swap above
#: turned the trunk by 190 deg within one frame: 5700 deg/s at 30 fps).
MAX_TRUNK_SPEED_DEG_S: Final = 400.0

#: Jitter (deg) of one frame's trunk angle allowed on top of the speed limit:
#: MediaPipe's landmarks shake by a few degrees from frame to frame, which at 60
#: fps alone would exceed 400 deg/s over one frame.
JUMP_NOISE_DEG: Final = 6.0

#: Pairs of landmark indices ``(left, right)`` whose labels a swap exchanges.
LR_PAIRS: Final[tuple[tuple[int, int], ...]] = tuple(
    (i, LANDMARK_NAMES.index(name.replace("left", "right")))
    for i, name in enumerate(LANDMARK_NAMES)
    if "left" in name
)
#: Landmark order that exchanges every left/right pair (``points[SWAP_ORDER]``).
SWAP_ORDER: Final = np.arange(len(LANDMARK_NAMES))
for _l, _r in LR_PAIRS:
    SWAP_ORDER[_l], SWAP_ORDER[_r] = _r, _l

#: Shoulders and hips, left first then right: ``(ls, rs, lh, rh)``.
_TORSO: Final = np.array(
    [LANDMARK_NAMES.index(n) for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]
)
#: The same four with left and right exchanged.
_TORSO_SWAPPED: Final = _TORSO[[1, 0, 3, 2]]

#: A frame's swapped labelling must explain its torso this much better than its own
#: labelling (ratio of the summed squared distances to the frame before).
SWAP_RATIO: Final = 0.25
#: Torso points whose left and right lie closer than this (trunk lengths, summed
#: over shoulders and hips, squared) tell nothing about a swap (an end-on view).
MIN_SEPARATION: Final = 0.2**2


@dataclass(frozen=True)
class SwapRepair:
    """Which frames had their left and right labels swapped back.

    Attributes:
        swapped: ``(n,)`` True where the labels were exchanged.
        time_s: ``(n,)`` the frames' times (s).
    """

    swapped: BoolArray
    time_s: FloatArray

    @property
    def spans(self) -> list[tuple[float, float]]:
        """``(start_s, end_s)`` of each stretch of swapped frames (end: its last frame)."""
        return [(float(self.time_s[a]), float(self.time_s[b - 1])) for a, b in _runs(self.swapped)]

    def note(self) -> str | None:
        """One plain sentence on the repair, or None when nothing was swapped."""
        spans = self.spans
        if not spans:
            return None
        total = sum(b - a for a, b in spans) + _frame_step(self.time_s)
        where = ", ".join(f"{a:.1f} s" for a, _ in spans[:3]) + (", ..." if len(spans) > 3 else "")
        return (
            f"The pose model swapped your left and right for {total:.1f} s in all "
            f"(from {where}); those frames were read with left and right put back."
        )


def _torso_features(
    image: FloatArray, world: FloatArray, image_size: tuple[int, int]
) -> tuple[FloatArray, FloatArray]:
    """Torso points ``(n, 4, 5)`` (image x, y and world x, y, z, each in trunk lengths).

    Image pixels are divided by the median image trunk length, world metres by
    the median world trunk length, so both weigh alike whatever the frame size.
    """
    w, h = image_size
    px = image[:, _TORSO, :2] * np.array([float(w), float(h)])
    wd = world[:, _TORSO, :]

    def trunk_len(p: FloatArray) -> float:
        t = 0.5 * (p[:, 0] + p[:, 1]) - 0.5 * (p[:, 2] + p[:, 3])
        n = np.linalg.norm(t, axis=-1)
        n = n[np.isfinite(n) & (n > 0)]
        return float(np.median(n)) if n.size else float("nan")

    return px / trunk_len(px), wd / trunk_len(wd)


def _separation(a: FloatArray) -> float:
    """Squared left-right distance of shoulders plus hips (``(4, k)`` feature rows)."""
    return float(np.sum((a[0] - a[1]) ** 2) + np.sum((a[2] - a[3]) ** 2))


def _flips(a: FloatArray, b: FloatArray) -> bool:
    """Whether the labelling changed from frame ``a`` to ``b`` (``(4, k)`` feature rows).

    True when ``b`` with its labels swapped lies at least 1 / :data:`SWAP_RATIO`
    times nearer ``a`` (summed squared distances) than ``b`` as labelled.
    """
    same = float(np.sum((b - a) ** 2))
    swapped = float(np.sum((b - a[[1, 0, 3, 2]]) ** 2))
    return swapped < SWAP_RATIO * same


def find_swaps(seq: PoseSequence, max_gap_s: float = 0.5) -> BoolArray:
    """Frames whose left and right labels are swapped against the rest of their stretch.

    Each frame with all four torso points is compared with the last such frame
    before it (at most ``max_gap_s`` earlier; a longer gap starts a new stretch):
    the labelling flipped between them when the swapped labels put its torso at
    least four times nearer (summed squared distances, :data:`SWAP_RATIO`) to the
    frame before than its own labels do, in image coordinates and in world
    coordinates together (both in trunk lengths). An end-on torso (shoulders and
    hips each within 0.2 trunk lengths of their partner) decides nothing. The
    flips split each stretch into runs of alternating labelling; the labelling the
    model held for the longer time is taken as right, and the other runs are
    returned as swapped. A stretch the model labels wrong from start to end (a
    person filmed from behind) is not found here (see :mod:`halfcircle.kinematics.view`).

    Args:
        seq: The poses (``image``, ``world`` as :mod:`halfcircle.landmarks`).
        max_gap_s: Longest gap (s) across which a torso is still compared.

    Returns:
        ``(n,)`` True on the frames to swap back.
    """
    n = len(seq)
    swapped = np.zeros(n, dtype=bool)
    if n < 2:
        return swapped
    img, wld = _torso_features(seq.image, seq.world, seq.image_size)
    feats = np.concatenate([img, wld], axis=-1)  # (n, 4, 5)
    ok = np.all(np.isfinite(feats), axis=(1, 2))
    parity = np.zeros(n, dtype=bool)
    chain = np.full(n, -1)
    n_chains = 0
    last = ref = -1  # the last frame with a torso; the last one that could tell a swap
    state = False
    t = seq.time_s
    for i in np.flatnonzero(ok).tolist():
        if last < 0 or t[i] - t[last] > max_gap_s:
            n_chains += 1
            state, ref = False, -1
        last = i
        if _separation(feats[i]) > MIN_SEPARATION:
            if ref >= 0 and t[i] - t[ref] <= max_gap_s and _flips(feats[ref], feats[i]):
                state = not state
            ref = i
        parity[i] = state
        chain[i] = n_chains - 1
    step = np.diff(seq.time_s, append=seq.time_s[-1] + _frame_step(seq.time_s))
    for c in range(n_chains):
        members = chain == c
        flipped_time = float(np.sum(step[members & parity]))
        kept_time = float(np.sum(step[members & ~parity]))
        swapped[members] = parity[members] if kept_time >= flipped_time else ~parity[members]
    return swapped


def repair_swaps(seq: PoseSequence, max_gap_s: float = 0.5) -> tuple[PoseSequence, SwapRepair]:
    """``seq`` with the swapped frames' labels (:func:`find_swaps`) put back, and what was done."""
    swapped = find_swaps(seq, max_gap_s)
    repair = SwapRepair(swapped=swapped, time_s=seq.time_s)
    if not swapped.any():
        return seq, repair
    image, world = seq.image.copy(), seq.world.copy()
    vis, pres = seq.visibility.copy(), seq.presence.copy()
    image[swapped] = image[swapped][:, SWAP_ORDER]
    world[swapped] = world[swapped][:, SWAP_ORDER]
    vis[swapped] = vis[swapped][:, SWAP_ORDER]
    pres[swapped] = pres[swapped][:, SWAP_ORDER]
    fixed = dataclasses.replace(seq, image=image, world=world, visibility=vis, presence=pres)
    return fixed, repair


class SwapTracker:
    """:func:`repair_swaps` frame by frame, for the live view (causal).

    Follows the labelling from the first frame: a frame whose torso flips
    against the frame before (as in :func:`find_swaps`) toggles it, and frames
    in the toggled state are returned with left and right swapped back. A gap
    longer than ``max_gap_s`` starts afresh.
    """

    def __init__(self, image_size: tuple[int, int], max_gap_s: float = 0.5) -> None:
        self.image_size = image_size
        self.max_gap_s = float(max_gap_s)
        self._last: FloatArray | None = None
        self._last_t = -math.inf
        self._seen_t = -math.inf
        self._swapped = False
        self._scale: tuple[float, float] | None = None

    @property
    def swapped(self) -> bool:
        """Whether the last frame was returned with its labels swapped back."""
        return self._swapped

    def update(self, frame: PoseFrame) -> PoseFrame:
        """The frame as it should be labelled (the same object when nothing changes)."""
        img, wld = frame.image[None], frame.world[None]
        if self._scale is None:
            w, h = self.image_size
            px = img[0, _TORSO, :2] * np.array([float(w), float(h)])
            tp = 0.5 * (px[0] + px[1]) - 0.5 * (px[2] + px[3])
            tw = 0.5 * (wld[0, _TORSO[0]] + wld[0, _TORSO[1]]) - 0.5 * (
                wld[0, _TORSO[2]] + wld[0, _TORSO[3]]
            )
            sp, sw = float(np.linalg.norm(tp)), float(np.linalg.norm(tw))
            if math.isfinite(sp) and math.isfinite(sw) and sp > 0 and sw > 0:
                self._scale = (sp, sw)
        if self._scale is None:
            return frame
        w, h = self.image_size
        feats = np.concatenate(
            [
                frame.image[_TORSO, :2] * np.array([float(w), float(h)]) / self._scale[0],
                frame.world[_TORSO] / self._scale[1],
            ],
            axis=-1,
        )
        if not np.all(np.isfinite(feats)):
            return frame
        t = float(frame.time_s)
        if t - self._seen_t > self.max_gap_s:
            self._last, self._swapped = None, False
        self._seen_t = t
        if _separation(feats) > MIN_SEPARATION:
            near = self._last is not None and t - self._last_t <= self.max_gap_s
            if near and self._last is not None and _flips(self._last, feats):
                self._swapped = not self._swapped
            self._last, self._last_t = feats, t
        if not self._swapped:
            return frame
        return PoseFrame(
            time_s=frame.time_s,
            image=frame.image[SWAP_ORDER],
            world=frame.world[SWAP_ORDER],
            visibility=frame.visibility[SWAP_ORDER],
            presence=frame.presence[SWAP_ORDER],
            n_people=frame.n_people,
        )


# ----------------------------------------------------------------------------- jumps
def jump_outliers(
    time_s: FloatArray,
    values: FloatArray,
    max_speed_deg_s: float = MAX_TRUNK_SPEED_DEG_S,
    noise_deg: float = JUMP_NOISE_DEG,
    max_error_s: float = 2.0,
) -> BoolArray:
    """Samples reached by a jump faster than a body can move (tracking errors).

    Two samples are *reachable* from each other when they differ by at most
    ``max_speed_deg_s * dt + noise_deg``. The series is cut at every step between
    consecutive finite samples that is not reachable; the longest piece (in
    time) is trusted, and from it outwards each later (earlier) piece is kept
    when its first (last) sample is reachable from the last (first) trusted
    sample. A piece out of reach is an excursion, all its samples outliers, when
    the series comes back within reach of that trusted sample within
    ``max_error_s`` of it; otherwise the jump led to a new level that the series
    keeps (a real fast change, or an outlier at the trusted piece's edge), and
    the piece is kept. So a spike away and back marks the spike, a stretch that
    jumped away for a second is marked until the series comes back, and a single
    step is never taken for an error that lasts to the end.

    Args:
        time_s: ``(n,)`` increasing times (s).
        values: ``(n,)`` an angle (deg), NaN where missing.
        max_speed_deg_s: Fastest believable change (deg/s).
        noise_deg: Jitter allowed on top (deg).
        max_error_s: Longest excursion (s) taken for a tracking error.

    Returns:
        ``(n,)`` True on the outlying samples (never on NaN ones).
    """
    out = np.zeros(values.shape[0], dtype=bool)
    idx = np.flatnonzero(np.isfinite(values))
    if idx.size < 2:
        return out
    t, v = time_s[idx], values[idx]
    cut = np.abs(np.diff(v)) > max_speed_deg_s * np.diff(t) + noise_deg
    if not cut.any():
        return out
    bounds = np.concatenate([[0], np.flatnonzero(cut) + 1, [idx.size]])
    pieces = [(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
    durations = [t[b - 1] - t[a] + (b - a) * 1e-9 for a, b in pieces]
    seed = int(np.argmax(durations))

    def reachable(i: int, j: int) -> bool:
        return bool(abs(v[j] - v[i]) <= max_speed_deg_s * abs(t[j] - t[i]) + noise_deg)

    bad = np.zeros(idx.size, dtype=bool)
    anchor = pieces[seed][1] - 1
    later = pieces[seed + 1 :]
    for k, (a, b) in enumerate(later):
        if reachable(anchor, a) or not any(
            t[qa] - t[anchor] <= max_error_s and reachable(anchor, qa) for qa, _ in later[k + 1 :]
        ):
            anchor = b - 1  # within reach, or a new level the series never leaves
        else:
            bad[a:b] = True
    anchor = pieces[seed][0]
    earlier = pieces[:seed][::-1]
    for k, (a, b) in enumerate(earlier):
        if reachable(anchor, b - 1) or not any(
            t[anchor] - t[qb - 1] <= max_error_s and reachable(anchor, qb - 1)
            for _, qb in earlier[k + 1 :]
        ):
            anchor = a
        else:
            bad[a:b] = True
    out[idx[bad]] = True
    return out


def bridge_or_mark(
    time_s: FloatArray, bad: BoolArray, max_bridge_s: float
) -> tuple[BoolArray, BoolArray]:
    """Split outlying samples into stretches to bridge and stretches to leave missing.

    A stretch of consecutive outliers is bridged when the time between the good
    samples on either side of it is at most ``max_bridge_s`` (and there is a good
    sample on both sides), else marked missing.

    Returns:
        ``(bridge, mark)``, ``(n,)`` each.
    """
    n = bad.shape[0]
    bridge = np.zeros(n, dtype=bool)
    mark = np.zeros(n, dtype=bool)
    for a, b in _runs(bad):
        inside = a > 0 and b < n
        span = time_s[b] - time_s[a - 1] if inside else math.inf
        (bridge if span <= max_bridge_s else mark)[a:b] = True
    return bridge, mark


def interpolate_over(time_s: FloatArray, values: FloatArray, where: BoolArray) -> FloatArray:
    """``values`` with the samples at ``where`` replaced by linear interpolation in time.

    Interpolates between the nearest finite samples outside ``where`` on either
    side; a sample without one on both sides becomes NaN.
    """
    out = np.array(values, dtype=np.float64, copy=True)
    if not where.any():
        return out
    good = np.isfinite(out) & ~where
    out[where] = np.nan
    if good.sum() < 2:
        return out
    gi = np.flatnonzero(good)
    for a, b in _runs(where):
        if a == 0 or b == len(out) or not good[:a].any() or not good[b:].any():
            continue
        lo = gi[gi < a][-1]
        hi = gi[gi >= b][0]
        out[a:b] = np.interp(time_s[a:b], [time_s[lo], time_s[hi]], [out[lo], out[hi]])
    return out


class JumpGuard:
    """:func:`jump_outliers` frame by frame, for the live view (causal).

    A sample (one or more angles of one frame) is refused when any of its finite
    angles is not reachable from the last accepted sample; after ``max_bridge_s``
    of refusals the next sample is accepted afresh, so a real change is never
    refused for long.
    """

    def __init__(
        self,
        max_speed_deg_s: float = MAX_TRUNK_SPEED_DEG_S,
        noise_deg: float = JUMP_NOISE_DEG,
        max_bridge_s: float = 0.5,
    ) -> None:
        self.max_speed_deg_s = float(max_speed_deg_s)
        self.noise_deg = float(noise_deg)
        self.max_bridge_s = float(max_bridge_s)
        self._t = math.nan
        self._v: tuple[float, ...] = ()

    def reset(self) -> None:
        """Forget the last accepted sample."""
        self._t, self._v = math.nan, ()

    def accepts(self, time_s: float, *values: float) -> bool:
        """Whether the angles (deg) at ``time_s`` are believable; if so they are remembered.

        NaN angles are neither checked nor remembered (the last finite one stays).
        """
        dt = time_s - self._t
        fresh = not self._v or not dt <= self.max_bridge_s
        if not fresh:
            reach = self.max_speed_deg_s * dt + self.noise_deg
            for new, old in zip(values, self._v, strict=True):
                if new == new and old == old and abs(new - old) > reach:
                    return False
        if fresh or not self._v:
            self._v = tuple(values)
        else:
            self._v = tuple(
                new if new == new else old for new, old in zip(values, self._v, strict=True)
            )
        self._t = time_s
        return True


def _runs(mask: BoolArray) -> list[tuple[int, int]]:
    """``[start, stop)`` of each run of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _frame_step(time_s: FloatArray) -> float:
    """The median frame interval (s), 0 for fewer than two frames."""
    return float(np.median(np.diff(time_s))) if time_s.shape[0] > 1 else 0.0
