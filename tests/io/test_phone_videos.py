"""Recordings as phones and cameras make them: rotation tags, mirroring, 60 fps, VFR, codecs.

Each clip is derived from a rendered fixture with the ffmpeg of imageio-ffmpeg
and run through real MediaPipe; its angles must match the original's at the
same times.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from halfcircle.analyze.video import extract_poses
from halfcircle.kinematics.measure import KinematicsSeries, compute_kinematics

REPO = Path(__file__).resolve().parents[2]
#: A front view whose first 4 s hold the quiet stance and the right side bend.
FIXTURE = REPO / "fixtures" / "hc_front_right.mp4"
SECONDS = 4


def _ffmpeg(*args: object) -> None:
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", *map(str, args)], check=True
    )


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The original's first seconds and copies of it as other devices save them."""
    d = tmp_path_factory.mktemp("phone")
    out = {"original": d / "original.mp4"}
    _ffmpeg("-i", FIXTURE, "-t", SECONDS, "-c", "copy", out["original"])
    x264 = ("-c:v", "libx264", "-crf", 18)
    # a phone stores portrait video as landscape frames plus a rotation tag
    _ffmpeg("-i", out["original"], "-vf", "transpose=1", *x264, d / "stored.mp4")
    out["portrait"] = d / "portrait.mp4"
    _ffmpeg("-display_rotation", 90, "-i", d / "stored.mp4", "-c", "copy", out["portrait"])
    out["mirrored"] = d / "mirrored.mp4"  # a selfie video
    _ffmpeg("-i", out["original"], "-vf", "hflip", *x264, out["mirrored"])
    out["60fps"] = d / "60fps.mp4"
    _ffmpeg("-i", out["original"], "-vf", "fps=60", *x264, out["60fps"])
    out["vfr"] = d / "vfr.mp4"  # every third frame dropped, the others at their own times
    select = "select='not(eq(mod(n\\,3)\\,1))'"
    _ffmpeg("-i", out["original"], "-vf", select, "-fps_mode", "vfr", *x264, out["vfr"])
    out["hevc"] = d / "hevc.mp4"
    _ffmpeg(
        "-i", out["original"], "-c:v", "libx265", "-crf", 22, "-tag:v", "hvc1",
        "-x265-params", "log-level=error", out["hevc"],
    )  # fmt: skip
    out["vp9"] = d / "vp9.webm"
    _ffmpeg(
        "-i", out["original"], "-c:v", "libvpx-vp9", "-crf", 30, "-b:v", 0,
        "-deadline", "realtime", "-cpu-used", 8, out["vp9"],
    )  # fmt: skip
    out["mov"] = d / "clip.mov"
    _ffmpeg("-i", out["original"], "-c", "copy", out["mov"])
    return out


@pytest.fixture(scope="module")
def original(clips: dict[str, Path]) -> KinematicsSeries:
    seq, _ = extract_poses(clips["original"], "full")
    return compute_kinematics(seq)


def _at_same_times(k: KinematicsSeries, ref: KinematicsSeries, name: str) -> np.ndarray:
    """``k``'s angle minus the original's on the original's frame nearest in time."""
    idx = np.clip(np.searchsorted(ref.time_s, k.time_s - 0.5 / 30.0), 0, len(ref) - 1)
    assert np.all(np.abs(ref.time_s[idx] - k.time_s) < 0.6 / 30.0)
    return np.asarray(getattr(k, name) - getattr(ref, name)[idx])


@pytest.mark.video
@pytest.mark.parametrize(
    ("clip", "frames_per_original"),
    [("portrait", 1), ("60fps", 2), ("vfr", 2 / 3), ("hevc", 1), ("vp9", 1), ("mov", 1)],
)
def test_a_derived_clip_gives_the_originals_angles(
    clips: dict[str, Path], original: KinematicsSeries, clip: str, frames_per_original: float
) -> None:
    seq, _ = extract_poses(clips[clip], "full")
    assert seq.image_size == (480, 640)  # portrait: read upright
    assert abs(len(seq) - frames_per_original * len(original)) <= 3  # every frame read
    k = compute_kinematics(seq)
    assert k.calibration is not None and k.view.kind == "front"
    for name, mean_tol in (("lateral_deg", 1.0), ("forward_deg", 1.5)):
        diff = _at_same_times(k, original, name)
        assert np.nanmean(np.abs(diff)) < mean_tol, name
        assert np.nanmax(np.abs(diff)) < 3 * mean_tol, name
    assert np.nanmax(k.lateral_deg) > 25  # the right side bend, read as right


@pytest.mark.video
def test_a_mirrored_clip_declared_mirrored_keeps_the_persons_left_and_right(
    clips: dict[str, Path], original: KinematicsSeries
) -> None:
    seq, _ = extract_poses(clips["mirrored"], "full", mirrored=True)
    assert seq.mirrored
    k = compute_kinematics(seq)
    assert np.nanmean(np.abs(_at_same_times(k, original, "lateral_deg"))) < 1.0
    assert np.nanmax(k.lateral_deg) > 25
    # undeclared, the mirror image bends to its left
    plain = compute_kinematics(extract_poses(clips["mirrored"], "full")[0])
    assert np.nanmin(plain.lateral_deg) < -25 and np.nanmax(plain.lateral_deg) < 5


def _frames_csv_lateral(path: Path) -> np.ndarray:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return np.array([float(r["lateral_deg"]) if r["lateral_deg"] else np.nan for r in rows])


@pytest.mark.video
@pytest.mark.parametrize("command", ["analyze", "live"])
def test_the_mirrored_option_of_the_commands(
    clips: dict[str, Path], tmp_path: Path, command: str
) -> None:
    out = tmp_path / "out"
    video = str(clips["mirrored"])
    args = {
        "analyze": ["analyze", video, "--out", str(out), "--no-video"],
        "live": [
            *("live", "--source", video, "--headless", "--fast", "--no-history"),
            *("--out", str(out), "--no-video"),
        ],
    }[command]
    done = subprocess.run(
        [sys.executable, "-m", "halfcircle", *args, "--mirrored"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode in (0, 5), done.stderr
    lateral = _frames_csv_lateral(out / "frames.csv")
    assert np.nanmax(lateral) > 25 and np.nanmin(lateral) > -5  # the right side, as done
    notes = json.loads((out / "summary.json").read_text())["notes"]
    assert any("mirrored" in n for n in notes)
