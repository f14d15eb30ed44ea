"""Neutral calibration: finding a quiet stance, body axes, view, offsets, reuse."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from halfcircle.errors import InputError, ValidationError
from halfcircle.kinematics.calibration import (
    CalibrationConfig,
    NeutralCalibration,
    NeutralDetector,
    _axes_for_azimuth,
    find_neutral_window,
    stance_features,
    tilt_axes,
)
from halfcircle.kinematics.geometry import TORSO, image_pixels
from halfcircle.kinematics.measure import KinematicsConfig, calibrate_sequence, compute_kinematics
from halfcircle.kinematics.view import azimuth_from_axes
from halfcircle.synthetic import synthetic_clip

FPS = 30.0
#: A far camera with a long lens: almost no perspective.
FAR = {"distance_m": 400.0, "focal_px": 80000.0}


def _features(clip_seq):  # type: ignore[no-untyped-def]
    px = image_pixels(clip_seq.image, clip_seq.image_size)
    ok = np.min(clip_seq.visibility[:, TORSO], axis=-1) >= 0.5
    return clip_seq.time_s, ok, stance_features(px)


def test_detector_finds_the_first_quiet_second() -> None:
    lat = np.concatenate([np.linspace(0, 20, 30), np.full(60, 20.0) * 0, np.zeros(30)])
    lat[:30] = 20 * np.sin(np.linspace(0, 6, 30))  # moving first
    seq = synthetic_clip(lat, np.zeros_like(lat)).seq
    window = find_neutral_window(*_features(seq))
    assert window is not None
    start, stop = window
    assert start >= 29  # not while moving
    assert (stop - 1 - start) / FPS == pytest.approx(1.0, abs=1.5 / FPS)


def test_detector_rejects_swaying_and_bent_stances() -> None:
    t = np.arange(120) / FPS
    sway = synthetic_clip(3.0 * np.sin(2 * np.pi * 0.7 * t), np.zeros(120)).seq
    bent = synthetic_clip(np.full(120, 40.0), np.zeros(120)).seq
    assert find_neutral_window(*_features(sway)) is None
    assert find_neutral_window(*_features(bent)) is None


def test_detector_restarts_its_window_after_an_invalid_frame() -> None:
    seq = synthetic_clip(np.zeros(60), np.zeros(60)).seq
    time_s, ok, feats = _features(seq)
    ok[20] = False
    window = find_neutral_window(time_s, ok, feats)
    assert window is not None and window[0] == 21


def test_detector_reports_found_once() -> None:
    seq = synthetic_clip(np.zeros(100), np.zeros(100)).seq
    time_s, ok, feats = _features(seq)
    det = NeutralDetector()
    hits = [det.update(float(time_s[i]), bool(ok[i]), feats[i]) for i in range(100)]
    assert sum(hits) == 1
    assert det.found


@pytest.mark.parametrize("azimuth", [0.0, 25.0, 45.0, -45.0, 60.0, 90.0, -90.0])
def test_calibration_estimates_the_camera_azimuth(azimuth: float) -> None:
    seq = synthetic_clip(np.zeros(40), np.zeros(40), azimuth_deg=azimuth).seq
    calib = calibrate_sequence(seq)
    assert calib is not None
    assert calib.azimuth_deg == pytest.approx(azimuth, abs=1.0)
    axes = calib.axes
    np.testing.assert_allclose(axes @ axes.T, np.eye(3), atol=1e-9)
    np.testing.assert_allclose(np.cross(axes[0], axes[1]), axes[2], atol=1e-9)


def test_side_view_with_swapped_left_right_labels_keeps_the_forward_direction() -> None:
    seq = synthetic_clip(np.zeros(40), np.zeros(40), azimuth_deg=90.0).seq
    swap = np.arange(33)
    for a, b in [(11, 12), (23, 24), (13, 14), (15, 16), (25, 26), (27, 28), (29, 30), (31, 32)]:
        swap[a], swap[b] = b, a
    # MediaPipe sometimes swaps sides in a side view; the depth order is then reversed
    swapped = type(seq)(
        seq.time_s, seq.image[:, swap], seq.world[:, swap], seq.visibility, seq.presence,
        seq.n_people, seq.image_size, seq.fps,
    )  # fmt: skip
    a, b = calibrate_sequence(seq), calibrate_sequence(swapped)
    assert a is not None and b is not None
    np.testing.assert_allclose(a.axes[1], b.axes[1], atol=1e-6)


def test_snapping_turns_a_near_front_view_to_exactly_front() -> None:
    seq = synthetic_clip(np.zeros(40), np.zeros(40), azimuth_deg=8.0).seq
    calib = calibrate_sequence(seq)
    assert calib is not None
    assert calib.view.snapped_deg == 0.0
    assert float(azimuth_from_axes(calib.axes[0], calib.axes[1])) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("azimuth", [0.0, 33.0, -120.0, 90.0])
def test_axes_for_azimuth_are_perpendicular_to_a_tilted_up(azimuth: float) -> None:
    up = np.array([0.0, -np.cos(0.3), np.sin(0.3)])
    right, forward = _axes_for_azimuth(up, azimuth)
    assert float(right @ up) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(np.cross(right, forward), up, atol=1e-12)
    assert float(azimuth_from_axes(right, forward)) == pytest.approx(azimuth, abs=1e-9)


def test_calibration_zeroes_a_leaning_neutral_stance() -> None:
    # The person's neutral leans 4 deg forward and 2 deg right; calibration makes it
    # zero. The forward lean is depth from a front camera, taken as MediaPipe's depth
    # bias and subtracted as a depth: movement from it reads a little high.
    lat = np.full(60, 2.0)
    fwd = np.full(60, 4.0)
    fwd[40:] = 34.0
    k = compute_kinematics(synthetic_clip(lat, fwd, **FAR).seq, smoothing="none")
    np.testing.assert_allclose(k.lateral_deg[:30], 0.0, atol=1e-6)
    np.testing.assert_allclose(k.forward_deg[:30], 0.0, atol=1e-6)
    assert k.forward_deg[50] == pytest.approx(30.0, abs=3.5)


def test_calibration_removes_camera_pitch() -> None:
    fwd = np.concatenate([np.zeros(40), np.full(20, 40.0)])
    clip = synthetic_clip(np.zeros(60), fwd, pitch_deg=12, **FAR)
    k = compute_kinematics(clip.seq, smoothing="none")
    assert k.forward_deg[10] == pytest.approx(0.0, abs=1e-6)
    assert k.forward_deg[50] == pytest.approx(40.0, abs=1.0)


def _tilted(camera_tilt_deg: float) -> KinematicsConfig:
    return KinematicsConfig.for_setup(camera_tilt_deg)


@pytest.mark.parametrize("azimuth", [0.0, 30.0])
def test_a_camera_looking_down_reads_forward_flexion_high_unless_its_tilt_is_given(
    azimuth: float,
) -> None:
    # A camera 12 deg down that looks at the hips (above them by distance * tan 12).
    # held poses, each reached in 0.2 s (a body cannot jump there within a frame)
    keys = [0, 40, 46, 60, 66, 80, 86, 99]
    fwd = np.interp(np.arange(100), keys, [0, 0, 40, 40, 70, 70, 0, 0])
    lat = np.interp(np.arange(100), keys, [0, 0, 0, 0, 0, 0, 30, 30])
    height = FAR["distance_m"] * math.tan(math.radians(12.0))
    seq = synthetic_clip(
        lat, fwd, pitch_deg=12.0, azimuth_deg=azimuth, camera_height_m=height, **FAR
    ).seq
    level = compute_kinematics(seq, smoothing="none")
    told = compute_kinematics(seq, _tilted(12.0), smoothing="none")
    assert level.forward_deg[50] > 45.0 and level.forward_deg[70] > 75.0
    assert told.forward_deg[10] == pytest.approx(0.0, abs=1e-6)
    assert told.forward_deg[50] == pytest.approx(40.0, abs=0.1)
    assert told.forward_deg[70] == pytest.approx(70.0, abs=0.1)
    assert told.lateral_deg[90] == pytest.approx(30.0, abs=0.1)
    assert told.forward_deg[90] == pytest.approx(0.0, abs=0.5)
    assert told.calibration is not None and told.calibration.camera_tilt_deg == 12.0


@pytest.mark.parametrize("azimuth", [0.0, 45.0, 90.0])
def test_a_tilt_leans_the_up_axis_towards_a_camera_that_looks_down(azimuth: float) -> None:
    up = np.array([0.0, -1.0, 0.0])
    right, fwd = _axes_for_azimuth(up, azimuth)
    axes = tilt_axes(np.stack([right, fwd, up]), 10.0)
    np.testing.assert_allclose(axes @ axes.T, np.eye(3), atol=1e-12)
    assert axes[2, 2] == pytest.approx(-math.sin(math.radians(10.0)))  # top nearer the camera
    assert azimuth_from_axes(axes[0], axes[1]) == pytest.approx(azimuth, abs=1e-6)
    np.testing.assert_allclose(tilt_axes(np.stack([right, fwd, up]), 0.0), [right, fwd, up])


def test_a_camera_tilt_beyond_45_degrees_is_refused() -> None:
    with pytest.raises(ValidationError, match="camera_tilt_deg"):
        CalibrationConfig(camera_tilt_deg=50.0)


def test_a_calibration_keeps_its_camera_tilt_through_json_and_reads_version_2_as_level() -> None:
    seq = synthetic_clip(np.zeros(40), np.zeros(40)).seq
    calib = calibrate_sequence(seq, _tilted(-6.0))
    assert calib is not None
    back = NeutralCalibration.from_dict(json.loads(json.dumps(calib.to_dict())))
    assert back.camera_tilt_deg == -6.0
    np.testing.assert_allclose(back.axes, calib.axes)
    old = {k: v for k, v in calib.to_dict().items() if k != "camera_tilt_deg"}
    assert NeutralCalibration.from_dict(old | {"schema_version": 2}).camera_tilt_deg == 0.0


def test_a_front_calibration_keeps_its_shoulder_line_through_json_and_reads_version_3() -> None:
    seq = synthetic_clip(np.zeros(40), np.zeros(40)).seq
    calib = calibrate_sequence(seq)
    assert calib is not None and calib.view.snapped_deg == 0.0
    assert calib.shoulder_length_m > 0 and np.isfinite(calib.shoulder_depth_bias_m)
    back = NeutralCalibration.from_dict(json.loads(json.dumps(calib.to_dict())))
    assert back.shoulder_length_m == calib.shoulder_length_m
    assert back.shoulder_depth_bias_m == calib.shoulder_depth_bias_m
    # a version 3 calibration (saved before the shoulder line's length) reads without it
    old = {k: v for k, v in calib.to_dict().items() if not k.startswith("shoulder_length")}
    v3 = NeutralCalibration.from_dict(old | {"schema_version": 3})
    assert np.isnan(v3.shoulder_length_m)


def test_an_oblique_calibration_has_no_front_shoulder_line() -> None:
    calib = calibrate_sequence(synthetic_clip(np.zeros(40), np.zeros(40), azimuth_deg=45.0).seq)
    assert calib is not None
    assert np.isnan(calib.shoulder_length_m) and np.isnan(calib.shoulder_depth_bias_m)


def test_explicit_window_is_used_instead_of_searching() -> None:
    fwd = np.concatenate([np.full(30, 10.0), np.zeros(30)])
    seq = synthetic_clip(np.zeros(60), fwd).seq
    calib = calibrate_sequence(seq, window=(0.0, 0.9))
    assert calib is not None and calib.end_s < 1.0
    k = compute_kinematics(seq, calibration=calib, smoothing="none")
    assert k.forward_deg[45] == pytest.approx(-10.0, abs=0.5)


def test_body_height_sets_the_metric_scale() -> None:
    seq = synthetic_clip(np.zeros(40), np.zeros(40)).seq
    from halfcircle.kinematics.measure import KinematicsConfig

    plain = calibrate_sequence(seq)
    tall = calibrate_sequence(seq, KinematicsConfig.for_setup(body_height_m=2.5))
    assert plain is not None and tall is not None
    assert plain.metric_scale == 1.0
    assert tall.metric_scale > 1.2


def test_calibration_round_trips_through_json() -> None:
    seq = synthetic_clip(np.zeros(40), np.zeros(40), azimuth_deg=45.0).seq
    calib = calibrate_sequence(seq)
    assert calib is not None
    back = NeutralCalibration.from_dict(json.loads(json.dumps(calib.to_dict())))
    np.testing.assert_allclose(back.axes, calib.axes)
    assert back.view == calib.view
    assert back.metres_per_pixel == calib.metres_per_pixel


def test_calibration_from_a_newer_schema_is_refused() -> None:
    seq = synthetic_clip(np.zeros(40), np.zeros(40)).seq
    calib = calibrate_sequence(seq)
    assert calib is not None
    data = calib.to_dict() | {"schema_version": 99}
    with pytest.raises(InputError, match="version 99"):
        NeutralCalibration.from_dict(data)


def test_calibration_axes_must_be_orthonormal() -> None:
    seq = synthetic_clip(np.zeros(40), np.zeros(40)).seq
    calib = calibrate_sequence(seq)
    assert calib is not None
    with pytest.raises(ValidationError, match="orthonormal"):
        NeutralCalibration.from_dict(calib.to_dict() | {"axes": [[1, 0, 0], [1, 0, 0], [0, 0, 1]]})


@pytest.mark.parametrize(
    "kwargs",
    [{"window_s": 0}, {"max_tilt_deg": 120}, {"snap_deg": 50}, {"body_height_m": 4.0}],
)
def test_calibration_config_rejects_bad_values(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        CalibrationConfig(**kwargs)


# ------------------------------------------------------------------ calibrate anywhere
def _clip(lat: np.ndarray, fwd: np.ndarray | None = None):  # type: ignore[no-untyped-def]
    return synthetic_clip(lat, np.zeros_like(lat) if fwd is None else fwd, noise_px=0.3).seq


def test_choose_stance_takes_the_first_quiet_second_even_after_a_movement() -> None:
    from halfcircle.kinematics.calibration import choose_stance

    bend = 25 * np.sin(np.linspace(0, np.pi, 90))
    seq = _clip(np.concatenate([np.zeros(9), bend, np.zeros(45), bend, np.zeros(60)]))
    choice = choose_stance(*_features(seq))
    assert choice is not None and choice.rule == "first_quiet_second"
    assert 99 / FPS - 0.05 <= choice.start_s and choice.end_s <= 144 / FPS + 0.05
    assert choice.duration_s == pytest.approx(1.0, abs=1.5 / FPS)
    assert choice.quiet_stances == 3
    assert choice.note(moved_before=1) is not None and choice.note(0) is None


def test_choose_stance_falls_back_on_a_short_stance_never_on_a_pause_at_the_side() -> None:
    from halfcircle.kinematics.calibration import choose_stance

    out = 25 * np.sin(np.linspace(0, np.pi / 2, 45))
    # 0.4 s upright, out to the right side, 0.8 s still there (quiet, but bent), back, 0.4 s
    lat = np.concatenate([np.zeros(12), out, np.full(24, 25.0), out[::-1], np.zeros(12)])
    choice = choose_stance(*_features(_clip(lat)))
    assert choice is not None and choice.rule == "short_stance"
    assert choice.start_s < 0.5 or choice.start_s > (12 + 45 + 24 + 45) / FPS - 0.1
    assert 0.3 <= choice.duration_s < 1.0
    assert "No second of quiet standing" in (choice.note() or "")


def test_choose_stance_without_any_stance_takes_the_most_upright_moment() -> None:
    from halfcircle.kinematics.calibration import choose_stance

    t = np.arange(150) / FPS
    lat = 20 * np.sin(2 * np.pi * 0.4 * t)  # swaying side to side all the time
    choice = choose_stance(*_features(_clip(lat)))
    assert choice is not None and choice.rule == "steadiest_moment"
    mid = (choice.start + choice.stop - 1) // 2
    assert abs(lat[mid]) < 5.0  # at an upright crossing, not at a turning point
    assert "off by several degrees" in (choice.note() or "")


def test_calibrate_recording_gives_none_without_a_usable_frame() -> None:
    from halfcircle.kinematics.calibration import calibrate_recording

    seq = _clip(np.full(40, 60.0))  # bent beyond max_tilt_deg throughout
    assert calibrate_recording(seq) == (None, None)


def test_a_tilt_told_after_the_stance_recalibrates_the_stream_as_if_given_from_the_start() -> None:
    """StreamingKinematics.set_camera_tilt: the live picture's pitch comes after the stance."""
    from halfcircle.kinematics.measure import StreamingKinematics

    keys = [0, 40, 46, 60, 66, 99]
    fwd = np.interp(np.arange(100), keys, [0, 0, 40, 40, 0, 0])
    height = FAR["distance_m"] * math.tan(math.radians(12.0))
    seq = synthetic_clip(np.zeros(100), fwd, pitch_deg=12.0, camera_height_m=height, **FAR).seq
    given = StreamingKinematics(seq.image_size, _tilted(12.0), smooth=False)
    later = StreamingKinematics(seq.image_size, _tilted(0.0), smooth=False)
    a = [given.update(seq.frame(i)) for i in range(100)]
    b = []
    for i in range(100):
        b.append(later.update(seq.frame(i)))
        if later.calibration is not None and later.config.calibration.camera_tilt_deg == 0.0:
            assert later.stance_frames  # the frames it calibrated on are kept
            level_at_40 = later.calibration
            later.set_camera_tilt(12.0)
            assert later.calibration is not level_at_40
    assert later.calibration is not None and given.calibration is not None
    assert later.calibration.camera_tilt_deg == 12.0
    assert b[50].forward_deg == pytest.approx(a[50].forward_deg, abs=1e-6)
    assert b[50].forward_deg == pytest.approx(40.0, abs=0.5)
    later.recalibrate()
    assert later.stance_frames == () and later.calibration is None


@pytest.mark.parametrize(
    ("turn", "said"),
    [(0, None), (25, None), (90, "on its side"), (-90, "on its side"), (180, "upside down")],
)
def test_a_picture_turned_on_its_side_or_upside_down_is_named(turn: int, said: str | None) -> None:
    # a phone video rotated in its pixels without the rotation recorded: "The video never
    # shows a quiet upright stance ... start by standing still", to a person who had
    from halfcircle.kinematics.calibration import turned_picture_note

    pixels = np.full((30, 33, 2), np.nan)
    a = np.radians(turn)
    up = np.array([np.sin(a), -np.cos(a)])  # the trunk's direction in the image
    hip, side = np.array([320.0, 300.0]), np.array([10.0, 0.0])
    pixels[:, 23], pixels[:, 24] = hip - side, hip + side
    pixels[:, 11], pixels[:, 12] = hip + 150 * up - side, hip + 150 * up + side
    note = turned_picture_note(pixels)
    assert (note is None) if said is None else (note is not None and said in note)
