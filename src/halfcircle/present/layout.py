"""Where each part of the live window goes: sizes from the window, not the camera frame.

Pure functions that return data (:class:`WindowLayout`); :mod:`halfcircle.present.overlay`
draws with it. A person practises 2 to 3 m from the screen, so text is sized as a
fraction of the window's height: the cue at least :data:`MIN_CUE_FRACTION`, the side
bend and forward readouts and the rep count at least :data:`MIN_READOUT_FRACTION`.

Text heights are cap heights in pixels: the inked height of "H" in OpenCV's
``FONT_HERSHEY_SIMPLEX`` as :func:`cv2.putText` draws it (:func:`text_height`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np

__all__ = [
    "MIN_CUE_FRACTION",
    "MIN_READOUT_FRACTION",
    "Box",
    "WindowLayout",
    "font_scale_for",
    "parse_window_size",
    "text_height",
    "text_width",
    "thickness_for",
    "window_layout",
]

FONT: Final = cv2.FONT_HERSHEY_SIMPLEX
#: The cue's cap height is at least this fraction of the window height.
MIN_CUE_FRACTION: Final = 1 / 15
#: The readouts' and the rep count's cap height is at least this fraction of it.
MIN_READOUT_FRACTION: Final = 1 / 25
#: What the layout aims for (a little above the floors, so rounding never goes under).
CUE_FRACTION: Final = 1 / 14
READOUT_FRACTION: Final = 1 / 22
LABEL_FRACTION: Final = 1 / 38
SMALL_FRACTION: Final = 1 / 42
#: Smallest text drawn at all (px): labels and key help on a tiny window.
MIN_TEXT_PX: Final = 9
#: Widest texts of the readout panel, to size it: the side bend and the rep count.
_WIDEST_READOUT: Final = ("88 deg right", "Reps 88")
_WIDEST_SMALL: Final = "through the front  score 88"


@dataclass(frozen=True)
class Box:
    """A rectangle in window pixels: left, top, width, height."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        """The first column right of the box."""
        return self.x + self.w

    @property
    def bottom(self) -> int:
        """The first row below the box."""
        return self.y + self.h


@dataclass(frozen=True)
class WindowLayout:
    """The live window's parts for one window size (pixels, y down).

    Attributes:
        size: ``(width, height)`` of the window.
        picture: Where the camera frame is shown, scaled to fit, its aspect kept.
        cue_px: Cap height of the cue (and the guidance in large type).
        readout_px: Cap height of the side bend and forward readouts and the rep count.
        label_px: Cap height of the readouts' labels ("Side bend", "Forward").
        small_px: Cap height of the phase, the status line and the key help.
        pad: Margin at the window's edges and inside panels.
        gauges: The readout panel (top left).
        trace: The half-circle trace panel (top right).
        cue_bottom: Baseline of the cue's last line.
        line_scale: Thickness of the skeleton's lines, relative to a 480 px picture.
    """

    size: tuple[int, int]
    picture: Box
    cue_px: int
    readout_px: int
    label_px: int
    small_px: int
    pad: int
    gauges: Box
    trace: Box
    cue_bottom: int
    line_scale: float


@functools.lru_cache(maxsize=512)
def text_height(font_scale: float, thickness: int) -> int:
    """Cap height (px) of text drawn at ``font_scale`` and ``thickness``: the inked rows of "H".

    Measured by drawing it, as :func:`cv2.putText` draws every text of the window
    (``cv2.getTextSize``'s height is the font's line height, a third more).
    """
    (w, h), base = cv2.getTextSize("H", FONT, font_scale, thickness)
    canvas = np.zeros((h + base + 2 * thickness + 4, w + 2 * thickness + 4), np.uint8)
    cv2.putText(canvas, "H", (thickness + 2, h + thickness + 2), FONT, font_scale, 255,
                thickness, cv2.LINE_AA)  # fmt: skip
    rows = np.flatnonzero(canvas.max(axis=1) >= 128)
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def text_width(text: str, font_scale: float, thickness: int) -> int:
    """Width (px) of ``text`` drawn at ``font_scale`` and ``thickness``."""
    return int(cv2.getTextSize(text, FONT, font_scale, thickness)[0][0])


def thickness_for(px: int) -> int:
    """Stroke thickness for text of cap height ``px``: bold enough to read from afar."""
    return max(1, round(px / 11))


@functools.lru_cache(maxsize=256)
def font_scale_for(px: int) -> float:
    """The smallest font scale (in steps of 1/100) whose cap height is at least ``px``."""
    thick = thickness_for(px)
    scale = max(0.1, math.floor(px / text_height(1.0, thick) * 100) / 100 - 0.05)
    while text_height(scale, thick) < px:
        scale = round(scale + 0.01, 2)
    return scale


def window_layout(size: tuple[int, int], frame_size: tuple[int, int]) -> WindowLayout:
    """The live window's layout for a window of ``size`` showing frames of ``frame_size``.

    Args:
        size: ``(width, height)`` of the window in pixels, each at least 1.
        frame_size: ``(width, height)`` of the camera frames.

    Raises:
        ValueError: A size that is not positive.
    """
    (w, h), (fw, fh) = size, frame_size
    if min(w, h, fw, fh) < 1:
        raise ValueError(f"window and frame sizes must be positive, not {size} and {frame_size}")
    cue_px = math.ceil(h * CUE_FRACTION)
    readout_px = math.ceil(h * READOUT_FRACTION)
    label_px = max(MIN_TEXT_PX, math.ceil(h * LABEL_FRACTION))
    small_px = max(MIN_TEXT_PX, math.ceil(h * SMALL_FRACTION))
    pad = max(4, round(h / 48))
    fit = min(w / fw, h / fh)
    pw, ph = max(1, round(fw * fit)), max(1, round(fh * fit))
    picture = Box((w - pw) // 2, (h - ph) // 2, pw, ph)
    big, small = font_scale_for(readout_px), font_scale_for(small_px)
    gauges_w = 2 * pad + max(
        *(text_width(t, big, thickness_for(readout_px)) for t in _WIDEST_READOUT),
        text_width(_WIDEST_SMALL, small, thickness_for(small_px)),
    )
    gap = readout_px // 2
    # two labelled readouts, the rep count, the phase and two status lines (see the drawing)
    gauges_h = 2 * pad + 2 * label_px + 3 * readout_px + 3 * small_px + 8 * gap + small_px // 2
    gauges = Box(pad, pad, min(gauges_w, w - 2 * pad), gauges_h)
    trace_w = round(min(0.32 * w, 0.5 * h))
    beside = w - gauges.right - 2 * pad  # room right of the readouts
    if beside >= max(0.6 * trace_w, 0.2 * w):  # top right
        trace_w = min(trace_w, beside)
        trace = Box(w - trace_w - pad, pad, trace_w, round(trace_w * 0.62))
    else:  # a tall, narrow window: under the readouts
        trace = Box(w - trace_w - pad, gauges.bottom + pad, trace_w, round(trace_w * 0.62))
    help_h = 3 * pad + round(2.6 * small_px)  # up to two lines of key help at the bottom
    cue_bottom = h - help_h - 2 * pad - round(0.3 * cue_px)  # room for descenders and the box
    return WindowLayout(
        size=(w, h),
        picture=picture,
        cue_px=cue_px,
        readout_px=readout_px,
        label_px=label_px,
        small_px=small_px,
        pad=pad,
        gauges=gauges,
        trace=trace,
        cue_bottom=cue_bottom,
        line_scale=max(0.5, ph / 480.0),
    )


def parse_window_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` as ``(1280, 720)``.

    Raises:
        ValueError: Not two whole numbers of at least 320 by 240 joined by ``x``.
    """
    parts = text.lower().replace(" ", "").split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"a window size is WIDTHxHEIGHT, such as 1280x720, not {text!r}")
    w, h = int(parts[0]), int(parts[1])
    if w < 320 or h < 240:
        raise ValueError(f"a window size of at least 320x240 is needed to read it, not {text}")
    return w, h
