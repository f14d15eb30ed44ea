"""The drawn camera level (issue #23): a scale whose marker follows the camera's pitch.

Drawn onto blank canvases and read back from the pixels: the marker's row follows
the pitch (below the middle when the camera looks down), the target band sits in the
middle, nothing marks an unknown pitch, and the level fits every window size the live
window supports, in place of the trace panel and only when a level is given.
"""

from __future__ import annotations

import numpy as np
import pytest

from halfcircle.analyze.camerapitch import (
    LEVEL_TOLERANCE_DEG,
    NO_ESTIMATE,
    LevelGuide,
    PitchEstimate,
    level_guide,
)
from halfcircle.present.layout import MIN_READOUT_FRACTION, Box, window_layout
from halfcircle.present.level import (
    LEVEL_SPAN_DEG,
    STATE_COLOURS,
    TARGET_COLOUR,
    TARGET_DEG,
    draw_level,
    draw_level_on_frame,
    level_box,
    level_reading,
)
from halfcircle.present.overlay import OverlayInfo, draw_overlay, draw_window

#: The live window's sizes (tests/live/test_window_xvfb.py), a 5:4 monitor and a tall one.
WINDOWS = [(640, 480), (1280, 720), (1920, 1080), (1280, 1024)]
SHAPES = [*WINDOWS, (720, 1280), (320, 240)]
CAMERA = (640, 480)


def _guide(pitch: float, sigma: float = 0.8) -> LevelGuide:
    return level_guide(PitchEstimate(pitch, sigma, "room lines", 3, 4))


def _mask(image: np.ndarray, colour: tuple[int, int, int], box: Box, tol: int = 12) -> np.ndarray:
    """Pixels of ``colour`` (within ``tol`` per channel) inside ``box``, as a full-size mask."""
    near = np.all(np.abs(image.astype(int) - np.array(colour)) <= tol, axis=-1)
    inside = np.zeros_like(near)
    inside[box.y : box.bottom, box.x : box.right] = True
    return near & inside


def _drawn(size: tuple[int, int], guide: LevelGuide):  # type: ignore[no-untyped-def]
    image = np.zeros((size[1], size[0], 3), np.uint8)
    return image, draw_level(image, guide, window_layout(size, CAMERA))


def _marker_row(image: np.ndarray, guide: LevelGuide, d) -> float:  # type: ignore[no-untyped-def]
    """Mean row of the marker's colour in the scale's column (between its ends)."""
    half = d.box.w // 8
    column = Box(d.scale_x - half, d.scale_top, 2 * half, d.scale_bottom - d.scale_top)
    rows, _ = np.nonzero(_mask(image, STATE_COLOURS[guide.state], column))
    assert rows.size > 20, "no marker drawn"
    return float(rows.mean())


