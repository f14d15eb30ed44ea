"""Which way the trunk leans along the camera axis, from perspective: nearer is larger.

From a front (or back) view, forward flexion and extension both move the
shoulders along the camera axis and shorten the trunk in the image alike; only
their depth tells them apart. MediaPipe's world depth can get that wrong:

* **A lean back read as a small forward bend.** On a rendered 20 deg lean back
  seen from the front (``lean_back_front``), the world landmarks put the
  shoulders 2 cm *nearer* the camera, while the trunk's image length said it
  had leaned some 25 deg out of the image plane; the fused angle read +3.5.
* **A view from behind read as a view from the front** (the ambiguity every
  single picture has: a body seen from behind with its depth reversed looks the
  same as one seen from the front with left and right exchanged). The labels,
  the nose in front of the ears and a forward bend coming towards the camera
  are then all consistent with one another, and all wrong.

The pinhole camera does not share these ambiguities: what comes nearer grows.
The shoulders move in depth with the trunk while the hips stay where they are,
so the shoulder line's image width against the hip line's (each divided by the
share of it that MediaPipe's world landmarks put in the image plane, so that a
turn does not read as a change of size) grows when the shoulders come nearer
and shrinks when they go away. Relative to the neutral stance,
``log(width ratio)`` changes by about ``-depth / distance``; the camera distance
in trunk lengths is ``focal / trunk_length_px``, with the focal length taken
from an assumed field of view (:data:`ASSUMED_DIAGONAL_FOV_DEG`; its error goes
into the cue's error). On the rendered front views this *perspective depth*
had the right sign wherever the trunk left the image plane by more than about
30 deg, including the lean back; it is blunt near upright and reads a
roll-down (the shoulders rounding forward narrow them) at about a third of its
size, so it only decides where MediaPipe's depth is weak or wrong:

* :func:`depth_evidence`, frame by frame (live and offline alike): the
  log-likelihood that the trunk went away from the camera rather than towards
  it, from MediaPipe's depth (expected at :data:`DEPTH_COMPRESSION` of the
  foreshortening depth, with the errors :func:`~halfcircle.kinematics.geometry.fuse_depth`
  assumes) and from the perspective depth. Where it contradicts the fused
  depth's sign by more than :data:`MIN_SIGN_EVIDENCE`, the trunk's depth takes
  the evidence's sign and the foreshortening's size (MediaPipe's depth having
  been shown wrong). MediaPipe's depth that reads less than
  :data:`MISSED_LEAN_SHARE` of the foreshortening missed the lean (it does so for
  a lean back from the front): it then gives no evidence, and clear evidence sets
  the size as well as the sign.
* :func:`depth_reversed`, over a whole recording offline, and live over the
  first deep forward bend after the stance: MediaPipe's depth explains the
  trunk's foreshortening (it is not merely missing a lean) but the perspective
  says the opposite direction throughout. The poses are then read with their
  depth reversed and left and right exchanged (:func:`reverse_depth`,
  :func:`reverse_frame`): a view from behind that the model took for a front
  view becomes the back view it is.

Camera frame as :mod:`halfcircle.kinematics.geometry` (``z`` away from the camera).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Final

import numpy as np
from numpy.typing import NDArray

from halfcircle.kinematics.geometry import (
    L_HIP,
    L_SHOULDER,
    R_HIP,
    R_SHOULDER,
    FloatArray,
)
from halfcircle.kinematics.tracking import LR_PAIRS
from halfcircle.landmarks import PoseFrame, PoseSequence

#: Diagonal field of view (deg) assumed to turn image sizes into camera distance:
#: laptop webcams and phone cameras span about 60 to 80 deg (the rendered
#: fixtures: 60).
ASSUMED_DIAGONAL_FOV_DEG: Final = 70.0
#: Relative error of the camera distance that the assumed field of view gives.
DISTANCE_ERROR: Final = 0.35
#: Frame-to-frame noise of the log width ratio (MediaPipe's shoulder and hip widths).
WIDTH_RATIO_NOISE: Final = 0.02
#: Share of the foreshortening depth that MediaPipe's world depth reads on the
#: rendered front views' forward bends (0.68 to 0.77).
DEPTH_COMPRESSION: Final = 0.7
#: Share of a true shoulder turn that MediaPipe's world shoulders read (about three quarters).
TURN_READ_SHARE: Final = 0.75
#: Share of the foreshortening depth below which MediaPipe's depth is taken to have
#: missed the lean and gives no evidence of its direction: it reads forward bends at
#: about DEPTH_COMPRESSION, but a lean back from the front at 0.0 to 0.1 of it (three
#: rendered bodies), which a camera looking down turned into a lean towards it.
MISSED_LEAN_SHARE: Final = 0.35
#: Log-likelihood ratio beyond which the evidence overrules the fused depth's sign.
MIN_SIGN_EVIDENCE: Final = 4.0
#: Largest image-plane angle (deg) of the trunk from its neutral direction at which
#: the evidence is used: a lean back is sagittal, while in a side bend MediaPipe
#: turns its shoulders and shortens its image trunk, which the width ratio reads
#: as the shoulders coming 0.2 to 0.3 trunk lengths nearer (``base_side_bends``).
MAX_IMAGE_LATERAL_DEG: Final = 10.0
#: Least foreshortening of the image trunk (depth in neutral trunk lengths, 0.21 =
#: 12 deg out of the image plane) at which the evidence is used: nearer upright the
#: frame-to-frame noise of the width ratio alone (a few hundredths of a log unit)
#: would tip the sign and, through the perspective's size, read 15 to 20 deg of
#: flexion in a person standing still.
MIN_SETTLE_DEPTH: Final = 0.21
#: Foreshortening depth (neutral trunk lengths, 0.5 = 30 deg out of the image
#: plane) from which a frame counts towards :func:`depth_reversed`.
REVERSAL_MIN_DEPTH: Final = 0.5
#: Least share of the foreshortening depth that MediaPipe's depth must read (median)
#: for a disagreement to count as a reversal rather than a missed lean (half of
#: :data:`DEPTH_COMPRESSION`; a missed lean back read 0.1).
REVERSAL_MIN_SHARE: Final = 0.35
#: Least number of such frames for :func:`depth_reversed`.
REVERSAL_MIN_FRAMES: Final = 10
#: How far (median, in shares of the foreshortening depth) the perspective depth must
#: point against MediaPipe's for :func:`depth_reversed`. On the rendered front and
#: back views read as they are it pointed with it by 0.4 (roll-downs, the shoulders
#: rounding forward) to 1.5; read reversed, against it by as much.
REVERSAL_MIN_PERSPECTIVE: Final = 0.2

BoolArray = NDArray[np.bool_]


def assumed_focal_px(image_size: tuple[int, int]) -> float:
    """Focal length (px) of a camera with :data:`ASSUMED_DIAGONAL_FOV_DEG` and this image size."""
    half_diag = 0.5 * math.hypot(float(image_size[0]), float(image_size[1]))
    return half_diag / math.tan(math.radians(ASSUMED_DIAGONAL_FOV_DEG / 2.0))


def _inplane_length(line: FloatArray, world_line: FloatArray) -> FloatArray:
    share = np.linalg.norm(world_line[..., :2], axis=-1) / np.linalg.norm(world_line, axis=-1)
    return np.asarray(np.linalg.norm(line, axis=-1) / share, dtype=np.float64)


def width_ratio_log(pixels: FloatArray, world: FloatArray) -> FloatArray:
    """``log(shoulder width / hip width)`` in the image, each width turn-corrected.

    Each image width (px) is divided by the share of that line lying in the image
    plane according to the world landmarks, so a turn of the shoulders or hips
    does not read as a change of size.

    Args:
        pixels: ``(..., 33, 2)`` image coordinates (px).
        world: ``(..., 33, 3)`` world coordinates (m).
    """
    sh = _inplane_length(
        pixels[..., R_SHOULDER, :] - pixels[..., L_SHOULDER, :],
        world[..., R_SHOULDER, :] - world[..., L_SHOULDER, :],
    )
    hip = _inplane_length(
        pixels[..., R_HIP, :] - pixels[..., L_HIP, :],
        world[..., R_HIP, :] - world[..., L_HIP, :],
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.log(sh / hip), dtype=np.float64)


def perspective_depth(
    ratio_log: FloatArray, neutral_ratio_log: float, focal_px: float, trunk_length_px: float
) -> FloatArray:
    """The trunk's depth (neutral trunk lengths, away from the camera positive) from perspective.

    ``-(ratio_log - neutral_ratio_log) * focal_px / trunk_length_px``: the
    shoulders shrink by ``depth / distance`` as they go away, and the camera
    distance in trunk lengths is ``focal_px / trunk_length_px``.
    """
    return np.asarray(
        -(ratio_log - neutral_ratio_log) * (focal_px / trunk_length_px), dtype=np.float64
    )


def ratio_noise(ratio_sd: float) -> float:
    """Noise of the log width ratio: the neutral stance's own, at least :data:`WIDTH_RATIO_NOISE`.

    MediaPipe's widths shook by 0.001 to 0.006 (log) over the rendered fixtures'
    stances; a noisier recording (small in the picture, or shaky landmarks: a
    synthetic 1 px of noise gave 0.04) weighs the perspective less.
    """
    return WIDTH_RATIO_NOISE if not ratio_sd > WIDTH_RATIO_NOISE else float(ratio_sd)


def depth_evidence(
    z_fore: FloatArray,
    depth: FloatArray,
    persp: FloatArray,
    distance: float,
    depth_noise: float,
    depth_scale_error: float,
    turn_error: FloatArray | float = 0.0,
    ratio_noise: float = WIDTH_RATIO_NOISE,
) -> FloatArray:
    """Log-likelihood ratio that the trunk went away from the camera rather than towards it.

    Two hypotheses, depth ``+z_fore`` or ``-z_fore`` (neutral trunk lengths, the
    foreshortening's size); MediaPipe's ``depth`` is expected at
    ``DEPTH_COMPRESSION`` of it with the error ``fuse_depth`` assumes, and the
    perspective depth ``persp`` at its full size with the width ratio's noise
    and the distance's error. Positive: away; near 0 where the trunk stays in
    the image plane (both hypotheses then say the same).

    Args:
        z_fore: ``(...)`` foreshortening depth, ``sqrt(1 - rho^2)`` (>= 0).
        depth: ``(...)`` MediaPipe's depth (neutral trunk lengths, bias removed).
        persp: ``(...)`` :func:`perspective_depth`.
        distance: Camera distance in neutral trunk lengths (``focal / trunk_length_px``).
        depth_noise: As :func:`~halfcircle.kinematics.geometry.fuse_depth`.
        depth_scale_error: As :func:`~halfcircle.kinematics.geometry.fuse_depth`.
        turn_error: ``(...)`` :func:`turn_error_log`, added to the width ratio's noise.
        ratio_noise: Noise of the log width ratio (:func:`ratio_noise`).
    """
    expected = DEPTH_COMPRESSION * z_fore
    var_depth = depth_noise**2 + (depth_scale_error * expected) ** 2
    var_persp = (ratio_noise**2 + np.square(turn_error)) * distance**2 + (
        DISTANCE_ERROR * z_fore
    ) ** 2
    with np.errstate(invalid="ignore"):
        return np.asarray(
            np.where(missed_lean(depth, z_fore), 0.0, 2.0 * expected * depth / var_depth)
            + 2.0 * z_fore * persp / var_persp,
            dtype=np.float64,
        )


def missed_lean(depth: FloatArray, z_fore: FloatArray) -> NDArray[np.bool_]:
    """Where MediaPipe's ``depth`` reads under :data:`MISSED_LEAN_SHARE` of ``z_fore``.

    It then missed the lean (as it does a lean back from the front) and tells nothing
    of its direction. Both in neutral trunk lengths.
    """
    with np.errstate(invalid="ignore"):
        return np.asarray(np.abs(depth) < MISSED_LEAN_SHARE * z_fore)


def settle_depth_sign(
    vectors: FloatArray,
    z_fore: FloatArray,
    evidence: FloatArray,
    missed: NDArray[np.bool_] | None = None,
) -> FloatArray:
    """Trunk vectors whose depth sign the evidence overrules, set to the foreshortening depth.

    Where ``evidence`` (:func:`depth_evidence`) points the other way than a
    vector's depth by more than :data:`MIN_SIGN_EVIDENCE`, or points either way
    by that much where MediaPipe's depth ``missed`` the lean (and so made the
    fused depth too small), its depth becomes ``z_fore`` with the evidence's
    sign; elsewhere the vector is unchanged.
    """
    z = vectors[..., 2]
    flip = np.abs(evidence) > MIN_SIGN_EVIDENCE
    flip &= (np.sign(evidence) != np.sign(z)) | (False if missed is None else missed)
    out = np.array(vectors, dtype=np.float64, copy=True)
    out[..., 2] = np.where(flip, np.copysign(z_fore, evidence), z)
    return out


def true_foreshortening(inplane: FloatArray, ratio_change: FloatArray) -> FloatArray:
    """Foreshortening depth of a trunk whose shoulders changed scale by perspective.

    Shoulders that went away also shrank in the picture (by ``exp(ratio_change)``,
    the change of :func:`width_ratio_log`), which the foreshortening alone would
    read as more lean: their image position is scaled back first (about the
    hips, taken to lie near the image centre). On a synthetic 25 deg lean back
    3 m from the camera this took the reading from -31 to -25 deg.
    """
    rho2 = np.sum(inplane * inplane, axis=-1) * np.exp(-2.0 * ratio_change)
    return np.asarray(np.sqrt(np.maximum(1.0 - rho2, 0.0)), dtype=np.float64)


def settle_trunk_depth(
    vectors: FloatArray,
    depth: FloatArray,
    ratio_log: FloatArray,
    neutral_ratio_log: float,
    up_image: FloatArray,
    distance: float,
    depth_noise: float,
    depth_scale_error: float,
    turn_error: FloatArray,
    ratio_sd: float = float("nan"),
) -> FloatArray:
    """Fused trunk vectors with their depth sign settled by the perspective where it is clear.

    Args:
        vectors: ``(n, 3)`` fused trunk vectors (neutral trunk lengths, camera frame).
        depth: ``(n,)`` MediaPipe's depth (neutral trunk lengths, bias removed).
        ratio_log: ``(n,)`` :func:`width_ratio_log` of each frame.
        neutral_ratio_log: Its neutral value.
        up_image: ``(2,)`` unit image direction of the neutral trunk (x right, y down).
        distance: Camera distance in neutral trunk lengths.
        depth_noise: As :func:`~halfcircle.kinematics.geometry.fuse_depth`.
        depth_scale_error: As :func:`~halfcircle.kinematics.geometry.fuse_depth`.
        turn_error: ``(n,)`` :func:`turn_error_log` of each frame.
        ratio_sd: The width ratio's standard deviation over the neutral stance (see
            :func:`ratio_noise`).

    Returns:
        ``(n, 3)``: see :func:`settle_depth_sign`, with the foreshortening of
        :func:`true_foreshortening`; only frames whose trunk stays within
        :data:`MAX_IMAGE_LATERAL_DEG` of its neutral image direction, and is
        foreshortened by at least :data:`MIN_SETTLE_DEPTH`, can change.
    """
    inplane = vectors[..., :2]
    z_fore = np.sqrt(np.maximum(1.0 - np.sum(inplane * inplane, axis=-1), 0.0))
    along = inplane @ up_image
    across = np.abs(inplane[..., 0] * up_image[1] - inplane[..., 1] * up_image[0])
    sagittal = np.degrees(np.arctan2(across, along)) <= MAX_IMAGE_LATERAL_DEG
    sagittal &= z_fore >= MIN_SETTLE_DEPTH
    persp = -(ratio_log - neutral_ratio_log) * distance
    evidence = depth_evidence(
        z_fore,
        depth,
        persp,
        distance,
        depth_noise,
        depth_scale_error,
        turn_error,
        ratio_noise(ratio_sd),
    )
    size = true_foreshortening(inplane, ratio_log - neutral_ratio_log)
    return settle_depth_sign(
        vectors, size, np.where(sagittal, evidence, 0.0), missed_lean(depth, z_fore)
    )


def settle_trunk_depth_one(
    vector: tuple[float, float, float],
    depth: float,
    ratio_log: float,
    neutral_ratio_log: float,
    up_image: tuple[float, float],
    distance: float,
    depth_noise: float,
    depth_scale_error: float,
    turn_error: float,
    ratio_sd: float = float("nan"),
) -> tuple[float, float, float]:
    """Scalar twin of :func:`settle_trunk_depth` for one frame (the live path)."""
    x, y, z = vector
    z_fore = math.sqrt(max(1.0 - x * x - y * y, 0.0))
    along = x * up_image[0] + y * up_image[1]
    across = abs(x * up_image[1] - y * up_image[0])
    if not math.degrees(math.atan2(across, along)) <= MAX_IMAGE_LATERAL_DEG:
        return x, y, z
    if not z_fore >= MIN_SETTLE_DEPTH:
        return x, y, z
    expected = DEPTH_COMPRESSION * z_fore
    var_depth = depth_noise**2 + (depth_scale_error * expected) ** 2
    var_persp = ((ratio_noise(ratio_sd) ** 2 + turn_error**2) * distance**2) + (
        DISTANCE_ERROR * z_fore
    ) ** 2
    persp = -(ratio_log - neutral_ratio_log) * distance
    missed = abs(depth) < MISSED_LEAN_SHARE * z_fore
    from_depth = 0.0 if missed else 2.0 * expected * depth / var_depth
    evidence = from_depth + 2.0 * z_fore * persp / var_persp
    if abs(evidence) > MIN_SIGN_EVIDENCE and (missed or _sign(evidence) != _sign(z)):
        rho2 = (x * x + y * y) * math.exp(-2.0 * (ratio_log - neutral_ratio_log))
        return x, y, math.copysign(math.sqrt(max(1.0 - rho2, 0.0)), evidence)
    return x, y, z


def _sign(v: float) -> float:
    return 0.0 if v == 0.0 or v != v else math.copysign(1.0, v)


def turn_error_log(world: FloatArray) -> FloatArray:
    """Error (log units) a shoulder turn leaves in :func:`width_ratio_log`.

    MediaPipe's shoulders turn only about :data:`TURN_READ_SHARE` of a true turn
    (:mod:`halfcircle.kinematics.measure`), so the turn correction leaves
    ``log cos(turn) - log cos(read turn)`` of the shrinking in the ratio: 0.09
    at a true 35 deg, which read as the shoulders going half a trunk length
    away on ``base_rotation_far``. The read turn is the angle of the world
    shoulder line out of the image plane.

    Args:
        world: ``(..., 33, 3)`` world coordinates (m).
    """
    line = world[..., R_SHOULDER, :] - world[..., L_SHOULDER, :]
    read = np.arctan2(np.abs(line[..., 2]), np.linalg.norm(line[..., :2], axis=-1))
    true = np.minimum(read / TURN_READ_SHARE, np.radians(80.0))
    return np.asarray(np.log(np.cos(read)) - np.log(np.cos(true)), dtype=np.float64)


def turn_error_log_one(world: list[list[float]] | FloatArray) -> float:
    """Scalar twin of :func:`turn_error_log` for one frame (world ``(33, 3)``)."""
    wx, wy, wz = (world[R_SHOULDER][i] - world[L_SHOULDER][i] for i in range(3))
    read = math.atan2(abs(wz), math.hypot(wx, wy))
    true = min(read / TURN_READ_SHARE, math.radians(80.0))
    return math.log(math.cos(read)) - math.log(math.cos(true))


def width_ratio_log_one(
    pixels: list[list[float]] | FloatArray, world: list[list[float]] | FloatArray
) -> float:
    """Scalar twin of :func:`width_ratio_log` for one frame (pixels ``(33, 2)`` px, world m)."""

    def length(a: int, b: int) -> float:
        dx, dy = pixels[b][0] - pixels[a][0], pixels[b][1] - pixels[a][1]
        wx, wy, wz = (world[b][i] - world[a][i] for i in range(3))
        inplane = math.hypot(wx, wy)
        full = math.sqrt(wx * wx + wy * wy + wz * wz)
        return math.hypot(dx, dy) * full / inplane if inplane > 0 else math.nan

    sh, hip = length(L_SHOULDER, R_SHOULDER), length(L_HIP, R_HIP)
    return math.log(sh / hip) if sh > 0 and hip > 0 else math.nan


def depth_reversed(z_fore: FloatArray, depth: FloatArray, persp: FloatArray) -> bool:
    """Whether MediaPipe read a whole recording's depth the wrong way round.

    Over the frames whose trunk leaves the image plane by at least
    :data:`REVERSAL_MIN_DEPTH` (foreshortening), MediaPipe's depth must read at
    least :data:`REVERSAL_MIN_SHARE` of it (median; it is not merely missing a
    lean, which :func:`settle_depth_sign` handles frame by frame), and the
    perspective depth, signed by MediaPipe's and in shares of the foreshortening
    depth, must have a median of at most ``-REVERSAL_MIN_PERSPECTIVE``, over at
    least :data:`REVERSAL_MIN_FRAMES` frames.
    """
    sel = (z_fore >= REVERSAL_MIN_DEPTH) & np.isfinite(depth) & np.isfinite(persp)
    if int(sel.sum()) < REVERSAL_MIN_FRAMES:
        return False
    share = float(np.median(np.abs(depth[sel]) / z_fore[sel]))
    along = float(np.median(persp[sel] * np.sign(depth[sel]) / z_fore[sel]))
    return share >= REVERSAL_MIN_SHARE and along <= -REVERSAL_MIN_PERSPECTIVE


def reverse_depth(seq: PoseSequence) -> PoseSequence:
    """The poses with left and right exchanged and every depth mirrored about the hips.

    The other reading of the same pictures: a body seen from the front with its
    left and right labels exchanged and its depth reversed projects exactly as
    the one the model read. Image ``x, y`` positions stay (under their exchanged
    labels); world and image ``z`` are mirrored about the mid-hip depth.
    """
    image, world, visibility, presence = _reversed(
        seq.image, seq.world, seq.visibility, seq.presence
    )
    return dataclasses.replace(
        seq, image=image, world=world, visibility=visibility, presence=presence
    )


def reverse_frame(frame: PoseFrame) -> PoseFrame:
    """One frame's twin of :func:`reverse_depth` (the live path)."""
    image, world, visibility, presence = _reversed(
        frame.image, frame.world, frame.visibility, frame.presence
    )
    return dataclasses.replace(
        frame, image=image, world=world, visibility=visibility, presence=presence
    )


def _reversed(
    image: FloatArray, world: FloatArray, visibility: FloatArray, presence: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """:func:`reverse_depth` on landmark arrays ``(..., 33, 3)`` and ``(..., 33)``."""
    idx = np.arange(image.shape[-2])
    for a, b in LR_PAIRS:
        idx[a], idx[b] = b, a
    image = image[..., idx, :].copy()
    world = world[..., idx, :].copy()
    for arr in (image, world):
        mid = 0.5 * (arr[..., L_HIP, 2] + arr[..., R_HIP, 2])
        arr[..., 2] = 2.0 * mid[..., None] - arr[..., 2]
    return image, world, visibility[..., idx].copy(), presence[..., idx].copy()
