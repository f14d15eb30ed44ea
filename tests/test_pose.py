"""The pose stage runs real MediaPipe on real frames and returns our own arrays."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest

from halfcircle.capture import open_source
from halfcircle.errors import ModelError, ValidationError
from halfcircle.landmarks import LANDMARK, PoseSequence
from halfcircle.pose import LivePosePool, PoseEstimator, PrimaryTracker, _StderrMute
from halfcircle.posefile import iter_poses


def _poses(video: Path, model: str = "full") -> PoseSequence:
    with open_source(video) as source, PoseEstimator(model, "video") as est:
        frames = [pose for _, pose in iter_poses(source, est)]
        return PoseSequence.from_frames(frames, source.size, source.fps, str(video))


@pytest.mark.parametrize("model", ["lite", "full"])
def test_a_person_is_found_on_every_frame(person_video: Path, model: str) -> None:
    seq = _poses(person_video, model)
    assert len(seq) == 15
    assert seq.detected.all()
    assert (seq.n_people == 1).all()
    # our arrays, in our units: normalised image coordinates, metres, scores in [0, 1]
    nose = seq.image[:, LANDMARK["nose"]]
    assert np.all((nose[:, :2] > 0) & (nose[:, :2] < 1))
    shoulders = seq.world[:, [LANDMARK["left_shoulder"], LANDMARK["right_shoulder"]]]
    width_m = np.linalg.norm(shoulders[:, 0] - shoulders[:, 1], axis=1)
    assert np.all((width_m > 0.2) & (width_m < 0.6))
    assert np.nanmin(seq.visibility) >= 0 and np.nanmax(seq.visibility) <= 1
    # the person faces the camera: their left shoulder is on the image's right
    assert np.all(seq.image[:, 11, 0] > seq.image[:, 12, 0])
    # the photo drifts right by 4 px a frame; the nose follows
    assert np.polyfit(np.arange(15), nose[:, 0] * 640, 1)[0] == pytest.approx(4.0, abs=1.0)


def test_nobody_is_found_in_an_empty_room(empty_video: Path) -> None:
    seq = _poses(empty_video)
    assert len(seq) == 10
    assert not seq.detected.any()
    assert np.isnan(seq.image).all() and np.isnan(seq.world).all()


def test_timestamps_come_from_the_file_clock(person_video: Path) -> None:
    seq = _poses(person_video)
    assert np.allclose(seq.time_s, np.arange(15) / 30.0, atol=1e-6)


def test_live_mode_returns_poses_asynchronously(person_video: Path) -> None:
    with open_source(person_video) as source, PoseEstimator("lite", "live") as est:
        for frame in source:
            est.submit(frame.image, frame.time_s)
            time.sleep(0.03)
        deadline = time.monotonic() + 5.0
        got = est.poll()
        while len(got) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
            got += est.poll()
    assert got, "the live landmarker returned nothing"
    assert all(p.detected for p in got)
    assert all(b.time_s > a.time_s for a, b in itertools.pairwise(got))


def _wait_for(pool: LivePosePool, n: int, timeout_s: float = 10.0) -> list:  # type: ignore[type-arg]
    got: list = []  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout_s
    while len(got) < n and time.monotonic() < deadline:
        time.sleep(0.005)
        got += pool.poll()
    return got


def test_a_pool_of_landmarkers_gives_the_poses_of_one_in_frame_order(person_video: Path) -> None:
    with open_source(person_video) as source:
        frames = [(f.image, f.time_s) for f in source]
    with PoseEstimator("lite", "video") as one:
        reference = [one.process(image, t) for image, t in frames]
    got = []
    with LivePosePool("lite", workers=2) as pool:
        assert pool.workers == 2
        first, second = pool._estimators
        assert first._primary is second._primary  # they follow one person together
        for image, t in frames[:8]:  # one at a time: each landmarker in turn, nothing dropped
            pool.submit(image, t)
            got += _wait_for(pool, 1)
        for image, t in frames[8:10]:  # two at once: both landmarkers busy together
            pool.submit(image, t)
        got += _wait_for(pool, 2)
    assert [round(p.time_s, 3) for p in got] == [round(t, 3) for _, t in frames[:10]]
    for pose, ref in zip(got, reference, strict=False):
        assert np.allclose(pose.image, ref.image, atol=0.02), pose.time_s


def _person(x: float, size: float) -> np.ndarray:
    """A (33, 5) normalised pose: a box of ``size`` centred at (x, 0.5)."""
    rng = np.random.default_rng(0)
    pts = np.zeros((33, 5))
    pts[:, :2] = (x, 0.5) + (rng.random((33, 2)) - 0.5) * size
    pts[[11, 12, 23, 24], :2] = (x, 0.5)
    return pts


def test_the_primary_person_is_the_largest_then_the_nearest_to_the_last_pick() -> None:
    tracker = PrimaryTracker()
    assert tracker.pick([_person(0.3, 0.2), _person(0.7, 0.4)]) == 1  # largest first
    # The other person steps closer and looks larger; the one followed stays.
    assert tracker.pick([_person(0.32, 0.5), _person(0.69, 0.4)]) == 1
    tracker.reset()  # nobody in view: start over with the largest
    assert tracker.pick([_person(0.32, 0.5), _person(0.69, 0.4)]) == 0


def test_landmarkers_sharing_a_tracker_stay_on_one_person_across_alternate_frames() -> None:
    shared = PrimaryTracker()
    frames = [[_person(0.3, 0.3 + 0.05 * i), _person(0.7, 0.4)] for i in range(6)]
    picks = [shared.pick(people) for people in frames]  # landmarker A, B, A, B, ...
    assert picks == [1] * 6
    late = PrimaryTracker()  # a landmarker that started on frame 3 alone picks the other
    assert late.pick(frames[3]) == 0


def test_a_pool_drops_a_frame_when_every_landmarker_is_busy(person_video: Path) -> None:
    with open_source(person_video) as source:
        frames = [(f.image, f.time_s) for f in source]
    with LivePosePool("lite", workers=1) as pool:
        pool.submit(*frames[0])
        pool.submit(*frames[1])  # the only landmarker is still on frame 0
        got = _wait_for(pool, 2, timeout_s=3.0)
    assert [round(p.time_s, 3) for p in got] == [0.0]


def test_overlapping_stderr_mutes_give_stderr_back_when_the_last_stops(
    capfd: pytest.CaptureFixture[str],
) -> None:
    import os

    a, b = _StderrMute(), _StderrMute()
    a.start()
    b.start()
    a.stop()  # the first to start stops first: still muted for b
    os.write(2, b"hidden\n")
    b.stop()
    os.write(2, b"shown\n")
    err = capfd.readouterr().err
    assert "shown" in err and "hidden" not in err


def test_modes_are_not_mixed_up() -> None:
    frame = np.zeros((48, 64, 3), np.uint8)
    with PoseEstimator("lite", "video") as est, pytest.raises(ValidationError):
        est.submit(frame, 0.0)
    with PoseEstimator("lite", "live") as est, pytest.raises(ValidationError):
        est.process(frame, 0.0)
    with LivePosePool("lite", workers=1) as pool, pytest.raises(ValidationError):
        pool.process(frame, 0.0)


def test_frames_of_the_wrong_type_are_refused() -> None:
    with PoseEstimator("lite", "video") as est, pytest.raises(ValidationError, match="uint8 BGR"):
        est.process(np.zeros((48, 64), np.float32), 0.0)  # type: ignore[arg-type]


def test_a_missing_model_file_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        PoseEstimator(tmp_path / "nothing.task")


def test_a_second_person_is_noticed_and_the_first_stays_tracked(tmp_path: Path) -> None:
    import cv2

    from tests.conftest import photo_of_a_person, write_video

    big = cv2.resize(photo_of_a_person(), (400, 470))
    small = cv2.resize(photo_of_a_person(), (340, 400))
    frames = []
    for i in range(12):
        canvas = np.full((480, 1280, 3), 90, np.uint8)
        canvas[5:475, 20 + i : 420 + i] = big  # the tracked person, left, drifting right
        canvas[40:440, 900:1240] = small  # someone else, right, standing still
        frames.append(canvas)
    seq = _poses(write_video(tmp_path / "two.mp4", frames))
    assert seq.detected.all()
    assert (seq.n_people == 2).mean() >= 0.5
    # the primary person is the same one on every frame: the big one on the left
    assert np.all(seq.image[:, LANDMARK["nose"], 0] < 0.5)
