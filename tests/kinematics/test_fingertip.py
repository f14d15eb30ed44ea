"""Fingertip-to-floor: the estimator on exact synthetic projections, and on the fixtures."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from halfcircle.coaching.baseline import baseline_from_poses
from halfcircle.errors import ValidationError
from halfcircle.kinematics.fingertip import (
    FEET,
    HANDS,
    NOSE,
    FingertipConfig,
    fingertip_floor_cm,
    stance_scale_m_per_px,
    withheld_reason,
)
from tests.conftest import bench_accuracy, fixture_poses, fixture_scene

SIZE = (480, 640)  # portrait; the long side is the height
#: The focal length the estimator assumes (60 deg along the long side), so that
#: the synthetic camera below matches it and the answers are exact.
F_PX = 0.5 * 640 / math.tan(math.radians(30.0))
CAMERA_HEIGHT_M = 1.0
DISTANCE_M = 3.0
HEIGHT_M = 1.70
NO_OFFSET = FingertipConfig(hand_offset=0.0)


def _scene(tip_heights: list[float], nearer_m: list[float], hand_drop_m: float = 0.15):
    """Landmark arrays of a level pinhole camera watching a person, one frame per tip height.

    Feet (heels, toes) on the floor and the nose at ``NOSE_HEIGHT_FRACTION`` of
    ``HEIGHT_M``, all at ``DISTANCE_M``; both index fingertips at ``tip_heights``
    and ``nearer_m`` closer to the camera, their wrists ``hand_drop_m`` above.
    World landmarks are exact metres (y down, z away), hips at 1 m.
    """
    from halfcircle.kinematics.calibration import NOSE_HEIGHT_FRACTION

    n = len(tip_heights)
    # (frame, landmark) -> height above the floor (m), nearer the camera (m), x (m)
    height = np.full((n, 33), 1.0)
    nearer = np.zeros((n, 33))
    x = np.zeros((n, 33))
    height[:, NOSE] = NOSE_HEIGHT_FRACTION * HEIGHT_M
    height[:, FEET] = 0.0
    x[:, FEET] = [0.1, -0.1, 0.1, -0.1]
    for side, (wrist, index) in zip((1.0, -1.0), HANDS, strict=True):
        height[:, index] = tip_heights
        height[:, wrist] = np.asarray(tip_heights) + hand_drop_m
        nearer[:, index] = nearer[:, wrist] = nearer_m
        x[:, index] = x[:, wrist] = 0.25 * side
    z = DISTANCE_M - nearer
    w, h = SIZE
    image = np.zeros((n, 33, 3))
    image[..., 0] = (0.5 * w + F_PX * x / z) / w
    image[..., 1] = (0.5 * h + F_PX * (CAMERA_HEIGHT_M - height) / z) / h
    world = np.stack([x, -(height - 1.0), -nearer], axis=-1)
    visibility = np.ones((n, 33))
    return image, world, visibility


def test_exact_on_a_level_pinhole_camera_with_the_hand_nearer_than_the_feet() -> None:
    tips = [0.80] * 5 + [0.30, 0.10, 0.02, -0.05]
    nearer = [0.0] * 5 + [0.10, 0.25, 0.35, 0.40]
    image, world, vis = _scene(tips, nearer)
    stance = np.arange(len(tips)) < 5
    got = fingertip_floor_cm(image, world, vis, SIZE, stance, HEIGHT_M, NO_OFFSET)
    np.testing.assert_allclose(got, np.array(tips) * 100.0, atol=1e-6)
    # without the perspective term a hand 40 cm nearer would read several cm low
    flat = (image[-1, FEET, 1].mean() - image[-1, HANDS[0][1], 1]) * 640
    naive = flat * 0.935 * HEIGHT_M / ((image[0, FEET, 1].mean() - image[0, NOSE, 1]) * 640)
    assert naive * 100 < tips[-1] * 100 - 3.0


def test_without_a_height_the_world_landmarks_give_the_scale() -> None:
    image, world, vis = _scene([0.8] * 3 + [0.2], [0.0] * 3 + [0.2])
    stance = np.array([True, True, True, False])
    scale, body = stance_scale_m_per_px(image, world, vis, SIZE, stance)
    assert body == pytest.approx(HEIGHT_M)
    assert scale == pytest.approx(DISTANCE_M / F_PX)
    got = fingertip_floor_cm(image, world, vis, SIZE, stance, None, NO_OFFSET)
    assert got[-1] == pytest.approx(20.0, abs=1e-6)
    # a world twice too small halves the body height, and so the distances
    half = fingertip_floor_cm(image, world * 0.5, vis, SIZE, stance, None, NO_OFFSET)
    assert half[-1] == pytest.approx(10.0, abs=1e-6)


def test_the_hand_offset_moves_the_tip_down_along_a_hanging_hand_only() -> None:
    image, world, vis = _scene([0.8] * 3 + [0.3], [0.0] * 4)
    stance = np.array([True, True, True, False])
    cfg = FingertipConfig(hand_offset=0.04)
    got = fingertip_floor_cm(image, world, vis, SIZE, stance, HEIGHT_M, cfg)
    assert got[-1] == pytest.approx(30.0 - 4.0 * HEIGHT_M, abs=1e-6)
    # a horizontal hand (wrist level with the fingertip) is not moved
    flat_image, flat_world, _ = _scene([0.8] * 3 + [0.3], [0.0] * 4, hand_drop_m=0.0)
    for wrist, index in HANDS:
        flat_image[:, wrist, 0] = flat_image[:, index, 0] - 0.05
    got = fingertip_floor_cm(flat_image, flat_world, vis, SIZE, stance, HEIGHT_M, cfg)
    assert got[-1] == pytest.approx(30.0, abs=1e-6)


def test_the_lower_hand_counts() -> None:
    image, world, vis = _scene([0.8] * 3 + [0.4], [0.0] * 4)
    low_image, _, _ = _scene([0.8] * 3 + [0.25], [0.0] * 4)
    wrist, index = HANDS[1]
    image[:, [wrist, index]] = low_image[:, [wrist, index]]
    stance = np.array([True, True, True, False])
    got = fingertip_floor_cm(image, world, vis, SIZE, stance, HEIGHT_M, NO_OFFSET)
    assert got[-1] == pytest.approx(25.0, abs=1e-6)


def test_withheld_when_the_feet_or_the_hands_are_not_seen() -> None:
    image, world, vis = _scene([0.8] * 3 + [0.2] * 3, [0.0] * 6)
    stance = np.arange(6) < 3
    feet_hidden = vis.copy()
    feet_hidden[3, FEET[:3]] = 0.1  # one of four heel and toe points left
    out_of_frame = image.copy()
    out_of_frame[4, FEET[0], 1] = 1.02  # a heel below the bottom edge
    hands_hidden = vis.copy()
    for _, index in HANDS:
        hands_hidden[5, index] = 0.2
    got = fingertip_floor_cm(out_of_frame, world, feet_hidden * hands_hidden, SIZE, stance,
                             HEIGHT_M, NO_OFFSET)  # fmt: skip
    assert np.all(np.isfinite(got[:3])) and np.all(np.isnan(got[3:]))
    assert withheld_reason(image, feet_hidden, np.arange(6) == 3) == "feet"
    assert withheld_reason(out_of_frame, vis, np.arange(6) == 4) == "feet"
    assert withheld_reason(image, hands_hidden, np.arange(6) == 5) == "hands"
    # one hand hidden: the other still gives the distance
    one = vis.copy()
    one[5, HANDS[0][1]] = 0.2
    got = fingertip_floor_cm(image, world, one, SIZE, stance, HEIGHT_M, NO_OFFSET)
    assert got[5] == pytest.approx(20.0, abs=1e-6)


def test_no_scale_without_a_stance_that_shows_nose_and_feet() -> None:
    image, world, vis = _scene([0.8] * 4, [0.0] * 4)
    vis[:, NOSE] = 0.0
    got = fingertip_floor_cm(image, world, vis, SIZE, np.ones(4, bool), HEIGHT_M)
    assert np.all(np.isnan(got))


@pytest.mark.parametrize(
    "changes",
    [{"hand_offset": -0.01}, {"long_side_fov_deg": 5.0}, {"min_visibility": 1.5}, {"min_feet": 0}],
)
def test_config_is_validated(changes: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        dataclasses.replace(FingertipConfig(), **changes)


# ----------------------------------------------------------------------------- fixtures
#: Clips with a toe touch, and which were used while choosing the method.
TOE_TOUCHES = {
    "base_toe_touch": "used",
    "base_toe_touch_front_far": "used (after a first check, see tools/fixtures/README.md)",
    "base_toe_touch_oblique_far": "held out",
}
MDC_CM = 4.5


@pytest.mark.video
@pytest.mark.parametrize("name", sorted(TOE_TOUCHES))
def test_toe_touch_fingertips_within_the_clinical_margin_with_the_height_given(
    name: str,
) -> None:
    scene = fixture_scene(name)
    truth = bench_accuracy().load_truth(name)["fingertip_floor_cm"]
    run = baseline_from_poses(fixture_poses(name), height_cm=scene["standing_height_cm"])
    (toe,) = [r for r in run.results if r.test == "toe_touch"]
    (mv,) = scene["baseline"]
    lowest = float(truth[mv["start_frame"] : mv["end_frame"] + 1].min())
    assert toe.fingertip_floor_cm is not None
    assert abs(toe.fingertip_floor_cm - lowest) <= MDC_CM, (toe.fingertip_floor_cm, lowest)
    assert not any("average body" in note for note in run.notes)


@pytest.mark.video
def test_without_a_height_the_baseline_says_the_scale_is_an_average_body() -> None:
    run = baseline_from_poses(fixture_poses("base_toe_touch_oblique_far"))
    assert run.results[0].fingertip_floor_cm is not None
    assert any("give your height" in note for note in run.notes)


@pytest.mark.video
def test_feet_hidden_at_the_lowest_point_withholds_the_distance_with_a_note() -> None:
    name = "base_toe_touch_oblique_far"
    poses = fixture_poses(name)
    (mv,) = fixture_scene(name)["baseline"]
    vis = poses.visibility.copy()
    vis[mv["start_frame"] + 40 : mv["end_frame"] - 40][:, FEET] = 0.0
    hidden = dataclasses.replace(poses, visibility=vis)
    run = baseline_from_poses(hidden, height_cm=fixture_scene(name)["standing_height_cm"])
    (toe,) = [r for r in run.results if r.test == "toe_touch"]
    assert toe.fingertip_floor_cm is None
    assert any("No fingertip distance for the toe touch" in n and "feet" in n for n in run.notes)
