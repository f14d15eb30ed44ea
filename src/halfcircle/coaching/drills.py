"""The drills of stages 1 and 2: side bends and roll-downs along the wall, found and measured.

Before joining them into the half circle, a person practises the parts (``DOMAIN.md``,
"The program"): side bends along the wall (both sides, the back sliding on the wall)
and roll-downs (forward flexion, rolling down the wall and back up). A drill rep is an
excursion of one channel from the neutral stance and back: lateral flexion for a side
bend, forward flexion for a roll-down, with the other channel staying small. A movement
that goes far in both (a half circle) is not a drill; the half-circle counter finds it.

Each rep is measured with the half circle's own metrics
(:func:`halfcircle.coaching.scoring.compute_rep_metrics`: peaks, pelvis, speed). Its smoothness
is the mean SPARC of its two halves, out to the peak and back: each is one
point-to-point movement, as a half circle is one (the whole out-and-back has two speed
peaks and reads about 1.5 lower even when perfectly smooth). A rep is *controlled*
when it is smooth and the pelvis stayed still on the wall (shift at most
``pelvis_still_cm``). Controlled reps per side are what the stage rules count
(:mod:`halfcircle.coaching.stages`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import numpy as np

from halfcircle.coaching.baseline import excursions, merge_ranges
from halfcircle.coaching.reps import RepRecord
from halfcircle.coaching.scoring import MetricConfig, RepMetrics, compute_rep_metrics
from halfcircle.errors import ValidationError
from halfcircle.kinematics.measure import KinematicsSeries

__all__ = [
    "MOVEMENTS",
    "DrillConfig",
    "DrillRep",
    "Movements",
    "attempt_drill",
    "controlled_reps",
    "drill_kind",
    "drill_tally",
    "segment_drills",
    "tell_apart",
]

#: The movement of a drill rep, as ``reps.json`` names it beside ``half_circle``.
MOVEMENTS: Final = ("side_bend", "roll_down")


@dataclass(frozen=True)
class DrillConfig:
    """Thresholds that find and judge drill reps (deg, s, cm).

    Attributes:
        enter_deg: Excursion that starts a rep: (lateral, forward).
        leave_deg: Excursion below which the rep has ended: (lateral, forward).
        min_peak_deg: Smallest peak of a rep: (side bend, roll-down).
        other_share: The other channel's peak stays below this share of the rep's own
            peak (and below its ``enter_deg``-scaled floor): larger, and the movement
            is a half circle or a mix, not a drill.
        min_duration_s: Shortest rep kept (s).
        smooth_sparc: Mean SPARC of the halves at or above which a rep is smooth.
            Perfectly smooth (minimum-jerk) rendered reps read -1.6 to -2.0 through
            MediaPipe (10 reps, 4 drill clips, front and oblique); a synthetic rep with
            a 4 deg, 2.3 Hz tremor reads -2.7.
        pelvis_still_cm: Largest pelvis shift of a controlled rep (cm). Above the half
            circle's compensation limit (3 cm): MediaPipe's hip points follow the trunk,
            and renders whose pelvis stays on the wall read up to 4.6 cm at the bottom
            of a roll-down seen at 35 deg (1.6 cm at most in the side bends).
    """

    enter_deg: tuple[float, float] = (6.0, 12.0)
    leave_deg: tuple[float, float] = (3.0, 5.0)
    min_peak_deg: tuple[float, float] = (8.0, 20.0)
    other_share: float = 0.4
    min_duration_s: float = 0.8
    smooth_sparc: float = -2.4
    pelvis_still_cm: float = 6.0

    def __post_init__(self) -> None:
        problems = []
        for i, name in enumerate(("lateral", "forward")):
            if not 0 < self.leave_deg[i] < self.enter_deg[i] <= self.min_peak_deg[i]:
                problems.append(f"{name}: need 0 < leave < enter <= min_peak")
        if not 0 < self.other_share < 1:
            problems.append(f"other_share must be between 0 and 1, got {self.other_share}")
        if problems:
            raise ValidationError("Invalid drill config: " + "; ".join(problems) + ".")


@dataclass(frozen=True)
class DrillRep:
    """One drill repetition.

    Attributes:
        movement: ``"side_bend"`` or ``"roll_down"``.
        side: ``"left"`` or ``"right"`` for a side bend (the person's), ``"front"``.
        index: 1-based count of this movement in the recording.
        peak_deg: Peak of the rep's own channel (deg, positive).
        sparc: Mean SPARC of the way out and the way back (closer to 0 is smoother).
        controlled: Smooth and with the pelvis still (see :class:`DrillConfig`).
        metrics: The rep measured as a half circle's frames are.
    """

    movement: str
    side: str
    index: int
    peak_deg: float
    sparc: float
    controlled: bool
    metrics: RepMetrics

    def as_dict(self) -> dict[str, Any]:
        """The rep as ``reps.json`` lists it: movement, side, peak, then the metrics."""
        return {
            "movement": self.movement,
            "side": self.side,
            "index": self.index,
            "peak_deg": round(self.peak_deg, 1),
            "controlled": self.controlled,
            **self.metrics.as_dict(),
            "sparc": round(self.sparc, 3) if math.isfinite(self.sparc) else None,
        }


def _peak(x: np.ndarray, positive_only: bool = False) -> float:
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return math.nan
    return float(finite.max()) if positive_only else float(np.abs(finite).max())


def drill_kind(
    right_deg: float | None,
    left_deg: float | None,
    forward_deg: float | None,
    config: DrillConfig | None = None,
) -> tuple[str, str, float] | None:
    """Which drill a movement with these peaks is: ``(movement, side, peak_deg)``, or None.

    The peaks are the movement's largest side bend to the person's right and left and
    its largest forward flexion (deg, each 0 or more). A side bend goes far to one side
    only, with little forward bending; a roll-down goes forward with little side
    bending; anything else (a half circle, begun or whole, or a mix) is no drill.
    """
    cfg = config or DrillConfig()
    if right_deg is None or left_deg is None or forward_deg is None:
        return None
    right, left, forward = max(right_deg, 0.0), max(left_deg, 0.0), max(forward_deg, 0.0)
    lateral = max(right, left)
    if not (math.isfinite(lateral) and math.isfinite(forward)):
        return None
    if (
        lateral >= cfg.min_peak_deg[0]
        and forward < max(cfg.enter_deg[1], cfg.other_share * lateral)
        and min(right, left) < cfg.other_share * lateral
    ):
        return "side_bend", ("right" if right > left else "left"), lateral
    if forward >= cfg.min_peak_deg[1] and lateral < max(
        cfg.enter_deg[0], cfg.other_share * forward
    ):
        return "roll_down", "front", forward
    return None


def attempt_drill(record: RepRecord) -> tuple[str, str, float] | None:
    """The drill a half-circle attempt was, by its peaks (:func:`drill_kind`); None for none.

    What a stream can tell as soon as the half-circle counter closes an attempt (live):
    an attempt brought back before the front that went to one side only is a side bend,
    forward only a roll-down, not a half circle begun.
    """
    m = record.metrics
    return drill_kind(m.peak_lateral_right_deg, m.peak_lateral_left_deg, m.peak_forward_deg)


def segment_drills(
    kin: KinematicsSeries,
    config: DrillConfig | None = None,
    metric_config: MetricConfig | None = None,
) -> list[DrillRep]:
    """Find the side bends and roll-downs of a calibrated recording, in time order."""
    cfg = config or DrillConfig()
    if len(kin) < 2:
        return []
    t = kin.time_s
    lat = np.where(kin.valid, kin.lateral_deg, np.nan)
    fwd = np.where(kin.valid, kin.forward_deg, np.nan)
    ranges = excursions(lat, cfg.enter_deg[0], cfg.leave_deg[0])
    ranges += excursions(np.clip(fwd, 0.0, None), cfg.enter_deg[1], cfg.leave_deg[1])
    reps: list[DrillRep] = []
    counts = dict.fromkeys(MOVEMENTS, 0)
    for a, b in merge_ranges(ranges):
        b = min(b + 1, len(t))  # the frame back below "leave" closes the rep
        if b - a < 2 or t[b - 1] - t[a] < cfg.min_duration_s:
            continue
        right = _peak(np.clip(lat[a:b], 0, None), positive_only=True)
        left = _peak(np.clip(-lat[a:b], 0, None), positive_only=True)
        forward = _peak(fwd[a:b], positive_only=True)
        kind = drill_kind(right, left, forward, cfg)
        if kind is None:
            continue
        movement, side, peak = kind
        metrics = _metrics(kin, a, b, metric_config)
        own = np.abs(lat[a:b]) if movement == "side_bend" else fwd[a:b]
        i_peak = a + int(np.nanargmax(own))
        halves = [
            _metrics(kin, a, i_peak + 1, metric_config),
            _metrics(kin, i_peak, b, metric_config),
        ]
        sparcs = [h.sparc for h in halves if h is not None and math.isfinite(h.sparc)]
        smooth = float(np.mean(sparcs)) if len(sparcs) == 2 else math.nan
        if metrics is None:
            continue
        shift = metrics.pelvis_shift_max_cm
        controlled = bool(
            math.isfinite(smooth)
            and smooth >= cfg.smooth_sparc
            and (shift is None or not math.isfinite(shift) or shift <= cfg.pelvis_still_cm)
        )
        counts[movement] += 1
        reps.append(DrillRep(movement, side, counts[movement], peak, smooth, controlled, metrics))
    return reps


def _metrics(
    kin: KinematicsSeries, a: int, b: int, config: MetricConfig | None
) -> RepMetrics | None:
    """The rep metrics of frames ``[a, b)``; None with fewer than two valid frames."""
    if int(kin.valid[a:b].sum()) < 2:
        return None
    return compute_rep_metrics(
        kin.time_s[a:b],
        kin.lateral_deg[a:b],
        kin.forward_deg[a:b],
        valid=kin.valid[a:b],
        pelvis_shift_cm=kin.pelvis_shift_cm[a:b],
        pelvis_tilt_deg=kin.pelvis_tilt_deg[a:b],
        knee_flexion_deg=kin.knee_flexion_deg[a:b],
        config=config,
    )


def controlled_reps(reps: Sequence[DrillRep]) -> dict[str, int]:
    """Controlled reps per side (``left``, ``right``, ``front``): what a stage counts."""
    out: dict[str, int] = {}
    for r in reps:
        if r.controlled:
            out[r.side] = out.get(r.side, 0) + 1
    return out


@dataclass(frozen=True)
class Movements:
    """A recording's repetitions, each reported once: as a half circle or as a drill rep.

    Attributes:
        reps: Complete and incomplete half circles, numbered 1.. in order.
        aborted: Half circles begun and brought back before the front, numbered 1..
        drills: Side bends and roll-downs, each movement numbered 1.. in order.
    """

    reps: list[RepRecord]
    aborted: list[RepRecord]
    drills: list[DrillRep]


def _overlap_s(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def tell_apart(
    reps: Sequence[RepRecord], aborted: Sequence[RepRecord], drills: Sequence[DrillRep]
) -> Movements:
    """The half-circle counter's records and the drill reps, with no movement told twice.

    The half-circle counter reads every excursion from upright: a side bend comes back
    before the front (an *aborted* half circle), a roll-down too, or it ends unseen
    (*incomplete*). The rule, applied once here for every output (``reps.json``,
    ``summary.json``, the report, the terminal, the API, ``batch``):

    * a drill rep that overlaps a complete half circle is a part of it, not a drill;
    * an aborted or incomplete half circle that shares at least half of the shorter
      one's time with a remaining drill rep is that drill rep, and is not also a half
      circle (a side bend cut by a moment out of view is one incomplete half circle to
      the counter, and one side bend measured across the gap to the drill finder).

    A true aborted half circle (to the side and forward, back before the front) is no
    drill (:func:`drill_kind`), so it stays aborted. Half circles and drills left are
    numbered afresh (each kind, and each drill movement, from 1).
    """
    circles = [(r.start_s, r.end_s) for r in reps if r.complete]
    kept = [
        d
        for d in drills
        if not any(_overlap_s(d.metrics.start_s, d.metrics.end_s, a, b) > 0 for a, b in circles)
    ]

    def is_drill(r: RepRecord) -> bool:
        return any(
            _overlap_s(r.start_s, r.end_s, d.metrics.start_s, d.metrics.end_s)
            >= 0.5 * min(r.end_s - r.start_s, d.metrics.end_s - d.metrics.start_s)
            for d in kept
        )

    half = [r for r in reps if r.complete or not is_drill(r)]
    attempts = [r for r in aborted if not is_drill(r)]
    counts = dict.fromkeys(MOVEMENTS, 0)
    numbered = []
    for d in kept:
        counts[d.movement] += 1
        numbered.append(
            d if d.index == counts[d.movement] else replace(d, index=counts[d.movement])
        )
    return Movements(_renumber(half), _renumber(attempts), numbered)


def _renumber(records: list[RepRecord]) -> list[RepRecord]:
    return [r if r.index == i else replace(r, index=i) for i, r in enumerate(records, 1)]


def drill_tally(reps: Sequence[DrillRep]) -> dict[str, dict[str, Any]]:
    """Per drill movement done: ``reps``, ``controlled`` and, per side, reps and peaks.

    ``{"side_bend": {"reps": 4, "controlled": 4, "sides": {"right": {"reps": 2,
    "mean_peak_deg": 23.5, "max_peak_deg": 24.8}, "left": {...}}}, "roll_down": ...}``
    (deg, rounded to 0.1; sides ``right``/``left`` for side bends, ``front`` for
    roll-downs). Only movements done appear; ``{}`` for none.
    """
    out: dict[str, dict[str, Any]] = {}
    for movement in MOVEMENTS:
        mine = [r for r in reps if r.movement == movement]
        if not mine:
            continue
        sides: dict[str, dict[str, Any]] = {}
        for side in dict.fromkeys(r.side for r in mine):
            peaks = [r.peak_deg for r in mine if r.side == side]
            sides[side] = {
                "reps": len(peaks),
                "mean_peak_deg": round(float(np.mean(peaks)), 1),
                "max_peak_deg": round(float(max(peaks)), 1),
            }
        out[movement] = {
            "reps": len(mine),
            "controlled": sum(r.controlled for r in mine),
            "sides": dict(
                sorted(sides.items(), key=lambda kv: ("right", "left", "front").index(kv[0]))
            ),
        }
    return out
