r"""The half-circle rep state machine, fed one frame at a time.

One :class:`RepCounter` serves the live view and the offline analysis alike:
:meth:`RepCounter.update` is the only per-frame call, it returns
:class:`RepEvent` objects, and nothing in it depends on wall-clock time, so the
same frames give the same reps and numbers live and offline.

States (:class:`RepState`)::

    calibrating -> ready -> side_a -> front -> side_b -> returning -> ready
                                   \\-> (back to upright without crossing) -> aborted -> ready
    any state but calibrating -> paused (person lost) -> the state it left
    any state but calibrating -> untracked (seen, angles not measured) -> the state it left

* ``calibrating``: until :meth:`RepCounter.set_calibrated` (or ``calibrated=True``);
  nothing is counted, so getting into position never makes a rep.
* ``ready``: upright. A rep starts when the trunk inclination rises above
  ``leave_upright_deg``, but only once the trunk has been seen upright (below
  ``enter_upright_deg``) since calibration or a long loss of sight (``armed``).
* ``side_a``: bending to the first side; the side (and so the direction) is
  known once phi is within ``side_band_deg`` of 0 (right) or 180 (left).
* ``front``: phi within ``front_enter_band_deg`` of 90 with enough forward flexion;
  it is left for ``side_b`` (or back to ``side_a``) only beyond ``front_leave_band_deg``,
  so hovering near a band edge never flickers.
* ``side_b``: the other side, reached by crossing the front. Once crossed, the
  rep is complete when the trunk is back upright, even if it went back through
  the front on the way (that shows as a phi reversal in the metrics).
* ``returning``: inclination down to ``return_fraction`` of its side-B peak, then
  below ``enter_upright_deg``: the rep ends once the trunk has settled.
* ``aborted``: shown for ``aborted_display_s`` after an attempt that came back to
  upright without crossing the front; it behaves like ``ready``. Attempts whose
  inclination never reached ``min_attempt_peak_deg`` are dropped silently.
* ``paused``: the frame is not valid (person lost or occluded).
* ``untracked``: the person is seen but an angle a rep needs is NaN (side bending
  from a side view, by design), so the rep cannot be followed. It is kept apart
  from ``paused`` so that nobody is asked to step back into view while in view;
  for the rep both are the same loss of sight.
  **Choice for losses mid-rep**: a gap of at most ``max_gap_s`` is bridged and the
  rep carries on where it was; a longer gap ends the rep as ``incomplete`` (kept,
  with its metrics, but never counted or scored), and the next rep needs the
  person upright again first.

Hysteresis everywhere (upright 8/12 deg, front band 25/35 deg, returning 0.5/0.7
of the peak) keeps angles that hover on a threshold from inflating counts.

Rep boundaries: the start is backdated to where the trunk left rest. Rest is a low
percentile of the inclination of the upright frames just before, plus
``onset_margin_deg`` or ``onset_noise_factor`` robust standard deviations of its frame-
to-frame changes, whichever is larger; the rising flank above that margin is
extrapolated back to rest (a ``t ** 2.5`` departure), at most
``onset_max_extrapolation_s`` (:mod:`halfcircle.coaching.repbounds`). The end is found
the same way on the falling flank once the trunk is back at rest, or where the
inclination stopped falling (``settle_stall_deg`` within ``settle_stall_s``), at most
``settle_timeout_s`` after dropping below ``enter_upright_deg``. The rep's closing
events come when it has settled, a few tenths of a second after its end.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from halfcircle.coaching.repbounds import (
    RepFrame,
    Rest,
    falling_flank_end,
    rep_start_index,
    rest_before,
    settle_end_index,
)
from halfcircle.coaching.scoring import (
    Direction,
    MetricConfig,
    Outcome,
    RepMetrics,
    ScoreBreakdown,
    ScoreConfig,
    compute_rep_metrics,
    infer_direction,
    score_rep,
)
from halfcircle.errors import ValidationError, sign_problems
from halfcircle.kinematics.angles import phase_angle_one, trunk_direction_one

__all__ = [
    "EventKind",
    "LiveSnapshot",
    "RepCounter",
    "RepEvent",
    "RepFrames",
    "RepRecord",
    "RepState",
    "RepThresholds",
    "TrunkSpeed",
    "rep_record",
]


class RepState(str, Enum):
    """State of the rep state machine (its value is the name written to files)."""

    CALIBRATING = "calibrating"
    READY = "ready"
    SIDE_A = "side_a"
    FRONT = "front"
    SIDE_B = "side_b"
    RETURNING = "returning"
    PAUSED = "paused"
    UNTRACKED = "untracked"
    ABORTED = "aborted"


_IN_REP = frozenset({RepState.SIDE_A, RepState.FRONT, RepState.SIDE_B, RepState.RETURNING})
#: States of a frame whose angles are missing: the person lost, or seen but not measured.
_UNSEEN = frozenset({RepState.PAUSED, RepState.UNTRACKED})

EventKind = Literal["state", "rep_started", "rep_completed", "rep_aborted", "rep_incomplete"]


@dataclass(frozen=True)
class RepThresholds:
    """Thresholds of the state machine (degrees, seconds, fractions).

    Attributes:
        enter_upright_deg: Inclination below which the trunk is upright again.
        leave_upright_deg: Inclination above which a rep starts (> enter).
        phi_min_inclination_deg: Phi (the direction of the bend) is only read from
            this inclination on; below it, it is too noisy to trust.
        side_band_deg: Phi within this of 0 or 180 is "at a side" (decides side A).
        front_enter_band_deg: Phi within this of 90 enters the front.
        front_leave_band_deg: Phi beyond this from 90 leaves the front (> enter band).
        front_min_forward_deg: Forward flexion needed to enter the front.
        return_fraction: Side B turns into returning below this fraction of its
            peak inclination.
        return_leave_fraction: Returning goes back to side B above this fraction (>).
        min_attempt_peak_deg: Aborted or incomplete attempts that never reached this
            inclination are dropped as noise.
        max_gap_s: Longest loss of sight bridged within a rep.
        pre_buffer_s: Upright history kept to backdate a rep's start.
        onset_margin_deg: Least margin above rest that marks the start and end.
        onset_noise_factor: Margin in robust standard deviations of the rest
            inclination, when that is larger.
        onset_max_extrapolation_s: Furthest the start (end) is moved before (after)
            the margin crossing by extrapolating the inclination flank.
        settle_stall_deg: Smallest fall of inclination that still counts as moving.
        settle_stall_s: Time without such a fall after which the trunk has settled.
        settle_timeout_s: Longest wait for settling after coming back below upright.
        aborted_display_s: How long the ``aborted`` state is shown.
        live_speed_window_s: Window of the live angular speed estimate.
    """

    enter_upright_deg: float = 8.0
    leave_upright_deg: float = 12.0
    phi_min_inclination_deg: float = 8.0
    side_band_deg: float = 45.0
    front_enter_band_deg: float = 25.0
    front_leave_band_deg: float = 35.0
    front_min_forward_deg: float = 10.0
    return_fraction: float = 0.5
    return_leave_fraction: float = 0.7
    min_attempt_peak_deg: float = 15.0
    max_gap_s: float = 1.0
    pre_buffer_s: float = 3.0
    onset_margin_deg: float = 1.0
    onset_noise_factor: float = 3.0
    onset_max_extrapolation_s: float = 1.0
    settle_stall_deg: float = 0.3
    settle_stall_s: float = 0.3
    settle_timeout_s: float = 1.5
    aborted_display_s: float = 1.0
    live_speed_window_s: float = 0.2

    def __post_init__(self) -> None:
        problems = []
        if not 0 < self.enter_upright_deg < self.leave_upright_deg:
            problems.append(
                f"need 0 < enter_upright_deg < leave_upright_deg, got "
                f"{self.enter_upright_deg} and {self.leave_upright_deg}"
            )
        if not 0 < self.front_enter_band_deg < self.front_leave_band_deg < 90:
            problems.append(
                f"need 0 < front_enter_band_deg < front_leave_band_deg < 90, got "
                f"{self.front_enter_band_deg} and {self.front_leave_band_deg}"
            )
        if not self.phi_min_inclination_deg > 0:
            problems.append(
                f"phi_min_inclination_deg must be positive, got {self.phi_min_inclination_deg}"
            )
        if not 0 < self.side_band_deg < 90:
            problems.append(f"need 0 < side_band_deg < 90, got {self.side_band_deg}")
        if not 0 < self.return_fraction < self.return_leave_fraction <= 1:
            problems.append(
                f"need 0 < return_fraction < return_leave_fraction <= 1, got "
                f"{self.return_fraction} and {self.return_leave_fraction}"
            )
        problems += sign_problems(
            self,
            positive=(
                "max_gap_s",
                "pre_buffer_s",
                "settle_stall_s",
                "settle_timeout_s",
                "live_speed_window_s",
            ),
            non_negative=("onset_margin_deg", "onset_noise_factor", "settle_stall_deg"),
        )
        if problems:
            raise ValidationError("Invalid rep thresholds: " + "; ".join(problems) + ".")


@dataclass(frozen=True)
class RepFrames:
    """The frames of one rep, as arrays of shape ``(n,)``.

    Angles are as fed to :meth:`RepCounter.update`; invalid frames hold NaN angles
    and ``valid`` False. Compensation inputs are NaN where not given.
    """

    time_s: NDArray[np.float64]
    lateral_deg: NDArray[np.float64]
    forward_deg: NDArray[np.float64]
    valid: NDArray[np.bool_]
    pelvis_shift_cm: NDArray[np.float64]
    pelvis_tilt_deg: NDArray[np.float64]
    knee_flexion_deg: NDArray[np.float64]

    @property
    def trace(self) -> NDArray[np.float64]:
        """``(k, 2)`` lateral and forward degrees of the valid frames."""
        return np.stack([self.lateral_deg, self.forward_deg], axis=1)[self.valid]


@dataclass(frozen=True)
class RepRecord:
    """One finished rep or attempt.

    Attributes:
        index: 1-based; complete and incomplete reps share one numbering
            (:attr:`RepCounter.records`), aborted attempts have their own
            (:attr:`RepCounter.aborted`).
        direction: ``"right_first"`` or ``"left_first"``.
        outcome: ``"complete"``, ``"aborted"`` or ``"incomplete"``.
        start_s: Start of the movement (s), backdated to when it left rest.
        end_s: End of the movement (s), when the trunk settled upright.
        frames: The rep's frames, ``start_s`` to ``end_s`` inclusive.
        metrics: Its per-rep metrics.
        score: Its score; None unless complete.
        cut_short: An ``incomplete`` rep that was still under way when the input
            ended (:meth:`RepCounter.finish`: the end of the file, Ctrl-C, the camera
            lost, the window closed), not one the person or the pose model broke off.
    """

    index: int
    direction: Direction
    outcome: Outcome
    start_s: float
    end_s: float
    frames: RepFrames
    metrics: RepMetrics
    score: ScoreBreakdown | None
    cut_short: bool = False

    @property
    def complete(self) -> bool:
        """True for a complete half circle."""
        return self.outcome == "complete"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary of the rep, without its frames.

        Keys: ``index``, ``direction``, ``outcome``, ``complete``, every
        :class:`RepMetrics` field (NaN as None), ``score`` (total rounded to 0.1,
        or None) and ``score_parts``.
        """
        out: dict[str, Any] = {
            "index": self.index,
            "direction": self.direction,
            "outcome": self.outcome,
            "complete": self.complete,
        }
        out.update(self.metrics.as_dict())
        out["score"] = None if self.score is None else round(self.score.total, 1)
        out["score_parts"] = None if self.score is None else self.score.as_dict()
        return out


