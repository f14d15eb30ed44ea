"""Trunk, pelvis, knee and fingertip measures from poses: offline and streaming.

Conventions (the person's left and right, never the image's):

* ``lateral_deg``: angle of the trunk vector from vertical in the frontal plane,
  **positive when the trunk bends to the person's right**; ``atan2(r, |u|)`` of the
  trunk vector's body components ``(r, f, u)`` (stays near 0 in a toe touch past 90).
* ``forward_deg``: angle from vertical in the sagittal plane, **positive in
  flexion**; ``atan2(f, u)`` (may exceed 90 in a toe touch).
* ``inclination_deg``: total angle from vertical, in [0, 180].
* ``phi_deg``: ``atan2(forward, lateral)`` in [-90, 270): 0 at the person's right
  side, 90 at the front, 180 at the left side.
* ``rotation_deg``: axial rotation, the shoulder line against the pelvis's
  medio-lateral axis in the horizontal plane, **positive when the shoulders turn
  towards the person's left**, zeroed on the neutral stance. The pelvis axis is
  the calibrated one (the neutral hip line), not the hip line of each frame:
  MediaPipe's hip landmarks turn with the shoulders while the pelvis stays still
  (on the rendered 30 deg rotation fixture its hip line turned 10 of 40 deg to
  the left and 23 of 40 to the right), so the live hip line cancelled most of the
  twist. The baseline test asks the hips to stay still; a pelvis that turns is
  read as trunk rotation. MediaPipe also turns its whole body a little in a side
  bend, which the frame-by-frame hip line used to cancel: a side bend of 30 deg
  now reads up to about 10 deg of rotation (rendered fixture ``base_side_bends``).
  The shoulder line is measured with its image components in metres at the
  shoulders' own neutral scale and its depth from the world landmarks
  (:func:`halfcircle.kinematics.geometry.shoulder_line_camera`). The torso-wide scale of the
  fused points is 6 % off the shoulders' own on that fixture, because MediaPipe's
  image and world landmarks are proportioned differently; it cost the right turn
  1.5 deg (full model; 5 deg with the heavy one). MediaPipe's shoulders still turn
  only about three quarters of a true 40 deg, in the image as in depth, so
  rotation reads low (32 and 29 deg at 40 on that fixture).
* ``pelvis_shift_cm``: horizontal distance (cm, >= 0) the mid-hip point moved in
  the image plane since the neutral stance (a shift along the camera axis is not
  seen). ``pelvis_tilt_deg``: hip-line tilt from neutral, positive when the
  person's right hip drops.
* ``knee_flexion_deg``: 0 with straight knees, mean of the visible knees.
* ``fingertip_height_cm``: lowest fingertip above the floor (cm), negative below
  it: :mod:`halfcircle.kinematics.fingertip`'s estimator, scaled on the calibration
  stance found in the same recording or stream (NaN without one, e.g. with a
  calibration given from another session, and where the feet or hands are not
  seen). :func:`compute_kinematics` and :class:`StreamingKinematics` fill it in;
  :func:`measure` and :func:`measure_one` alone give MediaPipe's world-landmark
  height, which issue #24 found reading fingertips 15.4 cm above the floor as -6 cm.

The trunk vector is measured in the body frame of the
:class:`~halfcircle.kinematics.calibration.NeutralCalibration`: its image-plane components
from the image (in neutral trunk lengths), its depth fused from foreshortening
and MediaPipe's world depth (:func:`halfcircle.kinematics.geometry.fuse_depth`, neutral
depth bias removed). From a front view a trunk turn moves MediaPipe's far shoulder
back in depth but not its near one forward, which read as a lean back of up to
10 deg on the rendered 40 deg front-view rotation; the part of the shoulder
line's depth beyond a 10 deg turn is taken as such a turn and its half is taken
out of the trunk's depth (:func:`halfcircle.kinematics.geometry.turn_depth_shift`), which
leaves the side bends' smaller spurious shoulder depth alone. The calibration's
axes pick the estimator that suits the view (:mod:`halfcircle.kinematics.view`): from a
front or side view the angle that lies in
the image plane is read from the image alone, the other from the fused depth;
from an oblique view both mix image and depth, and a trunk that reads as leaning
back behind the neutral stance is read upright instead
(:func:`halfcircle.kinematics.geometry.limit_extension`): MediaPipe's depth misses most of a
side bend towards an oblique camera, which the image alone then reads as a
smaller side bend plus a lean back. A lean back whose world depth clearly goes
away from the camera (more than ``extension_min_depth`` trunk lengths, where
upright would need it nearer) is a real one and is kept, so it reads negative
(a rendered 20 deg lean back from 40 deg read -17 forward and 4.5 deg of side
bend; it read 0 and 19 before); a smaller one from an oblique view still reads
as a side bend towards the camera. From the front (or from behind) the sign of a
lean back came from MediaPipe's world depth alone, which can get it wrong: on a
rendered 20 deg lean back from the front it put the shoulders 2 cm nearer the
camera, and the lean read +3.5 deg. Perspective now settles the sign there where
it clearly contradicts the depth (:mod:`halfcircle.kinematics.perspective`; that
lean back reads -17.5), and a whole recording whose depth the model read the
other way round (a view from behind taken for a front view) is read the right
way round by :func:`compute_kinematics`, and live by :class:`StreamingKinematics`
from the first deep forward bend on (:class:`ReversalWatch`). Every measure comes with a
confidence in [0, 1] (landmark visibility times the view's observability) and is
NaN where it cannot be measured; lateral flexion (and with it inclination and
phi) is NaN from a view that cannot observe it, with a note saying so.

Two paths, one set of numbers:

* :func:`compute_kinematics`: whole arrays, for recorded videos; zero-phase
  Butterworth smoothing (or none).
* :class:`StreamingKinematics`: one :class:`~halfcircle.landmarks.PoseFrame` at a
  time, One Euro smoothing, calibrating itself on the first quiet stance. Its raw
  (unsmoothed) numbers equal the offline ones for the same frames and calibration,
  and it uses no clock but the frames' own timestamps, so a file fed through it
  gives exactly what the live view showed.
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import NDArray

from halfcircle.errors import ValidationError
from halfcircle.kinematics.angles import (
    inclination_deg,
    inclination_phi_one,
    phase_angle_deg,
    trunk_angles,
)
from halfcircle.kinematics.calibration import (
    CalibrationConfig,
    NeutralCalibration,
    NeutralDetector,
    calibrate_from_points,
    find_neutral_window,
    pelvis_tilt_deg,
    shoulder_yaw_deg,
    stance_features,
    turned_picture_note,
)
from halfcircle.kinematics.filters import OneEuroConfig, OneEuroFilter, lowpass_zero_phase
from halfcircle.kinematics.fingertip import (
    FingertipReference,
    fingertip_from_reference,
    fingertip_one,
    stance_reference,
)
from halfcircle.kinematics.geometry import (
    L_ANKLE,
    L_FOOT,
    L_HEEL,
    L_HIP,
    L_INDEX,
    L_KNEE,
    L_SHOULDER,
    R_ANKLE,
    R_FOOT,
    R_HEEL,
    R_HIP,
    R_INDEX,
    R_KNEE,
    R_SHOULDER,
    TORSO,
    FloatArray,
    fuse_depth,
    fused_points,
    image_pixels,
    limit_extension,
    shoulder_line_camera,
    shoulder_line_front,
    turn_depth_shift,
)
from halfcircle.kinematics.perspective import (
    REVERSAL_MIN_DEPTH,
    REVERSAL_MIN_FRAMES,
    assumed_focal_px,
    depth_reversed,
    reverse_depth,
    reverse_frame,
    settle_trunk_depth,
    settle_trunk_depth_one,
    turn_error_log,
    turn_error_log_one,
    width_ratio_log,
    width_ratio_log_one,
)
from halfcircle.kinematics.tracking import (
    JUMP_NOISE_DEG,
    MAX_TRUNK_SPEED_DEG_S,
    JumpGuard,
    SwapTracker,
    bridge_or_mark,
    interpolate_over,
    jump_outliers,
    repair_swaps,
)
from halfcircle.kinematics.view import ViewEstimate, camera_axes_for_azimuth
from halfcircle.landmarks import PoseFrame, PoseSequence

__all__ = [
    "CHANNELS",
    "AngleSample",
    "KinematicsConfig",
    "KinematicsSeries",
    "StreamingKinematics",
    "compute_kinematics",
    "measure",
    "measure_one",
    "provisional_calibration",
    "stream_kinematics",
]

Smoothing = Literal["butterworth", "none"]

#: Measures that are smoothed (inclination and phi are derived from the smoothed trunk).
CHANNELS: Final[tuple[str, ...]] = (
    "lateral_deg",
    "forward_deg",
    "rotation_deg",
    "pelvis_shift_cm",
    "pelvis_tilt_deg",
    "knee_flexion_deg",
    "fingertip_height_cm",
)

#: Lateral flexion fades out between these trunk inclinations (cosines).
_COS_LATERAL_END: Final = math.cos(math.radians(75.0))
_LATERAL_FADE: Final = 1.0 / (math.cos(math.radians(60.0)) - _COS_LATERAL_END)
#: Channels smoothed: the measures, plus inclination (used where lateral is not reported).
_SMOOTHED: Final = (*CHANNELS, "inclination_deg")
_LEG_HIPS: Final = np.array([L_HIP, R_HIP])
_KNEES: Final = np.array([L_KNEE, R_KNEE])
_ANKLES: Final = np.array([L_ANKLE, R_ANKLE])
_FEET: Final = np.array([L_HEEL, R_HEEL, L_FOOT, R_FOOT])
_TORSO_LIST: Final = (L_SHOULDER, R_SHOULDER, L_HIP, R_HIP)
_LEG_LIST: Final = ((L_HIP, L_KNEE, L_ANKLE), (R_HIP, R_KNEE, R_ANKLE))
_FEET_LIST: Final = (L_HEEL, R_HEEL, L_FOOT, R_FOOT)
_HANDS_LIST: Final = (L_INDEX, R_INDEX)
_USED: Final = (*_TORSO_LIST, L_KNEE, R_KNEE, L_ANKLE, R_ANKLE, *_FEET_LIST, *_HANDS_LIST)
_HANDS: Final = np.array([L_INDEX, R_INDEX])
#: Deep-bend frames after which a live stream that has not been found reversed is
#: taken as read (:class:`ReversalWatch`): a second's worth at 30 fps.
REVERSAL_DECIDE_FRAMES: Final = 3 * REVERSAL_MIN_FRAMES
#: Seconds of frames before a live stream is found reversed that are measured again.
REVERSAL_REPLAY_S: Final = 30.0


@dataclass(frozen=True)
class KinematicsConfig:
    """Settings of the kinematics stage.

    Attributes:
        calibration: How the neutral stance is found and used.
        min_visibility: Visibility a landmark needs to be used, in [0, 1].
        full_confidence_visibility: Visibility at which confidence reaches 1.
        one_euro: Streaming smoothing of every channel.
        lowpass_cutoff_hz: Offline Butterworth cut-off (Hz).
        max_gap_s: Longest gap bridged by interpolation offline, and bridged by
            the streaming filters (s).
        length_sigma: Relative error of the trunk's image length (foreshortening),
            see :func:`halfcircle.kinematics.geometry.fuse_depth`.
        depth_noise: Error of MediaPipe's world depth of the trunk near zero, in
            neutral trunk lengths.
        depth_scale_error: Relative error of MediaPipe's world depth of the trunk.
        shoulder_length_sigma: Relative error of the shoulder line's image length,
            with which axial rotation is read from a front view
            (:func:`halfcircle.kinematics.geometry.shoulder_line_front`; its depth noise and
            scale error are the trunk's, in shoulder lengths).
        turn_min_deg: From a front view, the apparent turn of the shoulder line
            (from its world depth, deg) beyond which its depth counts as a trunk
            turn, whose shift of MediaPipe's mid-shoulder depth is taken out of the
            trunk (:func:`halfcircle.kinematics.geometry.turn_depth_shift`); below it, the
            depth MediaPipe gives the shoulder line without a turn (side bends).
        extension_min_depth: From a view between front and side, the trunk's
            measured world depth (neutral trunk lengths, away from the camera)
            beyond which a lean back is read as one instead of as a side bend
            towards the camera (:func:`halfcircle.kinematics.geometry.limit_extension`).
        repair_swaps: Whether frames in which the pose model swapped the person's
            left and right are found and put back (:mod:`halfcircle.kinematics.tracking`).
        max_trunk_speed_deg_s: Fastest believable change of a trunk angle (deg/s);
            a faster jump is a tracking error. Trunk angular speeds stay below a
            few hundred deg/s even in fast movements; see
            :data:`halfcircle.kinematics.tracking.MAX_TRUNK_SPEED_DEG_S`.
        jump_noise_deg: Frame-to-frame jitter of a trunk angle allowed on top of
            that speed (deg).
        max_jump_bridge_s: Longest tracking error (s) bridged by interpolation;
            a longer one is left unmeasured, with a note.
    """

    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    min_visibility: float = 0.5
    full_confidence_visibility: float = 0.8
    one_euro: OneEuroConfig = field(default_factory=OneEuroConfig)
    lowpass_cutoff_hz: float = 4.0
    max_gap_s: float = 0.25
    length_sigma: float = 0.1
    depth_noise: float = 0.03
    depth_scale_error: float = 0.35
    shoulder_length_sigma: float = 0.05
    turn_min_deg: float = 10.0
    extension_min_depth: float = 0.1
    repair_swaps: bool = True
    max_trunk_speed_deg_s: float = MAX_TRUNK_SPEED_DEG_S
    jump_noise_deg: float = JUMP_NOISE_DEG
    max_jump_bridge_s: float = 0.5

    @classmethod
    def for_setup(
        cls, camera_tilt_deg: float = 0.0, body_height_m: float | None = None
    ) -> KinematicsConfig:
        """Default settings for one camera set-up and person.

        Args:
            camera_tilt_deg: How far the camera looks down (deg; 0 level, negative up).
            body_height_m: The person's height (m), None when not known.
        """
        return cls(
            calibration=CalibrationConfig(
                camera_tilt_deg=camera_tilt_deg, body_height_m=body_height_m
            )
        )

    def __post_init__(self) -> None:
        problems = []
        if not (
            self.length_sigma > 0
            and self.shoulder_length_sigma > 0
            and self.depth_noise > 0
            and self.depth_scale_error >= 0
        ):
            problems.append(
                "length_sigma, shoulder_length_sigma and depth_noise must be positive and "
                "depth_scale_error >= 0"
            )
        if not 0 <= self.min_visibility < self.full_confidence_visibility <= 1:
            problems.append(
                "need 0 <= min_visibility < full_confidence_visibility <= 1, got "
                f"{self.min_visibility} and {self.full_confidence_visibility}"
            )
        if not self.lowpass_cutoff_hz > 0:
            problems.append(f"lowpass_cutoff_hz must be positive, got {self.lowpass_cutoff_hz}")
        if not self.max_gap_s >= 0:
            problems.append(f"max_gap_s must be >= 0, got {self.max_gap_s}")
        if not 0 <= self.turn_min_deg < 90:
            problems.append(f"turn_min_deg must be in [0, 90), got {self.turn_min_deg}")
        if not self.extension_min_depth >= 0:
            problems.append(f"extension_min_depth must be >= 0, got {self.extension_min_depth}")
        if not self.max_trunk_speed_deg_s > 0:
            problems.append(
                f"max_trunk_speed_deg_s must be positive, got {self.max_trunk_speed_deg_s}"
            )
        if not self.jump_noise_deg >= 0:
            problems.append(f"jump_noise_deg must be >= 0, got {self.jump_noise_deg}")
        if not self.max_jump_bridge_s >= 0:
            problems.append(f"max_jump_bridge_s must be >= 0, got {self.max_jump_bridge_s}")
        if problems:
            raise ValidationError("Invalid kinematics config: " + "; ".join(problems) + ".")


@dataclass(frozen=True)
class AngleSample:
    """The measures of one frame (what the rep state machine and overlay read).

    Angles in degrees and lengths in centimetres with the conventions of the module
    docstring; NaN where not measured. Confidences are in [0, 1].
    ``valid`` is True when the trunk was measured (shoulders and hips visible);
    ``calibrated`` is False while the neutral stance has not been found yet (the
    angles are then relative to a level camera, not zeroed).
    """

    time_s: float
    lateral_deg: float
    forward_deg: float
    inclination_deg: float
    phi_deg: float
    rotation_deg: float
    pelvis_shift_cm: float
    pelvis_tilt_deg: float
    knee_flexion_deg: float
    fingertip_height_cm: float
    confidence: float
    lateral_conf: float
    forward_conf: float
    rotation_conf: float
    pelvis_conf: float
    knee_conf: float
    fingertip_conf: float
    valid: bool
    calibrated: bool


@dataclass(frozen=True, eq=False)
class KinematicsSeries:
    """Per-frame measures of a whole video, ``(n,)`` arrays (fields as :class:`AngleSample`).

    Attributes:
        calibration: The neutral calibration used, None when none was found.
        view: The camera's view (from the calibration, or a level front camera).
        notes: Plain sentences about what could not be measured and why.
    """

    time_s: FloatArray
    lateral_deg: FloatArray
    forward_deg: FloatArray
    inclination_deg: FloatArray
    phi_deg: FloatArray
    rotation_deg: FloatArray
    pelvis_shift_cm: FloatArray
    pelvis_tilt_deg: FloatArray
    knee_flexion_deg: FloatArray
    fingertip_height_cm: FloatArray
    confidence: FloatArray
    lateral_conf: FloatArray
    forward_conf: FloatArray
    rotation_conf: FloatArray
    pelvis_conf: FloatArray
    knee_conf: FloatArray
    fingertip_conf: FloatArray
    valid: NDArray[np.bool_]
    calibrated: NDArray[np.bool_]
    calibration: NeutralCalibration | None
    view: ViewEstimate
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    def sample(self, i: int) -> AngleSample:
        """The measures of frame ``i``."""
        values: dict[str, Any] = {
            f.name: getattr(self, f.name)[i].item() for f in fields(AngleSample)
        }
        return AngleSample(**values)

    def columns(self) -> dict[str, FloatArray | NDArray[np.bool_]]:
        """Every per-frame array by column name (units in the names)."""
        return {f.name: getattr(self, f.name) for f in fields(AngleSample)}


# --------------------------------------------------------------------- geometry
def provisional_calibration() -> NeutralCalibration:
    """Axes of a level camera facing the person, used until a neutral stance is found."""
    right, forward = camera_axes_for_azimuth(0.0)
    return NeutralCalibration(
        axes=np.stack([right, forward, np.array([0.0, -1.0, 0.0])]),
        view=ViewEstimate.from_azimuth(0.0),
        rotation_offset_deg=0.0,
        pelvis_tilt_offset_deg=0.0,
        pelvis_centre_px=np.full(2, np.nan),
        metres_per_pixel=float("nan"),
    )


def _confidence(vis: FloatArray, config: KinematicsConfig) -> FloatArray:
    """Visibility mapped to [0, 1]: 0 below ``min_visibility``, 1 from ``full_confidence``."""
    lo, hi = config.min_visibility, config.full_confidence_visibility
    c = np.minimum(np.maximum((vis - lo) / (hi - lo), 1e-3), 1.0)
    return np.asarray(np.where(vis >= lo, c, 0.0), dtype=np.float64)


def _trunk_cues(
    image: FloatArray,
    world: FloatArray,
    image_size: tuple[int, int],
    calibration: NeutralCalibration,
    cfg: KinematicsConfig,
) -> tuple[FloatArray, FloatArray]:
    """The trunk's image-plane components and MediaPipe's depth, in neutral trunk lengths.

    Returns ``(n, 2)`` image ``x, y`` (x right, y down) and ``(n,)`` world depth
    (away from the camera, neutral bias and, from a front view, a shoulder turn's
    share removed).
    """
    w, h = image_size
    tpx = 0.5 * (image[:, L_SHOULDER, :2] + image[:, R_SHOULDER, :2])
    tpx = (tpx - 0.5 * (image[:, L_HIP, :2] + image[:, R_HIP, :2])) * (float(w), float(h))
    tz = 0.5 * (world[:, L_SHOULDER, 2] + world[:, R_SHOULDER, 2])
    tz = tz - 0.5 * (world[:, L_HIP, 2] + world[:, R_HIP, 2])
    if math.isfinite(calibration.shoulder_length_m):  # front view: a turn is no lean
        sh_z = world[:, R_SHOULDER, 2] - world[:, L_SHOULDER, 2]
        tz = tz - turn_depth_shift(
            sh_z - calibration.shoulder_depth_bias_m,
            calibration.shoulder_length_m,
            cfg.turn_min_deg,
        )
    depth = (tz - calibration.trunk_depth_bias_m) / calibration.trunk_length_m
    return tpx / calibration.trunk_length_px, depth


def seen_reversed(
    seq: PoseSequence, calibration: NeutralCalibration, config: KinematicsConfig | None = None
) -> bool:
    """Whether the pose model read a front or back view's depth the wrong way round.

    See :func:`halfcircle.kinematics.perspective.depth_reversed`; False for other views
    and for calibrations without the perspective cue.
    """
    cfg = config or KinematicsConfig()
    if not _reversal_checkable(calibration):
        return False
    ok = seq.detected & (seq.visibility[:, TORSO].min(axis=-1) >= cfg.min_visibility)
    return depth_reversed(
        *_reversal_cues(seq.image[ok], seq.world[ok], seq.image_size, calibration, cfg)
    )


def _reversal_checkable(calibration: NeutralCalibration) -> bool:
    """Whether a calibration's view can be found read the wrong way round (front or back)."""
    return _perspective_settles(calibration) and math.isfinite(calibration.trunk_length_px)


def _reversal_cues(
    image: FloatArray,
    world: FloatArray,
    image_size: tuple[int, int],
    calibration: NeutralCalibration,
    cfg: KinematicsConfig,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Foreshortening depth, MediaPipe's depth and the perspective depth of each frame.

    In neutral trunk lengths, as :func:`halfcircle.kinematics.perspective.depth_reversed`
    takes them.
    """
    inplane, depth = _trunk_cues(image, world, image_size, calibration, cfg)
    z_fore = np.sqrt(np.maximum(1.0 - np.sum(inplane * inplane, axis=-1), 0.0))
    ratio = width_ratio_log(image_pixels(image, image_size), world)
    distance = assumed_focal_px(image_size) / calibration.trunk_length_px
    persp = -(ratio - calibration.width_ratio_log) * distance
    return z_fore, depth, persp


class ReversalWatch:
    """Whether a live stream's front or back view is read the wrong way round, frame by frame.

    The live twin of :func:`seen_reversed`: frames whose trunk leaves the image
    plane by :data:`~halfcircle.kinematics.perspective.REVERSAL_MIN_DEPTH` or more
    (the first deep forward bend) are collected; from
    :data:`~halfcircle.kinematics.perspective.REVERSAL_MIN_FRAMES` of them on, the
    stream is found reversed as soon as
    :func:`~halfcircle.kinematics.perspective.depth_reversed` says so, and read as
    it is once :data:`REVERSAL_DECIDE_FRAMES` have not.
    """

    def __init__(
        self, image_size: tuple[int, int], calibration: NeutralCalibration, cfg: KinematicsConfig
    ) -> None:
        self.image_size = image_size
        self.calibration = calibration
        self.config = cfg
        self._cues: list[tuple[float, float, float]] = []

    def add(self, frame: PoseFrame) -> bool | None:
        """Look at one frame: True reversed, False read as it is, None not yet known."""
        cfg = self.config
        if not (frame.detected and float(np.min(frame.visibility[TORSO])) >= cfg.min_visibility):
            return None
        z_fore, depth, persp = (
            float(c[0])
            for c in _reversal_cues(
                frame.image[None], frame.world[None], self.image_size, self.calibration, cfg
            )
        )
        if not (z_fore >= REVERSAL_MIN_DEPTH and math.isfinite(depth + persp)):
            return None
        self._cues.append((z_fore, depth, persp))
        if len(self._cues) < REVERSAL_MIN_FRAMES:
            return None
        if depth_reversed(*np.array(self._cues).T):
            return True
        return False if len(self._cues) >= REVERSAL_DECIDE_FRAMES else None


def _perspective_settles(calibration: NeutralCalibration) -> bool:
    """Whether the trunk's depth sign is settled by perspective (a front or back view)."""
    return calibration.view.snapped_deg % 180.0 == 0.0 and math.isfinite(
        calibration.width_ratio_log
    )


def _up_image(calibration: NeutralCalibration) -> FloatArray:
    """Unit image direction (x right, y down) of the neutral trunk."""
    up = calibration.axes[2, :2]
    return np.asarray(up / np.linalg.norm(up), dtype=np.float64)


def measure(
    image: FloatArray,
    world: FloatArray,
    visibility: FloatArray,
    image_size: tuple[int, int],
    calibration: NeutralCalibration,
    config: KinematicsConfig | None = None,
) -> dict[str, FloatArray]:
    """Raw (unsmoothed) measures of every frame, whole-array.

    Args:
        image: ``(n, 33, 3)`` normalised image coordinates.
        world: ``(n, 33, 3)`` world coordinates (m).
        visibility: ``(n, 33)`` in [0, 1].
        image_size: ``(width, height)`` in pixels.
        calibration: Neutral calibration (axes, offsets, view).
        config: Visibility thresholds.

    Returns:
        Arrays of shape ``(n,)`` keyed as the fields of :class:`AngleSample`
        except ``time_s`` and ``calibrated`` (``valid`` is float 0/1).
    """
    cfg = config or KinematicsConfig()
    lo = cfg.min_visibility
    view = calibration.view
    points, _ = fused_points(image, world, image_size)
    body = points @ calibration.axes.T  # (n, 33, 3) as (r, f, u)
    vis = visibility
    nan = np.nan

    torso_vis = vis[:, TORSO].min(axis=-1)
    base_conf = _confidence(torso_vis, cfg)
    trunk_b = _trunk_body(image, world, image_size, body, calibration, cfg)
    valid = (torso_vis >= lo) & np.isfinite(trunk_b).all(axis=-1)
    trunk_b[~valid] = nan
    lateral, forward, incl, phi = trunk_angles(trunk_b)

    # Lateral flexion is undefined for a horizontal trunk (toe touch): it fades out
    # from 60 deg of inclination and is not reported from 75 deg.
    cos_incl = trunk_b[:, 2] / np.linalg.norm(trunk_b, axis=-1)
    steep = np.minimum(np.maximum((cos_incl - _COS_LATERAL_END) * _LATERAL_FADE, 0.0), 1.0)
    lateral_conf = np.where(valid, base_conf * view.lateral_observability * steep, 0.0)
    lateral = np.where(steep > 0, lateral, nan)
    phi = np.where(steep > 0, phi, nan)
    if not view.lateral_observable:
        lateral = incl = phi = np.full_like(lateral, nan)
        lateral_conf = np.zeros_like(lateral_conf)

    sh_b = _shoulder_line_body(image, world, image_size, body, calibration, cfg)
    rotation = shoulder_yaw_deg(sh_b) - calibration.rotation_offset_deg
    rotation = np.where(valid, (rotation + 180.0) % 360.0 - 180.0, nan)
    hip_b = body[:, R_HIP] - body[:, L_HIP]
    tilt = np.where(valid, pelvis_tilt_deg(hip_b) - calibration.pelvis_tilt_offset_deg, nan)
    shift, hip_vis = _pelvis_shift_cm(image, vis, image_size, calibration, lo)
    knees, knee_vis = _knee_flexion_deg(body, vis, lo)
    fingertip, tip_vis = _fingertip_height_cm(body, vis, calibration, lo)

    return {
        "lateral_deg": lateral,
        "forward_deg": forward,
        "inclination_deg": incl,
        "phi_deg": phi,
        "rotation_deg": rotation,
        "pelvis_shift_cm": shift,
        "pelvis_tilt_deg": tilt,
        "knee_flexion_deg": knees,
        "fingertip_height_cm": fingertip,
        "confidence": np.where(valid, base_conf, 0.0),
        "lateral_conf": lateral_conf,
        "forward_conf": np.where(valid, base_conf * view.forward_observability, 0.0),
        "rotation_conf": np.where(valid, base_conf * view.rotation_observability, 0.0),
        "pelvis_conf": np.where(np.isfinite(shift), _confidence(hip_vis, cfg), 0.0),
        "knee_conf": np.where(np.isfinite(knees), _confidence(knee_vis, cfg), 0.0),
        "fingertip_conf": np.where(np.isfinite(fingertip), _confidence(tip_vis, cfg), 0.0),
        "valid": valid.astype(np.float64),
    }


def _trunk_body(
    image: FloatArray,
    world: FloatArray,
    image_size: tuple[int, int],
    body: FloatArray,
    calibration: NeutralCalibration,
    cfg: KinematicsConfig,
) -> FloatArray:
    """``(n, 3)`` trunk vectors (hips to shoulders) in body axes (r, f, u).

    The in-plane cue and depth fused (:func:`fuse_depth`), then kept from reading as
    extension where the view mixes depth in, or settled along the camera axis by
    perspective from the front or back; the fused points as they are for a
    provisional calibration.
    """
    if not math.isfinite(calibration.trunk_length_px):  # provisional: fused points
        return 0.5 * (body[:, L_SHOULDER] + body[:, R_SHOULDER] - body[:, L_HIP] - body[:, R_HIP])
    inplane, depth = _trunk_cues(image, world, image_size, calibration, cfg)
    trunk_cam = fuse_depth(
        inplane,
        depth,
        cfg.length_sigma,
        cfg.depth_noise,
        cfg.depth_scale_error,
    )
    if calibration.view.mixes_depth:
        trunk_cam = limit_extension(trunk_cam, calibration.axes[1], depth, cfg.extension_min_depth)
    elif _perspective_settles(calibration):  # front or back: which way along the axis
        trunk_cam = settle_trunk_depth(
            trunk_cam,
            depth,
            width_ratio_log(image_pixels(image, image_size), world),
            calibration.width_ratio_log,
            _up_image(calibration),
            assumed_focal_px(image_size) / calibration.trunk_length_px,
            cfg.depth_noise,
            cfg.depth_scale_error,
            turn_error_log(world),
            calibration.width_ratio_sd,
        )
    return np.asarray(trunk_cam @ calibration.axes.T)


def _shoulder_line_body(
    image: FloatArray,
    world: FloatArray,
    image_size: tuple[int, int],
    body: FloatArray,
    calibration: NeutralCalibration,
    cfg: KinematicsConfig,
) -> FloatArray:
    """``(n, 3)`` left-to-right shoulder lines in body axes, for the trunk's rotation."""
    if not math.isfinite(calibration.shoulder_metres_per_pixel):
        # a calibration saved before the shoulder scale existed
        return np.asarray(body[:, R_SHOULDER] - body[:, L_SHOULDER])
    pixels = image_pixels(image, image_size)
    sh_cam = shoulder_line_camera(pixels, world, calibration.shoulder_metres_per_pixel)
    if math.isfinite(calibration.shoulder_length_m):  # front view
        sh_cam = shoulder_line_front(
            sh_cam,
            calibration.shoulder_length_m,
            calibration.shoulder_depth_bias_m,
            cfg.shoulder_length_sigma,
            cfg.depth_noise,
            cfg.depth_scale_error,
        )
    return np.asarray(sh_cam @ calibration.axes.T)


def _pelvis_shift_cm(
    image: FloatArray,
    vis: FloatArray,
    image_size: tuple[int, int],
    calibration: NeutralCalibration,
    lo: float,
) -> tuple[FloatArray, FloatArray]:
    """The pelvis centre's shift from neutral in the picture plane (cm), and its visibility."""
    hip_vis = np.minimum(vis[:, L_HIP], vis[:, R_HIP])
    w, h = image_size
    mid = 0.5 * (image[:, L_HIP, :2] + image[:, R_HIP, :2]) * (float(w), float(h))
    d_px = mid - calibration.pelvis_centre_px
    metres = calibration.metres_per_pixel * calibration.metric_scale * 100.0
    d_body = d_px @ calibration.axes[:, :2].T
    shift = np.where(hip_vis >= lo, np.hypot(d_body[:, 0], d_body[:, 1]) * metres, np.nan)
    return shift, hip_vis


def _knee_flexion_deg(
    body: FloatArray, vis: FloatArray, lo: float
) -> tuple[FloatArray, FloatArray]:
    """Knee flexion (deg, 0 straight) averaged over the legs seen, and the best leg's visibility."""
    thigh = body[:, _KNEES] - body[:, _LEG_HIPS]
    shank = body[:, _ANKLES] - body[:, _KNEES]
    cos = (thigh * shank).sum(axis=-1) / (
        np.linalg.norm(thigh, axis=-1) * np.linalg.norm(shank, axis=-1)
    )
    knee_angle = np.degrees(np.arccos(np.minimum(np.maximum(cos, -1.0), 1.0)))
    leg_vis = np.minimum(np.minimum(vis[:, _LEG_HIPS], vis[:, _KNEES]), vis[:, _ANKLES])
    leg_ok = (leg_vis >= lo) & np.isfinite(knee_angle)
    n_legs = leg_ok.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        knees = np.where(
            n_legs > 0, np.where(leg_ok, knee_angle, 0.0).sum(axis=-1) / n_legs, np.nan
        )
    return knees, np.where(leg_ok, leg_vis, 0.0).max(axis=-1)


def _fingertip_height_cm(
    body: FloatArray, vis: FloatArray, calibration: NeutralCalibration, lo: float
) -> tuple[FloatArray, FloatArray]:
    """The lowest hand's height above the feet along the body's up axis (cm), and its visibility."""
    up = body[..., 2]
    feet_vis = vis[:, _FEET]
    feet_ok = feet_vis >= lo
    n_feet = feet_ok.sum(axis=-1)
    hands_ok = vis[:, _HANDS] >= lo
    with np.errstate(invalid="ignore", divide="ignore"):
        floor = np.where(feet_ok, up[:, _FEET], 0.0).sum(axis=-1) / n_feet
        tip = np.where(hands_ok, up[:, _HANDS], np.inf).min(axis=-1)
        fingertip = np.where(np.isfinite(tip), tip - floor, np.nan) * (
            100.0 * calibration.metric_scale
        )
    hand_vis = np.where(hands_ok, vis[:, _HANDS], 0.0).max(axis=-1)
    return fingertip, np.minimum(hand_vis, np.where(feet_ok, feet_vis, 1.0).min(axis=-1))


def _conf1(vis: float, lo: float, hi: float) -> float:
    """Scalar twin of :func:`_confidence`."""
    if not vis >= lo:
        return 0.0
    return min(max((vis - lo) / (hi - lo), 1e-3), 1.0)


def _fuse_depth_one(
    x: float, y: float, depth: float, length_sigma: float, cfg: KinematicsConfig
) -> tuple[float, float, float]:
    """Scalar twin of :func:`halfcircle.kinematics.geometry.fuse_depth`."""
    rho2 = x * x + y * y
    z_fore = math.sqrt(max(1.0 - rho2, 0.0))
    var_fore = (math.sqrt(rho2) * length_sigma / max(z_fore, 1e-3)) ** 2
    var_depth = cfg.depth_noise**2 + (cfg.depth_scale_error * depth) ** 2
    w_fore, w_depth = 1.0 / max(var_fore, 1e-12), 1.0 / var_depth
    mag = (z_fore * w_fore + abs(depth) * w_depth) / (w_fore + w_depth)
    return x, y, math.copysign(mag, depth)


def _deg(x: float) -> float:
    return x * (180.0 / math.pi)


def measure_one(
    frame: PoseFrame,
    image_size: tuple[int, int],
    calibration: NeutralCalibration,
    config: KinematicsConfig | None = None,
) -> dict[str, float]:
    """Scalar twin of :func:`measure` for one frame (about ten times faster per frame).

    Same keys and, to rounding, the same numbers as ``measure`` on a one-frame
    array (a test holds them equal); used by :class:`StreamingKinematics`.
    """
    cfg = config or KinematicsConfig()
    lo, hi = cfg.min_visibility, cfg.full_confidence_visibility
    nan = math.nan
    w, h = float(image_size[0]), float(image_size[1])
    img = frame.image.tolist()
    wld = frame.world.tolist()
    vis = frame.visibility.tolist()
    ax = calibration.axes.tolist()
    view = calibration.view

    # metres per pixel (geometry.metres_per_pixel) and fused points
    mx = 0.5 * (img[L_HIP][0] + img[R_HIP][0]) * w
    my = 0.5 * (img[L_HIP][1] + img[R_HIP][1]) * h
    wx = 0.5 * (wld[L_HIP][0] + wld[R_HIP][0])
    wy = 0.5 * (wld[L_HIP][1] + wld[R_HIP][1])
    wz = 0.5 * (wld[L_HIP][2] + wld[R_HIP][2])
    num = den = 0.0
    for i in _TORSO_LIST:
        px, py = img[i][0] * w - mx, img[i][1] * h - my
        num += px * (wld[i][0] - wx) + py * (wld[i][1] - wy)
        den += px * px + py * py
    k = num / den if den > 0 else nan

    def body(i: int) -> tuple[float, float, float]:
        x, y, z = k * (img[i][0] * w - mx), k * (img[i][1] * h - my), wld[i][2] - wz
        return (
            ax[0][0] * x + ax[0][1] * y + ax[0][2] * z,
            ax[1][0] * x + ax[1][1] * y + ax[1][2] * z,
            ax[2][0] * x + ax[2][1] * y + ax[2][2] * z,
        )

    pts = {i: body(i) for i in _USED}
    ls, rs, lh, rh = pts[L_SHOULDER], pts[R_SHOULDER], pts[L_HIP], pts[R_HIP]
    torso_vis = min(vis[L_SHOULDER], vis[R_SHOULDER], vis[L_HIP], vis[R_HIP])
    if any(v != v for v in (vis[L_SHOULDER], vis[R_SHOULDER], vis[L_HIP], vis[R_HIP])):
        torso_vis = nan
    base = _conf1(torso_vis, lo, hi)
    if math.isfinite(calibration.trunk_length_px):
        sx = 0.5 * (img[L_SHOULDER][0] + img[R_SHOULDER][0]) * w - mx
        sy = 0.5 * (img[L_SHOULDER][1] + img[R_SHOULDER][1]) * h - my
        sz = 0.5 * (wld[L_SHOULDER][2] + wld[R_SHOULDER][2]) - wz
        if math.isfinite(calibration.shoulder_length_m):  # geometry.turn_depth_shift
            line_z = wld[R_SHOULDER][2] - wld[L_SHOULDER][2] - calibration.shoulder_depth_bias_m
            excess = abs(line_z) - calibration.shoulder_length_m * math.sin(
                math.radians(cfg.turn_min_deg)
            )
            sz = nan if math.isnan(excess) else sz - 0.5 * max(excess, 0.0)
        depth = (sz - calibration.trunk_depth_bias_m) / calibration.trunk_length_m
        x, y, z = _fuse_depth_one(
            sx / calibration.trunk_length_px,
            sy / calibration.trunk_length_px,
            depth,
            cfg.length_sigma,
            cfg,
        )
        if view.mixes_depth and ax[1][0] * x + ax[1][1] * y + ax[1][2] * z < 0.0:
            upright_z = -(ax[1][0] * x + ax[1][1] * y) / ax[1][2]  # geometry.limit_extension
            if not (abs(depth) > cfg.extension_min_depth and depth * upright_z < 0.0):
                z = upright_z
        elif not view.mixes_depth and _perspective_settles(calibration):
            up = _up_image(calibration)
            x, y, z = settle_trunk_depth_one(
                (x, y, z),
                depth,
                width_ratio_log_one([[p[0] * w, p[1] * h] for p in img], wld),
                calibration.width_ratio_log,
                (float(up[0]), float(up[1])),
                assumed_focal_px(image_size) / calibration.trunk_length_px,
                cfg.depth_noise,
                cfg.depth_scale_error,
                turn_error_log_one(wld),
                calibration.width_ratio_sd,
            )
        tr = ax[0][0] * x + ax[0][1] * y + ax[0][2] * z
        tf = ax[1][0] * x + ax[1][1] * y + ax[1][2] * z
        tu = ax[2][0] * x + ax[2][1] * y + ax[2][2] * z
    else:
        tr = 0.5 * (ls[0] + rs[0] - lh[0] - rh[0])
        tf = 0.5 * (ls[1] + rs[1] - lh[1] - rh[1])
        tu = 0.5 * (ls[2] + rs[2] - lh[2] - rh[2])
    valid = torso_vis >= lo and math.isfinite(tr + tf + tu)
    if valid:
        lateral = _deg(math.atan2(tr, abs(tu)))
        forward = _deg(math.atan2(tf, tu))
        incl = _deg(math.atan2(math.hypot(tr, tf), tu))
        phi = _deg(math.atan2(forward, lateral))
        phi = phi + 360.0 if phi < -90.0 else phi
        norm = math.sqrt(tr * tr + tf * tf + tu * tu)
        steep = min(max((tu / norm - _COS_LATERAL_END) * _LATERAL_FADE, 0.0), 1.0)
        lateral_conf = base * view.lateral_observability * steep
        if not steep > 0:
            lateral = phi = nan
    else:
        lateral = forward = incl = phi = nan
        lateral_conf = 0.0
    if not view.lateral_observable:
        lateral = incl = phi = nan
        lateral_conf = 0.0

    hr, hf, hu = rh[0] - lh[0], rh[1] - lh[1], rh[2] - lh[2]
    ks = calibration.shoulder_metres_per_pixel
    if math.isfinite(ks):  # geometry.shoulder_line_camera
        x = ks * (img[R_SHOULDER][0] - img[L_SHOULDER][0]) * w
        y = ks * (img[R_SHOULDER][1] - img[L_SHOULDER][1]) * h
        z = wld[R_SHOULDER][2] - wld[L_SHOULDER][2]
        length = calibration.shoulder_length_m
        if math.isfinite(length):  # front view: geometry.shoulder_line_front
            x, y, z = _fuse_depth_one(
                x / length,
                y / length,
                (z - calibration.shoulder_depth_bias_m) / length,
                cfg.shoulder_length_sigma,
                cfg,
            )
        sr = ax[0][0] * x + ax[0][1] * y + ax[0][2] * z
        sf = ax[1][0] * x + ax[1][1] * y + ax[1][2] * z
    else:
        sr, sf = rs[0] - ls[0], rs[1] - ls[1]
    if valid:
        rot = _deg(math.atan2(sf, sr)) - calibration.rotation_offset_deg
        rot = (rot + 180.0) % 360.0 - 180.0
        tilt = _deg(math.atan2(-hu, math.hypot(hr, hf))) - calibration.pelvis_tilt_offset_deg
    else:
        rot = tilt = nan

    hip_vis = min(vis[L_HIP], vis[R_HIP])
    if hip_vis >= lo:
        cx, cy = calibration.pelvis_centre_px.tolist()
        dx, dy = mx - cx, my - cy
        dr = ax[0][0] * dx + ax[0][1] * dy
        df = ax[1][0] * dx + ax[1][1] * dy
        metres = calibration.metres_per_pixel * calibration.metric_scale * 100.0
        shift = math.hypot(dr, df) * metres
    else:
        shift = nan

    knee_sum, n_legs, knee_vis = 0.0, 0, 0.0
    for hip, knee, ankle in _LEG_LIST:
        a, b, c = pts[hip], pts[knee], pts[ankle]
        t0, t1, t2 = b[0] - a[0], b[1] - a[1], b[2] - a[2]
        s0, s1, s2 = c[0] - b[0], c[1] - b[1], c[2] - b[2]
        nn = math.sqrt(t0 * t0 + t1 * t1 + t2 * t2) * math.sqrt(s0 * s0 + s1 * s1 + s2 * s2)
        cos = (t0 * s0 + t1 * s1 + t2 * s2) / nn if nn > 0 else nan
        angle = _deg(math.acos(min(max(cos, -1.0), 1.0))) if cos == cos else nan
        lv = min(vis[hip], vis[knee], vis[ankle])
        if lv >= lo and angle == angle:
            knee_sum += angle
            n_legs += 1
            knee_vis = max(knee_vis, lv)
    knees = knee_sum / n_legs if n_legs else nan

    floor_sum, n_feet, feet_vis = 0.0, 0, 1.0
    for i in _FEET_LIST:
        if vis[i] >= lo:
            floor_sum += pts[i][2]
            n_feet += 1
            feet_vis = min(feet_vis, vis[i])
    tip, hand_vis = math.inf, 0.0
    for i in _HANDS_LIST:
        if vis[i] >= lo:
            tip = min(tip, pts[i][2])
            hand_vis = max(hand_vis, vis[i])
    if n_feet and math.isfinite(tip):
        fingertip = (tip - floor_sum / n_feet) * (100.0 * calibration.metric_scale)
    else:
        fingertip = nan
    tip_vis = min(hand_vis, feet_vis)

    return {
        "lateral_deg": lateral,
        "forward_deg": forward,
        "inclination_deg": incl,
        "phi_deg": phi,
        "rotation_deg": rot,
        "pelvis_shift_cm": shift,
        "pelvis_tilt_deg": tilt,
        "knee_flexion_deg": knees,
        "fingertip_height_cm": fingertip,
        "confidence": base if valid else 0.0,
        "lateral_conf": lateral_conf,
        "forward_conf": base * view.forward_observability if valid else 0.0,
        "rotation_conf": base * view.rotation_observability if valid else 0.0,
        "pelvis_conf": _conf1(hip_vis, lo, hi) if shift == shift else 0.0,
        "knee_conf": _conf1(knee_vis, lo, hi) if knees == knees else 0.0,
        "fingertip_conf": _conf1(tip_vis, lo, hi) if fingertip == fingertip else 0.0,
        "valid": 1.0 if valid else 0.0,
    }


# ---------------------------------------------------------------------- offline
#: Said when a recording was read with its depth reversed (:func:`seen_reversed`).
NOTE_REVERSED: Final = (
    "The pose model read this recording the other way round (as if you faced the other "
    "way); how the body grows and shrinks in the picture showed which way you faced, "
    "and it was measured that way."
)


def compute_kinematics(
    seq: PoseSequence,
    config: KinematicsConfig | None = None,
    calibration: NeutralCalibration | None = None,
    smoothing: Smoothing = "butterworth",
) -> KinematicsSeries:
    """Every measure of a recorded pose sequence (whole-array).

    Args:
        seq: The poses.
        config: Kinematics settings.
        calibration: A neutral calibration to use; by default the first quiet
            upright stance of ``seq`` is found and used (the same one the
            streaming path finds). Without one, angles are relative to a level
            front camera and a note says so. When the recording turns out to be
            read the other way round (:func:`seen_reversed`), it is measured with
            its depth reversed and left and right exchanged, calibrated again on
            the same stance; the series then carries that calibration and
            :data:`NOTE_REVERSED`.
        smoothing: ``"butterworth"`` (zero-phase low-pass, short gaps bridged) or
            ``"none"`` (raw).

    Returns:
        The per-frame measures; ``calibrated`` is True on every frame when a
        calibration was given or found.
    """
    cfg = config or KinematicsConfig()
    notes: list[str] = []
    if cfg.repair_swaps:
        seq, repair = repair_swaps(seq)
        note = repair.note()
        if note is not None:
            notes.append(note)
    if calibration is None:
        calibration = calibrate_sequence(seq, cfg)
        if calibration is None and seq.detected.any():  # with nobody, nothing to say
            seen = image_pixels(seq.image[seq.detected], seq.image_size)
            notes.append(
                turned_picture_note(seen)
                or "No quiet upright stance was found to calibrate on; "
                "angles are relative to the camera and may be offset."
            )
    if calibration is not None and seen_reversed(seq, calibration, cfg):
        reread = calibrate_sequence(
            reverse_depth(seq), cfg, window=(calibration.start_s, calibration.end_s)
        )
        if reread is not None:
            seq, calibration = reverse_depth(seq), reread
            notes.append(NOTE_REVERSED)
    calib = calibration or provisional_calibration()
    raw = measure(seq.image, seq.world, seq.visibility, seq.image_size, calib, cfg)
    # the fingertip's scale and floor come from the stance this recording was zeroed on
    stance = (seq.time_s >= calib.start_s) & (seq.time_s <= calib.end_s) & seq.detected
    stance &= calibration is not None
    ref = _fingertip_reference(seq.image, seq.world, seq.visibility, seq.image_size, stance, cfg)
    _fingertip_into(raw, ref, seq.image, seq.world, seq.visibility, seq.image_size)
    valid = (raw.pop("valid") > 0) & seq.detected
    jump_note = guard_jumps(seq.time_s, raw, valid, cfg)
    if jump_note is not None:
        notes.append(jump_note)
    if smoothing == "butterworth":
        for name in _SMOOTHED:
            raw[name] = lowpass_zero_phase(
                seq.time_s, raw[name], cfg.lowpass_cutoff_hz, max_gap_s=cfg.max_gap_s
            )
        _derive_trunk(raw)
    elif smoothing != "none":
        raise ValidationError(f"smoothing must be 'butterworth' or 'none', got {smoothing!r}.")
    notes.extend(n for n in calib.notes if n not in notes)
    n = len(seq)
    return KinematicsSeries(
        time_s=seq.time_s.copy(),
        **raw,
        valid=valid,
        calibrated=np.full(n, calibration is not None),
        calibration=calibration,
        view=calib.view,
        notes=tuple(notes),
    )


def _fingertip_reference(
    image: FloatArray,
    world: FloatArray,
    visibility: FloatArray,
    image_size: tuple[int, int],
    stance: NDArray[np.bool_],
    config: KinematicsConfig,
) -> FingertipReference | None:
    """The fingertip estimator's reference from the calibration stance (None without one)."""
    if not stance.any():
        return None
    return stance_reference(
        image, world, visibility, image_size, stance, config.calibration.body_height_m
    )


def _fingertip_into(
    values: dict[str, Any],
    ref: FingertipReference | None,
    image: FloatArray,
    world: FloatArray,
    visibility: FloatArray,
    image_size: tuple[int, int],
) -> None:
    """Put :mod:`halfcircle.kinematics.fingertip`'s reading into ``values``, in place.

    Arrays (offline) or scalars (one streamed frame); NaN, with no confidence,
    where the stance gave no reference or the feet or the hands are not seen.
    """
    scalar = np.ndim(values["fingertip_height_cm"]) == 0
    if ref is None:
        tip = np.full(1 if scalar else image.shape[0], np.nan)
    elif scalar:
        tip = np.array([fingertip_one(ref, image, world, visibility, image_size)])
    else:
        tip = fingertip_from_reference(ref, image, world, visibility, image_size)
    conf = np.where(np.isfinite(tip), values["fingertip_conf"], 0.0)
    values["fingertip_height_cm"] = float(tip[0]) if scalar else tip
    values["fingertip_conf"] = float(conf[0]) if scalar else conf


def guard_jumps(
    time_s: FloatArray,
    values: dict[str, FloatArray],
    valid: NDArray[np.bool_],
    config: KinematicsConfig | None = None,
) -> str | None:
    """Take out the trunk angles that jump faster than a body can move, in place.

    Lateral and forward flexion are checked together (a jump of either is one of
    the trunk: lateral, forward, inclination and phi go together), rotation on
    its own (:func:`halfcircle.kinematics.tracking.jump_outliers`, at
    ``max_trunk_speed_deg_s``). A tracking error lasting at most
    ``max_jump_bridge_s`` is bridged by linear interpolation from the frames
    around it; a longer one is set to NaN, its confidences to 0 and, for the
    trunk, ``valid`` to False.

    Args:
        time_s: ``(n,)`` frame times (s).
        values: The raw measures of :func:`measure` (without ``valid``), changed in place.
        valid: ``(n,)`` whether the trunk was measured, changed in place.
        config: Speed limit, jitter allowance and longest bridge.

    Returns:
        A plain sentence on what was bridged or left out, None when nothing jumped.
    """
    cfg = config or KinematicsConfig()
    speed, noise = cfg.max_trunk_speed_deg_s, cfg.jump_noise_deg
    trunk_bad = jump_outliers(time_s, values["lateral_deg"], speed, noise) | jump_outliers(
        time_s, values["forward_deg"], speed, noise
    )
    rot_bad = jump_outliers(time_s, values["rotation_deg"], speed, noise)
    if not (trunk_bad.any() or rot_bad.any()):
        return None
    bridged = np.zeros_like(trunk_bad)
    marked = {}  # trunk, rotation
    for bad, names, confs in (
        (trunk_bad, ("lateral_deg", "forward_deg", "inclination_deg"), ("lateral_conf",
         "forward_conf")),
        (rot_bad, ("rotation_deg",), ("rotation_conf",)),
    ):  # fmt: skip
        bridge, mark = bridge_or_mark(time_s, bad, cfg.max_jump_bridge_s)
        for name in names:
            values[name] = interpolate_over(time_s, values[name], bridge)
            values[name][mark] = np.nan
        for name in confs:
            values[name][mark] = 0.0
        bridged |= bridge
        marked[names[0]] = mark
    if trunk_bad.any():
        values["phi_deg"] = phase_angle_deg(values["lateral_deg"], values["forward_deg"])
        _, mark = bridge_or_mark(time_s, trunk_bad, cfg.max_jump_bridge_s)
        valid[mark] = False
        values["confidence"][mark] = 0.0
    step = float(np.median(np.diff(time_s))) if time_s.shape[0] > 1 else 0.0
    first = float(time_s[np.flatnonzero(trunk_bad | rot_bad)[0]])
    parts = []
    if bridged.any():
        parts.append(f"{bridged.sum() * step:.1f} s were bridged from the frames around them")
    trunk, rotation = marked["lateral_deg"], marked["rotation_deg"] & ~marked["lateral_deg"]
    if trunk.any():
        parts.append(f"{trunk.sum() * step:.1f} s are left unmeasured")
    if rotation.any():  # the side bend and forward bend of those frames are measured
        parts.append(f"{rotation.sum() * step:.1f} s of trunk rotation are left unmeasured")
    return (
        f"The pose tracking jumped faster than a body can move (first at {first:.1f} s); "
        + " and ".join(parts)
        + "."
    )


def _derive_trunk(values: dict[str, FloatArray]) -> None:
    """Inclination and phi from (smoothed) lateral and forward, in place.

    Where lateral flexion is not reported (trunk near horizontal) the smoothed
    inclination stays as it is.
    """
    lat, fwd = values["lateral_deg"], values["forward_deg"]
    derived = inclination_deg(lat, fwd)
    values["inclination_deg"] = np.where(np.isfinite(lat), derived, values["inclination_deg"])
    values["phi_deg"] = phase_angle_deg(lat, fwd)


def calibrate_sequence(
    seq: PoseSequence,
    config: KinematicsConfig | None = None,
    window: tuple[float, float] | None = None,
) -> NeutralCalibration | None:
    """Calibrate on a sequence's first quiet upright stance, or on an explicit window.

    Args:
        seq: The poses.
        config: Kinematics settings (visibility threshold, calibration settings).
        window: ``(start_s, end_s)`` to calibrate on instead of searching.

    Returns:
        The calibration, or None when no quiet stance was found (or the window
        holds no usable frame).
    """
    cfg = config or KinematicsConfig()
    pixels = image_pixels(seq.image, seq.image_size)
    ok = seq.detected & (np.min(seq.visibility[:, TORSO], axis=-1) >= cfg.min_visibility)
    if window is None:
        found = find_neutral_window(seq.time_s, ok, stance_features(pixels), cfg.calibration)
        if found is None:
            return None
        sel = np.zeros(len(seq), dtype=bool)
        sel[found[0] : found[1]] = True
    else:
        sel = (seq.time_s >= window[0]) & (seq.time_s <= window[1])
    sel &= ok
    if not np.any(sel):
        return None
    points, k = fused_points(seq.image[sel], seq.world[sel], seq.image_size)
    return calibrate_from_points(
        points, pixels[sel], seq.world[sel], k, seq.time_s[sel], cfg.calibration
    )


# -------------------------------------------------------------------- streaming
class StreamingKinematics:
    """Per-frame kinematics for the live view (and for files, with the same numbers).

    Feed every frame to :meth:`update`. Until a quiet upright stance has been seen
    (or a calibration was given), samples are relative to a level front camera and
    ``calibrated`` is False; the first quiet stance calibrates the stream (and
    restarts the filters). Every channel is One Euro filtered; inclination and phi
    are derived from the filtered lateral and forward angles. Left/right swaps of
    the pose model are put back as they happen
    (:class:`~halfcircle.kinematics.tracking.SwapTracker`), and a trunk angle that jumps
    faster than a body can move is refused
    (NaN, :class:`~halfcircle.kinematics.tracking.JumpGuard`). When the first deep
    forward bend after a stance shows that the pose model read a front or back
    view the wrong way round (:class:`ReversalWatch`), the stream is calibrated
    again on the same stance read the other way, from then on every frame is
    read so (:attr:`reversed`), and the frames since the stance are measured
    again (:meth:`take_remeasured`).

    Args:
        image_size: ``(width, height)`` of the frames in pixels.
        config: Kinematics settings.
        calibration: A calibration to use from the first frame (e.g. one saved
            from an earlier session with the same camera).
        smooth: False to get the raw measures (as :func:`compute_kinematics`
            with ``smoothing="none"``).
    """

    def __init__(
        self,
        image_size: tuple[int, int],
        config: KinematicsConfig | None = None,
        calibration: NeutralCalibration | None = None,
        smooth: bool = True,
    ) -> None:
        w, h = image_size
        if w <= 0 or h <= 0:
            raise ValidationError(f"image_size must be positive, got {image_size}.")
        self.image_size = (int(w), int(h))
        self.config = config or KinematicsConfig()
        self.smooth = smooth
        self._calibration = calibration
        self._stance: tuple[PoseFrame, ...] = ()
        self._tip_ref: FingertipReference | None = None
        self._provisional = provisional_calibration()
        self._upright_deg: float | None = None  # the last stance's trunk image angle
        self._detector = NeutralDetector(self.config.calibration)
        self._recent: deque[tuple[float, PoseFrame]] = deque()
        self._filters = {
            name: OneEuroFilter(self.config.one_euro, self.config.max_gap_s) for name in _SMOOTHED
        }
        self._swaps = SwapTracker(self.image_size) if self.config.repair_swaps else None
        cfg = self.config
        guard = (cfg.max_trunk_speed_deg_s, cfg.jump_noise_deg, cfg.max_jump_bridge_s)
        self._trunk_guard = JumpGuard(*guard)
        self._rotation_guard = JumpGuard(*guard)
        self._watch: ReversalWatch | None = None
        self._since: deque[PoseFrame] = deque()
        self._reversed = False
        self._remeasured: list[tuple[PoseFrame, AngleSample]] = []

    @property
    def calibration(self) -> NeutralCalibration | None:
        """The calibration in use, None until the neutral stance has been found."""
        return self._calibration

    @property
    def stance_frames(self) -> tuple[PoseFrame, ...]:
        """The frames of the stance the calibration was found on (empty before it)."""
        return self._stance

    def set_camera_tilt(self, camera_tilt_deg: float) -> None:
        """Use this camera tilt (deg down, 0 level) from now on, e.g. once the picture told it.

        A calibration found on a stance is computed again from the same stance
        frames with the new tilt (and the filters restart); a calibration given
        at the start is kept.
        """
        cal = dataclasses.replace(self.config.calibration, camera_tilt_deg=float(camera_tilt_deg))
        self.config = dataclasses.replace(self.config, calibration=cal)
        self._detector = NeutralDetector(self.config.calibration, self._upright_deg)
        if self._stance:
            self._calibration = self._calibrate_on(list(self._stance))
            if self._watch is not None:
                self._watch = ReversalWatch(self.image_size, self._calibration, self.config)
            self._restart_filters()

    def recalibrate(self) -> None:
        """Forget the calibration and look for a new quiet stance, upright as the last one.

        The new stance must be upright as the stance the stream was calibrated on
        found it: its trunk within ``lean_margin_deg`` of that stance's image angle
        (:class:`~halfcircle.kinematics.calibration.NeutralDetector`'s ``upright_deg``;
        :attr:`leaning` says when a frame is not), so that a recalibration asked for
        during a held bend waits for the person to stand up instead of zeroing on
        the bend. Asked again before a new stance was found, the same upright holds.
        """
        if self._stance:
            self._upright_deg = stance_tilt_deg(self._stance, self.image_size)
        self._stance = ()
        self._tip_ref = None
        self._calibration = None
        self._detector = NeutralDetector(self.config.calibration, self._upright_deg)
        self._recent.clear()
        self._watch, self._reversed, self._remeasured = None, False, []
        self._since.clear()
        self._restart_filters()

    @property
    def leaning(self) -> bool:
        """While a recalibration waits: the last frame's trunk was too far from upright.

        Upright is the stance of the calibration it replaces (see :meth:`recalibrate`);
        False for a first calibration, and once calibrated.
        """
        return self._calibration is None and self._detector.leaning

    @property
    def reversed(self) -> bool:
        """Whether the stream is read with left and right exchanged and depth reversed.

        Found once the first deep forward bend shows the pose model read a front or
        back view the wrong way round (:class:`ReversalWatch`).
        """
        return self._reversed

    def take_remeasured(self) -> list[tuple[PoseFrame, AngleSample]]:
        """The frames since the calibration measured again, once the stream was found reversed.

        Every frame after the calibration and before the one that found it
        (within :data:`REVERSAL_REPLAY_S`), as read now, with its sample; empty
        otherwise, and after the first call.
        """
        out, self._remeasured = self._remeasured, []
        return out

    def update(self, frame: PoseFrame) -> AngleSample:
        """Measure one frame (frames in time order)."""
        if self._swaps is not None:
            frame = self._swaps.update(frame)
        if self._reversed:
            frame = reverse_frame(frame)
        if self._calibration is None and self._look_for_stance(frame):
            self._restart_filters()
            assert self._calibration is not None
            if _reversal_checkable(self._calibration):
                self._watch = ReversalWatch(self.image_size, self._calibration, self.config)
        sample = self._sample(frame)
        if self._watch is None:
            return sample
        self._since.append(frame)
        while frame.time_s - self._since[0].time_s > REVERSAL_REPLAY_S:
            self._since.popleft()
        verdict = self._watch.add(frame)
        if verdict is None:
            return sample
        self._watch = None
        if not verdict:  # read as it is
            self._since.clear()
            return sample
        frames = [reverse_frame(f) for f in self._since]
        self._since.clear()
        self._reversed = True
        self._stance = tuple(reverse_frame(f) for f in self._stance)
        self._calibration = self._calibrate_on(list(self._stance))
        self._restart_filters()
        samples = [self._sample(f) for f in frames]
        self._remeasured = list(zip(frames[:-1], samples[:-1], strict=True))
        return samples[-1]

    def _restart_filters(self) -> None:
        for f in self._filters.values():
            f.reset()
        self._trunk_guard.reset()
        self._rotation_guard.reset()

    def _sample(self, frame: PoseFrame) -> AngleSample:
        """Measure, guard and filter one frame with the calibration in use."""
        cfg = self.config
        t = float(frame.time_s)
        calib = self._calibration or self._provisional
        values = measure_one(frame, self.image_size, calib, cfg)
        _fingertip_into(
            values, self._tip_ref, frame.image, frame.world, frame.visibility, self.image_size
        )
        valid = bool(values.pop("valid") > 0) and frame.detected
        if not self._trunk_guard.accepts(t, values["lateral_deg"], values["forward_deg"]):
            for name in ("lateral_deg", "forward_deg", "inclination_deg", "phi_deg"):
                values[name] = math.nan
            values["lateral_conf"] = values["forward_conf"] = values["confidence"] = 0.0
            valid = False
        if not self._rotation_guard.accepts(t, values["rotation_deg"]):
            values["rotation_deg"], values["rotation_conf"] = math.nan, 0.0
        if self.smooth:
            for name in _SMOOTHED:
                values[name] = self._filters[name](t, values[name])
            lat, fwd = values["lateral_deg"], values["forward_deg"]
            incl, values["phi_deg"] = inclination_phi_one(lat, fwd)
            if lat == lat:
                values["inclination_deg"] = incl
        return AngleSample(
            time_s=t, valid=valid, calibrated=self._calibration is not None, **values
        )

    def _look_for_stance(self, frame: PoseFrame) -> bool:
        """Feed the stance detector; True when this frame calibrated the stream."""
        cfg = self.config
        t = float(frame.time_s)
        ok = frame.detected and bool(np.min(frame.visibility[TORSO]) >= cfg.min_visibility)
        pixels = image_pixels(frame.image, self.image_size)
        self._recent.append((t, frame))
        while self._recent and t - self._recent[0][0] > cfg.calibration.window_s + 1.0:
            self._recent.popleft()
        if not self._detector.update(t, ok, stance_features(pixels)):
            return False
        assert self._detector.window is not None
        start, stop = self._detector.window
        n_window = stop - start
        frames = [f for _, f in list(self._recent)[-n_window:]]
        self._stance = tuple(frames)
        self._calibration = self._calibrate_on(frames)
        return True

    def _calibrate_on(self, frames: list[PoseFrame]) -> NeutralCalibration:
        """The calibration of these stance frames with the current settings.

        Also the fingertip estimator's reference (:mod:`halfcircle.kinematics.fingertip`).
        """
        image = np.stack([f.image for f in frames])
        world = np.stack([f.world for f in frames])
        vis = np.stack([f.visibility for f in frames])
        stance = np.ones(len(frames), dtype=bool)
        self._tip_ref = _fingertip_reference(
            image, world, vis, self.image_size, stance, self.config
        )
        points, k = fused_points(image, world, self.image_size)
        return calibrate_from_points(
            points,
            image_pixels(image, self.image_size),
            world,
            k,
            np.array([f.time_s for f in frames]),
            self.config.calibration,
        )


def stance_tilt_deg(frames: Sequence[PoseFrame], image_size: tuple[int, int]) -> float | None:
    """Mean trunk angle from the image vertical over a stance's frames (deg; None: unseen).

    As :func:`~halfcircle.kinematics.calibration.stance_features` reads it (positive
    when the shoulders are to the image right of the hips).
    """
    if not frames:
        return None
    pixels = image_pixels(np.stack([f.image for f in frames]), image_size)
    tilt = stance_features(pixels)[:, 0]
    tilt = tilt[np.isfinite(tilt)]
    return float(np.mean(tilt)) if tilt.size else None


def stream_kinematics(
    seq: PoseSequence,
    config: KinematicsConfig | None = None,
    calibration: NeutralCalibration | None = None,
    smooth: bool = True,
) -> KinematicsSeries:
    """Run :class:`StreamingKinematics` over a recorded sequence (what the live view shows).

    Frames measured again once the stream was found reversed
    (:meth:`StreamingKinematics.take_remeasured`) replace their first samples, as
    the live coach's count takes them; the series then carries :data:`NOTE_REVERSED`.
    """
    sk = StreamingKinematics(seq.image_size, config, calibration, smooth)
    samples: list[AngleSample] = []
    for i in range(len(seq)):
        sample = sk.update(seq.frame(i))
        redo = sk.take_remeasured()
        if redo:
            del samples[len(samples) - len(redo) :]
            samples.extend(s for _, s in redo)
        samples.append(sample)
    calib = sk.calibration
    view = (calib or provisional_calibration()).view
    cols: dict[str, NDArray[np.float64] | NDArray[np.bool_]] = {}
    for f in fields(AngleSample):
        dtype = bool if f.name in ("valid", "calibrated") else np.float64
        cols[f.name] = np.array([getattr(s, f.name) for s in samples], dtype=dtype)
    notes: tuple[str, ...] = (NOTE_REVERSED,) if sk.reversed else ()
    notes += calib.notes if calib is not None else ()
    return KinematicsSeries(**cols, calibration=calib, view=view, notes=notes)  # type: ignore[arg-type]
