"""Landmark geometry shared by calibration and kinematics: fused camera-frame points.

MediaPipe gives two views of one pose: image landmarks, whose ``x`` and ``y`` are
precise but flat, and world landmarks, which carry depth but read it compressed
and biased. :func:`fused_points` keeps the best of each: ``x`` and ``y`` from the
image (converted to metres with a per-frame scale fitted on the torso) and ``z``
from the world landmarks; the body axes, pelvis, knees and fingertips are
measured on them. The trunk, whose depth matters most, gets more:
:func:`fuse_depth` also reads its depth from foreshortening (its image length
against its neutral length) and weighs the two depths by their expected errors;
from a front view, :func:`turn_depth_shift` first takes out the depth that a turn
of the shoulders adds to MediaPipe's mid-shoulder point.

Camera frame (as :mod:`halfcircle.landmarks`): metres, origin between the hips,
``x`` image right, ``y`` down, ``z`` away from the camera.

Body frame (after :mod:`halfcircle.kinematics.calibration`): ``(r, f, u)`` with ``r`` towards
the person's right, ``f`` forward (where they face) and ``u`` up; it is
right-handed (``r x f = u``).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from halfcircle.landmarks import LANDMARK

FloatArray = NDArray[np.float64]

L_SHOULDER: Final = LANDMARK["left_shoulder"]
R_SHOULDER: Final = LANDMARK["right_shoulder"]
L_HIP: Final = LANDMARK["left_hip"]
R_HIP: Final = LANDMARK["right_hip"]
L_KNEE: Final = LANDMARK["left_knee"]
R_KNEE: Final = LANDMARK["right_knee"]
L_ANKLE: Final = LANDMARK["left_ankle"]
R_ANKLE: Final = LANDMARK["right_ankle"]
L_INDEX: Final = LANDMARK["left_index"]
R_INDEX: Final = LANDMARK["right_index"]
L_HEEL: Final = LANDMARK["left_heel"]
R_HEEL: Final = LANDMARK["right_heel"]
L_FOOT: Final = LANDMARK["left_foot_index"]
R_FOOT: Final = LANDMARK["right_foot_index"]
NOSE: Final = LANDMARK["nose"]
L_EAR: Final = LANDMARK["left_ear"]
R_EAR: Final = LANDMARK["right_ear"]

#: Shoulders and hips: the landmarks every trunk angle needs.
TORSO: Final = np.array([L_SHOULDER, R_SHOULDER, L_HIP, R_HIP])


def image_pixels(image: FloatArray, image_size: tuple[int, int]) -> FloatArray:
    """Image ``x, y`` in pixels (``(..., 33, 2)``, x right, y down) from normalised coordinates."""
    w, h = image_size
    return np.asarray(image[..., :2] * np.array([float(w), float(h)]), dtype=np.float64)


def metres_per_pixel(pixels: FloatArray, world: FloatArray) -> FloatArray:
    """Per-frame scale (m/px) that best maps the torso's image layout onto its world layout.

    Least squares over shoulders and hips, both centred on the mid-hip point:
    ``k = sum(w_xy . p) / sum(p . p)``.

    Args:
        pixels: ``(..., 33, 2)`` image coordinates in pixels.
        world: ``(..., 33, 3)`` world coordinates in metres.

    Returns:
        ``(...)`` metres per pixel; NaN where a torso landmark is missing.
    """
    p = pixels[..., TORSO, :]
    w = world[..., TORSO, :2]
    p = p - 0.5 * (p[..., 2:3, :] + p[..., 3:4, :])
    w = w - 0.5 * (w[..., 2:3, :] + w[..., 3:4, :])
    num = np.sum(p * w, axis=(-1, -2))
    den = np.sum(p * p, axis=(-1, -2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(num / den, dtype=np.float64)


def fused_points(
    image: FloatArray, world: FloatArray, image_size: tuple[int, int]
) -> tuple[FloatArray, FloatArray]:
    """Camera-frame points in metres: ``x, y`` from the image, ``z`` from world landmarks.

    Args:
        image: ``(..., 33, 3)`` normalised image coordinates (x right, y down).
        world: ``(..., 33, 3)`` world coordinates (m, x right, y down, z away).
        image_size: ``(width, height)`` of the frames in pixels.

    Returns:
        ``(points, scale)``: ``(..., 33, 3)`` metres with the origin between the
        hips, and ``(...)`` the metres per pixel used. NaN where missing.
    """
    px = image_pixels(image, image_size)
    k = metres_per_pixel(px, world)
    mid = 0.5 * (px[..., L_HIP : L_HIP + 1, :] + px[..., R_HIP : R_HIP + 1, :])
    xy = (px - mid) * k[..., None, None]
    wmid = 0.5 * (world[..., L_HIP : L_HIP + 1, 2] + world[..., R_HIP : R_HIP + 1, 2])
    z = world[..., 2] - wmid
    return np.concatenate([xy, z[..., None]], axis=-1), k


def shoulder_scale(pixels: FloatArray, world: FloatArray) -> float:
    """Metres per pixel of the shoulder line alone, least squares over all frames given.

    ``k = sum(w_xy . p) / sum(p . p)`` with ``p`` the image shoulder line (px) and
    ``w_xy`` the in-plane part of the world one (m). MediaPipe's image and world
    landmarks disagree on the body's proportions (on the rendered fixtures the
    image hips are narrower, relative to the shoulders, than the world hips), so
    the torso-wide scale of :func:`metres_per_pixel` puts the shoulder line's image
    components into other units than its world depth: by 6 % (full model) to 19 %
    (heavy model) on the 30 deg rotation fixture, 5 % the other way on the front
    side-bend fixture. Measured once on the neutral stance, this scale puts them
    into the same units (see :func:`shoulder_line_camera`).

    Args:
        pixels: ``(..., 33, 2)`` image coordinates in pixels.
        world: ``(..., 33, 3)`` world coordinates in metres.

    Returns:
        The scale (m/px); NaN when no frame shows both shoulders or it is not positive.
    """
    p = shoulder_line(pixels)
    w = shoulder_line(world)[..., :2]
    ok = np.all(np.isfinite(p), axis=-1) & np.all(np.isfinite(w), axis=-1)
    den = float(np.sum(p[ok] * p[ok]))
    k = float(np.sum(p[ok] * w[ok])) / den if den > 0 else float("nan")
    return k if k > 0 else float("nan")


def shoulder_line_camera(pixels: FloatArray, world: FloatArray, scale: float) -> FloatArray:
    """Shoulder line (right minus left, ``(..., 3)``, m) in the camera frame for axial rotation.

    Its image components in pixels times ``scale`` (:func:`shoulder_scale` of the
    neutral stance) and its depth from the world landmarks, so that both are in the
    units of the world shoulder line.

    Args:
        pixels: ``(..., 33, 2)`` image coordinates in pixels.
        world: ``(..., 33, 3)`` world coordinates in metres.
        scale: Metres per pixel of the shoulder line.
    """
    xy = shoulder_line(pixels) * scale
    z = world[..., R_SHOULDER, 2:3] - world[..., L_SHOULDER, 2:3]
    return np.concatenate([xy, z], axis=-1)


def shoulder_line_front(
    line: FloatArray,
    length_m: float,
    depth_bias_m: float,
    length_sigma: float,
    depth_noise: float,
    depth_scale_error: float,
) -> FloatArray:
    """Shoulder line from a front view, its depth fused with its foreshortening (m).

    From the front the neutral shoulder line lies in the image plane, and a trunk
    rotation turns it out of that plane: its image length shrinks with the cosine
    of the turn while MediaPipe's world depth reads the turn low (a true 40 deg read
    25 deg on a rendered front view; the foreshortening alone read 34). Both are
    fused as :func:`fuse_depth` fuses the trunk's, in neutral shoulder lengths.

    Args:
        line: ``(..., 3)`` shoulder line from :func:`shoulder_line_camera` (m).
        length_m: Its neutral length in the image plane (m).
        depth_bias_m: Its neutral world depth (m), subtracted.
        length_sigma: Relative error of its image length.
        depth_noise: Error of its world depth near zero (neutral lengths).
        depth_scale_error: Relative error of its world depth.

    Returns:
        ``(..., 3)`` the shoulder line in the camera frame (m).
    """
    fused = fuse_depth(
        line[..., :2] / length_m,
        (line[..., 2] - depth_bias_m) / length_m,
        length_sigma,
        depth_noise,
        depth_scale_error,
    )
    return np.asarray(fused * length_m, dtype=np.float64)


def turn_depth_shift(line_depth: FloatArray, length_m: float, min_turn_deg: float) -> FloatArray:
    """How far a turn of the shoulders moves MediaPipe's mid-shoulder point from the camera (m).

    From a front view, when the trunk turns, MediaPipe's world depth moves the
    shoulder that turns away from the camera back by about the whole depth of the
    shoulder line, but leaves the one that turns towards the camera where it was
    (and the head goes back with the far shoulder). Its mid-shoulder point thus
    moves away from the camera by half the shoulder line's depth, which the trunk
    reads as a lean back. On the rendered front-view 40 deg rotation fixture
    (``base_rotation_front``, no bending at all) the far shoulder went back 12.5
    cm, the near one -0.2, the mid-shoulder 6.2 cm: forward flexion read -8 to
    -10 deg at the turned stance. The trunk's depth is therefore read from the
    near shoulder, i.e. this shift is subtracted from the mid-shoulder's depth.

    Only the part of the line's depth beyond ``length_m * sin(min_turn_deg)`` counts:
    without any turn MediaPipe gives the shoulder line some depth too (in a side
    bend or a half circle, up to about 10 deg of apparent turn on the rendered
    front views), spread about evenly between both shoulders, so the mid-shoulder
    point does not move and needs no correction.

    Args:
        line_depth: ``(...)`` world depth of the shoulder line (right minus left
            shoulder, m), its neutral depth removed.
        length_m: Neutral length of the shoulder line (m).
        min_turn_deg: Apparent turn (deg) below which the depth is not corrected.

    Returns:
        ``(...)`` the shift (m, >= 0, away from the camera); NaN where the depth is.
    """
    excess = np.abs(line_depth) - length_m * np.sin(np.radians(min_turn_deg))
    return np.asarray(0.5 * np.maximum(excess, 0.0), dtype=np.float64)


def midpoint(points: FloatArray, a: int, b: int) -> FloatArray:
    """Midpoint of landmarks ``a`` and ``b`` (``(..., 3)``)."""
    return np.asarray(0.5 * (points[..., a, :] + points[..., b, :]), dtype=np.float64)


def trunk_vector(points: FloatArray) -> FloatArray:
    """Trunk vector ``mid(shoulders) - mid(hips)`` (``(..., 3)``, same frame as ``points``)."""
    return midpoint(points, L_SHOULDER, R_SHOULDER) - midpoint(points, L_HIP, R_HIP)


def hip_line(points: FloatArray) -> FloatArray:
    """Hip line ``right_hip - left_hip``, pointing to the person's right (``(..., 3)``)."""
    return np.asarray(points[..., R_HIP, :] - points[..., L_HIP, :], dtype=np.float64)