@pytest.mark.parametrize("size", WINDOWS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_marker_follows_the_pitch_down_below_the_middle_up_above(size: tuple[int, int]) -> None:
    rows = {}
    for pitch in (-6.0, 0.5, 4.0, 10.0):
        guide = _guide(pitch)
        image, d = _drawn(size, guide)
        rows[pitch] = _marker_row(image, guide, d)
        span = d.scale_bottom - d.scale_top
        mid = (d.scale_top + d.scale_bottom) / 2
        expected = mid + pitch / LEVEL_SPAN_DEG * span / 2
        assert d.marker_y is not None and abs(d.marker_y - expected) <= 1.0
        # the pixels (teal at level, where the band's teal is near: a little looser)
        assert abs(rows[pitch] - expected) <= 1.0 + 0.02 * span
    assert rows[-6.0] < rows[0.5] < rows[4.0] < rows[10.0]
    # level: the marker sits in the target band
    _, d = _drawn(size, _guide(0.5))
    assert d.marker_y is not None and d.target[0] <= d.marker_y <= d.target[1]


def test_a_reading_beyond_the_scale_sits_at_its_end() -> None:
    _, d = _drawn((1280, 720), _guide(25.0))
    assert d.marker_y == d.scale_bottom
    _, d = _drawn((1280, 720), _guide(-22.0))
    assert d.marker_y == d.scale_top


def test_the_target_band_is_the_level_tolerance_in_the_middle_of_the_scale() -> None:
    assert TARGET_DEG == LEVEL_TOLERANCE_DEG  # the drawing's copy of the guide's tolerance
    image, d = _drawn((1280, 720), _guide(9.0))
    mid = (d.scale_top + d.scale_bottom) / 2
    half = TARGET_DEG / LEVEL_SPAN_DEG * (d.scale_bottom - d.scale_top) / 2
    assert abs(d.target[0] - (mid - half)) <= 1 and abs(d.target[1] - (mid + half)) <= 1
    # the band's teal edges are drawn there, across the scale
    band = Box(
        d.scale_x - d.box.w // 8, d.target[0] - 3, d.box.w // 4, d.target[1] - d.target[0] + 7
    )
    assert np.count_nonzero(_mask(image, TARGET_COLOUR, band)) > 30
    # and nowhere else on the scale's column, away from the "level" word's row
    above = Box(band.x, d.scale_top, band.w, max(1, d.target[0] - 4 - d.scale_top))
    assert np.count_nonzero(_mask(image, TARGET_COLOUR, above)) == 0


def test_the_state_gives_the_colour_of_the_reading_and_marker() -> None:
    readings = {}
    for guide in (_guide(0.4), _guide(7.6), _guide(6.0, 3.6), level_guide(NO_ESTIMATE)):
        image, d = _drawn((1280, 720), guide)
        reading_rows = Box(d.box.x, d.box.y, d.box.w, d.scale_top - d.box.y)
        readings[guide.state] = np.count_nonzero(
            _mask(image, STATE_COLOURS[guide.state], reading_rows)
        )
    assert set(readings) == {"level", "tilted", "rough", "unknown"}
    assert all(n > 100 for n in readings.values()), readings
    # calm colours: no state is drawn red (BGR red dominant)
    for b, g, r in STATE_COLOURS.values():
        assert not (r > 180 and g < 100 and b < 100)


def test_an_unknown_pitch_draws_no_marker_but_the_band_and_the_phone_step() -> None:
    guide = level_guide(NO_ESTIMATE)
    image, d = _drawn((1280, 720), guide)
    assert d.marker_y is None and d.sentence_px > 0
    assert level_reading(guide) == ("Camera tilt", "not known")
    # the tilted marker's amber appears nowhere
    assert np.count_nonzero(_mask(image, STATE_COLOURS["tilted"], d.box)) == 0


def test_a_rough_reading_shows_its_uncertainty_along_the_scale() -> None:
    guides = [_guide(6.0, sigma) for sigma in (3.5, 7.0)]
    assert [g.state for g in guides] == ["rough", "rough"]
    assert level_reading(guides[0]) == ("Camera tilt, roughly", "6 deg down")

    def tinted_rows(guide: LevelGuide) -> int:
        image, d = _drawn((1280, 720), guide)
        column = image[d.scale_top : d.scale_bottom, d.scale_x]
        return int(np.count_nonzero(column.max(axis=1) > 40))

    # twice the uncertainty: a longer band along the scale
    assert tinted_rows(guides[1]) > tinted_rows(guides[0]) + 10


@pytest.mark.parametrize("size", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_level_fits_the_window_beside_the_readouts(size: tuple[int, int]) -> None:
    layout = window_layout(size, CAMERA)
    for guide in (_guide(7.6), _guide(6.0, 3.6), level_guide(NO_ESTIMATE)):
        box = level_box(layout)
        assert box.x >= 0 and box.y >= 0 and box.right <= size[0] and box.bottom <= size[1]
        image, d = _drawn(size, guide)
        assert d.box == box and d.box.y < d.scale_top < d.scale_bottom <= box.bottom
        if size[1] >= 480 and size[0] >= size[1]:  # read from 3 m, like the readouts
            assert d.reading_px >= size[1] * MIN_READOUT_FRACTION
            if guide.pitch_deg is not None:
                assert d.scale_bottom - d.scale_top >= size[1] / 10
            assert box.x >= layout.gauges.right  # beside the readouts, not over them
        # nothing is drawn outside the panel
        outside = image.copy()
        outside[box.y : box.bottom, box.x : box.right] = 0
        assert not outside.any()


def test_the_window_draws_the_level_in_place_of_the_trace_only_when_given() -> None:
    size = (1280, 720)
    layout = window_layout(size, CAMERA)
    frame = np.full((CAMERA[1], CAMERA[0], 3), 90, np.uint8)
    plain, _ = draw_window(frame, None, OverlayInfo(phase="position"), layout)
    with_level, _ = draw_window(
        frame, None, OverlayInfo(phase="position", level=_guide(7.6)), layout
    )
    box = level_box(layout)
    assert np.count_nonzero(_mask(with_level, STATE_COLOURS["tilted"], box)) > 100
    assert np.count_nonzero(_mask(plain, STATE_COLOURS["tilted"], box)) == 0
    # outside the level's panel (and the trace's, which it replaces) the pictures are equal
    t = layout.trace
    same = np.ones(with_level.shape[:2], bool)
    for b in (box, t):
        same[b.y : b.bottom, b.x : b.right] = False
    assert np.array_equal(plain[same], with_level[same])
    # overlay off: only the cue and the key help, no level
    off, _ = draw_window(frame, None, OverlayInfo(level=_guide(7.6)), layout, overlay=False)
    bare, _ = draw_window(frame, None, OverlayInfo(), layout, overlay=False)
    assert np.array_equal(off, bare)


def test_frames_drawn_at_the_camera_size_carry_the_level_too() -> None:
    frame = np.full((480, 640, 3), 90, np.uint8)
    plain = draw_overlay(frame.copy(), None, OverlayInfo(phase="position"))
    drawn = draw_overlay(frame.copy(), None, OverlayInfo(phase="position", level=_guide(-5.0)))
    box = level_box(window_layout((640, 480), (640, 480)))
    assert np.count_nonzero(_mask(drawn, STATE_COLOURS["tilted"], box)) > 50
    assert np.count_nonzero(_mask(plain, STATE_COLOURS["tilted"], box)) == 0
    # under a band at the top (a guided prompt): the panel starts below it
    image = frame.copy()
    d = draw_level_on_frame(image, _guide(4.0), top=150)
    assert d.box.y > 150 and np.array_equal(image[:150], frame[:150])
    assert not np.array_equal(image, frame)
