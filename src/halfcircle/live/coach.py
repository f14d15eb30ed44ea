"""The live coach's logic: positioning advice and what to show on each frame (data, no drawing)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from halfcircle.analyze.camerapitch import (
    LevelGuide,
    LevelMeter,
    PitchEstimate,
    StanceFrames,
    level_guide,
    pitch_used,
)
from halfcircle.coaching.reps import RepEvent, RepRecord
from halfcircle.coaching.session import FrameState, SessionLoop, torso_in_view
from halfcircle.config import Settings
from halfcircle.kinematics.measure import AngleSample, StreamingKinematics
from halfcircle.landmarks import PoseFrame
from halfcircle.live.options import (
    CALIBRATED_SHOW_S,
    COUNTDOWN_S,
    Stage,
)

_MIN_VISIBILITY: Final = 0.5

#: Shown for ``CALIBRATED_SHOW_S`` after the calibration, until the first movement.
CALIBRATED_MESSAGE: Final = "Calibrated. Start your half circles when ready."
#: Shown while a recalibration waits for the person to stand upright again: their
#: trunk is further from the upright of the calibration it replaces than a stance may
#: be (:attr:`~halfcircle.kinematics.measure.StreamingKinematics.leaning`).
UPRIGHT_MESSAGE: Final = "Stand upright against the wall, knees soft."
#: Shown for ``CALIBRATED_SHOW_S`` once the first deep bend showed the pose model had
#: read the view the wrong way round (by the view then named: back, or any other).
REVERSED_MESSAGES: Final = {
    "back": "You are filmed from behind: now measured that way. "
    "A camera in front of you measures more reliably.",
    "other": "Your left and right are now read the right way round.",
}


#: Landmark indices of the nose, the shoulders and the hips.
_NOSE, _SHOULDERS, _HIPS = 0, (11, 12), (23, 24)
#: Fraction of the frame height kept free at the top and bottom edges.
_EDGE: Final = 0.02


#: Smallest shoulder-to-hip height, as a fraction of the frame height.
_MIN_TORSO: Final = 0.12


#: The torso's centre must lie within this band of the frame width.
_CENTRE_BAND: Final = (0.15, 0.85)


# ------------------------------------------------------------------------ guidance
def positioning_advice(pose: PoseFrame | None) -> str | None:
    """What the person should change so that head to hips are seen; None when fine.

    Args:
        pose: The latest pose (normalised image coordinates, y down), or None.
    """
    if pose is None or not pose.detected:
        return "Step into view: the camera should see you from head to hips."
    vis = np.nan_to_num(pose.visibility, nan=0.0)
    xy = pose.image[:, :2]

    def seen(i: int) -> bool:
        return bool(
            vis[i] >= _MIN_VISIBILITY
            and np.all(np.isfinite(xy[i]))
            and _EDGE <= xy[i, 1] <= 1 - _EDGE
            and 0.0 <= xy[i, 0] <= 1.0
        )

    if not seen(_NOSE):
        return "Your head is out of view: step back, or raise the camera and keep it level."
    if not all(seen(i) for i in _HIPS):
        return "Your hips are out of view: step back, or lower the camera and keep it level."
    if not all(seen(i) for i in _SHOULDERS):
        return "Face the camera so both shoulders are seen."
    shoulders = xy[list(_SHOULDERS)].mean(axis=0)
    hips = xy[list(_HIPS)].mean(axis=0)
    if hips[1] - shoulders[1] < _MIN_TORSO:
        return "Come a little closer to the camera."
    centre = float((shoulders[0] + hips[0]) / 2)
    if not _CENTRE_BAND[0] <= centre <= _CENTRE_BAND[1]:
        return "Move towards the middle of the picture."
    if pose.n_people > 1:
        return "Only one person in view, please."
    return None


class PicturePitch:
    """The camera's pitch told from the picture during a live calibration stance.

    A camera loop shows it every frame it poses (:meth:`see`) until the stream
    has calibrated; then :meth:`after` estimates the pitch from a few frames of
    the stance (:class:`halfcircle.analyze.camerapitch.StanceFrames`) and, when the
    picture tells it well enough, recalibrates the kinematics with it
    (:meth:`halfcircle.kinematics.measure.StreamingKinematics.set_camera_tilt`).

    Until then, an on-screen level reads the room's lines about once a second
    (:class:`halfcircle.analyze.camerapitch.LevelMeter`), for a person who adjusts
    the camera while getting into place.

    Attributes:
        record: How the pitch was obtained (``how``: ``"from the picture"`` or
            ``"assumed level"``, ``camera_tilt_deg``, the estimate's fields), None
            until the stance was found.
        estimate: The estimate, None until then.
        level: What the on-screen level shows now: the meter's latest reading while
            setting up, then the stance's (its ``needs_phone`` offers the phone-level
            step); None before the first reading.
    """

    def __init__(self) -> None:
        self.frames = StanceFrames()
        self.record: dict[str, Any] | None = None
        self.estimate: PitchEstimate | None = None
        self.meter = LevelMeter()
        self.level: LevelGuide | None = None

    def see(self, time_s: float, image: NDArray[np.uint8], pose: PoseFrame | None = None) -> None:
        """A frame given to the pose model (kept while the stance is being looked for)."""
        if self.record is None:
            self.frames.add(time_s, image)
            guide = self.meter.update(time_s, image, pose)
            if guide is not None:
                self.level = guide

    def after(self, kinematics: StreamingKinematics) -> dict[str, Any] | None:
        """Once ``kinematics`` has calibrated on a stance: tell the pitch (once); its record."""
        if self.record is not None or kinematics.calibration is None:
            return None
        stance = kinematics.stance_frames
        if not stance:
            return None
        self.estimate = self.frames.pitch(stance, kinematics.image_size)
        self.level = level_guide(self.estimate)
        tilt, self.record = pitch_used(self.estimate, kinematics.calibration.view.kind)
        if tilt:
            kinematics.set_camera_tilt(tilt)
        self.frames.clear()
        return self.record

    def reset(self, kinematics: StreamingKinematics) -> None:
        """Ask the picture again at the next stance (the camera may have moved)."""
        if self.record is not None and self.record["camera_tilt_deg"]:
            kinematics.set_camera_tilt(0.0)
        self.record = self.estimate = self.level = None
        self.meter = LevelMeter()
        self.frames.clear()


@dataclass(frozen=True)
class CoachFrame:
    """What the coach made of one pose.

    Attributes:
        sample: The frame's angles (streaming, One Euro filtered).
        state: Phase, reps, score and cue from the session loop.
        events: Rep events of this frame.
        stage: ``position``, ``calibrate`` or ``practice``.
        message: The guidance or cue to show in large type, or None.
        rep: 1-based number of the rep in progress, 0 outside reps.
        level: The on-screen level while the camera's pitch is asked of the picture
            (:attr:`PicturePitch.level`), None otherwise.
    """

    sample: AngleSample
    state: FrameState
    events: list[RepEvent]
    stage: Stage
    message: str | None
    rep: int
    level: LevelGuide | None = None

    @property
    def setup_level(self) -> LevelGuide | None:
        """The camera level to draw on this frame: :attr:`level` while setting up, else None.

        Drawn while the person gets into place and stands for the calibration (the
        camera's pitch asked of the picture, read about once a second); once calibrated,
        the words say the rest ("Calibrated. ..." offers the phone-level step).
        """
        return self.level if self.stage != "practice" else None


class LiveCoach:
    """Angles, reps, cues and guidance, one pose at a time (no I/O, no drawing).

    Args:
        image_size: ``(width, height)`` of the frames in pixels.
        camera_tilt_deg: How far the camera looks down (deg, 0 level).
        settings: The thresholds of every stage (defaults when None).
        pitch_from_picture: No tilt was given or remembered: tell it from the
            picture at the calibration stance (:class:`PicturePitch`; the frames
            come with :meth:`update`).
    """

    def __init__(
        self,
        image_size: tuple[int, int],
        camera_tilt_deg: float = 0.0,
        settings: Settings | None = None,
        pitch_from_picture: bool = False,
    ) -> None:
        self.image_size = image_size
        self.picture = PicturePitch() if pitch_from_picture else None
        self.settings = settings or Settings()
        self.kinematics = StreamingKinematics(
            image_size, self.settings.kinematics_for(camera_tilt_deg)
        )
        self.loop = SessionLoop(self.settings)
        self.earlier_records: list[RepRecord] = []
        self.earlier_aborted: list[RepRecord] = []
        self._positioned_since: float | None = None
        self._calibrated_at: float | None = None
        self._moved = False  # the person left upright since the calibration
        self._n_events = 0
        self._loop_from_s = -math.inf
        self._reversed_at: float | None = None
        self.last_time_s: float | None = None

    @property
    def calibrated(self) -> bool:
        """Whether the neutral stance has been found."""
        return self.kinematics.calibration is not None

    @property
    def records(self) -> list[RepRecord]:
        """Complete and incomplete reps of the whole session (across resets)."""
        return self.earlier_records + self.loop.records

    @property
    def aborted(self) -> list[RepRecord]:
        """Aborted attempts of the whole session (across resets)."""
        return self.earlier_aborted + self.loop.aborted

    @property
    def camera_tilt_deg(self) -> float:
        """The camera tilt the angles are measured with now (deg down, 0 level)."""
        return float(self.kinematics.config.calibration.camera_tilt_deg)

    def update(self, pose: PoseFrame, image: NDArray[np.uint8] | None = None) -> CoachFrame:
        """Measure one pose (time order) and decide what to show.

        ``image``: the frame it was posed on, which tells the camera's pitch at the
        stance when asked (``pitch_from_picture``).
        """
        t = float(pose.time_s)
        was_calibrated = self.calibrated
        if self.picture is not None and image is not None:
            self.picture.see(t, image, pose)
        sample = self.kinematics.update(pose)
        redo = self.kinematics.take_remeasured()
        if redo:
            self._count_again(redo)
            self._reversed_at = t
        state = self.loop.update(sample, _in_view(pose))
        self.last_time_s = t
        if self.calibrated and not was_calibrated:
            self._calibrated_at = t
            if self.picture is not None:
                self.picture.after(self.kinematics)
        advice = positioning_advice(pose)
        if advice is None:
            if self._positioned_since is None:
                self._positioned_since = t
        else:
            self._positioned_since = None
        stage: Stage
        if self.calibrated:
            stage = "practice"
            message = state.cue
            # "Start ... when ready" is true until the first movement starts, not after.
            self._moved = self._moved or state.phase != "ready"
            if (
                message is None
                and self._calibrated_at is not None
                and t - self._calibrated_at < CALIBRATED_SHOW_S
                and not self._moved
            ):
                message = CALIBRATED_MESSAGE
                level = self.picture.level if self.picture is not None else None
                if level is not None and level.needs_phone:
                    message = f"Calibrated. {level.message}"
            if (
                message is None
                and self._reversed_at is not None
                and t - self._reversed_at < CALIBRATED_SHOW_S
            ):
                calib = self.kinematics.calibration
                back = calib is not None and calib.view.kind == "back"
                message = REVERSED_MESSAGES["back" if back else "other"]
        elif advice is not None:
            stage, message = "position", advice
        elif self.kinematics.leaning:  # a recalibration, during a bend: not yet
            stage, message = "calibrate", UPRIGHT_MESSAGE
            self._positioned_since = t  # the countdown starts once upright
        else:
            stage = "calibrate"
            assert self._positioned_since is not None
            left = COUNTDOWN_S - (t - self._positioned_since)
            message = (
                f"Stand still against the wall, knees soft: {math.ceil(left)}"
                if left > 0
                else "Hold still against the wall..."
            )
        rep = len(self.loop.records) + 1 if state.trace_from_s is not None else 0
        level = self.picture.level if self.picture is not None else None
        return CoachFrame(sample, state, self._new_events(), stage, message, rep, level)

    def finish(self) -> list[RepEvent]:
        """End of the session: close a rep in progress; return its events."""
        if self.last_time_s is not None:
            self.loop.finish(self.last_time_s)
        return self._new_events()

    def recalibrate(self) -> list[RepEvent]:
        """Look for a new neutral stance (the camera moved, or the person asked).

        Returns:
            The events of a rep cut short by it.
        """
        self.kinematics.recalibrate()
        if self.picture is not None:
            self.picture.reset(self.kinematics)
        self.loop.recalibrate()
        self._calibrated_at = self._reversed_at = None
        self._moved = False
        self._positioned_since = None
        return self._new_events()

    def reset(self) -> list[RepEvent]:
        """Start the count again (keeps the calibration and the session's reps).

        Returns:
            The events of closing the rep in progress, if any.
        """
        events = self.finish()
        self.earlier_records += self.loop.records
        self.earlier_aborted += self.loop.aborted
        self.loop = SessionLoop(self.settings)
        self._n_events = 0
        self._loop_from_s = self.last_time_s if self.last_time_s is not None else -math.inf
        return events

    def _count_again(self, redo: list[tuple[PoseFrame, AngleSample]]) -> None:
        """Count this loop's frames again as the kinematics now read them (found reversed).

        The events the first count gave were already shown; the new count's are
        not given again.
        """
        self.loop = SessionLoop(self.settings)
        for frame, sample in redo:
            if frame.time_s > self._loop_from_s:
                self.loop.update(sample, _in_view(frame))
        self._n_events = len(self.loop.events)

    def ideal_deg(self) -> tuple[float, float]:
        """Peaks of the guide half circle: the person's best so far, at least 30/60 deg."""
        done = [r for r in self.records if r.complete]
        lat = max([r.metrics.peak_lateral_right_deg for r in done] + [30.0])
        fwd = max([r.metrics.peak_forward_deg for r in done] + [60.0])
        return (lat if math.isfinite(lat) else 30.0, fwd if math.isfinite(fwd) else 60.0)

    def _new_events(self) -> list[RepEvent]:
        events = self.loop.events[self._n_events :]
        self._n_events = len(self.loop.events)
        return events


def _in_view(pose: PoseFrame) -> bool:
    """Whether the person's torso is in the picture (:func:`torso_in_view` of one pose)."""
    return bool(torso_in_view(pose.image[None], np.array([pose.detected]))[0])