def shoulder_line(points: FloatArray) -> FloatArray:
    """Shoulder line ``right_shoulder - left_shoulder``, to the person's right (``(..., 3)``)."""
    return np.asarray(points[..., R_SHOULDER, :] - points[..., L_SHOULDER, :], dtype=np.float64)


def to_body(vectors: FloatArray, axes: FloatArray) -> FloatArray:
    """Express camera-frame vectors in the body frame.

    Args:
        vectors: ``(..., 3)`` camera-frame vectors.
        axes: ``(3, 3)`` rows ``r, f, u`` (person's right, forward, up) as camera-frame
            unit vectors.

    Returns:
        ``(..., 3)`` components ``(r, f, u)``.
    """
    return np.asarray(vectors @ axes.T, dtype=np.float64)


def unit(v: FloatArray) -> FloatArray:
    """``v`` scaled to unit length along its last axis (NaN for zero or NaN vectors)."""
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(n > 0, v / n, np.nan), dtype=np.float64)


def wrap_deg(angle: FloatArray) -> FloatArray:
    """Angles wrapped to [-180, 180) degrees."""
    return np.asarray((angle + 180.0) % 360.0 - 180.0, dtype=np.float64)


def fuse_depth(
    inplane: FloatArray,
    depth: FloatArray,
    length_sigma: float = 0.05,
    depth_noise: float = 0.03,
    depth_scale_error: float = 0.35,
) -> FloatArray:
    """A unit-length segment from its image-plane components and a noisy depth.

    The segment (e.g. the trunk) has length 1 in these units (its neutral length,
    in the image plane at the neutral stance). Its depth is known two ways:
    *foreshortening*, ``sqrt(1 - x^2 - y^2)``, sharp when the segment points well
    out of the image plane and blunt near it; and MediaPipe's world *depth*, whose
    error grows with its size (it reads depth compressed, by a third or more on
    the fixtures). The two magnitudes are averaged with inverse-variance weights,
    the sign is the world depth's.

    Args:
        inplane: ``(..., 2)`` image-plane components ``x, y`` (x right, y down) in
            neutral lengths.
        depth: ``(...)`` world depth (away from the camera) in neutral lengths,
            neutral bias removed.
        length_sigma: Relative error of the image-plane length.
        depth_noise: Error of the world depth near zero (neutral lengths).
        depth_scale_error: Relative error of the world depth.

    Returns:
        ``(..., 3)`` camera-frame vector ``x, y, z``.
    """
    x, y = inplane[..., 0], inplane[..., 1]
    rho2 = x * x + y * y
    z_fore = np.sqrt(np.maximum(1.0 - rho2, 0.0))
    var_fore = (np.sqrt(rho2) * length_sigma / np.maximum(z_fore, 1e-3)) ** 2
    var_depth = depth_noise**2 + (depth_scale_error * depth) ** 2
    w_fore, w_depth = 1.0 / np.maximum(var_fore, 1e-12), 1.0 / var_depth
    mag = (z_fore * w_fore + np.abs(depth) * w_depth) / (w_fore + w_depth)
    return np.stack([x, y, np.copysign(mag, depth)], axis=-1)


