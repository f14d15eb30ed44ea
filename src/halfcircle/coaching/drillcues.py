"""Cues during the drills of stages 1 and 2: side bends and roll-downs along the wall.

The half circle's cue machinery, with the drills' own rules: each rule is a
:class:`~halfcircle.coaching.cues.CueRule` on a context of the live sample and the set
so far (:meth:`DrillCoach.context`), and a
:class:`~halfcircle.coaching.cues.CueSelector` with the ``[cues]`` timings chooses at
most one at a time, with the same display time and cooldowns as the half circle's.
The cues invite, never demand (``DOMAIN.md``): hips resting on the wall and knees
soft while moving, slow and smooth, and for side bends about as far to each side.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Final

from halfcircle.coaching.cues import (
    Condition,
    Cue,
    CueConfig,
    CueRule,
    CueSelector,
    Op,
    matching_cues,
)
from halfcircle.coaching.drills import MOVEMENTS, DrillConfig
from halfcircle.coaching.scoring import MetricConfig
from halfcircle.kinematics.measure import AngleSample

__all__ = ["DRILL_MOVEMENT", "DrillCoach", "DrillCueLimits", "drill_cue_rules"]

#: The drill movement of each drill stage.
DRILL_MOVEMENT: Final = {"side_bends": "side_bend", "roll_downs": "roll_down"}


@dataclass(frozen=True)
class DrillCueLimits:
    """When the drill cues speak (deg/s, deg, s).

    Attributes:
        fast_deg_s: Speed of the drill's own channel (lateral for a side bend, forward
            for a roll-down) above which "slow and smooth" is said: (side bend,
            roll-down). A smooth side bend of 25 deg in 1.5 s peaks near 30 deg/s (the
            minimum-jerk peak, 1.875 times the mean) and rendered ones read up to 41 deg/s;
            a 26 deg side bend out and back in 0.8 s reads up to 125 deg/s. Forward
            flexion seen from the front is read through foreshortening and rushes near
            upright: rendered roll-downs of 48-52 deg in 2 s (true peak about 49 deg/s)
            read up to 89 deg/s there, hence the roll-down's higher limit.
        speed_window_s: Window of the live speed estimate (s), as the half circle's
            ``live_speed_window_s``.
        uneven_sides_deg: Difference between the last side bend to each side above
            which the shorter side is invited a little further (the half circle's
            lateral asymmetry cue uses 6 deg too).
    """

    fast_deg_s: tuple[float, float] = (80.0, 130.0)
    speed_window_s: float = 0.2
    uneven_sides_deg: float = 6.0


def _c(name: str, op: Op, value: Any) -> Condition:
    return Condition(name, op, value)


def drill_cue_rules(
    drills: DrillConfig | None = None,
    metrics: MetricConfig | None = None,
    limits: DrillCueLimits | None = None,
) -> tuple[CueRule, ...]:
    """The drill cues; conditions on :meth:`DrillCoach.context` keys.

    The hips cue uses the drills' own pelvis limit (``DrillConfig.pelvis_still_cm``,
    the one that judges a rep controlled), the knees cue the half circle's
    ``MetricConfig.knee_locked_deg``.
    """
    d, m, lim = drills or DrillConfig(), metrics or MetricConfig(), limits or DrillCueLimits()
    return (
        CueRule(
            "drill_hips_still",
            "Let your hips rest on the wall; the bend comes from your back.",
            (_c("moving", "==", True), _c("pelvis_shift_cm", "abs>", d.pelvis_still_cm)),
            80,
        ),
        CueRule(
            "drill_soft_knees",
            "Keep a soft bend in your knees.",
            (_c("moving", "==", True), _c("knee_flexion_deg", "<", m.knee_locked_deg)),
            70,
        ),
        *(
            CueRule(
                "drill_slow",
                "Slow and smooth, no need to hurry.",
                (
                    _c("movement", "==", movement),
                    _c("moving", "==", True),
                    _c("speed_deg_s", ">", fast),
                ),
                60,
            )
            for movement, fast in zip(MOVEMENTS, lim.fast_deg_s, strict=True)
        ),
        CueRule(
            "drill_further_left",
            "Go a little further to the left, if it feels fine.",
            (_c("moving", "==", False), _c("side_gap_deg", ">", lim.uneven_sides_deg)),
            50,
        ),
        CueRule(
            "drill_further_right",
            "Go a little further to the right, if it feels fine.",
            (_c("moving", "==", False), _c("side_gap_deg", "<", -lim.uneven_sides_deg)),
            50,
        ),
    )


@dataclass
class DrillCoach:
    """The cue to show during a drill set, one calibrated sample at a time.

    Attributes:
        movement: ``side_bend`` or ``roll_down``.
        drills: How a rep starts and ends (``enter_deg``, ``leave_deg``).
        rules: The cues (default :func:`drill_cue_rules`).
        timing: Display time and cooldowns (the ``[cues]`` settings).
        limits: The speed window (and the default rules' limits).
    """

    movement: str
    drills: DrillConfig = field(default_factory=DrillConfig)
    rules: tuple[CueRule, ...] = ()
    timing: CueConfig = field(default_factory=CueConfig)
    limits: DrillCueLimits = field(default_factory=DrillCueLimits)
    _moving: bool = False
    _peak: float = 0.0
    _last: dict[str, float] = field(default_factory=dict)
    _hist: deque[tuple[float, float]] = field(default_factory=deque)
    _selector: CueSelector | None = None

    def __post_init__(self) -> None:
        if not self.rules:
            self.rules = drill_cue_rules(self.drills, limits=self.limits)
        self._selector = CueSelector.from_config(self.timing)

    @property
    def _channel(self) -> tuple[str, int]:
        """The sample's field of this drill's movement, and its index in the config pairs."""
        return ("lateral_deg", 0) if self.movement == "side_bend" else ("forward_deg", 1)

    def context(self, sample: AngleSample) -> dict[str, Any]:
        """Update the set with ``sample`` and return the values the rules read.

        ``movement``, ``moving`` (in a rep), ``speed_deg_s`` (own channel, deg/s),
        ``pelvis_shift_cm``, ``knee_flexion_deg``, and ``side_gap_deg``: the last right
        side bend's peak minus the last left one's (deg; None until both sides were done).
        """
        name, i = self._channel
        value = float(getattr(sample, name))
        speed = math.nan
        if not math.isnan(value):
            self._hist.append((sample.time_s, value))
            while self._hist and sample.time_s - self._hist[0][0] > self.limits.speed_window_s:
                self._hist.popleft()
            (t0, v0), (t1, v1) = self._hist[0], self._hist[-1]
            speed = abs(v1 - v0) / (t1 - t0) if t1 > t0 else math.nan
            own = abs(value) if self.movement == "side_bend" else value
            if not self._moving and own >= self.drills.enter_deg[i]:
                self._moving, self._peak = True, 0.0
            if self._moving:
                if abs(value) > abs(self._peak):
                    self._peak = value  # signed: its sign is the side of a side bend
                if own < self.drills.leave_deg[i]:
                    self._moving = False
                    self._last["right" if self._peak > 0 else "left"] = abs(self._peak)
        gap = None
        if "right" in self._last and "left" in self._last:
            gap = self._last["right"] - self._last["left"]
        return {
            "movement": self.movement,
            "moving": self._moving,
            "speed_deg_s": speed,
            "pelvis_shift_cm": float(sample.pelvis_shift_cm),
            "knee_flexion_deg": float(sample.knee_flexion_deg),
            "side_gap_deg": gap if self.movement == "side_bend" else None,
        }

    def update(self, sample: AngleSample) -> Cue | None:
        """Feed one sample (in time order); the cue on display now, or None."""
        assert self._selector is not None
        if not sample.valid or not sample.calibrated:
            return self._selector.current(sample.time_s)
        ctx = self.context(sample)
        return self._selector.update(sample.time_s, matching_cues(ctx, self.rules))
