"""Baseline range-of-motion tests: find each test in a recording and measure its peak.

The baseline assessment is a short series of tests done before practice and
repeated later with the same protocol: toe touch, side bend to each side, trunk
rotation to each side. :func:`segment_baseline` finds them in a
:class:`~halfcircle.kinematics.measure.KinematicsSeries` (calibrated on the quiet
stance at the start) and returns one :class:`BaselineResult` per test found.

Segmentation: every channel (forward flexion, lateral flexion, axial rotation)
is searched for excursions away from neutral with hysteresis (an enter and a
lower leave threshold, so a value hovering at one threshold is not split into
many tests); overlapping excursions are merged into one movement, and the
movement is named by the channel that dominates it. The peak is the largest
excursion in the test's own direction.

Conventions are those of :mod:`halfcircle.kinematics.measure`: angles in degrees, the
person's left and right; ``peak_deg`` is reported as a positive magnitude in
the test's direction (a right side bend of 28 deg has ``peak_deg = 28``).
Fingertip measures are in cm: ``fingertip_floor_cm`` is the lowest fingertip
height above the floor (toe touch; negative below the feet), and for a side
bend the fingertip travel down the thigh (neutral height minus lowest height).
Metric lengths follow MediaPipe's world scale, sharpened when the body height
is given (:class:`~halfcircle.kinematics.calibration.CalibrationConfig` ``body_height_m``).
In a recorded baseline (:func:`baseline_from_poses`) the fingertip heights come
from :func:`halfcircle.kinematics.fingertip.fingertip_floor_cm` (image landmarks scaled on
the calibration stance and the body height when given, MediaPipe's average-body
scale otherwise); a test whose lowest point the view does not show (feet or
hands out of sight) gets no fingertip measure and a note instead.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from halfcircle.errors import ValidationError
from halfcircle.kinematics.calibration import TURNED_PICTURE, calibrate_recording
from halfcircle.kinematics.fingertip import REASONS, fingertip_floor_cm, withheld_reason
from halfcircle.kinematics.measure import KinematicsConfig, KinematicsSeries, compute_kinematics
from halfcircle.landmarks import PoseSequence
from halfcircle.words import NO_PERSON

__all__ = [
    "MDC",
    "ROTATION_MARGIN_DEG",
    "TESTS",
    "BaselineConfig",
    "BaselineResult",
    "BaselineRun",
    "BaselineSettings",
    "TestName",
    "baseline_from_poses",
    "baseline_kinematics_config",
    "excursions",
    "fingertip_series",
    "format_result",
    "half_circles_note",
    "margin_deg",
    "merge_ranges",
    "merge_runs",
    "segment_baseline",
]

TestName = Literal[
    "toe_touch", "side_bend_left", "side_bend_right", "rotation_left", "rotation_right"
]

#: The baseline tests in protocol order, with the instruction shown for each.
TESTS: Final[dict[str, str]] = {
    "toe_touch": "Stand tall, knees straight. Bend forward slowly towards your toes, "
    "hold a moment, roll back up.",
    "side_bend_right": "Slide your right hand down the side of your thigh as far as is "
    "comfortable, hold, come back up.",
    "side_bend_left": "Slide your left hand down the side of your thigh as far as is "
    "comfortable, hold, come back up.",
    "rotation_left": "Arms crossed on your chest, hips still: turn your shoulders to the "
    "left as far as is comfortable, hold, come back.",
    "rotation_right": "Arms crossed on your chest, hips still: turn your shoulders to the "
    "right as far as is comfortable, hold, come back.",
}

#: Minimal detectable change per measure: smaller differences are not called real.
#: Trunk range 5 deg (instrumented trunk ROM 5-15 deg), fingertip-to-floor 4.5 cm.
MDC: Final[dict[str, float]] = {"deg": 5.0, "cm": 4.5}

#: The smallest change of a trunk rotation peak called real (deg): the largest peak
#: error measured on the rendered rotation fixtures (``bench/accuracy_table.txt``,
#: full model, camera tilt given or not), not the 5 deg of :data:`MDC`. MediaPipe
#: reads the turn low by an amount that varies with the view, the side and the
#: body: up to 28.55 deg low at true turns of 35 to 45 deg (on the held-out
#: ``base_rotation_far``, left turn, tilt given), and up to 4.9 deg high from the side.
ROTATION_MARGIN_DEG: Final = 28.6  # 28.55 rounded up to the tenth


def margin_deg(test: str) -> float:
    """The smallest change of a test's peak (deg) called real: rotations have their own."""
    return ROTATION_MARGIN_DEG if test.startswith("rotation") else MDC["deg"]


