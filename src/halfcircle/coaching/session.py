"""One coaching session's logic, frame by frame: reps, phases and cues.

:class:`SessionLoop` wires the rep state machine and the cue selector together,
and is fed one :class:`~halfcircle.kinematics.measure.AngleSample` per frame. ``analyze``
replays a whole recording through it; the live view feeds it as frames arrive.
The same object in both places is what makes live and offline agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from halfcircle.coaching.cues import (
    CueConfig,
    CueSelector,
    live_cue_rules,
    live_cues,
    record_cues,
)
from halfcircle.coaching.drills import attempt_drill
from halfcircle.coaching.reps import RepCounter, RepEvent, RepRecord, RepThresholds
from halfcircle.coaching.scoring import MetricConfig, ScoreConfig
from halfcircle.kinematics.geometry import TORSO
from halfcircle.kinematics.measure import AngleSample, KinematicsSeries


class SessionSettings(Protocol):
    """The stage settings a session reads; :class:`halfcircle.config.Settings` has them."""

    @property
    def reps(self) -> RepThresholds:
        """The rep state machine's thresholds."""
        ...

    @property
    def metrics(self) -> MetricConfig:
        """Per-rep metrics."""
        ...

    @property
    def score(self) -> ScoreConfig:
        """The 0-100 score."""
        ...

    @property
    def cues(self) -> CueConfig:
        """Cue pacing."""
        ...


@dataclass(frozen=True)
class SessionConfig:
    """The defaults of every stage a session reads (its part of the settings file)."""

    reps: RepThresholds = field(default_factory=RepThresholds)
    metrics: MetricConfig = field(default_factory=MetricConfig)
    score: ScoreConfig = field(default_factory=ScoreConfig)
    cues: CueConfig = field(default_factory=CueConfig)


@dataclass(frozen=True)
class FrameState:
    """What the session shows on one frame.

    Attributes:
        phase: Rep state name (``calibrating``, ``ready``, ``side_a``, ``front``, ...,
            ``paused`` when the person is lost, ``untracked`` when seen but not measured).
        reps: Complete reps so far.
        score: Score of the last complete rep (0-100), or None.
        cue: The cue on display, or None.
        trace_from_s: Start time of the rep in progress (s), or None.
        drills: Side bends and roll-downs so far: attempts that came back before the
            front with a drill's peaks (:func:`~halfcircle.coaching.drills.attempt_drill`),
            counted beside ``reps`` on the live view.
    """

    phase: str
    reps: int
    score: float | None
    cue: str | None
    trace_from_s: float | None
    drills: int = 0


class SessionLoop:
    """Rep counting and cueing for one stream of angle samples.

    Args:
        settings: The rep thresholds, metric, score and cue settings it uses
            (defaults if None).
        calibrated_from_s: Time (s) from which reps may count, or None to wait for
            samples that say they are calibrated (the live path).
    """

    def __init__(
        self, settings: SessionSettings | None = None, calibrated_from_s: float | None = None
    ) -> None:
        self.settings: SessionSettings = settings or SessionConfig()
        self.counter = RepCounter(
            self.settings.reps,
            metric_config=self.settings.metrics,
            score_config=self.settings.score,
        )
        self.cues = CueSelector.from_config(self.settings.cues)
        self._live_rules = live_cue_rules(self.settings.metrics)
        self._calibrated_from_s = calibrated_from_s
        self._last_score: float | None = None
        self._lost_in_rep = False  # the person left the view during the rep in progress
        self._drills = 0  # attempts that were side bends or roll-downs
        #: Indices of incomplete reps whose person stayed in view (unreadable, not lost).
        self.followed_in_view: set[int] = set()
        self.events: list[RepEvent] = []

    def update(self, sample: AngleSample, in_view: bool | None = None) -> FrameState:
        """Feed one frame's angles (time order); return what to show on it.

        ``in_view``: the person's torso is inside the picture (:func:`torso_in_view`),
        None when not known. A frame whose trunk was not measured with the person
        in view (deep flexion folds the body out of the model's reach) is then
        ``untracked``, not ``paused``: nobody is asked to step back into view, nor
        told they were lost, while in full view.
        """
        t = sample.time_s
        events: list[RepEvent] = []
        if self.counter.state == "calibrating" and self._may_count(sample):
            events += self.counter.set_calibrated()
        seen = sample.valid or bool(in_view)
        events += self.counter.update(
            t,
            sample.lateral_deg if sample.valid else math.nan,
            sample.forward_deg if sample.valid else math.nan,
            valid=seen,
            pelvis_shift_cm=sample.pelvis_shift_cm,
            pelvis_tilt_deg=sample.pelvis_tilt_deg,
            knee_flexion_deg=sample.knee_flexion_deg,
        )
        return self._after(t, events)

    def finish(self, time_s: float) -> FrameState:
        """End of the stream: close a rep in progress."""
        return self._after(time_s, self.counter.finish())

    def recalibrate(self) -> None:
        """Go back to calibrating (the camera moved, or the user asked)."""
        self.events += self.counter.recalibrate()
        self._calibrated_from_s = None

    @property
    def records(self) -> list[RepRecord]:
        """Complete and incomplete reps, in order."""
        return self.counter.records

    @property
    def aborted(self) -> list[RepRecord]:
        """Attempts that went back to upright without crossing the front."""
        return self.counter.aborted

    def _may_count(self, sample: AngleSample) -> bool:
        if self._calibrated_from_s is not None:
            return sample.time_s >= self._calibrated_from_s
        return sample.calibrated

    def _after(self, t: float, events: list[RepEvent]) -> FrameState:
        for event in events:
            if event.kind == "rep_started":  # the last rep's feedback is over
                self.cues.drop_feedback(t)
                self._lost_in_rep = False
            if event.record is not None:
                r = event.record
                if not r.complete and not r.cut_short and not self._lost_in_rep:
                    self.followed_in_view.add(r.index)
                cues = record_cues(event.record, lost_sight=self._lost_in_rep)
                if event.record.outcome == "aborted" and attempt_drill(event.record):
                    # a side bend or roll-down done as such (analyze reports it as that
                    # drill rep): no "keep rolling through the front", as to a half circle
                    cues = [c for c in cues if c.id != "aborted"]
                    self._drills += 1
                self.cues.post(t, cues, ttl_s=self.settings.cues.feedback_ttl_s)
                if event.record.score is not None:
                    self._last_score = event.record.score.total
        self.events += events
        if self.counter.state == "paused" and self.counter.rep_in_progress:
            self._lost_in_rep = True
        snapshot = self.counter.snapshot()
        cue = self.cues.update(t, live_cues(snapshot, self._live_rules), snapshot.state)
        return FrameState(
            phase=self.counter.phase,
            reps=self.counter.complete_count,
            score=self._last_score,
            cue=cue.text if cue is not None else None,
            trace_from_s=self.counter.current_start_s,
            drills=self._drills,
        )


