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


def level_reading(guide: LevelGuide) -> str:
    """The reading in a few words: "level", "6 deg down", "about 6 deg up", "tilt not known"."""
    if guide.pitch_deg is None or not math.isfinite(guide.pitch_deg):
        return "tilt not known"
    if guide.state == "level":
        return "level"
    n = math.floor(abs(guide.pitch_deg) + 0.5)
    way = "down" if guide.pitch_deg > 0 else "up"
    said = f"{n} deg {way}" if n else "level"
    return f"about {said}" if guide.state == "rough" else said


def level_box(layout: WindowLayout, top: int = 0) -> Box:
    """The level's panel: at the right edge, from the trace panel's top down to the cue.

    A little wider than the trace panel (about a third of the window's width, less in
    a tall window), it leaves room above the cue for two lines of it, and starts no
    higher than ``top`` (a band drawn above, such as a guided flow's prompt).
    """
    (w, h), t, pad = layout.size, layout.trace, layout.pad
    width = min(max(t.w, round(min(0.34 * w, 0.62 * h))), w - 2 * pad)
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
    _put(image, "Camera tilt", (x, y), layout.label_px, LABEL_COLOUR)
    reading = level_reading(guide)
    px = _fit_px(reading, layout.readout_px, box.w - 2 * pad)
    y += layout.readout_px // 2 + px
    reading_px = _put(image, reading, (x, y), px, colour)
    room = box.bottom - pad - y
    # with no marker to show, the sentence (the phone-level step) gets more of the room
    share = 0.45 if guide.pitch_deg is not None else 0.7
    sentence_px, lines = _sentence(guide.message, box.w - 2 * pad, round(share * room),
                                   layout.small_px)  # fmt: skip
    step = round(sentence_px * 1.5)
    text_h = step * len(lines)
    scale_top = y + layout.readout_px // 2 + layout.label_px
    scale_bottom = box.bottom - pad - text_h - layout.label_px
    least = layout.readout_px * (2 if guide.pitch_deg is not None else 1)
    if scale_bottom - scale_top < least:  # too little room for both: the scale first
        lines, text_h = [], 0
        scale_bottom = box.bottom - pad - layout.label_px // 2
    scale_x = box.x + pad + layout.readout_px
    drawn = _draw_scale(image, guide, layout, scale_x, scale_top, scale_bottom, colour)
    ty = box.bottom - pad - text_h + sentence_px
    for line in lines:
        _put(image, line, (x, ty), sentence_px, SCALE_COLOUR)
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
) -> tuple[tuple[int, int], int | None]:
    """The scale, its target band and the marker; the band's rows and the marker's row."""
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
    _put(image, "up", (lx, top + sp), sp, LABEL_COLOUR)
    _put(image, "level", (lx, mid + sp // 2), sp, TARGET_COLOUR)
    _put(image, "down", (lx, bottom), sp, LABEL_COLOUR)
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


def _sentence(message: str, width: int, room: int, px: int) -> tuple[int, list[str]]:
    """The sentence's cap height (at most ``px``) and lines: as large as fits ``room`` rows."""
    while True:
        lines = _wrap(message, px, width)
        if round(px * 1.5) * len(lines) <= room or px <= MIN_TEXT_PX:
            return px, lines
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


def _fit_px(text: str, px: int, width: int) -> int:
    """The cap height, at most ``px``, at which ``text`` fits ``width``."""
    while px > MIN_TEXT_PX and text_width(text, font_scale_for(px), thickness_for(px)) > width:
        px -= 1
    return px


def _put(image: NDArray[np.uint8], text: str, org: tuple[int, int], px: int, colour: BGR) -> int:
    """``text`` with cap height ``px`` at ``org`` (baseline left); returns the height drawn."""
    scale, thick = font_scale_for(px), thickness_for(px)
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