_Channel = Literal["forward", "lateral", "rotation"]


@dataclass(frozen=True)
class BaselineConfig:
    """Thresholds of the baseline segmentation (deg, s).

    Attributes:
        enter_deg: Excursion from neutral that starts a movement, per channel
            (forward, lateral, rotation). Rotation's is low because MediaPipe
            under-reads axial rotation (its peaks read 72-80 % of the truth on
            the rendered front and 30 deg fixtures, against the calibrated
            pelvis axis).
        leave_deg: Excursion below which the movement has ended, per channel.
        min_peak_deg: Smallest peak that names a test, per channel.
        min_duration_s: Shortest movement kept (s).
        min_confidence: Frames with a lower confidence of the channel are ignored.
    """

    enter_deg: tuple[float, float, float] = (10.0, 6.0, 2.5)
    leave_deg: tuple[float, float, float] = (4.0, 3.0, 1.0)
    min_peak_deg: tuple[float, float, float] = (20.0, 8.0, 2.5)
    min_duration_s: float = 0.8
    min_confidence: float = 0.05

    def __post_init__(self) -> None:
        problems = []
        for i, name in enumerate(("forward", "lateral", "rotation")):
            if not 0 < self.leave_deg[i] < self.enter_deg[i] <= self.min_peak_deg[i] + 1e-9:
                problems.append(
                    f"{name}: need 0 < leave < enter <= min_peak, got {self.leave_deg[i]}, "
                    f"{self.enter_deg[i]}, {self.min_peak_deg[i]}"
                )
        if not self.min_duration_s >= 0:
            problems.append(f"min_duration_s must be >= 0, got {self.min_duration_s}")
        if problems:
            raise ValidationError("Invalid baseline config: " + "; ".join(problems) + ".")


@dataclass(frozen=True)
class BaselineResult:
    """One baseline test found in a recording.

    Attributes:
        test: One of :data:`TESTS`.
        start_s: Start of the movement (s).
        end_s: End of the movement (s).
        peak_time_s: Time of the peak (s).
        peak_deg: Peak in the test's direction (deg, positive): forward flexion for
            the toe touch, lateral flexion for a side bend, axial rotation for a
            rotation.
        fingertip_floor_cm: Toe touch: lowest fingertip height above the floor
            (cm, negative below the feet). None for other tests or when not seen.
        fingertip_travel_cm: Side bend: how far the fingertip slid down (cm, neutral
            height minus lowest height). None for other tests or when not seen.
        confidence: Mean confidence of the measured channel over the movement, [0, 1].
        view: The camera view the measures come from (front, side, oblique).
    """

    test: str
    start_s: float
    end_s: float
    peak_time_s: float
    peak_deg: float
    fingertip_floor_cm: float | None = None
    fingertip_travel_cm: float | None = None
    confidence: float = 1.0
    view: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready values."""
        return asdict(self)

    def measures(self) -> dict[str, float]:
        """Measures stored in the history, keyed ``TEST.MEASURE_UNIT``."""
        out = {f"{self.test}.peak_deg": self.peak_deg}
        if self.fingertip_floor_cm is not None:
            out[f"{self.test}.fingertip_floor_cm"] = self.fingertip_floor_cm
        if self.fingertip_travel_cm is not None:
            out[f"{self.test}.fingertip_travel_cm"] = self.fingertip_travel_cm
        return out


def excursions(x: NDArray[np.float64], enter: float, leave: float) -> list[tuple[int, int]]:
    """Frame ranges ``[a, b)`` where ``|x|`` rose above ``enter``, extended to ``leave``.

    NaN frames are neither in nor out: they do not end an excursion.
    """
    mag = np.abs(x)
    above = np.where(np.isfinite(mag), mag > enter, False)
    out: list[tuple[int, int]] = []
    n = len(x)
    i = 0
    while i < n:
        if not above[i]:
            i += 1
            continue
        a = i
        while a > 0 and not (np.isfinite(mag[a - 1]) and mag[a - 1] < leave):
            a -= 1
        b = i
        while b < n and not (np.isfinite(mag[b]) and mag[b] < leave):
            b += 1
        out.append((a, b))
        i = b
    return out


def merge_ranges(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping frame ranges merged, sorted by start."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _peak(x: NDArray[np.float64]) -> tuple[float, int]:
    """Largest magnitude (signed) of a finite-or-NaN array and its index; NaN if none."""
    if not np.isfinite(x).any():
        return math.nan, -1
    i = int(np.nanargmax(np.abs(x)))
    return float(x[i]), i


def segment_baseline(
    kin: KinematicsSeries,
    config: BaselineConfig | None = None,
    fingertip_cm: NDArray[np.float64] | None = None,
) -> list[BaselineResult]:
    """The baseline tests of a recording, each measured: :func:`find_movements`' first part."""
    return find_movements(kin, config, fingertip_cm)[0]