@dataclass(frozen=True)
class RepEvent:
    """Something that happened on a frame.

    Attributes:
        kind: ``"state"`` (state changed), ``"rep_started"``, ``"rep_completed"``,
            ``"rep_aborted"`` or ``"rep_incomplete"``.
        time_s: Time of the frame that caused it (s); a rep's own times are in
            ``record`` (they can lie a little earlier).
        state: State after the change.
        previous: State before, for ``"state"`` events.
        record: The finished rep for the ``rep_*`` endings; None otherwise.
        start_s: Backdated start of the rep, for ``"rep_started"``.
    """

    kind: EventKind
    time_s: float
    state: RepState
    previous: RepState | None = None
    record: RepRecord | None = None
    start_s: float | None = None


@dataclass(frozen=True)
class LiveSnapshot:
    """What is happening now, for live cues and display.

    Attributes:
        time_s: Time of the last frame (s).
        state: State name (``RepState`` value).
        direction: Direction of the rep in progress, None if unknown or none.
        rep_in_progress: A rep is under way.
        complete_reps: Complete reps so far.
        lateral_deg: Last valid lateral flexion (deg, positive right), NaN if none.
        forward_deg: Last valid forward flexion (deg, positive forward), NaN if none.
        inclination_deg: Last valid inclination (deg), NaN if none.
        phi_deg: Last valid phase angle (deg, 0 right, 90 front, 180 left), NaN if none.
        speed_deg_s: Angular speed of the trunk over the last ``live_speed_window_s``
            (deg/s), NaN if unknown.
        state_elapsed_s: Time in the current state (s).
        pelvis_shift_cm: Last pelvis shift from neutral (cm), NaN if not measured.
        pelvis_tilt_deg: Last pelvis tilt from neutral (deg), NaN if not measured.
        knee_flexion_deg: Last knee flexion (deg, 0 straight), NaN if not measured.
    """

    time_s: float
    state: str
    direction: str | None
    rep_in_progress: bool
    complete_reps: int
    lateral_deg: float
    forward_deg: float
    inclination_deg: float
    phi_deg: float
    speed_deg_s: float
    state_elapsed_s: float
    pelvis_shift_cm: float
    pelvis_tilt_deg: float
    knee_flexion_deg: float


