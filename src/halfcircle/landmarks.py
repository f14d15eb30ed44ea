"""Landmark names, skeleton edges and the pose containers every later stage reads.

Axes and units (fixed here, used everywhere):

* ``image``: ``(..., 33, 3)`` normalised image coordinates as MediaPipe gives them:
  ``x`` in [0, 1] of the frame width (image right), ``y`` in [0, 1] of the frame
  height (image *down*), ``z`` relative depth at the scale of ``x`` (smaller is
  nearer the camera). Multiply by ``image_size`` for pixels.
* ``world``: ``(..., 33, 3)`` metres, origin between the hips, camera-aligned axes:
  ``x`` image right, ``y`` down, ``z`` away from the camera (towards the camera is
  negative).
* ``visibility`` and ``presence``: ``(..., 33)`` in [0, 1].
* ``time_s``: seconds from the start of the stream.

A frame with no person has NaN in every coordinate, visibility and presence.
"Left" and "right" are always the *person's* left and right, never the image's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from halfcircle.errors import InputError, ValidationError

N_LANDMARKS: Final = 33

#: MediaPipe BlazePose landmark names, in index order.
LANDMARK_NAMES: Final[tuple[str, ...]] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)

#: Index of each landmark by name.
LANDMARK: Final[dict[str, int]] = {name: i for i, name in enumerate(LANDMARK_NAMES)}

#: Skeleton edges drawn by the overlay, as pairs of landmark indices.
SKELETON_EDGES: Final[tuple[tuple[int, int], ...]] = (
    # face
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
    # trunk
    (11, 12), (11, 23), (12, 24), (23, 24),
    # arms
    (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    # legs
    (23, 25), (25, 27), (27, 29), (29, 31), (27, 31),
    (24, 26), (26, 28), (28, 30), (30, 32), (28, 32),
)  # fmt: skip

NPZ_SCHEMA_VERSION: Final = 1

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class PoseFrame:
    """The primary person's pose in one frame, or no person (``detected`` false).

    Attributes:
        time_s: Time of the frame in seconds from the start of the stream.
        image: ``(33, 3)`` normalised image coordinates (x right, y down, z depth).
        world: ``(33, 3)`` world coordinates in metres, origin between the hips.
        visibility: ``(33,)`` likelihood each landmark is visible, in [0, 1].
        presence: ``(33,)`` likelihood each landmark is in the frame, in [0, 1].
        n_people: How many people the model found (0, 1 or 2; 2 means someone
            else is in view besides the tracked person).
    """

    time_s: float
    image: FloatArray
    world: FloatArray
    visibility: FloatArray
    presence: FloatArray
    n_people: int

    @property
    def detected(self) -> bool:
        """Whether a person was found in this frame."""
        return self.n_people > 0

    @classmethod
    def empty(cls, time_s: float) -> PoseFrame:
        """A frame in which nobody was found (all NaN)."""
        nan3 = np.full((N_LANDMARKS, 3), np.nan)
        nan1 = np.full(N_LANDMARKS, np.nan)
        return cls(time_s, nan3, nan3.copy(), nan1, nan1.copy(), 0)


@dataclass(frozen=True)
class PoseSequence:
    """Poses of one person over a whole video, validated on construction.

    Attributes:
        time_s: ``(n,)`` seconds, strictly increasing.
        image: ``(n, 33, 3)`` normalised image coordinates (see module docstring).
        world: ``(n, 33, 3)`` metres, origin between the hips, y down.
        visibility: ``(n, 33)`` in [0, 1].
        presence: ``(n, 33)`` in [0, 1].
        n_people: ``(n,)`` number of people found per frame (0 = nobody).
        image_size: ``(width, height)`` of the frames in pixels.
        fps: Nominal frame rate of the source in frames per second.
        source: The video the poses were taken from ("" when not from a file).
        mirrored: The source was a mirrored recording (a selfie video) and its
            frames were flipped back left-right before the pose model saw them;
            ``image`` is of the flipped-back frames.
    """

    time_s: FloatArray
    image: FloatArray
    world: FloatArray
    visibility: FloatArray
    presence: FloatArray
    n_people: NDArray[np.int64]
    image_size: tuple[int, int]
    fps: float
    source: str = field(default="")
    mirrored: bool = False

    def __post_init__(self) -> None:
        problems = _shape_problems(self)
        if problems:
            raise ValidationError("Invalid pose sequence: " + "; ".join(problems) + ".")

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    @property
    def detected(self) -> NDArray[np.bool_]:
        """``(n,)`` whether a person was found in each frame."""
        return self.n_people > 0

    @property
    def image_px(self) -> FloatArray:
        """``(n, 33, 2)`` image coordinates in pixels (x right, y down)."""
        w, h = self.image_size
        return self.image[..., :2] * np.array([w, h], dtype=np.float64)

    @classmethod
    def from_frames(
        cls,
        frames: list[PoseFrame],
        image_size: tuple[int, int],
        fps: float,
        source: str = "",
        mirrored: bool = False,
    ) -> PoseSequence:
        """Stack per-frame poses (as the pose stage yields them) into one sequence."""
        n = len(frames)
        if n == 0:
            return cls(
                np.zeros(0),
                np.zeros((0, N_LANDMARKS, 3)),
                np.zeros((0, N_LANDMARKS, 3)),
                np.zeros((0, N_LANDMARKS)),
                np.zeros((0, N_LANDMARKS)),
                np.zeros(0, dtype=np.int64),
                image_size,
                fps,
                source,
                mirrored,
            )
        return cls(
            time_s=np.array([f.time_s for f in frames], dtype=np.float64),
            image=np.stack([f.image for f in frames]).astype(np.float64),
            world=np.stack([f.world for f in frames]).astype(np.float64),
            visibility=np.stack([f.visibility for f in frames]).astype(np.float64),
            presence=np.stack([f.presence for f in frames]).astype(np.float64),
            n_people=np.array([f.n_people for f in frames], dtype=np.int64),
            image_size=image_size,
            fps=float(fps),
            source=source,
            mirrored=mirrored,
        )

    def frame(self, i: int) -> PoseFrame:
        """The pose of frame ``i`` as a :class:`PoseFrame`."""
        return PoseFrame(
            float(self.time_s[i]),
            self.image[i],
            self.world[i],
            self.visibility[i],
            self.presence[i],
            int(self.n_people[i]),
        )

    def save_npz(self, path: Path) -> None:
        """Write the sequence to a compressed ``.npz`` file (see :meth:`load_npz`)."""
        np.savez_compressed(
            path,
            schema_version=np.int64(NPZ_SCHEMA_VERSION),
            time_s=self.time_s,
            image=self.image,
            world=self.world,
            visibility=self.visibility,
            presence=self.presence,
            n_people=self.n_people,
            image_size=np.array(self.image_size, dtype=np.int64),
            fps=np.float64(self.fps),
            source=np.str_(self.source),
            mirrored=np.bool_(self.mirrored),
            landmark_names=np.array(LANDMARK_NAMES),
        )

    @classmethod
    def load_npz(cls, path: Path) -> PoseSequence:
        """Read a sequence written by :meth:`save_npz`."""
        try:
            with np.load(path, allow_pickle=False) as data:
                version = int(data["schema_version"])
                if version != NPZ_SCHEMA_VERSION:
                    raise InputError(
                        f"{path} has pose schema version {version}, "
                        f"this halfcircle reads version {NPZ_SCHEMA_VERSION}."
                    )
                w, h = (int(v) for v in data["image_size"])
                return cls(
                    time_s=data["time_s"],
                    image=data["image"],
                    world=data["world"],
                    visibility=data["visibility"],
                    presence=data["presence"],
                    n_people=data["n_people"],
                    image_size=(w, h),
                    fps=float(data["fps"]),
                    source=str(data["source"]),
                    mirrored=bool(data["mirrored"]) if "mirrored" in data else False,
                )
        except (OSError, KeyError, ValueError) as err:
            raise InputError(f"{path} is not a halfcircle pose file ({err}).") from err


def _shape_problems(seq: PoseSequence) -> list[str]:
    """Every problem with the arrays of ``seq``, so one message names them all."""
    problems: list[str] = []
    n = seq.time_s.shape[0] if seq.time_s.ndim == 1 else -1
    if n < 0:
        problems.append(f"time_s must be 1-D, got shape {seq.time_s.shape}")
        return problems
    expected = {
        "image": (n, N_LANDMARKS, 3),
        "world": (n, N_LANDMARKS, 3),
        "visibility": (n, N_LANDMARKS),
        "presence": (n, N_LANDMARKS),
        "n_people": (n,),
    }
    for name, shape in expected.items():
        actual = getattr(seq, name).shape
        if actual != shape:
            problems.append(f"{name} must have shape {shape}, got {actual}")
    if n > 1 and not np.all(np.diff(seq.time_s) > 0):
        problems.append("time_s must be strictly increasing")
    w, h = seq.image_size
    if w <= 0 or h <= 0:
        problems.append(f"image_size must be positive, got {seq.image_size}")
    if not seq.fps > 0:
        problems.append(f"fps must be positive, got {seq.fps}")
    return problems
