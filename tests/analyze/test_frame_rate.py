"""The frame rate and skipped frames do not change the answer.

Real MediaPipe poses of fixture clips (posed once per test session) are turned
into the poses other cameras would give of the same movement: 15 and 24 fps by
keeping the frames nearest to that clock (at their own times), 60 fps by
interpolating the landmarks linearly between frames, and a 30 fps recording with
a third of its frames missing at random (as ``live`` skips frames when the
machine is busy). Every complete rep must come out with the same direction, its
peaks within 1 deg, its SPARC within 0.2 and its score within 3 points.
"""

from __future__ import annotations

import numpy as np
import pytest

from halfcircle.analyze.video import Analysis, analyze_poses
from halfcircle.kinematics.filters import lowpass_zero_phase
from halfcircle.landmarks import PoseSequence
from tests.conftest import fixture_poses

CLIPS = ("hc_front_right", "hc_two_reps", "hc_fast")
PEAK_TOL_DEG = 1.0
SPARC_TOL = 0.2
SCORE_TOL = 3.0


def _frames(seq: PoseSequence, idx: np.ndarray, fps: float) -> PoseSequence:
    return PoseSequence(
        seq.time_s[idx], seq.image[idx], seq.world[idx], seq.visibility[idx],
        seq.presence[idx], seq.n_people[idx], seq.image_size, fps,
    )  # fmt: skip


def at_rate(seq: PoseSequence, fps: float) -> PoseSequence:
    """The poses a camera running at ``fps`` would give of the same movement."""
    t = np.arange(seq.time_s[0], seq.time_s[-1] + 1e-9, 1.0 / fps)
    if fps <= seq.fps:
        idx = np.unique(np.round((t - seq.time_s[0]) * seq.fps).astype(int))
        return _frames(seq, np.clip(idx, 0, len(seq) - 1), fps)

    def interp(a: np.ndarray) -> np.ndarray:
        flat = a.reshape(len(seq), -1)
        out = np.stack([np.interp(t, seq.time_s, flat[:, j]) for j in range(flat.shape[1])], 1)
        return out.reshape((len(t), *a.shape[1:]))

    people = np.round(np.interp(t, seq.time_s, seq.n_people)).astype(seq.n_people.dtype)
    return PoseSequence(
        t, interp(seq.image), interp(seq.world), interp(seq.visibility),
        interp(seq.presence), people, seq.image_size, fps,
    )  # fmt: skip


def decimated(seq: PoseSequence, missing: float, seed: int) -> PoseSequence:
    """``seq`` with a share ``missing`` of its frames gone at random (times kept)."""
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(len(seq), size=round(len(seq) * (1 - missing)), replace=False))
    return _frames(seq, keep, seq.fps)


def _compare(got: Analysis, ref: Analysis, label: str) -> None:
    a, b = got.complete_reps, ref.complete_reps
    assert [r.direction for r in a] == [r.direction for r in b], label
    assert b, f"{label}: the reference has no complete rep"
    for x, y in zip(a, b, strict=True):
        for key in ("peak_lateral_right_deg", "peak_lateral_left_deg", "peak_forward_deg"):
            diff = abs(getattr(x.metrics, key) - getattr(y.metrics, key))
            assert diff <= PEAK_TOL_DEG, f"{label} rep {y.index}: {key} differs by {diff:.2f}"
        assert abs(x.metrics.sparc - y.metrics.sparc) <= SPARC_TOL, (
            f"{label} rep {y.index}: SPARC {x.metrics.sparc:.2f} vs {y.metrics.sparc:.2f}"
        )
        assert x.score is not None and y.score is not None
        assert abs(x.score.total - y.score.total) <= SCORE_TOL, (
            f"{label} rep {y.index}: score {x.score.total:.1f} vs {y.score.total:.1f}"
        )


@pytest.mark.video
@pytest.mark.parametrize("name", CLIPS)
def test_the_same_movement_gives_the_same_reps_at_any_frame_rate(name: str) -> None:
    seq = fixture_poses(name)
    ref = analyze_poses(seq)
    for fps in (15.0, 24.0, 60.0):
        derived = at_rate(seq, fps)
        assert abs(len(derived) - len(seq) * fps / seq.fps) <= 2
        _compare(analyze_poses(derived), ref, f"{name} at {fps:g} fps")


@pytest.mark.video
@pytest.mark.parametrize("name", CLIPS)
def test_a_third_of_the_frames_missing_at_random_changes_nothing(name: str) -> None:
    seq = fixture_poses(name)
    ref = analyze_poses(seq)
    for seed in (0, 1):
        _compare(analyze_poses(decimated(seq, 1 / 3, seed)), ref, f"{name}, seed {seed}")


def test_the_offline_filter_keeps_its_cut_off_when_frames_are_skipped() -> None:
    """A slow movement under a 1.5 Hz low-pass comes through, 4 Hz jitter does not.

    With a third of the frames skipped the filter works on a uniform clock: the
    error stays within 0.8 deg of a 10 deg movement (0.5 measured); filtering the
    skipped frames as if they were evenly spaced warps it by 3 deg.
    """
    t = np.arange(300) / 30.0
    movement = 10.0 * np.sin(2 * np.pi * 0.5 * t)
    seen = movement + 1.0 * np.sin(2 * np.pi * 4.0 * t)
    keep = np.sort(np.random.default_rng(3).choice(300, size=200, replace=False))
    for sel, tol in ((np.arange(300), 0.1), (keep, 0.8)):
        out = lowpass_zero_phase(t[sel], seen[sel], cutoff_hz=1.5)
        inner = (t[sel] > 0.5) & (t[sel] < 9.5)
        assert np.max(np.abs(out - movement[sel])[inner]) < tol