_NAN = float("nan")


class TrunkSpeed:
    """How fast the trunk's direction turns: its angle over the last ``window_s`` (deg/s).

    Fed the trunk's unit direction frame by frame (:func:`trunk_direction_one`); a gap
    longer than ``max_gap_s`` starts afresh. NaN until two frames are known.
    """

    def __init__(self, window_s: float, max_gap_s: float) -> None:
        self.window_s = window_s
        self.max_gap_s = max_gap_s
        self._hist: deque[tuple[float, tuple[float, float, float]]] = deque()

    def add(self, t: float, unit: tuple[float, float, float]) -> None:
        """Add the trunk's unit direction at time ``t`` (s)."""
        hist = self._hist
        if hist and t - hist[-1][0] > self.max_gap_s:
            hist.clear()
        hist.append((t, unit))
        while len(hist) > 2 and t - hist[1][0] >= self.window_s:
            hist.popleft()

    @property
    def deg_s(self) -> float:
        """The angle between the window's first and last directions over its span (deg/s)."""
        if len(self._hist) < 2:
            return _NAN
        (t0, u0), (t1, u1) = self._hist[0], self._hist[-1]
        if t1 <= t0:
            return _NAN
        dot = u0[0] * u1[0] + u0[1] * u1[1] + u0[2] * u1[2]
        return math.degrees(math.acos(max(-1.0, min(1.0, dot)))) / (t1 - t0)