#: Side bend (deg) that a movement reaches to both sides, while it also bends forward,
#: to be a half circle rather than a toe touch. On the rendered fixtures half circles
#: reached 23 to 35 deg to either side; toe touches at most 4.6 to their lesser side
#: (a 30-45 deg view reads up to 29 deg of side bend to one side near the floor).
HALF_CIRCLE_MIN_SIDE_DEG: Final = 12.0


def find_movements(
    kin: KinematicsSeries,
    config: BaselineConfig | None = None,
    fingertip_cm: NDArray[np.float64] | None = None,
) -> tuple[list[BaselineResult], list[tuple[float, float]]]:
    """Find the baseline tests in a recording and measure each one; and its half circles.

    Args:
        kin: Calibrated per-frame measures of the recording (zero at the neutral
            stance; see :func:`halfcircle.kinematics.measure.compute_kinematics`).
        config: Segmentation thresholds.
        fingertip_cm: ``(n,)`` lowest fingertip height above the floor per frame
            (cm, NaN where not seen); ``kin.fingertip_height_cm`` when None. A
            test gets a fingertip measure only when at least half the frames
            within ``_TIP_AROUND_PEAK_S`` of its peak have one.

    Returns:
        The tests found, in time order (a movement none of whose channels reaches
        its ``min_peak_deg`` is left out), and the start and end (s) of the half
        circles, which are no test: movements that bend forward and side-bend at
        least :data:`HALF_CIRCLE_MIN_SIDE_DEG` to both sides (from a side view, where
        the side bend is not seen, a half circle reads as a toe touch).
    """
    cfg = config or BaselineConfig()
    t = kin.time_s
    if len(kin) == 0:
        return [], []
    chans: dict[_Channel, tuple[NDArray[np.float64], NDArray[np.float64]]] = {
        "forward": (kin.forward_deg, kin.forward_conf),
        "lateral": (kin.lateral_deg, kin.lateral_conf),
        "rotation": (kin.rotation_deg, kin.rotation_conf),
    }
    signals: dict[_Channel, NDArray[np.float64]] = {}
    ranges: list[tuple[int, int]] = []
    for i, (name, (x, conf)) in enumerate(chans.items()):
        xs = np.where((conf >= cfg.min_confidence) & kin.valid, x, np.nan)
        signals[name] = xs
        ranges += excursions(xs, cfg.enter_deg[i], cfg.leave_deg[i])
    tips = kin.fingertip_height_cm if fingertip_cm is None else fingertip_cm
    results: list[BaselineResult] = []
    circles: list[tuple[float, float]] = []
    neutral_tip = _neutral(kin, tips)
    for a, b in merge_ranges(ranges):
        last = min(b, len(t) - 1)
        if t[last] - t[a] < cfg.min_duration_s:
            continue
        fwd, i_fwd = _peak(signals["forward"][a:b])
        lat, i_lat = _peak(signals["lateral"][a:b])
        rot, i_rot = _peak(signals["rotation"][a:b])
        fwd_mag = fwd if fwd > 0 else 0.0  # extension is not a toe touch
        lat_mag = abs(lat) if math.isfinite(lat) else 0.0
        rot_mag = abs(rot) if math.isfinite(rot) else 0.0
        sides = signals["lateral"][a:b]
        if fwd_mag >= cfg.min_peak_deg[0] and np.isfinite(sides).any():
            if min(np.nanmax(sides), -np.nanmin(sides)) >= HALF_CIRCLE_MIN_SIDE_DEG:
                circles.append((float(t[a]), float(t[last])))
                continue
        if fwd_mag >= cfg.min_peak_deg[0] and fwd_mag >= lat_mag:
            test, peak, i_peak, conf = "toe_touch", fwd_mag, i_fwd, kin.forward_conf
        elif lat_mag >= cfg.min_peak_deg[1] and lat_mag >= 0.5 * fwd_mag:
            side = "right" if lat > 0 else "left"
            test, peak, i_peak, conf = f"side_bend_{side}", lat_mag, i_lat, kin.lateral_conf
        elif rot_mag >= cfg.min_peak_deg[2] and max(fwd_mag, lat_mag) < cfg.min_peak_deg[1]:
            side = "left" if rot > 0 else "right"
            test, peak, i_peak, conf = f"rotation_{side}", rot_mag, i_rot, kin.rotation_conf
        else:
            continue
        tip = tips[a:b]
        near = np.abs(t[a:b] - t[a + i_peak]) <= _TIP_AROUND_PEAK_S
        seen = np.isfinite(tip[near]).mean() >= 0.5 if near.any() else False
        lowest = float(np.nanmin(tip)) if seen else math.nan
        floor_cm = travel_cm = None
        if test == "toe_touch" and math.isfinite(lowest):
            floor_cm = round(lowest, 1)
        elif test.startswith("side_bend") and math.isfinite(lowest) and math.isfinite(neutral_tip):
            travel_cm = round(neutral_tip - lowest, 1)
        results.append(
            BaselineResult(
                test=test,
                start_s=float(t[a]),
                end_s=float(t[last]),
                peak_time_s=float(t[a + i_peak]),
                peak_deg=round(peak, 1),
                fingertip_floor_cm=floor_cm,
                fingertip_travel_cm=travel_cm,
                confidence=round(float(np.mean(conf[a:b])), 2),
                view=kin.view.kind,
            )
        )
    return results, circles


