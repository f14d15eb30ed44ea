"""Synthetic poses with exact answers: a stick skeleton posed by known angles, projected.

For tests and benchmarks of the kinematics. The skeleton lives in the body frame
``(r, f, u)`` (person's right, forward, up; metres; origin between the hips; the
floor at ``u = -floor_depth``). The trunk is turned so that its vector
``mid(shoulders) - mid(hips)`` has exactly the asked lateral and forward angles
(``halfcircle.kinematics.angles.trunk_direction``), the shoulders twist about it by the
asked rotation (positive towards the person's left), arms hang under gravity.

A pinhole camera stands ``distance_m`` from the hips at ``azimuth_deg`` (0 in
front, positive towards the person's right, as :mod:`halfcircle.kinematics.view`),
``camera_height_m`` above the hips, looking at the person (level, or pitched
down by ``pitch_deg``). Image
landmarks are its perspective projection (normalised, y down); world landmarks
are the exact 3-D points in camera-aligned axes with the origin between the hips,
as MediaPipe defines them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from halfcircle.landmarks import LANDMARK, N_LANDMARKS, PoseSequence

FloatArray = NDArray[np.float64]

_HIP_HALF_WIDTH = 0.09
_SHOULDER_HALF_WIDTH = 0.18
_TRUNK_LENGTH = 0.50
_THIGH = 0.42
_SHANK = 0.42


@dataclass(frozen=True)
class SyntheticClip:
    """A synthetic pose sequence and the truth it was built from (``(n,)`` arrays)."""

    seq: PoseSequence
    lateral_deg: FloatArray
    forward_deg: FloatArray
    rotation_deg: FloatArray
    knee_flexion_deg: FloatArray
    fingertip_height_cm: FloatArray
    body_points: FloatArray


def _rot_to(d: FloatArray) -> FloatArray:
    """Rotation matrix taking ``u = (0, 0, 1)`` onto unit vector ``d`` by the shortest arc."""
    u = np.array([0.0, 0.0, 1.0])
    v = np.cross(u, d)
    c = float(u @ d)
    if np.linalg.norm(v) < 1e-12:
        return np.eye(3) if c > 0 else np.diag([1.0, -1.0, -1.0])
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.asarray(np.eye(3) + vx + vx @ vx / (1.0 + c), dtype=np.float64)


def body_points(
    lateral_deg: float,
    forward_deg: float,
    rotation_deg: float = 0.0,
    knee_flexion_deg: float = 20.0,
    pelvis_shift_m: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> FloatArray:
    """``(33, 3)`` landmark positions in the body frame ``(r, f, u)`` for one pose (m)."""
    p = np.zeros((N_LANDMARKS, 3))
    r_hip = np.array([_HIP_HALF_WIDTH, 0.0, 0.0])
    half = math.radians(knee_flexion_deg) / 2
    knee_off = _THIGH * np.array([0.0, math.sin(half), -math.cos(half)])
    ankle_off = knee_off + _SHANK * np.array([0.0, -math.sin(half), -math.cos(half)])
    for side, sign in (("right", 1.0), ("left", -1.0)):
        hip = sign * r_hip
        knee = hip + knee_off
        ankle = hip + ankle_off
        p[LANDMARK[f"{side}_hip"]] = hip
        p[LANDMARK[f"{side}_knee"]] = knee
        p[LANDMARK[f"{side}_ankle"]] = ankle
        p[LANDMARK[f"{side}_heel"]] = ankle + np.array([0.0, -0.05, -0.07])
        p[LANDMARK[f"{side}_foot_index"]] = ankle + np.array([0.0, 0.15, -0.07])
    a, b = math.radians(lateral_deg), math.radians(forward_deg)
    d = np.array([math.sin(a) * math.cos(b), math.cos(a) * math.sin(b), math.cos(a) * math.cos(b)])
    d /= np.linalg.norm(d)
    q = _rot_to(d)
    c, s = math.cos(math.radians(rotation_deg)), math.sin(math.radians(rotation_deg))
    twist = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    frame = q @ twist
    mid_sh = _TRUNK_LENGTH * d
    right_axis, fwd_axis = frame[:, 0], frame[:, 1]
    for side, sign in (("right", 1.0), ("left", -1.0)):
        sh = mid_sh + sign * _SHOULDER_HALF_WIDTH * right_axis
        down = np.array([0.0, 0.0, -1.0])
        p[LANDMARK[f"{side}_shoulder"]] = sh
        p[LANDMARK[f"{side}_elbow"]] = sh + 0.28 * down + sign * 0.03 * right_axis
        wrist = sh + 0.54 * down + sign * 0.04 * right_axis
        p[LANDMARK[f"{side}_wrist"]] = wrist
        p[LANDMARK[f"{side}_index"]] = wrist + 0.17 * down
        p[LANDMARK[f"{side}_pinky"]] = wrist + 0.14 * down + sign * 0.02 * right_axis
        p[LANDMARK[f"{side}_thumb"]] = wrist + 0.10 * down + 0.03 * fwd_axis
    head = mid_sh + 0.2 * d
    p[LANDMARK["nose"]] = head + 0.09 * fwd_axis
    for side, sign in (("right", 1.0), ("left", -1.0)):
        p[LANDMARK[f"{side}_ear"]] = head + sign * 0.07 * right_axis
        for part, off in (("eye_inner", 0.015), ("eye", 0.03), ("eye_outer", 0.045)):
            p[LANDMARK[f"{side}_{part}"]] = (
                head + 0.03 * d + 0.08 * fwd_axis + sign * off * (right_axis)
            )
        p[LANDMARK[f"mouth_{side}"]] = (
            head - 0.04 * d + 0.08 * fwd_axis + sign * 0.025 * (right_axis)
        )
    return p + np.asarray(pelvis_shift_m)


def camera_rotation(azimuth_deg: float, pitch_deg: float = 0.0) -> tuple[FloatArray, FloatArray]:
    """A camera at ``azimuth_deg``, pitched down by ``pitch_deg``: axes and direction from the hips.

    Returns:
        ``(3, 3)`` rows ``x, y, z`` (image right, down, viewing direction) as body-frame
        unit vectors, and the horizontal unit vector from the hips to the camera.
    """
    a = math.radians(azimuth_deg)
    towards = np.array([math.sin(a), math.cos(a), 0.0])  # from hips to camera
    x = np.cross(np.array([0.0, 0.0, -1.0]), -towards)
    p = math.radians(pitch_deg)
    z = -math.cos(p) * towards + math.sin(p) * np.array([0.0, 0.0, -1.0])
    y = np.cross(z, x)
    return np.stack([x, y, z]), towards


def synthetic_clip(
    lateral_deg: ArrayLike,
    forward_deg: ArrayLike,
    rotation_deg: ArrayLike = 0.0,
    *,
    azimuth_deg: float = 0.0,
    pitch_deg: float = 0.0,
    fps: float = 30.0,
    image_size: tuple[int, int] = (640, 480),
    focal_px: float = 6000.0,
    distance_m: float = 30.0,
    camera_height_m: float = 0.1,
    knee_flexion_deg: ArrayLike = 20.0,
    pelvis_shift_m: ArrayLike = (0.0, 0.0, 0.0),
    noise_px: float = 0.0,
    noise_depth_m: float = 0.0,
    visibility: float = 0.99,
    seed: int = 0,
) -> SyntheticClip:
    """A pose sequence of the stick skeleton following the given angles.

    Args:
        lateral_deg: ``(n,)`` lateral flexion (deg, positive to the person's right).
        forward_deg: ``(n,)`` forward flexion (deg, positive forward).
        rotation_deg: ``(n,)`` or scalar shoulder twist (deg, positive towards the left).
        azimuth_deg: Camera azimuth (deg, 0 front, positive towards the person's right).
        pitch_deg: Camera tilt (deg, positive looking down); MediaPipe's world axes
            then tilt with the camera.
        fps: Frame rate; frame ``i`` is at ``i / fps`` seconds.
        image_size: ``(width, height)`` in pixels.
        focal_px: Focal length in pixels.
        distance_m: Horizontal camera distance from the hips (m). The default camera
            stands far away with a long lens (30 m, 6000 px: the person fills the
            frame as from 3 m with a 600 px lens) so that perspective is negligible
            and answers are exact; pass ``distance_m=3.0, focal_px=600.0`` for the
            perspective of a real room.
        camera_height_m: Camera height above the hips (m).
        knee_flexion_deg: ``(n,)`` or scalar knee flexion (deg, 0 straight).
        pelvis_shift_m: ``(n, 3)`` or ``(3,)`` pelvis translation in body axes ``(r, f, u)`` (m).
        noise_px: Standard deviation of Gaussian noise added to image landmarks (px).
        noise_depth_m: Standard deviation of Gaussian noise added to world depth (m).
        visibility: Visibility and presence given to every landmark.
        seed: Seed of the noise.
    """
    lat = np.atleast_1d(np.asarray(lateral_deg, dtype=np.float64))
    n = lat.shape[0]
    fwd = np.broadcast_to(np.asarray(forward_deg, dtype=np.float64), (n,))
    rot = np.broadcast_to(np.asarray(rotation_deg, dtype=np.float64), (n,))
    knee = np.broadcast_to(np.asarray(knee_flexion_deg, dtype=np.float64), (n,))
    shift = np.broadcast_to(np.asarray(pelvis_shift_m, dtype=np.float64), (n, 3))
    body = np.stack(
        [body_points(lat[i], fwd[i], rot[i], knee[i], tuple(shift[i])) for i in range(n)]
    )
    rc, towards = camera_rotation(azimuth_deg, pitch_deg)
    cam_pos = distance_m * towards + np.array([0.0, 0.0, camera_height_m])
    cam = (body - cam_pos) @ rc.T  # (n, 33, 3) camera coordinates, z forward
    w, h = image_size
    px = focal_px * cam[..., 0] / cam[..., 2] + w / 2
    py = focal_px * cam[..., 1] / cam[..., 2] + h / 2
    rng = np.random.default_rng(seed)
    if noise_px > 0:
        px = px + rng.normal(0.0, noise_px, px.shape)
        py = py + rng.normal(0.0, noise_px, py.shape)
    hips = 0.5 * (cam[:, LANDMARK["left_hip"]] + cam[:, LANDMARK["right_hip"]])
    world = cam - hips[:, None, :]
    if noise_depth_m > 0:
        world[..., 2] += rng.normal(0.0, noise_depth_m, world[..., 2].shape)
    z_norm = world[..., 2] * focal_px / (hips[:, None, 2] * w)
    image = np.stack([px / w, py / h, z_norm], axis=-1)
    vis = np.full((n, N_LANDMARKS), float(visibility))
    seq = PoseSequence(
        time_s=np.arange(n) / fps,
        image=image,
        world=world,
        visibility=vis,
        presence=vis.copy(),
        n_people=np.ones(n, dtype=np.int64),
        image_size=image_size,
        fps=fps,
        source=f"synthetic azimuth {azimuth_deg:g}",
    )
    up = body[..., 2]
    floor = np.mean(up[:, [LANDMARK[k] for k in ("left_heel", "right_heel")]], axis=1)
    floor = 0.5 * (
        floor + np.mean(up[:, [LANDMARK["left_foot_index"], LANDMARK["right_foot_index"]]], axis=1)
    )
    tip = np.minimum(up[:, LANDMARK["left_index"]], up[:, LANDMARK["right_index"]])
    return SyntheticClip(
        seq=seq,
        lateral_deg=lat.copy(),
        forward_deg=np.array(fwd),
        rotation_deg=np.array(rot),
        knee_flexion_deg=np.array(knee),
        fingertip_height_cm=(tip - floor) * 100.0,
        body_points=body,
    )


def half_circle(
    n_rest: int = 45,
    n_rep: int = 120,
    lateral_peak_deg: float = 30.0,
    forward_peak_deg: float = 50.0,
    right_first: bool = True,
) -> tuple[FloatArray, FloatArray]:
    """Lateral and forward angles (deg) of a rest, one half circle, and a rest.

    The rep goes out to the first side, round through the front and back up the
    other side (``lateral = L cos(phi)``, ``forward = F sin(phi)`` on the arc,
    with the trunk leaving and returning to upright along the sides).
    """
    s = np.linspace(0.0, 1.0, n_rep)
    out_in = np.clip(np.minimum(s, 1.0 - s) * 6.0, 0.0, 1.0)  # leave and return upright
    phi = np.pi * np.clip((s - 1 / 6) / (4 / 6), 0.0, 1.0)
    lat = lateral_peak_deg * np.cos(phi) * out_in
    fwd = forward_peak_deg * np.sin(phi) * out_in
    if not right_first:
        lat = -lat
    rest = np.zeros(n_rest)
    return np.concatenate([rest, lat, rest]), np.concatenate([rest, fwd, rest])