def rep_record(
    frames: list[RepFrame],
    outcome: Outcome,
    side: int,
    index: int,
    metric_config: MetricConfig,
    score_config: ScoreConfig,
) -> RepRecord:
    """One rep's record: its frames as arrays, its metrics and (when complete) its score.

    Args:
        frames: The rep's frames, start to end (invalid ones included).
        outcome: How it ended.
        side: The first side as the counter saw it (+1 right, -1 left), 0 when it never
            knew (the direction is then inferred from the angles).
        index: Its number among the records of its kind (from 1).
        metric_config: Per-rep metric parameters.
        score_config: Score weights.
    """
    arr = RepFrames(
        time_s=np.array([f.t for f in frames]),
        lateral_deg=np.array([f.lat for f in frames]),
        forward_deg=np.array([f.fwd for f in frames]),
        valid=np.array([f.valid for f in frames], dtype=bool),
        pelvis_shift_cm=np.array([f.shift for f in frames]),
        pelvis_tilt_deg=np.array([f.tilt for f in frames]),
        knee_flexion_deg=np.array([f.knee for f in frames]),
    )
    if side:
        direction: Direction = "right_first" if side > 0 else "left_first"
    else:
        direction = infer_direction(arr.lateral_deg, arr.forward_deg)

    def optional(x: NDArray[np.float64]) -> NDArray[np.float64] | None:
        return x if np.isfinite(x).any() else None

    metrics = compute_rep_metrics(
        arr.time_s,
        arr.lateral_deg,
        arr.forward_deg,
        direction=direction,
        outcome=outcome,
        valid=arr.valid,
        pelvis_shift_cm=optional(arr.pelvis_shift_cm),
        pelvis_tilt_deg=optional(arr.pelvis_tilt_deg),
        knee_flexion_deg=optional(arr.knee_flexion_deg),
        config=metric_config,
    )
    score = score_rep(metrics, score_config) if outcome == "complete" else None
    return RepRecord(
        index=index,
        direction=direction,
        outcome=outcome,
        start_s=float(arr.time_s[0]),
        end_s=float(arr.time_s[-1]),
        frames=arr,
        metrics=metrics,
        score=score,
    )


