"""Neutral calibration: a quiet upright stance defines zero for every angle.

A :class:`NeutralCalibration` is a frozen record of the body axes seen during a
second or so of quiet standing, plus the neutral offsets of the angles that are
not zeroed by the axes themselves (rotation, pelvis tilt), the neutral pelvis
position and the image scale. The same object serves the live view and the
offline analysis, and round-trips through :meth:`NeutralCalibration.to_dict`.

Body axes (camera frame, see :mod:`halfcircle.kinematics.geometry`):

* ``u`` (up) is the mean image-plane direction of the trunk in the window, so
  the neutral stance reads 0 lateral and 0 forward whatever the camera's roll.
  Its depth part is left out on purpose: MediaPipe's world landmarks put the
  neutral shoulders well in front of the hips (about 17 deg of lean towards the
  camera on the fixtures), a bias of the model, not of the person; it is kept as
  ``trunk_depth_bias_m`` and subtracted from every frame's depth instead.
* **Camera tilt.** Neither MediaPipe's world landmarks nor the image tell how far
  the camera looks down: a camera 8.5 deg down reads forward flexion about 7 deg
  high, because the trunk leaning towards it first turns across the image
  before it shortens. When the tilt is known (``camera_tilt_deg``, e.g. from a
  phone's level app held against the camera) the axes are turned by it about the
  image-horizontal axis, so ``u`` leans its top towards a camera that looks down,
  and the trunk's neutral image length and depth are corrected to match
  (orthographic model). With no tilt given the camera is taken as level.
* ``r`` (person's right) is the mean of the hip and shoulder lines, made
  perpendicular to ``u``; ``f = u x r`` (forward). When the hip line is mostly
  along the camera axis (side views, where MediaPipe may swap left and right),
  the sign of ``f`` is taken from where the feet and the nose point instead.
* When the resulting azimuth (:mod:`halfcircle.kinematics.view`) is within ``snap_deg`` of a
  front or side view, ``r`` and ``f`` are turned to that exact view, so the angle
  that lies in the image plane is read from the image alone.

Quiet stance (:class:`NeutralDetector`): every frame of the last ``window_s``
seconds valid, the trunk within ``max_tilt_deg`` of the image vertical, the
standard deviation of its image angle at most ``max_sway_deg``, and that of the
mid-hip point at most ``max_shift_fraction`` of the trunk's image length
(standard deviations, so that landmark jitter alone never blocks it). The detector is fed one
frame at a time both live and offline, so both find the same window.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
from numpy.typing import NDArray

from halfcircle.errors import InputError, ValidationError
from halfcircle.kinematics.geometry import (
    L_EAR,
    L_FOOT,
    L_HEEL,
    L_HIP,
    L_SHOULDER,
    NOSE,
    R_EAR,
    R_FOOT,
    R_HEEL,
    R_HIP,
    R_SHOULDER,
    TORSO,
    FloatArray,
    fused_points,
    hip_line,
    image_pixels,
    midpoint,
    shoulder_line,
    shoulder_line_camera,
    shoulder_scale,
    to_body,
    trunk_vector,
    unit,
)
from halfcircle.kinematics.perspective import width_ratio_log
from halfcircle.kinematics.view import ViewEstimate, azimuth_from_axes

if TYPE_CHECKING:
    from halfcircle.landmarks import PoseSequence

#: 2: ``rotation_offset_deg`` is the neutral shoulder-line yaw (was the shoulder-to-hip twist).
#: 3: ``camera_tilt_deg`` (version 2 is read as a level camera).
#: 4: ``shoulder_length_m`` and ``shoulder_depth_bias_m`` (older versions read without them).
#: 5: ``width_ratio_log`` and ``width_ratio_sd`` (older versions read without them: no
#: perspective cue).
CALIBRATION_SCHEMA_VERSION: Final = 5

#: Share of the neutral shoulder line lying in the image plane (world landmarks) below
#: which its own image scale is not fitted (see :func:`calibrate_from_points`).
MIN_SHOULDER_INPLANE_SHARE: Final = 0.5

#: Largest camera tilt (deg) the orthographic correction is meant for.
MAX_CAMERA_TILT_DEG: Final = 45.0

#: Standing nose height as a fraction of stature (anthropometric average).
NOSE_HEIGHT_FRACTION: Final = 0.935


class CalibrationError(InputError):
    """No quiet upright stance could be found to calibrate on."""


@dataclass(frozen=True)
class CalibrationConfig:
    """How a neutral stance is recognised and used.

    Attributes:
        window_s: Length of quiet standing needed (s).
        max_tilt_deg: Largest trunk angle from the image vertical that counts as upright.
        max_sway_deg: Largest standard deviation of the trunk's image angle within
            the window (deg).
        max_shift_fraction: Largest standard deviation of the mid-hip image position
            within the window, as a fraction of the trunk's image length.
        min_visibility: Visibility every shoulder and hip needs, in [0, 1].
        snap_deg: Tolerance (deg) within which a view is treated as exactly front or side.
        body_height_m: The person's height (m) if known; sharpens the metric scale
            of fingertip heights and pelvis shifts.
        camera_tilt_deg: How far the camera looks down (deg; positive down,
            negative up, 0 level), if the user measured it.
        min_stance_s: Shortest quiet stance (s) a recording is zeroed on when it
            holds none of ``window_s`` (offline only: see :func:`choose_stance`).
        lean_margin_deg: Offline, a stance (and the steadiest moment) must have
            its trunk at most this much (deg) further from the image vertical than
            the most upright ``min_stance_s`` of the recording: a pause at the side
            of a half circle looks still too. Live, a recalibration's stance must lie
            as close to the image angle of the stance it replaces
            (:class:`NeutralDetector`'s ``upright_deg``), for the same reason.
    """

    window_s: float = 1.0
    max_tilt_deg: float = 30.0
    max_sway_deg: float = 1.0
    max_shift_fraction: float = 0.01
    min_visibility: float = 0.5
    snap_deg: float = 12.0
    body_height_m: float | None = None
    camera_tilt_deg: float = 0.0
    min_stance_s: float = 0.3
    lean_margin_deg: float = 10.0

    def __post_init__(self) -> None:
        problems = []
        if not self.window_s > 0:
            problems.append(f"window_s must be positive, got {self.window_s}")
        if not 0 < self.lean_margin_deg <= 90:
            problems.append(f"lean_margin_deg must be in (0, 90], got {self.lean_margin_deg}")
        if not 0 < self.min_stance_s <= self.window_s:
            problems.append(
                f"min_stance_s must be positive and at most window_s, got {self.min_stance_s}"
            )
        if not 0 < self.max_tilt_deg <= 90:
            problems.append(f"max_tilt_deg must be in (0, 90], got {self.max_tilt_deg}")
        if not self.max_sway_deg > 0:
            problems.append(f"max_sway_deg must be positive, got {self.max_sway_deg}")
        if not self.max_shift_fraction > 0:
            problems.append(f"max_shift_fraction must be positive, got {self.max_shift_fraction}")
        if not 0 <= self.min_visibility <= 1:
            problems.append(f"min_visibility must be in [0, 1], got {self.min_visibility}")
        if not 0 <= self.snap_deg < 45:
            problems.append(f"snap_deg must be in [0, 45), got {self.snap_deg}")
        if self.body_height_m is not None and not 0.5 < self.body_height_m < 2.8:
            problems.append(f"body_height_m must be in (0.5, 2.8) m, got {self.body_height_m}")
        if not abs(self.camera_tilt_deg) <= MAX_CAMERA_TILT_DEG:
            problems.append(
                f"camera_tilt_deg must be within +-{MAX_CAMERA_TILT_DEG:g} deg, "
                f"got {self.camera_tilt_deg}"
            )
        if problems:
            raise ValidationError("Invalid calibration config: " + "; ".join(problems) + ".")


@dataclass(frozen=True, eq=False)
class NeutralCalibration:
    """The neutral stance that zeroes every angle (reusable live and offline).

    Attributes:
        axes: ``(3, 3)`` rows ``r, f, u`` (person's right, forward, up) as unit
            vectors in the fused camera frame.
        view: The camera's view estimated on the stance.
        rotation_offset_deg: Neutral yaw of the shoulder line in the body frame (deg,
            :func:`shoulder_yaw_deg`), subtracted from rotation. Measured on
            :func:`halfcircle.kinematics.geometry.shoulder_line_camera` with
            ``shoulder_metres_per_pixel`` when that is finite, else on the fused points;
            from a front view with the neutral depth ``shoulder_depth_bias_m`` removed.
        pelvis_tilt_offset_deg: Neutral hip-line tilt (deg), subtracted from pelvis tilt.
        pelvis_centre_px: ``(2,)`` neutral mid-hip image position (px, x right, y down).
        metres_per_pixel: Image scale at the neutral stance (m/px).
        metric_scale: Factor applied to metric lengths (1 unless the body height was given).
        trunk_length_m: Neutral trunk length (mid hips to mid shoulders, world, m).
        trunk_length_px: Trunk length in image pixels: its neutral image length
            divided by the cosine of the camera tilt (px).
        trunk_depth_bias_m: MediaPipe's neutral world depth of the trunk vector
            less the true one that the camera tilt gives (m, away from the
            camera), subtracted from every frame's depth.
        camera_tilt_deg: The camera tilt the axes include (deg, positive down).
        shoulder_metres_per_pixel: Image scale of the shoulder line alone at the
            neutral stance (m/px, :func:`halfcircle.kinematics.geometry.shoulder_scale`), the
            one rotation is measured with; NaN in calibrations saved before it
            existed (rotation then uses the fused points, as they were calibrated).
            Where the shoulder line points mostly along the camera axis at the
            neutral stance (a side view), its image length is too short to fit a
            scale on (it came out twice the torso's on a rendered side view), and
            the torso's ``metres_per_pixel`` is used instead.
        shoulder_length_m: From a front view only (NaN otherwise): the neutral
            length of the shoulder line in the image plane (m, at
            ``shoulder_metres_per_pixel``). A shoulder line that turns out of the
            image plane is then foreshortened, which gives the magnitude of its
            depth as well as MediaPipe's world depth does
            (:func:`halfcircle.kinematics.geometry.fuse_depth`).
        shoulder_depth_bias_m: From a front view only (NaN otherwise): MediaPipe's
            neutral world depth of the shoulder line (m, right minus left
            shoulder), which a front view takes as its error and subtracts.
        width_ratio_log: Neutral ``log(shoulder width / hip width)`` in the image,
            each width turn-corrected (:func:`halfcircle.kinematics.perspective.width_ratio_log`):
            from a front or back view the perspective tells from it whether the
            trunk went towards the camera or away; NaN in calibrations saved
            before it existed (the cue is then not used).
        width_ratio_sd: Its standard deviation over the stance (the cue's noise
            is at least this); NaN in older calibrations.
        start_s: Start of the calibration window (s).
        end_s: End of the calibration window (s).
        n_frames: Frames averaged.
    """

    axes: FloatArray
    view: ViewEstimate
    rotation_offset_deg: float
    pelvis_tilt_offset_deg: float
    pelvis_centre_px: FloatArray
    metres_per_pixel: float
    metric_scale: float = 1.0
    trunk_length_m: float = float("nan")
    trunk_length_px: float = float("nan")
    trunk_depth_bias_m: float = float("nan")
    camera_tilt_deg: float = 0.0
    shoulder_metres_per_pixel: float = float("nan")
    shoulder_length_m: float = float("nan")
    shoulder_depth_bias_m: float = float("nan")
    width_ratio_log: float = float("nan")
    width_ratio_sd: float = float("nan")
    start_s: float = float("nan")
    end_s: float = float("nan")
    n_frames: int = 0
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        axes = np.asarray(self.axes, dtype=np.float64)
        if axes.shape != (3, 3) or not np.all(np.isfinite(axes)):
            raise ValidationError(f"Calibration axes must be a finite (3, 3) array, got {axes}.")
        if not np.allclose(axes @ axes.T, np.eye(3), atol=1e-6):
            raise ValidationError("Calibration axes must be orthonormal rows (r, f, u).")
        object.__setattr__(self, "axes", axes)
        object.__setattr__(
            self, "pelvis_centre_px", np.asarray(self.pelvis_centre_px, dtype=np.float64)
        )

    @property
    def azimuth_deg(self) -> float:
        """Camera azimuth (deg, 0 front, positive towards the person's right)."""
        return self.view.azimuth_deg

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (see :meth:`from_dict`)."""
        return {
            "schema_version": CALIBRATION_SCHEMA_VERSION,
            "axes": self.axes.tolist(),
            "azimuth_deg": self.view.azimuth_deg,
            "snapped_azimuth_deg": self.view.snapped_deg,
            "view": self.view.kind,
            "rotation_offset_deg": self.rotation_offset_deg,
            "pelvis_tilt_offset_deg": self.pelvis_tilt_offset_deg,
            "pelvis_centre_px": self.pelvis_centre_px.tolist(),
            "metres_per_pixel": self.metres_per_pixel,
            "metric_scale": self.metric_scale,
            "trunk_length_m": self.trunk_length_m,
            "trunk_length_px": self.trunk_length_px,
            "trunk_depth_bias_m": self.trunk_depth_bias_m,
            "camera_tilt_deg": self.camera_tilt_deg,
            "shoulder_metres_per_pixel": self.shoulder_metres_per_pixel,
            "shoulder_length_m": self.shoulder_length_m,
            "shoulder_depth_bias_m": self.shoulder_depth_bias_m,
            "width_ratio_log": self.width_ratio_log,
            "width_ratio_sd": self.width_ratio_sd,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "n_frames": self.n_frames,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], snap_deg: float = 12.0) -> NeutralCalibration:
        """Rebuild a calibration written by :meth:`to_dict`."""
        version = int(data.get("schema_version", -1))
        if not 2 <= version <= CALIBRATION_SCHEMA_VERSION:
            raise InputError(
                f"Calibration schema version {version} cannot be read; "
                f"this halfcircle reads versions 2 to {CALIBRATION_SCHEMA_VERSION}."
            )
        view = ViewEstimate.from_azimuth(float(data["azimuth_deg"]), snap_deg)
        return cls(
            axes=np.array(data["axes"], dtype=np.float64),
            view=view,
            rotation_offset_deg=float(data["rotation_offset_deg"]),
            pelvis_tilt_offset_deg=float(data["pelvis_tilt_offset_deg"]),
            pelvis_centre_px=np.array(data["pelvis_centre_px"], dtype=np.float64),
            metres_per_pixel=float(data["metres_per_pixel"]),
            metric_scale=float(data["metric_scale"]),
            trunk_length_m=float(data["trunk_length_m"]),
            trunk_length_px=float(data["trunk_length_px"]),
            trunk_depth_bias_m=float(data["trunk_depth_bias_m"]),
            camera_tilt_deg=float(data.get("camera_tilt_deg", 0.0)),
            shoulder_metres_per_pixel=float(data.get("shoulder_metres_per_pixel", float("nan"))),
            shoulder_length_m=float(data.get("shoulder_length_m", float("nan"))),
            shoulder_depth_bias_m=float(data.get("shoulder_depth_bias_m", float("nan"))),
            width_ratio_log=float(data.get("width_ratio_log", float("nan"))),
            width_ratio_sd=float(data.get("width_ratio_sd", float("nan"))),
            start_s=float(data["start_s"]),
            end_s=float(data["end_s"]),
            n_frames=int(data["n_frames"]),
            notes=tuple(data.get("notes", ())),
        )


# ------------------------------------------------------------------ quiet stance
def stance_features(pixels: FloatArray) -> FloatArray:
    """Per-frame features the quiet-stance detector reads.

    Args:
        pixels: ``(..., 33, 2)`` image coordinates in pixels (x right, y down).

    Returns:
        ``(..., 4)``: trunk angle from the image vertical (deg, positive when the
        shoulders are to the image right of the hips), mid-hip ``x`` and ``y`` (px),
        and the trunk's image length (px). NaN where a landmark is missing.
    """
    hip = 0.5 * (pixels[..., L_HIP, :] + pixels[..., R_HIP, :])
    sh = 0.5 * (pixels[..., L_SHOULDER, :] + pixels[..., R_SHOULDER, :])
    d = sh - hip
    tilt = np.degrees(np.arctan2(d[..., 0], -d[..., 1]))
    length = np.hypot(d[..., 0], d[..., 1])
    return np.stack([tilt, hip[..., 0], hip[..., 1], length], axis=-1)


#: Median trunk angle from the image vertical (deg) beyond which the picture is turned.
TURNED_MIN_DEG: Final = 60.0
#: How :func:`turned_picture_note` begins (its callers leave their own advice out then).
TURNED_PICTURE: Final = "The picture is "


def steady_features(pixels: FloatArray) -> FloatArray:
    """:func:`stance_features` with the mid-hip measured from the mid-heel (px).

    A camera held in a hand or panning moves the whole picture: the hips move with
    the heels, and a person standing still stays still against their own feet.
    NaN where a heel is missing (feet out of the picture).
    """
    out = stance_features(pixels)
    heel = 0.5 * (pixels[..., L_HEEL, :] + pixels[..., R_HEEL, :])
    out[..., 1:3] -= heel
    return out


def turned_picture_note(pixels: FloatArray) -> str | None:
    """A sentence when the person lies across the picture: a video turned on its side.

    ``pixels``: ``(n, 33, 2)`` landmarks (px) of the frames a person was found in. The
    median trunk angle from the image vertical (:func:`stance_features`) beyond
    :data:`TURNED_MIN_DEG` says the picture is on its side (a phone video whose
    rotation was not recorded), beyond ``180 - TURNED_MIN_DEG`` upside down: nobody
    can stand upright in it, so no stance zeroes the angles. None otherwise.
    """
    tilt = stance_features(np.asarray(pixels, dtype=np.float64))[..., 0]
    tilt = np.abs(tilt[np.isfinite(tilt)])
    if tilt.size == 0 or float(np.median(tilt)) <= TURNED_MIN_DEG:
        return None
    upside_down = float(np.median(tilt)) >= 180.0 - TURNED_MIN_DEG
    how = "upside down" if upside_down else "on its side (the person lies across it)"
    return (
        f"{TURNED_PICTURE}{how}, so no upright stance can be found: turn the video "
        "upright (a phone's video editor can rotate it) and analyse it again."
    )


class NeutralDetector:
    """Finds the first quiet upright stance in a stream of frames.

    Feed every frame to :meth:`update`; it returns True on the frame that
    completes the first qualifying window, after which :attr:`window` holds the
    indices (as counted by :meth:`update` calls) of the window's frames.

    Args:
        config: What counts as a quiet upright stance.
        upright_deg: For a recalibration, the trunk's image angle (deg, as
            :func:`stance_features` gives it) at the stance the stream was last
            calibrated on, its known upright; None for a first calibration. A
            frame whose trunk lies more than ``config.lean_margin_deg`` from it is
            not upright (:attr:`leaning`): a held side bend or forward bend is as
            still as a stance, and within ``max_tilt_deg`` of the image vertical,
            but zeroing on it would tilt every angle by the bend. The margin is the
            one :func:`choose_stance` gives a recording's stance against its most
            upright second, for the same reason.
    """

    def __init__(
        self, config: CalibrationConfig | None = None, upright_deg: float | None = None
    ) -> None:
        self.config = config or CalibrationConfig()
        self.upright_deg = upright_deg
        self._recent: deque[tuple[int, float, FloatArray]] = deque()
        self._count = 0
        self.window: tuple[int, int] | None = None
        #: The last frame's trunk was more than ``lean_margin_deg`` from :attr:`upright_deg`.
        self.leaning = False

    @property
    def found(self) -> bool:
        """Whether a quiet stance has been found."""
        return self.window is not None

    def update(self, time_s: float, valid: bool, features: FloatArray) -> bool:
        """Feed one frame; True when this frame completes the first quiet window.

        Args:
            time_s: Frame time (s), increasing.
            valid: Whether shoulders and hips are all visible in this frame.
            features: ``(4,)`` from :func:`stance_features`.
        """
        index = self._count
        self._count += 1
        if self.window is not None:
            return False
        cfg = self.config
        finite = bool(np.all(np.isfinite(features)))
        self.leaning = (
            finite
            and self.upright_deg is not None
            and abs(float(features[0]) - self.upright_deg) > cfg.lean_margin_deg
        )
        if not valid or not finite or abs(features[0]) > cfg.max_tilt_deg or self.leaning:
            self._recent.clear()
            return False
        self._recent.append((index, float(time_s), features))
        while len(self._recent) > 1 and time_s - self._recent[1][1] >= cfg.window_s:
            self._recent.popleft()
        if time_s - self._recent[0][1] < cfg.window_s * 0.999:
            return False
        f = np.array([r[2] for r in self._recent])
        length = float(np.mean(f[:, 3]))
        sway = float(np.std(f[:, 0]))
        shift = max(float(np.std(f[:, 1])), float(np.std(f[:, 2])))
        if sway <= cfg.max_sway_deg and shift <= cfg.max_shift_fraction * length:
            self.window = (self._recent[0][0], index + 1)
            return True
        return False


def find_neutral_window(
    time_s: FloatArray,
    valid: NDArray[np.bool_],
    features: FloatArray,
    config: CalibrationConfig | None = None,
) -> tuple[int, int] | None:
    """Frame indices ``[start, stop)`` of the first quiet upright stance, or None.

    Runs :class:`NeutralDetector` over the frames, so it finds exactly the window
    the streaming path finds.
    """
    det = NeutralDetector(config)
    for i in range(time_s.shape[0]):
        if det.update(float(time_s[i]), bool(valid[i]), features[i]):
            return det.window
    return None


#: Length (s) of the most upright, steadiest moment :func:`choose_stance` falls back on.
FALLBACK_WINDOW_S: Final = 0.1

#: The rules :func:`choose_stance` zeroes a recording by, in the order it tries them.
STANCE_RULES: Final = ("first_quiet_second", "short_stance", "steadiest_moment")

StanceRule = Literal["first_quiet_second", "short_stance", "steadiest_moment"]


@dataclass(frozen=True)
class StanceChoice:
    """The frames a recording's angles were zeroed on, and the rule that chose them.

    Attributes:
        rule: ``first_quiet_second``: the first quiet stance of ``window_s`` (the one
            the live view calibrates on); ``short_stance``: none lasted ``window_s``, so
            the best shorter quiet stance, of at least ``min_stance_s``;
            ``steadiest_moment``: no quiet stance at all, so the
            :data:`FALLBACK_WINDOW_S` of the most upright and steadiest frames
            (see :func:`choose_stance`).
        start: First frame of the window (index into the sequence).
        stop: One past its last frame.
        start_s: Time of its first frame (s).
        end_s: Time of its last frame (s).
        quiet_stances: Quiet upright stances of at least ``min_stance_s`` in the
            recording (within ``lean_margin_deg`` of its most upright moment).
        sway_deg: Standard deviation of the trunk's image angle in the window (deg).
        lean_deg: How far the trunk leaned in the window as the image tells it
            without a calibration (deg): its mean angle from the image vertical, or
            the foreshortening of its image length against the recording's longest,
            whichever is larger (a camera that is rolled or looks down adds to it).
        camera_moved: With no quiet second in the picture, one is found with the
            hips measured from the heels (:func:`steady_features`): the person stood
            still and the camera moved (held in a hand, or panning). The rule is then
            ``first_quiet_second``, that second the window, unless it leans more than
            the stance the rules chose.
    """

    rule: StanceRule
    start: int
    stop: int
    start_s: float
    end_s: float
    quiet_stances: int
    sway_deg: float
    lean_deg: float
    camera_moved: bool = False

    @property
    def duration_s(self) -> float:
        """Length of the window (s, first to last frame)."""
        return self.end_s - self.start_s

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (times in s, angles in deg)."""
        return {
            "rule": self.rule,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "duration_s": round(self.duration_s, 3),
            "quiet_stances": self.quiet_stances,
            "sway_deg": round(self.sway_deg, 2),
            "camera_moved": self.camera_moved,
        }

    def note(self, moved_before: int = 0) -> str | None:
        """A plain sentence on how zero was chosen, None for the usual first quiet second.

        ``moved_before``: movements (reps, attempts) measured before the window.
        """
        when = f"{self.start_s:.1f}-{self.end_s:.1f} s"
        before = ""
        if moved_before:
            before = (
                "; the movement before it is measured from the same zero"
                if moved_before == 1
                else f"; the {moved_before} movements before it are measured from the same zero"
            )
        if self.rule == "first_quiet_second" and self.camera_moved:
            return (
                "The camera moved (held in a hand, or panning): zero was taken from the "
                f"first second you stood still against your feet, at {when}{before}. A "
                "camera stood on something steady measures more surely."
            )
        if self.rule == "first_quiet_second":
            if not moved_before:
                return None
            return f"Zero was taken from the first second of quiet standing, at {when}{before}."
        advice = (
            "the camera moved (held in a hand, or panning): stand it on something steady"
            if self.camera_moved
            else "start with two seconds of standing still"
        )
        if self.rule == "short_stance":
            return (
                f"No second of quiet standing was found; zero was taken from a short "
                f"still stance ({self.duration_s:.1f} s, at {when}){before}. Angles may be "
                f"off by a few degrees: {advice}."
            )
        return (
            f"No quiet upright stance was found; zero was taken from the most upright, "
            f"steadiest moment ({when}, still moving by {self.sway_deg:.1f} deg){before}. "
            f"Angles may be off by several degrees: {advice}."
        )


def _rolling_quiet(
    time_s: FloatArray,
    ok: NDArray[np.bool_],
    features: FloatArray,
    window_s: float,
    config: CalibrationConfig,
) -> tuple[NDArray[np.int64], FloatArray, FloatArray]:
    """For each end frame, the start of its ``window_s`` window and that window's sway and shift.

    Returns ``(start, sway_deg, shift_fraction)``; ``start`` is -1 where the frames
    of the last ``window_s`` are not all usable (then sway and shift are NaN).
    """
    n = time_s.shape[0]
    start = np.full(n, -1, dtype=np.int64)
    sway = np.full(n, np.nan)
    shift = np.full(n, np.nan)
    if n == 0:
        return start, sway, shift
    run = np.zeros(n, dtype=np.int64)  # first frame of the usable run ending here
    first = 0
    for i in range(n):
        if not ok[i]:
            first = i + 1
        run[i] = first
    f = np.where(ok[:, None], features, 0.0)
    c1 = np.vstack([np.zeros((1, 4)), np.cumsum(f, axis=0)])
    c2 = np.vstack([np.zeros((1, 4)), np.cumsum(f * f, axis=0)])
    # the window is the frames with time > t_i - window_s, as NeutralDetector keeps them
    j = np.searchsorted(time_s, time_s - window_s * 0.999, side="right") - 1
    j = np.clip(j, 0, n - 1)
    full = ok & (j >= run) & (time_s - time_s[j] >= window_s * 0.999)
    idx = np.flatnonzero(full)
    if idx.size == 0:
        return start, sway, shift
    cnt = (idx - j[idx] + 1)[:, None].astype(float)
    mean = (c1[idx + 1] - c1[j[idx]]) / cnt
    var = np.maximum((c2[idx + 1] - c2[j[idx]]) / cnt - mean**2, 0.0)
    std = np.sqrt(var)
    start[idx] = j[idx]
    sway[idx] = std[:, 0]
    shift[idx] = np.maximum(std[:, 1], std[:, 2]) / np.maximum(mean[:, 3], 1e-9)
    return start, sway, shift


def _steadiest_second(
    time_s: FloatArray,
    ok: NDArray[np.bool_],
    features: FloatArray,
    first: tuple[int, int],
    config: CalibrationConfig,
) -> tuple[int, int]:
    """The steadiest ``window_s`` of the quiet stance that begins with window ``first``.

    The stance is the run of consecutive frames whose last ``window_s`` pass the
    quiet-stance test, from ``first``'s last frame on; of their windows the one
    with the least sway wins, but only when it sways less than half as much as
    ``first`` (whose second then ran into a movement or came out of one); else
    ``first`` stays. The live view can only take ``first``; offline, the whole
    stance is known.
    """
    start, sway, shift = _rolling_quiet(time_s, ok, features, config.window_s, config)
    passing = (start >= 0) & (sway <= config.max_sway_deg) & (shift <= config.max_shift_fraction)
    end = first[1] - 1
    if not passing[end]:  # the two tests disagree on a rounding: keep the detector's
        return first
    last = end
    while last + 1 < len(passing) and passing[last + 1]:
        last += 1
    i = end + int(np.argmin(sway[end : last + 1]))
    if sway[i] >= 0.5 * sway[end]:
        # No clearly steadier second: keep the first (a turn of the shoulders,
        # seen from the front, moves none of the stance features).
        return first
    return int(start[i]), i + 1


def _best_short_window(
    time_s: FloatArray, ok: NDArray[np.bool_], features: FloatArray, config: CalibrationConfig
) -> tuple[int, int] | None:
    """The quiet window ``[start, stop)`` whose mean trunk angle is known best (None: none).

    Of the windows from ``min_stance_s`` to ``window_s`` long that pass the
    quiet-stance test as a whole, the one with the smallest standard error of its
    mean image trunk angle (sway over the square root of its frame count): landmark
    jitter favours a longer window, a slow drift into a movement a shorter one. The
    earliest of equal ones wins. Frames not in ``ok`` are in no window.
    """
    n = time_s.shape[0]
    f = np.where(ok[:, None], features, 0.0)
    c0 = np.concatenate([[0], np.cumsum(~ok)])
    c1 = np.vstack([np.zeros((1, 4)), np.cumsum(f, axis=0)])
    c2 = np.vstack([np.zeros((1, 4)), np.cumsum(f * f, axis=0)])
    best: tuple[float, int, int] | None = None
    for size in range(2, n + 1):
        a = np.arange(0, n - size + 1)
        b = a + size
        span = time_s[b - 1] - time_s[a]
        if span.min() > config.window_s:
            break
        clean = (c0[b] - c0[a] == 0) & (span >= config.min_stance_s * 0.999)
        if not clean.any():
            continue
        mean = (c1[b] - c1[a]) / size
        std = np.sqrt(np.maximum((c2[b] - c2[a]) / size - mean**2, 0.0))
        shift = np.maximum(std[:, 1], std[:, 2]) / np.maximum(mean[:, 3], 1e-9)
        good = clean & (std[:, 0] <= config.max_sway_deg) & (shift <= config.max_shift_fraction)
        idx = np.flatnonzero(good)
        if idx.size:
            err = std[idx, 0] / math.sqrt(size)
            i = int(idx[np.argmin(err)])
            if best is None or float(err.min()) < best[0]:
                best = (float(err.min()), int(a[i]), int(b[i]))
    return None if best is None else (best[1], best[2])


def quiet_stances(
    time_s: FloatArray,
    valid: NDArray[np.bool_],
    features: FloatArray,
    config: CalibrationConfig | None = None,
) -> list[tuple[int, int]]:
    """Every quiet upright stance of at least ``min_stance_s``, as frame ranges ``[start, stop)``.

    A stance is the union of overlapping ``min_stance_s`` windows that each pass the
    quiet-stance test of :class:`NeutralDetector` (every frame usable and upright,
    sway and hip shift within the limits).
    """
    cfg = config or CalibrationConfig()
    ok = valid & np.all(np.isfinite(features), axis=-1)
    ok &= np.abs(np.nan_to_num(features[:, 0], nan=180.0)) <= cfg.max_tilt_deg
    start, sway, shift = _rolling_quiet(time_s, ok, features, cfg.min_stance_s, cfg)
    quiet = (start >= 0) & (sway <= cfg.max_sway_deg) & (shift <= cfg.max_shift_fraction)
    spans: list[tuple[int, int]] = []
    for i in np.flatnonzero(quiet):
        a, b = int(start[i]), int(i) + 1
        if spans and a <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], b))
        else:
            spans.append((a, b))
    return spans