def torso_in_view(image: NDArray[np.float64], detected: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """``(n,)`` whether the shoulders and hips lie inside the picture, visible or not.

    Args:
        image: ``(n, 33, >=2)`` landmarks in normalised image coordinates (x right,
            y down, 0-1 inside the picture).
        detected: ``(n,)`` a person was found.

    The pose model places landmarks it cannot see where the body must be; outside
    0-1 when the person left the picture. So a torso inside it is a person in view
    whose trunk may still be unreadable (low visibility at deep flexion).
    """
    xy = np.asarray(image, dtype=np.float64)[:, TORSO, :2]
    with np.errstate(invalid="ignore"):
        inside = np.all((xy >= 0.0) & (xy <= 1.0), axis=(1, 2))
    return np.asarray(detected, dtype=bool) & inside


def replay(
    kin: KinematicsSeries,
    settings: SessionSettings | None = None,
    *,
    count_everywhere: bool = False,
    in_view: NDArray[np.bool_] | None = None,
) -> tuple[SessionLoop, list[FrameState]]:
    """Run a whole recording's angles through a :class:`SessionLoop`.

    Reps count from the end of the calibration window, as live; with
    ``count_everywhere`` from the first frame (the recording is zeroed as a whole,
    so a movement before the stance it was zeroed on counts too). Without a
    calibration no rep is counted (the angles have no trustworthy zero).
    ``in_view``: ``(n,)`` per frame, see :meth:`SessionLoop.update` (None: unknown).
    """
    calib = kin.calibration
    start = calib.end_s if calib is not None else np.inf
    if calib is not None and count_everywhere and len(kin):
        start = float(kin.time_s[0])
    loop = SessionLoop(settings, calibrated_from_s=float(start))
    seen = [None] * len(kin) if in_view is None else [bool(v) for v in in_view]
    states = [loop.update(kin.sample(i), seen[i]) for i in range(len(kin))]
    if len(kin):
        final = loop.finish(float(kin.time_s[-1]))
        states[-1] = final
    return loop, states


def under_way_at_start(
    kin: KinematicsSeries, thresholds: RepThresholds
) -> tuple[float, float] | None:
    """``(start_s, end_s)`` of a movement already under way when the person is first seen.

    The rep counter starts a rep only once it has seen the trunk upright (``armed``,
    :class:`~halfcircle.coaching.reps.RepCounter`), so a recording that begins in the
    middle of a movement leaves that movement uncounted. The span runs from the first
    measured frame to the first upright one (inclination below ``enter_upright_deg``,
    or the last measured frame when none is) and is returned when its inclination
    reached ``min_attempt_peak_deg``, as any attempt kept must; else None.
    """
    incl = kin.inclination_deg
    valid = np.flatnonzero(np.isfinite(incl))
    if valid.size == 0:
        return None
    upright = valid[incl[valid] < thresholds.enter_upright_deg]
    end = int(upright[0]) if upright.size else int(valid[-1])
    if end == valid[0] or np.nanmax(incl[valid[0] : end + 1]) < thresholds.min_attempt_peak_deg:
        return None
    return float(kin.time_s[valid[0]]), float(kin.time_s[end])


def rep_of_frames(time_s: NDArray[np.float64], records: list[RepRecord]) -> NDArray[np.int64]:
    """``(n,)`` 1-based index of the rep each frame belongs to, 0 outside reps."""
    rep = np.zeros(time_s.shape[0], dtype=np.int64)
    for r in records:
        rep[(time_s >= r.start_s) & (time_s <= r.end_s)] = r.index
    return rep
