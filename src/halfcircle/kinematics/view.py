"""The camera's view of the person: azimuth, view kind, and what each angle can be read from.

Azimuth convention: ``azimuth_deg`` is where the camera stands around the person,
measured from the direction they face, **positive towards the person's right**
(0 front, +90 the person's right side faces the camera, -90 their left side,
+-180 behind). It is computed from the body axes (:mod:`halfcircle.kinematics.calibration`)
expressed in camera coordinates: ``azimuth = atan2(-r_z, -f_z)``.

What can be observed from a view (``a`` = the azimuth folded into [0, 90]):

* lateral flexion lies in the image plane from the front, along the camera axis
  from the side. Depth from MediaPipe's world landmarks reads it only about half
  (``shared/FIXTURES.md``: 17 deg at a true 30 from the side), so its observability
  is the image-plane share ``cos(a) ** 2``: 1 front, 0.5 at 45 deg, 0 from the side.
* forward flexion lies in the image plane from the side; from the front it is
  read from depth, which MediaPipe reads well enough once calibrated (a constant
  offset, a few degrees of scale), so its observability never falls below
  :data:`DEPTH_TRUST_FORWARD`.
* axial rotation turns the shoulder line in the image plane seen from the side
  (the image then reads it), out of it seen from the front (its foreshortening
  and MediaPipe's depth, both blunt for small turns). MediaPipe's shoulders turn
  only about three quarters of the true turn either way, so its observability
  stays at or below 0.5: ``0.25 + 0.25 * sin(a) ** 2``, 0.25 front, 0.5 side.
  (On the rendered 40 deg rotation clips the peaks read 8 to 11 deg low from the
  front and from 30 deg; 3 to 10 deg off from the side.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

ViewKind = Literal["front", "oblique", "side", "back"]

#: Folded azimuth (deg) up to which a view counts as front (or back), and from which as side.
FRONT_MAX_DEG: Final = 22.5
SIDE_MIN_DEG: Final = 67.5
#: Azimuth (deg, either sign) from which a view counts as from behind (``"back"``).
BACK_MIN_DEG: Final = 180.0 - FRONT_MAX_DEG

#: Observability of forward flexion read from depth alone (front view).
DEPTH_TRUST_FORWARD: Final = 0.7
#: Lateral flexion observability below which it is reported as not observable.
MIN_OBSERVABILITY: Final = 0.2

NOTE_FROM_BEHIND: Final = (
    "You were filmed from behind: left and right are read as yours, but the pose model "
    "sees no face and may mix them up; a camera in front of you (or at 45 degrees) "
    "measures more reliably."
)

NOTE_LATERAL_UNOBSERVABLE: Final = (
    "Side bending cannot be measured from a side view; "
    "place the camera in front of you (or at 45 degrees) to measure it."
)


def fold_azimuth(azimuth_deg: float | FloatArray) -> FloatArray:
    """Azimuth folded into [0, 90] deg (front and back alike, either side alike)."""
    a = np.abs((np.asarray(azimuth_deg, dtype=np.float64) + 180.0) % 360.0 - 180.0)
    return np.asarray(np.where(a > 90.0, 180.0 - a, a), dtype=np.float64)


def classify_view(azimuth_deg: float) -> ViewKind:
    """``"front"``, ``"oblique"``, ``"side"`` or ``"back"`` for a camera azimuth in degrees.

    ``"back"``: the camera stands behind the person (within 22.5 deg of straight
    behind). It measures as a front view does (the folded azimuth is the same),
    with the person's left on the image's left.
    """
    wrapped = abs((float(azimuth_deg) + 180.0) % 360.0 - 180.0)
    if wrapped >= BACK_MIN_DEG:
        return "back"
    a = float(fold_azimuth(azimuth_deg))
    if a <= FRONT_MAX_DEG:
        return "front"
    if a >= SIDE_MIN_DEG:
        return "side"
    return "oblique"


def lateral_observability(azimuth_deg: float) -> float:
    """How well lateral flexion can be read from this view, in [0, 1] (``cos(a) ** 2``)."""
    return float(np.cos(np.radians(fold_azimuth(azimuth_deg))) ** 2)


def forward_observability(azimuth_deg: float) -> float:
    """How well forward flexion can be read from this view, in [DEPTH_TRUST_FORWARD, 1]."""
    s2 = float(np.sin(np.radians(fold_azimuth(azimuth_deg))) ** 2)
    return DEPTH_TRUST_FORWARD + (1.0 - DEPTH_TRUST_FORWARD) * s2


def rotation_observability(azimuth_deg: float) -> float:
    """How well axial rotation can be read from this view, in [0.25, 0.5] (best from the side)."""
    return 0.25 + 0.25 * float(np.sin(np.radians(fold_azimuth(azimuth_deg))) ** 2)


@dataclass(frozen=True)
class ViewEstimate:
    """The camera's view of the person.

    Attributes:
        azimuth_deg: Camera azimuth (deg, 0 front, positive towards the person's
            right; see the module docstring), as estimated.
        kind: ``"front"``, ``"oblique"``, ``"side"`` or ``"back"``.
        snapped_deg: The azimuth the estimators assume: 0 or +-90 when the estimate
            is within the snap tolerance of a front or side view (so the image-plane
            estimator is used exactly), else ``azimuth_deg``.
        lateral_observability: In [0, 1]; below :data:`MIN_OBSERVABILITY` lateral
            flexion is reported as not observable.
        forward_observability: In [0, 1].
        rotation_observability: In [0, 1].
    """

    azimuth_deg: float
    kind: ViewKind
    snapped_deg: float
    lateral_observability: float
    forward_observability: float
    rotation_observability: float

    @property
    def lateral_observable(self) -> bool:
        """Whether lateral flexion can be measured from this view."""
        return self.lateral_observability >= MIN_OBSERVABILITY

    @property
    def mixes_depth(self) -> bool:
        """Whether both lateral and forward flexion are read partly from depth.

        True for every view the estimators do not treat as exactly front or side
        (the snapped azimuth is not a multiple of 90 deg): there a trunk moving
        along the camera axis may be bending sideways or forwards, and only depth
        tells which.
        """
        return self.snapped_deg % 90.0 != 0.0

    @property
    def from_behind(self) -> bool:
        """Whether the camera stands behind the person (azimuth beyond 90 deg either way)."""
        return abs(self.azimuth_deg) > 90.0

    @property
    def notes(self) -> tuple[str, ...]:
        """Plain sentences about what this view cannot measure (empty when all is well).

        A side view has the side's note only, whichever way of 90 deg its azimuth lies:
        the note on being filmed from behind is for views from behind and at an angle
        behind.
        """
        notes = () if self.lateral_observable else (NOTE_LATERAL_UNOBSERVABLE,)
        behind = self.from_behind and self.kind != "side"
        return (*notes, NOTE_FROM_BEHIND) if behind else notes

    @classmethod
    def from_azimuth(cls, azimuth_deg: float, snap_deg: float = 12.0) -> ViewEstimate:
        """The view for an azimuth (deg), snapping to front or side within ``snap_deg``."""
        az = float((azimuth_deg + 180.0) % 360.0 - 180.0)
        snapped = snap_azimuth(az, snap_deg)
        return cls(
            azimuth_deg=az,
            kind=classify_view(az),
            snapped_deg=snapped,
            lateral_observability=lateral_observability(snapped),
            forward_observability=forward_observability(snapped),
            rotation_observability=rotation_observability(snapped),
        )


def snap_azimuth(azimuth_deg: float, snap_deg: float) -> float:
    """The nearest of 0, +-90, 180 when within ``snap_deg`` of it, else the azimuth itself."""
    for target in (0.0, 90.0, -90.0, 180.0, -180.0):
        if abs(azimuth_deg - target) <= snap_deg:
            return target
    return azimuth_deg


def azimuth_from_axes(right: FloatArray, forward: FloatArray) -> FloatArray:
    """Camera azimuth (deg) from the person's right and forward axes in camera coordinates.

    Args:
        right: ``(..., 3)`` unit vector towards the person's right (camera frame).
        forward: ``(..., 3)`` unit vector where the person faces (camera frame).

    Returns:
        ``(...)`` degrees in (-180, 180]: 0 when the person faces the camera,
        positive when their right side turns towards it.
    """
    return np.asarray(np.degrees(np.arctan2(-right[..., 2], -forward[..., 2])), dtype=np.float64)


def camera_axes_for_azimuth(azimuth_deg: float) -> tuple[FloatArray, FloatArray]:
    """Horizontal ``(right, forward)`` body axes in camera coordinates for a level camera.

    The inverse of :func:`azimuth_from_axes` for a level camera (``up = (0, -1, 0)``).
    """
    a = math.radians(azimuth_deg)
    right = np.array([-math.cos(a), 0.0, -math.sin(a)])
    forward = np.array([math.sin(a), 0.0, -math.cos(a)])
    return right, forward


#: How the camera's view is named to the person (``oblique`` is jargon).
VIEW_WORDS: Final[dict[str, str]] = {
    "front": "front view",
    "oblique": "camera at an angle",
    "side": "side view",
    "back": "view from behind",
}


def view_words(kind: str) -> str:
    """The camera's view in plain words: ``"camera at an angle"`` for ``"oblique"``."""
    return VIEW_WORDS.get(kind, f"{kind} view")