def choose_stance(
    time_s: FloatArray,
    valid: NDArray[np.bool_],
    features: FloatArray,
    config: CalibrationConfig | None = None,
) -> StanceChoice | None:
    """The one stance a whole recording is zeroed on, wherever it lies (offline).

    The rule, in order:

    1. ``first_quiet_second``: the first quiet stance of ``window_s`` anywhere (the
       one :func:`find_neutral_window` and the live view find, unless its trunk
       is more than ``lean_margin_deg`` further from the image vertical than in
       the recording's most upright ``min_stance_s``: a pause at the side of a
       half circle), even when it comes after some movements, or a clearly
       steadier second of the same stance (:func:`_steadiest_second`);
    2. ``short_stance``: else the quiet window of ``min_stance_s`` to ``window_s``
       whose mean trunk angle is known best (:func:`_best_short_window`), among
       the same upright frames;
    3. ``steadiest_moment``: else, among the :data:`FALLBACK_WINDOW_S` windows of
       usable frames that lean at most ``lean_margin_deg`` more than the most
       upright one, the one with the least sway plus lean (deg, lean as
       :attr:`StanceChoice.lean_deg`).

    None when no ``min_stance_s`` of usable upright frames exists at all (the pose's
    own upright, a level front camera, is then the only zero left).

    Args:
        time_s: ``(n,)`` frame times (s), increasing.
        valid: ``(n,)`` whether shoulders and hips are visible.
        features: ``(n, 4)`` from :func:`stance_features`.
        config: Calibration settings.
    """
    cfg = config or CalibrationConfig()
    n = time_s.shape[0]
    if n == 0:
        return None
    ok = valid & np.all(np.isfinite(features), axis=-1)
    ok &= np.abs(np.nan_to_num(features[:, 0], nan=180.0)) <= cfg.max_tilt_deg
    spans = quiet_stances(time_s, valid, features, cfg)
    lengths = features[:, 3]
    ref = float(np.percentile(lengths[ok], 95)) if ok.any() else math.nan

    def lean(a: int, b: int) -> float:
        tilt = abs(float(np.mean(features[a:b, 0])))
        short = float(np.mean(lengths[a:b])) / ref if ref > 0 else 1.0
        return max(tilt, math.degrees(math.acos(min(1.0, short))))

    start, sway, _ = _rolling_quiet(time_s, ok, features, cfg.min_stance_s, cfg)
    ends = np.flatnonzero(start >= 0)
    upright = np.zeros(n, dtype=bool)  # frames of the windows upright enough
    if ends.size:
        # by the image angle alone: the trunk's image length also changes with a
        # turn of the shoulders, so it cannot tell a lean from a rotation
        tilts = np.array([abs(float(np.mean(features[start[i] : i + 1, 0]))) for i in ends])
        for i in ends[tilts <= float(tilts.min()) + cfg.lean_margin_deg]:
            upright[start[i] : i + 1] = True
    # a pause bent to one side is quiet too, but no stance
    spans = [(a, b) for a, b in spans if upright[a:b].mean() >= 0.5]

    def make(rule: StanceRule, a: int, b: int) -> StanceChoice:
        return StanceChoice(
            rule=rule,
            start=a,
            stop=b,
            start_s=float(time_s[a]),
            end_s=float(time_s[b - 1]),
            quiet_stances=len(spans),
            sway_deg=float(np.std(features[a:b, 0])),
            lean_deg=lean(a, b),
        )

    found = find_neutral_window(time_s, valid & upright, features, cfg)
    if found is not None:
        return make(
            "first_quiet_second", *_steadiest_second(time_s, ok & upright, features, found, cfg)
        )
    if spans:
        found = _best_short_window(time_s, ok & upright, features, cfg)
        if found is not None:
            return make("short_stance", *found)
    # moving all the time: the shorter the window, the less it moves
    start, sway, _ = _rolling_quiet(
        time_s, ok, features, min(cfg.min_stance_s, FALLBACK_WINDOW_S), cfg
    )
    ends = np.flatnonzero(start >= 0)
    if ends.size == 0:
        return None
    leans = np.array([lean(int(start[i]), int(i) + 1) for i in ends])
    keep = leans <= float(leans.min()) + cfg.lean_margin_deg
    cost = sway[ends] + leans
    best = int(ends[keep][int(np.argmin(cost[keep]))])
    return make("steadiest_moment", int(start[best]), best + 1)


