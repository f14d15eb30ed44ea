"""Perspective settles which way the trunk leans along the camera axis (synthetic poses).

Synthetic stick figures seen by a pinhole camera 3 m away (a real room's
perspective), with MediaPipe's failures put into the world landmarks: a lean
back whose depth reads slightly nearer, and a whole recording read with its
depth reversed and left and right exchanged.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from halfcircle.kinematics.measure import (
    NOTE_REVERSED,
    compute_kinematics,
    measure,
    measure_one,
    seen_reversed,
)
from halfcircle.kinematics.perspective import (
    depth_evidence,
    depth_reversed,
    reverse_depth,
    settle_depth_sign,
    turn_error_log,
    turn_error_log_one,
    width_ratio_log,
    width_ratio_log_one,
)
from halfcircle.landmarks import LANDMARK, PoseSequence
from halfcircle.synthetic import half_circle, synthetic_clip

ROOM = {"distance_m": 3.0, "focal_px": 600.0}
REST, RAMP = 40, 20
L_SH, R_SH = LANDMARK["left_shoulder"], LANDMARK["right_shoulder"]


def _hold(value: float) -> np.ndarray:
    return np.concatenate([np.zeros(REST), np.linspace(0.0, value, RAMP + 1)[1:]])


def _depth_read(seq: PoseSequence, share: float) -> PoseSequence:
    """The world depth (about the hips) read at ``share`` of itself (negative: the wrong way)."""
    world = seq.world.copy()
    mid = 0.5 * (world[:, LANDMARK["left_hip"], 2] + world[:, LANDMARK["right_hip"], 2])
    world[..., 2] = mid[:, None] + share * (world[..., 2] - mid[:, None])
    return dataclasses.replace(seq, world=world)


def _lean_back(azimuth: float, share: float) -> PoseSequence:
    n = REST + RAMP
    return _depth_read(
        synthetic_clip(np.zeros(n), _hold(-25.0), azimuth_deg=azimuth, **ROOM).seq, share
    )


@pytest.mark.parametrize("azimuth", [0.0, 180.0])
def test_a_lean_back_whose_world_depth_reads_it_nearer_reads_as_a_lean_back(
    azimuth: float,
) -> None:
    # MediaPipe put a rendered lean back's shoulders 2 cm nearer the camera: the
    # fused angle read +3.5. The shoulders shrinking in the picture say "away".
    seq = _lean_back(azimuth, -0.1)
    k = compute_kinematics(seq, smoothing="none")
    assert k.view.kind == ("front" if azimuth == 0.0 else "back")
    assert k.forward_deg[-1] == pytest.approx(-25.0, abs=3.0)
    assert abs(k.lateral_deg[-1]) < 1.0
    calib = k.calibration
    assert calib is not None
    without = dataclasses.replace(calib, width_ratio_log=float("nan"))  # an older calibration
    old = compute_kinematics(seq, calibration=without, smoothing="none")
    assert old.forward_deg[-1] > 0.0  # the sign MediaPipe's depth gave


def test_a_forward_bend_whose_depth_reads_right_is_left_as_it_was() -> None:
    n = REST + RAMP
    seq = _depth_read(synthetic_clip(np.zeros(n), _hold(40.0), **ROOM).seq, 0.7)
    k = compute_kinematics(seq, smoothing="none")
    calib = k.calibration
    assert calib is not None
    without = compute_kinematics(
        seq, calibration=dataclasses.replace(calib, width_ratio_log=float("nan")), smoothing="none"
    )
    np.testing.assert_array_equal(k.forward_deg, without.forward_deg)
    assert k.forward_deg[-1] > 25.0


def test_the_scalar_twin_settles_the_sign_as_the_whole_array_path_does() -> None:
    seq = _lean_back(0.0, -0.1)
    calib = compute_kinematics(seq).calibration
    assert calib is not None
    whole = measure(seq.image, seq.world, seq.visibility, seq.image_size, calib)
    assert whole["forward_deg"][-1] < -20.0
    for i in range(REST, len(seq)):  # (upright, phi is undefined and rounds either way)
        one = measure_one(seq.frame(i), seq.image_size, calib)
        for name, value in one.items():
            np.testing.assert_allclose(value, whole[name][i], atol=1e-9, err_msg=name)


def test_scalar_width_ratio_and_turn_error_equal_the_whole_array_ones() -> None:
    seq = _lean_back(0.0, -0.1)
    px = seq.image[..., :2] * np.array(seq.image_size, dtype=float)
    ratio, turn = width_ratio_log(px, seq.world), turn_error_log(seq.world)
    for i in (0, len(seq) - 1):
        assert width_ratio_log_one(px[i], seq.world[i]) == pytest.approx(ratio[i], abs=1e-12)
        assert turn_error_log_one(seq.world[i]) == pytest.approx(turn[i], abs=1e-12)


def test_the_width_ratio_does_not_read_a_turn_as_a_change_of_size() -> None:
    # a 30 deg shoulder turn narrows the shoulders in the picture by cos(30)
    px = np.zeros((1, 33, 2))
    world = np.zeros((1, 33, 3))
    px[0, LANDMARK["left_hip"]], px[0, LANDMARK["right_hip"]] = (10.0, 0.0), (-10.0, 0.0)
    world[0, LANDMARK["left_hip"]], world[0, LANDMARK["right_hip"]] = (0.1, 0, 0), (-0.1, 0, 0)
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    px[0, L_SH], px[0, R_SH] = (20.0 * c, -50.0), (-20.0 * c, -50.0)
    world[0, L_SH], world[0, R_SH] = (0.2 * c, -0.5, 0.2 * s), (-0.2 * c, -0.5, -0.2 * s)
    assert width_ratio_log(px, world)[0] == pytest.approx(math.log(2.0), abs=1e-9)
    # MediaPipe reads only three quarters of a turn: the rest is counted as error
    assert turn_error_log(world)[0] > 0.02
    world[0, L_SH, 2] = world[0, R_SH, 2] = 0.0
    assert turn_error_log(world)[0] == pytest.approx(0.0, abs=1e-12)


def test_only_strong_evidence_against_the_depth_turns_its_sign() -> None:
    vectors = np.array([[0.0, -0.9, -0.05]] * 3)
    z_fore = np.full(3, 0.43)
    out = settle_depth_sign(vectors, z_fore, np.array([10.0, 2.0, -10.0]))
    np.testing.assert_allclose(out[:, 2], [0.43, -0.05, -0.05])
    np.testing.assert_array_equal(out[:, :2], vectors[:, :2])


def test_where_the_models_depth_missed_the_lean_clear_evidence_gives_its_size_too() -> None:
    # a lean back the model's depth barely saw: the fused depth agrees in sign but is
    # far too small; clear evidence then sets the foreshortening's size
    vectors = np.array([[0.0, -0.9, 0.05]] * 3)
    z_fore = np.full(3, 0.43)
    missed = np.array([True, True, False])
    out = settle_depth_sign(vectors, z_fore, np.array([10.0, 2.0, 10.0]), missed)
    np.testing.assert_allclose(out[:, 2], [0.43, 0.05, 0.05])


def test_a_depth_that_missed_the_lean_gives_no_evidence_of_its_direction() -> None:
    # MediaPipe read 0.02 of a 0.4 foreshortening (a lean back from the front): only the
    # perspective speaks; a depth that reads its share speaks as before
    z_fore, persp = np.full(2, 0.4), np.full(2, 0.18)
    args = (5.0, 0.03, 0.35)
    missed = depth_evidence(z_fore, np.array([-0.02, -0.02]), persp, *args)
    alone = depth_evidence(z_fore, np.zeros(2), persp, *args)
    np.testing.assert_allclose(missed, alone)
    seen = depth_evidence(z_fore, np.array([-0.3, -0.3]), persp, *args)
    assert np.all(seen < alone - 5.0)


def test_reversing_twice_gives_the_poses_back_and_once_exchanges_left_and_right() -> None:
    lat, fwd = half_circle(n_rest=REST, n_rep=60)
    seq = synthetic_clip(lat, fwd, **ROOM).seq
    once = reverse_depth(seq)
    np.testing.assert_array_equal(once.image[:, L_SH, :2], seq.image[:, R_SH, :2])
    twice = reverse_depth(once)
    for name in ("image", "world", "visibility", "presence"):
        np.testing.assert_allclose(getattr(twice, name), getattr(seq, name), atol=1e-12)


@pytest.mark.parametrize("azimuth", [0.0, 180.0])
def test_a_recording_read_the_other_way_round_is_read_back(azimuth: float) -> None:
    # The pictures of a person seen from behind, read as a person facing the
    # camera (left and right exchanged, depth reversed): only the perspective
    # tells, once the trunk bends out of the image plane.
    lat, fwd = half_circle(n_rest=REST, n_rep=90)
    seq = synthetic_clip(lat, fwd, azimuth_deg=azimuth, **ROOM).seq
    as_read = compute_kinematics(seq)
    calib = as_read.calibration
    assert calib is not None and not seen_reversed(seq, calib)
    wrong = reverse_depth(seq)
    k = compute_kinematics(wrong)
    assert NOTE_REVERSED in k.notes
    assert k.view.kind == as_read.view.kind == ("front" if azimuth == 0.0 else "back")
    np.testing.assert_allclose(k.lateral_deg, as_read.lateral_deg, atol=0.5)
    np.testing.assert_allclose(k.forward_deg, as_read.forward_deg, atol=0.5)


def test_no_reversal_is_found_without_a_bend_out_of_the_image_plane() -> None:
    assert not depth_reversed(np.full(30, 0.2), np.full(30, -0.2), np.full(30, 0.2))
    # a lean MediaPipe merely misses (its depth a tenth of the foreshortening) is no reversal
    assert not depth_reversed(np.full(30, 0.6), np.full(30, -0.06), np.full(30, 0.5))
    assert depth_reversed(np.full(30, 0.6), np.full(30, -0.4), np.full(30, 0.5))