class RepCounter:
    """Count and measure half circles, one frame at a time.

    Args:
        thresholds: State machine thresholds; defaults to :class:`RepThresholds`.
        metric_config: Per-rep metric parameters.
        score_config: Score weights.
        calibrated: Start already calibrated (state ``ready``) instead of ``calibrating``.

    Example::

        counter = RepCounter()
        counter.set_calibrated()
        for t, lat, fwd, ok in frames:
            for event in counter.update(t, lat, fwd, ok):
                if event.kind == "rep_completed":
                    print(event.record.metrics.sparc)
    """

    def __init__(
        self,
        thresholds: RepThresholds | None = None,
        *,
        metric_config: MetricConfig | None = None,
        score_config: ScoreConfig | None = None,
        calibrated: bool = False,
    ) -> None:
        self.thresholds = thresholds or RepThresholds()
        self.metric_config = metric_config or MetricConfig()
        self.score_config = score_config or ScoreConfig()
        self._state = RepState.READY if calibrated else RepState.CALIBRATING
        self._state_since = _NAN
        self._armed = False
        self._last_t: float | None = None
        self._last_valid: RepFrame | None = None
        self._last_input: RepFrame | None = None
        self._resume_state = RepState.READY
        self._paused_at = _NAN
        self._pre: deque[RepFrame] = deque()
        self._rep: list[RepFrame] = []
        self._trace: list[tuple[float, float]] = []
        self._trace_arr = np.zeros((0, 2))
        self._trace_n = 0
        self._side = 0
        self._crossed = False
        self._peak_incl = 0.0
        self._peak_b = 0.0
        self._rest = Rest(0.0, self.thresholds.onset_margin_deg)
        self._end_target: float | None = None
        self._settling = False
        self._settle_outcome: Outcome = "complete"
        self._below_since = _NAN
        self._settle_min = math.inf
        self._settle_min_i = 0
        self._speed = TrunkSpeed(self.thresholds.live_speed_window_s, self.thresholds.max_gap_s)
        self._records: list[RepRecord] = []
        self._aborted: list[RepRecord] = []

    # ----------------------------------------------------------------- reading
    @property
    def state(self) -> RepState:
        """Current state."""
        return self._state

    @property
    def phase(self) -> str:
        """Current state's name, as written to ``frames.csv``."""
        return self._state.value

    @property
    def armed(self) -> bool:
        """The trunk has been upright since calibration or a long loss, so a rep may start."""
        return self._armed

    @property
    def rep_in_progress(self) -> bool:
        """A rep is under way (including while paused within it)."""
        return bool(self._rep)

    @property
    def direction(self) -> Direction | None:
        """Direction of the rep in progress, once its first side is known."""
        if not self._rep or self._side == 0:
            return None
        return "right_first" if self._side > 0 else "left_first"

    @property
    def current_start_s(self) -> float | None:
        """Backdated start of the rep in progress (s), None if none."""
        return self._rep[0].t if self._rep else None

    @property
    def current_trace(self) -> NDArray[np.float64]:
        """``(k, 2)`` lateral and forward degrees of the rep in progress (valid frames)."""
        if len(self._trace) != self._trace_n:
            self._trace_arr = np.asarray(self._trace, dtype=np.float64).reshape(-1, 2)
            self._trace_n = len(self._trace)
        return self._trace_arr

    @property
    def last_trace(self) -> NDArray[np.float64] | None:
        """``(k, 2)`` trace of the last complete rep, None before the first."""
        for rec in reversed(self._records):
            if rec.complete:
                return rec.frames.trace
        return None

    @property
    def records(self) -> list[RepRecord]:
        """Complete and incomplete reps, in order (a copy)."""
        return list(self._records)

    @property
    def reps(self) -> list[RepRecord]:
        """Complete reps only."""
        return [r for r in self._records if r.complete]

    @property
    def aborted(self) -> list[RepRecord]:
        """Aborted attempts (never counted as reps)."""
        return list(self._aborted)

    @property
    def complete_count(self) -> int:
        """Number of complete reps."""
        return sum(r.complete for r in self._records)

    def snapshot(self) -> LiveSnapshot:
        """What is happening now (for live cues and the overlay)."""
        f = self._last_valid
        src = self._last_input
        t = src.t if src else _NAN
        return LiveSnapshot(
            time_s=t,
            state=self._state.value,
            direction=self.direction,
            rep_in_progress=self.rep_in_progress,
            complete_reps=self.complete_count,
            lateral_deg=f.lat if f else _NAN,
            forward_deg=f.fwd if f else _NAN,
            inclination_deg=f.incl if f else _NAN,
            phi_deg=phase_angle_one(f.lat, f.fwd) if f else _NAN,
            speed_deg_s=self._speed.deg_s,
            state_elapsed_s=t - self._state_since if src else 0.0,
            pelvis_shift_cm=src.shift if src else _NAN,
            pelvis_tilt_deg=src.tilt if src else _NAN,
            knee_flexion_deg=src.knee if src else _NAN,
        )

    # ----------------------------------------------------------------- control
    def set_calibrated(self) -> list[RepEvent]:
        """End calibration: from now on reps count (after the trunk is seen upright)."""
        if self._state is not RepState.CALIBRATING:
            return []
        events: list[RepEvent] = []
        t = self._last_t if self._last_t is not None else 0.0
        self._set_state(RepState.READY, t, events)
        self._armed = False
        return events

    def recalibrate(self) -> list[RepEvent]:
        """Go back to ``calibrating`` (e.g. the camera moved); a rep in progress ends first.

        Finished reps are kept; call :meth:`set_calibrated` once the new neutral is set.
        """
        events = self.finish()
        t = self._last_t if self._last_t is not None else 0.0
        self._set_state(RepState.CALIBRATING, t, events)
        self._pre.clear()
        self._armed = False
        return events

    def finish(self) -> list[RepEvent]:
        """End of input: close a rep in progress (complete if it was settling, else incomplete)."""
        events: list[RepEvent] = []
        if not self._rep or self._last_t is None:
            return events
        t = self._last_t
        if self._settling:
            self._end_rep(self._settle_end_index(), self._settle_outcome, t, events)
        else:
            last = max(i for i, f in enumerate(self._rep) if f.valid)
            self._end_rep(last, "incomplete", t, events, cut_short=True)
        return events

    # --------------------------------------------------------------- per frame
    def update(
        self,
        time_s: float,
        lateral_deg: float,
        forward_deg: float,
        valid: bool = True,
        *,
        pelvis_shift_cm: float = _NAN,
        pelvis_tilt_deg: float = _NAN,
        knee_flexion_deg: float = _NAN,
    ) -> list[RepEvent]:
        """Feed one frame; return what happened on it.

        Args:
            time_s: Frame time (s), strictly increasing.
            lateral_deg: Calibrated, filtered lateral flexion (deg, positive to the
                person's right).
            forward_deg: Calibrated, filtered forward flexion (deg, positive forward).
            valid: False when the person is lost or occluded (``paused``); a NaN
                angle also makes the frame invalid, but the person counts as
                seen (``untracked``).
            pelvis_shift_cm: Pelvis shift from neutral (cm, either sign), NaN if unknown.
            pelvis_tilt_deg: Pelvis tilt from neutral (deg, either sign), NaN if unknown.
            knee_flexion_deg: Knee flexion (deg, 0 straight), NaN if unknown.

        Returns:
            Events, in order (often none).

        Raises:
            ValidationError: If ``time_s`` is not finite or not after the last frame's.
        """
        t = float(time_s)
        if not math.isfinite(t) or (self._last_t is not None and t <= self._last_t):
            raise ValidationError(
                f"Frame times must be finite and strictly increasing: got {t} after {self._last_t}."
            )
        if math.isnan(self._state_since):
            self._state_since = t
        self._last_t = t
        lat, fwd = float(lateral_deg), float(forward_deg)
        ok = bool(valid) and math.isfinite(lat) and math.isfinite(fwd)
        unit = trunk_direction_one(lat, fwd) if ok else None
        incl = math.degrees(math.acos(max(-1.0, min(1.0, unit[2])))) if unit else _NAN
        frame = RepFrame(
            t,
            lat if ok else _NAN,
            fwd if ok else _NAN,
            ok,
            float(pelvis_shift_cm),
            float(pelvis_tilt_deg),
            float(knee_flexion_deg),
            incl,
        )
        self._last_input = frame
        events: list[RepEvent] = []
        if unit is not None:
            self._last_valid = frame
            self._speed.add(t, unit)
        if self._state is RepState.CALIBRATING:
            return events
        if not ok:
            self._on_invalid(frame, bool(valid), events)
            return events
        if self._state in _UNSEEN:
            gap = t - self._last_valid_t_before(frame)
            if gap > self.thresholds.max_gap_s:
                self._pre.clear()
                self._armed = False
            self._set_state(self._resume_state, t, events)
        if self._rep:
            self._rep.append(frame)
            self._trace.append((frame.lat, frame.fwd))
            if self._settling:
                self._settle(frame, events)
            else:
                self._in_rep(frame, events)
        else:
            self._idle(frame, events)
        return events

    # ---------------------------------------------------------------- internals
    def _last_valid_t_before(self, frame: RepFrame) -> float:
        for f in reversed(self._rep or self._pre):
            if f.valid and f.t < frame.t:
                return f.t
        return self._paused_at

    def _set_state(self, new: RepState, t: float, events: list[RepEvent]) -> None:
        if new is self._state:
            return
        events.append(RepEvent("state", t, new, previous=self._state))
        self._state = new
        self._state_since = t

    def _on_invalid(self, frame: RepFrame, seen: bool, events: list[RepEvent]) -> None:
        th = self.thresholds
        if self._state not in _UNSEEN:
            self._paused_at = self._last_valid.t if self._last_valid else frame.t
            if self._settling:
                # Already back upright: the rep is over, only the settling is unseen.
                self._end_rep(self._settle_end_index(), self._settle_outcome, frame.t, events)
            self._resume_state = RepState.READY if self._state is RepState.ABORTED else self._state
        self._set_state(RepState.UNTRACKED if seen else RepState.PAUSED, frame.t, events)
        if self._rep:
            self._rep.append(frame)
            last_valid = max(f.t for f in self._rep if f.valid)
            if frame.t - last_valid > th.max_gap_s:
                last = max(i for i, f in enumerate(self._rep) if f.valid)
                self._end_rep(last, "incomplete", frame.t, events, set_state=False)
                self._resume_state = RepState.READY
                self._armed = False

    def _idle(self, frame: RepFrame, events: list[RepEvent]) -> None:
        th = self.thresholds
        if self._state is RepState.ABORTED and frame.t - self._state_since >= th.aborted_display_s:
            self._set_state(RepState.READY, frame.t, events)
        self._pre.append(frame)
        while self._pre and frame.t - self._pre[0].t > th.pre_buffer_s:
            self._pre.popleft()
        if frame.incl < th.enter_upright_deg:
            self._armed = True
        if self._armed and frame.incl > th.leave_upright_deg:
            self._start_rep(frame, events)

    def _start_rep(self, frame: RepFrame, events: list[RepEvent]) -> None:
        th = self.thresholds
        pre = list(self._pre)
        self._rest = rest_before(
            pre, th.enter_upright_deg, th.onset_margin_deg, th.onset_noise_factor
        )
        start = rep_start_index(pre, self._rest, th.onset_max_extrapolation_s)
        self._rep = pre[start:]
        self._trace = [(f.lat, f.fwd) for f in self._rep if f.valid]
        self._pre.clear()
        self._side = 0
        self._crossed = False
        self._peak_incl = 0.0
        self._peak_b = 0.0
        self._settling = False
        events.append(RepEvent("rep_started", frame.t, RepState.SIDE_A, start_s=self._rep[0].t))
        self._set_state(RepState.SIDE_A, frame.t, events)
        self._in_rep(frame, events)

    def _in_rep(self, frame: RepFrame, events: list[RepEvent]) -> None:
        th = self.thresholds
        t, incl = frame.t, frame.incl
        self._peak_incl = max(self._peak_incl, incl)
        state = self._state
        if incl < th.enter_upright_deg:
            self._settling = True
            self._settle_outcome = "complete" if self._crossed else "aborted"
            self._below_since = t
            self._settle_min = incl
            self._settle_min_i = len(self._rep) - 1
            self._end_target = None
            self._set_state(RepState.RETURNING, t, events)
            self._settle(frame, events)
            return
        if state is RepState.SIDE_B:
            self._peak_b = max(self._peak_b, incl)
            if incl < th.return_fraction * self._peak_b:
                self._set_state(RepState.RETURNING, t, events)
                return
        elif state is RepState.RETURNING:
            if incl > th.return_leave_fraction * self._peak_b:
                self._set_state(RepState.SIDE_B, t, events)
            return
        if incl < th.phi_min_inclination_deg:
            return  # phi is not trusted this close to upright
        phi = phase_angle_one(frame.lat, frame.fwd)
        if self._side == 0:
            if phi <= th.side_band_deg:
                self._side = 1
            elif phi >= 180.0 - th.side_band_deg:
                self._side = -1
        in_front = (
            abs(phi - 90.0) <= th.front_enter_band_deg and frame.fwd >= th.front_min_forward_deg
        )
        if self._side == 0:
            if in_front and state is RepState.SIDE_A:
                self._set_state(RepState.FRONT, t, events)
            return
        q = (phi - 90.0) * self._side  # -90 at side A, 0 at the front, +90 at side B
        if state is RepState.SIDE_A:
            if in_front:
                self._set_state(RepState.FRONT, t, events)
        elif state is RepState.FRONT:
            if q >= th.front_leave_band_deg:
                self._peak_b = incl
                self._crossed = True
                self._set_state(RepState.SIDE_B, t, events)
            elif q <= -th.front_leave_band_deg:
                self._set_state(RepState.SIDE_A, t, events)
        elif state is RepState.SIDE_B and in_front:
            self._set_state(RepState.FRONT, t, events)

    def _settle_end_index(self) -> int:
        """Best end of the settling rep so far (:func:`settle_end_index`)."""
        falling = None
        if self._end_target is None:
            falling = falling_flank_end(self._rep, self.thresholds.leave_upright_deg, self._rest)
        return settle_end_index(self._rep, self._end_target, self._settle_min_i, falling)

    def _settle(self, frame: RepFrame, events: list[RepEvent]) -> None:
        th = self.thresholds
        i = len(self._rep) - 1
        moving_on = frame.incl > th.leave_upright_deg
        if self._end_target is None and frame.incl <= self._rest.threshold:
            # Back at rest: extrapolate the falling flank to where it meets rest.
            te = falling_flank_end(self._rep, th.leave_upright_deg, self._rest)
            te = frame.t if te is None else te
            self._end_target = max(frame.t, min(te, frame.t + th.onset_max_extrapolation_s))
        if self._end_target is not None:
            if frame.t >= self._end_target or moving_on:
                end = self._settle_end_index() if not moving_on else max(0, i - 1)
                self._end_rep(end, self._settle_outcome, frame.t, events)
                if moving_on:
                    self._start_rep(frame, events)
            return
        if frame.incl < self._settle_min - th.settle_stall_deg:
            self._settle_min = frame.incl
            self._settle_min_i = i
        stalled = frame.t - self._rep[self._settle_min_i].t >= th.settle_stall_s
        timed_out = frame.t - self._below_since >= th.settle_timeout_s
        moving_on = frame.incl > th.leave_upright_deg
        if stalled or timed_out or moving_on:
            self._end_rep(self._settle_end_index(), self._settle_outcome, frame.t, events)
            if moving_on:  # the next rep began before this one settled
                self._start_rep(frame, events)

    def _end_rep(
        self,
        last: int,
        outcome: Outcome,
        t: float,
        events: list[RepEvent],
        *,
        set_state: bool = True,
        cut_short: bool = False,
    ) -> None:
        """Close the rep at frame index ``last``; later frames go back to the upright buffer.

        ``cut_short``: the input ended during the rep (:attr:`RepRecord.cut_short`).
        """
        th = self.thresholds
        frames, rest = self._rep[: last + 1], self._rep[last + 1 :]
        self._rep = []
        self._trace = []
        self._settling = False
        self._pre = deque(f for f in rest if f.valid)
        if set_state:
            self._armed = True
        record = None
        n_valid = sum(f.valid for f in frames)
        if n_valid >= 2 and (outcome == "complete" or self._peak_incl >= th.min_attempt_peak_deg):
            store = self._aborted if outcome == "aborted" else self._records
            record = rep_record(
                frames, outcome, self._side, len(store) + 1, self.metric_config, self.score_config
            )
            if cut_short and outcome == "incomplete":
                record = replace(record, cut_short=True)
        if record is not None:
            kind: EventKind = (
                "rep_completed"
                if outcome == "complete"
                else "rep_aborted"
                if outcome == "aborted"
                else "rep_incomplete"
            )
            after = RepState.ABORTED if outcome == "aborted" else RepState.READY
            events.append(RepEvent(kind, t, after if set_state else self._state, record=record))
            if outcome == "aborted":
                self._aborted.append(record)
            else:
                self._records.append(record)
        if set_state:
            new = RepState.ABORTED if record and outcome == "aborted" else RepState.READY
            self._set_state(new, t, events)