def calibrate_recording(
    seq: PoseSequence,
    config: CalibrationConfig | None = None,
    min_visibility: float = 0.5,
) -> tuple[NeutralCalibration | None, StanceChoice | None]:
    """Calibrate a whole recording on the stance :func:`choose_stance` picks (offline).

    Args:
        seq: The poses.
        config: Calibration settings.
        min_visibility: Visibility each shoulder and hip needs, in [0, 1].

    Returns:
        The calibration and the choice, or ``(None, None)`` when no stance could be
        chosen (nobody seen, or never upright).
    """
    cfg = config or CalibrationConfig()
    pixels = image_pixels(seq.image, seq.image_size)
    ok = seq.detected & (np.min(seq.visibility[:, TORSO], axis=-1) >= min_visibility)
    choice = choose_stance(seq.time_s, ok, stance_features(pixels), cfg)
    if choice is None:
        return None, None
    if choice.rule != "first_quiet_second":  # a still person, a moving camera?
        choice = _still_against_the_feet(seq.time_s, ok, pixels, choice, cfg)
    sel = np.zeros(len(seq), dtype=bool)
    sel[choice.start : choice.stop] = True
    sel &= ok
    points, k = fused_points(seq.image[sel], seq.world[sel], seq.image_size)
    calib = calibrate_from_points(points, pixels[sel], seq.world[sel], k, seq.time_s[sel], cfg)
    return calib, choice


