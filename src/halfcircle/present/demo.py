"""The stage demonstration: a small looping figure doing the stage's movement against the wall.

Shown before a stage's first set (and on a key), beside its key points
(:data:`halfcircle.live.guided_session.KEY_POINTS`). The path is data
(:func:`demo_angles`: the stage's ideal trunk angles over one loop); :func:`draw_demo`
only draws it, as a stick figure in an inset: seen from the front for side bends and the
half circle (a forward bend shortens the trunk, as a camera sees it), from the side for
roll-downs, with the wall behind.
"""

from __future__ import annotations

import math
from typing import Final

import cv2
import numpy as np
from numpy.typing import NDArray

__all__ = ["DEMO_LOOP_S", "DEMO_PEAKS_DEG", "demo_angles", "draw_demo"]

#: Seconds of one loop of the demonstration (slow and smooth).
DEMO_LOOP_S: Final = 8.0
#: The demonstration's peaks (deg): lateral each side, forward.
DEMO_PEAKS_DEG: Final = {"lateral": 25.0, "forward": 45.0}


def _ease(u: float) -> float:
    """Minimum-jerk blend of ``u`` in [0, 1]: out of rest and into it smoothly."""
    u = min(1.0, max(0.0, u))
    return u**3 * (10.0 - 15.0 * u + 6.0 * u**2)


def demo_angles(stage: str, t_s: float) -> tuple[float, float]:
    """The demonstration's ``(lateral_deg, forward_deg)`` at ``t_s`` into the loop.

    Side bends: right and back in the first half, left and back in the second (lateral
    positive to the person's right). Roll-downs and the routine's warm-up bend: down and
    back up. The half circle: right side, through the front, left side, back up
    (``lateral = L cos(phi)``, ``forward = F sin(phi)``, from upright and back).
    """
    u = (t_s % DEMO_LOOP_S) / DEMO_LOOP_S
    lat, fwd = DEMO_PEAKS_DEG["lateral"], DEMO_PEAKS_DEG["forward"]
    if stage == "side_bends":
        half = u * 2.0 % 1.0
        out = _ease(half * 2.0) if half < 0.5 else _ease((1.0 - half) * 2.0)
        return (lat if u < 0.5 else -lat) * out, 0.0
    if stage == "roll_downs":
        out = _ease(u * 2.0) if u < 0.5 else _ease((1.0 - u) * 2.0)
        return 0.0, fwd * out
    # the half circle and the routine: to the right side, round the front, up from the left
    if u < 0.2:
        return lat * _ease(u / 0.2), 0.0
    if u < 0.8:
        phi = math.pi * _ease((u - 0.2) / 0.6)
        return lat * math.cos(phi), fwd * math.sin(phi)
    return -lat * _ease((1.0 - u) / 0.2), 0.0


def draw_demo(
    image: NDArray[np.uint8],
    stage: str,
    t_s: float,
    mirrored: bool = True,
    size: int = 0,
    at_top: bool = False,
) -> None:
    """Draw the stage's demonstration in an inset at the image's bottom right (BGR, in place).

    ``mirrored``: as in a mirror (the live view's default), the figure's right side is on
    the right of the screen, so that the person copies it; else as a camera sees them.
    ``size``: the inset's side in pixels (default a third of the image's shorter side).
    ``at_top``: at the top right instead (where a window's large prompt, at the bottom,
    leaves it in view).
    """
    h, w = image.shape[:2]
    side = size or max(80, min(w, h) // 3)
    x0, y0 = w - side - 8, (8 if at_top else h - side - 8)
    inset = image[y0 : y0 + side, x0 : x0 + side]
    inset[:] = (inset * 0.25).astype(np.uint8)
    lateral, forward = demo_angles(stage, t_s)
    thick = max(2, side // 40)
    hips = np.array([side * 0.5, side * 0.72])
    trunk = side * 0.36
    if stage == "roll_downs":  # from the side: the wall at the left, bending away from it
        cv2.line(inset, (int(side * 0.3), 0), (int(side * 0.3), side), (90, 90, 90), thick)
        hips[0] = side * 0.36
        a = math.radians(forward)
        top = hips + trunk * np.array([math.sin(a), -math.cos(a)])
    else:  # from the front: the wall is behind; a forward bend shortens the trunk
        a = math.radians(lateral)
        length = trunk * math.cos(math.radians(forward))
        way = 1.0 if mirrored else -1.0  # where the person's right side is drawn
        top = hips + length * np.array([way * math.sin(a), -math.cos(a)])
    white = (255, 255, 255)
    for dx in (-0.08, 0.08):  # legs, knees soft
        knee = hips + side * np.array([dx * 1.1, 0.14])
        foot = hips + side * np.array([dx, 0.27])
        cv2.line(inset, _pt(hips), _pt(knee), white, thick, cv2.LINE_AA)
        cv2.line(inset, _pt(knee), _pt(foot), white, thick, cv2.LINE_AA)
    cv2.line(inset, _pt(hips), _pt(top), (170, 200, 40), thick + 1, cv2.LINE_AA)
    cv2.circle(inset, _pt(top + (top - hips) * 0.22), max(3, side // 14), white, -1, cv2.LINE_AA)


def _pt(p: NDArray[np.float64]) -> tuple[int, int]:
    return round(float(p[0])), round(float(p[1]))
