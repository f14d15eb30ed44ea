"""The overlay draws what it is given, in place, on any frame size."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from halfcircle.landmarks import N_LANDMARKS, PoseFrame
from halfcircle.present.overlay import OverlayInfo, draw_overlay


def _standing_pose() -> PoseFrame:
    image = np.zeros((N_LANDMARKS, 3))
    image[:, 0] = 0.5
    image[:, 1] = np.linspace(0.1, 0.9, N_LANDMARKS)
    image[[11, 23], 0] = 0.6  # person's left appears on the image's right
    image[[12, 24], 0] = 0.4
    image[[11, 12], 1] = 0.3
    image[[23, 24], 1] = 0.6
    return PoseFrame(
        0.0, image, np.zeros((N_LANDMARKS, 3)), np.ones(N_LANDMARKS), np.ones(N_LANDMARKS), 1
    )


@pytest.mark.parametrize("size", [(480, 640), (640, 480), (240, 320)])
def test_overlay_draws_in_place_without_changing_the_frame_shape(size: tuple[int, int]) -> None:
    frame = np.full((*size, 3), 200, np.uint8)
    trace = np.stack([30 * np.cos(np.linspace(0, 3, 20)), 50 * np.sin(np.linspace(0, 3, 20))], 1)
    info = OverlayInfo(
        lateral_deg=12.0,
        forward_deg=30.0,
        phase="front",
        reps=2,
        score=81,
        cue="Slow down through the front.",
        trace=trace,
        last_trace=trace * 0.8,
        fps=30.0,
        latency_ms=40.0,
        help_text="q quit",
    )
    out = draw_overlay(frame, _standing_pose(), info)
    assert out is frame and frame.shape == (*size, 3)
    assert (frame != 200).any(axis=2).mean() > 0.02


def test_mirroring_moves_the_skeleton_to_the_other_side() -> None:
    def drawn_columns(mirrored: bool) -> np.ndarray:
        frame = np.zeros((480, 640, 3), np.uint8)
        pose = _standing_pose()
        pose.image[:, 0] = 0.3  # everything on the image's left third
        draw_overlay(frame, pose, OverlayInfo(), mirrored=mirrored)
        band = frame[200:400]  # below the panels: only the skeleton is drawn here
        return np.flatnonzero(band.any(axis=(0, 2)))

    plain, mirrored = drawn_columns(False), drawn_columns(True)
    assert plain.mean() < 320 < mirrored.mean()


def test_no_person_draws_panels_but_no_skeleton() -> None:
    frame = np.zeros((480, 640, 3), np.uint8)
    draw_overlay(frame, PoseFrame.empty(0.0), OverlayInfo())
    assert not frame[200:400].any()
    assert frame[:120].any()


def test_the_key_help_is_light_type_on_a_dark_strip_over_a_bright_floor() -> None:
    # over a light wooden floor the old grey type had almost no contrast
    floor = np.full((480, 640, 3), 200, dtype=np.uint8)
    image = draw_overlay(floor.copy(), None, OverlayInfo(help_text="c recalibrate   q quit"))
    strip = image[462:478, 4:150]
    assert np.median(strip) < 120  # the strip behind the words is dark
    assert strip.max() >= 200  # and the words on it are light
    assert (image[200:300, 300:400] == 200).all()  # the rest of the picture is untouched


def test_a_long_cue_goes_on_two_lines_in_large_type_inside_the_frame() -> None:
    from halfcircle.present.overlay import draw_cue

    def text_rows(cue: str) -> tuple[int, int, int]:
        img = np.zeros((640, 480, 3), np.uint8)
        draw_cue(img, cue, 1.0)
        white = np.argwhere(img.min(axis=2) > 200)  # the letters
        return int(np.ptp(white[:, 0])), int(white[:, 1].min()), int(white[:, 1].max())

    short_h, _, _ = text_rows("Slow down through the front.")
    long_h, left, right = text_rows(
        "Sweep a little further from one side to the other, if it feels fine."
    )
    assert long_h > 1.8 * short_h  # two lines of the same type, not one shrunk line
    assert 0 < left and right < 479


@pytest.mark.parametrize(
    ("lateral", "forward"), [(float("nan"), 80.0), (5.0, float("nan")), (float("inf"), 1.0)]
)
def test_a_readout_that_was_not_measured_draws_without_a_warning(
    lateral: float, forward: float
) -> None:
    # a toe touch past 75 deg has no side bend: the analysis hands the overlay NaN
    frame = np.zeros((480, 640, 3), np.uint8)
    trace = np.array([[np.nan, 1.0], [2.0, 3.0], [3.0, np.inf], [4.0, 5.0]])
    pose = _standing_pose()
    pose.image[3, 0] = 1e12  # a landmark thrown far out of the frame
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        draw_overlay(frame, pose, OverlayInfo(lateral, forward, trace=trace, last_trace=trace))
    assert frame.any()


def test_the_trace_panel_puts_the_persons_right_where_it_appears_on_screen() -> None:
    def dot_x(mirrored: bool = False, from_behind: bool = False) -> float:
        """Mean column of the orange dot (a 30 deg right bend) in the trace panel."""
        frame = np.zeros((480, 640, 3), np.uint8)
        info = OverlayInfo(lateral_deg=30.0, forward_deg=0.0, from_behind=from_behind)
        draw_overlay(frame, None, info, mirrored=mirrored)
        panel = frame[:120, 640 - 170 :]  # the trace panel, top right
        orange = (panel[..., 2] > 200) & (panel[..., 1] > 100) & (panel[..., 0] < 90)
        return float(np.flatnonzero(orange.any(axis=0)).mean())

    middle = 85.0
    assert dot_x() < middle  # from the front the right side is on the image's left
    assert dot_x(from_behind=True) > middle  # from behind on its right
    assert dot_x(mirrored=True) > middle  # in a mirror on its right
