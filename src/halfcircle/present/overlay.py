"""The coaching overlay: skeleton, angle gauges, the half-circle trace and cues.

Drawing only: every number comes in through :class:`OverlayInfo`; nothing here
measures or decides. The same function draws the live window and the annotated
video of ``analyze``, so both look the same. It draws into the given BGR image
in place, with OpenCV primitives only (no GUI calls).

The trace panel shows the trunk as the person sees it in a mirror when the view
is mirrored, and as the camera sees it otherwise (from the front, or from
behind): the side marked "R" is where the person's right side appears on screen.

Phases are shown in plain words (:data:`PHASE_WORDS`, :func:`phase_words`); the
state names in files stay as they are. Rounded numbers never read "-0".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

import cv2
import numpy as np
from numpy.typing import NDArray

from halfcircle.coaching.scoring import points
from halfcircle.landmarks import SKELETON_EDGES, PoseFrame
from halfcircle.present.layout import (
    WindowLayout,
    font_scale_for,
    text_height,
    text_width,
    thickness_for,
)
from halfcircle.present.level import draw_level, draw_level_on_frame

if TYPE_CHECKING:
    from halfcircle.analyze.camerapitch import LevelGuide

BGR = tuple[int, int, int]

#: Colours (BGR).
WHITE: Final[BGR] = (255, 255, 255)
BLACK: Final[BGR] = (0, 0, 0)
TEAL: Final[BGR] = (170, 200, 40)
ORANGE: Final[BGR] = (40, 150, 250)
GREY: Final[BGR] = (150, 150, 150)
#: The key help's grey, lighter: it sits on a dark strip.
HELP_GREY: Final[BGR] = (215, 215, 215)
SOFT: Final[BGR] = (120, 120, 120)
#: Around the camera picture in a window of another shape: dark, but lighter than the
#: shaded panels, so that a panel reads as one box across the picture's edge.
SURROUND: Final[BGR] = (44, 44, 44)

#: Landmarks on the person's left (drawn teal) and right (drawn orange).
_LEFT = frozenset((1, 2, 3, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31))
_FONT: Final = cv2.FONT_HERSHEY_SIMPLEX
_MIN_VISIBILITY: Final = 0.5
#: Pixel coordinates are clipped to this far outside the frame before they become ints.
_FAR_PX: Final = 100_000
#: Each bone with its colour: the person's left teal, right orange, across white.
_EDGE_COLOURS: Final = tuple(
    (a, b, TEAL if a in _LEFT and b in _LEFT else WHITE if a in _LEFT or b in _LEFT else ORANGE)
    for a, b in SKELETON_EDGES
)


#: What the person reads for each phase name: the rep states of
#: :class:`~halfcircle.coaching.reps.RepState` and the live app's stages before practice.
PHASE_WORDS: Final[Mapping[str, str]] = {
    "position": "getting into place",
    "calibrate": "getting ready",
    "calibrating": "getting ready",
    "ready": "ready",
    "side_a": "first side",
    "front": "through the front",
    "side_b": "second side",
    "returning": "coming up",
    "aborted": "back upright",
    "paused": "paused",
    "untracked": "not counting",
}


def phase_words(phase: str) -> str:
    """The plain words shown for a phase name (unknown names with spaces for underscores)."""
    return PHASE_WORDS.get(phase, phase.replace("_", " "))


@dataclass(frozen=True)
class OverlayInfo:
    """What the overlay shows for one frame.

    Attributes:
        lateral_deg: Lateral flexion, positive to the person's right (None: not measured).
        forward_deg: Forward flexion, positive in flexion (None: not measured).
        phase: Name of the rep state ("ready", "side_a", ...), shown as
            :func:`phase_words`.
        reps: Complete reps so far.
        score: Score of the last rep, 0-100, or None.
        cue: One short cue sentence, or None.
        trace: ``(k, 2)`` lateral and forward degrees of the rep in progress.
        last_trace: ``(k, 2)`` the previous rep's trace, drawn faded.
        ideal_deg: ``(lateral, forward)`` peaks of the ideal half circle drawn as a guide.
        status: Small text under the gauges (view, notes).
        fps: Frames per second to show, or None.
        latency_ms: Capture-to-display latency to show, or None.
        help_text: Key help shown at the bottom, or None.
        from_behind: The camera films the person from behind: their right side
            appears on the image's right, and the trace panel puts it there.
        level: The camera level to draw while the camera is set up
            (:mod:`halfcircle.present.level`), in place of the (still empty) trace
            panel; None: no level.
    """

    lateral_deg: float | None = None
    forward_deg: float | None = None
    phase: str = ""
    reps: int = 0
    score: float | None = None
    cue: str | None = None
    trace: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 2)))
    last_trace: NDArray[np.float64] | None = None
    ideal_deg: tuple[float, float] = (30.0, 60.0)
    status: str = ""
    fps: float | None = None
    latency_ms: float | None = None
    help_text: str | None = None
    from_behind: bool = False
    level: LevelGuide | None = None


def overlay_info(
    lateral_deg: float,
    forward_deg: float,
    *,
    measured: bool,
    lateral_observable: bool,
    **shown: Any,
) -> OverlayInfo:
    """What the overlay shows for one frame, in the annotated video and the live window alike.

    Args:
        lateral_deg: The frame's lateral flexion (deg, positive to the person's right).
        forward_deg: The frame's forward flexion (deg, positive in flexion).
        measured: The frame was measured (the person seen and the trunk read).
        lateral_observable: The view can see a side bend (not from the side).
        **shown: The other fields of :class:`OverlayInfo` (phase, reps, cue, trace ...).

    The side bend is shown only where the frame was measured and the view can see it,
    forward flexion where the frame was measured; else their readouts are blank.
    """
    return OverlayInfo(
        lateral_deg=float(lateral_deg) if measured and lateral_observable else None,
        forward_deg=float(forward_deg) if measured else None,
        **shown,
    )


def draw_overlay(
    image: NDArray[np.uint8], pose: PoseFrame | None, info: OverlayInfo, *, mirrored: bool = False
) -> NDArray[np.uint8]:
    """Draw skeleton, gauges, trace, phase, reps and cue onto ``image`` (BGR, in place).

    Args:
        image: The frame to draw on, already mirrored if ``mirrored``.
        pose: The pose of this frame (normalised coordinates of the unmirrored frame).
        info: The numbers and texts to show.
        mirrored: Whether ``image`` is shown mirrored (x flipped) to the user.

    Returns:
        ``image``, for chaining.
    """
    h, w = image.shape[:2]
    scale = max(0.5, min(w, h) / 480.0)
    if pose is not None and pose.detected:
        draw_skeleton(image, pose, mirrored=mirrored, scale=scale)
    _draw_gauges(image, info, scale)
    if info.level is not None:
        draw_level_on_frame(image, info.level)
    else:
        _draw_trace_panel(image, info, mirrored=mirrored, scale=scale)
    if info.cue:
        draw_cue(image, info.cue, scale)
    if info.help_text:
        draw_help(image, info.help_text, scale)
    return image


def draw_skeleton(
    image: NDArray[np.uint8], pose: PoseFrame, *, mirrored: bool = False, scale: float = 1.0
) -> None:
    """Draw the pose's bones and joints (person's left teal, right orange)."""
    h, w = image.shape[:2]
    xy = pose.image[:, :2].copy()
    if mirrored:
        xy[:, 0] = 1.0 - xy[:, 0]
    vis = np.nan_to_num(pose.visibility, nan=0.0) >= _MIN_VISIBILITY
    ok = (vis & np.isfinite(xy).all(axis=1)).tolist()
    # plain int tuples and bools: OpenCV's argument parsing is much quicker on them
    px = np.clip(np.round(np.nan_to_num(xy) * (w, h)), -_FAR_PX, _FAR_PX).astype(np.int32)
    pts = [tuple(p) for p in px.tolist()]
    thick = max(1, round(2 * scale))
    for a, b, colour in _EDGE_COLOURS:
        if ok[a] and ok[b]:
            cv2.line(image, pts[a], pts[b], colour, thick, cv2.LINE_AA)
    radius = max(2, round(3 * scale))
    for i, seen in enumerate(ok):
        if seen:
            cv2.circle(image, pts[i], radius, TEAL if i in _LEFT else ORANGE, -1, cv2.LINE_AA)
    # the trunk vector: mid-hips to mid-shoulders
    if ok[11] and ok[12] and ok[23] and ok[24]:
        top = ((pts[11][0] + pts[12][0]) // 2, (pts[11][1] + pts[12][1]) // 2)
        bottom = ((pts[23][0] + pts[24][0]) // 2, (pts[23][1] + pts[24][1]) // 2)
        cv2.line(image, bottom, top, WHITE, thick + 1, cv2.LINE_AA)


def _draw_gauges(image: NDArray[np.uint8], info: OverlayInfo, scale: float) -> None:
    pad = int(10 * scale)
    panel_w, panel_h = int(230 * scale), int(118 * scale)
    _shade(image, pad, pad, panel_w, panel_h)
    x, y = pad + int(8 * scale), pad + int(24 * scale)
    line = int(24 * scale)
    _text(image, f"Side bend  {side_text(info.lateral_deg)}", (x, y), 0.55 * scale, WHITE)
    _text(image, f"Forward    {deg_text(info.forward_deg)}", (x, y + line), 0.55 * scale, WHITE)
    phase = phase_words(info.phase)
    _text(image, f"Reps {info.reps}   {phase}", (x, y + 2 * line), 0.55 * scale, TEAL)
    extra = []
    if info.score is not None:
        extra.append(f"last score {points(info.score)}")
    if info.fps is not None:
        extra.append(f"{_whole(info.fps)} fps")
    if info.latency_ms is not None:
        extra.append(f"{_whole(info.latency_ms)} ms")
    if extra:
        _text(image, "  ".join(extra), (x, y + 3 * line), 0.45 * scale, GREY)
    if info.status:
        _text(image, info.status, (x, y + int(3.8 * line)), 0.4 * scale, GREY)


def _draw_trace_panel(
    image: NDArray[np.uint8], info: OverlayInfo, *, mirrored: bool, scale: float
) -> None:
    _h, w = image.shape[:2]
    size = int(150 * scale)
    pad = int(10 * scale)
    _draw_trace(image, info, w - size - pad, pad, size, mirrored=mirrored, scale=scale)


def _draw_trace(
    image: NDArray[np.uint8],
    info: OverlayInfo,
    x0: int,
    y0: int,
    size: int,
    *,
    mirrored: bool,
    scale: float,
) -> None:
    """The trace panel ``size`` px wide with its top left at ``(x0, y0)``."""
    _shade(image, x0, y0, size, int(size * 0.62))
    lat_peak, fwd_peak = info.ideal_deg
    span = max(lat_peak, fwd_peak, 1.0) * 1.25
    cx, cy = x0 + size // 2, y0 + int(10 * scale)
    radius = size / 2 - 8 * scale
    # The person's right is on the image's left for an unmirrored front camera
    # (on its right from behind, and mirrored).
    right_sign = 1.0 if mirrored != info.from_behind else -1.0

    def to_px(trace: NDArray[np.float64]) -> NDArray[np.int32]:
        px = cx + right_sign * trace[:, 0] / span * radius
        py = cy + trace[:, 1] / span * radius
        xy = np.clip(np.round(np.stack([px, py], axis=1)), -_FAR_PX, _FAR_PX)
        return xy.astype(np.int32)  # finite input only: a NaN would warn when cast

    phi = np.radians(np.linspace(0.0, 180.0, 37))
    ideal = np.stack([lat_peak * np.cos(phi), fwd_peak * np.sin(phi)], axis=1)
    cv2.polylines(image, [to_px(ideal)], False, SOFT, 1, cv2.LINE_AA)
    if info.last_trace is not None and len(info.last_trace) > 1:
        _polyline(image, to_px(_finite(info.last_trace)), GREY, 1)
    if len(info.trace) > 1:
        _polyline(image, to_px(_finite(info.trace)), TEAL, max(2, int(2 * scale)))
    if _shown(info.lateral_deg) and _shown(info.forward_deg):
        dot = to_px(np.array([[info.lateral_deg, info.forward_deg]]))[0]
        cv2.circle(image, tuple(dot.tolist()), max(3, int(4 * scale)), ORANGE, -1, cv2.LINE_AA)
    r_x = x0 + int(4 * scale) if right_sign < 0 else x0 + size - int(14 * scale)
    l_x = x0 + size - int(14 * scale) if right_sign < 0 else x0 + int(4 * scale)
    _text(image, "R", (r_x, cy + int(4 * scale)), 0.45 * scale, ORANGE)
    _text(image, "L", (l_x, cy + int(4 * scale)), 0.45 * scale, TEAL)
    _text(image, "front", (cx - int(18 * scale), y0 + int(size * 0.6)), 0.4 * scale, GREY)


def _cue_lines(cue: str) -> list[str]:
    """The cue in two lines of about equal length, split between words."""
    words = cue.split()
    if len(words) < 2:
        return [cue]
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    first, second = min(splits, key=lambda ab: max(len(ab[0]), len(ab[1])))
    return [first, second]


def draw_cue(image: NDArray[np.uint8], cue: str, scale: float) -> None:
    """The cue in large white type on a dark box, centred near the bottom.

    A cue too wide for the frame goes on two lines; only a line still too wide
    gets smaller type.
    """
    h, w = image.shape[:2]
    font_scale = 0.9 * scale
    thick = max(2, int(2 * scale))
    lines = [cue]
    if cv2.getTextSize(cue, _FONT, font_scale, thick)[0][0] > w - 20:
        lines = _cue_lines(cue)
    widest = max(cv2.getTextSize(t, _FONT, font_scale, thick)[0][0] for t in lines)
    if widest > w - 20:
        font_scale *= (w - 20) / widest
    sizes = [cv2.getTextSize(t, _FONT, font_scale, thick) for t in lines]
    tw = max(size[0][0] for size in sizes)
    th, base = sizes[0][0][1], sizes[0][1]
    step = th + base + int(6 * scale)
    bottom = h - int(40 * scale)
    top = bottom - step * (len(lines) - 1)
    x0 = (w - tw) // 2
    _shade(image, x0 - 10, top - th - 10, tw + 20, bottom - top + th + base + 20, alpha=0.6)
    for i, (text, ((lw, _), _)) in enumerate(zip(lines, sizes, strict=True)):
        y = top + i * step
        cv2.putText(image, text, ((w - lw) // 2, y), _FONT, font_scale, WHITE, thick, cv2.LINE_AA)


def draw_help(image: NDArray[np.uint8], text: str, scale: float) -> None:
    """The key help along the bottom edge, light on a dark strip (readable on any floor)."""
    h = image.shape[0]
    font_scale = 0.45 * scale
    thick = max(1, round(font_scale * 2))
    (tw, th), base = cv2.getTextSize(text, _FONT, font_scale, thick)
    x, y = int(8 * scale), h - int(8 * scale)
    _shade(image, x - 6, y - th - 6, tw + 12, th + base + 12, alpha=0.6)
    cv2.putText(image, text, (x, y), _FONT, font_scale, HELP_GREY, thick, cv2.LINE_AA)


def _polyline(image: NDArray[np.uint8], pts: NDArray[np.int32], colour: BGR, thick: int) -> None:
    if len(pts) > 1:
        cv2.polylines(image, [pts], False, colour, thick, cv2.LINE_AA)


def _shown(value: float | None) -> bool:
    """Whether a readout has a value to draw (not None, not NaN or infinite)."""
    return value is not None and math.isfinite(value)


def _finite(trace: NDArray[np.float64]) -> NDArray[np.float64]:
    return trace[np.isfinite(trace).all(axis=1)]


def _shade(image: NDArray[np.uint8], x: int, y: int, w: int, h: int, alpha: float = 0.45) -> None:
    """Darken a rectangle so text on it stays readable over any background."""
    H, W = image.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if x1 > x0 and y1 > y0:
        roi = image[y0:y1, x0:x1]
        roi[:] = cv2.convertScaleAbs(roi, alpha=1.0 - alpha)


def _text(
    image: NDArray[np.uint8], text: str, org: tuple[int, int], font_scale: float, colour: BGR
) -> None:
    thick = max(1, round(font_scale * 2))
    cv2.putText(image, text, org, _FONT, font_scale, colour, thick, cv2.LINE_AA)


def _whole(value: float) -> int:
    """``value`` rounded to a whole int, halves away from zero; never "-0" when printed."""
    n = math.floor(abs(value) + 0.5)
    return -n if value < 0 else n


def deg_text(value: float | None) -> str:
    """A forward angle as the overlay shows it: "+12 deg", "0 deg", "--" when not measured."""
    if value is None or not np.isfinite(value):
        return "--"
    n = _whole(value)
    return f"{n:+d} deg" if n else "0 deg"


def side_text(lateral_deg: float | None) -> str:
    """A side bend as the overlay shows it: "12 deg left" (the person's side), "--"."""
    if lateral_deg is None or not np.isfinite(lateral_deg):
        return "--"
    n = _whole(abs(lateral_deg))
    side = "right" if lateral_deg > 0 else "left"
    return f"{n} deg {side}" if n else "0 deg"


# ---------------------------------------------------------------- the live window
@dataclass(frozen=True)
class DrawnText:
    """Cap heights (px) of the texts one window frame was drawn with (0: not drawn).

    What :func:`draw_window` actually drew, read from the font scales it used, so that
    a test holds the drawing, not only the plan, to the layout's floors.
    """

    window: tuple[int, int]
    cue_px: int = 0
    side_bend_px: int = 0
    forward_px: int = 0
    reps_px: int = 0


def draw_window(
    frame: NDArray[np.uint8],
    pose: PoseFrame | None,
    info: OverlayInfo,
    layout: WindowLayout,
    *,
    mirrored: bool = False,
    overlay: bool = True,
    panels: bool = True,
) -> tuple[NDArray[np.uint8], DrawnText]:
    """The live window's picture: ``frame`` scaled into ``layout`` with the coaching drawn.

    Args:
        frame: The camera frame (BGR), already mirrored if ``mirrored``.
        pose: The pose of this frame (normalised coordinates of the unmirrored frame).
        info: The numbers and texts to show.
        layout: Where each part goes (:func:`~halfcircle.present.layout.window_layout`).
        mirrored: Whether ``frame`` is shown mirrored (x flipped).
        overlay: False shows only the cue and the key help over the picture.
        panels: False leaves out the readouts and the trace (the skeleton stays).

    The camera level (``info.level``) is drawn where the trace would be, whether or
    not the panels are, while the overlay is on.

    Returns:
        A new image of the window's size, and the text heights it was drawn with.
    """
    w, h = layout.size
    canvas = np.full((h, w, 3), SURROUND, np.uint8)
    pic = layout.picture
    scaled = canvas[pic.y : pic.bottom, pic.x : pic.right]  # a view: drawn in place
    cv2.resize(frame, (pic.w, pic.h), dst=scaled, interpolation=cv2.INTER_LINEAR)
    if overlay and pose is not None and pose.detected:
        draw_skeleton(scaled, pose, mirrored=mirrored, scale=layout.line_scale)
    drawn = DrawnText(window=layout.size)
    if overlay and panels:
        side, fwd, reps = _draw_readouts(canvas, info, layout)
        drawn = replace(drawn, side_bend_px=side, forward_px=fwd, reps_px=reps)
        if info.level is None:
            t = layout.trace
            _draw_trace(canvas, info, t.x, t.y, t.w, mirrored=mirrored, scale=t.w / 150.0)
    if overlay and info.level is not None:
        draw_level(canvas, info.level, layout)
    if info.cue:
        drawn = replace(drawn, cue_px=draw_large_text(canvas, info.cue, layout))
    if info.help_text:
        draw_key_help(canvas, info.help_text, layout)
    return canvas, drawn


def _put(image: NDArray[np.uint8], text: str, org: tuple[int, int], px: int, colour: BGR) -> int:
    """``text`` with cap height ``px`` at ``org`` (baseline left); returns the height drawn."""
    scale, thick = font_scale_for(px), thickness_for(px)
    cv2.putText(image, text, org, _FONT, scale, colour, thick, cv2.LINE_AA)
    return text_height(scale, thick)


def _draw_readouts(
    image: NDArray[np.uint8], info: OverlayInfo, layout: WindowLayout
) -> tuple[int, int, int]:
    """Side bend, forward and the rep count in large type, each under a small label."""
    g, pad = layout.gauges, layout.pad
    _shade(image, g.x, g.y, g.w, g.h)
    x, gap = g.x + pad, layout.readout_px // 2
    y = g.y + pad + layout.label_px
    _put(image, "Side bend", (x, y), layout.label_px, GREY)
    y += gap + layout.readout_px
    side = _put(image, side_text(info.lateral_deg), (x, y), layout.readout_px, WHITE)
    y += gap + layout.label_px + gap
    _put(image, "Forward", (x, y), layout.label_px, GREY)
    y += gap + layout.readout_px
    fwd = _put(image, deg_text(info.forward_deg), (x, y), layout.readout_px, WHITE)
    y += gap + layout.readout_px
    reps = _put(image, f"Reps {info.reps}", (x, y), layout.readout_px, TEAL)
    y += gap + layout.small_px
    phase = phase_words(info.phase)
    score = f"  score {points(info.score)}" if info.score is not None else ""
    _put(image, f"{phase}{score}", (x, y), layout.small_px, TEAL)
    extra = [info.status] if info.status else []
    if info.fps is not None:
        extra.append(f"{_whole(info.fps)} fps")
    if info.latency_ms is not None:
        extra.append(f"{_whole(info.latency_ms)} ms")
    width = g.w - 2 * pad
    scale, thick = font_scale_for(layout.small_px), thickness_for(layout.small_px)
    for line in wrap_to_width("  ".join(extra), layout.small_px, width, 2) if extra else []:
        y += gap + layout.small_px
        fit = scale * min(1.0, width / max(1, text_width(line, scale, thick)))
        cv2.putText(image, line, (x, y), _FONT, fit, GREY, thick, cv2.LINE_AA)
    return side, fwd, reps


def wrap_to_width(text: str, px: int, width: int, max_lines: int, sep: str = " ") -> list[str]:
    """``text`` in as few lines (at most ``max_lines``) of cap height ``px`` as fit ``width``.

    Split at ``sep`` (between words; the key help splits between keys), the lines
    about equal in length; a single word wider than ``width`` stays on its line
    (the caller shrinks it).
    """
    scale, thick = font_scale_for(px), thickness_for(px)
    if text_width(text, scale, thick) <= width:  # as it is, spaces and all
        return [text]
    words = [w for w in text.split(sep) if w.strip()] if sep != " " else text.split()
    words = [w.strip() for w in words]
    for n in range(1, max(1, min(max_lines, len(words))) + 1):
        lines = _balanced(words, n, sep)
        if all(text_width(t, scale, thick) <= width for t in lines):
            return lines
    return _balanced(words, max(1, min(max_lines, len(words))), sep)


def _balanced(words: list[str], n: int, sep: str = " ") -> list[str]:
    """``words`` in ``n`` lines joined by ``sep``, cut where the longest line is shortest."""
    if n <= 1 or len(words) <= 1:
        return [sep.join(words)]
    best: list[str] | None = None
    for i in range(1, len(words) - n + 2):
        rest = _balanced(words[i:], n - 1, sep)
        lines = [sep.join(words[:i]), *rest]
        if best is None or max(map(len, lines)) < max(map(len, best)):
            best = lines
    assert best is not None
    return best


def draw_large_text(
    image: NDArray[np.uint8], text: str, layout: WindowLayout, colour: BGR = WHITE
) -> int:
    """The cue in large type on a dark box, centred above the key help.

    Up to four lines; only a line still too wide gets smaller type. Returns the
    cap height drawn (px).
    """
    w = layout.size[0]
    width = w - 4 * layout.pad
    px = layout.cue_px
    lines = wrap_to_width(text, px, width, 4)
    scale, thick = font_scale_for(px), thickness_for(px)
    widest = max(text_width(t, scale, thick) for t in lines)
    if widest > width:
        scale *= width / widest
    drawn = text_height(scale, thick)
    step = round(drawn * 1.45)
    bottom = layout.cue_bottom
    top = bottom - step * (len(lines) - 1)
    widths = [text_width(t, scale, thick) for t in lines]
    x0 = (w - max(widths)) // 2
    pad = layout.pad
    _shade(image, x0 - pad, top - drawn - pad, max(widths) + 2 * pad,
           bottom - top + drawn + 2 * pad, alpha=0.6)  # fmt: skip
    for i, (line, lw) in enumerate(zip(lines, widths, strict=True)):
        org = ((w - lw) // 2, top + i * step)
        cv2.putText(image, line, org, _FONT, scale, colour, thick, cv2.LINE_AA)
    return drawn


def draw_key_help(image: NDArray[np.uint8], text: str, layout: WindowLayout) -> None:
    """The key help along the window's bottom edge, on two lines if one is too wide."""
    w, h = layout.size
    pad, px = layout.pad, layout.small_px
    lines = wrap_to_width(text, px, w - 4 * pad, 2, sep="   ")
    scale, thick = font_scale_for(px), thickness_for(px)
    widest = max(text_width(t, scale, thick) for t in lines)
    if widest > w - 4 * pad:
        scale *= (w - 4 * pad) / widest
    step = round(text_height(scale, thick) * 1.6)
    bottom = h - 2 * pad
    top = bottom - step * (len(lines) - 1)
    strip_top = top - text_height(scale, thick) - pad
    _shade(image, 0, strip_top, w, h - strip_top, alpha=0.6)
    for i, line in enumerate(lines):
        cv2.putText(image, line, (2 * pad, top + i * step), _FONT, scale, HELP_GREY, thick,
                    cv2.LINE_AA)  # fmt: skip


def draw_message_screen(
    background: NDArray[np.uint8], lines: list[str], layout: WindowLayout
) -> NDArray[np.uint8]:
    """A darkened copy of ``background`` with ``lines`` centred in large type.

    The first line (the question, or the title) at the cue's height, the others at the
    readouts' height, the last one (the keys) a little smaller; each wrapped to the
    window's width.
    ``background`` is stretched to the layout's size when it differs.
    """
    w, h = layout.size
    image = background
    if image.shape[:2] != (h, w):
        image = np.asarray(cv2.resize(image, (w, h)), np.uint8)
    screen: NDArray[np.uint8] = np.asarray(cv2.convertScaleAbs(image, alpha=0.15), np.uint8)
    width = w - 4 * layout.pad
    sizes = [layout.cue_px] + [layout.readout_px] * max(0, len(lines) - 2)
    if len(lines) > 1:
        keys_px = max(layout.small_px, round(0.75 * layout.readout_px))
        sizes.append(keys_px if len(lines) > 2 else layout.readout_px)
    y = int(h * 0.18)
    for i, (line, px) in enumerate(zip(lines, sizes, strict=True)):
        colour = WHITE if i == 0 else HELP_GREY
        scale, thick = font_scale_for(px), thickness_for(px)
        for part in wrap_to_width(line, px, width, 3):
            s = scale * min(1.0, width / max(1, text_width(part, scale, thick)))
            y += text_height(s, thick)
            x = (w - text_width(part, s, thick)) // 2
            cv2.putText(screen, part, (x, y), _FONT, s, colour, thick, cv2.LINE_AA)
            y += round(text_height(s, thick) * 0.6)
        y += round(px * 0.7)
    return screen
