"""The trunk-angle convention, in one place (see ``DOMAIN.md``).

* ``lateral_deg``: lateral flexion, the trunk's angle from vertical in the frontal
  plane, **positive when the trunk bends to the person's right**.
* ``forward_deg``: forward flexion, the angle from vertical in the sagittal plane,
  **positive in flexion**.
* ``inclination_deg``: total angle of the trunk from vertical, in [0, 180].
* ``phi_deg``: half-circle phase angle ``atan2(forward, lateral)``: 0 at the
  person's right side, 90 at the front, 180 at the left side, mapped into
  [-90, 270) so that a half circle never crosses the wrap-around (which then lies
  straight behind the person, where the exercise never goes).

Each whole-array function has a scalar twin (``*_one``) for the per-frame paths,
where NumPy's per-call cost would dominate; a test holds each pair equal.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

__all__ = [
    "inclination_deg",
    "inclination_phi_one",
    "phase_angle_deg",
    "phase_angle_one",
    "trunk_angles",
    "trunk_direction",
    "trunk_direction_one",
]


def trunk_direction(lateral_deg: ArrayLike, forward_deg: ArrayLike) -> FloatArray:
    """Unit vector of the trunk from its lateral and forward flexion angles.

    The vector ``(x, y, z)`` has ``x`` towards the person's right, ``y`` forward
    and ``z`` up, and satisfies ``atan2(x, z) = lateral`` and ``atan2(y, z) =
    forward``. It is built as ``(sin a cos b, cos a sin b, cos a cos b)``
    normalised, which stays defined at 90 deg of flexion.

    Args:
        lateral_deg: Lateral flexion (deg, positive to the person's right), any shape.
        forward_deg: Forward flexion (deg, positive forward), same shape.

    Returns:
        Array of shape ``(*shape, 3)``; NaN where an input is NaN.
    """
    a = np.radians(np.asarray(lateral_deg, dtype=np.float64))
    b = np.radians(np.asarray(forward_deg, dtype=np.float64))
    v = np.stack([np.sin(a) * np.cos(b), np.cos(a) * np.sin(b), np.cos(a) * np.cos(b)], axis=-1)
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(v / norm, dtype=np.float64)


def trunk_direction_one(lateral_deg: float, forward_deg: float) -> tuple[float, float, float]:
    """Scalar twin of :func:`trunk_direction`."""
    a, b = math.radians(lateral_deg), math.radians(forward_deg)
    x, y, z = math.sin(a) * math.cos(b), math.cos(a) * math.sin(b), math.cos(a) * math.cos(b)
    n = math.sqrt(x * x + y * y + z * z)
    return x / n, y / n, z / n


def inclination_deg(lateral_deg: ArrayLike, forward_deg: ArrayLike) -> FloatArray:
    """Total trunk angle from vertical (deg, >= 0) from lateral and forward flexion.

    Close to ``hypot(lateral, forward)`` for small angles; exact for the trunk
    vector of :func:`trunk_direction`. NaN where an input is NaN.
    """
    u = trunk_direction(lateral_deg, forward_deg)
    return np.asarray(np.degrees(np.arccos(np.clip(u[..., 2], -1.0, 1.0))), dtype=np.float64)


def phase_angle_deg(lateral_deg: ArrayLike, forward_deg: ArrayLike) -> FloatArray:
    """Half-circle phase angle ``phi = atan2(forward, lateral)`` in deg, mapped to [-90, 270).

    0 is the person's right side, 90 the front, 180 the left side; a slightly
    extended trunk at the left side reads just above 180 instead of near -180.
    Undefined (noisy) when the trunk is near upright: gate it on inclination.
    """
    phi = np.degrees(
        np.arctan2(
            np.asarray(forward_deg, dtype=np.float64), np.asarray(lateral_deg, dtype=np.float64)
        )
    )
    return np.asarray(np.where(phi < -90.0, phi + 360.0, phi), dtype=np.float64)


def phase_angle_one(lateral_deg: float, forward_deg: float) -> float:
    """Scalar twin of :func:`phase_angle_deg`, in [-90, 270)."""
    phi = math.degrees(math.atan2(forward_deg, lateral_deg))
    return phi + 360.0 if phi < -90.0 else phi


def inclination_phi_one(lateral_deg: float, forward_deg: float) -> tuple[float, float]:
    """Scalar twin of :func:`inclination_deg` and :func:`phase_angle_deg` together."""
    z = trunk_direction_one(lateral_deg, forward_deg)[2]
    incl = math.degrees(math.acos(min(1.0, max(-1.0, z)))) if math.isfinite(z) else math.nan
    return incl, phase_angle_one(lateral_deg, forward_deg)


def trunk_angles(trunk_body: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Lateral, forward, inclination and phi (deg) of trunk vectors in body components.

    Args:
        trunk_body: ``(..., 3)`` trunk vectors as ``(r, f, u)``.

    Returns:
        ``lateral = atan2(r, |u|)`` (in [-90, 90], positive right, stays near 0 in a
        toe touch past 90), ``forward = atan2(f, u)`` (positive forward, may exceed
        90), ``inclination`` in [0, 180] and ``phi = atan2(forward, lateral)`` in
        [-90, 270). For ``u > 0`` these invert :func:`trunk_direction`; the fixture
        renderer (``tools/fixtures/motion.py``) defines its truth the same way.
    """
    r, f, u = trunk_body[..., 0], trunk_body[..., 1], trunk_body[..., 2]
    lateral = np.degrees(np.arctan2(r, np.abs(u)))
    forward = np.degrees(np.arctan2(f, u))
    incl = np.degrees(np.arctan2(np.hypot(r, f), u))
    return lateral, forward, incl, phase_angle_deg(lateral, forward)