def _still_against_the_feet(
    time_s: FloatArray,
    ok: NDArray[np.bool_],
    pixels: FloatArray,
    choice: StanceChoice,
    cfg: CalibrationConfig,
) -> StanceChoice:
    """The stance of a person who stood still while the camera moved, else ``choice``.

    With no quiet second in the picture, the first one with the hips measured from the
    heels (:func:`steady_features`; the trunk's angle does not move with the camera)
    is the stance, when it leans no more than ``choice`` by ``lean_margin_deg``.
    """
    features = steady_features(pixels)
    found = find_neutral_window(time_s, ok, features, cfg)
    if found is None:
        return choice
    a, b = found
    if abs(float(np.mean(features[a:b, 0]))) > choice.lean_deg + cfg.lean_margin_deg:
        return replace(choice, camera_moved=True)
    return replace(
        choice,
        rule="first_quiet_second",
        start=a,
        stop=b,
        start_s=float(time_s[a]),
        end_s=float(time_s[b - 1]),
        sway_deg=float(np.std(features[a:b, 0])),
        camera_moved=True,
    )


# ------------------------------------------------------------------ calibration
def _axes_for_azimuth(up: FloatArray, azimuth_deg: float) -> tuple[FloatArray, FloatArray]:
    """Right and forward axes perpendicular to ``up`` that give the wanted azimuth."""
    ref = np.array([1.0, 0.0, 0.0]) if abs(up[0]) < 0.9 else np.array([0.0, 0.0, 1.0])
    e1 = unit(ref - (ref @ up) * up)
    e2 = np.cross(up, e1)
    beta = math.atan2(float(e2[2]), float(e1[2]))
    alpha = math.radians(azimuth_deg) + math.pi / 2 + beta
    right = math.cos(alpha) * e1 + math.sin(alpha) * e2
    return right, np.cross(up, right)