def limit_extension(
    vectors: FloatArray,
    forward: FloatArray,
    depth: FloatArray | None = None,
    min_depth: float = float("inf"),
) -> FloatArray:
    """Trunk vectors moved along the camera axis until they lean no further back than upright.

    Where a vector's component along ``forward`` is negative (the trunk leaning
    back, behind the neutral stance), its depth is replaced by the depth at which
    that component is zero; its image-plane components are kept. From an oblique
    view a trunk that bends sideways towards the camera comes nearer to it, and
    MediaPipe's world depth reads only a quarter to a third of that (rendered
    fixtures ``hc_45_right`` and ``hc_aborted``: 0.07 of a needed 0.32 trunk
    lengths), which the image alone reads as a smaller side bend plus a lean
    back of 6 to 13 deg: the missing depth goes back into the side bend.

    A real lean back (extension) moves the shoulders in the image exactly as a
    side bend towards the camera does, but away from the camera instead of
    towards it, and MediaPipe's depth sees that: on a rendered 40 deg view of a
    20 deg lean back (``tools/fixtures/scenes/lean_back_oblique.json``) the trunk
    went 0.16 trunk lengths away, where upright would have needed it to come
    nearer. So a lean back is kept when its measured ``depth`` is larger than
    ``min_depth`` and points the other way than the upright depth would: the
    correction would have to turn the depth round, not only make it larger. On
    the fixtures without any lean back the corrections that turned the depth
    round did so from at most 0.10 trunk lengths (a 40 deg trunk rotation from 36
    deg, ``base_rotation``; at most 0.04 in the half circles).

    Args:
        vectors: ``(..., 3)`` camera-frame trunk vectors (x right, y down, z away).
        forward: ``(3,)`` unit forward body axis in the same frame; its depth
            component must not be zero (the view must see forward flexion
            partly in depth).
        depth: ``(...)`` the trunk's measured world depth (neutral trunk lengths,
            neutral bias removed, away from the camera positive); None to correct
            every lean back.
        min_depth: Depth (neutral trunk lengths) beyond which a measured depth
            counts as evidence.

    Returns:
        ``(..., 3)`` vectors, unchanged where they do not lean back or the depth
        shows a real lean back.
    """
    fx, fy, fz = float(forward[0]), float(forward[1]), float(forward[2])
    x, y, z = vectors[..., 0], vectors[..., 1], vectors[..., 2]
    lean_back = fx * x + fy * y + fz * z < 0.0
    upright_z = -(fx * x + fy * y) / fz
    if depth is not None:
        lean_back &= ~((np.abs(depth) > min_depth) & (depth * upright_z < 0.0))
    return np.stack([x, y, np.where(lean_back, upright_z, z)], axis=-1)
