"""Shared test helpers: small synthetic videos made on the fly, and fixture paths."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"


def write_video(path: Path, frames: list[np.ndarray], fps: float = 30.0) -> Path:
    """Write BGR frames to an mp4 (mp4v) file and return its path."""
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    assert writer.isOpened(), "OpenCV could not open a video writer"
    for f in frames:
        writer.write(f)
    writer.release()
    return path


@pytest.fixture
def gradient_video(tmp_path: Path) -> Path:
    """A 12-frame 64x48 video at 30 fps whose frames get brighter (no person)."""
    frames = [np.full((48, 64, 3), 20 * i, np.uint8) for i in range(12)]
    return write_video(tmp_path / "gradient.mp4", frames)