def tilt_axes(axes: FloatArray, camera_tilt_deg: float) -> FloatArray:
    """Body axes of a level camera turned into those of a camera tilted down by ``camera_tilt_deg``.

    The rotation is about the image-horizontal axis (perpendicular to ``u`` in the
    image plane), by the tilt, so that ``u`` leans its top towards a camera that
    looks down (``u`` gets a depth of ``-sin(tilt)``); ``r`` and ``f`` turn with it.

    Args:
        axes: ``(3, 3)`` rows ``r, f, u`` with ``u`` in the image plane.
        camera_tilt_deg: Camera tilt (deg, positive down).
    """
    up = axes[2]
    axis = unit(np.cross(np.array([0.0, 0.0, 1.0]), up))
    t = math.radians(camera_tilt_deg)
    rows = [
        v * math.cos(t) + np.cross(axis, v) * math.sin(t) + axis * (axis @ v) * (1 - math.cos(t))
        for v in axes
    ]
    return np.stack(rows)


def shoulder_yaw_deg(shoulder_body: FloatArray) -> FloatArray:
    """Yaw of the shoulder line in the horizontal plane of the body frame (deg).

    ``shoulder_body`` is the shoulder line (right minus left shoulder) in body
    components ``(r, f, u)``; the yaw is ``atan2(f, r)``: 0 along the body's right
    axis, **positive when the shoulders turn towards the person's left** (the right
    shoulder comes forward), in [-180, 180]. Not zeroed: subtract the
    calibration's ``rotation_offset_deg``.
    """
    return np.asarray(
        np.degrees(np.arctan2(shoulder_body[..., 1], shoulder_body[..., 0])), dtype=np.float64
    )


