"""A long video is read in parts side by side, and the parts join into one reading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from halfcircle.analyze import parts
from halfcircle.analyze.parts import part_starts, poses_in_parts
from halfcircle.landmarks import PoseFrame

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_a_video_is_cut_into_parts_only_when_each_is_long_enough_and_a_core_is_free() -> None:
    assert part_starts(900, 30.0, cores=2) == [0, 450]  # 30 s: two parts of 15 s
    assert part_starts(900, 30.0, cores=8) == [0, 450]  # at most MAX_PARTS
    assert part_starts(300, 30.0, cores=2) == [0, 150]  # 10 s: two parts of 5 s
    assert part_starts(250, 30.0, cores=2) == [0]  # 8.3 s: parts would be under 5 s
    assert part_starts(900, 30.0, cores=1) == [0]
    assert part_starts(None, 30.0, cores=2) == [0]  # the container does not say
    assert part_starts(225, 30.0, cores=2, min_s=3.0) == [0, 112]


def _standing(x: float, t: float) -> PoseFrame:
    image = np.full((33, 3), np.nan)
    image[[11, 12], :2] = (x - 0.05, 0.4), (x + 0.05, 0.4)
    image[[23, 24], :2] = (x - 0.04, 0.6), (x + 0.04, 0.6)
    return PoseFrame(t, image, np.zeros((33, 3)), np.ones(33), np.ones(33), 1)


def test_a_seam_joins_parts_only_when_both_sides_measured_the_same_person() -> None:
    before = [_standing(0.30, 14.9), _standing(0.30, 14.933)]
    assert parts._same_person(before, [_standing(0.31, 14.966)], aspect=1.0)
    # someone else, 0.4 of the frame away (two torso lengths), a frame later
    assert not parts._same_person(before, [_standing(0.70, 14.966)], aspect=1.0)
    # nobody measured near the seam: each side stands on its own
    assert parts._same_person(before, [_standing(0.70, 20.0)], aspect=1.0)
    assert parts._same_person([], [_standing(0.70, 15.0)], aspect=1.0)


def test_a_seam_where_the_part_after_does_not_find_the_person_is_read_again() -> None:
    # a person a third of the frame high, followed up to the seam, was not found by the
    # landmarker starting afresh there for 1.5 s, and a half circle was lost
    nobody = PoseFrame(15.0, np.full((33, 3), np.nan), np.zeros((33, 3)), np.zeros(33),
                       np.zeros(33), 0)  # fmt: skip
    before = [_standing(0.30, 14.933), _standing(0.30, 14.966)]
    assert not parts._joins(before, [nobody, _standing(0.30, 15.033)], aspect=1.0)
    assert parts._joins(before, [_standing(0.30, 15.0)], aspect=1.0)
    assert parts._joins([*before, nobody], [nobody], aspect=1.0)  # gone before the seam
    assert not parts._joins(before, [_standing(0.70, 15.0)], aspect=1.0)  # someone else


@pytest.mark.video
def test_two_parts_read_every_frame_once_with_the_landmarks_of_one_reading() -> None:
    from halfcircle.analyze.video import extract_poses
    from halfcircle.io.capture import open_source
    from halfcircle.poseconfig import PoseConfig

    video = FIXTURES / "hc_front_right.mp4"
    whole, _ = extract_poses(video, "lite", pose=PoseConfig(track_one=True))
    with open_source(video) as source:
        starts = part_starts(source.frame_count, source.fps, cores=2, min_s=3.0)
        aspect = source.size[0] / source.size[1]
    counted: list[int] = []
    read = poses_in_parts(video, starts, "lite", 0.5, aspect=aspect, progress=counted.append)
    assert read is not None and len(starts) == 2
    poses, interrupted = read
    assert not interrupted and sum(counted) == len(poses) == len(whole)
    assert set(counted) == {1}  # once per frame, as extract_poses' progress is documented
    times = np.array([p.time_s for p in poses])
    assert np.array_equal(times, whole.time_s)  # each frame once, in order
    assert all(p.detected for p in poses)
    # the second part finds the person afresh: its first frames differ by centimetres,
    # fading; elsewhere the landmarks are those of one reading
    world = np.array([p.world for p in poses])
    gap = np.nanmax(np.abs(world - whole.world), axis=(1, 2))
    assert gap.max() < 0.10
    assert np.median(gap) < 0.01
