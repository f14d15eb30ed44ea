"""The synthetic stick skeleton: its poses have the angles they were built from."""

from __future__ import annotations

import numpy as np
import pytest

from halfcircle.kinematics.geometry import hip_line, trunk_vector
from halfcircle.landmarks import LANDMARK
from halfcircle.synthetic import body_points, half_circle, synthetic_clip


@pytest.mark.parametrize(
    ("lateral", "forward"), [(0, 0), (30, 0), (-25, 0), (0, 55), (20, 40), (-30, 50), (0, 100)]
)
def test_body_trunk_vector_has_the_asked_projection_angles(lateral: float, forward: float) -> None:
    t = trunk_vector(body_points(lateral, forward))
    r, f, u = t
    lat = np.degrees(np.arctan2(r * np.sign(u), abs(u)))
    assert lat == pytest.approx(lateral, abs=1e-9)
    assert np.degrees(np.arctan2(f, u)) == pytest.approx(forward, abs=1e-9)


def test_body_right_hip_is_on_the_persons_right() -> None:
    assert hip_line(body_points(0, 0))[0] > 0


def test_front_camera_shows_the_persons_right_on_the_image_left() -> None:
    seq = synthetic_clip([0.0], [0.0], azimuth_deg=0).seq
    assert seq.image[0, LANDMARK["right_shoulder"], 0] < seq.image[0, LANDMARK["left_shoulder"], 0]
    assert seq.world[0, LANDMARK["right_hip"], 0] < 0 < seq.world[0, LANDMARK["left_hip"], 0]


def test_camera_on_the_persons_right_sees_the_right_hip_nearer() -> None:
    seq = synthetic_clip([0.0], [0.0], azimuth_deg=90).seq
    assert seq.world[0, LANDMARK["right_hip"], 2] < seq.world[0, LANDMARK["left_hip"], 2]
    # facing image right: the toes are to the right of the heels
    assert seq.image[0, LANDMARK["left_foot_index"], 0] > seq.image[0, LANDMARK["left_heel"], 0]


def test_forward_bend_brings_the_shoulders_towards_a_front_camera() -> None:
    seq = synthetic_clip([0.0, 0.0], [0.0, 45.0]).seq
    sh = LANDMARK["left_shoulder"]
    assert seq.world[1, sh, 2] < seq.world[0, sh, 2] - 0.2


def test_world_landmarks_are_centred_between_the_hips() -> None:
    seq = synthetic_clip([10.0], [20.0], azimuth_deg=30).seq
    mid = 0.5 * (seq.world[0, LANDMARK["left_hip"]] + seq.world[0, LANDMARK["right_hip"]])
    np.testing.assert_allclose(mid, 0.0, atol=1e-12)


def test_pitched_camera_tilts_the_world_axes() -> None:
    level = synthetic_clip([0.0], [0.0]).seq
    pitched = synthetic_clip([0.0], [0.0], pitch_deg=15).seq
    sh = LANDMARK["left_shoulder"]
    assert level.world[0, sh, 2] == pytest.approx(0.0, abs=1e-9)
    # along the axis of a camera looking down, the top of an upright person is nearer
    assert pitched.world[0, sh, 2] == pytest.approx(-0.5 * np.sin(np.radians(15)), abs=0.02)


def test_half_circle_starts_and_ends_upright_and_reaches_both_sides_and_front() -> None:
    lat, fwd = half_circle(n_rest=10, n_rep=121, lateral_peak_deg=30, forward_peak_deg=50)
    assert lat[0] == fwd[0] == lat[-1] == fwd[-1] == 0
    assert lat.max() == pytest.approx(30, abs=0.5)
    assert lat.min() == pytest.approx(-30, abs=0.5)
    assert fwd.max() == pytest.approx(50, abs=0.5)
    assert np.argmax(lat) < np.argmax(fwd) < np.argmin(lat)  # right first


def test_truth_of_fingertips_and_knees_follows_the_pose() -> None:
    clip = synthetic_clip([0.0, 0.0], [0.0, 60.0], knee_flexion_deg=[10.0, 30.0])
    np.testing.assert_allclose(clip.knee_flexion_deg, [10.0, 30.0])
    assert clip.fingertip_height_cm[1] < clip.fingertip_height_cm[0] - 15