def pelvis_tilt_deg(hip_body: FloatArray) -> FloatArray:
    """Hip-line tilt from horizontal (deg), positive when the right hip is lower.

    ``hip_body`` is the hip line (right minus left hip) in body components. Not zeroed.
    """
    return np.asarray(
        np.degrees(np.arctan2(-hip_body[..., 2], np.hypot(hip_body[..., 0], hip_body[..., 1]))),
        dtype=np.float64,
    )


def calibrate_from_points(
    points: FloatArray,
    pixels: FloatArray,
    world: FloatArray,
    scale: FloatArray,
    time_s: FloatArray,
    config: CalibrationConfig | None = None,
) -> NeutralCalibration:
    """Build the neutral calibration from the frames of a quiet stance.

    Args:
        points: ``(m, 33, 3)`` fused camera-frame points (m), see
            :func:`halfcircle.kinematics.geometry.fused_points`.
        pixels: ``(m, 33, 2)`` image coordinates (px).
        world: ``(m, 33, 3)`` MediaPipe world landmarks (m).
        scale: ``(m,)`` metres per pixel of each frame.
        time_s: ``(m,)`` frame times (s).
        config: Calibration settings.

    Raises:
        CalibrationError: The frames do not show shoulders and hips.
    """
    cfg = config or CalibrationConfig()
    trunk = trunk_vector(points)
    ok = np.all(np.isfinite(trunk), axis=-1) & np.all(
        np.isfinite(hip_line(points)) & np.isfinite(shoulder_line(points)), axis=-1
    )
    if not np.any(ok):
        raise CalibrationError("The calibration frames do not show the shoulders and hips.")
    pts, px, k, wld = points[ok], pixels[ok], scale[ok], world[ok]
    trunk_px = midpoint(px, L_SHOULDER, R_SHOULDER) - midpoint(px, L_HIP, R_HIP)
    up2 = unit(np.mean(unit(trunk_px), axis=0))
    up = np.array([up2[0], up2[1], 0.0])
    trunk_w = trunk_vector(wld)
    side = np.mean(unit(hip_line(pts)), axis=0) + np.mean(unit(shoulder_line(pts)), axis=0)
    right0 = unit(side - (side @ up) * up)
    fwd0 = np.cross(up, right0)
    notes: list[str] = []
    if abs(right0[2]) > math.sqrt(0.5):
        facing = _facing_direction(pts)
        if np.all(np.isfinite(facing)) and float(facing @ fwd0) < 0:
            right0, fwd0 = -right0, -fwd0
            notes.append(
                "Left and right landmarks looked swapped; facing taken from feet and nose."
            )
    azimuth = float(azimuth_from_axes(right0, fwd0))
    view = ViewEstimate.from_azimuth(azimuth, cfg.snap_deg)
    if view.snapped_deg != view.azimuth_deg:
        right, fwd = _axes_for_azimuth(up, view.snapped_deg)
    else:
        right, fwd = right0, fwd0
    tilt = math.radians(cfg.camera_tilt_deg)
    axes = tilt_axes(np.stack([right, fwd, up]), cfg.camera_tilt_deg)
    hip_b = to_body(hip_line(pts), axes)
    sh_w = shoulder_line(wld)
    inplane = np.linalg.norm(sh_w[..., :2], axis=-1) / np.linalg.norm(sh_w, axis=-1)
    if float(np.nanmean(inplane)) >= MIN_SHOULDER_INPLANE_SHARE:
        k_shoulder = shoulder_scale(px, wld)
    else:
        k_shoulder = float(np.nanmean(k))
    sh_length = sh_depth_bias = float("nan")
    if math.isfinite(k_shoulder):
        sh_cam = shoulder_line_camera(px, wld, k_shoulder)
        if view.snapped_deg == 0.0:
            sh_length = float(np.nanmean(np.linalg.norm(sh_cam[:, :2], axis=-1)))
            sh_depth_bias = float(np.nanmean(sh_cam[:, 2]))
            sh_cam[:, 2] -= sh_depth_bias
        sh_b = to_body(sh_cam, axes)
    else:
        sh_b = to_body(shoulder_line(pts), axes)
    rot0 = _circular_mean_deg(shoulder_yaw_deg(sh_b))
    tilt0 = float(np.nanmean(pelvis_tilt_deg(hip_b)))
    centre = np.nanmean(0.5 * (px[:, L_HIP] + px[:, R_HIP]), axis=0)
    metric_scale = 1.0
    if cfg.body_height_m is not None:
        up_pts = to_body(pts, axes)[..., 2]
        floor = np.nanmean(up_pts[:, [L_HEEL, R_HEEL, L_FOOT, R_FOOT]], axis=1)
        nose_h = float(np.nanmean(up_pts[:, NOSE] - floor))
        if nose_h > 0:
            metric_scale = cfg.body_height_m * NOSE_HEIGHT_FRACTION / nose_h
    trunk_length_m = float(np.nanmean(np.linalg.norm(trunk_w, axis=-1)))
    ratio = width_ratio_log(px, wld)
    return NeutralCalibration(
        axes=axes,
        view=view,
        rotation_offset_deg=rot0,
        pelvis_tilt_offset_deg=tilt0,
        pelvis_centre_px=centre,
        metres_per_pixel=float(np.nanmean(k)),
        metric_scale=metric_scale,
        trunk_length_m=trunk_length_m,
        trunk_length_px=float(np.nanmean(np.linalg.norm(trunk_px, axis=-1))) / math.cos(tilt),
        trunk_depth_bias_m=float(np.nanmean(trunk_w[:, 2])) + math.sin(tilt) * trunk_length_m,
        camera_tilt_deg=cfg.camera_tilt_deg,
        shoulder_metres_per_pixel=k_shoulder,
        shoulder_length_m=sh_length,
        shoulder_depth_bias_m=sh_depth_bias,
        width_ratio_log=float(np.nanmean(ratio)),
        width_ratio_sd=float(np.nanstd(ratio)),
        start_s=float(time_s[0]),
        end_s=float(time_s[-1]),
        n_frames=int(np.count_nonzero(ok)),
        notes=(*notes, *view.notes),
    )


def _facing_direction(points: FloatArray) -> FloatArray:
    """Mean horizontal-ish direction the feet and the nose point to (camera frame)."""
    feet = np.concatenate(
        [
            unit(points[:, L_FOOT] - points[:, L_HEEL]),
            unit(points[:, R_FOOT] - points[:, R_HEEL]),
            unit(points[:, NOSE] - midpoint(points, L_EAR, R_EAR)),
        ]
    )
    feet = feet[np.all(np.isfinite(feet), axis=-1)]
    if feet.shape[0] == 0:
        return np.full(3, np.nan)
    return unit(np.mean(feet, axis=0))


def _circular_mean_deg(angles: FloatArray) -> float:
    a = np.radians(angles[np.isfinite(angles)])
    if a.size == 0:
        return 0.0
    return float(np.degrees(np.arctan2(np.mean(np.sin(a)), np.mean(np.cos(a)))))
