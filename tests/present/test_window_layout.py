"""The live window is laid out for the window, readable from 3 m (issue #20).

The layout is data (:func:`window_layout`); :func:`draw_window` reports the text
heights it actually drew, so each check reads the drawing, not only the plan. The
same floors are checked on the real window under Xvfb in ``test_window_xvfb.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from halfcircle.coaching.cues import LIVE_CUE_RULES, REP_CUE_RULES
from halfcircle.live.coach import positioning_advice
from halfcircle.live.options import COUNTDOWN_S, HELP_TEXT
from halfcircle.present.layout import (
    MIN_CUE_FRACTION,
    MIN_READOUT_FRACTION,
    Box,
    parse_window_size,
    window_layout,
)
from halfcircle.present.overlay import OverlayInfo, draw_message_screen, draw_window
from halfcircle.present.screens import EndOfSet

#: Window sizes people have: the camera's own, laptops, a 5:4 monitor, a TV.
WINDOWS = [(640, 480), (1280, 720), (1920, 1080), (1366, 768), (1280, 1024)]
#: A tall window too: its parts still fit (its text is held to the width, not the height).
SHAPES = [*WINDOWS, (720, 1280)]
CAMERA = (640, 480)

#: Every sentence the window shows in large type: rep and live cues, guidance.
LARGE_TEXTS = sorted(
    {rule.text for rule in (*REP_CUE_RULES, *LIVE_CUE_RULES)}
    | {
        positioning_advice(None) or "",
        "Your head is out of view: step back, or raise the camera and keep it level.",
        "Your hips are out of view: step back, or lower the camera and keep it level.",
        f"Stand still against the wall, knees soft: {int(COUNTDOWN_S)}",
        "Calibrated. Start your half circles when ready.",
    }
)


def _inside(box: Box, size: tuple[int, int]) -> bool:
    return box.x >= 0 and box.y >= 0 and box.right <= size[0] and box.bottom <= size[1]


def _overlap(a: Box, b: Box) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


@pytest.mark.parametrize("size", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_layout_follows_the_window_and_keeps_its_parts_apart(size: tuple[int, int]) -> None:
    layout = window_layout(size, CAMERA)
    w, h = size
    assert layout.cue_px >= h * MIN_CUE_FRACTION
    assert layout.readout_px >= h * MIN_READOUT_FRACTION
    for box in (layout.picture, layout.gauges, layout.trace):
        assert _inside(box, size), box
    assert not _overlap(layout.gauges, layout.trace)
    # the camera picture fills the window one way, its shape kept, centred
    pic = layout.picture
    assert pic.w == w or pic.h == h
    assert abs(pic.w / pic.h - CAMERA[0] / CAMERA[1]) < 0.01
    # the trace is big enough to follow: over a quarter of a landscape window's width
    assert layout.trace.w > (0.25 if w > h else 0.2) * w
    # in a landscape window the cue (up to two lines) sits below the panels, above the help
    if w > h:
        panels = max(layout.gauges.bottom, layout.trace.bottom)
        assert panels < layout.cue_bottom - 3 * layout.cue_px


@pytest.mark.parametrize("size", WINDOWS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_large_sentence_is_drawn_at_least_a_fifteenth_of_the_window_high(
    size: tuple[int, int],
) -> None:
    layout = window_layout(size, CAMERA)
    frame = np.full((CAMERA[1], CAMERA[0], 3), 200, np.uint8)
    small = []
    for text in LARGE_TEXTS:
        info = OverlayInfo(12.0, 40.0, phase="front", reps=12, score=88.0, cue=text)
        image, drawn = draw_window(frame, None, info, layout)
        assert image.shape == (size[1], size[0], 3)
        if drawn.cue_px < size[1] * MIN_CUE_FRACTION:
            small.append((text, drawn.cue_px))
        assert min(drawn.side_bend_px, drawn.forward_px, drawn.reps_px) >= (
            size[1] * MIN_READOUT_FRACTION
        )
    assert small == [], f"drawn below {size[1] * MIN_CUE_FRACTION:.1f} px"


@pytest.mark.parametrize("size", WINDOWS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_key_help_stays_inside_the_window_on_at_most_two_lines(size: tuple[int, int]) -> None:
    layout = window_layout(size, CAMERA)
    black = np.zeros((CAMERA[1], CAMERA[0], 3), np.uint8)
    image, _ = draw_window(black, None, OverlayInfo(help_text=HELP_TEXT), layout, overlay=False)
    lit = np.flatnonzero(image.max(axis=(0, 2)) > 100)  # columns with light text
    assert lit.min() >= layout.pad and lit.max() < size[0] - layout.pad
    rows = np.flatnonzero(image.max(axis=(1, 2)) > 100)
    assert rows.min() > size[1] * 0.75  # at the bottom, nothing else drawn


def test_with_the_overlay_off_only_the_cue_is_drawn() -> None:
    layout = window_layout((1280, 720), CAMERA)
    frame = np.full((CAMERA[1], CAMERA[0], 3), 200, np.uint8)
    info = OverlayInfo(12.0, 40.0, reps=3, cue="Slow down through the front.")
    _, drawn = draw_window(frame, None, info, layout, overlay=False)
    assert drawn.cue_px >= 720 * MIN_CUE_FRACTION
    assert (drawn.side_bend_px, drawn.forward_px, drawn.reps_px) == (0, 0, 0)


def test_frame_rate_and_latency_are_not_drawn_unless_given() -> None:
    layout = window_layout((1280, 720), CAMERA)
    frame = np.full((CAMERA[1], CAMERA[0], 3), 200, np.uint8)
    plain, _ = draw_window(frame, None, OverlayInfo(status="front view"), layout)
    timed, _ = draw_window(
        frame, None, OverlayInfo(status="front view", fps=29.7, latency_ms=80.0), layout
    )
    g = layout.gauges
    changed = np.flatnonzero((plain != timed).any(axis=(0, 2)))
    assert changed.size and g.x <= changed.min() and changed.max() < g.right + g.w


def test_the_end_of_set_screen_is_in_large_type_for_its_window() -> None:
    end = EndOfSet(2, "88", ("Best score this session 88: a new personal best (before: 80).",))
    assert end.lines() == [
        "Set done",
        "2 half circles, average score 88.",
        "Best score this session 88: a new personal best (before: 80).",
        "v open the report     Enter close",
    ]
    assert end.spoken() == (
        "Set done. 2 half circles, average score 88. "
        "Best score this session 88: a new personal best (before: 80)."
    )
    for size in ((640, 480), (1920, 1080)):
        layout = window_layout(size, size)
        screen = draw_message_screen(np.zeros((480, 640, 3), np.uint8), end.lines(), layout)
        assert screen.shape == (size[1], size[0], 3)
        rows = np.flatnonzero(screen.max(axis=(1, 2)) > 100)
        # the title's strokes alone span at least a fifteenth of the height
        first = rows[rows < rows.min() + size[1] // 8]
        assert first.max() - first.min() + 1 >= size[1] * MIN_CUE_FRACTION


@pytest.mark.parametrize(
    ("text", "size"),
    [("1280x720", (1280, 720)), ("1920X1080", (1920, 1080)), (" 640 x 480 ", (640, 480))],
)
def test_a_window_size_is_width_x_height(text: str, size: tuple[int, int]) -> None:
    assert parse_window_size(text) == size


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("1280", "WIDTHxHEIGHT"),
        ("big", "WIDTHxHEIGHT"),
        ("-640x480", "WIDTHxHEIGHT"),
        ("200x100", "at least 320x240"),
    ],
)
def test_a_window_size_that_cannot_be_used_is_one_plain_sentence(text: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        parse_window_size(text)


def test_a_long_status_line_stays_in_the_readout_panel() -> None:
    layout = window_layout((640, 480), CAMERA)
    black = np.zeros((CAMERA[1], CAMERA[0], 3), np.uint8)
    status = "side view, camera 9 deg down: side bend not seen, turn to the camera"
    image, _ = draw_window(black, None, OverlayInfo(status=status, fps=29.6), layout)
    g, t = layout.gauges, layout.trace
    # nothing lit between the readout panel and the trace panel, below the trace panel's top
    between = image[g.y : g.bottom, g.right : t.x]
    assert between.max() < 100


def test_a_panel_reads_as_one_box_where_it_leaves_the_picture() -> None:
    # A portrait camera in a wide window: the readout panel lies half beside the picture.
    # The surround is dark but not black, so the panel's shading shows there too and
    # the box lines up with its text.
    layout = window_layout((1920, 1080), (480, 640))
    frame = np.full((640, 480, 3), 200, np.uint8)
    image, _ = draw_window(frame, None, OverlayInfo(12.0, 40.0, reps=1), layout)
    g, pic = layout.gauges, layout.picture
    assert g.x < pic.x < g.right
    in_panel = image[g.bottom - 3, g.x + 3].astype(int)
    beside_panel = image[g.bottom + 3 * layout.pad, g.x + 3].astype(int)
    assert beside_panel.min() >= 30  # the surround: not black
    assert in_panel.max() <= beside_panel.min() - 15  # the panel: darker, a visible box