#: A test's fingertip measure needs fingertips seen around its peak, within this (s).
_TIP_AROUND_PEAK_S: Final = 0.3


def _neutral(kin: KinematicsSeries, tip: NDArray[np.float64]) -> float:
    """Fingertip height (cm) at the neutral stance, NaN when unknown."""
    cal = kin.calibration
    if cal is not None and math.isfinite(cal.start_s):
        sel = (kin.time_s >= cal.start_s) & (kin.time_s <= cal.end_s) & np.isfinite(tip)
        if sel.any():
            return float(np.median(tip[sel]))
    finite = tip[np.isfinite(tip)]
    return float(np.median(finite[: max(1, len(finite) // 10)])) if finite.size else math.nan


@dataclass(frozen=True)
class BaselineRun:
    """The baseline tests measured in one recording.

    Attributes:
        results: The tests found, in time order.
        view: The camera view (front, side, oblique) and its azimuth (deg).
        calibrated: Whether a quiet neutral stance was found to zero the angles on.
        notes: Plain sentences about what could not be measured and why.
        half_circles: Half circles found and left out (no test; :func:`half_circles_note`).
    """

    results: list[BaselineResult]
    view: str
    azimuth_deg: float
    calibrated: bool
    notes: tuple[str, ...] = ()
    half_circles: int = 0

    def missing(self) -> list[str]:
        """Tests of the protocol not found in the recording."""
        found = {r.test for r in self.results}
        return [t for t in TESTS if t not in found]


class BaselineSettings(Protocol):
    """The settings a baseline reads; :class:`halfcircle.config.Settings` has them."""

    @property
    def baseline(self) -> BaselineConfig:
        """How the tests are segmented."""
        ...

    def kinematics_for(
        self, camera_tilt_deg: float = 0.0, body_height_m: float | None = None
    ) -> KinematicsConfig:
        """The kinematics settings for a camera tilt (deg down) and body height (m)."""
        ...


def baseline_kinematics_config(
    height_cm: float | None = None,
    camera_tilt_deg: float = 0.0,
    settings: BaselineSettings | None = None,
) -> KinematicsConfig:
    """Kinematics settings: body height (cm) if known, camera tilt (deg down, 0 level).

    ``settings`` gives the rest (:class:`halfcircle.config.Settings`; defaults when None).
    """
    height_m = height_cm / 100.0 if height_cm is not None else None
    if settings is None:
        return KinematicsConfig.for_setup(camera_tilt_deg, height_m)
    return settings.kinematics_for(camera_tilt_deg, height_m)


def baseline_from_poses(
    poses: PoseSequence,
    height_cm: float | None = None,
    settings: BaselineSettings | None = None,
    camera_tilt_deg: float = 0.0,
) -> BaselineRun:
    """Measure the baseline tests in a recorded pose sequence.

    Args:
        poses: The poses. The whole recording is zeroed on one stance, wherever
            it lies (:func:`halfcircle.kinematics.calibration.choose_stance`; best a quiet
            stance at the start), and every test before and after it is measured.
        height_cm: The person's height (cm), sharpens the fingertip measures.
        settings: Kinematics and segmentation settings (``settings.baseline``);
            the defaults when None.
        camera_tilt_deg: How far the camera looked down (deg, 0 level), if measured.
    """
    kcfg = baseline_kinematics_config(height_cm, camera_tilt_deg, settings)
    calib, stance = calibrate_recording(poses, kcfg.calibration, kcfg.min_visibility)
    kin = compute_kinematics(poses, kcfg, calibration=calib)
    notes = list(kin.notes)
    if not poses.detected.any():
        notes.insert(0, NO_PERSON)
    config = settings.baseline if settings is not None else None
    results: list[BaselineResult] = []
    circles: list[Any] = []
    if kin.calibration is not None:
        tips = fingertip_series(poses, kin, height_cm)
        results, circles = find_movements(kin, config, tips)
        notes += _fingertip_notes(poses, results, height_cm)
        if circles:
            notes.append(half_circles_note(len(circles)))
    if stance is not None:
        said = stance.note(sum(r.start_s < stance.start_s for r in results))
        if said is not None:
            notes.insert(0, said.replace("movement", "test"))
    if (
        kin.calibration is None
        and poses.detected.any()
        and not any(n.startswith(TURNED_PICTURE) for n in notes)
    ):
        notes.insert(
            0,
            "The video never shows a quiet upright stance to calibrate on: start each "
            "recording by standing still for two seconds.",
        )
    if any(r.test.startswith("rotation") for r in results):
        notes.append(
            "Trunk rotation reads low, by 2 to 28 deg on test videos, and by how much "
            "depends on the view and the side: it is for comparing with your own sessions "
            "filmed the same way only, and only a change of more than "
            f"{ROTATION_MARGIN_DEG:g} deg counts as real."
        )
    return BaselineRun(
        results=results,
        view=kin.view.kind,
        azimuth_deg=float(kin.view.azimuth_deg),
        calibrated=kin.calibration is not None,
        notes=tuple(notes),
        half_circles=len(circles),
    )


def half_circles_note(n: int) -> str:
    """The note on ``n`` half circles left out of a baseline (they are no test)."""
    return (
        f"{n} half circle{'s' if n > 1 else ''} in this recording "
        f"{'are' if n > 1 else 'is'} not a baseline test and "
        f"{'were' if n > 1 else 'was'} left out: halfcircle analyze measures "
        f"{'them' if n > 1 else 'it'}. The baseline tests are a toe touch, a side "
        "bend to each side and a rotation, each from upright and back."
    )


def fingertip_series(
    poses: PoseSequence, kin: KinematicsSeries, height_cm: float | None
) -> NDArray[np.float64]:
    """Lowest fingertip above the floor per frame (cm, NaN where not seen).

    :func:`halfcircle.kinematics.fingertip.fingertip_floor_cm` scaled on ``kin``'s calibration
    stance (``kin.calibration`` must be set) and ``height_cm`` when given.
    """
    cal = kin.calibration
    if cal is None:
        raise ValidationError("fingertip_series needs a calibrated KinematicsSeries.")
    stance = (poses.time_s >= cal.start_s) & (poses.time_s <= cal.end_s) & poses.detected
    return fingertip_floor_cm(
        poses.image,
        poses.world,
        poses.visibility,
        poses.image_size,
        stance,
        height_cm / 100.0 if height_cm is not None else None,
    )


def _fingertip_notes(
    poses: PoseSequence,
    results: list[BaselineResult],
    height_cm: float | None,
) -> list[str]:
    """Notes on fingertip measures withheld, and on their scale without a height."""
    notes = []
    for r in results:
        if r.test != "toe_touch" and not r.test.startswith("side_bend"):
            continue
        if r.fingertip_floor_cm is not None or r.fingertip_travel_cm is not None:
            continue
        near = np.abs(poses.time_s - r.peak_time_s) <= _TIP_AROUND_PEAK_S
        why = REASONS[withheld_reason(poses.image, poses.visibility, near)]
        notes.append(
            f"No fingertip distance for the {r.test.replace('_', ' ')}: {why} at its "
            "lowest point. Film the whole body, feet included, to get one."
        )
    if height_cm is None and any(
        r.fingertip_floor_cm is not None or r.fingertip_travel_cm is not None for r in results
    ):
        notes.append(
            "Fingertip distances are scaled to an average body: give your height to "
            "measure them in your own centimetres."
        )
    return notes


def format_result(r: BaselineResult) -> str:
    """One plain line for a test's result.

    The toe touch's angle is the whole trunk's from upright, hips and back
    together, not the lumbar flexion that clinical norms give (40-72 deg).
    """
    what = {
        "toe_touch": "forward bend of the trunk (hips and back together)",
        "side_bend_left": "side bend to the left",
        "side_bend_right": "side bend to the right",
        "rotation_left": "trunk turn to the left",
        "rotation_right": "trunk turn to the right",
    }.get(r.test, r.test)
    line = f"{r.test.replace('_', ' ')}: {r.peak_deg:.0f} deg {what}"
    if r.fingertip_floor_cm is not None:
        line += f", fingertips {r.fingertip_floor_cm:.0f} cm from the floor"
    if r.fingertip_travel_cm is not None:
        line += f", fingertips slid {r.fingertip_travel_cm:.0f} cm down"
    return line + f" (at {r.peak_time_s:.1f} s)"


def merge_runs(runs: list[BaselineRun]) -> BaselineRun:
    """Several recordings of one assessment (one test per video, say) as one run.

    The view is the first recording's; notes are kept once each; a test found in
    more than one recording keeps its first result.
    """
    if not runs:
        raise ValidationError("merge_runs needs at least one run.")
    seen: set[str] = set()
    results: list[BaselineResult] = []
    notes: list[str] = []
    for run in runs:
        for r in run.results:
            if r.test not in seen:
                seen.add(r.test)
                results.append(r)
        notes.extend(n for n in run.notes if n not in notes)
    return BaselineRun(
        results=results,
        view=runs[0].view,
        azimuth_deg=runs[0].azimuth_deg,
        calibrated=all(r.calibrated for r in runs),
        notes=tuple(notes),
        half_circles=sum(r.half_circles for r in runs),
    )
