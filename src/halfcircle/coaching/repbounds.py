"""Where a rep starts and ends: the rest level, and flanks extrapolated back to it.

The rep state machine (:class:`halfcircle.coaching.reps.RepCounter`) notices a rep
late, when the trunk has left upright by ``leave_upright_deg``, and notices its end
late, when it is back under ``enter_upright_deg``. These functions move both
boundaries to where the trunk really left and reached rest.

Rest is a low percentile of the inclination (deg) of the upright frames just
before the rep, plus ``onset_margin_deg`` or ``onset_noise_factor`` robust standard
deviations of its frame-to-frame changes, whichever is larger. A flank above that
margin is extrapolated back to rest (a ``|t - t0| ** 2.5`` departure,
:func:`flank_zero_time`), at most ``onset_max_extrapolation_s``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, NamedTuple

import numpy as np

__all__ = [
    "FLANK_POWER",
    "RepFrame",
    "Rest",
    "falling_flank_end",
    "flank_zero_time",
    "rep_start_index",
    "rest_before",
    "settle_end_index",
]


class RepFrame(NamedTuple):
    """One frame as the rep counter keeps it (angles in deg, time in s)."""

    t: float
    lat: float
    fwd: float
    valid: bool
    shift: float
    tilt: float
    knee: float
    incl: float


@dataclass(frozen=True)
class Rest:
    """The upright rest before a rep: its inclination level and the threshold above it (deg)."""

    level: float
    threshold: float


#: Power of the rest-departure model of :func:`flank_zero_time`.
FLANK_POWER: Final = 2.5


def flank_zero_time(frames: list[RepFrame], rest: float, margin: float) -> float | None:
    """Time where an inclination flank meets ``rest``, extrapolated.

    The departure from rest is modelled as ``a |t - t0| ** p`` with ``p =``
    :data:`FLANK_POWER`: a line is fitted to ``(incl - rest) ** (1 / p)`` over the
    flank's frames at least ``margin`` above rest, and its zero is ``t0``. A
    smooth start from standstill has ``p`` between 2 (constant acceleration) and
    3 (minimum jerk); a fixed 2.5 is the most robust to noise on synthetic reps of
    both kinds. None if under three frames or the fit is flat.
    """
    pts = [(f.t, f.incl - rest) for f in frames if f.valid and f.incl - rest >= margin]
    if len(pts) < 3:
        return None
    x = np.array([p[0] for p in pts])
    z = np.array([p[1] for p in pts]) ** (1.0 / FLANK_POWER)
    slope, intercept = np.polyfit(x - x[0], z, 1)
    if slope == 0 or not np.isfinite(slope):
        return None
    return float(x[0] - intercept / slope)


def rest_before(
    pre: list[RepFrame], enter_upright_deg: float, margin_deg: float, noise_factor: float
) -> Rest:
    """The rest of the upright frames in ``pre`` (those under ``enter_upright_deg``).

    Its level is their 10th percentile of inclination, and its threshold that plus
    ``margin_deg`` or ``noise_factor`` robust standard deviations of their
    frame-to-frame changes, whichever is larger; both robust to a slow start.
    """
    rest = np.array([f.incl for f in pre if f.valid and f.incl < enter_upright_deg])
    if rest.size >= 2:
        level = float(np.percentile(rest, 10))
        noise = 1.4826 * float(np.median(np.abs(np.diff(rest)))) / math.sqrt(2)
    else:
        level, noise = 0.0, 0.0
    return Rest(level, level + max(margin_deg, noise_factor * noise))


def rep_start_index(pre: list[RepFrame], rest: Rest, max_extrapolation_s: float) -> int:
    """Index in ``pre`` of the frame where the rep began.

    The last frame at rest, moved back to the rising flank's extrapolated meeting
    with rest (at most ``max_extrapolation_s`` before it).
    """
    start = 0
    for i in range(len(pre) - 1, -1, -1):
        if pre[i].valid and pre[i].incl <= rest.threshold:
            start = i
            break
    t0 = flank_zero_time(pre[start:], rest.level, rest.threshold - rest.level)
    if t0 is not None:
        t0 = min(pre[start].t, max(t0, pre[start].t - max_extrapolation_s))
        while start > 0 and abs(pre[start - 1].t - t0) < abs(pre[start].t - t0):
            start -= 1
    return start


def falling_flank_end(rep: list[RepFrame], leave_upright_deg: float, rest: Rest) -> float | None:
    """Where the rep's last fall from above ``leave_upright_deg`` meets rest, extrapolated (s)."""
    last_out = max(
        (k for k, f in enumerate(rep) if f.valid and f.incl >= leave_upright_deg),
        default=0,
    )
    return flank_zero_time(rep[last_out:], rest.level, rest.threshold - rest.level)


def settle_end_index(
    rep: list[RepFrame], end_target: float | None, lowest_i: int, falling_end: float | None
) -> int:
    """Best end of a settling rep so far (index into its frames).

    The valid frame nearest ``end_target`` once that is known; otherwise nearest
    the falling flank's end (``falling_end``), kept between the lowest frame since
    the return (``lowest_i``) and the latest valid frame; ``lowest_i`` when the
    flank gives no end.
    """
    valid = [i for i, f in enumerate(rep) if f.valid]
    target = end_target
    if target is None:
        if falling_end is None:
            return lowest_i
        target = min(max(falling_end, rep[lowest_i].t), rep[valid[-1]].t)
    return min(valid, key=lambda i: abs(rep[i].t - target))
