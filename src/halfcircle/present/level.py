"""The camera level drawn while the camera is set up: how far it looks down or up.

Drawing only: the reading comes in as a
:class:`~halfcircle.analyze.camerapitch.LevelGuide` (its state, pitch, uncertainty and
sentence); nothing here measures or decides when it is shown (the live coach and the
guided flows do). It draws into a BGR image in place, with OpenCV primitives only.

The level is a vertical scale, read from 3 m: a marker (the "bubble") sits where the
camera points, below the middle when it looks down and above it when it looks up,
with a band for its uncertainty; the middle band is the target, "level"
(within :data:`~halfcircle.analyze.camerapitch.LEVEL_TOLERANCE_DEG`). Above the scale
the reading in large type ("6 deg down"), below it the guide's sentence. The colours
are calm: teal when level, amber when tilted, a soft sand colour when the reading is
rough, grey when nothing tells it (then no marker is drawn).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import cv2
import numpy as np
from numpy.typing import NDArray

from halfcircle.present.layout import (
    MIN_TEXT_PX,
    Box,
    WindowLayout,
    font_scale_for,
    text_height,
    text_width,
    thickness_for,
    window_layout,
)

if TYPE_CHECKING:
    from halfcircle.analyze.camerapitch import LevelGuide

BGR = tuple[int, int, int]

#: The scale spans this many degrees either side of level; a reading beyond sits at its end.
LEVEL_SPAN_DEG: Final = 15.0
#: Half height (deg) of the target band in the middle: the level tolerance of
#: :func:`~halfcircle.analyze.camerapitch.level_guide` (1.5 deg), kept here as a number
#: so that drawing never imports the analysis.
TARGET_DEG: Final = 1.5
#: Share of the panel's height under the reading that the scale takes (the sentence the rest).
SCALE_SHARE: Final = 0.55
#: Colour (BGR) of each state: calm, never an alarm red.
STATE_COLOURS: Final[Mapping[str, BGR]] = {
    "level": (170, 200, 40),  # teal, as the person's left side and "ready"
    "tilted": (60, 180, 245),  # amber
    "rough": (150, 200, 225),  # sand
    "unknown": (170, 170, 170),  # grey
}
#: The target band's colour (teal) and the scale's.
TARGET_COLOUR: Final[BGR] = (170, 200, 40)
SCALE_COLOUR: Final[BGR] = (215, 215, 215)
LABEL_COLOUR: Final[BGR] = (170, 170, 170)
_FONT: Final = cv2.FONT_HERSHEY_SIMPLEX
#: The widest reading, to size the panel.
_WIDEST_READING: Final = "88 deg down"


@dataclass(frozen=True)
class DrawnLevel:
    """Where :func:`draw_level` drew the level (window pixels, y down).

    Attributes:
        box: The panel.
        scale_top: Row of the scale's upper end (the camera looking
            :data:`LEVEL_SPAN_DEG` up).
        scale_bottom: Row of its lower end (as far down).
        scale_x: Column of the scale's middle.
        target: Rows ``(top, bottom)`` of the target band.
        marker_y: Row of the marker's centre; None when none was drawn (unknown).
        reading_px: Cap height of the reading drawn (px).
        sentence_px: Cap height of the sentence drawn (px; 0: none).
    """

    box: Box
    scale_top: int
    scale_bottom: int
    scale_x: int
    target: tuple[int, int]
    marker_y: int | None
    reading_px: int
    sentence_px: int


def level_reading(guide: LevelGuide) -> tuple[str, str]:
    """The label and the reading: ("Camera tilt", "6 deg down"), ("Camera tilt, roughly", ...).

    The reading is "level", "N deg down", "N deg up" or "not known"; a rough reading
    says so in the label, so that the reading stays short enough for large type.
    """
    if guide.pitch_deg is None or not math.isfinite(guide.pitch_deg):
        return "Camera tilt", "not known"
    label = "Camera tilt, roughly" if guide.state == "rough" else "Camera tilt"
    n = math.floor(abs(guide.pitch_deg) + 0.5)
    if guide.state == "level" or n == 0:
        return label, "level"
    return label, f"{n} deg {'down' if guide.pitch_deg > 0 else 'up'}"


def level_box(layout: WindowLayout, top: int = 0) -> Box:
    """The level's panel: at the right edge, from the trace panel's top down to the cue.

    A little wider than the trace panel (about a third of the window's width, less in
    a tall window; as wide as the widest reading in large type where there is room
    beside the readouts), it leaves room above the cue for two lines of it, and starts
    no higher than ``top`` (a band drawn above, such as a guided flow's prompt).
    """
    (w, h), t, pad = layout.size, layout.trace, layout.pad
    px = layout.readout_px
    widest = text_width(_WIDEST_READING, font_scale_for(px), thickness_for(px)) + 2 * pad
    width = max(t.w, round(min(0.34 * w, 0.62 * h)))
    if width < widest <= w - layout.gauges.right - 2 * pad:  # room beside the readouts
        width = widest
    width = min(width, w - 2 * pad)
    y = max(t.y, top + pad)
    cue_top = layout.cue_bottom - round(1.45 * layout.cue_px) - layout.cue_px - 2 * pad
    height = max(t.h, cue_top - y, 5 * layout.readout_px)
    height = min(height, h - y - pad)
    return Box(w - pad - width, y, width, max(1, height))


def draw_level(
    image: NDArray[np.uint8], guide: LevelGuide, layout: WindowLayout, top: int = 0
) -> DrawnLevel:
    """Draw the level of ``guide`` into ``image`` (BGR, in place) in :func:`level_box`.

    Args:
        image: The window's picture (``layout.size``).
        guide: The reading to show.
        layout: The window's layout (text sizes, margins, where the panel goes).
        top: Rows at the top already taken (a prompt band): the panel starts below.

    Returns:
        Where the scale, the target band and the marker were drawn.
    """
    box, pad = level_box(layout, top), layout.pad
    colour = STATE_COLOURS.get(guide.state, STATE_COLOURS["unknown"])
    _shade(image, box)
    x, y = box.x + pad, box.y + pad + layout.label_px
    label, reading = level_reading(guide)
    width = box.w - 2 * pad
    _put(image, label, (x, y), _fit_px(label, layout.label_px, width), LABEL_COLOUR, width)
    y += layout.readout_px // 2 + layout.readout_px  # the reading's baseline, whatever it says
    px = _fit_px(reading, layout.readout_px, width)
    reading_px = _put(image, reading, (x, y), px, colour, width)
    scale_top = y + layout.readout_px // 2 + layout.label_px
    room = box.bottom - pad - scale_top
    # the scale keeps its place whatever the sentence; with no marker the sentence gets more
    known = guide.pitch_deg is not None and math.isfinite(guide.pitch_deg)
    scale_h = max(layout.readout_px, round(room * (SCALE_SHARE if known else 0.3)))
    text_room = room - scale_h - layout.label_px
    sentence_px, lines = _sentence(guide.message, width, text_room, layout.small_px)
    scale_bottom = scale_top + scale_h
    scale_x = box.x + pad + layout.readout_px
    drawn = _draw_scale(
        image, guide, layout, scale_x, scale_top, scale_bottom, colour, box.right - pad
    )
    step = round(sentence_px * 1.5)
    ty = scale_bottom + layout.label_px + sentence_px
    for line in lines:
        _put(image, line, (x, ty), sentence_px, SCALE_COLOUR, width)
        ty += step
    return DrawnLevel(box, scale_top, scale_bottom, scale_x, drawn[0], drawn[1], reading_px,
                      sentence_px if lines else 0)  # fmt: skip


def draw_level_on_frame(image: NDArray[np.uint8], guide: LevelGuide, top: int = 0) -> DrawnLevel:
    """:func:`draw_level` on a picture drawn at its own size (no window: headless, guided)."""
    h, w = image.shape[:2]
    return draw_level(image, guide, window_layout((w, h), (w, h)), top)


def _draw_scale(
    image: NDArray[np.uint8],
    guide: LevelGuide,
    layout: WindowLayout,
    x: int,
    top: int,
    bottom: int,
    colour: BGR,
    right: int,
) -> tuple[tuple[int, int], int | None]:
    """The scale, its target band and the marker; the band's rows and the marker's row.

    The words beside it end before column ``right``.
    """
    half = max(3, round(0.45 * layout.readout_px))
    thick = max(1, layout.readout_px // 12)
    mid = (top + bottom) // 2

    def row(deg: float) -> int:
        d = max(-LEVEL_SPAN_DEG, min(LEVEL_SPAN_DEG, deg))
        return round(mid + d / LEVEL_SPAN_DEG * (bottom - top) / 2)

    band = (row(-TARGET_DEG), row(TARGET_DEG))
    cv2.rectangle(image, (x - half, top), (x + half, bottom), SCALE_COLOUR, thick, cv2.LINE_AA)
    for deg in np.arange(-LEVEL_SPAN_DEG, LEVEL_SPAN_DEG + 0.1, 5.0):
        r = row(float(deg))
        cv2.line(image, (x + half, r), (x + half + half, r), SCALE_COLOUR, thick, cv2.LINE_AA)
    cv2.rectangle(image, (x - 2 * half, band[0]), (x + 2 * half, band[1]), TARGET_COLOUR,
                  max(2, 2 * thick), cv2.LINE_AA)  # fmt: skip
    lx = x + 3 * half
    sp = layout.label_px
    room = max(1, right - lx)
    _put(image, "level", (lx, mid + sp // 2), sp, TARGET_COLOUR, room)
    if bottom - top >= 4 * sp:  # room for the ends' words apart from "level"
        _put(image, "up", (lx, top + sp), sp, LABEL_COLOUR, room)
        _put(image, "down", (lx, bottom), sp, LABEL_COLOUR, room)
    if guide.pitch_deg is None or not math.isfinite(guide.pitch_deg):
        _put(image, "?", (x - sp // 3, mid + sp // 2), sp, colour)
        return band, None
    pitch = float(guide.pitch_deg)
    sigma = guide.uncertainty_deg
    if sigma is not None and math.isfinite(sigma) and sigma > 0:
        a, b = row(pitch - sigma), row(pitch + sigma)
        _blend(image, Box(x - half + thick, a, 2 * (half - thick), max(1, b - a)), colour, 0.45)
    y = row(pitch)
    radius = round(1.25 * half)
    filled = -1 if guide.state in ("level", "tilted") else max(2, 2 * thick)
    cv2.circle(image, (x, y), radius, colour, filled, cv2.LINE_AA)
    return band, y


@functools.lru_cache(maxsize=64)
def _sentence(message: str, width: int, room: int, px: int) -> tuple[int, tuple[str, ...]]:
    """The sentence's cap height (at most ``px``) and lines: as large as fits ``room`` rows.

    Where even the smallest type does not fit, the lines that fit, the last one ending
    in "...". Kept for the next frame (the same guide on the same window).
    """
    while True:
        lines = _wrap(message, px, width)
        fits = max(0, (room + round(px * 0.5)) // max(1, round(px * 1.5)))
        if len(lines) <= fits:
            return px, tuple(lines)
        if px <= MIN_TEXT_PX:
            if fits == 0:
                return px, ()
            return px, (*lines[: fits - 1], lines[fits - 1] + " ...")
        px -= 1


def _wrap(text: str, px: int, width: int) -> list[str]:
    """``text`` in lines of cap height ``px`` no wider than ``width`` (a long word stays whole)."""
    scale, thick = font_scale_for(px), thickness_for(px)
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", scale, thick) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


@functools.lru_cache(maxsize=128)
def _fit_px(text: str, px: int, width: int) -> int:
    """The cap height, at most ``px``, at which ``text`` fits ``width``."""
    while px > MIN_TEXT_PX and text_width(text, font_scale_for(px), thickness_for(px)) > width:
        px -= 1
    return px


def _put(
    image: NDArray[np.uint8],
    text: str,
    org: tuple[int, int],
    px: int,
    colour: BGR,
    width: int | None = None,
) -> int:
    """``text`` with cap height ``px`` at ``org`` (baseline left); returns the height drawn.

    ``width``: the text is made smaller where it would be wider.
    """
    scale, thick = font_scale_for(px), thickness_for(px)
    if width is not None:
        scale *= min(1.0, width / max(1, text_width(text, scale, thick)))
    cv2.putText(image, text, org, _FONT, scale, colour, thick, cv2.LINE_AA)
    return text_height(scale, thick)


def _shade(image: NDArray[np.uint8], box: Box, alpha: float = 0.55) -> None:
    """Darken ``box`` so the level reads over any background."""
    H, W = image.shape[:2]
    x0, y0, x1, y1 = max(0, box.x), max(0, box.y), min(W, box.right), min(H, box.bottom)
    if x1 > x0 and y1 > y0:
        roi = image[y0:y1, x0:x1]
        roi[:] = cv2.convertScaleAbs(roi, alpha=1.0 - alpha)


def _blend(image: NDArray[np.uint8], box: Box, colour: BGR, alpha: float) -> None:
    """Tint ``box`` with ``colour`` (``alpha`` of it) in place."""
    H, W = image.shape[:2]
    x0, y0, x1, y1 = max(0, box.x), max(0, box.y), min(W, box.right), min(H, box.bottom)
    if x1 > x0 and y1 > y0:
        roi = image[y0:y1, x0:x1]
        tint = np.empty_like(roi)
        tint[:] = colour
        roi[:] = cv2.addWeighted(roi, 1.0 - alpha, tint, alpha, 0.0)
