"""The stage demonstration: its path follows the stage, and it is drawn in its inset only."""

from __future__ import annotations

import numpy as np
import pytest

from halfcircle.live.guided_session import GuidedSessionFlow
from halfcircle.present.demo import DEMO_LOOP_S, demo_angles, draw_demo

L, F = 25.0, 45.0
PATHS = [
    # stage, fraction of the loop, (lateral, forward): person's right positive
    ("side_bends", 0.0, (0.0, 0.0)),
    ("side_bends", 0.25, (L, 0.0)),
    ("side_bends", 0.5, (0.0, 0.0)),
    ("side_bends", 0.75, (-L, 0.0)),
    ("roll_downs", 0.25, (0.0, F / 2)),
    ("roll_downs", 0.5, (0.0, F)),
    ("roll_downs", 0.999, (0.0, 0.0)),
    ("half_circle", 0.2, (L, 0.0)),
    ("half_circle", 0.5, (0.0, F)),
    ("half_circle", 0.8, (-L, 0.0)),
    ("half_circle", 0.999, (0.0, 0.0)),
]


@pytest.mark.parametrize(("stage", "u", "expected"), PATHS)
def test_the_demonstration_follows_the_stage_path(
    stage: str, u: float, expected: tuple[float, float]
) -> None:
    lateral, forward = demo_angles(stage, u * DEMO_LOOP_S)
    assert lateral == pytest.approx(expected[0], abs=0.01)
    assert forward == pytest.approx(expected[1], abs=0.01)


@pytest.mark.parametrize("stage", ["side_bends", "roll_downs", "half_circle", "routine"])
def test_the_demonstration_is_drawn_in_its_inset_at_the_bottom_right_only(stage: str) -> None:
    image = np.full((480, 640, 3), 200, np.uint8)
    draw_demo(image, stage, 1.0)
    side = 480 // 3
    inset = image[480 - side - 8 : 480 - 8, 640 - side - 8 : 640 - 8]
    outside = image.copy()
    outside[480 - side - 8 : 480 - 8, 640 - side - 8 : 640 - 8] = 200
    assert (outside == 200).all()
    assert (inset == 255).any() and (inset < 100).any()  # the figure on a dark panel


def test_a_bend_to_the_right_is_drawn_on_the_right_in_a_mirror_and_on_the_left_from_a_camera() -> (
    None
):
    t = 0.25 * DEMO_LOOP_S  # the side bend's right peak
    columns = []
    for mirrored in (True, False):
        image = np.zeros((300, 300, 3), np.uint8)
        draw_demo(image, "side_bends", t, mirrored=mirrored, size=200)
        head = np.argwhere((image == 255).all(axis=2))
        head = head[head[:, 0] < 300 - 8 - 200 * 0.5]  # the upper half of the inset
        columns.append(head[:, 1].mean())
    mirror_x, camera_x = columns
    centre = 300 - 8 - 100
    assert mirror_x > centre > camera_x


def test_the_demonstration_shows_before_the_set_and_on_d_during_it() -> None:
    flow = GuidedSessionFlow(stage="roll_downs")
    flow.state = "practice_intro"
    assert flow.showing_demo
    flow.key(" ")
    assert flow.state == "practising" and not flow.showing_demo
    assert "d to see the movement" in flow.prompt()
    flow.key("d")
    assert flow.showing_demo
    flow.key("d")
    assert not flow.showing_demo
