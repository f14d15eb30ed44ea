"""Fingertip-to-floor distance from the image, scaled on the calibration stance.

The baseline's toe touch and side bends report how far the lowest fingertip
stays above the floor (cm, a validated clinical measure; its minimal detectable
change is about 4.5 cm). :func:`fingertip_floor_cm` reads it per frame from
MediaPipe's *image* landmarks, which are precise in the picture, in four steps:

1. **Scale**: metres per pixel at the person's distance, from the calibration
   stance: the nose stands ``NOSE_HEIGHT_FRACTION`` of the body height above
   the feet, and the stance's image distance from the feet to the nose is
   measured. The height is the person's when given; otherwise MediaPipe's world
   landmarks' own nose-to-feet height, which is an average body's scale (it read
   a 196 cm body as 157 cm on the rendered fixtures), so without a height the
   distance is only as right as the person is average.
2. **Floor**: the image row of the heels and toes (landmarks 29-32) at the
   stance (median of their mean row), for every frame where enough of them are
   seen. Not each frame's own: when the trunk folds in front of the legs in a
   front-view toe touch, MediaPipe's feet points (their mean) rose by up to 0.38
   of the image height (rendered ``base_toe_touch_front_far``), and a floor taken
   from each frame read the lowest point there 37 cm low. The baseline tests ask
   the feet to stay put.
3. **Fingertip**: MediaPipe's index-finger point (19/20) sits above the tip of
   the hand: on the two rendered baseline clips used to choose the method, at
   the stance (hands and feet at one depth, the person's height given), it read
   7.4 and 8.0 cm (3.8 and 4.8 % of the body height) above the lowest
   fingertip. It is moved down by ``hand_offset`` (0.04 of the body height, the
   middle of those) along the hand's image direction (wrist to index), downward
   part only.
4. **Perspective**: a hand nearer the camera than the feet (a toe touch reaches
   forward) looks lower than it is when it is below the camera. Each image row
   is a ray at an angle ``a`` below the horizontal (``tan a = (v - v_centre) / f``,
   ``f`` the focal length in pixels, the camera taken as level); with ``D`` the
   camera's horizontal distance to the person
   (from the stance: the feet-to-nose rays span ``NOSE_HEIGHT_FRACTION`` of the
   height) and ``dz`` how much nearer the hand is than the feet (metres, from
   the world landmarks' depth at the scale of step 1),
   ``h = D tan(a_feet) - (D - dz) tan(a_tip)``. ``f`` is not known from one
   camera: it comes from an assumed field of view along the image's long side
   (``long_side_fov_deg``, 60 deg): a phone's main camera films about 65-70 deg
   along the long side, a webcam 55-65; the rendered baseline fixtures are 50-61.

The camera is taken as level even when its tilt is known. With the measured
tilt in the same model (rays at ``tilt + a``), the stance of the six clips used
to choose the method (``base_toe_touch``, ``base_side_bends`` and the four
``drill_*``; height given, no hand offset) read 13.3-17.4 cm high instead of
7.7-10.2 cm level: the landmarks' own offsets
(the index point above the fingertip, the heel and toe points above the sole)
are larger than the level model's one hand offset says, and a tilted camera
partly cancels them in the level model. Measuring those offsets separately
needs more bodies than the fixtures have; until then the level model, with the
one offset, is what the fixtures support.

The lowest hand of each frame is taken. A frame gets NaN, and
:func:`withheld_reason` says why, when the feet or the hands are not seen: too
few visible heel and toe points, a hand's wrist or index point not visible, or
any of them outside the image.

Units and signs: distances in cm, positive above the floor, negative below it
(fingertips past the toes on a step). Image rows grow downwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from halfcircle.errors import ValidationError
from halfcircle.kinematics.calibration import NOSE_HEIGHT_FRACTION
from halfcircle.landmarks import LANDMARK

__all__ = [
    "REASONS",
    "FingertipConfig",
    "FingertipReference",
    "fingertip_floor_cm",
    "fingertip_from_reference",
    "fingertip_one",
    "stance_reference",
    "stance_scale_m_per_px",
    "withheld_reason",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

NOSE: Final = LANDMARK["nose"]
#: Heels and toes (foot index) of both feet: the floor reference.
FEET: Final = np.array(
    [LANDMARK[n] for n in ("left_heel", "right_heel", "left_foot_index", "right_foot_index")]
)
#: (wrist, index finger) of the left and the right hand.
HANDS: Final = (
    (LANDMARK["left_wrist"], LANDMARK["left_index"]),
    (LANDMARK["right_wrist"], LANDMARK["right_index"]),
)

#: Reasons a frame's distance is withheld, as said to the person.
REASONS: Final[dict[str, str]] = {
    "feet": "the feet were not both in view",
    "hands": "the hands were not in view",
}


@dataclass(frozen=True)
class FingertipConfig:
    """Settings of :func:`fingertip_floor_cm`.

    Attributes:
        hand_offset: How far below MediaPipe's index point the lowest fingertip
            lies, as a share of the body height (see the module docstring).
        long_side_fov_deg: Assumed field of view along the image's long side
            (deg), for the perspective correction.
        min_visibility: Landmarks less visible than this are not used.
        min_feet: Fewest visible heel and toe points (of 4) for a floor.
    """

    hand_offset: float = 0.04
    long_side_fov_deg: float = 60.0
    min_visibility: float = 0.5
    min_feet: int = 2

    def __post_init__(self) -> None:
        problems = []
        if not 0.0 <= self.hand_offset < 0.2:
            problems.append(f"hand_offset must be in [0, 0.2), got {self.hand_offset}")
        if not 10.0 < self.long_side_fov_deg < 150.0:
            problems.append(f"long_side_fov_deg must be in (10, 150), got {self.long_side_fov_deg}")
        if not 0.0 <= self.min_visibility <= 1.0:
            problems.append(f"min_visibility must be in [0, 1], got {self.min_visibility}")
        if not 1 <= self.min_feet <= 4:
            problems.append(f"min_feet must be 1 to 4, got {self.min_feet}")
        if problems:
            raise ValidationError("Invalid fingertip config: " + "; ".join(problems) + ".")


def _inside(image: FloatArray) -> BoolArray:
    """``(..., 33)`` whether each normalised image point lies within the frame."""
    xy = image[..., :2]
    return np.asarray(np.all((xy >= 0.0) & (xy <= 1.0), axis=-1), dtype=np.bool_)


def _feet_mean(coord: FloatArray) -> FloatArray:
    """``(n,)`` mean of one coordinate (``(n, 33)``) over the heels and toes, NaN-aware."""
    feet = coord[:, FEET]
    n = np.isfinite(feet).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(np.isfinite(feet), feet, 0.0).sum(axis=-1) / n)


def _floor_row(
    image: FloatArray, visibility: FloatArray, height_px: float, cfg: FingertipConfig
) -> tuple[FloatArray, BoolArray]:
    """Per frame, the mean image row (px) of the seen heels and toes, and whether it is usable.

    Usable needs ``min_feet`` of them visible and none of the visible ones outside the frame.
    """
    seen = visibility[:, FEET] >= cfg.min_visibility
    inside = _inside(image[:, FEET])
    rows = image[:, FEET, 1] * height_px
    n = seen.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        floor = np.where(seen, rows, 0.0).sum(axis=-1) / n
    ok = (n >= cfg.min_feet) & ~np.any(seen & ~inside, axis=-1) & np.isfinite(floor)
    return np.where(ok, floor, np.nan), ok


def stance_scale_m_per_px(
    image: FloatArray,
    world: FloatArray,
    visibility: FloatArray,
    image_size: tuple[int, int],
    stance: BoolArray,
    height_m: float | None = None,
    config: FingertipConfig | None = None,
) -> tuple[float, float]:
    """Metres per pixel at the person, and the body height used (m), from the stance.

    Args:
        image: ``(n, 33, 3)`` normalised image landmarks (x right, y down).
        world: ``(n, 33, 3)`` world landmarks (m; x right, y down, z away).
        visibility: ``(n, 33)`` in [0, 1].
        image_size: ``(width, height)`` in pixels.
        stance: ``(n,)`` frames of the quiet upright stance.
        height_m: The person's height (m), or None for MediaPipe's own scale.
        config: Visibility settings.

    Returns:
        ``(metres_per_pixel, height_m)``; both NaN when the stance shows no nose
        and feet to measure.
    """
    cfg = config or FingertipConfig()
    h_px = float(image_size[1])
    floor, ok = _floor_row(image, visibility, h_px, cfg)
    sel = stance & ok & (visibility[:, NOSE] >= cfg.min_visibility)
    if not sel.any():
        return math.nan, math.nan
    nose_px = float(np.median(floor[sel] - image[sel, NOSE, 1] * h_px))
    if not nose_px > 0:
        return math.nan, math.nan
    if height_m is None:
        # world: y down; the nose's height above the feet's mean, in MediaPipe's metres
        nose_m = float(np.median(_feet_mean(world[sel][..., 1]) - world[sel, NOSE, 1]))
        if not nose_m > 0:
            return math.nan, math.nan
        height_m = nose_m / NOSE_HEIGHT_FRACTION
    return NOSE_HEIGHT_FRACTION * height_m / nose_px, float(height_m)


@dataclass(frozen=True)
class FingertipReference:
    """What the calibration stance tells :func:`fingertip_from_reference` (steps 1, 2 and 4).

    Attributes:
        scale_m_per_px: Metres per pixel at the person.
        body_m: The body height used (m): the person's, or MediaPipe's.
        floor_row_px: Image row (px) of the floor under the feet.
        distance_m: The camera's horizontal distance to the person (m).
        world_k: MediaPipe's world metres to this scale.
        focal_px: The focal length (px) of the assumed field of view.
    """

    scale_m_per_px: float
    body_m: float
    floor_row_px: float
    distance_m: float
    world_k: float
    focal_px: float


def stance_reference(
    image: FloatArray,
    world: FloatArray,
    visibility: FloatArray,
    image_size: tuple[int, int],
    stance: BoolArray,
    height_m: float | None = None,
    config: FingertipConfig | None = None,
) -> FingertipReference | None:
    """The scale, floor and camera distance from the stance frames; None when it gives none.

    Arguments as :func:`fingertip_floor_cm` (``stance`` marks the stance's frames).
    """
    cfg = config or FingertipConfig()
    w_px, h_px = float(image_size[0]), float(image_size[1])
    scale, body_m = stance_scale_m_per_px(
        image, world, visibility, image_size, stance, height_m, cfg
    )
    if not math.isfinite(scale):
        return None
    floor_rows, floor_ok = _floor_row(image, visibility, h_px, cfg)
    floor = float(np.median(floor_rows[stance & floor_ok]))
    f_px = 0.5 * max(w_px, h_px) / math.tan(math.radians(0.5 * cfg.long_side_fov_deg))
    # horizontal distance (m) from the camera to the person, from the stance: the
    # nose stands NOSE_HEIGHT_FRACTION of the body height above the floor
    sel = stance & floor_ok & (visibility[:, NOSE] >= cfg.min_visibility)
    span = (floor_rows[sel] - 0.5 * h_px) / f_px - (image[sel, NOSE, 1] * h_px - 0.5 * h_px) / f_px
    distance = NOSE_HEIGHT_FRACTION * body_m / float(np.median(span))
    # world metres to this scale: MediaPipe's body height against the one used
    world_nose = _feet_mean(world[..., 1]) - world[:, NOSE, 1]
    world_k = body_m / (float(np.nanmedian(world_nose[stance])) / NOSE_HEIGHT_FRACTION)
    return FingertipReference(scale, body_m, floor, distance, world_k, f_px)


def fingertip_from_reference(
    ref: FingertipReference,
    image: FloatArray,
    world: FloatArray,
    visibility: FloatArray,
    image_size: tuple[int, int],
    config: FingertipConfig | None = None,
) -> FloatArray:
    """The lowest fingertip's height above the floor (cm) of each frame, against ``ref``.

    Frames ``(n, 33, ...)`` as :func:`fingertip_floor_cm`'s, any number (one for a
    live stream). NaN where the feet or both hands are not seen.
    """
    cfg = config or FingertipConfig()
    w_px, h_px = float(image_size[0]), float(image_size[1])
    _, floor_ok = _floor_row(image, visibility, h_px, cfg)
    floor = np.where(floor_ok, ref.floor_row_px, np.nan)

    def slope(row: FloatArray) -> FloatArray:
        """The tangent of the angle below the optical axis (taken as level) of image rows (px)."""
        return np.asarray((row - 0.5 * h_px) / ref.focal_px, dtype=np.float64)

    feet_z = _feet_mean(world[..., 2])
    inside = _inside(image)
    heights = []
    for wrist, index in HANDS:
        seen = (
            (visibility[:, wrist] >= cfg.min_visibility)
            & (visibility[:, index] >= cfg.min_visibility)
            & inside[:, wrist]
            & inside[:, index]
        )
        hand = (image[:, index, :2] - image[:, wrist, :2]) * (w_px, h_px)
        length = np.linalg.norm(hand, axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            down = np.where(length > 0, np.maximum(hand[:, 1] / length, 0.0), 0.0)
        tip_row = (
            image[:, index, 1] * h_px + cfg.hand_offset * ref.body_m / ref.scale_m_per_px * down
        )
        dz = (feet_z - world[:, index, 2]) * ref.world_k  # > 0: the hand nearer the camera
        h = ref.distance_m * slope(floor) - (ref.distance_m - dz) * slope(tip_row)
        heights.append(np.where(seen, h, np.nan))
    with np.errstate(invalid="ignore"):
        lowest = np.fmin(heights[0], heights[1])
    return np.asarray(lowest * 100.0, dtype=np.float64)


def fingertip_one(
    ref: FingertipReference,
    image: FloatArray,
    world: FloatArray,
    visibility: FloatArray,
    image_size: tuple[int, int],
    config: FingertipConfig | None = None,
) -> float:
    """Scalar twin of :func:`fingertip_from_reference` for one frame ``(33, ...)`` (a live stream).

    The same reading (cm, NaN where not seen) without the arrays' overhead.
    """
    cfg = config or FingertipConfig()
    w_px, h_px = float(image_size[0]), float(image_size[1])
    lo = cfg.min_visibility

    def inside(i: int) -> bool:
        x, y = float(image[i, 0]), float(image[i, 1])
        return 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0

    n_seen, depth, n_depth = 0, 0.0, 0
    for i in FEET.tolist():
        if visibility[i] >= lo:
            if not inside(i):
                return math.nan
            n_seen += 1 if math.isfinite(float(image[i, 1])) else 0
        z = float(world[i, 2])
        if math.isfinite(z):
            depth += z
            n_depth += 1
    if n_seen < cfg.min_feet:
        return math.nan
    feet_z = depth / n_depth if n_depth else math.nan
    floor_slope = (ref.floor_row_px - 0.5 * h_px) / ref.focal_px
    lowest = math.nan
    for wrist, index in HANDS:
        if not (visibility[wrist] >= lo and visibility[index] >= lo):
            continue
        if not (inside(wrist) and inside(index)):
            continue
        hx = (float(image[index, 0]) - float(image[wrist, 0])) * w_px
        hy = (float(image[index, 1]) - float(image[wrist, 1])) * h_px
        length = math.hypot(hx, hy)
        down = max(hy / length, 0.0) if length > 0 else 0.0
        tip_row = (
            float(image[index, 1]) * h_px + cfg.hand_offset * ref.body_m / ref.scale_m_per_px * down
        )
        dz = (feet_z - float(world[index, 2])) * ref.world_k
        h = ref.distance_m * floor_slope - (ref.distance_m - dz) * (
            (tip_row - 0.5 * h_px) / ref.focal_px
        )
        if not math.isnan(h) and not h >= lowest:
            lowest = h
    return lowest * 100.0


def fingertip_floor_cm(
    image: FloatArray,
    world: FloatArray,
    visibility: FloatArray,
    image_size: tuple[int, int],
    stance: BoolArray,
    height_m: float | None = None,
    config: FingertipConfig | None = None,
) -> FloatArray:
    """The lowest fingertip's height above the floor per frame (cm, NaN where not seen).

    :func:`stance_reference`, then :func:`fingertip_from_reference` on every frame.

    Args:
        image: ``(n, 33, 3)`` normalised image landmarks (x right, y down).
        world: ``(n, 33, 3)`` world landmarks (m; x right, y down, z away from the camera).
        visibility: ``(n, 33)`` in [0, 1].
        image_size: ``(width, height)`` in pixels.
        stance: ``(n,)`` frames of the quiet upright stance (the scale's).
        height_m: The person's height (m); None takes MediaPipe's average-body scale.
        config: Settings.

    Returns:
        ``(n,)`` cm above the floor, negative below it; NaN where the feet or
        both hands are not seen, or the stance gives no scale.
    """
    ref = stance_reference(image, world, visibility, image_size, stance, height_m, config)
    if ref is None:
        return np.full(image.shape[0], np.nan)
    return fingertip_from_reference(ref, image, world, visibility, image_size, config)


def withheld_reason(
    image: FloatArray,
    visibility: FloatArray,
    frames: BoolArray,
    config: FingertipConfig | None = None,
) -> str:
    """Why no fingertip distance was read over ``frames``: a key of :data:`REASONS`.

    ``"feet"`` when most of the frames lack a floor (too few heels and toes
    seen, or one outside the image), else ``"hands"``.
    """
    cfg = config or FingertipConfig()
    if not frames.any():
        return "hands"
    _, ok = _floor_row(image[frames], visibility[frames], 1.0, cfg)
    return "feet" if ok.mean() < 0.5 else "hands"
